"""Writing a checked sales history set-based: what `sale_register` writes for each imported sale
(its document, lines and the customer's purchase figures), for all of a chunk in two COPYs and
one UPDATE (with the documents' ids from their sequence and the customers locked first) instead
of a handful of statements per sale (documents and lines as plain tuples: a model
instance per line cost a fifth of a large import, one per document another tenth).

`sale_register` with the source "import" writes the document, its lines at the prices paid, and
adds the sale to the customer's purchase figures; its registered steps write nothing for an
import (loyalty earns no points on past sales: see sales.services.history_import). The test
`test_the_set_based_import_writes_what_sale_register_writes` holds the two paths to the same rows;
a later step that writes for imported sales needs its set-based counterpart here.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from crm.copy import copy_values, sequence_ids
from customers.models import Customer
from sales.models import Product, SalesDocument, SalesLine, Store
from sales.rules import line_amounts
from staff.models import User


class HistoryLineInput(NamedTuple):
    """One line of an imported sale: the product, the quantity and what was paid, per unit or
    for the line (the line's total wins where both are known)."""

    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None
    line_total: Decimal | None = None


class HistorySaleInput(NamedTuple):
    store: Store
    number: str
    kind: str
    occurred_at: datetime.datetime
    customer: Customer | None
    lines: list[HistoryLineInput]


class _LineRow(NamedTuple):
    """A line's database values, in the order they are copied (crm.copy.copy_values)."""

    document_id: int
    product_id: int
    quantity: Decimal
    list_price: Decimal
    unit_price: Decimal
    discount: Decimal
    discount_source: str
    line_total: Decimal


def _line(line: HistoryLineInput, document_id: int) -> _LineRow:
    product = line.product
    unit_price, line_total, discount = line_amounts(
        list_price=product.list_price, quantity=line.quantity, unit_price=line.unit_price, line_total=line.line_total
    )
    # A price paid below the list price was given by hand, as sale_register reads it.
    source = SalesLine.DiscountSource.MANUAL.value if discount else ""
    return _LineRow(
        document_id, product.pk, line.quantity, product.list_price, unit_price, discount, source, line_total
    )


def _due_date(sale: HistorySaleInput) -> datetime.date | None:
    """An invoice's due date by the customer's payment terms, as sale_register sets it."""
    customer = sale.customer
    if sale.kind != SalesDocument.Kind.INVOICE or customer is None or not customer.payment_terms_days:
        return None
    return timezone.localtime(sale.occurred_at).date() + datetime.timedelta(days=customer.payment_terms_days)


class _DocumentRow(NamedTuple):
    """A document's database values, in the order they are copied (crm.copy.copy_values)."""

    id: int
    kind: str
    number: str
    store_id: int
    author_id: int | None
    customer_id: int | None
    occurred_at: datetime.datetime
    total: Decimal
    discount_total: Decimal
    payment_status: str
    paid_amount: Decimal
    due_date: datetime.date | None


def history_sales_write(sales: list[HistorySaleInput], *, acting_user: User | None) -> None:
    """Write `sales` (checked: known stores, active products, positive quantities, prices of the
    currency, dates not in the future) in the caller's transaction, in the order given."""
    documents: list[_DocumentRow] = []
    lines: list[_LineRow] = []
    figures: dict[int, list] = {}  # customer id -> [count, total, first, last]
    author_id = acting_user.pk if acting_user is not None else None
    paid = SalesDocument.PaymentStatus.PAID.value
    for sale, document_id in zip(sales, sequence_ids(SalesDocument, len(sales)), strict=True):
        sale_lines = [_line(line, document_id) for line in sale.lines]
        total = sum((line.line_total for line in sale_lines), Decimal("0"))
        customer = sale.customer
        documents.append(
            _DocumentRow(
                id=document_id,
                kind=str(sale.kind),
                number=sale.number,
                store_id=sale.store.pk,
                author_id=author_id,
                customer_id=customer.pk if customer is not None else None,
                occurred_at=sale.occurred_at,
                total=total,
                discount_total=sum((line.discount for line in sale_lines), Decimal("0")),
                payment_status=paid,
                paid_amount=total,
                due_date=_due_date(sale),
            )
        )
        lines += sale_lines
        if customer is not None and sale.kind in SalesDocument.PURCHASE_KINDS:
            figure = figures.setdefault(customer.pk, [0, Decimal("0"), sale.occurred_at, sale.occurred_at])
            figure[0] += 1
            figure[1] += total
            figure[2] = min(figure[2], sale.occurred_at)
            figure[3] = max(figure[3], sale.occurred_at)
    copy_values(SalesDocument, _DocumentRow._fields, documents)
    copy_values(SalesLine, _LineRow._fields, lines)
    _purchase_figures_add(figures)


def _purchase_figures_add(figures: dict[int, list]) -> None:
    """Add each customer's imported purchases to the figures, as sale_register's one UPDATE per
    sale adds them, in one statement for all customers."""
    if not figures:
        return
    ids = sorted(figures)
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        # Locked in the order of their ids, as a till's sale locks one: the two cannot deadlock.
        cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids])
        cursor.execute(
            f"UPDATE {table} AS c SET purchase_count = c.purchase_count + f.n,"
            " purchase_total = c.purchase_total + f.total,"
            " first_purchase_at = LEAST(COALESCE(c.first_purchase_at, f.first), f.first),"
            " last_purchase_at = GREATEST(COALESCE(c.last_purchase_at, f.last), f.last)"
            " FROM unnest(%s::bigint[], %s::int[], %s::numeric[], %s::timestamptz[], %s::timestamptz[])"
            " AS f(id, n, total, first, last) WHERE c.id = f.id",
            [
                ids,
                [figures[pk][0] for pk in ids],
                [figures[pk][1] for pk in ids],
                [figures[pk][2] for pk in ids],
                [figures[pk][3] for pk in ids],
            ],
        )
