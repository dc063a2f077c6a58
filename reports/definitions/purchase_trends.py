"""5. Purchase trends by group: per month, how many customers bought, how many receipts, for how
much and the average receipt, split by age band, gender, customer group or store.

What counts: receipts and invoices of known customers (a sale without a customer has no age,
gender or group, so the months add up to the same whatever the split). The amount is what the
receipts cost at the till; returns are not taken off (report 6 shows them). With products or
product groups chosen, a receipt counts when it has a line of them and its amount is what those
lines cost. The age is the customer's age on the receipt's day, so a customer moves to the next
band with a birthday. A customer group is the customer's group today.
"""

from decimal import Decimal

from django import forms
from django.db.models import Case, Count, DateField, F, Func, IntegerField, Sum, TextChoices, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors.groups import group_paths
from reports.forms import ReportForm
from reports.months import month_label, month_starts
from reports.parameters import customer_group_q, period_days, period_q, product_q, store_q
from reports.registry import Column, Report, report_register
from sales.models import SalesDocument, SalesLine, Store

CENT = Decimal("0.01")
# A line chart with more lines than this is unreadable: the smallest split values become "Other".
MAX_SERIES = 8


class Split(TextChoices):
    AGE = "age", _("Age band")
    GENDER = "gender", _("Gender")
    GROUP = "group", _("Customer group")
    STORE = "store", _("Store")


# (the first age that is no longer in the band, its label); the last band has no upper end.
AGE_BANDS = (
    (25, _("Under 25")),
    (35, _("25–34")),
    (45, _("35–44")),
    (55, _("45–54")),
    (65, _("55–64")),
    (None, _("65 and over")),
)
AGE_UNKNOWN = len(AGE_BANDS)


class AgeInYears(Func):
    """Whole years from a birth date (the second expression) to a day (the first)."""

    template = "EXTRACT(YEAR FROM AGE(%(expressions)s))"
    output_field = IntegerField()


class PurchaseTrendsForm(ReportForm):
    split = forms.ChoiceField(label=_("Split by"), choices=Split.choices, initial=Split.GROUP)


@report_register
class PurchaseTrendsReport(Report):
    number = 5
    code = "purchase-trends"
    title = _("Purchase trends by group")
    description = _(
        "Per month: the customers who bought, their receipts, the amount and the average receipt, split "
        "by age band (the age on the receipt's day), gender, customer group or store. Receipts and "
        "invoices of known customers count, at the amount paid at the till: returns are not taken off. "
        "With products chosen, a receipt counts when it has a line of them, for what those lines cost."
    )
    form_class = PurchaseTrendsForm

    def columns(self, parameters):
        split = Split(parameters.get("split") or Split.GROUP)
        return [
            Column("month", _("Month"), "text", 10),
            Column("split", split.label, "text", 24),
            Column("customers", _("Customers"), "integer", 12),
            Column("receipts", _("Receipts"), "integer", 12),
            Column("amount", _("Amount"), "money", 16),
            Column("average", _("Average receipt"), "money", 16),
        ]

    def _labels(self, split: str) -> dict:
        """The split's values and their labels, in the order rows show them."""
        if split == Split.AGE:
            labels = {index: label for index, (_end, label) in enumerate(AGE_BANDS)}
            labels[AGE_UNKNOWN] = _("Unknown")
        elif split == Split.GENDER:
            labels = dict(Customer.Gender.choices)
            labels[""] = _("Not given")
        elif split == Split.STORE:
            labels = dict(Store.objects.order_by("name", "pk").values_list("pk", "name"))
        else:
            labels = dict(group_paths())
            labels[None] = _("No group")
        return {key: str(label) for key, label in labels.items()}

    def _figures(self, parameters) -> tuple[list[dict], dict]:
        """One dict per month and split value with purchases (month, key, customers, receipts,
        amount), ordered by month and the split's order; and the split's labels."""
        split = parameters.get("split") or Split.GROUP
        lines = SalesLine.objects.filter(
            period_q(parameters, "document__occurred_at"),
            store_q(parameters, "document__store"),
            product_q(parameters),
            customer_group_q(parameters, "document__customer"),
            document__kind__in=SalesDocument.PURCHASE_KINDS,
            document__customer__isnull=False,
        )
        if split == Split.AGE:
            lines = lines.annotate(
                age=AgeInYears(TruncDate("document__occurred_at"), F("document__customer__birth_date"))
            )
            bands = [When(age__lt=end, then=Value(index)) for index, (end, _label) in enumerate(AGE_BANDS) if end]
            key = Case(
                When(document__customer__birth_date__isnull=True, then=Value(AGE_UNKNOWN)),
                *bands,
                default=Value(len(AGE_BANDS) - 1),
                output_field=IntegerField(),
            )
        elif split == Split.GENDER:
            key = F("document__customer__gender")
        elif split == Split.STORE:
            key = F("document__store_id")
        else:
            key = F("document__customer__group_id")
        figures = list(
            lines.annotate(month=TruncMonth("document__occurred_at", output_field=DateField()), key=key)
            .values("month", "key")
            .annotate(
                customers=Count("document__customer", distinct=True),
                receipts=Count("document", distinct=True),
                amount=Sum("line_total"),
            )
            .order_by("month")
        )
        labels = self._labels(split)
        order = {key: index for index, key in enumerate(labels)}
        # At most a few dozen rows a month: the split's own order (age bands upwards, the group
        # tree, store names) is put here rather than taught to SQL.
        figures.sort(key=lambda row: (row["month"], order.get(row["key"], len(order)), str(row["key"])))
        return figures, labels

    def rows(self, parameters):
        figures, labels = self._figures(parameters)
        for row in figures:
            yield (
                month_label(row["month"]),
                labels.get(row["key"], str(row["key"])),
                row["customers"],
                row["receipts"],
                row["amount"],
                (row["amount"] / row["receipts"]).quantize(CENT),
            )

    def chart(self, parameters):
        figures, labels = self._figures(parameters)
        if not figures:
            return None
        first, last = period_days(parameters)
        months = month_starts(first, last)
        position = {month: index for index, month in enumerate(months)}
        totals: dict = {}
        for row in figures:
            totals[row["key"]] = totals.get(row["key"], 0) + row["amount"]
        order = {key: index for index, key in enumerate(labels)}
        by_amount = sorted(totals, key=lambda key: (-totals[key], order.get(key, len(order))))
        shown = by_amount if len(by_amount) <= MAX_SERIES else by_amount[: MAX_SERIES - 1]
        shown.sort(key=lambda key: order.get(key, len(order)))
        values = {key: [0.0] * len(months) for key in shown}
        other = [0.0] * len(months)
        for row in figures:
            target = values.get(row["key"], other)
            target[position[row["month"]]] += float(row["amount"])
        series = [{"name": labels.get(key, str(key)), "values": values[key]} for key in shown]
        if len(shown) < len(by_amount):
            series.append({"name": str(_("Other")), "values": other})
        return {
            "kind": "line",
            "labels": [month_label(month) for month in months],
            "series": series,
            "value_format": "money",
        }
