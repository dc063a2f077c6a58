"""Trees of rows that point at their parent (customer groups, product groups): one way to walk
them, to find a node's sub-tree and to refuse a move that would make a node its own ancestor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext as _

Node = TypeVar("Node", bound=models.Model)


@dataclass(frozen=True)
class TreePlace(Generic[Node]):
    """A node in tree order: how deep it is (0 at the top) and how many direct children it has."""

    node: Node
    depth: int
    child_count: int


def tree_order(nodes: Iterable[Node]) -> list[TreePlace[Node]]:
    """`nodes` (every node of one tree, with `pk` and `parent_id`) in tree order: parents before
    their children, siblings in the order given. A node that a cycle cuts off from the top is
    left out rather than walked for ever."""
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    places: list[TreePlace[Node]] = []
    seen: set[int] = set()
    # Depth first without recursion: a deep tree must not reach Python's recursion limit.
    stack = [(node, 0) for node in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        below = children.get(node.pk, [])
        places.append(TreePlace(node, depth, len(below)))
        stack.extend((child, depth + 1) for child in reversed(below))
    return places


def tree_choices(nodes: Iterable[Node], *, exclude_ids: Iterable[int] = ()) -> list[tuple[int, str]]:
    """(id, name indented by depth) of `nodes` in tree order, for a select box; the nodes of
    `exclude_ids` are left out."""
    excluded = set(exclude_ids)
    return [
        (place.node.pk, "— " * place.depth + str(place.node))
        for place in tree_order(nodes)
        if place.node.pk not in excluded
    ]


def tree_paths(places: Iterable[TreePlace[Node]]) -> dict[int, tuple[Node, ...]]:
    """Each node's path from the top of the tree down to itself, read from `places` in tree order."""
    paths: dict[int, tuple[Node, ...]] = {}
    trail: list[Node] = []
    for place in places:
        del trail[place.depth :]
        trail.append(place.node)
        paths[place.node.pk] = tuple(trail)
    return paths


def tree_descendant_ids(model: type[models.Model], node_id: int) -> set[int]:
    """The node and all the nodes below it, at any depth: one query (a recursive CTE; UNION
    rather than UNION ALL, so that a cycle ends the walk)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key = quote(model._meta.pk.column)
    parent = quote(model._meta.get_field("parent").column)
    with connection.cursor() as cursor:
        cursor.execute(
            # Table and column names come from the model; the only value is a parameter.
            f"WITH RECURSIVE sub_tree(id) AS (SELECT {key} FROM {table} WHERE {key} = %s "
            f"UNION SELECT child.{key} FROM {table} child JOIN sub_tree ON child.{parent} = sub_tree.id) "
            "SELECT id FROM sub_tree",
            [node_id],
        )
        return {node_id} | {row[0] for row in cursor.fetchall()}


def tree_ancestor_ids(parents: dict[int, int | None], node_id: int | None) -> list[int]:
    """The node, its parent, its parent's parent … up to the top, from a {node: parent} map
    (stops where a cycle would repeat a node)."""
    chain: list[int] = []
    while node_id is not None and node_id not in chain:
        chain.append(node_id)
        node_id = parents.get(node_id)
    return chain


def tree_parents(model: type[models.Model]) -> dict[int, int | None]:
    """{node id: parent id} of every node: one query."""
    return dict(model.objects.values_list("pk", "parent_id"))


def tree_move_check(node: models.Model, parent: models.Model | None) -> None:
    """Refuse (on the field "parent") to put `node` below itself or one of its own descendants:
    a group cannot be its own ancestor."""
    if parent is None or node.pk is None:
        return
    if parent.pk in tree_descendant_ids(type(node), node.pk):
        raise ValidationError({"parent": _("A group cannot be moved into itself or one of its sub-groups.")})
