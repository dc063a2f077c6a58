"""Many retailers: 1,000 retailer schemas on this machine (5 in the smoke run), made from the
template a new retailer is cloned from, then

- `migrate_schemas` bringing one migration that changes nothing (the `benchmarks.noop` app), with
  django-tenants' multiprocessing executor;
- each periodic job of the beat schedule fanned out to every schema (`tenants_fan_out`) and run
  by the Celery worker, from sending the fan-out to the last retailer's job done.

The schemas and their tenant rows are dropped at the end; the benchmark's own retailers are kept
out of the fan-outs (set inactive for the while), so their data stays as bench_data made it."""

from __future__ import annotations

import subprocess
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
NOOP_SETTINGS = "benchmarks.noop.settings"
NOOP_APP = "bench_noop"
EXECUTOR = "multiprocessing"
KEPT_OUT = "benchmark: kept out of the periodic jobs of many retailers"
CATALOGS = (
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_depend",
    "pg_description",
    "pg_index",
    "pg_namespace",
    "pg_proc",
    "pg_sequence",
    "pg_shdepend",
    "pg_statistic",
    "pg_trigger",
    "pg_type",
)


@dataclass(frozen=True)
class FannedOut:
    task: str
    sent: int
    seconds: float

    @property
    def per_schema_ms(self) -> float:
        return self.seconds * 1000 / self.sent if self.sent else 0.0


def _clone_timed(name: str) -> float:
    """Clone the template into `name` as a new retailer's schema is made (django-tenants'
    `clone_schema`, in a session of its own); the seconds it took."""
    from django_tenants.clone import CloneSchema

    from tenants.template import template_schema_name

    connection.close()
    started = time.monotonic()
    CloneSchema().clone_schema(template_schema_name(), name, set_connection=False)
    seconds = time.monotonic() - started
    connection.close()
    return seconds


