"""What a customer record needs before it may be Introduced; what is missing goes to Control."""

from django.utils.translation import gettext as _

from customers.models import Customer, CustomProperty


def customer_missing(customer: Customer, properties: list[CustomProperty]) -> list[str]:
    """Labels of what the record lacks: required default fields and required custom properties."""
    missing = []
    if customer.kind == Customer.Kind.BUSINESS:
        if not customer.company_name:
            missing.append(_("company name"))
        if not customer.registry_code:
            missing.append(_("registry code"))
    else:
        if not customer.first_name:
            missing.append(_("first name"))
        if not customer.last_name:
            missing.append(_("last name"))
    if not customer.phone and not customer.email:
        missing.append(_("phone or e-mail"))
    for prop in properties:
        if prop.is_required and not prop.is_archived and customer.properties.get(prop.code) in (None, ""):
            missing.append(prop.label)
    return missing
