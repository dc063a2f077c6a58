"""Reads for Settings → Products and Price lists: the product group tree, the product list, price
lists and which one each customer group gets."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

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


def _children_by_parent() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in ProductGroup.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    return children


def product_group_descendant_ids(group_id: int) -> set[int]:
    """The group and all its sub-groups, at any depth (one query: the tree is small)."""
    children = _children_by_parent()
    found, stack = set(), [group_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def product_group_tree() -> list[ProductGroupNode]:
    """Every product group in tree order (parents before children, siblings by name), with the
    number of products directly in it and of its direct sub-groups. Two queries."""
    groups = list(ProductGroup.objects.order_by("name"))
    product_counts = dict(
        Product.objects.filter(group__isnull=False).values_list("group").annotate(count=Count("pk")).order_by()
    )
    children: dict[int | None, list[ProductGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    nodes: list[ProductGroupNode] = []

    def walk(parent_id: int | None, depth: int, seen: set[int]) -> None:
        for group in children.get(parent_id, []):
            if group.pk in seen:
                continue
            nodes.append(
                ProductGroupNode(group, depth, product_counts.get(group.pk, 0), len(children.get(group.pk, [])))
            )
            walk(group.pk, depth + 1, seen | {group.pk})

    walk(None, 0, set())
    return nodes


def product_group_choices(*, exclude_ids: set[int] = frozenset()) -> list[tuple[int, str]]:
    """(id, indented name) for select boxes, in tree order."""
    return [
        (node.group.pk, "— " * node.depth + node.group.name)
        for node in product_group_tree()
        if node.group.pk not in exclude_ids
    ]


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
    groups = list(CustomerGroup.objects.order_by("name"))
    assigned = {
        assignment.customer_group_id: assignment.price_list
        for assignment in GroupPriceList.objects.select_related("price_list")
    }
    children: dict[int | None, list[CustomerGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    rows: list[CustomerGroupPriceList] = []

    def walk(parent_id: int | None, depth: int, inherited: tuple | None, seen: set[int]) -> None:
        for group in children.get(parent_id, []):
            if group.pk in seen:
                continue
            if group.pk in assigned:
                rows.append(CustomerGroupPriceList(group, depth, assigned[group.pk], None))
                passed_on = (assigned[group.pk], group)
            elif inherited is not None:
                rows.append(CustomerGroupPriceList(group, depth, inherited[0], inherited[1]))
                passed_on = inherited
            else:
                rows.append(CustomerGroupPriceList(group, depth, None, None))
                passed_on = None
            walk(group.pk, depth + 1, passed_on, seen | {group.pk})

    walk(None, 0, None, set())
    return rows
