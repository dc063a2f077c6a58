"""Cards: types, batches of numbered stock, and a card's life on a customer (assign, replace,
block, unblock, remove), each change written with a `CardEvent` in the same transaction.

A number is a card's barcode, unique in the tenant; an active card belongs to one customer.
A number typed or scanned that is not in stock yet is taken into a card type by its prefix (the
longest matching prefix of an active type) and checked against that type's barcode.
"""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.copy import copy_rows, copy_values
from customers.models import Customer
from loyalty.barcodes import number_clean, number_make, range_capacity
from loyalty.models import Card, CardBatch, CardEvent, CardType, PointsEntry
from loyalty.rules import REFUSED_STATUS, card_number_clean, card_refusal, card_valid_until
from loyalty.selectors.cards import card_type_for_number
from loyalty.selectors.programme import programme_read
from loyalty.services.gift import gift_balance_move, gift_cards_issued, gift_opening
from loyalty.services.ledger import points_credit_once, points_credit_once_many
from staff.models import User

MAX_BATCH = 10_000
WELCOME_KEY = "welcome"


def _numbers_take(*, card_type: CardType, quantity: int) -> tuple[CardType, list[str]]:
    """The next `quantity` numbers of the type's range, taken: the type's row locked (so two takes
    at once get consecutive, never overlapping, ranges) and its last serial moved on."""
    card_type = CardType.objects.select_for_update().get(pk=card_type.pk)
    if not card_type.is_active:
        raise ValidationError(_("The card type %(name)s is not active.") % {"name": card_type.name})
    capacity = range_capacity(symbology=card_type.symbology, prefix=card_type.prefix)
    if capacity is not None and card_type.last_serial + quantity > capacity:
        raise ValidationError(
            {
                "quantity": _("The number range of %(name)s has %(left)s numbers left.")
                % {"name": card_type.name, "left": capacity - card_type.last_serial}
            }
        )
    first_serial = card_type.last_serial + 1
    numbers = [
        number_make(symbology=card_type.symbology, prefix=card_type.prefix, serial=serial)
        for serial in range(first_serial, first_serial + quantity)
    ]
    taken = set(Card.objects.filter(number__in=numbers).values_list("number", flat=True))
    if taken:
        raise ValidationError(
            _("Numbers of this range exist already (%(numbers)s); change the type's prefix.")
            % {"numbers": ", ".join(sorted(taken)[:3])}
        )
    card_type.last_serial += quantity
    card_type.save(update_fields=["last_serial"])
    return card_type, numbers


@transaction.atomic
def card_batch_generate(*, card_type: CardType, quantity: int, acting_user: User | None) -> CardBatch:
    """Number `quantity` new cards of the type as unassigned stock, continuing its range."""
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("Give how many cards to make (at least 1).")})
    if quantity > MAX_BATCH:
        raise ValidationError({"quantity": _("At most %(max)s cards are made at a time.") % {"max": MAX_BATCH}})
    card_type, numbers = _numbers_take(card_type=card_type, quantity=quantity)
    today = timezone.localdate()
    batch = CardBatch.objects.create(
        card_type=card_type, quantity=quantity, first_number=numbers[0], last_number=numbers[-1], created_by=acting_user
    )
    cards = Card.objects.bulk_create(
        [
            Card(
                number=number,
                card_type=card_type,
                batch=batch,
                balance=gift_opening(card_type),
                valid_until=card_valid_until(card_type, on=today),
            )
            for number in numbers
        ],
        batch_size=1000,
    )
    gift_cards_issued(cards, acting_user=acting_user)
    CardEvent.objects.bulk_create(
        [
            CardEvent(
                card=card,
                kind=CardEvent.Kind.ISSUED,
                author=acting_user,
                note=_("Batch %(batch)s") % {"batch": batch.pk},
            )
            for card in cards
        ],
        batch_size=1000,
    )
    return batch


