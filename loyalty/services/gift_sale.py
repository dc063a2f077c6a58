"""A gift card paying a sale: the sale step that spends it (after the points' step, so that what
points paid is no longer left to pay), and the sale's input naming it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.money import ZERO
from loyalty.models import GiftEntry
from loyalty.services.gift import gift_spend
from loyalty.services.sale_points import LoyaltyAtSale


@dataclass
class GiftAtSale:
    """A gift card paying part or all of one sale, passed in `sale_register(extensions=[...])`:
    its number and the amount. `entry` is the spend written (for the till's answer)."""

    number: str = ""
    amount: Decimal = ZERO
    entry: GiftEntry | None = field(default=None, compare=False)


def gift_sale_step(sale, lines, context) -> None:
    """Spend the gift card the till named (registered after the points' step: what points paid is
    no longer left to pay)."""
    gift = context.extension(GiftAtSale)
    if gift is None or not gift.number:
        return
    if not sale.is_purchase:
        raise ValidationError({"gift_card": _("Only a receipt or an invoice may be paid with a gift card.")})
    at_sale = context.extension(LoyaltyAtSale)
    points_paid = at_sale.moved.redeemed_value if at_sale else ZERO
    try:
        gift.entry = gift_spend(
            sale=sale, number=gift.number, amount=gift.amount, payable=sale.total - points_paid, context=context
        )
    except ValidationError as error:
        raise ValidationError({"gift_card": error.messages}) from None
