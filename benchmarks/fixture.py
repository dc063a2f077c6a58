"""Examples drawn from the retailer's data, for requests a real user or till would make: a few
regulars and rare buyers, active cards, products, a customer group and a product group that have
sub-groups, a custom property with a common value. Read with SQL in the retailer's schema, the
same picks for the same data (ordered, no random())."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import schema_context


@dataclass(frozen=True)
class CustomerExample:
    id: int
    last_name: str
    phone: str
    email: str
    card_number: str


@dataclass(frozen=True)
class ProductExample:
    id: int
    sku: str
    ean: str
    group_id: int | None


@dataclass(frozen=True)
class BenchFixture:
    customers: tuple[CustomerExample, ...]  # with an active card, the most frequent buyers first
    card_numbers: tuple[str, ...]  # active cards of customers (for till look-ups and sales)
    products: tuple[ProductExample, ...]
    customer_group_id: int  # a group with sub-groups
    product_group_id: int  # a product group with sub-groups
    property_code: str  # a custom property of type choice/text and its most common value
    property_value: str
    customer_count: int
    store_ids: tuple[int, ...]

    @property
    def top_customer(self) -> CustomerExample:
        return self.customers[0]


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fixture_read(schema: str, *, cards: int = 5000, products: int = 2000) -> BenchFixture:
    with schema_context(schema):
        customers = _rows(
            """
            SELECT c.id, c.last_name, c.phone, c.email, card.number
            FROM customers_customer c
            JOIN LATERAL (
                SELECT number FROM loyalty_card
                WHERE customer_id = c.id AND status = 'active' ORDER BY id LIMIT 1
            ) card ON true
            WHERE c.status <> 'archived' AND c.last_name <> '' AND c.phone <> '' AND c.email <> ''
            ORDER BY c.purchase_count DESC, c.id
            LIMIT 50
            """
        )
        card_numbers = [
            row[0]
            for row in _rows(
                "SELECT number FROM loyalty_card WHERE status = 'active' AND customer_id IS NOT NULL "
                "ORDER BY md5(number) LIMIT %s",
                [cards],
            )
        ]
        product_rows = _rows(
            "SELECT id, sku, coalesce(ean, ''), group_id FROM sales_product WHERE is_active ORDER BY md5(sku) LIMIT %s",
            [products],
        )
        customer_group = _rows(
            "SELECT parent_id FROM customers_customergroup WHERE parent_id IS NOT NULL "
            "GROUP BY parent_id ORDER BY count(*) DESC, parent_id LIMIT 1"
        )
        product_group = _rows(
            "SELECT parent_id FROM sales_productgroup WHERE parent_id IS NOT NULL "
            "GROUP BY parent_id ORDER BY count(*) DESC, parent_id LIMIT 1"
        )
        prop = _rows(
            """
            SELECT p.code, c.properties ->> p.code AS value
            FROM customers_customproperty p
            JOIN customers_customer c ON c.properties ? p.code
            WHERE NOT p.is_archived AND p.type IN ('choice', 'text')
            GROUP BY p.code, value ORDER BY count(*) DESC, p.code LIMIT 1
            """
        )
        count = _rows("SELECT count(*) FROM customers_customer")[0][0]
        stores = [row[0] for row in _rows("SELECT id FROM sales_store ORDER BY id")]
    if not customers or not card_numbers or not product_rows:
        raise RuntimeError(f"the retailer {schema} has no customers with cards or no products to benchmark")
    return BenchFixture(
        customers=tuple(CustomerExample(*row) for row in customers),
        card_numbers=tuple(card_numbers),
        products=tuple(ProductExample(*row) for row in product_rows),
        customer_group_id=customer_group[0][0] if customer_group else 0,
        product_group_id=product_group[0][0] if product_group else 0,
        property_code=prop[0][0] if prop else "",
        property_value=prop[0][1] if prop else "",
        customer_count=count,
        store_ids=tuple(stores),
    )