@transaction.atomic
def coupons_issue(
    *,
    card_type: CardType,
    customer_ids: list[int],
    valid_until: datetime.date | None,
    acting_user: User | None,
    note: str,
) -> dict[int, Card]:
    """A new personal coupon of the type for each customer (a campaign's offer): numbered on from
    the type's range, active on its customer at once, with its event; set-based (rows by COPY).
    Each is used once at the till like any coupon. Returns the coupons by customer id."""
    if card_type.kind != CardType.Kind.COUPON:
        raise ValidationError(_("The card type %(name)s is not a coupon.") % {"name": card_type.name})
    if not customer_ids:
        return {}
    card_type, numbers = _numbers_take(card_type=card_type, quantity=len(customer_ids))
    now = timezone.now()
    cards = [
        Card(
            number=number,
            card_type=card_type,
            customer_id=customer_id,
            status=Card.Status.ACTIVE,
            assigned_at=now,
            valid_until=valid_until,
        )
        for customer_id, number in zip(customer_ids, numbers, strict=True)
    ]
    copy_rows(Card, cards)
    author_id = acting_user.pk if acting_user is not None else None
    copy_values(
        CardEvent,
        ("card_id", "customer_id", "kind", "author_id", "note"),
        [(card.pk, card.customer_id, CardEvent.Kind.ASSIGNED.value, author_id, note[:200]) for card in cards],
    )
    return {card.customer_id: card for card in cards}


def _card_for_assignment(number: str, *, customer: Customer) -> Card:
    """The card a typed or scanned number names, locked; made from its type when not in stock."""
    raw = (number or "").strip()
    clean = card_number_clean(raw)
    card = (
        Card.objects.select_for_update(no_key=True, of=("self",))
        .select_related("card_type", "customer")
        .filter(number=clean)
        .first()
    )
    if card is None:
        card_type = card_type_for_number(clean)
        if card_type is None:
            if not raw:
                raise ValidationError({"number": _("Type or scan the card's number.")})
            raise ValidationError(
                {
                    "number": _(
                        "No card type of this retailer has numbers like “%(number)s”; it may be another "
                        "retailer's card or mistyped."
                    )
                    % {"number": raw}
                }
            )
        try:
            checked = number_clean(raw, symbology=card_type.symbology)
        except ValidationError as error:
            raise ValidationError({"number": error.messages}) from None
        card = Card.objects.create(
            number=checked,
            card_type=card_type,
            balance=gift_opening(card_type),
            valid_until=card_valid_until(card_type, on=timezone.localdate()),
        )
        gift_cards_issued([card])
        return card
    refusal = _assign_refusal(card, customer=customer)
    if refusal:
        raise ValidationError({"number": refusal})
    return card


def _activate(card: Card, *, customer: Customer, acting_user: User | None, note: str = "", terminal=None) -> Card:
    card.customer = customer
    card.status = Card.Status.ACTIVE
    card.assigned_at = timezone.now()
    card.save(update_fields=["customer", "status", "assigned_at"])
    CardEvent.objects.create(
        card=card, customer=customer, kind=CardEvent.Kind.ASSIGNED, author=acting_user, terminal=terminal, note=note
    )
    return card


def _welcome_bonus(card: Card, *, customer: Customer) -> None:
    if card.card_type.kind != CardType.Kind.BONUS:
        return
    programme = programme_read()
    if programme.is_enabled and programme.welcome_bonus:
        points_credit_once(
            customer_id=customer.pk,
            points=programme.welcome_bonus,
            once_key=WELCOME_KEY,
            reason=_("Welcome bonus"),
            source=PointsEntry.Source.BACK_OFFICE,
        )


@transaction.atomic
def card_assign(*, customer: Customer, number: str, acting_user: User | None, terminal=None) -> Card:
    """Give the customer the card with this number (typed or scanned). A customer's first bonus
    card brings the programme's welcome bonus (once per customer)."""
    card = _card_for_assignment(number, customer=customer)
    _activate(card, customer=customer, acting_user=acting_user, terminal=terminal)
    _welcome_bonus(card, customer=customer)
    return card


