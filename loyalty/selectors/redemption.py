"""The till's reads of points: how many may pay a receipt, and what a registered sale or return
moved (with its lines and its customer, as the till's answer shows them)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from crm.money import ZERO
from customers.models import Customer
from loyalty.models import GiftEntry, PointsEntry, Programme
from loyalty.rules import money_of_points, redeemable_points
from loyalty.selectors.card_lookup import TillCustomer, till_customer_get, till_customer_of
from loyalty.selectors.points import balance_of
from loyalty.selectors.programme import programme_read
from sales.models import Return, ReturnLine, SalesDocument, SalesLine


@dataclass(frozen=True)
class Redeemable:
    customer_id: int
    total: Decimal
    balance: int
    max_points: int
    point_value: Decimal
    money_value: Decimal
    max_share_percent: Decimal
    is_enabled: bool


def customer_redeemable(*, customer: Customer, total: Decimal) -> Redeemable:
    """How many of the customer's points may pay a receipt of `total` now, and what they are worth:
    the balance, the programme's largest share of a receipt and the receipt bound it (the rule
    the sale's redemption is checked by)."""
    programme: Programme = programme_read()
    balance = balance_of(customer.pk)
    max_points = redeemable_points(balance=balance, receipt_total=total, programme=programme)
    return Redeemable(
        customer_id=customer.pk,
        total=total,
        balance=balance,
        max_points=max_points,
        point_value=programme.point_value,
        money_value=money_of_points(programme=programme, points=max_points),
        max_share_percent=programme.max_redeem_percent,
        is_enabled=programme.is_enabled,
    )


@dataclass(frozen=True)
class SalePoints:
    """The points a sale earned and redeemed (with the money they paid), and the balance after."""

    earned: int
    redeemed: int
    redeemed_value: Decimal
    balance: int


@dataclass
class PointsMoved:
    """What the sale step wrote to the ledger, filled in as it writes (so the till's answer is
    built from the rows just written, not read back): the points earned and redeemed, the money
    the redeemed ones paid, and the balance after. `balance` stays None when the step touched no
    account (an anonymous sale, or one that neither earns nor redeems)."""

    earned: int = 0
    redeemed: int = 0
    redeemed_value: Decimal = ZERO
    balance: int | None = None


@dataclass(frozen=True)
class ReturnPoints:
    """The points a return gave back (redeemed on the sale) and took back (earned by the returned
    lines; `shortfall`: spent already, not taken back), and the balance after."""

    restored: int
    taken_back: int
    shortfall: int
    balance: int


def sale_points(*, sale: SalesDocument, balance: int) -> SalePoints | None:
    """What the sale moved in points; None for an anonymous sale."""
    if sale.customer_id is None:
        return None
    figures = PointsEntry.objects.filter(sale=sale, return_document__isnull=True).aggregate(
        earned=Sum("points", filter=Q(kind=PointsEntry.Kind.EARN)),
        redeemed=Sum("points", filter=Q(kind=PointsEntry.Kind.REDEEM)),
        redeemed_value=Sum("money_value", filter=Q(kind=PointsEntry.Kind.REDEEM)),
    )
    return SalePoints(
        earned=figures["earned"] or 0,
        redeemed=-(figures["redeemed"] or 0),
        redeemed_value=figures["redeemed_value"] or ZERO,
        balance=balance,
    )


def return_points(*, return_document: Return, balance: int) -> ReturnPoints | None:
    """What the return moved in points; None when the sale was anonymous."""
    if return_document.customer_id is None:
        return None
    figures = PointsEntry.objects.filter(return_document=return_document).aggregate(
        restored=Sum("points", filter=Q(kind=PointsEntry.Kind.RESTORE)),
        taken_back=Sum("points", filter=Q(kind=PointsEntry.Kind.REVERSE)),
        shortfall=Sum("shortfall", filter=Q(kind=PointsEntry.Kind.REVERSE)),
    )
    return ReturnPoints(
        restored=figures["restored"] or 0,
        taken_back=-(figures["taken_back"] or 0),
        shortfall=figures["shortfall"] or 0,
        balance=balance,
    )


