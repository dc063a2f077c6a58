"""Imports and retailers: a new retailer ready to log in, customer imports over HTTP (upload, mapping,
dry run, start) on the Celery worker, and many retailer schemas (benchmarks.schemas). Every import
runs in a fresh retailer made for the group and dropped at the end, so the benchmark's retailer is
left as bench_data made it."""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psutil
import xlsxwriter
from django.db import connection
from django_tenants.utils import schema_context

from benchmarks.client import CSRF_INPUT, BackOffice
from benchmarks.context import BenchContext
from benchmarks.results import Better, Limit, Row, Section, Stat
from benchmarks.schemas import T_SCHEMAS, schemas_row
from benchmarks.servers import PeakMemory

NAME = "Imports and retailers"
PASSWORD = "bench-import-password-2026"
ADMIN = "bench-import-admin"
PROPERTY_CODE = "bench_favourite"
FIRST_NAMES = ("Anna", "Mari", "Jaan", "Peeter", "Liis", "Kadri", "Tõnu", "Jürgen", "Sofia", "Lukas", "Emma", "Otto")
LAST_NAMES = ("Tamm", "Saar", "Sepp", "Mägi", "Kask", "Müller", "Schmidt", "Smith", "Kuusk", "Rebane", "Ilves")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAVOURITES = ("coffee", "tea", "bread", "cheese", "wine", "fruit")

T_TENANT = ("a new tenant ready to log in", "≤ 2 s")
T_100K = ("import of 100,000 customers from .xlsx (validated)", "≤ 60 s")
T_1M = (
    "import of 1,000,000 customers (contacts, consents, properties, numbers, cards, opening balances)",
    "≤ 10 min, memory flat",
)
T_HISTORY = (
    "import of the L sales history as one file (4,000,000 receipts / 12,000,000 lines)",
    "≤ 30 min (≥ 7,000 lines/s), figures exact after",
)


@dataclass
class Retailer:
    schema: str
    host: str


@dataclass
class ImportRun:
    rows: int
    seconds: float
    finished: bool
    status: str
    counts: str
    worker_mb: float
    web_mb: float
    rss: list[float] = field(default_factory=list)  # the worker's summed RSS (MB), sampled twice a second


def _plan():
    from tariffs.models import TariffPlan

    plan, _created = TariffPlan.objects.get_or_create(
        name="Benchmark",
        defaults={
            "price": Decimal("0"),
            "max_active_customers": 10**9,
            "max_staff_users": 10**6,
            "max_stores": 10**6,
            "max_terminals": 10**6,
        },
    )
    return plan


def _retailer_create(schema: str) -> Retailer:
    from tenants.services import tenant_create

    tenant = tenant_create(
        name=f"Benchmark {schema}",
        schema_name=schema,
        plan=_plan(),
        admin_username=ADMIN,
        admin_email=f"{ADMIN}@example.com",
        admin_password=PASSWORD,
        source="benchmark",
    )
    host = tenant.domains.get(is_primary=True).domain
    connection.set_schema_to_public()
    return Retailer(schema, host)


def _retailer_drop(schema: str) -> None:
    from tenants.models import Tenant

    connection.set_schema_to_public()
    for tenant in Tenant.objects.filter(schema_name=schema):
        tenant.delete(force_drop=True)
    connection.set_schema_to_public()


def _log_in(ctx: BenchContext, retailer: Retailer) -> BackOffice:
    client = BackOffice(ctx.stack.base_url, retailer.host)
    client.log_in(ADMIN, PASSWORD)
    return client


# --- 1. a new tenant ------------------------------------------------------------------------------


def _tenant_row(ctx: BenchContext) -> Row:
    samples = []
    for run in range(1 if ctx.smoke else ctx.runs):
        schema = f"bench_new_{run}"
        _retailer_drop(schema)
        try:
            started = time.monotonic()
            retailer = _retailer_create(schema)
            _log_in(ctx, retailer)
            samples.append(time.monotonic() - started)
        finally:
            _retailer_drop(schema)
    return Row(*T_TENANT, Stat.of("s", samples), limit=Limit(2, Better.LOWER, "median"))


# --- 2./3. customer imports -----------------------------------------------------------------------


def _customers_xlsx(path: Path, rows: int, *, loyalty: bool, seed: int) -> None:
    """A deterministic customer file with the columns a retailer's export would have."""
    rng = random.Random(seed)
    headers = ["first_name", "last_name", "email", "phone", "birth_date", "email_consent", "sms_consent"]
    headers.append(PROPERTY_CODE)
    if loyalty:
        headers += ["card_number", "points_balance"]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, headers)
    born = date(1950, 1, 1)
    for index in range(rows):
        values = [
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            f"customer{seed}-{index}@example.com",
            f"+3725{seed % 10}{index:06d}",
            (born + timedelta(days=rng.randrange(20000))).isoformat(),
            rng.choice(("yes", "no")),
            rng.choice(("yes", "no")),
            rng.choice(FAVOURITES),
        ]
        if loyalty:
            values += [f"77{seed % 10}{index:09d}", str(rng.randrange(0, 500))]
        sheet.write_row(index + 1, 0, values)
    workbook.close()


