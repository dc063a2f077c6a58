"""Every invariant the database and the services keep, counted in SQL over the whole data set:
each count must be 0."""

from dataclasses import dataclass

from demo.bench_data import BenchSize
from demo.bench_data.inserts import scalar

INVARIANTS = {
    "accounts whose balance is not the sum of their entries": """
        SELECT count(*) FROM loyalty_pointsaccount a
        FULL JOIN (SELECT customer_id, sum(points) AS total FROM loyalty_pointsentry GROUP BY customer_id) e
            ON e.customer_id = a.customer_id
        WHERE a.balance IS DISTINCT FROM e.total""",
    "entries whose balance_after is not the running sum": """
        SELECT count(*) FROM (SELECT balance_after,
            sum(points) OVER (PARTITION BY customer_id ORDER BY id) AS running FROM loyalty_pointsentry) e
        WHERE balance_after <> running""",
    "negative balances": "SELECT count(*) FROM loyalty_pointsaccount WHERE balance < 0",
    "purchases without one earn entry (customer, whole points)": """
        SELECT count(*) FROM sales_salesdocument d
        WHERE d.customer_id IS NOT NULL AND floor(d.total) > 0
          AND (SELECT count(*) FROM loyalty_pointsentry e WHERE e.sale_id = d.id AND e.kind = 'earn') <> 1""",
    "customers whose purchase figures are not the sums of their documents": """
        SELECT count(*) FROM customers_customer c
        LEFT JOIN (SELECT customer_id, count(*) AS n, sum(total) AS total, min(occurred_at) AS first_at,
                          max(occurred_at) AS last_at FROM sales_salesdocument
                   WHERE customer_id IS NOT NULL AND kind IN ('receipt', 'invoice') GROUP BY customer_id) p
            ON p.customer_id = c.id
        LEFT JOIN (SELECT customer_id, count(*) AS n, sum(amount) AS amount FROM sales_return
                   WHERE customer_id IS NOT NULL GROUP BY customer_id) r ON r.customer_id = c.id
        WHERE c.purchase_count <> coalesce(p.n, 0)
           OR c.purchase_total <> coalesce(p.total, 0) - coalesce(r.amount, 0)
           OR c.return_count <> coalesce(r.n, 0)
           OR c.first_purchase_at IS DISTINCT FROM p.first_at OR c.last_purchase_at IS DISTINCT FROM p.last_at""",
    "documents whose total is not the sum of their lines": """
        SELECT count(*) FROM sales_salesdocument d
        JOIN (SELECT document_id, sum(line_total) AS total, sum(discount) AS discount FROM sales_salesline
              GROUP BY document_id) l ON l.document_id = d.id
        WHERE d.total <> l.total OR d.discount_total <> l.discount""",
    "documents whose returned total is not the sum of their returns": """
        SELECT count(*) FROM sales_salesdocument d
        LEFT JOIN (SELECT sale_id, sum(amount) AS amount FROM sales_return GROUP BY sale_id) r ON r.sale_id = d.id
        WHERE d.returned_total <> coalesce(r.amount, 0)""",
    "lines whose returned quantity is not the sum of their return lines": """
        SELECT count(*) FROM sales_salesline l
        LEFT JOIN (SELECT sale_line_id, sum(quantity) AS quantity FROM sales_returnline GROUP BY sale_line_id) r
            ON r.sale_line_id = l.id
        WHERE l.returned_quantity <> coalesce(r.quantity, 0)""",
    "returns whose amount is not the sum of their lines": """
        SELECT count(*) FROM sales_return r
        JOIN (SELECT return_document_id, sum(amount) AS amount FROM sales_returnline GROUP BY return_document_id) l
            ON l.return_document_id = r.id
        WHERE r.amount <> l.amount""",
    "active cards without a customer or with an archived one": """
        SELECT count(*) FROM loyalty_card k LEFT JOIN customers_customer c ON c.id = k.customer_id
        WHERE k.status = 'active' AND (c.id IS NULL OR c.status = 'archived')""",
    "card numbers with a wrong EAN-13 check digit": """
        SELECT count(*) FROM loyalty_card k
        WHERE length(k.number) = 13 AND right(k.number, 1)::int <> (10 - (
            SELECT sum(substr(k.number, i, 1)::int * CASE WHEN i % 2 = 0 THEN 3 ELSE 1 END)
            FROM generate_series(1, 12) i) % 10) % 10""",
}


@dataclass(frozen=True)
class Violation:
    invariant: str
    count: int


def invariants_check(size: BenchSize) -> list[Violation]:
    """Each invariant with the number of rows that break it, and the shape of the size: how far
    each count is from BENCHMARKS.md's (lines within 2 % below, as their number per receipt is
    drawn)."""
    violations = [Violation(name, scalar(sql)) for name, sql in INVARIANTS.items()]
    expected = {
        "customers_customer": size.customers,
        "sales_product": size.products,
        "sales_productgroup": size.product_groups,
        "sales_store": size.stores,
        "sales_salesdocument": size.receipts,
        "loyalty_card": size.cards,
    }
    # The benchmark's own runs add sales (the till's load, the history import) to a kept data set:
    # documents and lines may be more than built, never fewer.
    added_by_runs = {"sales_salesdocument"}
    for table, count in expected.items():
        found = scalar(f"SELECT count(*) FROM {table}")
        if table in added_by_runs:
            violations.append(Violation(f"{table}: rows short of {count:,}", max(0, count - found)))
        else:
            violations.append(Violation(f"{table}: rows short of or beyond {count:,}", abs(found - count)))
    lines = scalar("SELECT count(*) FROM sales_salesline")
    short = size.lines - lines
    violations.append(
        Violation(
            f"sales_salesline: {lines:,} rows, more than 2 % short of {size.lines:,}",
            short if short > size.lines * 0.02 else 0,
        )
    )
    return violations
