"""Points on sales and returns: the steps loyalty joins to `sales.registry`.

They run inside `sale_register` / `return_register`'s transaction, on every path (till, back
office, demo), so a sale and its points are written together or not at all, and a replayed sale
(which `sale_register` never writes twice) never earns twice; the unique (sale, kind) constraint
on the ledger holds that too.

What a caller passes is a `LoyaltyAtSale` among the sale's extensions (none: no card, no points
redeemed, points earned); the sale's context says where it was registered (the ledger's source).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.formatting import plain
from loyalty.models import Card, CardType, EarnedLine, PointsEntry, Programme
from loyalty.rules import expiry_date, money_of_points, points_share, redeemable_points
from loyalty.selectors.earning import BasketLine, earning_config, points_quote
from loyalty.selectors.programme import programme_read
from loyalty.selectors.redemption import PointsMoved
from loyalty.services.cards import card_for_sale, coupon_use
from loyalty.services.ledger import account_lock, entry_write
from sales.services.sales import SaleContext, SaleSource


@dataclass
class CardRead:
    """The card a sale names, once read and locked (by the coupon's line discount, before the
    lines are written), so that the points' step does not read it again."""

    card: Card | None = None


@dataclass(frozen=True)
class LoyaltyAtSale:
    """The loyalty inputs of one sale, passed in `sale_register(extensions=[...])`.

    `card_number`: the card or coupon shown (checked by `card_for_sale`; a coupon is marked used);
    `points_to_redeem`: points the customer pays with (checked against balance and allowed share);
    `earns`: False registers the sale without earning. A sale the history import registers
    (source "import") earns nothing either: balances from the old system come in as opening
    balances instead."""

    card_number: str = ""
    points_to_redeem: int = 0
    earns: bool = True
    moved: PointsMoved = field(default_factory=PointsMoved, compare=False)
    # The card, read and locked before the lines are written (loyalty.services.coupons).
    read: CardRead = field(default_factory=CardRead, compare=False)


def _source(context: SaleContext) -> str:
    return PointsEntry.Source(context.source)


def _redeem(*, sale, account, points, programme, context, card) -> Decimal:
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationError({"points_redeemed": _("Points are a whole number.")}) from None
    if points < 0:
        raise ValidationError({"points_redeemed": _("Redeemed points cannot be negative.")})
    if points == 0:
        return Decimal("0")
    if not programme.is_enabled:
        raise ValidationError({"points_redeemed": _("The loyalty programme is switched off.")})
    if points > account.balance:
        raise ValidationError(
            {
                "points_redeemed": _("The customer has %(balance)s points; %(asked)s cannot be redeemed.")
                % {"balance": max(account.balance, 0), "asked": points}
            }
        )
    allowed = redeemable_points(balance=account.balance, receipt_total=sale.total, programme=programme)
    if points > allowed:
        raise ValidationError(
            {
                "points_redeemed": _(
                    "At most %(allowed)s points may pay this receipt (%(percent)s per cent of %(total)s); "
                    "%(asked)s were asked."
                )
                % {
                    "allowed": allowed,
                    "percent": plain(programme.max_redeem_percent),
                    "total": sale.total,
                    "asked": points,
                }
            }
        )
    value = money_of_points(programme=programme, points=points)
    entry_write(
        account=account,
        kind=PointsEntry.Kind.REDEEM,
        points=-points,
        source=_source(context),
        reason=_("Paid %(value)s on receipt %(number)s") % {"value": value, "number": sale.number or sale.pk},
        author=context.acting_user,
        terminal=context.terminal,
        store=sale.store,
        sale=sale,
        card=card,
        money_value=value,
        occurred_at=sale.occurred_at,
    )
    return value


def sale_points_step(sale, lines, context: SaleContext) -> None:
    """Redeem what the sale says was paid with points, then earn on the rest."""
    at_sale = context.extension(LoyaltyAtSale) or LoyaltyAtSale()
    card = None
    if at_sale.card_number:
        card = at_sale.read.card or card_for_sale(
            number=at_sale.card_number, customer=sale.customer, on=timezone.localtime(sale.occurred_at).date()
        )
        if card.card_type.kind == CardType.Kind.COUPON:
            coupon_use(
                card=card,
                customer=sale.customer,
                acting_user=context.acting_user,
                terminal=context.terminal,
                note=_("Receipt %(number)s") % {"number": sale.number or sale.pk},
            )
    to_redeem = at_sale.points_to_redeem or 0
    earns = at_sale.earns and context.source != SaleSource.IMPORT
    if sale.customer_id is None or not sale.is_purchase:
        if to_redeem:
            raise ValidationError({"points_redeemed": _("Points can be redeemed only on a known customer's receipt.")})
        return
    if not earns and not to_redeem:
        return
    programme = earning_config().programme
    account = account_lock(sale.customer_id)
    redeemed_value = _redeem(
        sale=sale, account=account, points=to_redeem, programme=programme, context=context, card=card
    )
    moved = at_sale.moved
    if int(to_redeem) > 0:
        moved.redeemed, moved.redeemed_value = int(to_redeem), redeemed_value
    moved.balance = account.balance
    if not earns:
        return
    quote = points_quote(
        customer=sale.customer,
        store=sale.store,
        lines=[BasketLine(product=line.product, quantity=line.quantity, amount=line.line_total) for line in lines],
        when=sale.occurred_at,
        redeemed_value=redeemed_value,
        programme=programme,
    )
    if not quote.earns:
        return
    EarnedLine.objects.bulk_create(
        [
            EarnedLine(sale_line=line, points=line_quote.points, rule=line_quote.rule)
            for line, line_quote in zip(lines, quote.lines, strict=True)
            if line_quote.points > 0
        ]
    )
    entry_write(
        account=account,
        kind=PointsEntry.Kind.EARN,
        points=quote.total,
        source=_source(context),
        reason=_("Receipt %(number)s") % {"number": sale.number or sale.pk},
        author=context.acting_user,
        terminal=context.terminal,
        store=sale.store,
        sale=sale,
        card=card,
        occurred_at=sale.occurred_at,
        expires_on=expiry_date(programme=programme, on=timezone.localtime(sale.occurred_at).date()),
    )
    moved.earned, moved.balance = quote.total, account.balance


