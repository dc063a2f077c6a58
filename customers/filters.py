"""The customer list's one FilterSet, shared by the page, its bulk actions and its export."""

import datetime

import django_filters
from django import forms
from django.db.models import FloatField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from customers.list_scopes import ListScope, list_scopes
from customers.models import Customer, CustomerStatus, CustomProperty
from customers.selectors.groups import group_choices, group_descendant_ids
from customers.selectors.rfm import RfmSegment, rfm_segment_q
from customers.selectors.search import search_q

ACTIVE = "active"
ALL = "all"
STATUS_CHOICES = [
    (ACTIVE, _("Active (Introduced and Control)")),
    *CustomerStatus.choices,
    (ALL, _("All, archived included")),
]
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
SORTS = {
    "name": ("last_name", "first_name", "company_name", "pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "-last_purchase": ("-last_purchase_at", "-pk"),
    "-total": ("-purchase_total", "-pk"),
    "-purchases": ("-purchase_count", "-pk"),
}
SORT_CHOICES = [
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("name", _("Name")),
    ("-last_purchase", _("Last purchase")),
    ("-total", _("Total amount")),
    ("-purchases", _("Number of purchases")),
]


def birthday_q(days: int, today: datetime.date) -> Q:
    """Birthdays from today to `days` days ahead, as (month, day) ranges that PostgreSQL checks."""
    days = max(0, min(days, 366))
    condition = Q()
    ranges: dict[int, list[int]] = {}
    for offset in range(days + 1):
        date = today + datetime.timedelta(days=offset)
        ranges.setdefault(date.month, []).append(date.day)
    for month, month_days in ranges.items():
        condition |= Q(
            birth_date__month=month, birth_date__day__gte=min(month_days), birth_date__day__lte=max(month_days)
        )
    return condition


def years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def property_number(code: str) -> Cast:
    """A number property as double precision: the cast is IMMUTABLE, so it can be indexed
    (customers.services.properties.property_index builds the index from this same expression)."""
    return Cast(KeyTextTransform(code, "properties"), FloatField())


def property_date(code: str) -> KeyTextTransform:
    """A date property as its stored ISO text (compared with ISO text, it orders as dates)."""
    return KeyTextTransform(code, "properties")


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )
    group = django_filters.ChoiceFilter(
        label=_("Group (with sub-groups)"), choices=group_choices, method="filter_group"
    )
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=Customer.Kind.choices)
    gender = django_filters.ChoiceFilter(label=_("Gender"), choices=Customer.Gender.choices)
    age_min = django_filters.NumberFilter(label=_("Age from"), method="filter_age_min", min_value=0)
    age_max = django_filters.NumberFilter(label=_("Age to"), method="filter_age_max", min_value=0)
    birthday_within = django_filters.NumberFilter(
        label=_("Birthday in the next … days"), method="filter_birthday", min_value=0, max_value=366
    )
    email_consent = django_filters.ChoiceFilter(label=_("E-mail consent"), choices=YES_NO[1:], method="filter_yes_no")
    sms_consent = django_filters.ChoiceFilter(label=_("SMS consent"), choices=YES_NO[1:], method="filter_yes_no")
    last_purchase_after = django_filters.DateFilter(
        label=_("Last purchase on or after"), field_name="last_purchase_at", lookup_expr="date__gte"
    )
    last_purchase_before = django_filters.DateFilter(
        label=_("Last purchase before"), field_name="last_purchase_at", method="filter_last_purchase_before"
    )
    purchases_min = django_filters.NumberFilter(
        label=_("Purchases from"), field_name="purchase_count", lookup_expr="gte"
    )
    purchases_max = django_filters.NumberFilter(label=_("Purchases to"), field_name="purchase_count", lookup_expr="lte")
    total_min = django_filters.NumberFilter(
        label=_("Total amount from"), field_name="purchase_total", lookup_expr="gte"
    )
    total_max = django_filters.NumberFilter(label=_("Total amount to"), field_name="purchase_total", lookup_expr="lte")
    segment = django_filters.ChoiceFilter(
        label=_("Customer value (RFM)"), choices=RfmSegment.choices, method="filter_segment"
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort", empty_label=None)

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, data=None, *args, properties: list[CustomProperty] | None = None, **kwargs):
        data = data.copy() if data is not None else {}
        if hasattr(data, "setdefault"):
            data.setdefault("status", ACTIVE)
            data.setdefault("sort", "-created")
        super().__init__(data, *args, **kwargs)
        self.properties = [prop for prop in (properties or []) if not prop.is_archived]
        for prop in self.properties:
            self._property_filters(prop)
        for scope in list_scopes:
            self.filters[scope.param] = django_filters.ChoiceFilter(
                label=scope.label, choices=scope.choices, method=self._scope_method(scope)
            )

    def _property_filters(self, prop: CustomProperty) -> None:
        name = f"p_{prop.code}"
        label = prop.label
        if prop.type == CustomProperty.Type.TEXT:
            self.filters[name] = django_filters.CharFilter(
                label=_("%(property)s contains") % {"property": label},
                field_name=f"properties__{prop.code}",
                lookup_expr="icontains",
            )
        elif prop.type == CustomProperty.Type.NUMBER:
            for suffix, lookup, text in (
                ("min", "gte", _("%(property)s: at least")),
                ("max", "lte", _("%(property)s: at most")),
            ):
                self.filters[f"{name}_{suffix}"] = django_filters.NumberFilter(
                    label=text % {"property": label}, method=self._range_method(prop.code, lookup, property_number)
                )
        elif prop.type == CustomProperty.Type.DATE:
            for suffix, lookup, text in (
                ("from", "gte", _("%(property)s: from")),
                ("to", "lte", _("%(property)s: until")),
            ):
                self.filters[f"{name}_{suffix}"] = django_filters.DateFilter(
                    label=text % {"property": label},
                    method=self._range_method(prop.code, lookup, property_date),
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
        elif prop.type == CustomProperty.Type.BOOLEAN:
            self.filters[name] = django_filters.ChoiceFilter(
                label=label, choices=YES_NO[1:], method=self._contains_method(prop.code, {"yes": True, "no": False})
            )
        elif prop.type == CustomProperty.Type.CHOICE:
            self.filters[name] = django_filters.ChoiceFilter(
                label=label,
                choices=[(choice, choice) for choice in prop.choices],
                method=self._contains_method(prop.code, {choice: choice for choice in prop.choices}),
            )

    @staticmethod
    def _range_method(code: str, lookup: str, expression):
        alias = f"property_{code}"

        def method(queryset, _name, value):
            if value in (None, ""):
                return queryset
            if isinstance(value, datetime.date):
                value = value.isoformat()
            return queryset.alias(**{alias: expression(code)}).filter(**{f"{alias}__{lookup}": value})

        return method

    @staticmethod
    def _scope_method(scope: ListScope):
        def method(queryset, _name, value):
            return queryset.filter(scope.condition(value)) if value else queryset

        return method

    @staticmethod
    def _contains_method(code: str, values: dict):
        def method(queryset, _name, value):
            if value in (None, ""):
                return queryset
            return queryset.filter(properties__contains={code: values[value]})

        return method

    def description(self) -> list[list[str]]:
        """[label, value] pairs a person reads (the export's run and file): each filter in use,
        in the form's order, its value as the form shows it. Call after `is_valid()`."""
        lines = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(value, datetime.date):
                text = formats.date_format(value)
            elif getattr(field, "choices", None):
                text = str(dict(field.choices).get(value, dict(field.choices).get(str(value), value)))
            else:
                text = formats.localize(value)
            lines.append([str(field.label), str(text)])
        return lines

    def filter_search(self, queryset, _name, value):
        return queryset.filter(search_q(value)) if value.strip() else queryset

    def filter_status(self, queryset, _name, value):
        if value == ALL:
            return queryset
        if value == ACTIVE or not value:
            return queryset.exclude(status=CustomerStatus.ARCHIVED)
        return queryset.filter(status=value)

    def filter_group(self, queryset, _name, value):
        return queryset.filter(group_id__in=group_descendant_ids(int(value))) if value else queryset

    def filter_age_min(self, queryset, _name, value):
        return queryset.filter(birth_date__lte=years_ago(timezone.localdate(), int(value)))

    def filter_age_max(self, queryset, _name, value):
        return queryset.filter(birth_date__gt=years_ago(timezone.localdate(), int(value) + 1))

    def filter_birthday(self, queryset, _name, value):
        return queryset.filter(birthday_q(int(value), timezone.localdate()))

    def filter_yes_no(self, queryset, name, value):
        return queryset.filter(**{name: value == "yes"})

    def filter_last_purchase_before(self, queryset, _name, value):
        return queryset.filter(Q(last_purchase_at__date__lt=value))

    def filter_segment(self, queryset, _name, value):
        return queryset.filter(rfm_segment_q(value)) if value else queryset

    def filter_sort(self, queryset, _name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["-created"]))
