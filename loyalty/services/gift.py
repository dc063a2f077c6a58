"""Gift cards' money: every movement an entry of the append-only gift ledger (loyalty.models.gift)
on the card's locked row, in the caller's transaction.

Issued when a gift card is made (the type's value), spent on a sale (the till names the card and
the amount), refunded by a return of that sale to the card that paid (in the share of the amount
returned, several partial returns together giving back what one full return would), and moved to
the card that replaces a lost one."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.copy import copy_values
from crm.money import CENT, ZERO, money
from loyalty.models import Card, CardType, GiftEntry
from loyalty.rules import card_refusal


def gift_opening(card_type: CardType) -> Decimal | None:
    """What a new card of the type starts with before its first entry: 0 for a gift card (its
    "issued" entry brings the value), no balance for other kinds."""
    return ZERO if card_type.kind == CardType.Kind.GIFT else None


def gift_cards_issued(cards: list[Card], *, acting_user=None) -> None:
    """The "issued" entry of each new gift card (made with the opening balance 0), in one COPY:
    the ledger's trigger gives each card its type's value."""
    values = []
    for card in cards:
        value = card.card_type.gift_value if card.card_type.kind == CardType.Kind.GIFT else None
        if value and value > 0:
            values.append((card.pk, GiftEntry.Kind.ISSUED.value, value, value, acting_user.pk if acting_user else None))
            card.balance = value
    if values:
        copy_values(GiftEntry, ("card_id", "kind", "amount", "balance_after", "author_id"), values)


def gift_entry_write(*, card: Card, kind: str, amount: Decimal, **fields) -> GiftEntry:
    """Append an entry to a locked gift card and keep the card object in step."""
    balance = (card.balance or ZERO) + amount
    entry = GiftEntry.objects.create(card=card, kind=kind, amount=amount, balance_after=balance, **fields)
    card.balance = balance
    return entry


def gift_card_lock(number: str, *, on) -> Card:
    """The gift card of this number, its row locked, or a ValidationError naming why it cannot pay."""
    card = (
        Card.objects.select_for_update(of=("self",))
        .select_related("card_type")
        .filter(number=(number or "").strip())
        .first()
    )
    if card is None or card.card_type.kind != CardType.Kind.GIFT:
        raise ValidationError(_("%(number)s is not a gift card of this shop.") % {"number": number})
    refusal = card_refusal(card, on=on)
    if refusal:
        raise ValidationError(refusal)
    return card


def gift_spend(*, sale, number: str, amount: Decimal, payable: Decimal, context) -> GiftEntry:
    """Pay `amount` of the sale from the gift card: at most its balance and at most what is left to
    pay (`payable`); written once per sale."""
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError(_("Give the amount the gift card pays: more than 0, in cents."))
    card = gift_card_lock(number, on=timezone.localtime(sale.occurred_at).date())
    if amount > card.balance:
        raise ValidationError(
            _("Gift card %(number)s has %(balance)s left; %(amount)s cannot be paid with it.")
            % {"number": card.number, "balance": money(card.balance), "amount": money(amount)}
        )
    if amount > payable:
        raise ValidationError(
            _("The gift card would pay %(amount)s, more than the %(payable)s left to pay.")
            % {"amount": money(amount), "payable": money(payable)}
        )
    return gift_entry_write(
        card=card,
        kind=GiftEntry.Kind.SPENT,
        amount=-amount,
        sale=sale,
        author=context.acting_user,
        terminal=context.terminal,
        store=sale.store,
        once_key=f"sale:{sale.pk}",
        occurred_at=sale.occurred_at,
    )


def gift_return_step(return_document, return_lines, context) -> None:
    """Refund what the sale's gift card paid, in the share of the amount returned so far, to the
    card that paid (registered after loyalty's return step, in the return's transaction)."""
    sale = return_document.sale
    paid = list(
        GiftEntry.objects.filter(sale=sale)
        .values("card_id")
        .annotate(
            spent=Sum("amount", filter=Q(kind=GiftEntry.Kind.SPENT)),
            refunded=Sum("amount", filter=Q(kind=GiftEntry.Kind.REFUNDED)),
        )
        .order_by("card_id")
    )
    if not paid:
        return
    figures = type(sale).objects.filter(pk=sale.pk).values("total", "returned_total").get()
    for row in paid:
        spent = -(row["spent"] or ZERO)
        if spent <= 0:
            continue
        if figures["returned_total"] >= figures["total"]:
            due = spent
        else:
            due = (spent * figures["returned_total"] / figures["total"]).quantize(CENT)
        refund = due - (row["refunded"] or ZERO)
        if refund <= 0:
            continue
        card = Card.objects.select_for_update(of=("self",)).get(pk=row["card_id"])
        gift_entry_write(
            card=card,
            kind=GiftEntry.Kind.REFUNDED,
            amount=refund,
            sale=sale,
            return_document=return_document,
            author=context.acting_user,
            terminal=context.terminal,
            store=return_document.store,
            once_key=f"return:{return_document.pk}",
            occurred_at=return_document.occurred_at,
        )


def gift_balance_move(*, old: Card, new: Card, acting_user=None) -> None:
    """The replaced card's money onto the card replacing it (both rows locked by the caller): the
    new card then holds what the old one held, its own value (a card from stock) voided."""
    if new.balance and new.balance > 0:
        gift_entry_write(card=new, kind=GiftEntry.Kind.VOIDED, amount=-new.balance, author=acting_user)
    amount = old.balance or ZERO
    if amount <= 0:
        return
    gift_entry_write(card=old, kind=GiftEntry.Kind.MOVED_OUT, amount=-amount, author=acting_user)
    gift_entry_write(card=new, kind=GiftEntry.Kind.MOVED_IN, amount=amount, author=acting_user)


# The most one load may put on a gift card (a typing mistake stays out of the ledger).
MAX_LOAD = Decimal("10000.00")


@transaction.atomic
def gift_load(
    *, number: str, amount: Decimal, terminal=None, acting_user=None, once_key: str | None = None
) -> GiftEntry:
    """Put money on an active gift card at the till. The load is the card's money, not a purchase:
    it earns no points and enters no purchase figures (spending the card later does)."""
    if amount is None or amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError({"amount": _("Give the amount to load: more than 0, in cents.")})
    if amount > MAX_LOAD:
        raise ValidationError({"amount": _("At most %(max)s is loaded at a time.") % {"max": money(MAX_LOAD)}})
    try:
        card = gift_card_lock(number, on=timezone.localdate())
    except ValidationError as error:
        raise ValidationError({"card": error.messages}) from None
    return gift_entry_write(
        card=card,
        kind=GiftEntry.Kind.LOADED,
        amount=amount,
        author=acting_user,
        terminal=terminal,
        store=terminal.store if terminal is not None else None,
        once_key=once_key,
    )


def gift_cards_expire(*, today=None) -> int:
    """The money left on gift cards whose validity ended before today, written off as "expired"
    (one short transaction per card; a card already at 0 is left alone, so running it again
    writes nothing). Returns how many cards expired."""
    today = today or timezone.localdate()
    due = (
        Card.objects.filter(card_type__kind=CardType.Kind.GIFT, valid_until__lt=today, balance__gt=0)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    expired = 0
    for card_id in due.iterator(chunk_size=1000):
        with transaction.atomic():
            card = Card.objects.select_for_update().get(pk=card_id)
            if card.balance and card.balance > 0:
                gift_entry_write(
                    card=card, kind=GiftEntry.Kind.EXPIRED, amount=-card.balance, once_key=f"expired:{card.valid_until}"
                )
                expired += 1
    return expired
