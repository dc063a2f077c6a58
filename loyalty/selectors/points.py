"""Reads of the points ledger: a customer's balance, the points expiring soon and the Points tab's
ledger (newest first by the entry's date).

The tab costs the same queries however many entries it shows: the balance, the points expiring
(two sums; none asked when the balance is not positive), the count of the entries the filters
select and one page of them, each with its author, terminal, store, sale and return joined in.

Expiry is first-in, first-out: every debit (redeemed, taken back, expired, taken by hand) uses the
oldest credits first. So by a day D the points due to expire are the credits that expire by D
less every debit so far, when that is positive.

The two entries a merge writes to move a balance (MERGE_OUT on the removed customer, MERGE_IN on
the kept one) end up both on the kept customer with the removed customer's other entries, where
they cancel out; they are left out of the sums, so the moved credits keep their expiry dates and
the kept customer's own credits are not counted as spent by the move.
"""

import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from customers.models import Customer
from loyalty.filters import PointsLedgerFilter
from loyalty.models import PointsAccount, PointsEntry

LEDGER_PAGE_SIZE = 20
MERGE_KINDS = (PointsEntry.Kind.MERGE_IN, PointsEntry.Kind.MERGE_OUT)


def balance_of(customer_id: int) -> int:
    """The customer's points balance (0 before the first movement)."""
    return PointsAccount.objects.filter(pk=customer_id).values_list("balance", flat=True).first() or 0


def ledger_sum(customer_id: int) -> int:
    """The sum of the customer's ledger entries: what the balance must be."""
    return PointsEntry.objects.filter(customer_id=customer_id).aggregate(total=Sum("points"))["total"] or 0


def points_due(customer_id: int, *, on: datetime.date) -> int:
    """The points due to expire by `on` and not spent or expired yet (first in, first out)."""
    entries = PointsEntry.objects.filter(customer_id=customer_id).exclude(kind__in=MERGE_KINDS)
    figures = entries.aggregate(
        credits_due=Sum("points", filter=Q(points__gt=0, expires_on__lte=on)),
        debits=Sum("points", filter=Q(points__lt=0)),
    )
    return max(0, (figures["credits_due"] or 0) + (figures["debits"] or 0))


def points_expiring(*, customer_id: int, within_days: int = 30, today: datetime.date | None = None) -> int:
    """Points that will expire in the next `within_days` days unless spent first."""
    today = today or timezone.localdate()
    return points_due(customer_id, on=today + datetime.timedelta(days=within_days)) - points_due(customer_id, on=today)


def points_ledger_filter(*, customer: Customer, params=None) -> PointsLedgerFilter:
    """The ledger's FilterSet over the customer's entries; `params` a QueryDict (None: unfiltered)."""
    entries = PointsEntry.objects.filter(customer=customer)
    return PointsLedgerFilter(params or None, queryset=entries)


def points_ledger(*, filters: PointsLedgerFilter) -> QuerySet[PointsEntry]:
    """The entries the filters select, newest first by the day and time each is dated (a sale's
    entries by the sale's), entries of one moment in the order they were written, with what each
    row shows joined in."""
    return filters.qs.select_related("author", "terminal", "store", "sale", "return_document").order_by(
        "-occurred_at", "-pk"
    )


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