def _batch_status(schema: str, batch_id: int) -> tuple[str, str]:
    from customers.models import ImportBatch

    with schema_context(schema):
        batch = ImportBatch.objects.get(pk=batch_id)
        counts = {
            name: getattr(batch, name)
            for name in ("created_count", "updated_count", "skipped_count", "refused_count")
            if hasattr(batch, name)
        }
    connection.close()
    return batch.status, ", ".join(f"{name.removesuffix('_count')} {value}" for name, value in counts.items())


def _wait(client: BackOffice, retailer: Retailer, batch_id: int, done: set[str], deadline: float) -> str:
    """Poll the progress fragment as the page does, until the batch's status is one of `done`."""
    while True:
        client.get(f"/customers/import/{batch_id}/progress/")
        status, _counts = _batch_status(retailer.schema, batch_id)
        if status in done or status == "failed" or time.monotonic() > deadline:
            return status
        time.sleep(1)


def _history_wait(client: BackOffice, retailer: Retailer, import_id: int, done: set[str], deadline: float) -> str:
    """Poll the import's page as it polls itself, until its status is one of `done` (or failed)."""
    from sales.models import HistoryImport

    while True:
        client.get(f"/settings/sales/import/history/{import_id}/", headers={"HX-Request": "true"})
        with schema_context(retailer.schema):
            status = HistoryImport.objects.get(pk=import_id).status
        connection.close()
        if status in done or status == "failed" or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def _sample_rss(ctx: BenchContext, into: list[float], stop: threading.Event) -> None:
    while not stop.is_set():
        total = 0.0
        for process in ctx.stack.worker.processes():
            try:
                total += process.memory_info().rss / 2**20
            except psutil.Error:
                pass
        into.append(total)
        stop.wait(0.5)


def _import(ctx: BenchContext, retailer: Retailer, path: Path, rows: int, cap_seconds: float) -> ImportRun:
    """Upload → mapping (starts the dry run) → start → finished, timed from the upload."""
    client = _log_in(ctx, retailer)
    rss: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_rss, args=(ctx, rss, stop), daemon=True)
    with PeakMemory([ctx.stack.web, ctx.stack.worker]) as memory:
        sampler.start()
        started = time.monotonic()
        deadline = started + cap_seconds
        page, _timing = client.get("/customers/import/")
        token = CSRF_INPUT.search(page.text).group(1)
        with path.open("rb") as handle:
            response = client.session.post(
                client.url("/customers/import/"),
                data={"csrfmiddlewaretoken": token},
                files={"file": (path.name, handle, XLSX)},
                headers={"Referer": f"http://{retailer.host}/customers/import/"},
                allow_redirects=False,
            )
        match = re.search(r"/customers/import/(\d+)/mapping/", response.headers.get("Location", ""))
        if response.status_code != 302 or match is None:
            raise RuntimeError(f"the upload gave HTTP {response.status_code}")
        batch_id = int(match.group(1))
        page, _timing = client.get(f"/customers/import/{batch_id}/mapping/")
        data = {"csrfmiddlewaretoken": CSRF_INPUT.search(page.text).group(1), "duplicate_mode": "update"}
        for name, chosen in re.findall(
            r'<select name="(column_\d+)"[^>]*>.*?<option value="([^"]*)"[^>]*selected', page.text, re.S
        ):
            data[name] = chosen
        response = client.session.post(
            client.url(f"/customers/import/{batch_id}/mapping/"),
            data=data,
            headers={"Referer": client.url(f"/customers/import/{batch_id}/mapping/")},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"the mapping gave HTTP {response.status_code}")
        status = _wait(client, retailer, batch_id, {"checked"}, deadline)
        if status == "checked":
            page, _timing = client.get(f"/customers/import/{batch_id}/")
            client.session.post(
                client.url(f"/customers/import/{batch_id}/start/"),
                data={"csrfmiddlewaretoken": CSRF_INPUT.search(page.text).group(1)},
                headers={"Referer": client.url(f"/customers/import/{batch_id}/")},
                allow_redirects=False,
            )
            status = _wait(client, retailer, batch_id, {"imported"}, deadline)
        seconds = time.monotonic() - started
        stop.set()
        sampler.join()
    status, counts = _batch_status(retailer.schema, batch_id)
    return ImportRun(
        rows=rows,
        seconds=seconds,
        finished=status == "imported",
        status=status,
        counts=counts,
        worker_mb=memory.peak_of("celery"),
        web_mb=memory.peak_of("gunicorn"),
        rss=rss,
    )


