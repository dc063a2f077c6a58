"""Reads for Settings → Products and Price lists: the product group tree, the product list, price
lists and which one each customer group gets."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from crm.tree import tree_choices, tree_descendant_ids, tree_order
from customers.models import CustomerGroup
from sales.models import GroupPriceList, PriceList, Product, ProductGroup


@dataclass
class ProductGroupNode:
    group: ProductGroup
    depth: int
    product_count: int
    child_count: int

    @property
    def is_empty(self) -> bool:
        return not self.product_count and not self.child_count


def product_group_descendant_ids(group_id: int) -> set[int]:
    """The group and all its sub-groups, at any depth (one query)."""
    return tree_descendant_ids(ProductGroup, group_id)


def product_group_tree() -> list[ProductGroupNode]:
    """Every product group in tree order (parents before children, siblings by name), with the
    number of products directly in it and of its direct sub-groups. Two queries."""
    product_counts = dict(
        Product.objects.filter(group__isnull=False).values_list("group").annotate(count=Count("pk")).order_by()
    )
    return [
        ProductGroupNode(place.node, place.depth, product_counts.get(place.node.pk, 0), place.child_count)
        for place in tree_order(ProductGroup.objects.order_by("name"))
    ]


def product_group_choices(*, exclude_ids: set[int] = frozenset()) -> list[tuple[int, str]]:
    """(id, indented name) for select boxes, in tree order."""
    return tree_choices(ProductGroup.objects.order_by("name"), exclude_ids=exclude_ids)


def product_list(*, query: str = "", group_id: int | None = None, is_active: bool | None = None) -> QuerySet:
    """Products by name, filtered by a search text (part of the SKU or the name, the start of the
    EAN) and by a product group including its sub-groups."""
    products = Product.objects.select_related("group").order_by("name", "sku")
    query = (query or "").strip()
    if query:
        matches = Q(sku__icontains=query) | Q(name__icontains=query)
        digits = "".join(query.split())
        if digits.isdigit():
            matches |= Q(ean__startswith=digits)
        products = products.filter(matches)
    if group_id is not None:
        products = products.filter(group_id__in=product_group_descendant_ids(group_id))
    if is_active is not None:
        products = products.filter(is_active=is_active)
    return products


def product_choices() -> list[tuple[int, str]]:
    """(id, "name (SKU)") of every product, for a price list item's select box."""
    rows = Product.objects.values_list("pk", "name", "sku", "is_active").order_by("name", "sku")
    return [
        (pk, f"{name} ({sku})" if is_active else _("%(name)s (%(sku)s, inactive)") % {"name": name, "sku": sku})
        for pk, name, sku, is_active in rows
    ]


# --- price lists ------------------------------------------------------------------------------


def price_list_list() -> QuerySet:
    """Every price list with its number of items and the customer groups it is assigned to."""
    return PriceList.objects.annotate(item_count=Count("items", distinct=True)).prefetch_related(
        "assignments__customer_group"
    )


def price_list_items(*, price_list: PriceList) -> QuerySet:
    return price_list.items.select_related("product", "product_group").order_by(
        "product_group__name", "product__name", "pk"
    )


def price_list_validity(price_list: PriceList, today: datetime.date) -> str:
    """ "valid", "expired" or "future": where `today` falls in the list's period."""
    if price_list.valid_to is not None and price_list.valid_to < today:
        return "expired"
    if price_list.valid_from is not None and price_list.valid_from > today:
        return "future"
    return "valid"


@dataclass
class CustomerGroupPriceList:
    group: CustomerGroup
    depth: int
    price_list: PriceList | None
    inherited_from: CustomerGroup | None  # None when the group has the list itself (or none at all)


def customer_group_price_lists() -> list[CustomerGroupPriceList]:
    """Every customer group in tree order with the price list that applies to it: its own, or the
    one of its nearest ancestor that has one (then `inherited_from` names that ancestor). Two
    queries, whatever the size of the tree."""
    assigned = {
        assignment.customer_group_id: assignment.price_list
        for assignment in GroupPriceList.objects.select_related("price_list")
    }
    # What each group passes on to its sub-groups: (price list, the group that has it) or None.
    passed_on: dict[int, tuple[PriceList, CustomerGroup] | None] = {}
    rows: list[CustomerGroupPriceList] = []
    for place in tree_order(CustomerGroup.objects.order_by("name")):
        group = place.node
        if group.pk in assigned:
            rows.append(CustomerGroupPriceList(group, place.depth, assigned[group.pk], None))
            passed_on[group.pk] = (assigned[group.pk], group)
        else:
            inherited = passed_on.get(group.parent_id)
            price_list, inherited_from = inherited if inherited is not None else (None, None)
            rows.append(CustomerGroupPriceList(group, place.depth, price_list, inherited_from))
            passed_on[group.pk] = inherited
    return rows
