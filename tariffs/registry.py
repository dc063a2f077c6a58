"""What each limit of a tariff plan counts.

A plan limits resources that later apps own (customers, staff users, stores, terminals). Those
apps register a counter for their resource in their AppConfig.ready(); tariffs never imports
them. A counter runs in the schema of the retailer being measured.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from crm.registry import Registry

RESOURCES = {
    "active_customers": _("Active customers"),
    "staff_users": _("Staff users"),
    "stores": _("Stores"),
    "terminals": _("POS terminals"),
}


@dataclass(frozen=True)
class UsageCounter:
    resource: str
    count: Callable[[], int]


usage_counters: Registry[UsageCounter] = Registry("plan usage counters", key=lambda counter: counter.resource)


def usage_counter_register(*, resource: str, counter: Callable[[], int]) -> None:
    """Name the function that counts how much of `resource` the current schema uses."""
    if resource not in RESOURCES:
        raise ValueError(f"unknown plan resource {resource!r}")
    usage_counters.register(UsageCounter(resource, counter))


def usage_count(resource: str) -> int:
    """How much of `resource` the current schema uses; 0 where no app holds that resource yet."""
    counter = usage_counters.get(resource)
    return counter.count() if counter else 0
