from dataclasses import dataclass

from django.db.models import Count

from crm.tenant_config import config_cached
from crm.tree import tree_choices, tree_descendant_ids, tree_order, tree_paths
from customers.models import Customer, CustomerGroup


@dataclass
class GroupNode:
    group: CustomerGroup
    depth: int
    customer_count: int


def group_descendant_ids(group_id: int) -> set[int]:
    """The group and all its sub-groups, at any depth (one query)."""
    return tree_descendant_ids(CustomerGroup, group_id)


def group_tree() -> list[GroupNode]:
    """Every group in tree order (parents before children, siblings by name), with the number of
    customers directly in it."""
    counts = dict(
        Customer.objects.filter(group__isnull=False).values_list("group").annotate(count=Count("pk")).order_by()
    )
    return [
        GroupNode(place.node, place.depth, counts.get(place.node.pk, 0))
        for place in tree_order(CustomerGroup.objects.order_by("name"))
    ]


def group_choices() -> tuple[tuple[int, str], ...]:
    """(id, indented name) for select boxes, in tree order; built again only after a change of the
    groups (crm.tenant_config), as every list page and form shows them."""
    return config_cached("customers.group_choices", _group_choices_build)


def _group_choices_build() -> tuple[tuple[int, str], ...]:
    return tuple(tree_choices(CustomerGroup.objects.order_by("name")))


def group_paths(*, separator: str = " › ") -> dict[int, str]:
    """Each group's name after its parents' ("Regulars › Gold"), in tree order: names repeat
    across branches of the tree, the path tells them apart."""
    places = tree_order(CustomerGroup.objects.order_by("name"))
    return {pk: separator.join(group.name for group in path) for pk, path in tree_paths(places).items()}
