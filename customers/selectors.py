from django.db.models import Count, Q

from customers.models import ACTIVE_STATUSES, Customer, CustomerStatus


def customer_active_count() -> int:
    """Customers in status Introduced or Control: what the plan's customer limit counts."""
    return Customer.objects.filter(status__in=ACTIVE_STATUSES).count()


def customer_status_counts() -> dict[str, int]:
    """How many customers are in each status, in one query."""
    return Customer.objects.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in CustomerStatus.values},
        total=Count("pk"),
    )
