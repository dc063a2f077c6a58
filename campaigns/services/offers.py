"""A campaign's points offer on the recipients' purchases: a step joined to every sale
(sales.registry), run after the loyalty programme's own earning, inside the sale's transaction.

A recipient whose message went earns, on a purchase from then until the offer ends, the points
the programme gave the receipt once more times (multiplier − 1), or the fixed bonus on the first
such purchase. The extra points are a ledger entry of their own with the campaign as the reason,
written once: the ledger's unique key per customer (`campaign:<id>:<sale>` or `campaign:<id>`)
holds it however often a till sends the sale. The till's answer counts them in what the sale
earned.

A return of such a sale takes the extra points back in the share loyalty's own step takes back
the points the sale earned (a multiplier), or in the share of the amount returned (a fixed bonus),
by the programme's policy when they were spent already."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignPoints, Recipient
from crm.tenant_config import config_cached
from loyalty.models import EarnedLine, PointsEntry, Programme
from loyalty.rules import expiry_date, points_share
from loyalty.selectors.earning import earning_config, points_round
from loyalty.selectors.programme import programme_read
from loyalty.services.ledger import account_lock, entry_write
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import SalesDocument
from sales.services.sales import SaleContext, SaleSource


@dataclass(frozen=True)
class OpenOffer:
    campaign_id: int
    name: str
    offer: str
    multiplier: Decimal | None
    bonus_points: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def _offers_build() -> tuple[OpenOffer, ...]:
    campaigns = Campaign.objects.filter(
        status__in=[Campaign.Status.SENDING, Campaign.Status.SENT],
        offer__in=[Campaign.Offer.MULTIPLIER, Campaign.Offer.BONUS],
        started_at__isnull=False,
    ).order_by("pk")
    return tuple(
        OpenOffer(
            campaign_id=campaign.pk,
            name=campaign.name,
            offer=campaign.offer,
            multiplier=campaign.points_multiplier,
            bonus_points=campaign.bonus_points,
            starts_at=campaign.started_at,
            ends_at=campaign.offer_ends_at,
        )
        for campaign in campaigns
    )


def offers_at(moment: datetime.datetime) -> list[OpenOffer]:
    """The points offers open at `moment` (kept per retailer until a campaign changes)."""
    return [
        offer for offer in config_cached("campaigns.offers", _offers_build) if offer.starts_at <= moment < offer.ends_at
    ]


def campaign_points_step(sale, lines, context: SaleContext) -> None:
    if sale.customer_id is None or not sale.is_purchase or context.source == SaleSource.IMPORT:
        return
    offers = offers_at(sale.occurred_at)
    if not offers:
        return
    at_sale = context.extension(LoyaltyAtSale) or LoyaltyAtSale()
    if not at_sale.earns:
        return
    received = set(
        Recipient.objects.filter(
            campaign_id__in=[offer.campaign_id for offer in offers],
            customer_id=sale.customer_id,
            state=Recipient.State.SENT,
            sent_at__lte=sale.occurred_at,
        ).values_list("campaign_id", flat=True)
    )
    offers = [offer for offer in offers if offer.campaign_id in received]
    programme = earning_config().programme
    if not offers or not programme.is_enabled:
        return
    account = account_lock(sale.customer_id)
    earned = PointsEntry.objects.filter(sale=sale, kind=PointsEntry.Kind.EARN).values_list("points", flat=True)
    earned = earned.first() or 0
    number = sale.number or sale.pk
    day = timezone.localtime(sale.occurred_at).date()
    for offer in offers:
        if offer.offer == Campaign.Offer.MULTIPLIER:
            extra = points_round(Decimal(earned) * (offer.multiplier - 1), programme=programme)
            once_key = f"campaign:{offer.campaign_id}:{sale.pk}"
        else:
            if CampaignPoints.objects.filter(campaign_id=offer.campaign_id, customer_id=sale.customer_id).exists():
                continue
            extra, once_key = offer.bonus_points, f"campaign:{offer.campaign_id}"
        if extra <= 0:
            continue
        entry = entry_write(
            account=account,
            kind=PointsEntry.Kind.BONUS,
            points=extra,
            source=PointsEntry.Source(context.source),
            reason=_("Campaign %(name)s: receipt %(number)s") % {"name": offer.name, "number": number},
            author=context.acting_user,
            terminal=context.terminal,
            store=sale.store,
            sale=sale,
            once_key=once_key,
            occurred_at=sale.occurred_at,
            expires_on=expiry_date(programme=programme, on=day),
        )
        CampaignPoints.objects.create(
            campaign_id=offer.campaign_id, customer_id=sale.customer_id, sale=sale, entry=entry, points=extra
        )
        at_sale.moved.earned += extra
        at_sale.moved.balance = account.balance


def campaign_points_return_step(return_document, return_lines, context: SaleContext) -> None:
    """Take back a returned sale's campaign points (registered after loyalty's return step, in the
    return's transaction). Shares are over everything returned from the sale so far, so several
    partial returns take back exactly what one full return would."""
    sale = return_document.sale
    if sale.customer_id is None or not sale.is_purchase:
        return
    given = list(
        CampaignPoints.objects.filter(sale=sale)
        .select_related("campaign")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if not given:
        return
    figures = SalesDocument.objects.filter(pk=sale.pk).values("total", "returned_total").get()
    shares = EarnedLine.objects.filter(sale_line__document=sale).values_list(
        "points", "sale_line__quantity", "sale_line__returned_quantity"
    )
    line_points = sum((points for points, _quantity, _returned in shares), Decimal("0"))
    returned_points = sum((points * returned / quantity for points, quantity, returned in shares), Decimal("0"))
    programme = programme_read()
    account = account_lock(sale.customer_id)
    number = sale.number or sale.pk
    for row in given:
        if row.campaign.offer == Campaign.Offer.MULTIPLIER:
            due = points_share(row.points, returned_points, line_points)
        else:
            due = points_share(row.points, figures["returned_total"], figures["total"])
        take = due - row.taken_back
        if take <= 0:
            continue
        shortfall = 0
        if programme.negative_policy == Programme.NegativePolicy.CAP and take > max(account.balance, 0):
            shortfall = take - max(account.balance, 0)
            take -= shortfall
        entry_write(
            account=account,
            kind=PointsEntry.Kind.REVERSE,
            points=-take,
            source=PointsEntry.Source(context.source),
            reason=_("Return on receipt %(number)s: points of the campaign %(name)s taken back")
            % {"number": number, "name": row.campaign.name},
            shortfall=shortfall,
            author=context.acting_user,
            terminal=context.terminal,
            store=return_document.store,
            sale=sale,
            return_document=return_document,
            occurred_at=return_document.occurred_at,
            # Once per return, and apart from the programme's own taking back (loyalty's step
            # counts only entries without a once-key as its own).
            once_key=f"campaign:{row.campaign_id}:return:{return_document.pk}",
        )
        row.taken_back = due
        row.save(update_fields=["taken_back"])
