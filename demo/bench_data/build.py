"""The build, phase by phase, in the retailer's schema and one transaction per phase."""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from demo.bench_data import BenchSize
from demo.bench_data.catalogue import catalogue_create, products_create
from demo.bench_data.history import documents_stage, history_write, lines_stage
from demo.bench_data.inserts import (
    execute,
    foreign_keys_drop,
    foreign_keys_make,
    scalar,
    secondary_indexes_drop,
    secondary_indexes_make,
)
from demo.bench_data.people import cards_create, customers_create
from demo.bench_data.points import ledger_write
from staff.roles import Role
from staff.services import staff_create
from tariffs.models import TariffPlan
from tenants.models import Tenant
from tenants.services import platform_setup, tenant_create, tenant_default_domain

PLAN = "Benchmark"
LOGINS = (
    (Role.ADMIN, "bench-admin", "bench-password-2026"),
    (Role.MARKETER, "bench-marketer", "bench-password-2026"),
    (Role.CASHIER, "bench-cashier", "bench-password-2026"),
)
UNLIMITED = 10**9
# The big tables: their secondary indexes are built and their foreign keys validated once after the load.
LOADED_TABLES = [
    "customers_customer",
    "loyalty_card",
    "sales_salesdocument",
    "sales_salesline",
    "sales_return",
    "sales_returnline",
    "loyalty_pointsentry",
]


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float


def benchmark_plan() -> TariffPlan:
    plan, _created = TariffPlan.objects.get_or_create(
        name=PLAN,
        defaults={
            "price": 0,
            "max_active_customers": UNLIMITED,
            "max_staff_users": 100,
            "max_stores": 1000,
            "max_terminals": 1000,
            "max_report_months": 36,
            "is_available": False,
        },
    )
    return plan


def tenant_make(size: BenchSize) -> Tenant:
    platform_setup(public_domain=settings.BASE_DOMAIN)
    admin = LOGINS[0]
    tenant = tenant_create(
        name=f"Benchmark {size.name}",
        schema_name=size.schema,
        plan=benchmark_plan(),
        admin_username=admin[1],
        admin_email=f"{admin[1]}@{tenant_default_domain(size.schema)}",
        admin_password=admin[2],
        source="bench_data",
        validate_admin_password=False,
    )
    with tenant_context(tenant):
        for role, username, password in LOGINS[1:]:
            staff_create(
                tenant=tenant,
                username=username,
                email=f"{username}@{tenant_default_domain(size.schema)}",
                first_name=str(Role(role).label),
                last_name="Benchmark",
                role=role,
                password=password,
            )
    return tenant


def bench_build(
    size: BenchSize, seed: int, say: Callable[[str], None], anchor: datetime.datetime | None = None
) -> list[Phase]:
    """Make the retailer and its data, dated back from `anchor` (the current hour by default: the same
    seed and anchor give the same data); returns the phases with their times."""
    phases: list[Phase] = []

    def phase(name: str, work: Callable[[], None]) -> None:
        started = time.monotonic()
        with transaction.atomic():
            execute("SET LOCAL max_parallel_workers_per_gather = 0")
            execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
            work()
        phases.append(Phase(name, time.monotonic() - started))
        say(f"{name}: {phases[-1].seconds:.1f} s")

    started = time.monotonic()
    tenant = tenant_make(size)
    phases.append(Phase("retailer", time.monotonic() - started))
    say(f"retailer: {phases[-1].seconds:.1f} s")
    anchor = (anchor or timezone.now()).replace(minute=0, second=0, microsecond=0).isoformat()
    try:
        _data_build(tenant, size, anchor, phase, phases)
    except BaseException:
        # No half-built retailer is left behind: the next run builds it again.
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)
        raise
    return phases


def _data_build(tenant: Tenant, size: BenchSize, anchor: str, phase, phases: list[Phase]) -> None:
    with tenant_context(tenant):
        state = {}
        phase(
            "stores, groups, properties, price lists, programme", lambda: state.update(catalogue=catalogue_create(size))
        )
        catalogue = state["catalogue"]
        phase("products", lambda: products_create(size))
        phase(
            "indexes and foreign keys dropped for the load",
            lambda: state.update(
                indexes=secondary_indexes_drop(LOADED_TABLES), foreign_keys=foreign_keys_drop(LOADED_TABLES)
            ),
        )
        phase("customers", lambda: customers_create(size, catalogue, anchor))
        phase("cards", lambda: cards_create(size, catalogue, anchor))
        phase(
            "receipts, lines, returns, purchase figures",
            lambda: (documents_stage(size, catalogue, anchor), lines_stage(size, catalogue), history_write(anchor)),
        )
        phase("points ledger", ledger_write)
        phase("indexes built", lambda: secondary_indexes_make(state["indexes"]))
        phase("foreign keys validated", lambda: foreign_keys_make(state["foreign_keys"]))
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        phases.append(Phase("ANALYZE", time.monotonic() - started))


def schema_size(schema: str) -> int:
    """Bytes on disk of the schema's tables with their indexes and TOAST."""
    return scalar(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
        [schema],
    )
