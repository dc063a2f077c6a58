"""The reports: the list, a report's parameter form, a run's page (its state, chart and preview)
and its workbook."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from crm.xlsx import XLSX_CONTENT_TYPE
from customers.list_scopes import list_scopes
from reports.charts import chart_svg
from reports.forms import form_data_of
from reports.models import ReportRun
from reports.registry import report_get, reports_all, reports_listed
from reports.selectors import report_runs_of
from reports.services import report_run_create
from staff.roles import Right, perm


def _report_or_404(code: str):
    report = report_get(code)
    if report is None:
        raise Http404
    return report


def _run_or_404(request, run_id: int, **conditions) -> ReportRun:
    """The run, for a user who holds its report's right (the customer export's needs more than
    the reports' own)."""
    run = get_object_or_404(ReportRun, pk=run_id, **conditions)
    report = report_get(run.code)
    right = report.right if report is not None else Right.USE_MARKETING
    if not request.user.has_perm(perm(right)):
        raise PermissionDenied(f"the right “{right}” is needed")
    return run


@right_required(Right.USE_MARKETING)
def report_list_view(request):
    runs = report_runs_of(user=request.user, limit=20)
    titles = {report.code: report.title for report in reports_all()}
    for run in runs:
        run.title = titles.get(run.code, run.code)
    return render(request, "reports/report_list.html", {"reports": reports_listed(), "runs": runs})


@right_required(Right.USE_MARKETING)
def report_new_view(request, code: str):
    report = _report_or_404(code)
    if not report.listed:
        raise Http404
    # Bound on every POST, even one with no field (a report without parameters): `POST or None`
    # would show the form again instead of building.
    form = report.form_class(request.POST if request.method == "POST" else None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        run = report_run_create(
            code=code, parameters=form.parameters(), parameters_text=form.parameters_text(), acting_user=request.user
        )
        return redirect("reports:run", run_id=run.pk)
    return render(request, "reports/report_form.html", {"report": report, "form": form})


def _customer_links(request, run: ReportRun, report) -> list[tuple[str, str, str]]:
    """(label, URL, test id) of what a finished run whose rows are customers opens: the customer
    list narrowed to them, and each list scope that saves a filter (a segment)."""
    if report is None or run.status != run.Status.DONE or report.customers(run.parameters) is None:
        return []
    query = urlencode({"report_run": run.pk})
    links = [(_("Open as customer list"), f"{reverse('customers:customer_list')}?{query}", "open-customer-list")]
    links += [
        (scope.save_label, f"{reverse(scope.save_url_name)}?{urlencode({'from_list': query})}", f"save-{scope.param}")
        for scope in list_scopes
        if scope.save_url_name and request.user.has_perm(f"staff.{scope.save_right}")
    ]
    return links


def _run_context(run: ReportRun, request) -> dict:
    report = report_get(run.code)
    columns = report.columns(run.parameters) if report else []
    keys = [column.key for column in columns]
    return {
        "customer_links": _customer_links(request, run, report),
        "run": run,
        "report": report,
        "columns": columns,
        # The preview is stored as values in the columns' order; the page reads it by key. Not
        # strict: columns that depend on today (the cohorts' months) may have grown since the build.
        "preview": [dict(zip(keys, values, strict=False)) for values in run.preview],
        "chart": chart_svg(run.chart, title=str(report.title) if report else run.code)
        if run.status == run.Status.DONE
        else "",
    }


@login_required
def report_run_view(request, run_id: int):
    run = _run_or_404(request, run_id)
    context = _run_context(run, request)
    if request.htmx:
        return render(request, "reports/report_run.html#state", context)
    return render(request, "reports/report_run.html", context)


@require_POST
@login_required
def report_run_again_view(request, run_id: int):
    """The same report with the same parameters, checked again (the plan may have changed, a store
    may be gone): parameters that no longer pass go back to the form with its messages."""
    run = _run_or_404(request, run_id)
    report = _report_or_404(run.code)
    form = report.form_class(form_data_of(run.parameters), tenant=request.tenant)
    if not form.is_valid():
        return render(request, "reports/report_form.html", {"report": report, "form": form})
    new_run = report_run_create(
        code=run.code, parameters=form.parameters(), parameters_text=form.parameters_text(), acting_user=request.user
    )
    return redirect("reports:run", run_id=new_run.pk)


@login_required
def report_run_download_view(request, run_id: int):
    run = _run_or_404(request, run_id, status=ReportRun.Status.DONE)
    if not run.file:
        raise Http404
    return FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=run.file.name.rsplit("/", 1)[-1],
        content_type=XLSX_CONTENT_TYPE,
    )
