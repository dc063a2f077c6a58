"""6. Returns by customer group: per group, the period's purchases and returns and the return rate
by count and by amount; or, chosen in the form, the most returned products or the reasons given.

The period is a flow, as in the books: sales count on the sale's day, returns on the day they
were brought back (so a return in the period of an earlier sale counts, and the rate compares
the period's returns with the period's sales). Sales are receipts and invoices, by the store that
sold; returns by the store that took them back. A customer's group is the group today; sales and
returns without a customer have a row of their own. With products or product groups chosen,
receipts and returns count when they have a line of them, for what those lines cost.
"""

from django import forms
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum, TextChoices
from django.utils.translation import gettext_lazy as _

from customers.selectors.groups import group_paths
from reports.forms import ReportForm
from reports.parameters import customer_group_q, period_q, product_q, store_q
from reports.registry import Chart, Column, Report, report_register
from sales.models import ReturnLine, SalesLine, purchase_condition

# Bars in the chart of products and of reasons.
CHART_BARS = 10


class View(TextChoices):
    GROUPS = "groups", _("Return rates by customer group")
    PRODUCTS = "products", _("Most returned products")
    REASONS = "reasons", _("Return reasons")


class ReturnsByGroupForm(ReportForm):
    view = forms.ChoiceField(label=_("Show"), choices=View.choices, initial=View.GROUPS)


def _rate(part, whole) -> float | None:
    return float(part / whole) if whole else None


