"""The benchmark's data set S: every invariant holds on it, it has the size BENCHMARKS.md gives,
and the same seed builds the same data."""

import datetime

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from demo.bench_data import SIZES
from demo.bench_data.checks import invariants_check
from tenants.models import Tenant

ANCHOR = datetime.datetime(2026, 11, 30, 18, tzinfo=datetime.UTC)
CHECKSUM = """
SELECT md5(string_agg(part, '|' ORDER BY name)) FROM (
    SELECT 'customers' AS name, md5(string_agg(concat_ws(',', first_name, last_name, email, status, group_id IS NULL,
        properties::text, purchase_count, purchase_total), ';' ORDER BY id)) AS part FROM customers_customer
    UNION ALL
    SELECT 'lines', md5(string_agg(concat_ws(',', product_id - (SELECT min(id) FROM sales_product), quantity,
        unit_price, discount_source, returned_quantity), ';' ORDER BY id)) FROM sales_salesline
    UNION ALL
    SELECT 'points', md5(string_agg(concat_ws(',', kind, points, balance_after), ';' ORDER BY id))
    FROM loyalty_pointsentry
) parts
"""


def _build_and_read(seed: int) -> tuple[list, dict, str]:
    # One anchor for both builds: a build that starts in the next hour dates its history from there.
    call_command("bench_data", size="S", seed=seed, rebuild=True, anchor=ANCHOR)
    tenant = Tenant.objects.get(schema_name="bench_s")
    with tenant_context(tenant), connection.cursor() as cursor:
        violations = [(violation.invariant, violation.count) for violation in invariants_check(SIZES["S"])]
        counts = {}
        for table in ("customers_customer", "sales_salesdocument", "loyalty_card", "sales_return"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute(CHECKSUM)
        checksum = cursor.fetchone()[0]
        # The foreign keys dropped for the load are back, validated.
        cursor.execute(
            "SELECT t.relname || '.' || a.attname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.contype = 'f' AND c.convalidated AND c.connamespace = 'bench_s'::regnamespace "
            "AND t.relname IN ('sales_salesline', 'loyalty_pointsentry')"
        )
        counts["foreign keys"] = {row[0] for row in cursor.fetchall()}
    return violations, counts, checksum


def test_the_s_data_set_keeps_every_invariant_and_the_same_seed_builds_the_same(committed_db):
    try:
        violations, counts, checksum = _build_and_read(seed=11)
        assert [(name, count) for name, count in violations if count] == []
        assert counts["customers_customer"] == 10_000
        assert counts["sales_salesdocument"] == 40_000
        assert counts["loyalty_card"] == 12_000
        # About 3 % of 120,000 lines are returned, at most one return per receipt.
        assert 2_500 < counts["sales_return"] < 3_700
        assert {
            "sales_salesline.document_id",
            "sales_salesline.product_id",
            "loyalty_pointsentry.customer_id",
            "loyalty_pointsentry.sale_id",
        } <= counts["foreign keys"]
        _violations, _counts, again = _build_and_read(seed=11)
        assert again == checksum
    finally:
        connection.set_schema_to_public()
        Tenant.objects.filter(schema_name="bench_s").first().delete(force_drop=True)
