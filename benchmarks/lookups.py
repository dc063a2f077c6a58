"""The equality look-ups of the imports and the till, EXPLAINed on the benchmark's retailer: each
made as the code makes it (the same managers and conditions, bitmap scans off where the code
turns them off), for 500 values drawn from the data, with the plan's top node, the indexes it
reads and its time. An import must cost the same whatever the size of the base: every one of
these reads an index made for equality, never the whole table."""

from __future__ import annotations

import json
import random

from django.db import connection, transaction
from django.db.models.functions import Upper
from django_tenants.utils import schema_context

from benchmarks.context import BenchContext

VALUES = 500


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _explained(queryset, *, bitmap_off: bool) -> tuple[str, list[str], float, int]:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if bitmap_off:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    nodes = list(_nodes(plan["Plan"]))
    indexes = sorted({node["Index Name"] for node in nodes if "Index Name" in node})
    scans = [node["Node Type"] for node in nodes if node["Node Type"].endswith("Scan")]
    ms = plan.get("Planning Time", 0.0) + plan.get("Execution Time", 0.0)
    return ", ".join(dict.fromkeys(scans)), indexes, ms, plan["Plan"].get("Actual Rows", 0)


def lookups_detail(ctx: BenchContext) -> str:
    from customers.models import Customer
    from loyalty.models import Card
    from sales.models import Product, SalesDocument

    rng = random.Random(7)
    with schema_context(ctx.schema):
        total = Customer.objects.count()
        ids = rng.sample(range(1, total + 1), min(VALUES, total))
        sample = list(Customer.objects.filter(pk__in=ids).values_list("pk", "email", "phone", "number"))
        emails = [email.upper() for _pk, email, _phone, _number in sample if email]
        phones = [phone for _pk, _email, phone, _number in sample if phone]
        numbers = [number or f"K-{pk}" for pk, _email, _phone, number in sample]
        codes = list(Product.objects.order_by("?").values_list("sku", flat=True)[:VALUES])
        documents = list(SalesDocument.objects.filter(pk__in=ids).values_list("number", flat=True))
        cards = list(Card.objects.filter(customer_id__in=ids).values_list("number", flat=True))
        # (what, the values asked, the queryset as the code makes it, bitmap scans off as there)
        lookups = [
            ("customer import, history import: customer number", numbers, Customer.objects.by_numbers(numbers), True),
            (
                "customer import, history import: e-mail (case ignored)",
                emails,
                Customer.objects.annotate(email_upper=Upper("email")).filter(email_upper__in=emails),
                True,
            ),
            ("customer import, history import: phone", phones, Customer.objects.filter(phone__in=phones), True),
            (
                "customer import: registry code of a business",
                numbers,
                Customer.objects.filter(kind=Customer.Kind.BUSINESS, registry_code__in=numbers),
                True,
            ),
            ("history import: customer code (id)", ids, Customer.objects.filter(pk__in=ids), True),
            ("history import: product by SKU or EAN", codes, Product.objects.by_codes(codes), False),
            (
                "history import: documents the stores have already",
                documents,
                SalesDocument.objects.filter(number__in=documents).values_list("store_id", "number"),
                False,
            ),
            ("customer import, till: card number", cards, Card.objects.filter(number__in=cards), False),
        ]
        lines = [
            f"**Equality look-ups** on {total:,} customers, 500 values each (EXPLAIN ANALYZE, made as the code "
            "makes them):",
            "",
            "| look-up | values | rows | scans | indexes | ms |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name, values, queryset, bitmap_off in lookups:
            scans, indexes, ms, rows = _explained(queryset, bitmap_off=bitmap_off)
            lines.append(f"| {name} | {len(values)} | {rows} | {scans} | {', '.join(indexes) or '—'} | {ms:.2f} |")
    connection.close()
    return "\n".join(lines)
