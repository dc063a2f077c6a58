"""A coupon named on a sale takes its discount off the sale's lines before they are written (a
line discount of sales.registry): its value or percent of the lines of the product groups it
applies to, from its minimum receipt on, recorded on each line with the source "coupon". The
points' step then marks it used (loyalty.services.cards.coupon_use)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.money import money
from loyalty.models import CardType
from loyalty.rules import coupon_off
from loyalty.services.cards import card_for_sale
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import SalesLine
from sales.selectors.products import product_group_descendant_ids


def coupon_groups(card_type: CardType) -> set[int]:
    """The product groups (with their sub-groups) a coupon applies to; empty: every product."""
    ids: set[int] = set()
    for group_id in card_type.coupon_product_groups.values_list("pk", flat=True):
        ids |= product_group_descendant_ids(group_id)
    return ids


def coupon_lines_off(*, card, lines) -> list:
    """What the coupon takes off each line (objects with `product` and `line_total`), or a
    ValidationError naming why it does not apply to this receipt."""
    card_type = card.card_type
    amounts = [line.line_total for line in lines]
    receipt = sum(amounts)
    if card_type.coupon_min_receipt is not None and receipt < card_type.coupon_min_receipt:
        raise ValidationError(
            _("Coupon %(number)s applies from a receipt of %(minimum)s; this one comes to %(total)s.")
            % {"number": card.number, "minimum": money(card_type.coupon_min_receipt), "total": money(receipt)}
        )
    groups = coupon_groups(card_type)
    eligible = [not groups or line.product.group_id in groups for line in lines]
    if not any(eligible):
        names = ", ".join(sorted(card_type.coupon_product_groups.values_list("name", flat=True)))
        raise ValidationError(
            _("Coupon %(number)s applies to %(groups)s only; nothing on this receipt is.")
            % {"number": card.number, "groups": names}
        )
    return coupon_off(amounts=amounts, eligible=eligible, card_type=card_type)


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
