"""Reads of the till's API: finding a customer, and the products a till names by SKU or EAN.

A till finds a customer by one of a few keys (`?phone=`, `?email=`, `?code=`). Each key is a
`CustomerLookup` in one ordered registry; the loyalty card (`?card=`) joins it with one more
`customer_lookup_register` call, and the API's view, its schema and its docs follow.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer, CustomerStatus
from customers.values import email_clean, phone_clean
from sales.models import Product

MAX_CUSTOMER_ID = 2**63 - 1


@dataclass(frozen=True)
class CustomerLookup:
    """`condition(value, tenant)` returns the Q that finds the customer, or raises a
    ValidationError when the value cannot be one (a phone number that is not one)."""

    name: str
    description: str
    condition: Callable[..., Q]


_lookups: dict[str, CustomerLookup] = {}


def customer_lookup_register(*, name: str, description: str, condition: Callable[..., Q]) -> None:
    _lookups[name] = CustomerLookup(name=name, description=description, condition=condition)


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


def customer_find(*, tenant, by: str, value: str) -> Customer | None:
    """The customer that `value` names by the lookup `by`, or None.

    Where several customers share a phone or an e-mail (duplicates not merged yet), an active one
    wins over an archived one, then the one who bought last, then the oldest record.
    """
    condition = _lookups[by].condition(value, tenant=tenant)
    return (
        Customer.objects.select_related("group")
        .filter(condition)
        .order_by(
            Case(When(status=CustomerStatus.ARCHIVED, then=Value(1)), default=Value(0), output_field=IntegerField()),
            F("last_purchase_at").desc(nulls_last=True),
            "pk",
        )
        .first()
    )


def customer_for_sale(*, customer_id: int) -> Customer | None:
    return Customer.objects.select_related("group").filter(pk=customer_id).first()


def customer_figures_refresh(customer: Customer) -> Customer:
    """Read the purchase figures again after a sale or a return changed them in the database."""
    figures = (
        Customer.objects.filter(pk=customer.pk)
        .values("purchase_count", "purchase_total", "first_purchase_at", "last_purchase_at", "return_count")
        .get()
    )
    for name, value in figures.items():
        setattr(customer, name, value)
    return customer


def products_by_code(codes: list[str]) -> dict[str, Product]:
    """Active products by the SKU or EAN a till sends, in one query."""
    found: dict[str, Product] = {}
    for product in Product.objects.filter(Q(sku__in=codes) | Q(ean__in=codes), is_active=True):
        found[product.sku] = product
        if product.ean:
            found[product.ean] = product
    return found
