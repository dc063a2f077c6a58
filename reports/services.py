"""Report runs: asking for one, building it (in a Celery job), and purging old ones.

A build marks the run running and beats a heartbeat as rows stream to the workbook. A run whose
worker was killed is taken up again when Celery redelivers its job (acks late) and the heartbeat
is stale; `report_runs_reap` marks runs failed whose heartbeat stopped long ago, so nothing hangs
in "running" for ever. A run that is done is never built again: a build finishes once.
"""

import contextlib
import datetime
import decimal
import logging
import tempfile
import threading
import traceback

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, connections, transaction
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tenants.utils import tenant_context

from reports.models import ReportRun
from reports.registry import report_get
from reports.xlsx import table_write
from staff.models import User

logger = logging.getLogger(__name__)
BATCH = 2000
PREVIEW_ROWS = 20
# A run whose heartbeat is older than this lost its worker.
STALE_AFTER = datetime.timedelta(minutes=10)
# The broker hands a dead worker's job to another after its visibility timeout (an hour with
# Redis); a run is given up only after that, so the returning job can still build it.
REAP_AFTER = datetime.timedelta(hours=2)
HEARTBEAT = datetime.timedelta(seconds=30)


def report_run_create(*, code: str, parameters: dict, parameters_text: list, acting_user: User | None) -> ReportRun:
    """Ask for a build for `acting_user`; the job starts once the run is committed."""
    from reports.tasks import report_build_task

    run = ReportRun.objects.create(
        code=code, parameters=parameters, parameters_text=parameters_text, requested_by=acting_user
    )
    transaction.on_commit(lambda: report_build_task.delay(run.pk))
    return run


def _json_value(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _json_safe(value):
    """Charts and previews are stored as JSON: decimals as text, dates as ISO text."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return _json_value(value)


BUSY = "busy"


def _claim(run_id: int) -> ReportRun | str | None:
    """Take the run for this worker; None when there is nothing to build (done, failed, gone),
    BUSY while another worker's heartbeat is fresh (the caller tries again later)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status == ReportRun.Status.DONE:
            return None
        now = timezone.now()
        if run.status == ReportRun.Status.RUNNING and run.heartbeat_at and now - run.heartbeat_at < STALE_AFTER:
            return BUSY
        if run.status == ReportRun.Status.FAILED and run.attempts:
            return None
        run.status = ReportRun.Status.RUNNING
        run.attempts += 1
        run.started_at = run.heartbeat_at = now
        run.progress = 0
        run.error = ""
        run.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress", "error"])
        return run


def report_run_build(*, run_id: int) -> ReportRun | str | None:
    """Build the run's workbook, preview and chart; a failure is recorded on the run. Returns
    BUSY when another worker holds the run with a fresh heartbeat (the task retries later)."""
    run = _claim(run_id)
    if run is None or run == BUSY:
        return run
    report = report_get(run.code)
    language = run.requested_by.language or connection.tenant.language or settings.LANGUAGE_CODE
    try:
        with override(language):
            if report is None:
                raise LookupError(_("There is no report “%(code)s” any more.") % {"code": run.code})
            with _heartbeat(run), _without_jit():
                _build(run, report)
    except Exception as error:  # noqa: BLE001 — any failure is shown on the run, with its reason
        logger.error("report run %s failed:\n%s", run.pk, traceback.format_exc())
        _ours(run).update(
            status=ReportRun.Status.FAILED, error=str(error) or error.__class__.__name__, finished_at=timezone.now()
        )
    return ReportRun.objects.get(pk=run.pk)


def _ours(run: ReportRun):
    """The run as long as this build still holds it: a later attempt (or the reaper) that took it
    over makes every write of this one a no-op, so a run is finished once."""
    return ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.RUNNING, attempts=run.attempts)


