"""7. Loyalty points: per month, points earned, redeemed, expired, adjusted and moved by
returns, and the outstanding balance (the retailer's liability) at the month's end."""

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from loyalty.models import PointsEntry
from reports.forms import ReportForm
from reports.months import month_label, month_starts
from reports.parameters import customer_group_q, period_days, period_moments
from reports.registry import Chart, Column, Report, report_register

Kind = PointsEntry.Kind


class LoyaltyPointsForm(ReportForm):
    filters = ("period", "customer_groups")


@report_register
class LoyaltyPointsReport(Report):
    number = 7
    code = "loyalty-points"
    title = _("Loyalty points")
    description = _(
        "Per month: points earned, redeemed, expired, adjusted by hand or given as bonuses, moved by "
        "returns, and the points outstanding at the month's end — what the programme owes."
    )
    form_class = LoyaltyPointsForm

    def columns(self, parameters):
        return [
            Column("month", _("Month"), "text", 10),
            Column("earned", _("Earned"), "integer", 12),
            Column("redeemed", _("Redeemed"), "integer", 12),
            Column("expired", _("Expired"), "integer", 12),
            Column("bonus", _("Bonuses and opening balances"), "integer", 16),
            Column("adjusted", _("Manual adjustments"), "integer", 14),
            Column("returns", _("Moved by returns"), "integer", 14),
            Column("outstanding", _("Outstanding at month end"), "integer", 16),
        ]

    def _monthly(self, parameters):
        start, end = period_moments(parameters)
        entries = PointsEntry.objects.filter(customer_group_q(parameters))
        opening = entries.filter(occurred_at__lt=start).aggregate(total=Sum("points"))["total"] or 0
        figures = {
            row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
            for row in entries.filter(occurred_at__gte=start, occurred_at__lt=end)
            .annotate(month=TruncMonth("occurred_at"))
            .values("month")
            .annotate(
                earned=Sum("points", filter=Q(kind=Kind.EARN), default=0),
                redeemed=Sum("points", filter=Q(kind=Kind.REDEEM), default=0),
                expired=Sum("points", filter=Q(kind=Kind.EXPIRE), default=0),
                bonus=Sum("points", filter=Q(kind__in=[Kind.BONUS, Kind.OPENING]), default=0),
                adjusted=Sum("points", filter=Q(kind=Kind.ADJUST), default=0),
                returns=Sum("points", filter=Q(kind__in=[Kind.REVERSE, Kind.RESTORE]), default=0),
                total=Sum("points", default=0),
            )
            .order_by("month")
        }
        return opening, figures

    def rows(self, parameters):
        first, last = period_days(parameters)
        opening, figures = self._monthly(parameters)
        outstanding = opening
        for month in month_starts(first, last):
            row = figures.get(month, {})
            outstanding += row.get("total", 0)
            yield {
                "month": month_label(month),
                "earned": row.get("earned", 0),
                "redeemed": -row.get("redeemed", 0),
                "expired": -row.get("expired", 0),
                "bonus": row.get("bonus", 0),
                "adjusted": row.get("adjusted", 0),
                "returns": row.get("returns", 0),
                "outstanding": outstanding,
            }

    def chart(self, parameters):
        return LoyaltyPointsChart()


class LoyaltyPointsChart(Chart):
    """A line each for the points earned, redeemed and outstanding, a point per month."""

    SERIES = (("earned", _("Earned")), ("redeemed", _("Redeemed")), ("outstanding", _("Outstanding at month end")))

    def __init__(self):
        self.months: list[str] = []
        self.values: dict[str, list[int]] = {key: [] for key, _label in self.SERIES}

    def add(self, row):
        self.months.append(row["month"])
        for key, values in self.values.items():
            values.append(row[key])

    def result(self):
        return {
            "kind": "line",
            "labels": self.months,
            "series": [{"name": str(label), "values": self.values[key]} for key, label in self.SERIES],
            "value_format": "integer",
        }
