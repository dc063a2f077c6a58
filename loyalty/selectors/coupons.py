"""What a coupon would take off, for the till's price call: read only, nothing locked or used."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Card, CardType
from loyalty.rules import card_number_clean, card_refusal


@dataclass(frozen=True)
class PricedLine:
    code: str
    product: object
    line_total: Decimal


@dataclass(frozen=True)
class CouponPreview:
    """A coupon's terms and what it would take off one of each product asked (`off` per code, in
    the order asked), or why it cannot be used (`refusal`, and nothing off)."""

    card: str
    percent: Decimal | None
    amount: Decimal | None
    min_receipt: Decimal | None
    uses_left: int
    off: tuple[tuple[str, Decimal], ...]
    refusal: str


def coupon_preview(*, number: str, lines: list[PricedLine]) -> CouponPreview:
    from loyalty.services.coupons import coupon_lines_off

    card = Card.objects.select_related("card_type").filter(number=card_number_clean(number)).first()
    if card is None or card.card_type.kind != CardType.Kind.COUPON:
        return CouponPreview(
            number, None, None, None, 0, (), _("%(number)s is no coupon of this shop.") % {"number": number}
        )
    card_type = card.card_type
    refusal = card_refusal(card, on=timezone.localdate()) or ""
    off: tuple = ()
    if not refusal:
        try:
            off = tuple(zip([line.code for line in lines], coupon_lines_off(card=card, lines=lines), strict=True))
        except ValidationError as error:
            refusal = " ".join(error.messages)
    return CouponPreview(
        card=card.number,
        percent=card_type.coupon_percent,
        amount=card_type.coupon_amount,
        min_receipt=card_type.coupon_min_receipt,
        uses_left=max(card_type.coupon_uses - card.uses, 0),
        off=off,
        refusal=refusal,
    )