@contextlib.contextmanager
def _heartbeat(run: ReportRun):
    """Beat the run's heartbeat every HEARTBEAT seconds while the build runs, also during a long
    query, the chart and the save (a thread with its own connection, in the retailer's schema)."""
    tenant = connection.tenant
    stop = threading.Event()

    def beat() -> None:
        try:
            with tenant_context(tenant):
                while not stop.wait(HEARTBEAT.total_seconds()):
                    _ours(run).update(heartbeat_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"report-run-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def _without_jit():
    """A report's statements read up to millions of rows once: PostgreSQL's JIT compiling them
    cost more than it saved (on L 0.8–2.7 s of the RFM report's statement, 6–9 s with it). Off
    for the build, on the worker's connection, and reset after."""
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        # A connection lost during the build is replaced before its next use anyway.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET jit")


class _Stream:
    """The report's rows on their way to the file: the preview, the chart and the progress take
    each row as it passes; `count` is how many passed."""

    def __init__(self, run: ReportRun, columns, chart, estimate: int | None):
        self.run, self.columns, self.chart, self.estimate = run, columns, chart, estimate
        self.preview: list[list] = []
        self.count = 0

    def rows(self, rows):
        for row in rows:
            if self.chart is not None:
                self.chart.add(row)
            if self.count < PREVIEW_ROWS:
                # Stored compactly: the values in the columns' order.
                self.preview.append([_json_value(row[column.key]) for column in self.columns])
            self.count += 1
            if self.count % BATCH == 0:
                self._progress()
            yield row

    def _progress(self) -> None:
        run, estimate = self.run, self.estimate
        run.progress = min(90, int(90 * self.count / estimate)) if estimate else min(90, run.progress + 5)
        _ours(run).update(progress=run.progress, heartbeat_at=timezone.now())


def _build(run: ReportRun, report) -> None:
    parameters = run.parameters
    columns = report.columns(parameters)
    chart = report.chart(parameters)
    stream = _Stream(run, columns, chart, report.row_estimate(parameters))
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/{run.code}-{run.pk}.xlsx"
        table_write(
            path,
            sheet_name=str(report.title),
            columns=columns,
            rows=stream.rows(report.rows(parameters)),
            currency=connection.tenant.currency,
            banner=None if report.plain_table else _banner(run, report),
        )
        chart_data = _json_safe(chart.result()) if chart is not None else None
        with open(path, "rb") as output:
            run.file.save(f"{run.code}-{run.pk}.xlsx", File(output), save=False)
    finished = _ours(run).update(
        status=ReportRun.Status.DONE,
        progress=100,
        row_count=stream.count,
        preview=stream.preview,
        chart=chart_data,
        file=run.file.name,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not finished:
        # Another attempt took the run over meanwhile: its file counts, this one goes.
        run.file.delete(save=False)


def _banner(run: ReportRun, report) -> list[str]:
    """The lines above a report's header: its title, its parameters, when it was built."""
    built = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    return [
        str(report.title),
        *(f"{label}: {value}" for label, value in run.parameters_text),
        f"{_('Built')}: {built}",
    ]


def report_runs_reap(*, now: datetime.datetime | None = None) -> int:
    """Mark failed the runs whose build stopped (no heartbeat for long): they can be run again."""
    now = now or timezone.now()
    return ReportRun.objects.filter(
        status__in=(ReportRun.Status.RUNNING, ReportRun.Status.QUEUED), heartbeat_at__lt=now - REAP_AFTER
    ).update(
        status=ReportRun.Status.FAILED,
        error=_("The build stopped before it finished (its worker ended). Build it again."),
        finished_at=now,
    ) + ReportRun.objects.filter(
        status=ReportRun.Status.QUEUED, heartbeat_at__isnull=True, created_at__lt=now - datetime.timedelta(hours=6)
    ).update(
        status=ReportRun.Status.FAILED,
        error=_("The build never started (no worker took it). Build it again."),
        finished_at=now,
    )


def report_runs_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete runs and their files older than the retention period (REGULARS_REPORT_RETENTION_DAYS)."""
    now = now or timezone.now()
    old = ReportRun.objects.filter(created_at__lt=now - datetime.timedelta(days=settings.REPORT_RETENTION_DAYS))
    count = 0
    for run in old.iterator():
        if run.file:
            run.file.delete(save=False)
        run.delete()
        count += 1
    return count
