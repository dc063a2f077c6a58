from django.db.models import QuerySet, Sum

from customers.filters import CustomerFilter
from customers.models import ACTIVE_STATUSES, Customer, CustomerStatus, StatusCount
from customers.selectors.properties import property_list
from customers.selectors.search import number_condition


def customer_active_count() -> int:
    """Customers in status Introduced or Control: what the plan's customer limit counts (from the
    kept counts: exact, a sum of a few rows instead of a scan of every customer)."""
    counts = customer_status_counts()
    return sum(counts[status] for status in ACTIVE_STATUSES)


def customer_status_counts() -> dict[str, int]:
    """How many customers are in each status, and in all, from the kept counts (StatusCount)."""
    sums = dict(StatusCount.objects.values("status").annotate(sum=Sum("count")).values_list("status", "sum"))
    counts = {status: int(sums.get(status) or 0) for status in CustomerStatus.values}
    counts["total"] = sum(counts.values())
    return counts


def customer_filterset(data=None) -> CustomerFilter:
    """The list's FilterSet over every customer, with a filter for each live custom property."""
    return CustomerFilter(data, queryset=Customer.objects.all(), properties=property_list(include_archived=False))


def customer_list(*, filters: CustomerFilter) -> QuerySet[Customer]:
    """The customers the filters select, in their order, ready for the list page and the export."""
    return filters.qs.select_related("group")


def customer_number_match(*, filters: CustomerFilter, term: str) -> int | None:
    """The id of the customer among those the filters select whose number is exactly `term`
    (case ignored), or None: what the header's search opens even when the term finds others too
    (a number of digits is also in phone numbers)."""
    condition = number_condition(term)
    if condition is None:
        return None
    return filters.qs.filter(condition).order_by().values_list("pk", flat=True).first()


def customer_get(*, customer_id: int) -> Customer:
    return Customer.objects.select_related("group", "company").get(pk=customer_id)


def control_queue() -> QuerySet[Customer]:
    """Customers in Control, oldest first: the records whose data is to be completed."""
    return Customer.objects.filter(status=CustomerStatus.CONTROL).select_related("group").order_by("created_at", "pk")
