"""Reads for Settings → Loyalty programme: the programme's settings, the rules and tiers lists and
the choices their forms offer. What a basket earns (and the "try it" panel's preview of it) is
read in loyalty.selectors.earning."""

from django.db.models import Q, QuerySet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors.search import search_q
from loyalty.models import EarningRule, Programme, Tier
from sales.models import Product, Store

CUSTOMER_MATCHES = 10


def programme_read() -> Programme:
    """The programme's settings as they stand, without creating the row: an unsaved programme
    with the defaults when the tenant has none yet."""
    programme = Programme.objects.filter(pk=1).first()
    if programme is None:
        programme = Programme(pk=1)
        # The declared defaults are an int and a str; give them the types the database would.
        for field in Programme._meta.concrete_fields:
            setattr(programme, field.attname, field.to_python(getattr(programme, field.attname)))
    return programme


def weekday_choices() -> list[tuple[int, str]]:
    """(ISO number, name) of the days of the week, Monday first."""
    return [(number + 1, name) for number, name in WEEKDAYS.items()]


def earning_rule_list() -> list[EarningRule]:
    """Every earning rule, active ones first, by name, with what the list shows (three queries
    whatever the number of rules). Each rule gets `weekday_names`."""
    rules = list(
        EarningRule.objects.select_related("product", "product_group")
        .prefetch_related("stores", "customer_groups")
        .order_by("-is_active", "name", "pk")
    )
    names = dict(weekday_choices())
    for rule in rules:
        rule.weekday_names = [names[day] for day in rule.weekdays if day in names]
    return rules


def tier_list() -> QuerySet[Tier]:
    """The tiers from the lowest threshold up."""
    return Tier.objects.order_by("min_spend")


def store_choices() -> list[tuple[int, str]]:
    """(id, name) of the stores, active ones first."""
    return [
        (store.pk, store.name if store.is_active else _("%(name)s (inactive)") % {"name": store.name})
        for store in Store.objects.order_by("-is_active", "name")
    ]


def customer_matches(term: str) -> list[Customer]:
    """Up to ten customers found by the customer list's search (name, phone, e-mail and what
    other apps register, such as card numbers) or, for a number, by their id."""
    term = (term or "").strip()
    if not term:
        return []
    condition = search_q(term)
    if term.isdigit():
        condition |= Q(pk=int(term))
    return list(
        Customer.objects.filter(condition)
        .select_related("group")
        .order_by("last_name", "first_name", "pk")[:CUSTOMER_MATCHES]
    )


def products_by_code(codes: set[str]) -> dict[str, Product]:
    """The products whose SKU or EAN barcode is one of `codes`, by that code (one query)."""
    found: dict[str, Product] = {}
    if not codes:
        return found
    for product in Product.objects.by_codes(codes).select_related("group"):
        found[product.sku] = product
        if product.ean:
            found[product.ean] = product
    return {code: product for code, product in found.items() if code in codes}
