"""Many retailers: 1,000 retailer schemas on this machine (5 in the smoke run), cloned from the
template a new retailer is made from, then

- `migrate_schemas` bringing one migration that changes nothing (the `benchmarks.noop` app), once
  with django-tenants' standard executor and once with its multiprocessing executor;
- each periodic job of the beat schedule fanned out to every schema (`tenants_fan_out`) and run
  by the Celery worker, from sending the fan-out to the last retailer's job done.

The schemas and their tenant rows are dropped at the end; the benchmark's own retailers are kept
out of the fan-outs (set inactive for the while), so their data stays as bench_data made it."""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from benchmarks.context import BenchContext
from benchmarks.results import Row, Stat

T_SCHEMAS = (
    "1,000 retailer schemas: `migrate_schemas` of a no-op migration, all of them",
    "report time per schema and the projection for 10,000",
)
PREFIX = "bench_many_"
CLONE_THREADS = 2
NOOP_SETTINGS = "benchmarks.noop.settings"
NOOP_APP = "bench_noop"


@dataclass(frozen=True)
class Migrated:
    executor: str
    seconds: float
    schemas: int

    @property
    def per_schema(self) -> float:
        return self.seconds / self.schemas

    def describe(self) -> str:
        return (
            f"{self.executor}: {self.seconds:.1f} s, {self.per_schema * 1000:.0f} ms per schema, "
            f"{self.per_schema * 10_000 / 60:.1f} min projected for 10,000"
        )


@dataclass(frozen=True)
class FannedOut:
    task: str
    sent: int
    seconds: float

    @property
    def per_schema_ms(self) -> float:
        return self.seconds * 1000 / self.sent if self.sent else 0.0


def _clone(names: list[str], template: str, seconds: dict[str, float]) -> None:
    """Clone the template into each name, each on a new connection: one session's clones get
    slower with every clone it made (0.85 s for its first, 2 s for its 30th here), a new
    retailer's clone runs in a session of its own."""
    from django_tenants.clone import CloneSchema

    cloner = CloneSchema()
    try:
        for name in names:
            started = time.monotonic()
            cloner.clone_schema(template, name, set_connection=False)
            seconds[name] = time.monotonic() - started
            connection.close()
    finally:
        connection.close()


