"""The report machinery: a run built by the real Celery worker from the form to the file, failures
and retries, stale and reaped runs, the purge, rights and tenants, refused parameters, text that
must stay text, and memory that stays flat on a large report.

Tests that need the worker use `committed_db` and remove every run (row and file) they commit
(`runs_removed`); the others build in this process inside the test's transaction and remove the
files they wrote (`files_removed`). Reports that exist only for a test are registered for that
test only (`registered`).
"""

import datetime
import html
import io
import os
import re
import tempfile
import time
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.utils import get_tenant_model, tenant_context

from customers.models import Customer
from reports.charts import chart_svg
from reports.forms import ReportForm
from reports.models import ReportRun
from reports.registry import Chart, Column, Report, report_get, report_register, reports
from reports.services import (
    BUSY,
    REAP_AFTER,
    STALE_AFTER,
    report_run_build,
    report_run_create,
    report_runs_purge,
    report_runs_reap,
)
from reports.services import _build as report_build_private
from reports.services import _claim as report_claim_private
from sales.models import Product, Store
from staff.models import User
from tariffs.models import TariffPlan

LOYALTY_COLUMNS = [
    "Month",
    "Earned",
    "Redeemed",
    "Expired",
    "Bonuses and opening balances",
    "Manual adjustments",
    "Moved by returns",
    "Outstanding at month end",
]


# --- reports that exist only in these tests ----------------------------------------------------


class NoFiltersForm(ReportForm):
    filters = ()


class EveryFilterForm(ReportForm):
    """Period, stores, products, product groups and customer groups."""


class BrokenReport(Report):
    number = 901
    code = "test-broken"
    title = "Broken on purpose"
    form_class = NoFiltersForm

    def columns(self, parameters):
        return [Column("value", "Value")]

    def rows(self, parameters):
        yield {"value": "first"}
        raise ValueError("broken on purpose")


class EmptyReport(Report):
    number = 902
    code = "test-empty"
    title = "Nothing matches"
    form_class = EveryFilterForm

    def columns(self, parameters):
        return [Column("name", "Name", "text", 20), Column("amount", "Amount", "money", 12)]

    def rows(self, parameters):
        yield from ()


class NamesReport(Report):
    number = 903
    code = "test-names"
    title = "Customer names"
    form_class = NoFiltersForm

    def columns(self, parameters):
        return [Column("first_name", "First name"), Column("last_name", "Last name"), Column("id", "Id", "integer")]

    def rows(self, parameters):
        yield from Customer.objects.order_by("pk").values("first_name", "last_name", "id").iterator()


class ManyRowsReport(Report):
    """200,000 rows from a generator; it notes the process's memory and the run's progress as the
    build goes, and traces the Python allocations of the last rows and of saving the file."""

    number = 904
    code = "test-many"
    title = "Many rows"
    form_class = NoFiltersForm
    count = 200_000
    traced_from = 190_000
    # Resident memory (bytes) and the run's progress at some rows.
    resident: dict[int, int] = {}
    progress_seen: dict[int, int] = {}
    rows_read = 0

    def columns(self, parameters):
        return [
            Column("number", "Number", "integer"),
            Column("name", "Name", "text", 24),
            Column("amount", "Amount", "money"),
            Column("day", "Day", "date"),
        ]

    def row_estimate(self, parameters):
        return self.count

    def rows(self, parameters):
        first_day = datetime.date(2024, 1, 1)
        amount = Decimal("12.50")
        for number in range(self.count):
            if number % 50_000 == 0:
                self.progress_seen[number] = ReportRun.objects.get(code=self.code).progress
                self.resident[number] = _resident_memory()
            if number == self.traced_from:
                tracemalloc.start()
            ManyRowsReport.rows_read += 1
            yield {
                "number": number,
                "name": f"Customer number {number}",
                "amount": amount,
                "day": first_day + datetime.timedelta(days=number % 366),
            }

    def chart(self, parameters):
        return MonthsChart()


