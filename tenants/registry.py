"""What fixes a retailer's currency and time zone once it has data that depends on them.

Amounts are kept in the retailer's currency and days are cut in its time zone, so both may change
only while nothing has been recorded in them. The data is owned by later apps (sales documents
are the sales app's), which tenants never imports: each such app registers a lock in its
AppConfig.ready(). A lock's check runs in the schema of the retailer being asked about.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from crm.registry import Registry


@dataclass(frozen=True)
class CurrencyTimeZoneLock:
    code: str
    # True when the current schema holds data recorded in its currency and time zone.
    is_locked: Callable[[], bool]
    # The whole sentence a person reads, saying why both are fixed now.
    reason: Promise


currency_time_zone_locks: Registry[CurrencyTimeZoneLock] = Registry(
    "currency and time zone locks", key=lambda lock: lock.code
)