def _schemas_make(count: int) -> tuple[list[str], float, dict[str, float]]:
    from tariffs.models import TariffPlan
    from tenants.models import Tenant
    from tenants.template import template_schema_name, template_schema_ready

    template_schema_ready()
    connection.close()
    names = [f"{PREFIX}{index:05d}" for index in range(count)]
    seconds: dict[str, float] = {}
    started = time.monotonic()
    threads = [
        threading.Thread(target=_clone, args=(names[offset::CLONE_THREADS], template_schema_name(), seconds))
        for offset in range(CLONE_THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    missing = [name for name in names if name not in seconds]
    if missing:
        raise RuntimeError(f"{len(missing)} schemas were not cloned (the first: {missing[0]})")
    connection.set_schema_to_public()
    plan = TariffPlan.objects.order_by("pk").first()
    Tenant.objects.bulk_create(
        [Tenant(name=f"Retailer {name}", schema_name=name, plan=plan) for name in names], batch_size=500
    )
    return names, time.monotonic() - started, seconds


def _schemas_drop(names: list[str]) -> None:
    from tenants.models import Tenant

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        # Every schema (and public) recorded the no-op app's migration: forget it.
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname IN (SELECT schema_name FROM tenants_tenant)")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', [NOOP_APP])
    Tenant.objects.filter(schema_name__in=names).delete()
    connection.close()


def _migrate(ctx: BenchContext, executor: str) -> float:
    """Seconds of `migrate_schemas` with the no-op migration pending in every schema."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM tenants_tenant")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', [NOOP_APP])
    connection.close()
    started = time.monotonic()
    result = subprocess.run(
        [
            str(ctx.root / ".venv" / "bin" / "python"),
            "manage.py",
            "migrate_schemas",
            "--noinput",
            f"--executor={executor}",
        ],
        cwd=ctx.root,
        env={**ctx.stack.env, "DJANGO_SETTINGS_MODULE": NOOP_SETTINGS},
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"migrate_schemas --executor={executor} failed: {result.stderr[-500:]}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tenants_tenant t WHERE t.schema_name LIKE %s",
            [PREFIX + "%"],
        )
        clones = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{PREFIX}00000".django_migrations WHERE app = %s', [NOOP_APP])
        applied = cursor.fetchone()[0]
    connection.close()
    if clones and applied != 1:
        raise RuntimeError(f"migrate_schemas --executor={executor} did not apply the no-op migration")
    return seconds


def _queue_busy(client) -> bool:
    """Whether the worker has a job waiting or running (acks_late: a running one stays unacked)."""
    return bool(client.llen("celery") or client.hlen("unacked"))


def _fan_out(task: str, deadline: float) -> FannedOut:
    import redis

    from tenants.tasks import tenants_fan_out

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    while _queue_busy(client) and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.monotonic()
    sent = tenants_fan_out.delay(task).get(timeout=max(deadline - time.monotonic(), 1))
    while _queue_busy(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the fan-out of {task} did not finish in time")
        time.sleep(0.1)
    return FannedOut(task, sent, time.monotonic() - started)


def _fan_outs(names: list[str], seconds: float) -> list[FannedOut]:
    from tenants.models import Tenant

    tasks = sorted(
        {
            entry["args"][0]
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] == "tenants.tasks.tenants_fan_out"
        }
    )
    connection.set_schema_to_public()
    kept_out = list(
        Tenant.objects.filter(is_active=True).exclude(schema_name__in=[*names, "public"]).values_list("pk", flat=True)
    )
    Tenant.objects.filter(pk__in=kept_out).update(is_active=False, suspended_at=timezone.now())
    try:
        deadline = time.monotonic() + seconds
        return [_fan_out(task, deadline) for task in tasks]
    finally:
        Tenant.objects.filter(pk__in=kept_out).update(is_active=True, suspended_at=None)
        connection.close()


def schemas_row(ctx: BenchContext) -> tuple[Row, str]:
    """The row of BENCHMARKS.md and the detail with both executors and the fan-outs."""
    from tenants.models import Tenant

    count = 5 if ctx.smoke else 1000
    names: list[str] = []
    try:
        names, cloned, clone_seconds = _schemas_make(count)
        connection.set_schema_to_public()
        schemas = Tenant.objects.count()
        connection.close()
        migrated = [Migrated(name, _migrate(ctx, name), schemas) for name in ("standard", "multiprocessing")]
        fanned = _fan_outs(names, 120 if ctx.smoke else 1800)
    finally:
        _schemas_drop(names)
    standard, parallel = migrated
    tenth = max(len(names) // 10, 1)
    first = statistics.median(clone_seconds[name] for name in names[:tenth])
    last = statistics.median(clone_seconds[name] for name in names[-tenth:])
    best = min(migrated, key=lambda run: run.seconds)
    row = Row(
        *T_SCHEMAS,
        Stat.of("s", [best.per_schema]),
        note=(
            f"{schemas:,} schemas ({count:,} cloned from the template in {cloned:.1f} s, {CLONE_THREADS} at a "
            f"time; a clone took {first:.2f} s among the first tenth, {last:.2f} s among the last: what a new "
            f"retailer's schema costs as the platform grows); {standard.describe()}; {parallel.describe()} "
            f"({getattr(settings, 'TENANT_MULTIPROCESSING_MAX_PROCESSES', 2)} processes); the figure is the "
            f"faster one. Fan-outs of the periodic jobs in the detail."
        ),
    )
    lines = [
        f"**Periodic jobs over {count:,} retailer schemas** (beat's `tenants_fan_out` sends one job per "
        "active retailer; the benchmark's Celery worker runs them; timed from sending the fan-out to the last "
        "job done):",
        "",
        "| job | retailers | seconds | ms per retailer | projected for 10,000 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for run in fanned:
        lines.append(
            f"| `{run.task}` | {run.sent:,} | {run.seconds:.1f} | {run.per_schema_ms:.1f} | "
            f"{run.per_schema_ms * 10_000 / 60_000:.1f} min |"
        )
    return row, "\n".join(lines)
