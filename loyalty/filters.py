"""The loyalty app's FilterSets: the cards list and a customer's points ledger. The selectors apply
them; the pages render their forms."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Card, CardType, PointsEntry
from loyalty.rules import card_number_clean


class CardFilter(django_filters.FilterSet):
    """The cards list: a number (or part of one), a type, a status."""

    q = django_filters.CharFilter(label=_("Number"), method="filter_number")
    card_type = django_filters.ModelChoiceFilter(
        label=_("Card type"), queryset=CardType.objects.order_by("name"), empty_label=_("All types")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Card.Status.choices, empty_label=_("All statuses"))

    class Meta:
        model = Card
        fields = ["q", "card_type", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs.update({"placeholder": _("Number or part of it"), "autocomplete": "off"})

    def filter_number(self, queryset, _name, value):
        number = card_number_clean(value)
        return queryset.filter(number__contains=number) if number else queryset


class PointsLedgerFilter(django_filters.FilterSet):
    """The ledger's filters: kind, source and a period (from, until; days in the retailer's time)."""

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PointsEntry.Kind.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=PointsEntry.Source.choices)
    period_from = django_filters.DateFilter(
        label=_("From"),
        field_name="occurred_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_until = django_filters.DateFilter(
        label=_("Until"),
        field_name="occurred_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = PointsEntry
        fields = ["kind", "source", "period_from", "period_until"]
