import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from crm.money import money
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


def customer_price_list_id(customer: Customer | None, today: datetime.date) -> int | None:
    """The price list of the customer's group, or of the nearest parent group that has one, if
    it is valid today."""
    if customer is None or customer.group_id is None:
        return None
    parents = tree_parents(CustomerGroup)
    assignments = dict(
        GroupPriceList.objects.filter(
            Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=today),
            Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=today),
        ).values_list("customer_group_id", "price_list_id")
    )
    for group_id in tree_ancestor_ids(parents, customer.group_id):
        if group_id in assignments:
            return assignments[group_id]
    return None


def customer_prices(*, customer: Customer | None, products: list[Product], today: datetime.date) -> dict[int, Price]:
    """What the customer pays today for each product, in a fixed number of queries: a fixed price
    for the product wins over one for its group (or the nearest parent group); a percentage off
    applies to the list price; the lower of list price and special price is charged."""
    price_list_id = customer_price_list_id(customer, today)
    prices = {product.pk: Price(product, product.list_price, product.list_price, "") for product in products}
    if price_list_id is None or not products:
        return prices
    items = list(PriceListItem.objects.filter(price_list_id=price_list_id).select_related("price_list"))
    by_product = {item.product_id: item for item in items if item.product_id}
    by_group = {item.product_group_id: item for item in items if item.product_group_id}
    parents = tree_parents(ProductGroup) if by_group else {}
    for product in products:
        item = by_product.get(product.pk)
        if item is None:
            item = next((by_group[g] for g in tree_ancestor_ids(parents, product.group_id) if g in by_group), None)
        if item is None:
            continue
        if item.fixed_price is not None:
            special = item.fixed_price
        else:
            special = money(product.list_price * (100 - item.percent_off) / 100)
        if special < product.list_price:
            prices[product.pk] = Price(
                product, product.list_price, special, SalesLine.DiscountSource.PRICE_LIST, item.price_list.name
            )
    return prices
