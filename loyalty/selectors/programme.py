"""Reads for Settings → Loyalty programme: the rules and tiers lists, and the "try it" panel's
preview of what a basket would earn (computed exactly as a sale computes it, writing nothing)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors.search import search_q
from loyalty.models import EarningRule, Programme, Tier
from loyalty.services.earning import BasketLine, LineQuote, Quote, points_quote
from sales.models import Product, Store
from sales.selectors.pricing import customer_prices

CENT = Decimal("0.01")
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
    for product in Product.objects.filter(Q(sku__in=codes) | Q(ean__in=codes)).select_related("group"):
        found[product.sku] = product
        if product.ean:
            found[product.ean] = product
    return {code: product for code, product in found.items() if code in codes}


@dataclass(frozen=True)
class BasketRow:
    """A line of the panel's basket: a product, its quantity and, if given, the price paid."""

    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None


@dataclass
class PreviewLine:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    price_list: str
    is_price_typed: bool
    amount: Decimal
    # None when the whole basket earns nothing for a reason of its own (see Preview.quote.reason).
    quote: LineQuote | None


@dataclass
class Preview:
    lines: list[PreviewLine]
    quote: Quote
    programme: Programme
    receipt_total: Decimal
    unrounded_total: Decimal


def basket_preview(
    *, customer: Customer | None, store: Store | None, when: datetime.datetime, rows: list[BasketRow]
) -> Preview:
    """What a sale of `rows` to `customer` at `store` at `when` would earn, line by line with the
    rule applied and why. Each line's amount is what sale_register would charge: the price given,
    else the customer's price that day (price list included). Writes nothing."""
    programme = programme_read()
    prices = customer_prices(
        customer=customer,
        products=list({row.product.pk: row.product for row in rows}.values()),
        today=when.date(),
    )
    priced = []
    for row in rows:
        price = prices[row.product.pk]
        unit_price = price.price if row.unit_price is None else row.unit_price
        amount = (unit_price * row.quantity).quantize(CENT)
        priced.append((row, unit_price, price.price_list if row.unit_price is None else "", amount))
    quote = points_quote(
        customer=customer,
        store=store,
        lines=[
            BasketLine(product=row.product, quantity=row.quantity, amount=amount)
            for row, _unit_price, _price_list, amount in priced
        ],
        when=when,
        programme=programme,
    )
    line_quotes = quote.lines or [None] * len(priced)
    lines = [
        PreviewLine(
            product=row.product,
            quantity=row.quantity,
            unit_price=unit_price,
            price_list=price_list,
            is_price_typed=row.unit_price is not None,
            amount=amount,
            quote=line_quote,
        )
        for (row, unit_price, price_list, amount), line_quote in zip(priced, line_quotes, strict=True)
    ]
    return Preview(
        lines=lines,
        quote=quote,
        programme=programme,
        receipt_total=sum((line.amount for line in lines), Decimal("0")),
        unrounded_total=sum((line.quote.points for line in lines if line.quote), Decimal("0")),
    )
