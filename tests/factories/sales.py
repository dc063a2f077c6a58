"""Stores, terminals, products, price lists, and sales and returns registered by the real services."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from sales.models import (
    GroupPriceList,
    PriceList,
    PriceListItem,
    Product,
    ProductGroup,
    Return,
    SalesDocument,
    Store,
    Terminal,
)
from sales.rules import ean_check_digit
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from sales.services.stores import TOKEN_PREFIX_LENGTH
from tests.factories.customers import CustomerGroupFactory


def ean13(n: int) -> str:
    """The n-th EAN-13 of the factories: prefix 20 (numbers a retailer keeps for itself, never a
    card's prefix in the tests), ten digits of n, and the check digit."""
    body = f"20{n:010d}"
    return f"{body}{ean_check_digit(body)}"


class StoreFactory(DjangoModelFactory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    code = factory.Sequence(lambda n: f"STORE-{n}")


class TerminalFactory(DjangoModelFactory):
    """An active terminal whose token is `token=` (one of its own unless given), stored the way
    `terminal_create` stores it: the hash and the first characters. Pass `token=` when the test
    sends it; the `till` fixture gives a terminal together with its token."""

    class Meta:
        model = Terminal

    class Params:
        token = factory.Sequence(lambda n: f"factory-till-token-{n:04d}")

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Till {n}")
    token_hash = factory.LazyAttribute(lambda terminal: Terminal.hash_token(terminal.token))
    token_prefix = factory.LazyAttribute(lambda terminal: terminal.token[:TOKEN_PREFIX_LENGTH])


class ProductGroupFactory(DjangoModelFactory):
    """A product group; `parent=` puts it under another."""

    class Meta:
        model = ProductGroup

    name = factory.Sequence(lambda n: f"Product group {n}")
    parent = None


class ProductFactory(DjangoModelFactory):
    """An active product at 10.00 with a unique SKU and a valid, unique EAN-13 (`ean=None` for
    none)."""

    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    ean = factory.Sequence(ean13)
    name = factory.Sequence(lambda n: f"Product {n}")
    group = None
    list_price = Decimal("10.00")


class PriceListFactory(DjangoModelFactory):
    """A price list, valid always; `customer_groups=[…]` makes it theirs."""

    class Meta:
        model = PriceList
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Price list {n}")

    @factory.post_generation
    def customer_groups(price_list, create, extracted, **kwargs):
        if create and extracted:
            GroupPriceList.objects.bulk_create(
                GroupPriceList(customer_group=group, price_list=price_list) for group in extracted
            )


class PriceListItemFactory(DjangoModelFactory):
    """10 % off a new product, unless `product_group=` (then for the group) or `fixed_price=`."""

    class Meta:
        model = PriceListItem

    price_list = factory.SubFactory(PriceListFactory)
    product_group = None
    product = factory.Maybe("product_group", yes_declaration=None, no_declaration=factory.SubFactory(ProductFactory))
    fixed_price = None
    percent_off = factory.Maybe("fixed_price", yes_declaration=None, no_declaration=Decimal("10"))


class GroupPriceListFactory(DjangoModelFactory):
    class Meta:
        model = GroupPriceList

    customer_group = factory.SubFactory(CustomerGroupFactory)
    price_list = factory.SubFactory(PriceListFactory)


class SaleFactory(DjangoModelFactory):
    """A sale registered through `sale_register`, so that the customer's purchase figures and
    points are what the application makes of it.

    `lines=` is a list of `LineInput` or a number of lines, each one of a new product at 10.00;
    `customer=`, `kind=`, `occurred_at=` (now unless given), `number=` and `store=` as the
    service takes them."""

    class Meta:
        model = SalesDocument

    store = factory.SubFactory(StoreFactory)
    lines = 1
    customer = None
    kind = SalesDocument.Kind.RECEIPT
    occurred_at = None
    number = factory.Sequence(lambda n: f"F-{n:05d}")

    @classmethod
    def _create(cls, model_class, *, lines, **kwargs):
        if isinstance(lines, int):
            lines = [LineInput(product=ProductFactory().sku, quantity=Decimal("1")) for _ in range(lines)]
        return sale_register(lines=lines, **kwargs)


class ReturnFactory(DjangoModelFactory):
    """A return registered through `return_register`: of everything still returnable on the sale
    (a new sale of one line unless `sale=`), or of `lines=` (a list of `ReturnLineInput`)."""

    class Meta:
        model = Return

    sale = factory.SubFactory(SaleFactory)
    lines = None
    reason = ""
    occurred_at = None

    @classmethod
    def _create(cls, model_class, *, sale, lines, **kwargs):
        if lines is None:
            lines = [
                ReturnLineInput(sale_line_id=line.pk, quantity=line.returnable_quantity)
                for line in sale.lines.order_by("pk")
                if line.returnable_quantity > 0
            ]
        return return_register(sale=sale, lines=lines, **kwargs)
