"""Exports and reports: the customer export to .xlsx (over HTTP, and side by side with
django-import-export and with COPY plus a raw writer), two reports and RFM run the user's way."""

from __future__ import annotations

import datetime
import re
import tempfile
import time
from pathlib import Path

from django.db import connection
from django_tenants.utils import schema_context

from benchmarks.client import CSRF_INPUT, BackOffice
from benchmarks.context import BenchContext
from benchmarks.results import Better, Limit, Row, Section, Stat
from benchmarks.servers import PeakMemory

# On L a django-import-export run over 1,000,000 rows takes many minutes and GBs: every
# side-by-side contestant then runs on the first SUBSET customers by id.
SUBSET = 100_000
REPORT_TIMEOUT = 600
RUN_ID = re.compile(r"/reports/runs/(\d+)/")


def _all_columns(schema: str) -> list:
    from customers.selectors.columns import available_columns
    from customers.selectors.properties import property_list

    with schema_context(schema):
        return available_columns(property_list(include_archived=False))


def _listed_count(schema: str, query: str = "") -> int:
    """How many customers the list shows with the query's filters (what the export writes: not the archived)."""
    from django.http import QueryDict

    from customers.selectors.customers import customer_filterset, customer_list

    with schema_context(schema):
        return customer_list(filters=customer_filterset(QueryDict(query))).count()


