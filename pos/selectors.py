"""Reads of the till's API: finding a customer, the products a till names by SKU or EAN, a
loyalty card by its number, and the points a sale, a return or a receipt's payment moves.

A till finds a customer by one of a few keys (`?phone=`, `?email=`, `?code=`, `?card=`). Each
key is a `CustomerLookup` in one ordered registry, and the API's view, its schema and its docs
follow it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer, CustomerStatus
from customers.rules import email_clean, phone_clean
from loyalty.models import Card, PointsEntry, Programme
from loyalty.rules import card_refusal, money_of_points, redeemable_points
from loyalty.selectors.points import balance_of
from loyalty.selectors.programme import programme_read
from sales.models import Product, Return, SalesDocument

MAX_CUSTOMER_ID = 2**63 - 1


@dataclass(frozen=True)
class CustomerLookup:
    """`condition(value, tenant)` returns the Q that finds the customer, or raises a
    ValidationError when the value cannot be one (a phone number that is not one).
    `missing(value)`, when given, says why nobody was found (a blocked card, say)."""

    name: str
    description: str
    condition: Callable[..., Q]
    missing: Callable[[str], str | None] | None = None


_lookups: dict[str, CustomerLookup] = {}


def customer_lookup_register(
    *, name: str, description: str, condition: Callable[..., Q], missing: Callable[[str], str | None] | None = None
) -> None:
    _lookups[name] = CustomerLookup(name=name, description=description, condition=condition, missing=missing)


def customer_lookups() -> list[CustomerLookup]:
    return list(_lookups.values())


def _phone_condition(value: str, *, tenant) -> Q:
    phone = phone_clean(value, region=tenant.country)
    if not phone:
        raise ValidationError(_("Give a phone number."))
    return Q(phone=phone)


def _email_condition(value: str, *, tenant) -> Q:
    email = email_clean(value)
    if not email:
        raise ValidationError(_("Give an e-mail address."))
    return Q(email=email)


def _code_condition(value: str, *, tenant) -> Q:
    code = value.strip()
    if not code.isdigit() or int(code) > MAX_CUSTOMER_ID:
        raise ValidationError(_("“%(value)s” is not a customer code.") % {"value": value})
    return Q(pk=int(code))


customer_lookup_register(
    name="phone",
    description=gettext_lazy(
        "Phone number in any usual form; without a country prefix it is of the retailer's country."
    ),
    condition=_phone_condition,
)
customer_lookup_register(name="email", description=gettext_lazy("E-mail address."), condition=_email_condition)
customer_lookup_register(
    name="code",
    description=gettext_lazy("Customer code (the number on the customer's card in the back office)."),
    condition=_code_condition,
)


def card_number_clean(value: str) -> str:
    """A card's number as typed or scanned: spaces (a person's or a scanner's) taken out."""
    return "".join((value or "").split())


def _card_condition(value: str, *, tenant) -> Q:
    number = card_number_clean(value)
    if not number:
        raise ValidationError(_("Give a card number."))
    return Q(pk__in=Card.objects.filter(number=number, status=Card.Status.ACTIVE).values("customer_id"))


def _card_missing(value: str) -> str | None:
    card = Card.objects.select_related("card_type").filter(number=card_number_clean(value)).first()
    if card is None:
        return _("No card with the number “%(number)s”.") % {"number": value}
    return card_refusal(card, on=timezone.localdate())


customer_lookup_register(
    name="card",
    description=gettext_lazy("Loyalty card number (scanned or typed); finds the customer whose active card it is."),
    condition=_card_condition,
    missing=_card_missing,
)

# The points balance of a customer read with the customer (an account row exists from the first
# movement on).
POINTS_BALANCE = Coalesce(F("points_account__balance"), Value(0))


def customer_find(*, tenant, by: str, value: str) -> Customer | None:
    """The customer that `value` names by the lookup `by`, or None, with the points balance
    (`api_points_balance`).

    Where several customers share a phone or an e-mail (duplicates not merged yet), an active one
    wins over an archived one, then the one who bought last, then the oldest record.
    """
    condition = _lookups[by].condition(value, tenant=tenant)
    return (
        Customer.objects.select_related("group")
        .annotate(api_points_balance=POINTS_BALANCE)
        .filter(condition)
        .order_by(
            Case(When(status=CustomerStatus.ARCHIVED, then=Value(1)), default=Value(0), output_field=IntegerField()),
            F("last_purchase_at").desc(nulls_last=True),
            "pk",
        )
        .first()
    )


def customer_not_found_message(*, by: str, value: str) -> str:
    """What the till shows when `customer_find` found nobody."""
    lookup = _lookups[by]
    message = lookup.missing(value) if lookup.missing else None
    return message or _("No customer with the %(key)s “%(value)s”.") % {"key": by, "value": value}


