"""A campaign's effect: its recipients against its hold-out group over a window after sending.

Every customer of either group counts, whether they bought or not (a customer who bought nothing
counts with 0), so the two groups are compared as they were drawn. Per group and per customer:
did they buy, receipts, revenue (receipts and invoices less what was returned of them) and points
earned (the programme's and the campaign's). One SQL statement aggregates the groups; Python
computes the means, the differences and their intervals (campaigns.rules.uplift)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from campaigns.models import Campaign, CampaignPoints, Recipient
from campaigns.rules import GroupFigures, Uplift, uplift
from customers.selectors.rfm import RfmSegment
from loyalty.models import Card
from sales.models import SalesDocument

PURCHASE_KINDS = [str(kind) for kind in SalesDocument.PURCHASE_KINDS]

_AUDIENCE = """
    WITH audience AS (
        SELECT customer_id, "group" FROM campaigns_recipient
        WHERE campaign_id = %(campaign)s AND "group" IN ('recipient', 'holdout')
    ),
    bought AS (
        SELECT customer_id, count(*) AS receipts, sum(total - returned_total) AS revenue
        FROM sales_salesdocument
        WHERE kind = ANY(%(kinds)s) AND occurred_at >= %(start)s AND occurred_at < %(end)s
          AND customer_id IN (SELECT customer_id FROM audience)
        GROUP BY customer_id
    ),
    earned AS (
        SELECT customer_id, sum(points) AS points
        FROM loyalty_pointsentry
        WHERE kind IN ('earn', 'bonus') AND sale_id IS NOT NULL
          AND occurred_at >= %(start)s AND occurred_at < %(end)s
          AND customer_id IN (SELECT customer_id FROM audience)
        GROUP BY customer_id
    ),
    per_customer AS (
        SELECT audience."group", COALESCE(bought.receipts, 0)::float AS receipts,
               COALESCE(bought.revenue, 0)::float AS revenue, COALESCE(earned.points, 0)::float AS points,
               (CASE WHEN bought.receipts > 0 THEN 1.0 ELSE 0.0 END)::float AS buyer
        FROM audience
        LEFT JOIN bought USING (customer_id)
        LEFT JOIN earned USING (customer_id)
    )
"""

_FIGURES = (
    _AUDIENCE
    + """
    SELECT "group", count(*),
           sum(buyer), sum(buyer * buyer),
           sum(receipts), sum(receipts * receipts),
           sum(revenue), sum(revenue * revenue),
           sum(points), sum(points * points)
    FROM per_customer GROUP BY "group"
"""
)

_DAYS = """
    WITH audience AS (
        SELECT customer_id, "group" FROM campaigns_recipient
        WHERE campaign_id = %(campaign)s AND "group" IN ('recipient', 'holdout')
    )
    SELECT audience."group", (sale.occurred_at AT TIME ZONE %(zone)s)::date AS day,
           sum(sale.total - sale.returned_total)::float
    FROM sales_salesdocument sale JOIN audience USING (customer_id)
    WHERE sale.kind = ANY(%(kinds)s) AND sale.occurred_at >= %(start)s AND sale.occurred_at < %(end)s
    GROUP BY 1, 2