@dataclass(frozen=True)
class GiftMoved:
    """What a gift card paid on a sale, or got back by a return, and its balance after."""

    card: str
    amount: Decimal
    balance: Decimal


def _gift_moved(entries) -> GiftMoved | None:
    entry = next(iter(entries), None)
    if entry is None:
        return None
    return GiftMoved(card=entry.card.number, amount=abs(entry.amount), balance=entry.balance_after)


@dataclass(frozen=True)
class SaleOutcome:
    """A registered sale as the till's answer shows it: its lines, its customer with the figures
    after it, and the points it moved (None for an anonymous sale)."""

    sale: SalesDocument
    lines: tuple[SalesLine, ...]
    customer: TillCustomer | None
    points: SalePoints | None
    gift: GiftMoved | None = None


@dataclass(frozen=True)
class ReturnOutcome:
    """A registered return as the till's answer shows it (see `SaleOutcome`)."""

    return_document: Return
    lines: tuple[ReturnLine, ...]
    customer: TillCustomer | None
    points: ReturnPoints | None
    gift: GiftMoved | None = None


def sale_outcome(*, sale: SalesDocument, moved: PointsMoved | None = None, gift_entry=None) -> SaleOutcome:
    """The sale's lines, its customer after it and its points.

    The lines are the ones `sale_register` wrote, when `sale` is what it returned. With `moved`
    (what the sale step wrote, passed by the caller that registered the sale) the customer and
    the points come from the rows just written too: `sale_register` left the figures after the
    sale on `sale.customer`, the step the balance and the points; only the customer's cards are
    read. Without them, all is read back."""
    lines = sale.written_lines
    if lines is None:
        lines = tuple(SalesLine.objects.filter(document=sale).select_related("product").order_by("pk"))
    # The gift card's spend: the entry just written, else read back (only when nothing was passed).
    if gift_entry is not None:
        gift = _gift_moved([gift_entry])
    elif moved is None:
        gift = _gift_moved(GiftEntry.objects.filter(sale=sale, kind=GiftEntry.Kind.SPENT).select_related("card"))
    else:
        gift = None
    if sale.customer_id is None:
        return SaleOutcome(sale=sale, lines=lines, customer=None, points=None, gift=gift)
    if moved is None or moved.balance is None:
        customer = till_customer_get(customer_id=sale.customer_id)
        return SaleOutcome(
            sale=sale,
            lines=lines,
            customer=customer,
            points=sale_points(sale=sale, balance=customer.points_balance),
            gift=gift,
        )
    return SaleOutcome(
        sale=sale,
        gift=gift,
        lines=lines,
        customer=till_customer_of(customer=sale.customer, points_balance=moved.balance),
        points=SalePoints(
            earned=moved.earned, redeemed=moved.redeemed, redeemed_value=moved.redeemed_value, balance=moved.balance
        ),
    )


def return_outcome(*, return_document: Return) -> ReturnOutcome:
    """The return's lines, the sale's customer read after it and its points."""
    lines = tuple(
        ReturnLine.objects.filter(return_document=return_document).select_related("sale_line__product").order_by("pk")
    )
    gift = _gift_moved(
        GiftEntry.objects.filter(return_document=return_document, kind=GiftEntry.Kind.REFUNDED).select_related("card")
    )
    if return_document.customer_id is None:
        return ReturnOutcome(return_document=return_document, lines=lines, customer=None, points=None, gift=gift)
    customer = till_customer_get(customer_id=return_document.customer_id)
    return ReturnOutcome(
        return_document=return_document,
        lines=lines,
        customer=customer,
        points=return_points(return_document=return_document, balance=customer.points_balance),
        gift=gift,
    )