@transaction.atomic
def cards_assign_bulk(*, assignments: list[tuple[Customer, str]], acting_user: User | None) -> list[Card]:
    """`card_assign` for many customers at once (a chunk of the customer import), set-based: the
    numbers' cards locked in one statement, the new ones made active in one INSERT, the ones in
    stock activated in one UPDATE, their events in one INSERT and the welcome bonuses in one. A
    number that cannot be given (as card_assign would refuse it, or twice in `assignments`)
    raises a ValidationError naming it, and the transaction writes nothing. Rows go in by COPY."""
    wanted = [(customer, (number or "").strip()) for customer, number in assignments]
    cleaned = [card_number_clean(raw) for _customer, raw in wanted]
    repeated = sorted(number for number, count in Counter(cleaned).items() if count > 1)
    if repeated:
        raise ValidationError(_("Card %(number)s is given twice.") % {"number": repeated[0]})
    existing = {
        card.number: card
        for card in Card.objects.select_for_update(no_key=True, of=("self",))
        .select_related("card_type", "customer")
        .filter(number__in=cleaned)
        .order_by("pk")
    }
    types = list(CardType.objects.filter(is_active=True))
    today, now = timezone.localdate(), timezone.now()
    made, activated = [], []
    for (customer, raw), number in zip(wanted, cleaned, strict=True):
        card = existing.get(number)
        if card is None:
            card_type = card_type_for_number(number, types=types)
            if card_type is None:
                raise ValidationError(
                    _(
                        "No card type of this retailer has numbers like “%(number)s”; it may be another retailer's "
                        "card or mistyped."
                    )
                    % {"number": raw}
                )
            card = Card(
                number=number_clean(raw, symbology=card_type.symbology),
                card_type=card_type,
                balance=gift_opening(card_type),
                valid_until=card_valid_until(card_type, on=today),
            )
            made.append(card)
        else:
            refusal = _assign_refusal(card, customer=customer)
            if refusal:
                raise ValidationError(refusal)
            activated.append(card)
        card.customer, card.status, card.assigned_at = customer, Card.Status.ACTIVE, now
    copy_rows(Card, made)
    gift_cards_issued(made, acting_user=acting_user)
    Card.objects.bulk_update(activated, ["customer", "status", "assigned_at"], batch_size=1000)
    cards = made + activated
    author_id = acting_user.pk if acting_user is not None else None
    assigned = CardEvent.Kind.ASSIGNED.value
    copy_values(
        CardEvent,
        ("card_id", "customer_id", "kind", "author_id"),
        [(card.pk, card.customer_id, assigned, author_id) for card in cards],
    )
    _welcome_bonuses([card.customer_id for card in cards if card.card_type.kind == CardType.Kind.BONUS])
    return cards


def _assign_refusal(card: Card, *, customer: Customer) -> str:
    """Why an existing card cannot be given to the customer ("" when it can: it is in stock)."""
    if card.status == Card.Status.ACTIVE:
        if card.customer_id == customer.pk:
            return _("Card %(number)s is already this customer's.") % {"number": card.number}
        return _("Card %(number)s is already active on another customer (%(customer)s).") % {
            "number": card.number,
            "customer": card.customer,
        }
    if card.status != Card.Status.STOCK:
        return REFUSED_STATUS[card.status] % {"number": card.number}
    return ""


def _welcome_bonuses(customer_ids: list[int]) -> None:
    """The welcome bonus of each customer who has not had it yet (as points_credit_once gives it
    to one), in one statement for all."""
    programme = programme_read()
    if customer_ids and programme.is_enabled and programme.welcome_bonus:
        points_credit_once_many(
            points=dict.fromkeys(customer_ids, programme.welcome_bonus),
            once_key=WELCOME_KEY,
            reason=_("Welcome bonus"),
            source=PointsEntry.Source.BACK_OFFICE,
        )


