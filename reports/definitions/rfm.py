"""3. Customer value (RFM): every customer who bought at least once, with the recency, frequency
and monetary scores and the segment of customers.selectors.rfm (quintiles of the whole customer
base, so a filter narrows the list without changing anyone's scores)."""

from django import forms
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerGroup
from customers.selectors.exporting import choice_label_sql, customer_name_sql
from customers.selectors.rfm import RfmSegment, rfm_scores_sql
from reports.forms import ReportForm
from reports.parameters import customer_group_ids
from reports.registry import Chart, Column, Report, report_register

CHUNK = 2000


class RfmForm(ReportForm):
    filters = ("customer_groups",)
    period_required = False

    segment = forms.ChoiceField(
        label=_("Segment"),
        choices=[("", _("Every segment")), *RfmSegment.choices],
        required=False,
    )


def _scored_customers_sql(
    parameters: dict, *, select: str, select_params: tuple = (), tail: str = "", with_segment: bool = True
):
    """The scored customers joined to their records, filtered by the chosen groups (and the
    chosen segment): SQL text and parameters (`select_params` those of `select`)."""
    scores, params = rfm_scores_sql()
    customer_table = Customer._meta.db_table
    group_table = CustomerGroup._meta.db_table
    conditions, condition_params = [], []
    groups = customer_group_ids(parameters)
    if groups:
        conditions.append("customer.group_id = ANY(%s)")
        condition_params.append(sorted(groups))
    if with_segment and parameters.get("segment"):
        conditions.append("rfm.segment = %s")
        condition_params.append(parameters["segment"])
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"""
        SELECT {select}
        FROM ({scores}) AS rfm
        JOIN "{customer_table}" AS customer ON customer.id = rfm.customer_id
        LEFT JOIN "{group_table}" AS customer_group ON customer_group.id = customer.group_id
        {where}
        {tail}
    """
    return sql, [*select_params, *params, *condition_params]


@report_register
class RfmReport(Report):
    number = 3
    code = "rfm"
    title = _("Customer value (RFM)")
    description = _(
        "Every customer who bought at least once, scored 1 to 5 against all of them (5: the best fifth) "
        "on recency (days since the last purchase), frequency (purchases) and monetary value (amount "
        "net of returns), and the segment those scores give: champions, loyal, promising, need "
        "attention, at risk, lapsed, lost. Equal figures get equal scores. The groups and the segment "
        "chosen narrow the list, not the scores; the chart counts the chosen groups' customers in "
        "every segment. Best segment first, then the largest amount."
    )
    form_class = RfmForm

    def columns(self, parameters):
        return [
            Column("customer", _("Customer code"), "integer", 10),
            Column("name", _("Name"), "text", 28),
            Column("group", _("Group"), "text", 18),
            Column("last_purchase", _("Last purchase"), "date", 12),
            Column("days_since", _("Days since the last purchase"), "integer", 12),
            Column("purchases", _("Purchases"), "integer", 10),
            Column("amount", _("Amount"), "money", 14),
            Column("recency", _("Recency (R)"), "integer", 10),
            Column("frequency", _("Frequency (F)"), "integer", 10),
            Column("monetary", _("Monetary (M)"), "integer", 10),
            Column("segment", _("Segment"), "text", 16),
        ]

    def _rows_sql(self, parameters):
        """Every value of a row made in SQL (the name as the card shows it, the days since the last
        purchase, the segment in the user's words): the rows stream to the file as they come."""
        order = ", ".join(f"'{segment}'" for segment in RfmSegment.values)
        name, name_params = customer_name_sql("customer")
        segment, segment_params = choice_label_sql("rfm.segment", RfmSegment.choices)
        return _scored_customers_sql(
            parameters,
            select=(
                f"customer.id, {name}, customer_group.name, rfm.last_day, %s::date - rfm.last_day, "
                "customer.purchase_count, customer.purchase_total, rfm.recency, rfm.frequency, rfm.monetary, "
                f"{segment}"
            ),
            select_params=(*name_params, timezone.localdate(), *segment_params),
            tail=(
                f"ORDER BY array_position(ARRAY[{order}]::text[], rfm.segment), "
                "customer.purchase_total DESC, customer.id"
            ),
        )

    def customers(self, parameters):
        sql, params = _scored_customers_sql(parameters, select="customer.id")
        return Q(pk__in=RawSQL(sql, params))

    def rows(self, parameters):
        sql, params = self._rows_sql(parameters)
        keys = [column.key for column in self.columns(parameters)]
        # A server-side cursor: the rows stream in batches, memory stays flat.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(CHUNK):
                for row in batch:
                    yield dict(zip(keys, row, strict=True))

    def segment_sizes(self, parameters) -> dict[str, int]:
        """How many of the chosen groups' customers each segment holds (every segment, in order)."""
        sql, params = _scored_customers_sql(
            parameters, select="rfm.segment, COUNT(*)", tail="GROUP BY rfm.segment", with_segment=False
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counts = dict(cursor.fetchall())
        return {segment: counts.get(segment, 0) for segment in RfmSegment.values}

    def row_estimate(self, parameters):
        queryset = Customer.objects.filter(purchase_count__gt=0, last_purchase_at__isnull=False)
        groups = customer_group_ids(parameters)
        if groups:
            queryset = queryset.filter(group_id__in=groups)
        return queryset.count()

    def chart(self, parameters):
        return RfmChart(report=self, parameters=parameters)


class RfmChart(Chart):
    """The chosen groups' customers in every segment. Without a chosen segment the rows hold them
    all and are counted as they pass; a chosen segment narrows the rows, not the chart, so then
    the segments' sizes come from one aggregate over the scores."""

    def __init__(self, *, report: RfmReport, parameters: dict):
        self.report, self.parameters = report, parameters
        self.counting = not parameters.get("segment")
        self.sizes = dict.fromkeys((str(label) for label in RfmSegment.labels), 0)

    def add(self, row):
        if self.counting:
            self.sizes[row["segment"]] += 1

    def result(self):
        sizes = (
            list(self.sizes.values()) if self.counting else list(self.report.segment_sizes(self.parameters).values())
        )
        return {
            "kind": "bar",
            "labels": list(self.sizes),
            "series": [{"name": str(_("Customers")), "values": sizes}],
            "value_format": "integer",
        }
