"""The till's reads of loyalty cards: the customer look-up by card number (registered with the
customers' look-ups in loyalty's AppConfig.ready()), a card by its number, and a customer as the
till shows them (with the points balance and the active cards)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.rows import JoinedSelect
from customers.models import Customer
from customers.selectors.lookup import CustomerLookup
from loyalty.models import Card, PointsAccount
from loyalty.rules import card_number_clean, card_refusal

# The points balance read with the customer (an account row exists from the first movement on).
POINTS_BALANCE = Coalesce(F("points_account__balance"), Value(0))


def card_condition(value: str, *, tenant) -> Q:
    """The customer whose active card has the number `value`."""
    number = card_number_clean(value)
    if not number:
        raise ValidationError(_("Give a card number."))
    return Q(pk__in=Card.objects.filter(number=number, status=Card.Status.ACTIVE).values("customer_id"))


def card_missing(value: str) -> str | None:
    """Why no customer has an active card with the number `value` (unknown, blocked, …)."""
    card = Card.objects.select_related("card_type").filter(number=card_number_clean(value)).first()
    if card is None:
        return _("No card with the number “%(number)s”.") % {"number": value}
    return card_refusal(card, on=timezone.localdate())


CARD_LOOKUP = CustomerLookup(
    name="card",
    description=gettext_lazy("Loyalty card number (scanned or typed); finds the customer whose active card it is."),
    condition=card_condition,
    missing=card_missing,
)


def customer_of_card(*, number: str) -> Customer | None:
    """The customer whose active card has this number, or None."""
    if not card_number_clean(number):
        return None
    return Customer.objects.select_related("group").filter(card_condition(number, tenant=None)).first()


@dataclass(frozen=True)
class TillCustomer:
    """A customer as the till shows them: the purchase figures as read, the points balance and
    the active cards (with their types), newest first."""

    customer: Customer
    points_balance: int
    cards: tuple[Card, ...]


def till_customer_get(*, customer_id: int) -> TillCustomer:
    """The customer read now (purchase figures after a sale or a return included), with the
    points balance and the active cards: two queries."""
    customer = Customer.objects.select_related("group").annotate(points_balance=POINTS_BALANCE).get(pk=customer_id)
    return till_customer_of(customer=customer, points_balance=customer.points_balance)


def till_customer_of(*, customer: Customer, points_balance: int) -> TillCustomer:
    """A customer already read (with the group), with the balance known: one query, the cards."""
    cards = (
        Card.objects.filter(customer_id=customer.pk, status=Card.Status.ACTIVE)
        .select_related("card_type")
        .order_by(F("assigned_at").desc(nulls_last=True), "-pk")
    )
    return TillCustomer(customer=customer, points_balance=points_balance, cards=tuple(cards))


@dataclass(frozen=True)
class CardHolder:
    customer: Customer
    points_balance: int


@dataclass(frozen=True)
class TillCard:
    """A card with its type, its successor and its customer (with the points balance), and why a
    sale may not name it on the day asked (`refusal`; None when it may)."""

    card: Card
    customer: CardHolder | None
    refusal: str | None

    @property
    def is_usable(self) -> bool:
        return self.refusal is None


CARD_FIELDS = ("number", "status", "balance", "valid_until", "card_type_id", "customer_id", "replaced_by_id")
HOLDER_FIELDS = ("kind", "first_name", "last_name", "company_name")


def _card_select() -> JoinedSelect:
    account = PointsAccount._meta
    return JoinedSelect(
        Card,
        f't0."{Card._meta.get_field("number").column}" = %s',
        joins=("card_type", "replaced_by", "customer"),
        # What the answer shows: of the successor its number, of the customer the name. Fewer
        # columns halve the work on a look-up the till makes for every customer at the counter.
        only={"": CARD_FIELDS, "replaced_by": ("number",), "customer": HOLDER_FIELDS},
        extra_from=(
            f'LEFT OUTER JOIN "{account.db_table}" AS account ON '
            f'account."{account.get_field("customer").column}" = t0."{Card._meta.get_field("customer").column}"'
        ),
        extra={"customer_points_balance": f'COALESCE(account."{account.get_field("balance").column}", 0)'},
    )


_BY_NUMBER = _card_select()


def card_by_number(*, number: str, on: datetime.date) -> TillCard | None:
    """A card of this retailer by its number (any status), with its type, successor, customer and
    the customer's points balance, in one fixed statement (crm.rows); None when unknown."""
    clean = card_number_clean(number)
    if not clean:
        return None
    card = _BY_NUMBER.first([clean])
    if card is None:
        return None
    holder = None if card.customer is None else CardHolder(card.customer, card.customer_points_balance)
    return TillCard(card=card, customer=holder, refusal=card_refusal(card, on=on))
