"""Steps later apps join to every sale and every return, inside the same transaction.

The loyalty app earns points on a sale and takes them back on a return. It registers its steps
in its AppConfig.ready(); every path that registers a sale or a return (the till's API, the back
office, the history import, the demo) runs them through sales.services, in registration order.
"""

from collections.abc import Callable

_sale_steps: list[Callable] = []
_return_steps: list[Callable] = []


def sale_step_register(step: Callable) -> None:
    """`step(sale, lines, context)` runs after a sale and its lines are written."""
    _sale_steps.append(step)


def return_step_register(step: Callable) -> None:
    """`step(return_document, return_lines, context)` runs after a return is written."""
    _return_steps.append(step)


def sale_steps() -> list[Callable]:
    return list(_sale_steps)


def return_steps() -> list[Callable]:
    return list(_return_steps)
