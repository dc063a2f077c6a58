import datetime

from django.db.models import Max, Min, Q
from django.utils import formats, timezone

from customers.selectors.customers import customer_status_counts
from reports.models import ReportRun
from reports.registry import Report, report_get, reports_all
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


# How many of the latest runs of customer reports the customer list and the segment builder offer.
CUSTOMER_RUNS = 200


def _customer_runs():
    codes = [report.code for report in reports_all() if type(report).customers is not Report.customers]
    return ReportRun.objects.filter(code__in=codes, status=ReportRun.Status.DONE)


def report_run_exists(run_id: str) -> bool:
    return run_id.isdigit() and _customer_runs().filter(pk=int(run_id)).exists()


def customer_report_runs() -> list[tuple[str, str]]:
    """(run id, label) of the retailer's latest finished runs of reports whose rows are customers
    (buyers of a product, RFM, regulars and lapsed), newest first: what a run's customers open from."""
    runs = _customer_runs().order_by("-created_at", "-pk")
    choices = []
    for run in runs[:CUSTOMER_RUNS]:
        report = report_get(run.code)
        moment = formats.date_format(timezone.localtime(run.created_at), "SHORT_DATETIME_FORMAT")
        details = "; ".join(str(value) for _label, value in run.parameters_text)
        choices.append((str(run.pk), f"{report.title} ({moment}){': ' + details if details else ''}"))
    return choices


def report_run_customers(run_id: str | int) -> Q:
    """The customers of a run's rows, read on today's data; nobody for a run that is gone or whose
    rows are not customers."""
    run = (
        ReportRun.objects.filter(pk=int(run_id), status=ReportRun.Status.DONE).first()
        if str(run_id).isdigit()
        else None
    )
    report = report_get(run.code) if run else None
    condition = report.customers(run.parameters) if report else None
    return condition if condition is not None else Q(pk__in=[])
