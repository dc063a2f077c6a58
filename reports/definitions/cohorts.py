"""9. Cohort retention: customers grouped by the month of their first purchase, and for each month
after it the share of the cohort that bought again.

A customer's first purchase is the first receipt or invoice ever (not the first in the period),
so only customers whose first purchase falls in the period form cohorts; a customer who bought
before the period is in none. Month 0 is the cohort's own month (always 100 %), month 1 the next
calendar month, and so on up to the period's last month (at most 24 months on); a month after the
period's end, or after today, is left empty. Months are the retailer's calendar months; a period
starting mid-month makes its first cohort a partial month. Customer groups are the customers'
groups today.
"""

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.forms import ReportForm
from reports.months import month_label
from reports.parameters import customer_group_ids, period_days, period_moments
from reports.registry import Chart, Column, Report, report_register
from sales.models import SalesDocument

# The longest follow-up shown: month 0 to month 24.
MAX_OFFSET = 24

# A customer's first purchase ever joined to the months they bought in is two aggregates over the
# same purchases joined on the customer: plain SQL says it more clearly than the ORM could. The
# purchases themselves (which documents, which customers) come from the ORM.
COHORTS_SQL = """
WITH purchases AS ({purchases}),
cohort AS (
    SELECT customer_id, date_trunc('month', MIN(occurred_at) AT TIME ZONE %s)::date AS month
    FROM purchases
    GROUP BY customer_id
    HAVING MIN(occurred_at) >= %s
),
activity AS (
    SELECT DISTINCT customer_id, date_trunc('month', occurred_at AT TIME ZONE %s)::date AS month
    FROM purchases
    WHERE occurred_at >= %s
)
SELECT cohort.month, activity.month, COUNT(*)
FROM cohort JOIN activity ON activity.customer_id = cohort.customer_id
GROUP BY cohort.month, activity.month
ORDER BY cohort.month, activity.month
"""


def _month_difference(first: datetime.date, later: datetime.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _month_add(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


class CohortsForm(ReportForm):
    filters = ("period", "customer_groups")


@report_register
class CohortsReport(Report):
    number = 9
    code = "cohorts"
    title = _("Cohort retention")
    description = _(
        "Customers grouped by the month of their first purchase ever (cohorts starting in the period), "
        "and for each month after it the share of the cohort that bought in that month, up to the "
        "period's end and at most 24 months on."
    )
    form_class = CohortsForm

    def _last_month(self, parameters) -> datetime.date:
        """The last month with figures: the period's, or this month if the period goes on."""
        _first, last = period_days(parameters)
        return min(last, timezone.localdate()).replace(day=1)

    def _offset_count(self, parameters) -> int:
        first, _last = period_days(parameters)
        months = _month_difference(first.replace(day=1), self._last_month(parameters))
        return min(max(months, 0), MAX_OFFSET) + 1

    def columns(self, parameters):
        return [
            Column("cohort", _("Cohort"), "text", 10),
            Column("customers", _("Customers"), "integer", 11),
            *(
                Column(f"month_{offset}", _("Month %(number)s") % {"number": offset}, "percent", 9)
                for offset in range(self._offset_count(parameters))
            ),
        ]

    def _matrix(self, parameters) -> list[tuple[datetime.date, int, list[float | None]]]:
        """(cohort month, cohort size, share buying in each month offset or None) per cohort."""
        start, end = period_moments(parameters)
        groups = customer_group_ids(parameters)
        purchases = SalesDocument.objects.purchases().filter(customer__isnull=False, occurred_at__lt=end)
        if groups:
            purchases = purchases.filter(customer__group_id__in=sorted(groups))
        purchases = purchases.values("customer_id", "occurred_at").order_by()
        purchases_sql, purchases_params = purchases.query.sql_with_params()
        zone = timezone.get_current_timezone_name()
        with connection.cursor() as cursor:
            cursor.execute(COHORTS_SQL.format(purchases=purchases_sql), [*purchases_params, zone, start, zone, start])
            counts = cursor.fetchall()
        active: dict[datetime.date, dict[datetime.date, int]] = {}
        for cohort, month, count in counts:
            active.setdefault(cohort, {})[month] = count
        last_month, offsets = self._last_month(parameters), self._offset_count(parameters)
        matrix = []
        for cohort, months in active.items():
            size = months[cohort]
            shares = []
            for offset in range(offsets):
                month = _month_add(cohort, offset)
                shares.append(None if month > last_month else months.get(month, 0) / size)
            matrix.append((cohort, size, shares))
        return matrix

    def rows(self, parameters):
        for cohort, size, shares in self._matrix(parameters):
            yield {
                "cohort": month_label(cohort),
                "customers": size,
                **{f"month_{offset}": share for offset, share in enumerate(shares)},
            }

    def chart(self, parameters):
        return CohortsChart(offsets=self._offset_count(parameters))


class CohortsChart(Chart):
    """A heat map: a line per cohort, a cell per month after it."""

    def __init__(self, *, offsets: int):
        self.offsets = offsets
        self.cohorts: list[str] = []
        self.shares: list[list[float | None]] = []

    def add(self, row):
        self.cohorts.append(row["cohort"])
        self.shares.append([row[f"month_{offset}"] for offset in range(self.offsets)])

    def result(self):
        if not self.cohorts:
            return None
        return {
            "kind": "heatmap",
            "rows": self.cohorts,
            "labels": [str(offset) for offset in range(self.offsets)],
            "series": [{"name": str(_("Share of the cohort that bought")), "values": self.shares}],
            "value_format": "percent",
        }
