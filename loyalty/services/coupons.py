"""A coupon named on a sale takes its discount off the sale's lines before they are written (a
line discount of sales.registry): its value or percent of the lines of the product groups it
applies to, from its minimum receipt on, recorded on each line with the source "coupon". The
points' step then marks it used (loyalty.services.cards.coupon_use)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.models import CardType
from loyalty.selectors.coupons import coupon_lines_off
from loyalty.services.cards import card_for_sale
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import SalesLine


def coupon_discount_step(lines, customer, occurred_at, context) -> None:
    at_sale = context.extension(LoyaltyAtSale)
    if at_sale is None or not at_sale.card_number:
        return
    card = card_for_sale(number=at_sale.card_number, customer=customer, on=timezone.localtime(occurred_at).date())
    # Kept for the points' step, which would otherwise read and lock it again.
    at_sale.read.card = card
    if card.card_type.kind != CardType.Kind.COUPON:
        return
    try:
        shares = coupon_lines_off(card=card, lines=lines)
    except ValidationError as error:
        raise ValidationError({"card": error.messages}) from None
    for line, off in zip(lines, shares, strict=True):
        if off > 0:
            line.line_total -= off
            line.discount += off
            line.discount_source = SalesLine.DiscountSource.COUPON