class MonthsChart(Chart):
    """The amount per month: twelve sums, however many rows."""

    def __init__(self):
        self.amounts: dict[str, Decimal] = {}

    def add(self, row):
        month = row["day"].strftime("%Y-%m")
        self.amounts[month] = self.amounts.get(month, Decimal(0)) + row["amount"]

    def result(self):
        return {
            "kind": "bar",
            "labels": list(self.amounts),
            "series": [{"name": "Amount", "values": list(self.amounts.values())}],
            "value_format": "money",
        }


def _resident_memory() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def registered():
    """Register report classes for the test only."""
    codes = []

    def register(*report_classes):
        for report_class in report_classes:
            report_register(report_class)
            codes.append(report_class.code)

    yield register
    for code in codes:
        reports.unregister(code)


def _last_run_ids(tenants) -> dict[str, int]:
    starts = {}
    for name, setup in tenants.items():
        with tenant_context(setup.tenant):
            starts[name] = ReportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return starts


def _remove_runs_after(tenants, starts: dict[str, int]) -> None:
    for name, setup in tenants.items():
        with tenant_context(setup.tenant):
            for run in ReportRun.objects.filter(pk__gt=starts[name]):
                if run.file:
                    run.file.delete(save=False)
                run.delete()


@pytest.fixture
def runs_removed(committed_db, tenants):
    """Remove, after the test, every run it committed, with its file."""
    starts = _last_run_ids(tenants)
    yield
    _remove_runs_after(tenants, starts)


@pytest.fixture
def files_removed(db, tenants):
    """Remove, after the test, the files of the runs it built (the rows go with the rollback)."""
    starts = _last_run_ids(tenants)
    yield
    _remove_runs_after(tenants, starts)


def _user(username: str = "marketer") -> User:
    return User.objects.get(username=username)


