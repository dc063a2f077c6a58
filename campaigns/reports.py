"""The campaigns' reports, in the registry of reports (reports.registry): a campaign's effect, its
recipients against its hold-out group, with the uplift and its 95 per cent interval."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.selectors.effect import campaign_effect, cumulative_revenue
from reports.forms import ReportForm
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
    "buyer": (_("Share who bought"), "percent"),
    "receipts": (_("Receipts per customer"), "decimal"),
    "revenue": (_("Revenue per customer"), "money"),
    "points": (_("Points earned per customer"), "decimal"),
}


@report_register
class CampaignEffectReport(Report):
    number = 11
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
            digits = 2 if kind == "money" else 4
            yield {
                "measure": str(label),
                **{
                    key: None if value is None else round(value, digits)
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
