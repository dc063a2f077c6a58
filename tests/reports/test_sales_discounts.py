"""Report 2: sales and discounts per product and store, read back from the workbook, with two
tenants present."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from customers.services import group_create
from reports.definitions.sales_discounts import SalesDiscountsForm
from reports.models import ReportRun
from sales.models import ProductGroup, SalesDocument, SalesLine, Store
from sales.services.price_lists import price_list_create, price_list_item_add
from sales.services.products import product_create, product_group_create
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

HEADER = [
    "Product code",
    "Product",
    "Store",
    "Quantity",
    "Value at list prices",
    "Amount paid",
    "Discount",
    "Price list discount",
    "Card discount",
    "Coupon discount",
    "Manual discount",
    "Discount share",
]


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _moment(days_ago: int) -> datetime.datetime:
    return datetime.datetime.combine(_day(days_ago), datetime.time(12), tzinfo=timezone.get_current_timezone())


def _return(sale: SalesDocument, sku: str, quantity: str, days_ago: int) -> None:
    return_register(
        sale=sale,
        lines=[ReturnLineInput(sale.lines.get(product__sku=sku).pk, Decimal(quantity))],
        occurred_at=_moment(days_ago),
    )


@dataclass(frozen=True)
class DiscountSales:
    kitchen: ProductGroup
    main: Store
    harbour: Store
    wholesale: CustomerGroup


@pytest.fixture
def discount_sales(alpha, beta):
    """alpha: cups (list 10.00) in the sub-group Cups of Kitchen, plates named "=1+1" (20.00) in
    Kitchen, spades in Garden; three stores; a wholesale price list of 25 % off the kitchen for
    the sub-group Big buyers of Wholesale. beta: the same codes, other sales."""
    with tenant_context(beta.tenant):
        kitchen = product_group_create(name="Kitchen")
        product_create(sku="CUP-1", name="Cup", list_price="10.00", group=kitchen)
        product_create(sku="BETA-1", name="Beta only", list_price="1.00")
        main = Store.objects.create(name="Main", code="M1")
        sale_register(
            store=main,
            lines=[LineInput("CUP-1", Decimal("9"), Decimal("5.00"), SalesLine.DiscountSource.CARD)],
            occurred_at=_moment(30),
        )
    with tenant_context(alpha.tenant):
        kitchen = product_group_create(name="Kitchen")
        cups = product_group_create(name="Cups", parent=kitchen)
        garden = product_group_create(name="Garden")
        product_create(sku="CUP-1", name="Cup", list_price="10.00", group=cups)
        product_create(sku="PLATE-1", name="=1+1", list_price="20.00", group=kitchen)
        product_create(sku="SPADE-1", name="Spade", list_price="30.00", group=garden)
        main = Store.objects.create(name="Main", code="M1")
        harbour = Store.objects.create(name="Harbour", code="H1")
        outlet = Store.objects.create(name="Outlet", code="O1")
        wholesale = group_create(name="Wholesale")
        big = group_create(name="Big buyers", parent=wholesale)
        price_list_item_add(
            price_list=price_list_create(name="Wholesale prices", customer_groups=[wholesale]),
            product_group=kitchen,
            percent_off="25",
        )
        toomas = Customer.objects.create(first_name="Toomas", group=big)
        mari = Customer.objects.create(first_name="Mari")

        # Main: 4 cups at the wholesale price 7.50, one returned; 2 cups with a card at 9.00; a cup
        # by hand at 8.00 and a plate at its list price for a walk-in customer.
        wholesale_sale = sale_register(
            store=main, customer=toomas, lines=[LineInput("CUP-1", Decimal("4"))], occurred_at=_moment(30)
        )
        _return(wholesale_sale, "CUP-1", "1", 25)
        sale_register(
            store=main,
            customer=mari,
            lines=[LineInput("CUP-1", Decimal("2"), Decimal("9.00"), SalesLine.DiscountSource.CARD)],
            occurred_at=_moment(20),
        )
        sale_register(
            store=main,
            lines=[
                LineInput("CUP-1", Decimal("1"), Decimal("8.00")),
                LineInput("PLATE-1", Decimal("1")),
                LineInput("SPADE-1", Decimal("1"), Decimal("25.00")),
            ],
            occurred_at=_moment(15),
        )
        # Harbour: a cup at list price and 2 plates by hand at 18.00; a plate returned in full.
        sale_register(
            store=harbour,
            customer=mari,
            lines=[LineInput("CUP-1", Decimal("1")), LineInput("PLATE-1", Decimal("2"), Decimal("18.00"))],
            occurred_at=_moment(10),
        )
        returned = sale_register(
            store=harbour,
            customer=mari,
            lines=[LineInput("PLATE-1", Decimal("1"), Decimal("16.00"))],
            occurred_at=_moment(10),
        )
        _return(returned, "PLATE-1", "1", 9)
        # Not counted: an order, the third store, before the period.
        sale_register(
            store=main,
            customer=mari,
            kind=SalesDocument.Kind.ORDER,
            lines=[LineInput("CUP-1", Decimal("10"), Decimal("1.00"))],
            occurred_at=_moment(10),
        )
        sale_register(
            store=outlet,
            customer=mari,
            lines=[LineInput("CUP-1", Decimal("5"), Decimal("6.00"))],
            occurred_at=_moment(10),
        )
        sale_register(
            store=main,
            customer=mari,
            lines=[LineInput("CUP-1", Decimal("1"), Decimal("2.00"))],
            occurred_at=_moment(50),
        )
    return DiscountSales(kitchen=kitchen, main=main, harbour=harbour, wholesale=wholesale)


def _period() -> dict:
    return {"date_from": _day(40).isoformat(), "date_to": _day(0).isoformat()}


@pytest.mark.django_db
def test_sales_and_discounts_per_product_and_store(alpha, discount_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="sales-discounts",
            data={
                **_period(),
                "product_groups": [discount_sales.kitchen.pk],
                "stores": [discount_sales.main.pk, discount_sales.harbour.pk],
            },
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.values[0][0] == "Sales and discounts"
    assert built.header == HEADER
    # Cups of the sub-group count; the returned cup takes its quarter of the 10.00 price list
    # discount with it; the plate returned in full is gone; Outlet and the spade are left out.
    assert built.rows == [
        ["PLATE-1", "=1+1", "Harbour", 2, 40, 36, 4, 0, 0, 0, 4, 0.1],
        ["PLATE-1", "=1+1", "Main", 1, 20, 20, 0, 0, 0, 0, 0, 0],
        ["CUP-1", "Cup", "Harbour", 1, 10, 10, 0, 0, 0, 0, 0, 0],
        ["CUP-1", "Cup", "Main", 6, 60, 48.5, 11.5, 7.5, 2, 0, 2, 0.1917],
    ]
    first_row = len(built.run.parameters_text) + 5
    name_cell = built.sheet.cell(row=first_row, column=2)
    assert (name_cell.value, name_cell.data_type) == ("=1+1", "s")
    assert built.sheet.cell(row=first_row, column=12).number_format == "0.0%"
    assert built.run.chart == {
        "kind": "bar",
        "labels": ["Harbour", "Main"],
        "series": [
            {"name": "Price list", "values": [0.0, 7.5]},
            {"name": "Card", "values": [0.0, 2.0]},
            {"name": "Coupon", "values": [0.0, 0.0]},
            {"name": "Manual", "values": [4.0, 2.0]},
        ],
        "value_format": "money",
    }


@pytest.mark.django_db
def test_a_customer_group_counts_the_sales_of_its_sub_groups_only(alpha, discount_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="sales-discounts",
            data={**_period(), "products": "CUP-1", "customer_groups": [discount_sales.wholesale.pk]},
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.rows == [["CUP-1", "Cup", "Main", 3, 30, 22.5, 7.5, 7.5, 0, 0, 0, 0.25]]


@pytest.mark.django_db
def test_no_sale_in_the_period_builds_a_file_with_only_the_header(alpha, discount_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="sales-discounts",
            data={"date_from": _day(200).isoformat(), "date_to": _day(100).isoformat()},
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.header == HEADER
    assert built.rows == []
    assert built.run.chart is None


@pytest.mark.django_db
def test_a_product_code_of_another_retailer_is_refused(alpha, discount_sales, tenant_client):
    with tenant_context(alpha.tenant):
        runs_before = ReportRun.objects.count()
        form = SalesDiscountsForm({**_period(), "products": "BETA-1"}, tenant=alpha.tenant)
        assert not form.is_valid()
        assert form.errors["products"] == ["No product with the code “BETA-1”."]
    response = tenant_client(alpha, alpha.marketer).post(
        "/reports/sales-discounts/", {**_period(), "products": "BETA-1"}
    )
    assert response.status_code == 200
    assert "No product with the code “BETA-1”." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == runs_before
