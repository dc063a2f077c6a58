import datetime

from django.db.models import Max, Min

from customers.selectors.customers import customer_status_counts
from reports.models import ReportRun
from sales.models import SalesDocument
from staff.selectors import staff_active_count
from tariffs.selectors import tenant_usage


def dashboard_figures(*, tenant, include_usage: bool) -> dict:
    """The figures on the back office's home page, each from one aggregate query; the plan's
    usage only for those who may see the plan."""
    return {
        "customers": customer_status_counts(),
        "staff_active": staff_active_count(),
        "usage": tenant_usage(tenant=tenant) if include_usage else None,
    }


def report_runs_of(*, user, limit: int = 50) -> list[ReportRun]:
    """The user's latest runs, newest first."""
    return list(ReportRun.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit])


def sales_document_span() -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The moments of the retailer's first and last sales document (of any kind), or (None, None)
    when it has none: one statement, which PostgreSQL answers from the two ends of the index on
    `occurred_at` whatever the number of documents."""
    span = SalesDocument.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    return span["first"], span["last"]