def _lock_customers_card(card: Card, *, statuses) -> Card:
    locked = (
        Card.objects.select_for_update(no_key=True, of=("self",))
        .select_related("card_type", "customer")
        .get(pk=card.pk)
    )
    if locked.status not in statuses:
        raise ValidationError(
            _("Card %(number)s is %(status)s; this cannot be done with it.")
            % {"number": locked.number, "status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic
def card_replace(*, card: Card, number: str, acting_user: User | None, reason: str = "") -> Card:
    """Put a new card in the place of a lost or damaged one: the new card becomes active on the
    same customer and takes over the gift balance; the old one stays in the history as replaced."""
    old = _lock_customers_card(card, statuses={Card.Status.ACTIVE, Card.Status.BLOCKED})
    customer = old.customer
    new = _card_for_assignment(number, customer=customer)
    if new.card_type.kind != old.card_type.kind:
        raise ValidationError(
            {
                "number": _("Card %(number)s is a %(new)s; a %(old)s can only be replaced by the same kind.")
                % {
                    "number": new.number,
                    "new": new.card_type.get_kind_display().lower(),
                    "old": old.card_type.get_kind_display().lower(),
                }
            }
        )
    if old.balance is not None:
        # Through the gift ledger: the trigger writes both cards' balances.
        gift_balance_move(old=old, new=new, acting_user=acting_user)
    old.status = Card.Status.REPLACED
    old.replaced_by = new
    old.save(update_fields=["status", "replaced_by"])
    note = (reason or "").strip()[:150]
    CardEvent.objects.create(
        card=old,
        customer=customer,
        kind=CardEvent.Kind.REPLACED,
        author=acting_user,
        note=_("by %(number)s") % {"number": new.number} + (f" · {note}" if note else ""),
    )
    _activate(new, customer=customer, acting_user=acting_user, note=_("replaces %(number)s") % {"number": old.number})
    return new


@transaction.atomic
def card_block(*, card: Card, acting_user: User | None, reason: str = "") -> Card:
    card = _lock_customers_card(card, statuses={Card.Status.ACTIVE})
    card.status = Card.Status.BLOCKED
    card.save(update_fields=["status"])
    CardEvent.objects.create(
        card=card,
        customer=card.customer,
        kind=CardEvent.Kind.BLOCKED,
        author=acting_user,
        note=(reason or "").strip()[:200],
    )
    return card


@transaction.atomic
def card_unblock(*, card: Card, acting_user: User | None) -> Card:
    card = _lock_customers_card(card, statuses={Card.Status.BLOCKED})
    card.status = Card.Status.ACTIVE
    card.save(update_fields=["status"])
    CardEvent.objects.create(card=card, customer=card.customer, kind=CardEvent.Kind.UNBLOCKED, author=acting_user)
    return card


@transaction.atomic
def card_remove(*, card: Card, acting_user: User | None, reason: str = "") -> Card:
    """Take the card off the customer for good; it stays in the customer's card history."""
    card = _lock_customers_card(card, statuses={Card.Status.ACTIVE, Card.Status.BLOCKED})
    card.status = Card.Status.REMOVED
    card.save(update_fields=["status"])
    CardEvent.objects.create(
        card=card,
        customer=card.customer,
        kind=CardEvent.Kind.REMOVED,
        author=acting_user,
        note=(reason or "").strip()[:200],
    )
    return card


def card_for_sale(*, number: str, customer: Customer | None, on: datetime.date | None = None) -> Card:
    """The card a till names on a sale, locked: active (a coupon: in stock or active, not expired)
    and, when the sale has a customer, that customer's. A ValidationError says what is wrong."""
    clean = card_number_clean(number)
    card = (
        Card.objects.select_for_update(no_key=True, of=("self",))
        .select_related("card_type")
        .filter(number=clean)
        .first()
    )
    if card is None:
        raise ValidationError({"card": _("No card with the number “%(number)s”.") % {"number": number}})
    refusal = card_refusal(card, on=on or timezone.localdate())
    if refusal is not None:
        raise ValidationError({"card": refusal})
    if customer is not None and card.customer_id is not None and card.customer_id != customer.pk:
        raise ValidationError({"card": _("Card %(number)s belongs to another customer.") % {"number": card.number}})
    return card


def coupon_use(
    *, card: Card, customer: Customer | None, acting_user: User | None = None, terminal=None, note: str = ""
) -> Card:
    """Count a use of a coupon (already locked by `card_for_sale`); used up at its type's uses, it
    cannot be used again."""
    card.uses += 1
    if card.uses >= card.card_type.coupon_uses:
        card.status = Card.Status.USED
    card.save(update_fields=["uses", "status"])
    CardEvent.objects.create(
        card=card, customer=customer, kind=CardEvent.Kind.USED, author=acting_user, terminal=terminal, note=note[:200]
    )
    return card
