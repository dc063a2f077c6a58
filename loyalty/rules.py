"""Pure rules of the loyalty programme: no database, no request."""

import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import CENT
from loyalty.models import Card, CardType, Programme

# Lazy: the messages are put in the language of the request that is refused, not at import.
REFUSED_STATUS = {
    Card.Status.BLOCKED: gettext_lazy("Card %(number)s is blocked; it cannot be used."),
    Card.Status.REPLACED: gettext_lazy("Card %(number)s was replaced by another card; it cannot be used."),
    Card.Status.REMOVED: gettext_lazy("Card %(number)s was removed; it cannot be used."),
    Card.Status.USED: gettext_lazy("Coupon %(number)s was used already."),
}


def card_number_clean(value: str) -> str:
    """A card's number as typed or scanned: the spaces a person or a scanner put in taken out."""
    return "".join((value or "").split())


def card_refusal(card: Card, *, on: datetime.date) -> str | None:
    """Why a till cannot use the card on a sale on `on`, or None when it can: an active card (a
    coupon: in stock too) that has not expired. The till's card look-up shows the same words."""
    if card.status in REFUSED_STATUS:
        return REFUSED_STATUS[card.status] % {"number": card.number}
    if card.status == Card.Status.STOCK and card.card_type.kind != CardType.Kind.COUPON:
        return _("Card %(number)s has not been given to a customer.") % {"number": card.number}
    if card.valid_until and card.valid_until < on:
        return _("Card %(number)s expired on %(day)s.") % {"number": card.number, "day": card.valid_until.isoformat()}
    return None


def card_valid_until(card_type: CardType, *, on: datetime.date) -> datetime.date | None:
    """The last day a card of the type made or assigned on `on` is valid, or None for no end."""
    return on + datetime.timedelta(days=card_type.valid_days) if card_type.valid_days else None


def expiry_date(*, programme: Programme, on: datetime.date) -> datetime.date | None:
    """When points credited on `on` expire, or None when the programme's points do not."""
    if not programme.expiry_months:
        return None
    return on + relativedelta(months=programme.expiry_months)


def money_of_points(*, programme: Programme, points: int) -> Decimal:
    """What `points` pay, by the programme's value of a point."""
    return (programme.point_value * points).quantize(CENT)


def redeemable_points(*, balance: int, receipt_total: Decimal, programme: Programme) -> int:
    """The most points that may pay a receipt: the balance, the programme's largest share of the
    receipt and the receipt itself bound it."""
    if not programme.is_enabled or programme.point_value <= 0 or balance <= 0:
        return 0
    allowed_value = (receipt_total * programme.max_redeem_percent / 100).quantize(CENT)
    by_share = int((allowed_value / programme.point_value).to_integral_value(rounding="ROUND_FLOOR"))
    return max(0, min(balance, by_share))


def points_share(whole: int, part: Decimal, of: Decimal) -> int:
    """The share `part / of` of `whole` points, rounded half up: all of them once `part` reaches
    `of`, none when there is nothing to share."""
    if of <= 0 or whole == 0:
        return 0
    if part >= of:
        return whole
    return int((Decimal(whole) * part / of).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def coupon_off(*, amounts: list[Decimal], eligible: list[bool], card_type: CardType) -> list[Decimal]:
    """What a coupon takes off each line of a receipt (the lines' amounts as charged before it,
    and whether each is of the product groups the coupon applies to): its value, or its percent
    of the eligible lines, never more than they come to; shared among the eligible lines in
    proportion to their amounts, to the cent (the cents left over go to the largest shares' lines
    first, then to the earlier line)."""
    base = sum((amount for amount, ok in zip(amounts, eligible, strict=True) if ok), Decimal("0"))
    if base <= 0:
        return [Decimal("0.00")] * len(amounts)
    if card_type.coupon_amount is not None:
        off = min(card_type.coupon_amount, base)
    else:
        off = min((base * card_type.coupon_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP), base)
    exact = [(off * amount / base) if ok else Decimal("0") for amount, ok in zip(amounts, eligible, strict=True)]
    shares = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((off - sum(shares)) / CENT)
    order = sorted(range(len(amounts)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in order[:left]:
        shares[index] += CENT
    return shares
