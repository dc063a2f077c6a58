"""The customer card's Sales and Returns tabs.

Each page costs the same number of queries however many documents and lines it shows: a count,
the documents (with their store), and their lines (with the product) in one prefetch.
"""

import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.utils import timezone

from sales.models import Return, ReturnLine, SalesDocument, SalesLine

PAGE_SIZE = 20


def _page(queryset, page) -> Page:
    result = Paginator(queryset, PAGE_SIZE).get_page(page)
    # Evaluated here, so that the queries run in the selector (and are counted once), not in a template.
    result.object_list = list(result.object_list)
    return result


def sale_is_overdue(sale: SalesDocument, today: datetime.date) -> bool:
    """An invoice not (fully) paid whose due date has passed."""
    return (
        sale.kind == SalesDocument.Kind.INVOICE
        and sale.payment_status != SalesDocument.PaymentStatus.PAID
        and sale.due_date is not None
        and sale.due_date < today
    )


def customer_sales_page(*, customer, page=None) -> Page:
    """The customer's sales documents (receipts, invoices, orders, quotes), newest first, 20 a page,
    each with its store and lines (with products); `is_overdue` is set on each document."""
    documents = (
        SalesDocument.objects.filter(customer=customer)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=SalesLine.objects.select_related("product").order_by("pk")))
        .order_by("-occurred_at", "-pk")
    )
    result = _page(documents, page)
    today = timezone.localdate()
    for sale in result.object_list:
        sale.is_overdue = sale_is_overdue(sale, today)
    return result


def customer_returns_page(*, customer, page=None) -> Page:
    """The customer's returns, newest first, 20 a page, each with its store, the sale it reverses
    and its lines (with the sold line and its product)."""
    returns = (
        Return.objects.filter(customer=customer)
        .select_related("store", "sale")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReturnLine.objects.select_related("sale_line__product").order_by("pk"),
            )
        )
        .order_by("-occurred_at", "-pk")
    )
    return _page(returns, page)


def sales_tab_context(customer, *, page=None) -> dict:
    """The card's Sales tab (registered in SalesConfig.ready()); `page` is the page asked for."""
    return {"sales_page": customer_sales_page(customer=customer, page=page)}


def returns_tab_context(customer, *, page=None) -> dict:
    """The card's Returns tab (registered in SalesConfig.ready())."""
    return {"returns_page": customer_returns_page(customer=customer, page=page)}


def sales_document_exists() -> bool:
    """Whether the retailer has recorded any sales document: a sale, an imported one, an order."""
    return SalesDocument.objects.exists()
