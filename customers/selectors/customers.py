from django.db.models import Count, Q, QuerySet

from customers.filters import CustomerFilter
from customers.models import ACTIVE_STATUSES, Customer, CustomerStatus
from customers.selectors.properties import property_list


def customer_active_count() -> int:
    """Customers in status Introduced or Control: what the plan's customer limit counts."""
    return Customer.objects.filter(status__in=ACTIVE_STATUSES).count()


def customer_status_counts() -> dict[str, int]:
    """How many customers are in each status, in one query."""
    return Customer.objects.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in CustomerStatus.values},
        total=Count("pk"),
    )


def customer_filterset(data=None) -> CustomerFilter:
    """The list's FilterSet over every customer, with a filter for each live custom property."""
    return CustomerFilter(data, queryset=Customer.objects.all(), properties=property_list(include_archived=False))


def customer_list(*, filters: CustomerFilter) -> QuerySet[Customer]:
    """The customers the filters select, in their order, ready for the list page and the export."""
    return filters.qs.select_related("group")


def customer_get(*, customer_id: int) -> Customer:
    return Customer.objects.select_related("group", "company").get(pk=customer_id)


def control_queue() -> QuerySet[Customer]:
    """Customers in Control, oldest first: the records whose data is to be completed."""
    return Customer.objects.filter(status=CustomerStatus.CONTROL).select_related("group").order_by("created_at", "pk")