def _restore(ctx: BenchContext, names: list[str]) -> None:
    """Make each schema from one pg_dump of the template, its name put in, by one psql: a clone
    costs 0.5–1.5 s a schema here, a restore a third of a second (the same tables, functions,
    triggers and rows)."""
    from tenants.template import template_schema_name

    template = template_schema_name()
    env = {"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10"}
    server = ["-h", "127.0.0.1", "-p", str(ctx.postgres_port), "-U", "postgres"]
    dump = subprocess.run(
        ["pg_dump", *server, f"--schema={template}", "--no-owner", "--no-privileges", "regulars"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    script = ctx.artifacts / "many-retailers.sql"
    with script.open("w") as out:
        for name in names:
            # One transaction per schema: all of them in one would need a lock per table of each.
            out.write(f"BEGIN;\n{dump.replace(template, name)}\nCOMMIT;\n")
    result = subprocess.run(
        ["psql", *server, "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", str(script), "regulars"],
        capture_output=True,
        text=True,
        env=env,
    )
    script.unlink()
    if result.returncode != 0:
        raise RuntimeError(f"psql could not restore the schemas: {result.stderr[-500:]}")


def _schemas_make(ctx: BenchContext, names: list[str]) -> tuple[float, float, float]:
    """The schemas and their tenant rows: (seconds in all, the first clone's seconds, the last
    clone's). The first and the last are cloned as a new retailer is, the rest restored."""
    from tariffs.models import TariffPlan
    from tenants.models import Tenant
    from tenants.template import template_schema_ready

    template_schema_ready()
    started = time.monotonic()
    first = _clone_timed(names[0])
    if len(names) > 2:
        _restore(ctx, names[1:-1])
    last = _clone_timed(names[-1])
    connection.set_schema_to_public()
    plan = TariffPlan.objects.order_by("pk").first()
    Tenant.objects.bulk_create(
        [Tenant(name=f"Retailer {name}", schema_name=name, plan=plan) for name in names], batch_size=500
    )
    return time.monotonic() - started, first, last


def _noop_forget() -> None:
    """Every tenant's schema (public too) without the record of the no-op app's migration: pending
    again before a run, and gone after it."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname IN (SELECT schema_name FROM tenants_tenant)")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', [NOOP_APP])


def _schemas_drop(names: list[str]) -> None:
    from tenants.models import Tenant

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    _noop_forget()
    Tenant.objects.filter(schema_name__in=names).delete()
    with connection.cursor() as cursor:
        # A thousand dropped schemas leave the catalogs full of dead rows, which slow every later
        # clone (3.7 s instead of 0.5 s here) until autovacuum gets to them.
        cursor.execute("VACUUM ANALYZE " + ", ".join(f"pg_catalog.{table}" for table in CATALOGS))
    connection.close()


def _migrate(ctx: BenchContext, executor: str) -> float:
    """Seconds of `migrate_schemas` with the no-op migration pending in every schema."""
    _noop_forget()
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
    """Whether the worker has a job waiting or running (acks_late: a running one stays unacked).
    A job taken from the list is in neither for an instant before it is marked unacked, so idle
    is only believed when seen twice, 0.1 s apart."""
    for _ in range(2):
        if client.llen("celery") or client.hlen("unacked"):
            return True
        time.sleep(0.1)
    return False


def _fan_out(task: str, deadline: float) -> FannedOut:
    import redis

    from tenants.tasks import tenants_fan_out

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    while _queue_busy(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker was still busy before the fan-out of {task}")
        time.sleep(0.2)
    started = time.monotonic()
    sent = tenants_fan_out.delay(task).get(timeout=max(deadline - time.monotonic(), 1))
    while _queue_busy(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the fan-out of {task} did not finish in time")
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
    kept_out = Tenant.objects.filter(is_active=True).exclude(schema_name__in=[*names, "public"])
    kept_out.update(is_active=False, suspended_at=timezone.now(), suspension_reason=KEPT_OUT)
    try:
        deadline = time.monotonic() + seconds
        return [_fan_out(task, deadline) for task in tasks]
    finally:
        _kept_out_back()


def _kept_out_back() -> None:
    """The benchmark's own retailers active again (also after a run that was killed mid-way)."""
    from tenants.models import Tenant

    connection.set_schema_to_public()
    Tenant.objects.filter(suspension_reason=KEPT_OUT).update(is_active=True, suspended_at=None, suspension_reason="")
    connection.close()


def schemas_row(ctx: BenchContext) -> tuple[Row, str]:
    """The row of BENCHMARKS.md, and the fan-outs' detail."""
    from tenants.models import Tenant

    count = 5 if ctx.smoke else 1000
    names = [f"{PREFIX}{index:05d}" for index in range(count)]
    _kept_out_back()
    _schemas_drop(names)  # what a killed run left
    try:
        made, first, last = _schemas_make(ctx, names)
        connection.set_schema_to_public()
        schemas = Tenant.objects.count()
        connection.close()
        migrated = _migrate(ctx, EXECUTOR)
        fanned = _fan_outs(names, 120 if ctx.smoke else 1800)
    except BaseException:
        # Jobs still queued for the schemas would wait on their locks, then run in the next run.
        from crm.celery import app

        app.control.purge()
        raise
    finally:
        _schemas_drop(names)
    processes = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
    per_schema = migrated / schemas
    row = Row(
        *T_SCHEMAS,
        Stat.of("s", [per_schema]),
        note=(
            f"{schemas:,} schemas, {count:,} of them made for the run in {made:.0f} s. `migrate_schemas "
            f"--executor={EXECUTOR}` ({processes} processes) applying one no-op migration to all: "
            f"{migrated:.0f} s, {per_schema * 1000:.0f} ms per schema, "
            f"{per_schema * 10_000 / 60:.0f} min projected for 10,000. A new retailer's schema (cloned "
            f"from the template) took {first:.2f} s with none of them there and {last:.2f} s with all of them. "
            "Fan-outs of the periodic jobs in the detail."
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
