"""Customers the till creates: a cashier asks a name and a phone, the back office completes the record."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerStatus
from customers.rules import email_clean, phone_clean
from customers.services.customers import customer_create

TILL_SOURCE = "till"


def till_customer_create(
    *, tenant, first_name: str = "", last_name: str = "", phone: str = "", email: str = ""
) -> Customer:
    """Create a customer from what a cashier asks at the till: a name and a phone (an e-mail if
    given). The customer starts in Control (the back office completes the record) and counts
    against the plan's customer limit, which refuses with PlanLimitReached when reached."""
    errors: dict[str, list[str]] = {}
    try:
        phone = phone_clean(phone, region=tenant.country)
    except ValidationError as error:
        errors["phone"] = error.messages
    else:
        if not phone:
            errors["phone"] = [_("Give the customer's phone number.")]
    try:
        email = email_clean(email)
    except ValidationError as error:
        errors["email"] = error.messages
    if not (first_name.strip() or last_name.strip()):
        errors["last_name"] = [_("A person needs a first or a last name.")]
    if errors:
        raise ValidationError(errors)
    return customer_create(
        tenant=tenant,
        fields={
            "kind": Customer.Kind.PERSON,
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "phone": phone,
            "email": email,
        },
        status=CustomerStatus.CONTROL,
        source=TILL_SOURCE,
    )