"""

MEASURES = ("buyer", "receipts", "revenue", "points")


@dataclass(frozen=True)
class Effect:
    campaign: Campaign
    start: datetime.datetime
    end: datetime.datetime
    recipients: int
    holdout: int
    # Per measure (buyer, receipts, revenue, points): recipients' and hold-out's means, the uplift.
    uplifts: dict[str, Uplift]
    coupons_used: int
    coupons_issued: int
    campaign_points: int

    @property
    def attributable_revenue(self) -> float | None:
        """The revenue uplift per customer times the recipients: what the campaign brought."""
        difference = self.uplifts["revenue"].difference
        return None if difference is None else difference * self.recipients


def effect_window(campaign: Campaign, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = campaign.started_at or timezone.now()
    return start, start + datetime.timedelta(days=days)


def campaign_effect(campaign: Campaign, *, days: int) -> Effect:
    start, end = effect_window(campaign, days)
    parameters = {"campaign": campaign.pk, "kinds": PURCHASE_KINDS, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES, parameters)
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    groups = {}
    for group in (Recipient.Group.RECIPIENT, Recipient.Group.HOLDOUT):
        row = rows.get(group, (0,) + (0.0,) * 8)
        count = row[0]
        groups[group] = {
            measure: GroupFigures(count, row[1 + 2 * index] or 0.0, row[2 + 2 * index] or 0.0)
            for index, measure in enumerate(MEASURES)
        }
    uplifts = {
        measure: uplift(groups[Recipient.Group.RECIPIENT][measure], groups[Recipient.Group.HOLDOUT][measure])
        for measure in MEASURES
    }
    coupons = Recipient.objects.filter(campaign=campaign, coupon__isnull=False).aggregate(
        issued=Count("pk"), used=Count("pk", filter=Q(coupon__status=Card.Status.USED))
    )
    points = CampaignPoints.objects.filter(campaign=campaign).aggregate(net=Sum(F("points") - F("taken_back")))
    return Effect(
        campaign=campaign,
        start=start,
        end=end,
        recipients=groups[Recipient.Group.RECIPIENT]["buyer"].customers,
        holdout=groups[Recipient.Group.HOLDOUT]["buyer"].customers,
        uplifts=uplifts,
        coupons_issued=coupons["issued"],
        coupons_used=coupons["used"],
        campaign_points=points["net"] or 0,
    )


def cumulative_revenue(campaign: Campaign, *, days: int) -> dict:
    """Per group, the revenue per customer summed day by day over the window (a line per group)."""
    start, end = effect_window(campaign, days)
    zone = timezone.get_current_timezone_name()
    parameters = {"campaign": campaign.pk, "kinds": PURCHASE_KINDS, "start": start, "end": end, "zone": zone}
    with connection.cursor() as cursor:
        cursor.execute(_DAYS, parameters)
        rows = cursor.fetchall()
    sizes = dict(
        Recipient.objects.filter(campaign=campaign, group__in=[Recipient.Group.RECIPIENT, Recipient.Group.HOLDOUT])
        .values("group")
        .annotate(count=Count("pk"))
        .values_list("group", "count")
        .order_by()
    )
    first = timezone.localtime(start).date()
    day_list = [first + datetime.timedelta(days=offset) for offset in range(days)]
    daily = {group: [0.0] * days for group in (Recipient.Group.RECIPIENT, Recipient.Group.HOLDOUT)}
    for group, day, amount in rows:
        index = (day - first).days
        if 0 <= index < days:
            daily[group][index] += amount
    result = {"days": day_list}
    for group, values in daily.items():
        running, line = 0.0, []
        size = sizes.get(group) or 0
        for value in values:
            running += value
            line.append(running / size if size else 0.0)
        result[group] = line
    return result


_BY_VALUE = """
    WITH audience AS (
        SELECT recipient.campaign_id, recipient.customer_id, recipient."group", recipient.rfm_segment AS segment,
               campaign.started_at AS window_start,
               campaign.started_at + make_interval(days => %(days)s) AS window_end
        FROM campaigns_recipient recipient
        JOIN campaigns_campaign campaign ON campaign.id = recipient.campaign_id
        WHERE recipient.campaign_id = ANY(%(campaigns)s) AND recipient."group" IN ('recipient', 'holdout')
    ),
    bought AS (
        SELECT audience.campaign_id, audience.customer_id, sum(sale.total - sale.returned_total)::float AS revenue
        FROM audience
        JOIN sales_salesdocument sale ON sale.customer_id = audience.customer_id
        WHERE sale.kind = ANY(%(kinds)s)
          AND sale.occurred_at >= audience.window_start AND sale.occurred_at < audience.window_end
        GROUP BY 1, 2
    )
    SELECT audience.campaign_id, audience.segment, audience."group", count(*),
           count(bought.customer_id), COALESCE(sum(bought.revenue), 0), COALESCE(sum(bought.revenue ^ 2), 0)
    FROM audience LEFT JOIN bought USING (campaign_id, customer_id)
    GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class ValueEffect:
    """One campaign's effect on the customers of one RFM segment (as they were when its audience
    was drawn; "" had not bought): the share who bought and the revenue per customer."""

    campaign: Campaign
    segment: str
    recipients: int
    holdout: int
    bought: Uplift
    revenue: Uplift

    @property
    def attributable_revenue(self) -> float | None:
        difference = self.revenue.difference
        return None if difference is None else difference * self.recipients


def campaigns_by_value(campaigns: list[Campaign], *, days: int) -> list[ValueEffect]:
    """Per campaign and per RFM segment at the draw: recipients against hold-out over `days`
    after sending, in one statement (campaigns in the given order, segments as the RFM report
    orders them, those who had not bought last)."""
    if not campaigns:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_BY_VALUE, {"campaigns": [c.pk for c in campaigns], "days": days, "kinds": PURCHASE_KINDS})
        rows = cursor.fetchall()
    figures: dict[tuple[int, str], dict[str, tuple]] = {}
    for campaign_id, segment, group, customers, buyers, revenue, squares in rows:
        figures.setdefault((campaign_id, segment), {})[group] = (customers, buyers, revenue, squares)
    order = [*(code for code, _label in RfmSegment.choices), ""]
    result = []
    for campaign in campaigns:
        for segment in order:
            groups = figures.get((campaign.pk, segment))
            if not groups:
                continue
            empty = (0, 0, 0.0, 0.0)
            r_count, r_buyers, r_revenue, r_squares = groups.get(Recipient.Group.RECIPIENT, empty)
            h_count, h_buyers, h_revenue, h_squares = groups.get(Recipient.Group.HOLDOUT, empty)
            result.append(
                ValueEffect(
                    campaign=campaign,
                    segment=segment,
                    recipients=r_count,
                    holdout=h_count,
                    bought=uplift(
                        GroupFigures(r_count, float(r_buyers), float(r_buyers)),
                        GroupFigures(h_count, float(h_buyers), float(h_buyers)),
                    ),
                    revenue=uplift(
                        GroupFigures(r_count, r_revenue, r_squares), GroupFigures(h_count, h_revenue, h_squares)
                    ),
                )
            )
    return result
