"""One small registry type for every place where a later app adds something to an earlier one.

An earlier app owns a `Registry`; later apps fill it in their AppConfig.ready() (card tabs,
sale steps, merge steps, import columns, search conditions, report classes, plan counters,
till look-ups). Every registry behaves the same:

- items keep the order they were registered in (or `order=`, where the registry sorts them);
- registering the same item again does nothing (a ready() that runs twice in tests is harmless);
- another item under a key already taken is a mistake and raises ImproperlyConfigured;
- `registered(item)` adds an item for a `with` block, for tests.

    sale_steps: Registry[SaleStep] = Registry("sale steps")
    sale_steps.register(loyalty_sale_step)
    for step in sale_steps: ...
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def _itself(item) -> Hashable:
    return item


class Registry(Generic[T]):
    def __init__(
        self,
        name: str,
        *,
        key: Callable[[T], Hashable] = _itself,
        order: Callable[[T], object] | None = None,
    ):
        self.name = name
        self._key = key
        self._order = order
        self._items: dict[Hashable, T] = {}

    def register(self, item: T) -> T:
        """Add `item`; the same item again does nothing, another under its key raises.
        Returns the item, so that a registry can serve as a class or function decorator."""
        key = self._key(item)
        registered = self._items.get(key)
        if registered is not None:
            if registered == item:
                return item
            raise ImproperlyConfigured(f"the {self.name} have “{key}” already")
        self._items[key] = item
        return item

    def unregister(self, key: Hashable) -> None:
        """Take the item under `key` out again (for tests); an unknown key is ignored."""
        self._items.pop(key, None)

    @contextmanager
    def registered(self, item: T) -> Iterator[T]:
        """`item` registered for the duration of a `with` block (for tests)."""
        self.register(item)
        try:
            yield item
        finally:
            self.unregister(self._key(item))

    def get(self, key: Hashable) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def items(self) -> tuple[T, ...]:
        """The registered items, in registration order (or the registry's `order`)."""
        items = tuple(self._items.values())
        return tuple(sorted(items, key=self._order)) if self._order else items

    def keys(self) -> tuple[Hashable, ...]:
        return tuple(self._key(item) for item in self.items())

    def __iter__(self) -> Iterator[T]:
        return iter(self.items())

    def __len__(self) -> int:
        return len(self._items)
