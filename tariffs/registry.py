"""What each limit of a tariff plan counts.

A plan limits resources that later apps own (customers, staff users, stores, terminals). Those
apps register a counter for their resource in their AppConfig.ready(); tariffs never imports
them. A counter runs in the schema of the retailer being measured.
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

RESOURCES = {
    "active_customers": _("Active customers"),
    "staff_users": _("Staff users"),
    "stores": _("Stores"),
    "terminals": _("POS terminals"),
}

_counters: dict[str, Callable[[], int]] = {}


def usage_counter_register(*, resource: str, counter: Callable[[], int]) -> None:
    """Name the function that counts how much of `resource` the current schema uses."""
    if resource not in RESOURCES:
        raise ValueError(f"unknown plan resource {resource!r}")
    _counters[resource] = counter


def usage_count(resource: str) -> int:
    """How much of `resource` the current schema uses; 0 where no app holds that resource yet."""
    counter = _counters.get(resource)
    return counter() if counter else 0
