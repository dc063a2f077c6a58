"""Receipts, their lines, returns and the customers' purchase figures, set-based through two
staging tables (documents with their customer, time and line count; lines with prices)."""

from demo.bench_data import BenchSize
from demo.bench_data.catalogue import Catalogue
from demo.bench_data.inserts import execute, scalar
from sales.models import Return, SalesDocument

DAYS = 3 * 365


def documents_stage(size: BenchSize, catalogue: Catalogue, anchor: str) -> None:
    """Who buys when: one receipt in five anonymous; the buyer drawn by a power law (a few regulars
    buy very often, most rarely); one customer in seven lapsed (bought only in the first half of the
    three years); December busier, July and August quieter; 1–5 lines."""
    first = scalar("SELECT min(id) FROM customers_customer")
    execute(
        f"""
        CREATE TEMP TABLE bench_doc ON COMMIT DROP AS
        SELECT i AS n,
               CASE WHEN r1 < 0.2 THEN NULL ELSE {first} + floor(%s * power(r2, 2.2))::bigint END AS customer_id,
               (%s::bigint[])[1 + floor(r3 * %s)::int] AS store_id,
               r4 AS r_day, r5 AS r_season, r6 AS r_time,
               1 + floor(r7 * 5)::int AS line_count,
               CASE WHEN r8 < 0.05 THEN 'invoice' ELSE 'receipt' END AS kind
        FROM (SELECT i, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
                     random() r7, random() r8 FROM generate_series(1, %s) i) s
        """,
        [size.customers, catalogue.store_ids, len(catalogue.store_ids), size.receipts],
    )
    execute(
        f"""
        ALTER TABLE bench_doc ADD COLUMN occurred_at timestamptz;
        UPDATE bench_doc SET occurred_at = (
            SELECT CASE
                WHEN r_season < 0.12 THEN make_timestamptz(extract(year FROM d)::int, 12, 1 + floor(r_time * 23)::int,
                                                           9 + floor(r_day * 12)::int, 0, 0)
                WHEN extract(month FROM d) IN (7, 8) AND r_season < 0.4 THEN d + interval '45 days'
                ELSE d END
            FROM (SELECT timestamptz '{anchor}' - make_interval(
                    days => CASE WHEN mod(customer_id, 7) = 0 THEN {DAYS // 2} + floor(r_day * {DAYS // 2})::int
                                 ELSE 1 + floor(r_day * {DAYS})::int END,
                    hours => floor(r_time * 10)::int) AS d) x);
        UPDATE bench_doc SET occurred_at = timestamptz '{anchor}' - interval '1 day' * (1 + r_day * 30)
            WHERE occurred_at >= timestamptz '{anchor}';
        """
    )
    execute("ALTER TABLE bench_doc ADD COLUMN id bigint")
    execute(
        "UPDATE bench_doc b SET id = o.id FROM (SELECT n, row_number() OVER (ORDER BY occurred_at, n) AS id "
        "FROM bench_doc) o WHERE o.n = b.n"
    )


def lines_stage(size: BenchSize, catalogue: Catalogue) -> None:
    """Products by popularity (a power law); one line in five of two or three; the price list of
    the customer's group (5 % or 12 % off) or the discount card (10 %); 3 % of lines returned."""
    first = scalar("SELECT min(id) FROM customers_customer")
    product_first = scalar("SELECT min(id) FROM sales_product")
    execute(
        f"""
        CREATE TEMP TABLE bench_line ON COMMIT DROP AS
        SELECT l.id AS document_id, p.id AS product_id, l.quantity, p.list_price,
               round(p.list_price * (100 - l.percent) / 100, 2) AS unit_price, l.source, l.returned
        FROM (
            SELECT d.id, d.customer_id, {product_first} + floor(%s * power(random(), 2.5))::bigint AS product_id,
                   (CASE WHEN random() < 0.2 THEN 2 + floor(random() * 2) ELSE 1 END)::numeric(12, 3) AS quantity,
                   CASE WHEN mod(d.customer_id - {first}, 10) = 3 THEN 10
                        WHEN c.group_id = ANY(%s) THEN 5 WHEN c.group_id = ANY(%s) THEN 12 ELSE 0 END AS percent,
                   CASE WHEN mod(d.customer_id - {first}, 10) = 3 THEN 'card'
                        WHEN c.group_id = ANY(%s) OR c.group_id = ANY(%s) THEN 'price_list' ELSE '' END AS source,
                   random() < 0.03 AS returned
            FROM bench_doc d
            CROSS JOIN LATERAL generate_series(1, d.line_count) AS g(k)
            LEFT JOIN customers_customer c ON c.id = d.customer_id
            ORDER BY d.id, g.k
        ) l
        JOIN sales_product p ON p.id = l.product_id
        ORDER BY l.id
        """,
        [
            size.products,
            catalogue.private_group_ids,
            catalogue.business_group_ids,
            catalogue.private_group_ids,
            catalogue.business_group_ids,
        ],
    )


