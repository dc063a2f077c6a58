"""Report 6: returns by customer group, by product and by reason, read back from the workbook, with
a second tenant holding other sales and returns."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from sales.models import Product, ProductGroup, Store
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

GROUP_HEADER = [
    "Customer group",
    "Receipts",
    "Sales amount",
    "Returns",
    "Returned amount",
    "Return rate by count",
    "Return rate by amount",
]


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _months() -> tuple[datetime.date, datetime.date, datetime.date]:
    """The first days of the months three and two months ago, and of last month."""
    this_month = timezone.localdate().replace(day=1)
    last = (this_month - datetime.timedelta(days=1)).replace(day=1)
    second = (last - datetime.timedelta(days=1)).replace(day=1)
    first = (second - datetime.timedelta(days=1)).replace(day=1)
    return first, second, last


def _day(month: datetime.date, day: int) -> datetime.datetime:
    return _moment(month.replace(day=day))


def _alpha_data() -> dict:
    """Anna in Regulars, Berit in Gold (under Regulars), Carl in no group, and a sale without a
    customer; cups (Kitchen group) and tea; the Main store sells, the Harbour store too."""
    first, second, last = _months()
    main = Store.objects.create(name="Main", code="M1")
    harbour = Store.objects.create(name="Harbour", code="H1")
    kitchen = ProductGroup.objects.create(name="Kitchen")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00", group=kitchen)
    Product.objects.create(sku="TEA-1", name="Tea", list_price="4.00")
    regulars = CustomerGroup.objects.create(name="Regulars")
    gold = CustomerGroup.objects.create(name="Gold", parent=regulars)
    CustomerGroup.objects.create(name="Wholesale")  # no sales: no row
    anna = Customer.objects.create(first_name="Anna", group=regulars)
    berit = Customer.objects.create(first_name="Berit", group=gold)
    carl = Customer.objects.create(first_name="Carl")

    def sale(customer, store, day, lines):
        return sale_register(
            store=store,
            customer=customer,
            lines=[LineInput(code, Decimal(quantity)) for code, quantity in lines],
            occurred_at=day,
        )

    def give_back(sale_document, code, quantity, day, reason="", store=None):
        return return_register(
            sale=sale_document,
            lines=[ReturnLineInput(sale_document.lines.get(product__sku=code).pk, Decimal(quantity))],
            occurred_at=day,
            reason=reason,
            store=store,
        )

    # Berit's sale before the period; her return of it in the period counts in the period.
    berit_earlier = sale(berit, main, _day(first, 1) - datetime.timedelta(days=10), [("CUP-1", 2)])
    anna_big = sale(anna, main, _day(first, 3), [("CUP-1", 2), ("TEA-1", 1)])  # 24.00
    sale(anna, harbour, _day(first, 4), [("TEA-1", 1)])  # 4.00
    sale(anna, main, _day(second, 2), [("TEA-1", 1)])  # 4.00
    berit_sale = sale(berit, main, _day(first, 5), [("CUP-1", 1)])  # 10.00
    carl_sale = sale(carl, main, _day(second, 6), [("TEA-1", 3)])  # 12.00
    walk_in = sale(None, main, _day(second, 7), [("CUP-1", 1)])  # 10.00
    give_back(anna_big, "CUP-1", 1, _day(first, 9), "Broken")
    give_back(anna_big, "TEA-1", 1, _day(first, 10))
    give_back(berit_earlier, "CUP-1", 1, _day(first, 11), "Broken")
    give_back(carl_sale, "TEA-1", 1, _day(second, 12), "broken")
    give_back(walk_in, "CUP-1", 1, _day(second, 13), "Wrong size", store=harbour)
    # After the period: not counted.
    give_back(berit_sale, "CUP-1", 1, _day(last, 2), "Too late")
    return {"regulars": regulars, "kitchen": kitchen, "harbour": harbour}


def _beta_data() -> None:
    first, _second, _last = _months()
    store = Store.objects.create(name="Main", code="M1")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="99.00")
    customer = Customer.objects.create(first_name="Other", group=CustomerGroup.objects.create(name="Regulars"))
    sale = sale_register(
        store=store, customer=customer, lines=[LineInput("CUP-1", Decimal(5))], occurred_at=_day(first, 3)
    )
    return_register(
        sale=sale,
        lines=[ReturnLineInput(sale.lines.get().pk, Decimal(2))],
        occurred_at=_day(first, 4),
        reason="Broken",
    )


@pytest.fixture
def data(alpha, beta):
    with tenant_context(beta.tenant):
        _beta_data()
    with tenant_context(alpha.tenant):
        return _alpha_data()


def _build(alpha, build_report, **values):
    first, _second, last = _months()
    values.setdefault("date_from", first.isoformat())
    values.setdefault("date_to", (last - datetime.timedelta(days=1)).isoformat())
    values.setdefault("view", "groups")
    with tenant_context(alpha.tenant):
        return build_report(
            code="returns-by-group", data=values, tenant=alpha.tenant, user=User.objects.get(username="admin")
        )


@pytest.mark.django_db
def test_return_rates_by_group(alpha, data, build_report):
    built = _build(alpha, build_report)
    assert built.values[0][0] == "Returns by customer group"
    assert built.header == GROUP_HEADER
    # Gold's return is of a sale before the period: it counts on the day it was brought back.
    assert built.rows == [
        ["Regulars", 3, 32, 2, 14, 2 / 3, 0.4375],
        ["Regulars › Gold", 1, 10, 1, 10, 1, 1],
        ["No group", 1, 12, 1, 4, 1, 1 / 3],
        ["No customer", 1, 10, 1, 10, 1, 1],
    ]
    assert built.run.chart == {
        "kind": "bar",
        "labels": ["Regulars", "Regulars › Gold", "No group", "No customer"],
        "series": [
            {"name": "Return rate by count", "values": [2 / 3, 1.0, 1.0, 1.0]},
            {"name": "Return rate by amount", "values": [0.4375, 1.0, 1 / 3, 1.0]},
        ],
        "value_format": "percent",
    }


@pytest.mark.django_db
def test_a_group_includes_its_sub_groups(alpha, data, build_report):
    with tenant_context(alpha.tenant):
        regulars = data["regulars"].pk
    built = _build(alpha, build_report, customer_groups=[regulars])
    assert built.rows == [
        ["Regulars", 3, 32, 2, 14, 2 / 3, 0.4375],
        ["Regulars › Gold", 1, 10, 1, 10, 1, 1],
    ]


@pytest.mark.django_db
def test_stores_sales_where_sold_and_returns_where_taken_back(alpha, data, build_report):
    with tenant_context(alpha.tenant):
        harbour = data["harbour"].pk
    built = _build(alpha, build_report, stores=[harbour])
    # The walk-in's cup was sold at Main and brought back to the harbour: no sale, no rate.
    assert built.rows == [
        ["Regulars", 1, 4, 0, 0, 0, 0],
        ["No customer", 0, 0, 1, 10, None, None],
    ]


@pytest.mark.django_db
def test_most_returned_products(alpha, data, build_report):
    built = _build(alpha, build_report, view="products")
    assert built.header == ["Code", "Product", "Quantity returned", "Returned amount", "Returns"]
    assert built.rows == [["CUP-1", "Cup", 3, 30, 3], ["TEA-1", "Tea", 2, 8, 2]]
    assert built.run.chart == {
        "kind": "bar",
        "labels": ["Cup", "Tea"],
        "series": [{"name": "Returned amount", "values": [30.0, 8.0]}],
        "value_format": "money",
    }
    with tenant_context(alpha.tenant):
        kitchen = data["kitchen"].pk
    assert _build(alpha, build_report, view="products", product_groups=[kitchen]).rows == [["CUP-1", "Cup", 3, 30, 3]]


@pytest.mark.django_db
def test_return_reasons_as_typed(alpha, data, build_report):
    built = _build(alpha, build_report, view="reasons")
    assert built.header == ["Reason", "Returns", "Returned amount"]
    assert built.rows == [
        ["Broken", 2, 20],
        ["Wrong size", 1, 10],
        ["No reason given", 1, 4],
        ["broken", 1, 4],
    ]
    assert built.run.chart["labels"] == ["Broken", "Wrong size", "No reason given", "broken"]
    assert built.run.chart["series"] == [{"name": "Returns", "values": [2, 1, 1, 1]}]


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["groups", "products", "reasons"])
def test_an_empty_period_gives_the_header_only(alpha, data, build_report, view):
    first, _second, _last = _months()
    empty_month = first.replace(year=first.year - 2)
    built = _build(
        alpha,
        build_report,
        view=view,
        date_from=empty_month.isoformat(),
        date_to=(empty_month + datetime.timedelta(days=20)).isoformat(),
    )
    assert len(built.header) == {"groups": 7, "products": 5, "reasons": 3}[view]
    assert built.rows == []
    assert built.run.chart is None
