"""Reads of the customer card's Points tab: the balance, the points expiring soon and the ledger.

The tab costs the same queries however many entries it shows: the balance, the points expiring
(two sums; none asked when the balance is not positive), the count of the entries the filters
select and one page of them, each with its author, terminal, store, sale and return joined in.
"""

import datetime

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from customers.models import Customer
from loyalty.forms_points import PointsAdjustForm, PointsLedgerFilter
from loyalty.models import PointsEntry
from loyalty.services.jobs import points_expiring
from loyalty.services.ledger import balance_of

LEDGER_PAGE_SIZE = 20
EXPIRING_WITHIN_DAYS = 30


def points_ledger_filter(*, customer: Customer, params=None) -> PointsLedgerFilter:
    """The ledger's FilterSet over the customer's entries; `params` a QueryDict (None: unfiltered)."""
    entries = PointsEntry.objects.filter(customer=customer)
    return PointsLedgerFilter(params or None, queryset=entries)


def points_ledger(*, filters: PointsLedgerFilter) -> QuerySet[PointsEntry]:
    """The entries the filters select, newest first, with what each row shows joined in."""
    return filters.qs.select_related("author", "terminal", "store", "sale", "return_document").order_by("-pk")


def points_ledger_page(*, filters: PointsLedgerFilter, page=None) -> Page:
    """One page (20 entries) of the filtered ledger, its rows read here (counted once, not in a template)."""
    result = Paginator(points_ledger(filters=filters), LEDGER_PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def points_ledger_context(customer: Customer, *, params=None, page=None) -> dict:
    """The ledger part of the tab: the filters and a page of entries."""
    filters = points_ledger_filter(customer=customer, params=params)
    return {
        "points_filters": filters,
        "points_page": points_ledger_page(filters=filters, page=page),
        "points_filtered": _is_filtered(filters),
    }


def _is_filtered(filters: PointsLedgerFilter) -> bool:
    if not filters.is_bound:
        return False
    filters.form.is_valid()
    return any(value not in (None, "") for value in filters.form.cleaned_data.values())


def points_tab_context(
    customer: Customer, *, page=None, params=None, adjust_form: PointsAdjustForm | None = None
) -> dict:
    """The card's Points tab (registered in LoyaltyConfig.ready()): the
    balance, what expires in the next 30 days, the adjustment form and the ledger. `params` are
    the ledger's filters (the tab's own URL has none; the ledger's URL passes them)."""
    today = timezone.localdate()
    balance = balance_of(customer.pk)
    return {
        "points_balance": balance,
        # What expires is part of the balance: with none, nothing does (and nothing is asked).
        "points_expiring": points_expiring(customer_id=customer.pk, within_days=EXPIRING_WITHIN_DAYS, today=today)
        if balance > 0
        else 0,
        "points_expiring_by": today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        "points_adjust_form": adjust_form or PointsAdjustForm(),
        **points_ledger_context(customer, params=params, page=page),
    }
