"""Finding the customer a till names: by one of a few keys (`?phone=`, `?email=`, `?code=`,
`?number=`, and the `?card=` loyalty joins), each a `CustomerLookup` in one ordered registry that the till's API,
its schema and its docs follow."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.registry import Registry
from customers.models import Customer, CustomerStatus
from customers.rules import NUMBER_MAX_LENGTH, email_clean, phone_clean

MAX_CUSTOMER_ID = 2**63 - 1


@dataclass(frozen=True)
class CustomerLookup:
    """`condition(value, tenant=...)` returns the Q that finds the customer, or raises a
    ValidationError when the value cannot be one (a phone number that is not one).
    `missing(value)`, when given, says why nobody was found (a blocked card, say)."""

    name: str
    description: str | Promise
    condition: Callable[..., Q]
    missing: Callable[[str], str | None] | None = None


customer_lookups: Registry[CustomerLookup] = Registry("customer look-ups", key=lambda lookup: lookup.name)


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


def _number_condition(value: str, *, tenant) -> Q:
    number = value.strip()
    if not number:
        raise ValidationError(_("Give a customer number."))
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValidationError(_("“%(value)s” is not a customer number.") % {"value": value})
    return Customer.objects.number_q([number])


# The customers' own keys, registered with the registry (later apps add theirs in ready()).
customer_lookups.register(
    CustomerLookup(
        name="phone",
        description=gettext_lazy(
            "Phone number in any usual form; without a country prefix it is of the retailer's country."
        ),
        condition=_phone_condition,
    )
)
customer_lookups.register(
    CustomerLookup(name="email", description=gettext_lazy("E-mail address."), condition=_email_condition)
)
customer_lookups.register(
    CustomerLookup(
        name="code",
        description=gettext_lazy("Customer code: Regulars' own id of the customer (`code` in every answer)."),
        condition=_code_condition,
    )
)
customer_lookups.register(
    CustomerLookup(
        name="number",
        description=gettext_lazy(
            "The retailer's own customer number (from its previous system or a printed card); case does not matter."
        ),
        condition=_number_condition,
    )
)


def customer_find(*, tenant, by: str, value: str) -> Customer | None:
    """The customer that `value` names by the look-up `by`, or None.

    Where several customers share a phone or an e-mail (duplicates not merged yet), an active one
    wins over an archived one, then the one who bought last, then the oldest record.
    """
    condition = customer_lookups.get(by).condition(value, tenant=tenant)
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


def customer_not_found_message(*, by: str, value: str) -> str:
    """What the till shows when `customer_find` found nobody."""
    lookup = customer_lookups.get(by)
    message = lookup.missing(value) if lookup.missing else None
    return message or _("No customer with the %(key)s “%(value)s”.") % {"key": by, "value": value}


def customer_for_sale(*, customer_id: int) -> Customer | None:
    """The customer by id (with the group), or None."""
    return Customer.objects.select_related("group").filter(pk=customer_id).first()