def _projection_row(operation: str, target: str, run: ImportRun, total: int, limit_s: float) -> Row:
    rate = run.rows / run.seconds if run.seconds else 0.0
    projected = total / rate if rate else float("inf")
    measured = "measured on" if run.rows >= total else "projected from"
    note = (
        f"{measured} {run.rows:,} rows in {run.seconds:.1f} s ({rate:,.0f} rows/s), batch {run.status}"
        f" ({run.counts}); peak worker {run.worker_mb:.0f} MB, web {run.web_mb:.0f} MB"
    )
    if not run.finished:
        note = f"did not finish within the cap: {note}"
    return Row(operation, target, Stat.of("s", [projected]), limit=Limit(limit_s, Better.LOWER, "median"), note=note)


def _memory_flat(rss: list[float]) -> tuple[bool, str]:
    if len(rss) < 3:
        return True, "too short to sample"
    third = len(rss) // 3
    first, last = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    flat = last <= first * 1.2 + 20
    return flat, f"worker RSS {first:.0f} MB in the first third, {last:.0f} MB in the last"


def _import_rows(ctx: BenchContext, retailer: Retailer) -> list[Row]:
    from customers.services.properties import property_create
    from loyalty.models import CardType, Symbology

    with schema_context(retailer.schema):
        property_create(code=PROPERTY_CODE, label_en="Favourite", type="text")
        # The cards of the loyalty file (numbers 77…): a type of this retailer must own the range.
        CardType.objects.create(
            name="Imported cards", kind=CardType.Kind.BONUS, symbology=Symbology.CODE128, prefix="77"
        )
    connection.close()
    # The 100,000 rows themselves (a 5,000-row file, projected, also counts the upload's and the
    # queue's fixed seconds 20 times over); the 1,000,000-row import is projected from 100,000 rows.
    rows_100k = 300 if ctx.smoke else 100_000
    cap = 300 if ctx.smoke else 400
    path = ctx.artifacts / "import-customers.xlsx"
    _customers_xlsx(path, rows_100k, loyalty=False, seed=1)
    run = _import(ctx, retailer, path, rows_100k, cap)
    rows = [_projection_row(*T_100K, run, 100_000, 60)]
    rows.append(
        Row(
            "peak memory, customer import (worker)",
            "",
            Stat.of("MB", [run.worker_mb]),
            note=f"web {run.web_mb:.0f} MB; {rows_100k:,} rows",
        )
    )

    rows_1m = 300 if ctx.smoke else 100_000
    path = ctx.artifacts / "import-customers-loyalty.xlsx"
    _customers_xlsx(path, rows_1m, loyalty=True, seed=2)
    run = _import(ctx, retailer, path, rows_1m, cap)
    row = _projection_row(*T_1M, run, 1_000_000, 600)
    flat, memory = _memory_flat(run.rss)
    row.note += f"; with card and opening balance columns; memory {'flat' if flat else 'grows'}: {memory}"
    if not flat:
        row.met = False
    rows.append(row)
    return rows


# --- 4. the sales history -------------------------------------------------------------------------

HISTORY_STORE = "BENCH1"
HISTORY_PRODUCTS = 500
HISTORY_LINES = 1_000_000


def _history_csv(path: Path, lines: int, customers: int, seed: int) -> tuple[int, int]:
    """Receipts of 1–5 lines over the last two years at one store, four in five to a customer of the
    first customer import (matched by e-mail); returns (documents, lines) written."""
    rng = random.Random(seed)
    today = date.today()
    written = documents = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("document,date,store,product,quantity,unit_price,email\n")
        while written < lines:
            documents += 1
            day = today - timedelta(days=1 + rng.randrange(730))
            when = f"{day.isoformat()} {9 + rng.randrange(11):02d}:{rng.randrange(60):02d}"
            email = f"customer1-{rng.randrange(customers)}@example.com" if rng.random() < 0.8 else ""
            for _line in range(min(1 + rng.randrange(5), lines - written)):
                product = min(int(HISTORY_PRODUCTS * rng.random() ** 2.5), HISTORY_PRODUCTS - 1)
                price = Decimal(100 + product * 7) / 100
                quantity = 1 + rng.randrange(3)
                handle.write(f"H{documents:07d},{when},{HISTORY_STORE},HP{product:04d},{quantity},{price},{email}\n")
                written += 1
    return documents, written


