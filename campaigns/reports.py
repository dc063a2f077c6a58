"""The campaigns' reports, in the registry of reports (reports.registry): a campaign's effect, its
recipients against its hold-out group, with the uplift and its 95 per cent interval; and across
campaigns, which brought back which customers (by their RFM segment when the audience was drawn)."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.selectors.effect import campaign_effect, campaigns_by_value, cumulative_revenue
from customers.selectors.rfm import RfmSegment
from reports.forms import ReportForm
from reports.parameters import period_q
from reports.registry import Chart, Column, Report, report_register


class CampaignEffectForm(ReportForm):
    filters = ()

    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    days = forms.IntegerField(
        label=_("Window after sending (days)"),
        initial=30,
        min_value=1,
        max_value=365,
        help_text=_("Purchases from the moment the campaign began to go out, for this many days."),
    )

    def parameters(self) -> dict:
        values = super().parameters()
        values["campaign"] = self.cleaned_data["campaign"].pk
        return values

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(
            status__in=[Campaign.Status.SENDING, Campaign.Status.SENT]
        ).order_by("-started_at")


class CumulativeRevenueChart(Chart):
    """Revenue per customer, summed day by day, a line for each group (read in one query when the
    build ends; the rows carry the table, not the days)."""

    def __init__(self, campaign: Campaign | None, days: int):
        self.campaign, self.days = campaign, days

    def add(self, row):
        return None

    def result(self):
        if self.campaign is None:
            return None
        lines = cumulative_revenue(self.campaign, days=self.days)
        return {
            "kind": "line",
            "labels": [formats.date_format(day, "SHORT_DATE_FORMAT") for day in lines["days"]],
            "series": [
                {"name": str(_("Recipients")), "values": lines["recipient"]},
                {"name": str(_("Hold-out group")), "values": lines["holdout"]},
            ],
            "value_format": "money",
        }


MEASURE_LABELS = {
    "buyer": (_("Share who bought (%)"), "percent"),
    "receipts": (_("Receipts per customer"), "decimal"),
    "revenue": (_("Revenue per customer"), "money"),
    "points": (_("Points earned per customer"), "decimal"),
}


@report_register
class CampaignEffectReport(Report):
    number = 10
    code = "campaign-effect"
    title = _("Campaign effect")
    description = _(
        "What a campaign changed: its recipients against its hold-out group, who received nothing, over a "
        "window after sending. Per customer of each group (those who bought nothing count with 0): the share "
        "who bought, receipts, revenue (less returns) and points earned, the difference and its 95 per cent "
        "confidence interval; an interval that does not include 0 is an effect, not chance. Then the revenue "
        "the campaign brought (the revenue difference times the recipients), its coupons used and the extra "
        "points its offer gave. The chart draws the revenue per customer summed day by day for both groups."
    )
    form_class = CampaignEffectForm

    def columns(self, parameters):
        return [
            Column("measure", _("Measure"), "text", 30),
            Column("recipients", _("Recipients"), "number", 14),
            Column("holdout", _("Hold-out group"), "number", 14),
            Column("difference", _("Difference"), "number", 14),
            Column("low", _("95 % interval from"), "number", 14),
            Column("high", _("95 % interval to"), "number", 14),
        ]

    def _campaign(self, parameters):
        return Campaign.objects.filter(pk=parameters.get("campaign")).first()

    def rows(self, parameters):
        campaign = self._campaign(parameters)
        if campaign is None:
            return
        effect = campaign_effect(campaign, days=parameters.get("days") or 30)
        yield {
            "measure": str(_("Customers")),
            "recipients": effect.recipients,
            "holdout": effect.holdout,
            "difference": None,
            "low": None,
            "high": None,
        }
        for measure, (label, kind) in MEASURE_LABELS.items():
            result = effect.uplifts[measure]
            # A share in per cent (of customers), like the differences and intervals beside it.
            scale = 100 if kind == "percent" else 1
            digits = 2 if kind in ("money", "percent") else 4
            yield {
                "measure": str(label),
                **{
                    key: None if value is None else round(value * scale, digits)
                    for key, value in (
                        ("recipients", result.recipients),
                        ("holdout", result.holdout),
                        ("difference", result.difference),
                        ("low", result.low),
                        ("high", result.high),
                    )
                },
            }
        attributable = effect.attributable_revenue
        for label, value in (
            (_("Revenue brought by the campaign"), None if attributable is None else round(attributable, 2)),
            (_("Coupons used"), effect.coupons_used),
            (_("Coupons sent"), effect.coupons_issued),
            (_("Extra points given"), effect.campaign_points),
        ):
            yield {
                "measure": str(label),
                "recipients": value,
                "holdout": None,
                "difference": None,
                "low": None,
                "high": None,
            }

    def row_estimate(self, parameters):
        return 9

    def chart(self, parameters):
        return CumulativeRevenueChart(self._campaign(parameters), parameters.get("days") or 30)


class CampaignsByValueForm(ReportForm):
    filters = ("period",)

    days = forms.IntegerField(
        label=_("Window after sending (days)"),
        initial=30,
        min_value=1,
        max_value=365,
        help_text=_("Purchases from the moment each campaign began to go out, for this many days."),
    )


class BoughtChart(Chart):
    """Per campaign, the recipients' and the hold-out's share who bought, of the valuable and the
    lapsed customers together (the rows of those segments, weighted by their customers)."""

    def __init__(self):
        self.campaigns: dict[str, list[float]] = {}

    def add(self, row):
        if row["segment_code"] not in BROUGHT_BACK:
            return
        figures = self.campaigns.setdefault(row["campaign"], [0, 0.0, 0, 0.0])
        if row["bought_recipients"] is not None:
            figures[0] += row["recipients"]
            figures[1] += row["bought_recipients"] * row["recipients"]
        if row["bought_holdout"] is not None:
            figures[2] += row["holdout"]
            figures[3] += row["bought_holdout"] * row["holdout"]

    def result(self):
        if not self.campaigns:
            return None
        names = list(self.campaigns)
        return {
            "kind": "bar",
            "labels": names,
            "series": [
                {
                    "name": str(_("Recipients")),
                    "values": [round(f[1] / f[0], 4) if f[0] else 0 for f in self.campaigns.values()],
                },
                {
                    "name": str(_("Hold-out group")),
                    "values": [round(f[3] / f[2], 4) if f[2] else 0 for f in self.campaigns.values()],
                },
            ],
            "value_format": "percent",
        }


# The customers a retailer wants back: the valuable ones and those slipping away.
BROUGHT_BACK = {
    RfmSegment.CHAMPIONS,
    RfmSegment.LOYAL,
    RfmSegment.AT_RISK,
    RfmSegment.NEED_ATTENTION,
    RfmSegment.LAPSED,
    RfmSegment.LOST,
}


def _rounded(value, digits):
    return None if value is None else round(value, digits)


@report_register
class CampaignsByValueReport(Report):
    number = 11
    code = "campaigns-by-value"
    title = _("Campaigns by customer value")
    description = _(
        "Which campaigns brought back whom: for each campaign sent in the period, its recipients against its "
        "hold-out group per RFM segment the customers were in when the audience was drawn (champions, loyal, at "
        "risk, lapsed …; those who had not bought yet last). Per segment: the share who bought in the window "
        "after sending, the difference with its 95 per cent interval, the revenue per customer and the revenue "
        "the campaign brought. The chart compares the share who bought of the valuable and lapsed customers."
    )
    form_class = CampaignsByValueForm

    def columns(self, parameters):
        return [
            Column("campaign", _("Campaign"), "text", 30),
            Column("started", _("Sent"), "date", 12),
            Column("segment", _("Customer value when drawn"), "text", 22),
            Column("recipients", _("Recipients"), "integer", 12),
            Column("holdout", _("Hold-out group"), "integer", 12),
            Column("bought_recipients", _("Bought: recipients"), "percent", 14),
            Column("bought_holdout", _("Bought: hold-out group"), "percent", 14),
            Column("bought_difference", _("Difference"), "percent", 12),
            Column("bought_low", _("95 % interval from"), "percent", 12),
            Column("bought_high", _("95 % interval to"), "percent", 12),
            Column("revenue_recipients", _("Revenue per customer: recipients"), "money", 14),
            Column("revenue_holdout", _("Revenue per customer: hold-out group"), "money", 14),
            Column("revenue_brought", _("Revenue brought by the campaign"), "money", 16),
        ]

    def _campaigns(self, parameters):
        return list(
            Campaign.objects.filter(
                period_q(parameters, "started_at"),
                status__in=[Campaign.Status.SENDING, Campaign.Status.SENT],
                started_at__isnull=False,
            ).order_by("started_at", "pk")
        )

    def rows(self, parameters):
        labels = dict(RfmSegment.choices)
        for effect in campaigns_by_value(self._campaigns(parameters), days=parameters.get("days") or 30):
            brought = effect.attributable_revenue
            yield {
                "campaign": effect.campaign.name,
                "started": timezone.localdate(effect.campaign.started_at),
                "segment": str(labels.get(effect.segment, _("Had not bought"))),
                "segment_code": effect.segment,
                "recipients": effect.recipients,
                "holdout": effect.holdout,
                "bought_recipients": _rounded(effect.bought.recipients, 4),
                "bought_holdout": _rounded(effect.bought.holdout, 4),
                "bought_difference": _rounded(effect.bought.difference, 4),
                "bought_low": _rounded(effect.bought.low, 4),
                "bought_high": _rounded(effect.bought.high, 4),
                "revenue_recipients": _rounded(effect.revenue.recipients, 2),
                "revenue_holdout": _rounded(effect.revenue.holdout, 2),
                "revenue_brought": _rounded(brought, 2),
            }

    def row_estimate(self, parameters):
        return len(self._campaigns(parameters)) * (len(RfmSegment.choices) + 1)

    def chart(self, parameters):
        return BoughtChart()
