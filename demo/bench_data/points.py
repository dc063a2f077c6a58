"""The points ledger the sales make: an earn per purchase of a customer (whole points of the
total, rounded down, as the programme's 1 point per unit says), a reverse per return (the
return's share of those points, rounded half up, as loyalty.rules.points_share), an opening
balance for one customer in twenty. The insert trigger that keeps the running balance is off
while the rows go in; the running balances and the accounts are computed in the same SQL, and
checks.py proves them afterwards."""

from demo.bench_data.inserts import execute


def ledger_write() -> None:
    execute(
        """
        CREATE TEMP TABLE bench_points ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY occurred_at, sort, ref) AS seq, * FROM (
            SELECT c.id AS customer_id, 'opening' AS kind, 500::bigint AS points, 'import' AS source,
                   NULL::bigint AS store_id, NULL::bigint AS sale_id, NULL::bigint AS return_id,
                   coalesce(c.first_purchase_at, c.created_at) - interval '1 hour' AS occurred_at, 0 AS sort,
                   c.id AS ref
            FROM customers_customer c WHERE mod(c.id, 20) = 0
            UNION ALL
            SELECT d.customer_id, 'earn', floor(d.total)::bigint, 'till', d.store_id, d.id, NULL, d.occurred_at, 1, d.id
            FROM sales_salesdocument d WHERE d.customer_id IS NOT NULL AND floor(d.total) > 0
            UNION ALL
            SELECT r.customer_id, 'reverse', -round(floor(d.total) * r.amount / d.total)::bigint, 'till', r.store_id,
                   NULL, r.id, r.occurred_at, 2, r.id
            FROM sales_return r JOIN sales_salesdocument d ON d.id = r.sale_id
            WHERE r.customer_id IS NOT NULL AND floor(d.total) > 0 AND round(floor(d.total) * r.amount / d.total) > 0
        ) movements
        """
    )
    execute("ALTER TABLE loyalty_pointsentry DISABLE TRIGGER loyalty_points_entry_insert")
    try:
        execute(
            """
            INSERT INTO loyalty_pointsentry (customer_id, kind, points, balance_after, shortfall, reason, source,
                store_id, sale_id, return_document_id, occurred_at, created_at)
            SELECT customer_id, kind, points,
                   sum(points) OVER (PARTITION BY customer_id ORDER BY seq), 0,
                   CASE kind WHEN 'opening' THEN 'Opening balance' ELSE '' END, source, store_id, sale_id, return_id,
                   occurred_at, occurred_at
            FROM bench_points ORDER BY seq
            """
        )
        # Django's foreign keys are deferred: check them now, so that the table can be altered.
        execute("SET CONSTRAINTS ALL IMMEDIATE")
    finally:
        execute("ALTER TABLE loyalty_pointsentry ENABLE TRIGGER loyalty_points_entry_insert")
    execute(
        "INSERT INTO loyalty_pointsaccount (customer_id, balance) "
        "SELECT customer_id, sum(points) FROM loyalty_pointsentry GROUP BY customer_id"
    )
