"""5. Purchase trends by group: per month, how many customers bought, how many receipts, for how
much and the average receipt, split by age band, gender, customer group or store.

What counts: receipts and invoices of known customers (a sale without a customer has no age,
gender or group, so the months add up to the same whatever the split). The amount is what the
receipts cost at the till; returns are not taken off (report 6 shows them). With products or
product groups chosen, a receipt counts when it has a line of them and its amount is what those
lines cost. The age is the customer's age on the receipt's day, so a customer moves to the next
band with a birthday. A customer group is the customer's group today.
"""

from django import forms
from django.db.models import Case, Count, DateField, F, Func, IntegerField, Sum, TextChoices, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.money import CENT
from customers.models import Customer
from customers.selectors.groups import group_paths
from reports.forms import ReportForm
from reports.months import month_label, month_starts
from reports.parameters import customer_group_q, period_days, period_q, product_q, store_q
from reports.registry import Chart, Column, Report, report_register
from sales.models import SalesLine, Store

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
        lines = SalesLine.objects.of_purchases().filter(
            period_q(parameters, "document__occurred_at"),
            store_q(parameters, "document__store"),
            product_q(parameters),
            customer_group_q(parameters, "document__customer"),
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
            yield {
                "month": month_label(row["month"]),
                "split": labels.get(row["key"], str(row["key"])),
                "customers": row["customers"],
                "receipts": row["receipts"],
                "amount": row["amount"],
                "average": (row["amount"] / row["receipts"]).quantize(CENT),
            }

    def chart(self, parameters):
        split = parameters.get("split") or Split.GROUP
        first, last = period_days(parameters)
        return PurchaseTrendsChart(months=month_starts(first, last), labels=self._labels(split).values())


class PurchaseTrendsChart(Chart):
    """One line per split value with the amount of each month; past MAX_SERIES lines the smallest
    split values (by their whole amount) become "Other"."""

    def __init__(self, *, months, labels):
        self.months = [month_label(month) for month in months]
        self.position = {month: index for index, month in enumerate(self.months)}
        # The split's own order (age bands upwards, the group tree, store names).
        self.order = {label: index for index, label in enumerate(labels)}
        self.amounts: dict[str, list[float]] = {}

    def add(self, row):
        values = self.amounts.setdefault(row["split"], [0.0] * len(self.months))
        values[self.position[row["month"]]] += float(row["amount"])

    def result(self):
        if not self.amounts:
            return None
        unknown = len(self.order)
        totals = {label: sum(values) for label, values in self.amounts.items()}
        by_amount = sorted(totals, key=lambda label: (-totals[label], self.order.get(label, unknown)))
        shown = by_amount if len(by_amount) <= MAX_SERIES else by_amount[: MAX_SERIES - 1]
        shown.sort(key=lambda label: self.order.get(label, unknown))
        series = [{"name": label, "values": self.amounts[label]} for label in shown]
        if len(shown) < len(by_amount):
            other = [0.0] * len(self.months)
            for label in by_amount[len(shown) :]:
                for index, value in enumerate(self.amounts[label]):
                    other[index] += value
            series.append({"name": str(pgettext_lazy("chart series", "Other")), "values": other})
        return {"kind": "line", "labels": self.months, "series": series, "value_format": "money"}