def customer_for_sale(*, customer_id: int) -> Customer | None:
    """The customer by id, with the points balance (`api_points_balance`)."""
    return (
        Customer.objects.select_related("group")
        .annotate(api_points_balance=POINTS_BALANCE)
        .filter(pk=customer_id)
        .first()
    )


def customer_of_card(*, number: str) -> Customer | None:
    """The customer whose active card has this number, or None."""
    if not card_number_clean(number):
        return None
    return Customer.objects.select_related("group").filter(_card_condition(number, tenant=None)).first()


def customer_cards_attach(customer: Customer) -> Customer:
    """The customer's active cards with their types (`api_cards`), in one query."""
    customer.api_cards = list(
        Card.objects.filter(customer_id=customer.pk, status=Card.Status.ACTIVE)
        .select_related("card_type")
        .order_by(F("assigned_at").desc(nulls_last=True), "-pk")
    )
    return customer


def customer_figures_refresh(customer: Customer) -> Customer:
    """Read the purchase figures and the points balance (`api_points_balance`) again after a
    sale or a return changed them in the database, and the active cards."""
    figures = (
        Customer.objects.filter(pk=customer.pk)
        .values("purchase_count", "purchase_total", "first_purchase_at", "last_purchase_at", "return_count")
        .annotate(api_points_balance=POINTS_BALANCE)
        .get()
    )
    for name, value in figures.items():
        setattr(customer, name, value)
    return customer_cards_attach(customer)


# --- cards -----------------------------------------------------------------------------------------


def card_by_number(*, number: str, on: datetime.date) -> Card | None:
    """A card of this retailer by its number (any status), with its type, its successor, its
    customer and the customer's points balance (`customer.api_points_balance`), and whether a
    sale may name it on the day `on` (`api_is_usable`; `api_refusal` says why not), in one query."""
    clean = card_number_clean(number)
    if not clean:
        return None
    card = (
        Card.objects.select_related("card_type", "replaced_by", "customer")
        .annotate(customer_points_balance=Coalesce(F("customer__points_account__balance"), Value(0)))
        .filter(number=clean)
        .first()
    )
    if card is None:
        return None
    if card.customer is not None:
        card.customer.api_points_balance = card.customer_points_balance
    card.api_refusal = card_refusal(card, on=on)
    card.api_is_usable = card.api_refusal is None
    return card


# --- points ----------------------------------------------------------------------------------------


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


def sale_points(*, sale: SalesDocument, balance: int) -> dict | None:
    """The points a sale earned and redeemed (with the money they paid), and the customer's
    balance after it; None for an anonymous sale."""
    if sale.customer_id is None:
        return None
    figures = PointsEntry.objects.filter(sale=sale, return_document__isnull=True).aggregate(
        earned=Sum("points", filter=Q(kind=PointsEntry.Kind.EARN)),
        redeemed=Sum("points", filter=Q(kind=PointsEntry.Kind.REDEEM)),
        redeemed_value=Sum("money_value", filter=Q(kind=PointsEntry.Kind.REDEEM)),
    )
    return {
        "earned": figures["earned"] or 0,
        "redeemed": -(figures["redeemed"] or 0),
        "redeemed_value": figures["redeemed_value"] or Decimal("0.00"),
        "balance": balance,
    }


def return_points(*, return_document: Return, balance: int) -> dict | None:
    """The points a return gave back (redeemed on the sale) and took back (earned by the returned
    lines; `shortfall`: spent already, not taken back), and the balance after it; None when the
    sale was anonymous."""
    if return_document.customer_id is None:
        return None
    figures = PointsEntry.objects.filter(return_document=return_document).aggregate(
        restored=Sum("points", filter=Q(kind=PointsEntry.Kind.RESTORE)),
        taken_back=Sum("points", filter=Q(kind=PointsEntry.Kind.REVERSE)),
        shortfall=Sum("shortfall", filter=Q(kind=PointsEntry.Kind.REVERSE)),
    )
    return {
        "restored": figures["restored"] or 0,
        "taken_back": -(figures["taken_back"] or 0),
        "shortfall": figures["shortfall"] or 0,
        "balance": balance,
    }


def staff_for_till(*, username: str):
    """The active staff user a till names as the cashier signed in, or None."""
    return get_user_model().objects.filter(username=username, is_active=True).first() if username else None


def products_by_code(codes: list[str]) -> dict[str, Product]:
    """Active products by the SKU or EAN a till sends, in one query."""
    found: dict[str, Product] = {}
    for product in Product.objects.filter(Q(sku__in=codes) | Q(ean__in=codes), is_active=True):
        found[product.sku] = product
        if product.ean:
            found[product.ean] = product
    return found
