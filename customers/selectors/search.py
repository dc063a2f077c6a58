"""Search of the customer list: one box for names, company, phone, e-mail and (with the loyalty
app) card barcodes.

Later apps add what their records make findable to `search_conditions` in their
AppConfig.ready(); each condition takes the typed term and returns a Q on Customer, or None.
"""

import re
from collections.abc import Callable

from django.db.models import Q

from crm.registry import Registry

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


def search_q(term: str) -> Q:
    """Customers matching `term` by any registered way of finding them."""
    term = term.strip()
    condition = _own_condition(term)
    for extra in search_conditions:
        found = extra(term)
        if found is not None:
            condition |= found
    return condition
