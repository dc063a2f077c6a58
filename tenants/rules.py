"""Pure rules about a retailer's settings: which currencies and time zones it may have.

No database and no request: the lists come from `tenants.currencies` and from the time zone
database Python reads (`zoneinfo`).
"""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.currencies import CURRENCY_CODES

DEFAULT_CURRENCY = "EUR"
DEFAULT_TIME_ZONE = "Europe/Tallinn"

# The zone database also holds old aliases ("US/Eastern", "Japan", "EST5EDT") and names that are
# no place ("Factory", "localtime"); a retailer picks a place of the regions below, or UTC.
TIME_ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The time zones a retailer may choose, sorted: a region's places (Europe/Tallinn) and UTC."""
    names = {name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in TIME_ZONE_REGIONS}
    return ("UTC", *sorted(names))


def currency_choices(current: str = "") -> list[tuple[str, str]]:
    """The currency codes as a select's choices, sorted; `current` too if it is not among them."""
    codes = sorted(CURRENCY_CODES | {current}) if current else sorted(CURRENCY_CODES)
    return [(code, code) for code in codes]


def time_zone_choices(current: str = "") -> list[tuple[str, str]]:
    """The time zones as a select's choices; `current` too if it is not among them."""
    names = time_zone_names()
    if current and current not in names:
        names = (current, *names)
    return [(name, name) for name in names]


def currency_check(code: str) -> str:
    """The code as stored (upper case) if ISO 4217 lists it as a currency, else a ValidationError
    that names the value."""
    normalized = (code or "").strip().upper()
    if normalized not in CURRENCY_CODES:
        raise ValidationError(
            _("“%(value)s” is not a currency code of ISO 4217; use three letters such as EUR, USD or GBP.")
            % {"value": code},
            code="currency",
        )
    return normalized


def time_zone_check(name: str) -> str:
    """The zone's name if a retailer may choose it, else a ValidationError that names the value."""
    normalized = (name or "").strip()
    if normalized not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone; use a place such as Europe/Tallinn or America/New_York, or UTC.")
            % {"value": name},
            code="time_zone",
        )
    return normalized