def return_points_step(return_document, return_lines, context: SaleContext) -> None:
    """Give back the points the sale's customer paid with, in proportion to the amount returned,
    then take back the points the returned lines earned, in proportion to the quantity returned.

    Shares are computed over everything returned from the sale so far, so that several partial
    returns together give and take exactly what one full return would. When the points to take
    back were spent already, the programme's policy decides: allow a negative balance, or stop at
    zero and record the points not taken back as the entry's shortfall.
    """
    sale = return_document.sale
    if sale.customer_id is None or not sale.is_purchase:
        return
    movements = PointsEntry.objects.filter(sale=sale).aggregate(
        earned=Sum("points", filter=Q(kind=PointsEntry.Kind.EARN)),
        redeemed=Sum("points", filter=Q(kind=PointsEntry.Kind.REDEEM)),
    )
    earned, redeemed = movements["earned"] or 0, -(movements["redeemed"] or 0)
    if not earned and not redeemed:
        return
    # The programme's own entries: those other apps' return steps write (a campaign's extra
    # points taken back) carry a once-key of their own.
    settled = PointsEntry.objects.filter(return_document__sale=sale, once_key__isnull=True).aggregate(
        restored=Sum("points", filter=Q(kind=PointsEntry.Kind.RESTORE)),
        reversed=Sum("points", filter=Q(kind=PointsEntry.Kind.REVERSE)),
        shortfall=Sum("shortfall", filter=Q(kind=PointsEntry.Kind.REVERSE)),
    )
    programme = programme_read()
    account = account_lock(sale.customer_id)
    source = _source(context)
    common = {
        "author": context.acting_user,
        "terminal": context.terminal,
        "store": return_document.store,
        "sale": sale,
        "return_document": return_document,
        "occurred_at": return_document.occurred_at,
    }
    number = sale.number or sale.pk
    if redeemed:
        figures = type(sale).objects.filter(pk=sale.pk).values("total", "returned_total").get()
        give = points_share(redeemed, figures["returned_total"], figures["total"]) - (settled["restored"] or 0)
        if give > 0:
            entry_write(
                account=account,
                kind=PointsEntry.Kind.RESTORE,
                points=give,
                source=source,
                reason=_("Return on receipt %(number)s: redeemed points given back") % {"number": number},
                expires_on=expiry_date(programme=programme, on=timezone.localdate()),
                **common,
            )
    if earned:
        shares = EarnedLine.objects.filter(sale_line__document=sale).values_list(
            "points", "sale_line__quantity", "sale_line__returned_quantity"
        )
        line_points = sum((points for points, _quantity, _returned in shares), Decimal("0"))
        returned_points = sum((points * returned / quantity for points, quantity, returned in shares), Decimal("0"))
        already = -(settled["reversed"] or 0) + (settled["shortfall"] or 0)
        take = points_share(earned, returned_points, line_points) - already
        if take > 0:
            shortfall = 0
            if programme.negative_policy == Programme.NegativePolicy.CAP and take > max(account.balance, 0):
                shortfall = take - max(account.balance, 0)
                take = max(account.balance, 0)
            if shortfall:
                reason = _(
                    "Return on receipt %(number)s: %(taken)s points taken back; %(shortfall)s were spent already "
                    "and are not taken back (the programme stops at zero)"
                ) % {"number": number, "taken": take, "shortfall": shortfall}
            elif account.balance - take < 0:
                reason = _(
                    "Return on receipt %(number)s: earned points taken back; the balance goes below zero "
                    "(the programme allows it)"
                ) % {"number": number}
            else:
                reason = _("Return on receipt %(number)s: earned points taken back") % {"number": number}
            entry_write(
                account=account,
                kind=PointsEntry.Kind.REVERSE,
                points=-take,
                source=source,
                reason=reason,
                shortfall=shortfall,
                **common,
            )
