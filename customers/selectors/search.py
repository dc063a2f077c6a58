"""Search of the customer list: one box for names, company, phone, e-mail, the retailer's own
customer number (exactly, whatever its case) and (with the loyalty app) card barcodes.

Later apps add what their records make findable to `search_conditions` in their
AppConfig.ready(); each condition takes the typed term and returns a Q on Customer, or None.
"""

import re
from collections.abc import Callable

from django.db.models import Q

from crm.registry import Registry
from customers.models import Customer
from customers.rules import NUMBER_MAX_LENGTH

SearchCondition = Callable[[str], Q | None]

search_conditions: Registry[SearchCondition] = Registry("customer search conditions")
PHONE_LIKE = re.compile(r"^\+?[\d\s\-()/]{5,}$")


def _own_condition(term: str) -> Q:
    if PHONE_LIKE.match(term):
        digits = re.sub(r"\D", "", term).lstrip("0")
        return Q(phone__contains=digits)
    if "@" in term:
        return Q(email__icontains=term)
    condition = Q()
    for word in term.split():
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(company_name__icontains=word)
    return condition


def number_condition(term: str) -> Q | None:
    """The customer whose number is exactly `term` (case ignored), through the number's unique
    index; None when the term cannot be a customer number."""
    term = term.strip()
    if not term or len(term) > NUMBER_MAX_LENGTH:
        return None
    return Customer.objects.number_q([term])


def search_q(term: str) -> Q:
    """Customers matching `term` by any registered way of finding them."""
    term = term.strip()
    condition = _own_condition(term)
    number = number_condition(term)
    if number is not None:
        condition |= number
    for extra in search_conditions:
        found = extra(term)
        if found is not None:
            condition |= found
    return condition