def _state(client, run_id: int) -> str:
    """The run's status as the page's polled partial shows it."""
    response = client.get(f"/reports/runs/{run_id}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return re.search(r'data-status="(\w+)"', response.content.decode()).group(1)


def _wait_until_finished(client, run_id: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while (status := _state(client, run_id)) not in ("done", "failed"):
        assert time.monotonic() < deadline, f"run {run_id} is still {status}"
        time.sleep(0.2)
    return status


def _run_id(response) -> int:
    assert response.status_code == 302, response.content.decode()[:3000]
    match = re.fullmatch(r"/reports/runs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def _workbook(response) -> list[list]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Reading the content to its end closes the response (and the file) the test client's way.
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook.active


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _build_here(client, code: str, data: dict, tenant) -> ReportRun:
    """Ask for a run through the form and build it in this process (no worker in a test's
    transaction: nothing is committed, so no job is sent)."""
    run_id = _run_id(client.post(f"/reports/{code}/", data))
    with tenant_context(tenant):
        return report_run_build(run_id=run_id)


# --- from the form to the file, with the real worker -------------------------------------------


def test_a_marketer_builds_a_report_in_the_worker_downloads_it_and_builds_it_again(
    alpha, runs_removed, celery_worker, tenant_client
):
    client = tenant_client(alpha, alpha.marketer)

    run_id = _run_id(client.post("/reports/loyalty-points/", {"date_from": "2024-01-01", "date_to": "2024-03-31"}))
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.get(pk=run_id).status in ("queued", "running", "done")
    assert _wait_until_finished(client, run_id) == "done"

    page = _page(client.get(f"/reports/runs/{run_id}/"))
    assert 'data-status="done"' in page
    assert re.search(r'data-testid="report-chart"><svg class="report-chart"', page)
    assert 'data-testid="report-preview"' in page
    assert "3 rows" in page
    with tenant_context(alpha.tenant):
        run = ReportRun.objects.get(pk=run_id)
        assert (run.status, run.progress, run.row_count, run.attempts, run.error) == ("done", 100, 3, 1, "")
        assert run.requested_by == _user()
        assert run.file.name == f"reports/loyalty-points-{run_id}.xlsx"
        assert [row[0] for row in run.preview] == ["2024-01", "2024-02", "2024-03"]

    response = client.get(f"/reports/runs/{run_id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="loyalty-points-{run_id}.xlsx"'
    sheet = _workbook(response)
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    # The banner: one line each, merged across the table's eight columns.
    assert [row[:2] for row in values[:3]] == [
        ["Loyalty points", None],
        ["From: 01/01/2024", None],
        ["Until: 31/03/2024", None],
    ]
    assert {str(merged) for merged in sheet.merged_cells.ranges} == {f"A{row}:H{row}" for row in (1, 2, 3, 4)}
    built = re.fullmatch(r"Built: (\d\d/\d\d/\d{4} \d\d:\d\d)", values[3][0])
    assert built, values[3][0]
    built_at = datetime.datetime.strptime(built.group(1), "%d/%m/%Y %H:%M")
    assert abs(built_at - timezone.localtime().replace(tzinfo=None)) < datetime.timedelta(minutes=5)
    assert values[4] == [None] * 8
    assert values[5] == LOYALTY_COLUMNS
    assert values[6:] == [[month, 0, 0, 0, 0, 0, 0, 0] for month in ("2024-01", "2024-02", "2024-03")]
    assert sheet.freeze_panes == "A7"

    # The list of the marketer's reports shows the run with its parameters.
    listing = _page(client.get("/reports/"))
    assert f'<a href="/reports/runs/{run_id}/">Loyalty points</a>' in listing
    assert "From:</span> 01/01/2024 · <span" in listing
    assert f'href="/reports/runs/{run_id}/download/"' in listing

    # Building again makes a new run with the same parameters, built by the worker as well.
    again_id = _run_id(client.post(f"/reports/runs/{run_id}/again/"))
    assert again_id != run_id
    assert _wait_until_finished(client, again_id) == "done"
    with tenant_context(alpha.tenant):
        again = ReportRun.objects.get(pk=again_id)
        first = ReportRun.objects.get(pk=run_id)
        assert (again.code, again.parameters, again.parameters_text) == (
            first.code,
            first.parameters,
            first.parameters_text,
        )
        assert again.row_count == 3
        assert again.file.name != first.file.name
    listing = _page(client.get("/reports/"))
    assert listing.index(f'href="/reports/runs/{again_id}/"') < listing.index(f'href="/reports/runs/{run_id}/"')


# --- failures, retries, stale runs, reaping and purging ----------------------------------------


def test_a_failing_build_shows_its_error_and_offers_to_try_again(
    alpha, registered, files_removed, tenant_client, tmp_path, monkeypatch
):
    registered(BrokenReport)
    client = tenant_client(alpha, alpha.marketer)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    run = _build_here(client, "test-broken", {}, alpha.tenant)

    assert (run.status, run.error, run.attempts, run.file.name) == ("failed", "broken on purpose", 1, "")
    # The half-written file is gone now, not when the worker ends.
    assert list(tmp_path.iterdir()) == []
    assert run.finished_at is not None
    page = _page(client.get(f"/reports/runs/{run.pk}/"))
    assert 'data-status="failed"' in page
    assert "The report could not be built. broken on purpose" in re.sub(r"<[^>]+>", "", page)
    assert re.search(rf'action="/reports/runs/{run.pk}/again/">.*Try again</button>', page)
    assert 'hx-trigger="every 1s"' not in page
    # A failed run is not built again by a late job: "Try again" makes a new run.
    with tenant_context(alpha.tenant):
        assert report_run_build(run_id=run.pk) is None
        count = ReportRun.objects.count()
    retry_id = _run_id(client.post(f"/reports/runs/{run.pk}/again/"))
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == count + 1
        assert ReportRun.objects.get(pk=retry_id).status == "queued"
    # Its file does not exist: nothing to download.
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_done_run_is_never_built_again(alpha, files_removed):
    with tenant_context(alpha.tenant):
        run = report_run_create(
            code="customer-base", parameters={"view": "status-group"}, parameters_text=[], acting_user=_user()
        )
        done = report_run_build(run_id=run.pk)
        assert done.status == "done"

        assert report_run_build(run_id=run.pk) is None

        after = ReportRun.objects.get(pk=run.pk)
        assert (after.status, after.attempts, after.finished_at, after.file.name) == (
            "done",
            1,
            done.finished_at,
            done.file.name,
        )


@pytest.mark.django_db
def test_a_build_another_attempt_took_over_writes_nothing_and_leaves_no_file(alpha, files_removed):
    with tenant_context(alpha.tenant):
        run = report_run_create(
            code="customer-base", parameters={"view": "status-group"}, parameters_text=[], acting_user=_user()
        )
        storage = ReportRun._meta.get_field("file").storage
        files_before = set(storage.listdir("reports")[1]) if storage.exists("reports") else set()
        first = report_claim_private(run.pk)
        # Meanwhile the run was taken over (a redelivered job after a stale heartbeat).
        ReportRun.objects.filter(pk=run.pk).update(attempts=2)
        report_build_private(first, report_get("customer-base"))
        assert ReportRun.objects.values_list("status", "attempts", "file").get(pk=run.pk) == ("running", 2, "")
        # The file it saved was deleted again.
        assert not first.file
        assert set(storage.listdir("reports")[1]) == files_before


@pytest.mark.django_db
def test_a_running_build_is_left_alone_until_its_heartbeat_is_stale_then_taken_up_once(alpha, files_removed):
    with tenant_context(alpha.tenant):
        run = report_run_create(
            code="customer-base", parameters={"view": "status-group"}, parameters_text=[], acting_user=_user()
        )
        beat = timezone.now() - datetime.timedelta(minutes=1)
        ReportRun.objects.filter(pk=run.pk).update(status="running", attempts=1, started_at=beat, heartbeat_at=beat)

        # Another worker builds it and beat a minute ago: this job leaves it (the task retries
        # once the heartbeat would be stale).
        assert report_run_build(run_id=run.pk) == BUSY
        assert ReportRun.objects.values_list("status", "attempts", "heartbeat_at").get(pk=run.pk) == (
            "running",
            1,
            beat,
        )

        # Its worker died: the heartbeat is older than STALE_AFTER; the redelivered job builds it.
        stale = timezone.now() - STALE_AFTER - datetime.timedelta(minutes=1)
        ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
        built = report_run_build(run_id=run.pk)
        assert (built.status, built.attempts, built.progress, built.error) == ("done", 2, 100, "")
        assert built.heartbeat_at > stale

        # And it finishes once.
        assert report_run_build(run_id=run.pk) is None
        assert ReportRun.objects.values_list("status", "attempts", "finished_at").get(pk=run.pk) == (
            "done",
            2,
            built.finished_at,
        )


@pytest.mark.django_db
def test_runs_whose_build_stopped_long_ago_are_reaped_with_a_message(alpha):
    now = timezone.now()
    with tenant_context(alpha.tenant):
        user = _user()

        def run(status: str, heartbeat_ago: datetime.timedelta | None, created_ago: datetime.timedelta):
            heartbeat_at = now - heartbeat_ago if heartbeat_ago is not None else None
            made = ReportRun.objects.create(
                code="customer-base",
                status=status,
                requested_by=user,
                heartbeat_at=heartbeat_at,
                finished_at=heartbeat_at if status == "done" else None,
            )
            ReportRun.objects.filter(pk=made.pk).update(created_at=now - created_ago)
            return made.pk

        hour = datetime.timedelta(hours=1)
        dead = run("running", REAP_AFTER + datetime.timedelta(minutes=1), 3 * hour)
        slow = run("running", STALE_AFTER * 2, hour)
        never_started = run("queued", None, 7 * hour)
        waiting = run("queued", None, hour)
        finished = run("done", STALE_AFTER * 10, 7 * hour)

        assert report_runs_reap() == 2

        states = {pk: (status, error) for pk, status, error in ReportRun.objects.values_list("pk", "status", "error")}
    assert states[dead] == ("failed", "The build stopped before it finished (its worker ended). Build it again.")
    assert states[never_started] == ("failed", "The build never started (no worker took it). Build it again.")
    assert states[slow] == ("running", "")
    assert states[waiting] == ("queued", "")
    assert states[finished] == ("done", "")


@pytest.mark.django_db
def test_runs_and_their_files_older_than_the_retention_are_purged(alpha, settings, files_removed):
    settings.REPORT_RETENTION_DAYS = 7
    with tenant_context(alpha.tenant):
        runs = []
        for _index in range(2):
            run = report_run_create(
                code="customer-base", parameters={"view": "status-group"}, parameters_text=[], acting_user=_user()
            )
            runs.append(report_run_build(run_id=run.pk))
        old, recent = runs
        ReportRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=7, minutes=1))
        ReportRun.objects.filter(pk=recent.pk).update(created_at=timezone.now() - datetime.timedelta(days=6))
        assert default_storage.exists(old.file.name)

        assert report_runs_purge() == 1

        assert not ReportRun.objects.filter(pk=old.pk).exists()
        assert not default_storage.exists(old.file.name)
        assert ReportRun.objects.filter(pk=recent.pk).exists()
        assert default_storage.exists(recent.file.name)


# --- rights and tenants ------------------------------------------------------------------------


def test_a_cashier_may_not_use_reports_and_another_retailer_sees_none_of_them(
    alpha, beta, files_removed, tenant_client
):
    with tenant_context(alpha.tenant):
        run = report_run_build(
            run_id=report_run_create(
                code="customer-base", parameters={"view": "status-group"}, parameters_text=[], acting_user=_user()
            ).pk
        )
        assert run.status == "done"
    marketer = tenant_client(alpha, alpha.marketer)
    assert _workbook(marketer.get(f"/reports/runs/{run.pk}/download/"))["A1"].value == "Customer base"

    cashier = tenant_client(alpha, alpha.cashier)
    for path in (
        "/reports/",
        "/reports/customer-base/",
        f"/reports/runs/{run.pk}/",
        f"/reports/runs/{run.pk}/download/",
    ):
        assert cashier.get(path).status_code == 403, path
    assert cashier.get(f"/reports/runs/{run.pk}/", HTTP_HX_REQUEST="true").status_code == 403
    assert cashier.post(f"/reports/runs/{run.pk}/again/").status_code == 403
    assert cashier.post("/reports/customer-base/", {"view": "status-group"}).status_code == 403

    # The run lives in alpha's schema: beta has no run with its id, and beta's users get 404.
    with tenant_context(beta.tenant):
        assert not ReportRun.objects.filter(pk=run.pk).exists()
    for login in (beta.marketer, beta.admin):
        client = tenant_client(beta, login)
        assert client.get(f"/reports/runs/{run.pk}/").status_code == 404
        assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404
        assert client.post(f"/reports/runs/{run.pk}/again/").status_code == 404

    # Its file is in alpha's folder of the media storage, not in beta's.
    media = Path(settings.MEDIA_ROOT)
    assert (media / "alpha" / run.file.name).is_file()
    assert not (media / "beta" / run.file.name).exists()
    with tenant_context(alpha.tenant):
        assert Path(run.file.path) == media / "alpha" / run.file.name


# --- the form and parameters that are refused --------------------------------------------------


@pytest.mark.django_db
def test_the_form_proposes_the_last_twelve_months_in_the_browsers_date_inputs(alpha, tenant_client):
    page = _page(tenant_client(alpha, alpha.marketer).get("/reports/loyalty-points/"))
    today = datetime.date.today()
    first = today - relativedelta(months=12) + datetime.timedelta(days=1)
    # A date input shows only an ISO value; a localized one would leave the period empty.
    assert f'type="date" name="date_from" value="{first.isoformat()}"' in page
    assert f'type="date" name="date_to" value="{today.isoformat()}"' in page


def _refused(client, tenant, code: str, data: dict, message: str) -> None:
    with tenant_context(tenant):
        before = ReportRun.objects.count()
    response = client.post(f"/reports/{code}/", data)
    assert _page(response).count(message) == 1, message
    with tenant_context(tenant):
        assert ReportRun.objects.count() == before


@pytest.mark.django_db
def test_an_empty_or_inverted_period_is_refused_and_no_run_is_made(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    _refused(
        client,
        alpha.tenant,
        "loyalty-points",
        {"date_from": "", "date_to": ""},
        "Give the period: both its first and its last day.",
    )
    _refused(
        client,
        alpha.tenant,
        "loyalty-points",
        {"date_from": "2024-03-01", "date_to": "2024-01-31"},
        "The period ends (31/01/2024) before it starts (01/03/2024).",
    )


@pytest.mark.django_db
def test_another_retailers_store_or_product_is_refused_naming_it(alpha, beta, registered, tenant_client):
    registered(EmptyReport)
    with tenant_context(beta.tenant):
        beta_store = Store.objects.create(name="Beta only", code="B1")
        Product.objects.create(sku="BETA-ONLY", name="Beta's cup", list_price="3.00")
    with tenant_context(alpha.tenant):
        assert not Store.objects.filter(pk=beta_store.pk).exists()
    period = {"date_from": "2024-01-01", "date_to": "2024-03-31"}
    client = tenant_client(alpha, alpha.marketer)
    _refused(
        client,
        alpha.tenant,
        "test-empty",
        {**period, "stores": [beta_store.pk]},
        f"Select a valid choice. {beta_store.pk} is not one of the available choices.",
    )
    _refused(
        client, alpha.tenant, "test-empty", {**period, "products": "BETA-ONLY"}, "No product with the code “BETA-ONLY”."
    )


@pytest.mark.django_db
def test_a_period_longer_than_the_plan_allows_is_refused_naming_the_plan(alpha, tenant_client):
    # Alpha on the Start plan for this test's transaction only.
    get_tenant_model().objects.filter(pk=alpha.tenant.pk).update(plan=TariffPlan.objects.get(name="Start"))
    client = tenant_client(alpha, alpha.marketer)
    _refused(
        client,
        alpha.tenant,
        "loyalty-points",
        {"date_from": "2014-01-01", "date_to": "2023-12-31"},
        "A report of the Start plan covers at most 24 months; choose a shorter period or a larger plan.",
    )
    # 24 months exactly are allowed.
    _run_id(client.post("/reports/loyalty-points/", {"date_from": "2022-01-01", "date_to": "2023-12-31"}))


def test_a_report_with_no_rows_has_a_header_only_file_and_says_so(alpha, registered, files_removed, tenant_client):
    registered(EmptyReport)
    client = tenant_client(alpha, alpha.marketer)

    run = _build_here(client, "test-empty", {"date_from": "2024-01-01", "date_to": "2024-01-31"}, alpha.tenant)

    assert (run.status, run.row_count, run.preview, run.chart) == ("done", 0, [], None)
    page = _page(client.get(f"/reports/runs/{run.pk}/"))
    assert "No rows: nothing matches these parameters. The file holds the header only." in page
    assert "0 rows" in page
    assert 'data-testid="report-chart"' not in page
    assert 'data-testid="report-preview"' not in page
    sheet = _workbook(client.get(f"/reports/runs/{run.pk}/download/"))
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Nothing matches", None]
    assert values[1:3] == [["From: 01/01/2024", None], ["Until: 31/01/2024", None]]
    assert values[3][0].startswith("Built: ")
    assert values[5:] == [["Name", "Amount"]]
    assert sheet.freeze_panes == "A7"


# --- text stays text ---------------------------------------------------------------------------


def test_names_that_look_like_formulas_stay_text(alpha, registered, files_removed, tenant_client):
    registered(NamesReport)
    with tenant_context(alpha.tenant):
        Customer.objects.create(first_name="=1+1", last_name="@SUM(A1)")
        Customer.objects.create(first_name="+372 5123", last_name="-2")
        Customer.objects.create(first_name='=HYPERLINK("http://example.com","x")', last_name="Tamm")
    client = tenant_client(alpha, alpha.marketer)

    run = _build_here(client, "test-names", {}, alpha.tenant)

    sheet = _workbook(client.get(f"/reports/runs/{run.pk}/download/"))
    cells = [row[:2] for row in sheet.iter_rows(min_row=5)]
    assert [[cell.value for cell in row] for row in cells] == [
        ["=1+1", "@SUM(A1)"],
        ["+372 5123", "-2"],
        ['=HYPERLINK("http://example.com","x")', "Tamm"],
    ]
    assert {cell.data_type for row in cells for cell in row} == {"s"}
    assert _page(client.get(f"/reports/runs/{run.pk}/")).count("<td>=1+1</td>") == 1


# --- memory ------------------------------------------------------------------------------------


def test_a_large_report_streams_with_flat_memory(alpha, registered, files_removed):
    registered(ManyRowsReport)
    ManyRowsReport.progress_seen.clear()
    ManyRowsReport.resident.clear()
    ManyRowsReport.rows_read = 0
    with tenant_context(alpha.tenant):
        run = report_run_create(code="test-many", parameters={}, parameters_text=[], acting_user=_user())
        try:
            run = report_run_build(run_id=run.pk)
            traced_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        resident_after = _resident_memory()

        assert run.status == "done", run.error
        assert run.row_count == 200_000
        assert len(run.preview) == 20
        assert run.preview[19] == [19, "Customer number 19", "12.50", "2024-01-20"]
        # Rows stream through to a temporary file: the process does not grow with them (a
        # workbook kept in memory grows by well over 100 MB here), and the last rows and the
        # saving of the file allocate little.
        grown = resident_after - ManyRowsReport.resident[50_000]
        assert grown < 30 * 1024 * 1024, f"grew by {grown / 1024 / 1024:.1f} MB: {ManyRowsReport.resident}"
        assert traced_peak < 60 * 1024 * 1024, f"{traced_peak / 1024 / 1024:.1f} MB"
        # The progress moved with the rows (90 % at most until the file is saved).
        assert ManyRowsReport.progress_seen == {0: 0, 50_000: 22, 100_000: 45, 150_000: 67}
        with run.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # The title, the build time, the header and every row (read as XML: quicker); the blank line
    # between the banner and the header has no cell, so no row element.
    assert sheet_xml.count("<row ") == 3 + 200_000
    assert sheet_xml.rindex("<t>Customer number 199999</t>") > sheet_xml.rindex("<t>Customer number 199998</t>")
    assert 'r="A200004"' in sheet_xml
    # The chart was drawn from the rows the build read: they were read once, not again for it.
    assert ManyRowsReport.rows_read == 200_000
    assert run.chart["labels"][:2] == ["2024-01", "2024-02"]
    assert len(run.chart["labels"]) == 12
    assert sum(run.chart["series"][0]["values"]) == 200_000 * 12.5


# --- charts ------------------------------------------------------------------------------------


def test_a_chart_of_counts_has_whole_numbers_on_its_axis_and_long_labels_cut_short():
    svg = chart_svg(
        {
            "kind": "bar",
            "labels": ["Language for communication", "City"],
            "series": [{"name": "Filled in", "values": [6, 1]}],
            "value_format": "integer",
        },
        title="Customer base",
    )

    assert re.findall(r'text-anchor="end" fill="#6c757d">([^<]*)</text>', svg) == ["0", "2", "4", "6", "8"]
    assert "<title>Language for communication</title>Language for commun…</text>" in svg
    assert "<title>City</title>City</text>" in svg


@pytest.mark.django_db
def test_build_again_checks_the_parameters_again(alpha, tenant_client):
    """A run of five years built on Business cannot be built again once the plan is Start."""
    with tenant_context(alpha.tenant):
        user = _user()
        today = timezone.localdate()
        run = report_run_create(
            code="loyalty-points",
            parameters={
                "date_from": (today - datetime.timedelta(days=4 * 365)).isoformat(),
                "date_to": today.isoformat(),
            },
            parameters_text=[],
            acting_user=user,
        )
        runs_before = ReportRun.objects.count()
    business = alpha.tenant.plan
    alpha.tenant.plan = TariffPlan.objects.get(name="Start")
    alpha.tenant.save(update_fields=["plan"])
    try:
        response = tenant_client(alpha, alpha.admin).post(f"/reports/runs/{run.pk}/again/")
    finally:
        # The session's tenant object outlives this test's transaction.
        alpha.tenant.plan = business
    assert response.status_code == 200
    assert "A report of the Start plan covers at most 24 months" in response.content.decode()
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == runs_before
