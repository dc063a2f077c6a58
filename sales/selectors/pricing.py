import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from crm.money import money
from crm.tenant_config import config_cached
from crm.tree import tree_ancestor_ids, tree_parents
from customers.models import Customer, CustomerGroup
from sales.models import GroupPriceList, PriceListItem, Product, ProductGroup, SalesLine


@dataclass(frozen=True)
class Price:
    product: Product
    list_price: Decimal
    price: Decimal
    source: str  # "" or SalesLine.DiscountSource.PRICE_LIST
    price_list: str = ""


@dataclass(frozen=True)
class _Assignment:
    price_list_id: int
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    def is_valid(self, today: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or self.valid_to >= today
        )


@dataclass(frozen=True)
class _PriceListItems:
    name: str
    by_product: dict[int, PriceListItem] = field(default_factory=dict)
    by_group: dict[int, PriceListItem] = field(default_factory=dict)


@dataclass(frozen=True)
class PricingConfig:
    """Everything a price depends on but the product: both group trees, which customer group
    has which price list (with its dates) and every price list's items. Kept per retailer by
    `crm.tenant_config` (rebuilt after any change of those tables)."""

    customer_group_parents: dict[int, int | None]
    product_group_parents: dict[int, int | None]
    assignments: dict[int, _Assignment]
    price_lists: dict[int, _PriceListItems]


def _pricing_config_build() -> PricingConfig:
    assignments = {
        assignment.customer_group_id: _Assignment(
            assignment.price_list_id, assignment.price_list.valid_from, assignment.price_list.valid_to
        )
        for assignment in GroupPriceList.objects.select_related("price_list")
    }
    price_lists: dict[int, _PriceListItems] = {}
    for item in PriceListItem.objects.select_related("price_list").order_by("pk"):
        items = price_lists.setdefault(item.price_list_id, _PriceListItems(item.price_list.name))
        if item.product_id:
            items.by_product[item.product_id] = item
        if item.product_group_id:
            items.by_group[item.product_group_id] = item
    return PricingConfig(
        customer_group_parents=tree_parents(CustomerGroup),
        product_group_parents=tree_parents(ProductGroup),
        assignments=assignments,
        price_lists=price_lists,
    )


def pricing_config() -> PricingConfig:
    return config_cached("sales.pricing", _pricing_config_build)


def customer_price_list_id(
    customer: Customer | None, today: datetime.date, *, config: PricingConfig | None = None
) -> int | None:
    """The price list of the customer's group, or of the nearest parent group that has one, if
    it is valid today."""
    if customer is None or customer.group_id is None:
        return None
    config = config or pricing_config()
    for group_id in tree_ancestor_ids(config.customer_group_parents, customer.group_id):
        assignment = config.assignments.get(group_id)
        if assignment is not None and assignment.is_valid(today):
            return assignment.price_list_id
    return None


def customer_prices(*, customer: Customer | None, products: list[Product], today: datetime.date) -> dict[int, Price]:
    """What the customer pays today for each product, from the retailer's cached pricing (no
    query when nothing changed): a fixed price for the product wins over one for its group (or
    the nearest parent group); a percentage off applies to the list price; the lower of list
    price and special price is charged."""
    prices = {product.pk: Price(product, product.list_price, product.list_price, "") for product in products}
    if customer is None or customer.group_id is None or not products:
        return prices
    config = pricing_config()
    price_list_id = customer_price_list_id(customer, today, config=config)
    items = config.price_lists.get(price_list_id) if price_list_id is not None else None
    if items is None:
        return prices
    for product in products:
        item = items.by_product.get(product.pk)
        if item is None and items.by_group:
            item = next(
                (
                    items.by_group[group_id]
                    for group_id in tree_ancestor_ids(config.product_group_parents, product.group_id)
                    if group_id in items.by_group
                ),
                None,
            )
        if item is None:
            continue
        if item.fixed_price is not None:
            special = item.fixed_price
        else:
            special = money(product.list_price * (100 - item.percent_off) / 100)
        if special < product.list_price:
            prices[product.pk] = Price(
                product, product.list_price, special, SalesLine.DiscountSource.PRICE_LIST, items.name
            )
    return prices
