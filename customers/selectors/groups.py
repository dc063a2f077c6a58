from dataclasses import dataclass

from django.db.models import Count

from customers.models import Customer, CustomerGroup


@dataclass
class GroupNode:
    group: CustomerGroup
    depth: int
    customer_count: int


def group_descendant_ids(group_id: int) -> set[int]:
    """The group and all its sub-groups, at any depth (one query: the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in CustomerGroup.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [group_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def group_tree() -> list[GroupNode]:
    """Every group in tree order (parents before children, siblings by name), with the number of
    customers directly in it."""
    groups = list(CustomerGroup.objects.order_by("name"))
    counts = dict(
        Customer.objects.filter(group__isnull=False).values_list("group").annotate(count=Count("pk")).order_by()
    )
    children: dict[int | None, list[CustomerGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    nodes: list[GroupNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for group in children.get(parent_id, []):
            nodes.append(GroupNode(group, depth, counts.get(group.pk, 0)))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return nodes


def group_choices() -> list[tuple[int, str]]:
    """(id, indented name) for select boxes, in tree order."""
    return [(node.group.pk, "— " * node.depth + node.group.name) for node in group_tree()]


def group_paths(*, separator: str = " › ") -> dict[int, str]:
    """Each group's name after its parents' ("Regulars › Gold"), in tree order: names repeat
    across branches of the tree, the path tells them apart."""
    paths: dict[int, str] = {}
    trail: list[str] = []
    for node in group_tree():
        del trail[node.depth :]
        trail.append(node.group.name)
        paths[node.group.pk] = separator.join(trail)
    return paths
