"""The customer card's Sales and Returns tabs: exact values, newest first, 20 a page, fixed queries.

The card includes customers/card/_tab_<tab>.html, which includes sales/card/_tab_<tab>.html; the
tests read the provider's context through the card's URL and render the sales templates with it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from sales.models import Store
from sales.selectors.documents import returns_tab_context, sales_tab_context
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from tests.factories import CustomerFactory, CustomerGroupFactory, PriceListFactory, PriceListItemFactory, StoreFactory

NOW = timezone.now()


@dataclass(frozen=True)
class TabsShop:
    tartu: Store  # a second store, Tartu (TRT)
    customer: Customer  # Mari Tamm of the group VIP, 14 days to pay


@pytest.fixture
def tabs_shop(alpha, shop) -> TabsShop:
    """Beside the shop: the store Tartu, and Mari of the group VIP whose price list "VIP prices"
    takes 25 % off TEA-1."""
    with tenant_context(alpha.tenant):
        vip = CustomerGroupFactory(name="VIP")
        PriceListItemFactory(
            price_list=PriceListFactory(name="VIP prices", customer_groups=[vip]), product=shop.tea, percent_off="25"
        )
        return TabsShop(
            tartu=StoreFactory(name="Tartu", code="TRT"),
            customer=CustomerFactory(first_name="Mari", last_name="Tamm", group=vip, payment_terms_days=14),
        )


def tab_context(response) -> dict:
    """What the card passed to its templates that the sales tab templates use."""
    return {key: response.context[key] for key in ("customer", "sales_page", "returns_page") if key in response.context}


def render_tab(alpha, template: str, context: dict) -> str:
    with tenant_context(alpha.tenant):
        return render_to_string(template, {**context, "tenant": alpha.tenant})


@pytest.mark.django_db
def test_the_sales_tab_shows_each_document_with_its_lines_and_payment(alpha, shop, tabs_shop, tenant_client):
    with tenant_context(alpha.tenant):
        receipt = sale_register(
            store=shop.store,
            customer=tabs_shop.customer,
            number="R-1",
            occurred_at=NOW - datetime.timedelta(days=40),
            lines=[LineInput("TEA-1", Decimal("2")), LineInput("CUP-1", Decimal("1"), Decimal("8.00"))],
        )
        invoice = sale_register(
            store=tabs_shop.tartu,
            customer=tabs_shop.customer,
            kind="invoice",
            number="INV-7",
            occurred_at=NOW - datetime.timedelta(days=30),
            payment_status="partly_paid",
            paid_amount=Decimal("5.00"),
            lines=[LineInput("CUP-1", Decimal("3"))],
        )
        return_register(sale=receipt, lines=[ReturnLineInput(receipt.lines.get(product=shop.tea).pk, Decimal("1"))])
    response = tenant_client(alpha, alpha.marketer).get(f"/customers/{tabs_shop.customer.pk}/sales/")
    assert response.status_code == 200
    page = response.context["sales_page"]
    assert [
        (sale.number, sale.kind, sale.store.name, sale.total, sale.discount_total, sale.returned_total, sale.is_overdue)
        for sale in page.object_list
    ] == [
        ("INV-7", "invoice", "Tartu", Decimal("30.00"), Decimal("0.00"), Decimal("0.00"), True),
        ("R-1", "receipt", "Tallinn", Decimal("14.00"), Decimal("4.00"), Decimal("3.00"), False),
    ]
    assert [
        (
            line.product.name,
            line.quantity,
            line.list_price,
            line.unit_price,
            line.discount,
            line.discount_source,
            line.line_total,
            line.returned_quantity,
        )
        for line in page.object_list[1].lines.all()
    ] == [
        (
            "Green tea",
            Decimal("2.000"),
            Decimal("4.00"),
            Decimal("3.00"),
            Decimal("2.00"),
            "price_list",
            Decimal("6.00"),
            Decimal("1.000"),
        ),
        (
            "Cup",
            Decimal("1.000"),
            Decimal("10.00"),
            Decimal("8.00"),
            Decimal("2.00"),
            "manual",
            Decimal("8.00"),
            Decimal("0.000"),
        ),
    ]
    assert page.object_list[0].due_date == timezone.localtime(invoice.occurred_at).date() + datetime.timedelta(days=14)

    html = render_tab(alpha, "sales/card/_tab_sales.html", tab_context(response))
    assert html in response.content.decode()
    assert html.count('data-testid="sale-row"') == 2
    assert html.count('data-testid="sale-line"') == 3
    for text in ("INV-7", "Invoice", "Tartu", "30.00 EUR", "Partly paid", "overdue", "paid 5.00 EUR", "R-1", "Receipt"):
        assert text in html, text
    for text in ("14.00 EUR", "4.00 EUR", "3.00 EUR", "Price list", "Manual", "6.00 EUR", "Green tea", "Cup"):
        assert text in html, text
    assert "No sales yet." not in html


@pytest.mark.django_db
def test_a_paid_invoice_or_one_not_yet_due_is_not_overdue(alpha, shop, tabs_shop):
    with tenant_context(alpha.tenant):
        for number, days, status in (("A", 30, "paid"), ("B", 3, "unpaid")):
            sale_register(
                store=shop.store,
                customer=tabs_shop.customer,
                kind="invoice",
                number=number,
                occurred_at=NOW - datetime.timedelta(days=days),
                payment_status=status,
                lines=[LineInput("CUP-1", Decimal("1"))],
            )
        page = sales_tab_context(Customer.objects.get(pk=tabs_shop.customer.pk))["sales_page"]
    assert [(sale.number, sale.payment_status, sale.is_overdue) for sale in page.object_list] == [
        ("B", "unpaid", False),
        ("A", "paid", False),
    ]


@pytest.mark.django_db
def test_the_returns_tab_shows_each_return_with_the_sale_it_reverses(alpha, shop, tabs_shop, tenant_client):
    with tenant_context(alpha.tenant):
        sale = sale_register(
            store=shop.store,
            customer=tabs_shop.customer,
            number="R-9",
            occurred_at=NOW - datetime.timedelta(days=5),
            lines=[LineInput("TEA-1", Decimal("3")), LineInput("CUP-1", Decimal("2"))],
        )
        tea_line, mug_line = sale.lines.order_by("pk")
        return_register(
            sale=sale,
            lines=[ReturnLineInput(tea_line.pk, Decimal("1"))],
            reason="Wrong flavour",
            occurred_at=NOW - datetime.timedelta(days=4),
        )
        return_register(
            sale=sale,
            store=tabs_shop.tartu,
            lines=[ReturnLineInput(tea_line.pk, Decimal("2")), ReturnLineInput(mug_line.pk, Decimal("1"))],
            reason="Broken",
            occurred_at=NOW - datetime.timedelta(days=2),
        )
    response = tenant_client(alpha, alpha.cashier).get(f"/customers/{tabs_shop.customer.pk}/returns/")
    page = response.context["returns_page"]
    assert [
        (
            item.store.name,
            item.sale.number,
            item.amount,
            item.reason,
            [(line.sale_line.product.name, line.quantity, line.amount) for line in item.lines.all()],
        )
        for item in page.object_list
    ] == [
        (
            "Tartu",
            "R-9",
            Decimal("16.00"),
            "Broken",
            [("Green tea", Decimal("2.000"), Decimal("6.00")), ("Cup", Decimal("1.000"), Decimal("10.00"))],
        ),
        ("Tallinn", "R-9", Decimal("3.00"), "Wrong flavour", [("Green tea", Decimal("1.000"), Decimal("3.00"))]),
    ]
    html = render_tab(alpha, "sales/card/_tab_returns.html", tab_context(response))
    assert html in response.content.decode()
    assert html.count('data-testid="return-row"') == 2
    assert html.count('data-testid="return-line"') == 3
    for text in ("Broken", "Wrong flavour", "16.00 EUR", "3.00 EUR", "6.00 EUR", "Receipt R-9", "Tartu", "Tallinn"):
        assert text in html, text


@pytest.mark.django_db
def test_empty_tabs_keep_their_empty_state(alpha, tabs_shop):
    with tenant_context(alpha.tenant):
        sales = sales_tab_context(tabs_shop.customer)
        returns = returns_tab_context(tabs_shop.customer)
    sales_html = render_tab(alpha, "sales/card/_tab_sales.html", {**sales, "customer": tabs_shop.customer})
    returns_html = render_tab(alpha, "sales/card/_tab_returns.html", {**returns, "customer": tabs_shop.customer})
    assert 'data-testid="empty-sales"' in sales_html
    assert "No sales yet. Purchases registered at the till or imported appear here" in sales_html
    assert 'data-testid="empty-returns"' in returns_html
    assert "No returns. Goods brought back appear here, each with the sale it reverses." in returns_html


def _many_sales(alpha, shop, tabs_shop, count: int, *, start: int = 0) -> None:
    with tenant_context(alpha.tenant):
        for number in range(start, start + count):
            sale = sale_register(
                store=shop.store if number % 2 else tabs_shop.tartu,
                customer=tabs_shop.customer,
                number=f"S{number:02}",
                occurred_at=NOW - datetime.timedelta(hours=100 - number),
                lines=[LineInput("TEA-1", Decimal("1")), LineInput("CUP-1", Decimal("2"))],
            )
            return_register(
                sale=sale,
                lines=[ReturnLineInput(sale.lines.order_by("pk").first().pk, Decimal("1"))],
                occurred_at=NOW - datetime.timedelta(hours=99 - number),
            )


@pytest.mark.django_db
def test_the_tabs_are_paginated_twenty_a_page_newest_first(alpha, shop, tabs_shop, tenant_client):
    _many_sales(alpha, shop, tabs_shop, 25)
    with tenant_context(alpha.tenant):
        first = sales_tab_context(tabs_shop.customer)["sales_page"]
        second = sales_tab_context(tabs_shop.customer, page="2")["sales_page"]
        returns_second = returns_tab_context(tabs_shop.customer, page=2)["returns_page"]
        beyond = sales_tab_context(tabs_shop.customer, page="99")["sales_page"]
    assert [sale.number for sale in first.object_list] == [f"S{n:02}" for n in range(24, 4, -1)]
    assert [sale.number for sale in second.object_list] == ["S04", "S03", "S02", "S01", "S00"]
    assert [item.sale.number for item in returns_second.object_list] == ["S04", "S03", "S02", "S01", "S00"]
    assert beyond.number == 2
    html = render_tab(alpha, "sales/card/_tab_sales.html", {"sales_page": first, "customer": tabs_shop.customer})
    assert "Page 1 of 2" in html
    assert f'href="/customers/{tabs_shop.customer.pk}/sales/?page=2"' in html
    client = tenant_client(alpha, alpha.marketer)
    assert len(client.get(f"/customers/{tabs_shop.customer.pk}/sales/").context["sales_page"].object_list) == 20


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["sales", "returns"])
def test_a_tab_costs_the_same_queries_however_many_rows(
    alpha, shop, tabs_shop, tab, django_assert_max_num_queries, tenant_client
):
    client = tenant_client(alpha, alpha.marketer)
    row = 'data-testid="sale-row"' if tab == "sales" else 'data-testid="return-row"'
    provider = sales_tab_context if tab == "sales" else returns_tab_context
    counts = []
    for added, shown in ((2, 2), (23, 20)):
        _many_sales(alpha, shop, tabs_shop, added, start=len(counts) * 2)
        connection.set_schema_to_public()
        with django_assert_max_num_queries(14) as captured:
            response = client.get(f"/customers/{tabs_shop.customer.pk}/{tab}/")
        assert response.status_code == 200
        counts.append(len(captured))
        # Rendering the rows (lines, products, stores, the sale of a return) asks the database nothing more.
        with django_assert_max_num_queries(0):
            html = render_to_string(f"sales/card/_tab_{tab}.html", {**tab_context(response), "tenant": alpha.tenant})
        assert html.count(row) == shown
        with tenant_context(alpha.tenant):
            # Choosing the schema, the count, the page's documents, their lines (with products).
            with django_assert_max_num_queries(4):
                provider(tabs_shop.customer)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_another_customers_and_another_retailers_sales_stay_out(alpha, beta, shop, tabs_shop, tenant_client):
    with tenant_context(alpha.tenant):
        other = Customer.objects.create(first_name="Jaan", last_name="Saar")
        sale_register(store=shop.store, customer=other, lines=[LineInput("CUP-1", Decimal("1"))])
        sale_register(store=shop.store, lines=[LineInput("CUP-1", Decimal("1"))])
        mine = sale_register(store=shop.store, customer=tabs_shop.customer, lines=[LineInput("CUP-1", Decimal("1"))])
    page = tenant_client(alpha, alpha.marketer).get(f"/customers/{tabs_shop.customer.pk}/sales/").context["sales_page"]
    assert [sale.pk for sale in page.object_list] == [mine.pk]
    assert tenant_client(beta, beta.marketer).get(f"/customers/{tabs_shop.customer.pk}/sales/").status_code == 404