def _xlsx_rows(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def _download(client: BackOffice, path: str, target: Path, **kwargs) -> float:
    """GET `path` streaming the body to `target`; seconds from the request to the last byte."""
    started = time.monotonic()
    with client.session.get(client.url(path), stream=True, **kwargs) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{path} gave HTTP {response.status_code}")
        with target.open("wb") as handle:
            for chunk in response.iter_content(1024 * 1024):
                handle.write(chunk)
    return time.monotonic() - started


def _post_form(client: BackOffice, page_path: str, action: str, data: dict) -> tuple[int, float]:
    """Open `page_path` for its CSRF token and post `data` to `action` as the page's form does;
    the run it started and when the post was sent."""
    page = client.session.get(client.url(page_path))
    token = CSRF_INPUT.search(page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"{page_path} gave HTTP {page.status_code} without a form")
    started = time.monotonic()
    response = client.session.post(
        client.url(action),
        data={"csrfmiddlewaretoken": token.group(1), **data},
        headers={"Referer": client.url(page_path).replace(client.base_url, f"http://{client.host}")},
        allow_redirects=False,
    )
    found = RUN_ID.search(response.headers.get("Location", ""))
    if response.status_code != 302 or found is None:
        raise RuntimeError(f"posting to {action} gave HTTP {response.status_code}")
    return int(found.group(1)), started


def _run_followed(ctx: BenchContext, client: BackOffice, run_id: int, started: float, what: str):
    """Poll the run's page as the browser does (htmx, every second there; here every 50 ms) until
    the build is done; the run."""
    from reports.models import ReportRun

    deadline = started + REPORT_TIMEOUT
    while True:
        client.session.get(client.url(f"/reports/runs/{run_id}/"), headers={"HX-Request": "true"})
        with schema_context(ctx.schema):
            run = ReportRun.objects.get(pk=run_id)
        if run.status == ReportRun.Status.DONE:
            return run
        if run.status == ReportRun.Status.FAILED:
            raise RuntimeError(f"{what} failed: {run.error}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not done after {REPORT_TIMEOUT} s")
        time.sleep(0.05)


def _export_http(ctx: BenchContext, columns: list, count: int) -> tuple[list[Row], list[str]]:
    """The export the user's way: the list's form posted with every column, the run's page polled
    until the Celery build is done, the file downloaded."""
    query = "&".join(f"cols={column.key}" for column in columns)
    target = ctx.artifacts / "customers-export.xlsx"
    client = ctx.back_office()
    runs = 1 if ctx.smoke else min(ctx.runs, 2) if ctx.size == "L" else ctx.runs
    seconds, peaks = [], []
    for _ in range(runs):
        with PeakMemory([ctx.stack.web, ctx.stack.worker]) as memory:
            run_id, started = _post_form(client, f"/customers/?{query}", "/customers/export/", {"query": query})
            _run_followed(ctx, client, run_id, started, "the customer export")
            _download(client, f"/reports/runs/{run_id}/download/", target, timeout=1800)
            seconds.append(time.monotonic() - started)
        connection.close()
        peaks.append(max(memory.peak_of("gunicorn"), memory.peak_of("celery")))
    rows = _xlsx_rows(target)
    megabytes = target.stat().st_size / 2**20
    note = (
        f"start → Celery build → file downloaded, over HTTP; {len(columns)} columns (every column and custom "
        f"property), {count:,} customers; file {megabytes:.1f} MB"
    )
    if rows != count + 1:
        note += f"; the file has {rows:,} rows, expected {count + 1:,}"
    operation = "export of all 1,000,000 customers with custom properties to .xlsx"
    target_text = "≤ 60 s, peak memory ≤ 300 MB"
    time_row = Row(operation, target_text, Stat.of("s", seconds), limit=Limit(60, Better.LOWER, "median"), note=note)
    memory_row = Row(
        operation + " — peak memory",
        target_text,
        Stat.of("MB", peaks),
        limit=Limit(300, Better.LOWER, "max"),
        note="largest single gunicorn worker or Celery process (RSS, sampled 10×/s)",
    )
    if rows != count + 1:
        time_row.met = False
    return [time_row, memory_row], []


# --- side by side, in the harness process --------------------------------------------------


def _subset_queryset(limit: int | None):
    from customers.models import Customer

    queryset = Customer.objects.select_related("group").order_by("pk")
    if limit is not None:
        last = queryset.values_list("pk", flat=True)[limit - 1 : limit].first()
        if last is not None:
            queryset = queryset.filter(pk__lte=last)
    return queryset


def _regulars_in_process(queryset, columns) -> float:
    """What the export's build does: its rows (customers.selectors.exporting) to its writer."""
    from customers.selectors.exporting import customer_export_rows
    from reports.definitions.customer_export import CustomerExport
    from reports.xlsx import table_write

    report_columns = CustomerExport().columns({"query": "&".join(f"cols={column.key}" for column in columns)})
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        table_write(
            str(Path(folder) / "regulars.xlsx"),
            sheet_name="Customers",
            columns=report_columns,
            rows=customer_export_rows(queryset=queryset, columns=columns),
            currency="EUR",
        )
    return time.monotonic() - started


def _import_export_resource(columns, properties):
    from import_export import fields, resources

    from customers.models import Customer
    from customers.rules import phone_display

    class PropertyField(fields.Field):
        def __init__(self, code: str, **kwargs):
            super().__init__(**kwargs)
            self.code = code

        def get_value(self, obj):
            return (obj.properties or {}).get(self.code)

    plain = {
        "email",
        "birth_date",
        "city",
        "registry_code",
        "purchase_count",
        "purchase_total",
        "last_purchase_at",
        "email_consent",
        "sms_consent",
        "created_at",
    }
    attributes = {}
    for column in columns:
        if column.key in plain:
            attributes[column.key] = fields.Field(attribute=column.key, column_name=str(column.label))
        elif column.key.startswith("p_"):
            attributes[column.key] = PropertyField(column.key[2:], column_name=str(column.label))
        else:
            attributes[column.key] = fields.Field(column_name=str(column.label))
    keys = [column.key for column in columns]

    class Meta:
        model = Customer
        fields = keys
        export_order = keys

    attributes["Meta"] = Meta
    attributes["dehydrate_name"] = lambda self, c: str(c)
    attributes["dehydrate_kind"] = lambda self, c: c.get_kind_display()
    attributes["dehydrate_status"] = lambda self, c: c.get_status_display()
    attributes["dehydrate_group"] = lambda self, c: c.group.name if c.group else ""
    attributes["dehydrate_phone"] = lambda self, c: phone_display(c.phone)
    return type("CustomerResource", (resources.ModelResource,), attributes)


def _import_export_run(queryset, columns, properties) -> float:
    from import_export.formats.base_formats import XLSX

    resource = _import_export_resource(columns, properties)()
    started = time.monotonic()
    dataset = resource.export(queryset=queryset)
    data = XLSX().export_data(dataset)
    del data, dataset
    return time.monotonic() - started


def _limit_sql(columns, first_id_bound: int | None) -> str:
    expressions = {
        "name": "CASE WHEN c.kind = 'business' THEN c.company_name ELSE trim(c.first_name || ' ' || c.last_name) END",
        "kind": "c.kind",
        "status": "c.status",
        "group": "coalesce(g.name, '')",
        "phone": "c.phone",
        "email": "c.email",
        "birth_date": "c.birth_date",
        "city": "c.city",
        "registry_code": "c.registry_code",
        "purchase_count": "c.purchase_count",
        "purchase_total": "c.purchase_total",
        "last_purchase_at": "c.last_purchase_at",
        "email_consent": "c.email_consent",
        "sms_consent": "c.sms_consent",
        "created_at": "c.created_at",
    }
    select = ", ".join(
        expressions.get(column.key) or f"c.properties ->> '{column.key[2:].replace(chr(39), '')}'" for column in columns
    )
    where = f"WHERE c.id <= {int(first_id_bound)}" if first_id_bound is not None else ""
    return (
        f"SELECT {select} FROM customers_customer c LEFT JOIN customers_customergroup g ON g.id = c.group_id "
        f"{where} ORDER BY c.id"
    )


def _copy_rows(sql: str):
    """The rows of `sql` from COPY … TO STDOUT (text format), as lists of str / None."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor
        with raw.copy(f"COPY ({sql}) TO STDOUT") as copy:
            yield from copy.rows()


def _limit_xlsxwriter(sql: str, header: list[str]) -> float:
    import xlsxwriter

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        workbook = xlsxwriter.Workbook(str(Path(folder) / "limit.xlsx"), {"constant_memory": True})
        sheet = workbook.add_worksheet("Customers")
        sheet.write_row(0, 0, header)
        for index, row in enumerate(_copy_rows(sql), start=1):
            sheet.write_row(index, 0, row)
        workbook.close()
    return time.monotonic() - started


def _limit_rustpy(sql: str, header: list[str]) -> float:
    import rustpy_xlsxwriter

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        records = [dict(zip(header, row, strict=True)) for row in _copy_rows(sql)]
        rustpy_xlsxwriter.FastExcel(str(Path(folder) / "limit-rs.xlsx")).sheet("Customers", records).save()
    return time.monotonic() - started


def _side_by_side(ctx: BenchContext, columns: list, count: int) -> tuple[list[Row], list[str]]:
    from customers.selectors.properties import property_list

    details = []
    runs = 1 if ctx.smoke else max(1, min(ctx.runs, 3))
    with schema_context(ctx.schema):
        properties = property_list(include_archived=False)
        limit = SUBSET if count > SUBSET else None
        queryset = _subset_queryset(limit)
        rows = queryset.count()
        bound = queryset.values_list("pk", flat=True).order_by("-pk").first() if limit else None
        header = [str(column.label) for column in columns]
        sql = _limit_sql(columns, bound)
        regulars, peer, raw_xlsxwriter, raw_rust = [], [], [], []
        rust_error = ""
        for _ in range(runs):
            regulars.append(_regulars_in_process(queryset, columns))
            peer.append(_import_export_run(queryset, columns, properties))
            raw_xlsxwriter.append(_limit_xlsxwriter(sql, header))
            if not rust_error:
                try:
                    raw_rust.append(_limit_rustpy(sql, header))
                except Exception as error:  # a writer that does not work is reported, not fatal
                    rust_error = f"rustpy-xlsxwriter failed: {error!r}"
    connection.close()
    scope = (
        f"the first {rows:,} customers by id (a full django-import-export run on 1,000,000 takes many minutes and GBs)"
        if limit
        else f"all {rows:,} customers"
    )
    ours = Stat.of("s", regulars)
    peer_stat = Stat.of("s", peer)
    xlsxwriter_stat = Stat.of("s", raw_xlsxwriter)
    rust_stat = Stat.of("s", raw_rust) if raw_rust else None
    fastest_name, fastest = "XlsxWriter (constant_memory)", xlsxwriter_stat
    if rust_stat is not None and rust_stat.median < xlsxwriter_stat.median:
        fastest_name, fastest = "rustpy-xlsxwriter (FastExcel)", rust_stat
    writers = f"XlsxWriter {xlsxwriter_stat.median:.2f} s" + (
        f", rustpy-xlsxwriter {rust_stat.median:.2f} s" if rust_stat else f"; {rust_error}"
    )
    common = (
        f"in-process, same run, {scope}, {len(columns)} columns; Regulars reads typed rows from a server-side "
        "cursor and writes with rustpy-xlsxwriter"
    )
    peer_ratio = peer_stat.median / ours.median
    limit_ratio = ours.median / fastest.median
    details.append(
        f"Side by side on {scope}: Regulars (typed rows from a server-side cursor, rustpy-xlsxwriter) "
        f"{ours.median:.2f} s, "
        f"django-import-export {peer_stat.median:.2f} s, COPY + {writers}."
    )
    return [
        Row(
            "Excel export of customers",
            "Regulars ≥ 5× faster",
            ours,
            reference_name="django-import-export's xlsx export of the same rows (what a Django team would reach for)",
            reference=peer_stat,
            ratio=peer_ratio,
            met=peer_ratio >= 5,
            note=common,
        ),
        Row(
            "Excel export of customers",
            "Regulars ≤ 1.5× the limit",
            ours,
            reference_name="the limit: the same SELECT streamed by COPY … TO STDOUT plus the fastest raw xlsx writer "
            "over those rows",
            reference=fastest,
            ratio=limit_ratio,
            met=limit_ratio <= 1.5,
            note=f"{common}; the limit's writer: {fastest_name} ({writers})",
        ),
    ], details


# --- reports, the user's way -------------------------------------------------------------


def _report_once(ctx: BenchContext, client: BackOffice, code: str, data: dict, name: str) -> tuple[float, int]:
    run_id, started = _post_form(client, f"/reports/{code}/", f"/reports/{code}/", data)
    run = _run_followed(ctx, client, run_id, started, f"the report {code}")
    _download(client, f"/reports/runs/{run_id}/download/", ctx.artifacts / f"{name}.xlsx")
    return time.monotonic() - started, run.row_count or 0


def _report_row(ctx: BenchContext, client, operation: str, target: str, code: str, data: dict, limit: float) -> Row:
    samples, rows = [], 0
    for _ in range(ctx.runs):
        seconds, rows = _report_once(ctx, client, code, data, code)
        samples.append(seconds)
    connection.close()
    return Row(
        operation,
        target,
        Stat.of("s", samples),
        limit=Limit(limit, Better.LOWER, "median"),
        note=f"start → Celery build → file downloaded, over HTTP; {rows:,} rows",
    )


def _reports(ctx: BenchContext) -> list[Row]:
    client = ctx.back_office()
    today = datetime.date.today()
    period = {
        "date_from": (today.replace(year=today.year - 1) + datetime.timedelta(days=1)).isoformat(),
        "date_to": today.isoformat(),
    }
    group = {"product_groups": [str(ctx.fixture.product_group_id)]} if ctx.fixture.product_group_id else {}
    return [
        _report_row(
            ctx,
            client,
            'report "Buyers of a product" (one product group, 12 months, all stores) to .xlsx',
            "≤ 3 s",
            "buyers",
            {**period, **group},
            3,
        ),
        _report_row(
            ctx,
            client,
            'report "Sales / discounts" (one product group, 12 months) to .xlsx',
            "≤ 3 s",
            "sales-discounts",
            {**period, **group},
            3,
        ),
        _report_row(
            ctx,
            client,
            "RFM scores and segments for all customers",
            "≤ 20 s",
            "rfm",
            {},
            20,
        ),
    ]


def measure(ctx: BenchContext) -> Section:
    columns = _all_columns(ctx.schema)
    count = _listed_count(ctx.schema)
    connection.close()
    targets, details = _export_http(ctx, columns, count)
    reports = _reports(ctx)
    targets.extend(reports)
    side, more = _side_by_side(ctx, columns, count)
    details.extend(more)
    details.append(
        "Reports run the user's way: the report's form is posted, the run's page is polled until the Celery "
        "build is done, the workbook is downloaded; RFM is the RFM report over all customers (scores and "
        "segments computed in SQL: NTILE's quintiles of every customer who bought, from the tile boundaries)."
    )
    return Section("Exports and reports", targets=targets, side_by_side=side, details=details)
