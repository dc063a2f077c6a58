"""Reading a run's stored parameters back: the period as moments, the filters as conditions.

Group filters include their sub-groups; products chosen by code and products of the chosen
product groups add up.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from customers.selectors.groups import group_descendant_ids
from sales.selectors.products import product_group_descendant_ids

DEFAULT_PERIOD_MONTHS = 12


def period_default(
    *, today: datetime.date, first_day: datetime.date | None, last_day: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    """The period a report's form proposes: the last 12 months up to today. When no sales
    document falls in them but older ones exist (a history imported, a retailer that stopped
    selling), the 12 months of the data instead, ending on the last document's day and not
    starting before the first one's: a report of those shows figures, not an empty sheet, and is
    never longer than the usual default, so it fits every plan that fits that."""
    start = today - relativedelta(months=DEFAULT_PERIOD_MONTHS) + datetime.timedelta(days=1)
    if first_day is None or last_day is None or last_day >= start:
        return start, today
    data_start = last_day - relativedelta(months=DEFAULT_PERIOD_MONTHS) + datetime.timedelta(days=1)
    return max(data_start, first_day), last_day


def period_days(parameters: dict) -> tuple[datetime.date | None, datetime.date | None]:
    def day(value):
        return datetime.date.fromisoformat(value) if value else None

    return day(parameters.get("date_from")), day(parameters.get("date_to"))


def period_moments(parameters: dict) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The period as [start, end) moments in the retailer's time zone."""
    first, last = period_days(parameters)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone) if first else None
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone) if last else None
    return start, end


def product_group_ids(parameters: dict) -> set[int]:
    ids: set[int] = set()
    for group_id in parameters.get("product_groups") or []:
        ids |= product_group_descendant_ids(group_id)
    return ids


def customer_group_ids(parameters: dict) -> set[int]:
    ids: set[int] = set()
    for group_id in parameters.get("customer_groups") or []:
        ids |= group_descendant_ids(group_id)
    return ids


def period_q(parameters: dict, field: str) -> Q:
    start, end = period_moments(parameters)
    condition = Q()
    if start:
        condition &= Q(**{f"{field}__gte": start})
    if end:
        condition &= Q(**{f"{field}__lt": end})
    return condition


def product_q(parameters: dict, product_field: str = "product") -> Q:
    """Lines of the chosen products or of products in the chosen groups (nothing chosen: all)."""
    products = parameters.get("products") or []
    groups = product_group_ids(parameters)
    if not products and not groups:
        return Q()
    condition = Q()
    if products:
        condition |= Q(**{f"{product_field}_id__in": products})
    if groups:
        condition |= Q(**{f"{product_field}__group_id__in": groups})
    return condition


def store_q(parameters: dict, store_field: str = "store") -> Q:
    stores = parameters.get("stores") or []
    return Q(**{f"{store_field}_id__in": stores}) if stores else Q()


def customer_group_q(parameters: dict, customer_field: str = "customer") -> Q:
    groups = customer_group_ids(parameters)
    return Q(**{f"{customer_field}__group_id__in": groups}) if groups else Q()