@report_register
class ReturnsByGroupReport(Report):
    number = 6
    code = "returns-by-group"
    title = _("Returns by customer group")
    description = _(
        "Per customer group: receipts and their amount, returns and the amount returned, and the return "
        "rate by count and by amount. Sales count on the sale's day, returns on the day they were brought "
        "back, in the store that took them. Or the most returned products, or the reasons given."
    )
    form_class = ReturnsByGroupForm

    def columns(self, parameters):
        view = parameters.get("view") or View.GROUPS
        if view == View.PRODUCTS:
            return [
                Column("sku", _("Code"), "text", 16),
                Column("product", _("Product"), "text", 32),
                Column("quantity", _("Quantity returned"), "quantity", 14),
                Column("returned", _("Returned amount"), "money", 16),
                Column("returns", _("Returns"), "integer", 10),
            ]
        if view == View.REASONS:
            return [
                Column("reason", _("Reason"), "text", 40),
                Column("returns", _("Returns"), "integer", 10),
                Column("returned", _("Returned amount"), "money", 16),
            ]
        return [
            Column("group", _("Customer group"), "text", 28),
            Column("receipts", _("Receipts"), "integer", 12),
            Column("sales", _("Sales amount"), "money", 16),
            Column("returns", _("Returns"), "integer", 10),
            Column("returned", _("Returned amount"), "money", 16),
            Column("rate_count", _("Return rate by count"), "percent", 14),
            Column("rate_amount", _("Return rate by amount"), "percent", 14),
        ]

    def _return_lines(self, parameters):
        return ReturnLine.objects.filter(
            period_q(parameters, "return_document__occurred_at"),
            store_q(parameters, "return_document__store"),
            product_q(parameters, "sale_line__product"),
            customer_group_q(parameters, "return_document__customer"),
            purchase_condition(through="return_document__sale__"),
        )

    # --- groups -------------------------------------------------------------------------------

    def _groups(self, parameters) -> list[dict]:
        sales = (
            SalesLine.objects.of_purchases()
            .filter(
                period_q(parameters, "document__occurred_at"),
                store_q(parameters, "document__store"),
                product_q(parameters),
                customer_group_q(parameters, "document__customer"),
            )
            .values(
                group=F("document__customer__group_id"),
                anonymous=ExpressionWrapper(Q(document__customer__isnull=True), output_field=BooleanField()),
            )
            .annotate(receipts=Count("document", distinct=True), amount=Sum("line_total"))
            .order_by()
        )
        returns = (
            self._return_lines(parameters)
            .values(
                group=F("return_document__customer__group_id"),
                anonymous=ExpressionWrapper(Q(return_document__customer__isnull=True), output_field=BooleanField()),
            )
            .annotate(returns=Count("return_document", distinct=True), returned=Sum("amount"))
            .order_by()
        )
        figures: dict[tuple, dict] = {}
        for row in sales:
            figures.setdefault((row["group"], row["anonymous"]), {}).update(row)
        for row in returns:
            figures.setdefault((row["group"], row["anonymous"]), {}).update(row)
        # The groups in tree order, then customers without a group, then sales without a customer.
        labels = {(pk, False): path for pk, path in group_paths().items()}
        labels[(None, False)] = str(_("No group"))
        labels[(None, True)] = str(_("No customer"))
        rows = []
        for key, label in labels.items():
            if key not in figures:
                continue
            row = figures[key]
            receipts, amount = row.get("receipts", 0), row.get("amount") or 0
            returns_count, returned = row.get("returns", 0), row.get("returned") or 0
            rows.append(
                {
                    "group": label,
                    "receipts": receipts,
                    "sales": amount,
                    "returns": returns_count,
                    "returned": returned,
                    "rate_count": _rate(returns_count, receipts),
                    "rate_amount": _rate(returned, amount),
                }
            )
        return rows

    # --- products and reasons -----------------------------------------------------------------

    def _products(self, parameters):
        return (
            self._return_lines(parameters)
            .values("sale_line__product_id")
            .annotate(
                sku=F("sale_line__product__sku"),
                name=F("sale_line__product__name"),
                quantity=Sum("quantity"),
                returned=Sum("amount"),
                returns=Count("return_document", distinct=True),
            )
            .order_by("-returned", "-quantity", "name", "sku")
        )

    def _reasons(self, parameters):
        return (
            self._return_lines(parameters)
            .values(reason=F("return_document__reason"))
            .annotate(returns=Count("return_document", distinct=True), returned=Sum("amount"))
            .order_by("-returns", "-returned", "reason")
        )

    def rows(self, parameters):
        view = parameters.get("view") or View.GROUPS
        if view == View.PRODUCTS:
            for row in self._products(parameters).iterator(chunk_size=2000):
                yield {
                    "sku": row["sku"],
                    "product": row["name"],
                    "quantity": row["quantity"],
                    "returned": row["returned"],
                    "returns": row["returns"],
                }
        elif view == View.REASONS:
            no_reason = str(_("No reason given"))
            for row in self._reasons(parameters).iterator(chunk_size=2000):
                yield {"reason": row["reason"] or no_reason, "returns": row["returns"], "returned": row["returned"]}
        else:
            yield from self._groups(parameters)

    def chart(self, parameters):
        view = parameters.get("view") or View.GROUPS
        if view == View.PRODUCTS:
            return TopRowsChart(label="product", value="returned", name=_("Returned amount"), value_format="money")
        if view == View.REASONS:
            return TopRowsChart(label="reason", value="returns", name=_("Returns"), value_format="integer")
        return ReturnRatesChart()


class TopRowsChart(Chart):
    """A bar for each of the first CHART_BARS rows (the rows come largest first)."""

    def __init__(self, *, label: str, value: str, name, value_format: str):
        self.label, self.value, self.name, self.value_format = label, value, name, value_format
        self.labels: list[str] = []
        self.values: list = []

    def add(self, row):
        if len(self.labels) < CHART_BARS:
            self.labels.append(row[self.label])
            value = row[self.value]
            self.values.append(float(value) if self.value_format == "money" else value)

    def result(self):
        if not self.labels:
            return None
        return {
            "kind": "bar",
            "labels": self.labels,
            "series": [{"name": str(self.name), "values": self.values}],
            "value_format": self.value_format,
        }


class ReturnRatesChart(Chart):
    """Both return rates of every group (a row each: the groups are few)."""

    def __init__(self):
        self.groups: list[str] = []
        self.by_count: list[float | None] = []
        self.by_amount: list[float | None] = []

    def add(self, row):
        self.groups.append(row["group"])
        self.by_count.append(row["rate_count"])
        self.by_amount.append(row["rate_amount"])

    def result(self):
        if not self.groups:
            return None
        return {
            "kind": "bar",
            "labels": self.groups,
            "series": [
                {"name": str(_("Return rate by count")), "values": self.by_count},
                {"name": str(_("Return rate by amount")), "values": self.by_amount},
            ],
            "value_format": "percent",
        }
