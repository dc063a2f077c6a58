"""What a coupon takes off a receipt's lines, and the preview of it for the till's price call (read
only: nothing locked or used)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.money import money
from loyalty.models import Card, CardType
from loyalty.rules import card_number_clean, card_refusal, coupon_off
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
