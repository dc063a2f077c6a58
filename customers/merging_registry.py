"""What else moves when two customers are merged.

Merging lives in the customers app, but later apps own rows that point at a customer (sales,
loyalty cards, the points ledger). Each such app registers a step in its AppConfig.ready():

    merge_step_register(sales_merge_step)

A step is called as `step(keep, remove)` inside the merge's transaction, after both customers
are locked and the customers app has moved its own rows, before `remove` is deleted; it moves
the app's rows from `remove` to `keep` (and may update `keep`'s figures with F() expressions).
Steps run in the order they were registered. A step that raises rolls the whole merge back.

An explicit list rather than Django signals: every step is named in one place and their order
is fixed (see ARCHITECTURE.md, "Imports run one way").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customers.models import Customer

MergeStep = Callable[["Customer", "Customer"], None]

_steps: list[MergeStep] = []


def merge_step_register(step: MergeStep) -> None:
    """Add `step` to the steps every merge runs; registering the same step again does nothing."""
    if step not in _steps:
        _steps.append(step)


def merge_step_unregister(step: MergeStep) -> None:
    """Take `step` out again (for tests); a step that is not registered is ignored."""
    if step in _steps:
        _steps.remove(step)


@contextmanager
def merge_step_registered(step: MergeStep) -> Iterator[MergeStep]:
    """Register `step` for the duration of a `with` block (for tests)."""
    merge_step_register(step)
    try:
        yield step
    finally:
        merge_step_unregister(step)


def merge_steps() -> tuple[MergeStep, ...]:
    """The registered steps, in the order they run."""
    return tuple(_steps)