def _history_figures_wrong(schema: str) -> int:
    """Customers whose purchase figures disagree with their documents after the import."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM customers_customer c LEFT JOIN (SELECT customer_id, count(*) AS n, sum(total) AS t "
            "FROM sales_salesdocument WHERE kind IN ('receipt', 'invoice') GROUP BY customer_id) d "
            "ON d.customer_id = c.id WHERE c.purchase_count <> coalesce(d.n, 0) OR c.purchase_total <> coalesce(d.t, 0)"
        )
        wrong = cursor.fetchone()[0]
    connection.close()
    return wrong


def _history_row(ctx: BenchContext, retailer: Retailer, customers: int) -> Row:
    from sales.models import Product
    from sales.services.stores import store_create
    from tenants.models import Tenant

    with schema_context(retailer.schema):
        store_create(tenant=Tenant.objects.get(schema_name=retailer.schema), name="History", code=HISTORY_STORE)
        Product.objects.bulk_create(
            [
                Product(sku=f"HP{index:04d}", name=f"Product {index}", list_price=Decimal(100 + index * 7) / 100)
                for index in range(HISTORY_PRODUCTS)
            ]
        )
    connection.close()
    # One file of a million lines (a file has no limit; the L history's 12 million would take the
    # benchmark's half hour by itself), projected to 12 million.
    lines = 300 if ctx.smoke else HISTORY_LINES
    path = ctx.artifacts / "import-history.csv"
    documents, lines = _history_csv(path, lines, customers, seed=3)
    client = _log_in(ctx, retailer)
    base = "/settings/sales/import/history/"
    deadline = time.monotonic() + 30 * 60
    with PeakMemory([ctx.stack.web, ctx.stack.worker]) as memory:
        started = time.monotonic()
        page, _timing = client.get(base)
        with path.open("rb") as handle:
            response = client.session.post(
                client.url(base),
                data={"csrfmiddlewaretoken": CSRF_INPUT.search(page.text).group(1)},
                files={"file": (path.name, handle, "text/csv")},
                headers={"Referer": client.url(base)},
                allow_redirects=False,
            )
        match = re.search(r"/import/history/([0-9]+)/$", response.headers.get("Location", ""))
        if response.status_code != 302 or match is None:
            raise RuntimeError(f"the history upload gave HTTP {response.status_code}")
        import_id = int(match.group(1))
        status = _history_wait(client, retailer, import_id, {"checked"}, deadline)
        if status != "checked":
            raise RuntimeError(f"the history check ended {status}")
        check, _timing = client.get(f"{base}{import_id}/")
        response = client.session.post(
            client.url(f"{base}{import_id}/import/"),
            data={"csrfmiddlewaretoken": CSRF_INPUT.search(check.text).group(1)},
            headers={"Referer": client.url(f"{base}{import_id}/")},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"the history import gave HTTP {response.status_code}")
        status = _history_wait(client, retailer, import_id, {"imported"}, deadline)
        seconds = time.monotonic() - started
    if status != "imported":
        raise RuntimeError(f"the history import ended {status}")
    with schema_context(retailer.schema):
        from sales.models import SalesDocument

        imported = SalesDocument.objects.count()
    connection.close()
    wrong = _history_figures_wrong(retailer.schema)
    rate = lines / seconds
    total_lines = 12_000_000
    row = Row(
        *T_HISTORY,
        Stat.of("s", [total_lines / rate]),
        limit=Limit(30 * 60, Better.LOWER, "median"),
        note=(
            f"projected from one file of {lines:,} lines in {documents:,} receipts, upload over "
            f"HTTP, check and import by the worker, page polled, in {seconds:.1f} s = {rate:,.0f} lines/s; "
            f"{imported:,} sales written; {wrong} customers' figures wrong after; peak web "
            f"{memory.peak_of('gunicorn'):.0f} MB, worker {memory.peak_of('celery'):.0f} MB"
        ),
    )
    if imported != documents or wrong:
        row.met = False
    return row


def measure(ctx: BenchContext) -> Section:
    section = Section(NAME)
    section.targets.append(_tenant_row(ctx))
    schema = "bench_imports"
    _retailer_drop(schema)
    try:
        retailer = _retailer_create(schema)
        section.targets += _import_rows(ctx, retailer)
        section.targets.append(_history_row(ctx, retailer, customers=300 if ctx.smoke else 5_000))
    finally:
        _retailer_drop(schema)
    try:
        row, detail = schemas_row(ctx)
    except Exception as error:  # the import rows above stay measured
        row, detail = Row(*T_SCHEMAS, None, note=f"failed: {error!r}"), ""
    section.targets.append(row)
    if detail:
        section.details.append(detail)
    section.details.append(
        "Imports run in a fresh retailer (dropped after) over HTTP as a user does: upload, mapping (which "
        "starts the dry run), start, progress polling; the worker does the work. The 100,000-row import "
        "runs at its size; the 1,000,000-row import and the history are measured on bounded files and projected."
    )
    return section