def history_write(anchor: str) -> None:
    """The documents, their lines and the returns from the staging tables, then the figures."""
    execute(
        """
        INSERT INTO sales_salesdocument (id, kind, number, store_id, customer_id, occurred_at, total, discount_total,
            returned_total, payment_status, paid_amount, created_at)
        SELECT d.id, d.kind, CASE WHEN d.kind = 'invoice' THEN 'INV' ELSE 'R' END || lpad(d.id::text, 8, '0'),
               d.store_id, d.customer_id, d.occurred_at, t.total, t.discount_total, t.returned_total, 'paid',
               t.total, d.occurred_at
        FROM bench_doc d JOIN (
            SELECT document_id, sum(round(unit_price * quantity, 2)) AS total,
                   sum(greatest(round((list_price - unit_price) * quantity, 2), 0)) AS discount_total,
                   sum(CASE WHEN returned THEN round(unit_price * quantity, 2) ELSE 0 END) AS returned_total
            FROM bench_line GROUP BY document_id
        ) t ON t.document_id = d.id
        ORDER BY d.id
        """
    )
    execute(
        """
        INSERT INTO sales_salesline (document_id, product_id, quantity, list_price, unit_price, discount,
            discount_source, line_total, returned_quantity)
        SELECT document_id, product_id, quantity, list_price, unit_price,
               greatest(round((list_price - unit_price) * quantity, 2), 0),
               CASE WHEN unit_price < list_price THEN source ELSE '' END,
               round(unit_price * quantity, 2), CASE WHEN returned THEN quantity ELSE 0 END
        FROM bench_line ORDER BY document_id
        """
    )
    execute(
        f"""
        INSERT INTO sales_return (sale_id, store_id, customer_id, occurred_at, amount, reason, created_at)
        SELECT d.id, d.store_id, d.customer_id,
               least(d.occurred_at + make_interval(days => 1 + mod(d.id, 14)::int), timestamptz '{anchor}'),
               d.returned_total, 'Brought back', d.occurred_at
        FROM sales_salesdocument d WHERE d.returned_total > 0 ORDER BY d.id
        """
    )
    execute(
        """
        INSERT INTO sales_returnline (return_document_id, sale_line_id, quantity, amount)
        SELECT r.id, l.id, l.returned_quantity, l.line_total
        FROM sales_return r JOIN sales_salesline l ON l.document_id = r.sale_id AND l.returned_quantity > 0
        ORDER BY r.id, l.id
        """
    )
    for model in (SalesDocument, Return):
        table = model._meta.db_table
        execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    execute("SELECT setval(pg_get_serial_sequence('sales_salesline', 'id'), (SELECT max(id) FROM sales_salesline))")
    execute(
        "SELECT setval(pg_get_serial_sequence('sales_returnline', 'id'), "
        "(SELECT coalesce(max(id), 1) FROM sales_returnline))"
    )
    execute(
        """
        UPDATE customers_customer c SET purchase_count = p.count, purchase_total = p.total - coalesce(r.amount, 0),
               first_purchase_at = p.first_at, last_purchase_at = p.last_at, return_count = coalesce(r.count, 0)
        FROM (SELECT customer_id, count(*) AS count, sum(total) AS total, min(occurred_at) AS first_at,
                     max(occurred_at) AS last_at
              FROM sales_salesdocument WHERE customer_id IS NOT NULL AND kind IN ('receipt', 'invoice')
              GROUP BY customer_id) p
        LEFT JOIN (SELECT customer_id, count(*) AS count, sum(amount) AS amount FROM sales_return
                   WHERE customer_id IS NOT NULL GROUP BY customer_id) r ON r.customer_id = p.customer_id
        WHERE c.id = p.customer_id
        """
    )
