"""Report 5: purchase trends per month and split value, read back from the workbook, with a
second tenant holding other sales."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from sales.models import Product, ProductGroup, SalesDocument, Store
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

HEADER_END = ["Customers", "Receipts", "Amount", "Average receipt"]


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


def _born(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year - years)


def _alpha_sales() -> dict:
    """In alpha: Anna (Regulars, 30), Berit (Gold under Regulars, 24 until the 6th of the first
    month), Carl (Wholesale, no birth date, male); cups in the Kitchen group, tea in none."""
    first, second, last = _months()
    main = Store.objects.create(name="Main", code="M1")
    harbour = Store.objects.create(name="Harbour", code="H1")
    kitchen = ProductGroup.objects.create(name="Kitchen")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00", group=kitchen)
    Product.objects.create(sku="TEA-1", name="Tea", list_price="4.00")
    regulars = CustomerGroup.objects.create(name="Regulars")
    gold = CustomerGroup.objects.create(name="Gold", parent=regulars)
    wholesale = CustomerGroup.objects.create(name="Wholesale")
    anna = Customer.objects.create(
        first_name="Anna", group=regulars, gender="female", birth_date=_born(first.replace(day=3), 30)
    )
    berit = Customer.objects.create(
        first_name="Berit", group=gold, gender="female", birth_date=_born(first.replace(day=6), 25)
    )
    carl = Customer.objects.create(first_name="Carl", group=wholesale, gender="male")

    def sale(customer, store, day, lines, kind=SalesDocument.Kind.RECEIPT):
        return sale_register(
            store=store,
            customer=customer,
            kind=kind,
            lines=[LineInput(code, Decimal(quantity)) for code, quantity in lines],
            occurred_at=day,
        )

    # Before the period: not counted.
    sale(anna, main, _day(first, 1) - datetime.timedelta(days=10), [("CUP-1", 1)])
    anna_first = sale(anna, main, _day(first, 3), [("CUP-1", 2), ("TEA-1", 1)])  # 24.00
    sale(anna, harbour, _day(first, 10), [("TEA-1", 1)])  # 4.00
    sale(berit, main, _day(first, 5), [("CUP-1", 1)])  # 10.00, aged 24
    sale(carl, main, _day(second, 4), [("TEA-1", 3)])  # 12.00
    sale(berit, harbour, _day(second, 8), [("CUP-1", 1), ("TEA-1", 1)])  # 14.00, aged 25
    # Not counted: a sale without a customer, an order, a sale after the period.
    sale(None, main, _day(first, 12), [("CUP-1", 5)])
    sale(anna, main, _day(second, 9), [("CUP-1", 5)], kind=SalesDocument.Kind.ORDER)
    sale(anna, main, _day(last, 2), [("CUP-1", 5)])
    # A return does not change the amount of the receipt.
    return_register(
        sale=anna_first,
        lines=[ReturnLineInput(anna_first.lines.get(product__sku="TEA-1").pk, Decimal("1"))],
        occurred_at=_day(first, 15),
    )
    return {"regulars": regulars, "gold": gold, "kitchen": kitchen, "harbour": harbour}


def _beta_sales() -> None:
    first, second, _last = _months()
    store = Store.objects.create(name="Main", code="M1")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="99.00")
    group = CustomerGroup.objects.create(name="Regulars")
    customer = Customer.objects.create(first_name="Other", group=group, gender="male")
    for month in (first, second):
        sale_register(
            store=store, customer=customer, lines=[LineInput("CUP-1", Decimal(3))], occurred_at=_day(month, 7)
        )


@pytest.fixture
def sales(alpha, beta):
    with tenant_context(beta.tenant):
        _beta_sales()
    with tenant_context(alpha.tenant):
        return _alpha_sales()


def _build(alpha, build_report, **data):
    first, _second, last = _months()
    data.setdefault("date_from", first.isoformat())
    data.setdefault("date_to", (last - datetime.timedelta(days=1)).isoformat())
    with tenant_context(alpha.tenant):
        return build_report(
            code="purchase-trends", data=data, tenant=alpha.tenant, user=User.objects.get(username="admin")
        )


@pytest.mark.django_db
def test_split_by_customer_group(alpha, sales, build_report):
    first, second, _last = _months()
    built = _build(alpha, build_report, split="group")
    assert built.values[0][0] == "Purchase trends by group"
    assert built.header == ["Month", "Customer group", *HEADER_END]
    first_label, second_label = first.strftime("%Y-%m"), second.strftime("%Y-%m")
    # Regulars' 28.00 in the first month is the gross of Anna's two receipts, the return not taken off.
    assert built.rows == [
        [first_label, "Regulars", 1, 2, 28, 14],
        [first_label, "Regulars › Gold", 1, 1, 10, 10],
        [second_label, "Regulars › Gold", 1, 1, 14, 14],
        [second_label, "Wholesale", 1, 1, 12, 12],
    ]


@pytest.mark.django_db
def test_split_by_age_at_the_receipt_with_a_group_and_its_sub_group(alpha, sales, build_report):
    first, second, _last = _months()
    with tenant_context(alpha.tenant):
        regulars = sales["regulars"].pk
    built = _build(alpha, build_report, split="age", customer_groups=[regulars])
    assert built.header == ["Month", "Age band", *HEADER_END]
    # Berit (in Gold, a sub-group of Regulars) was 24 on her first receipt and 25 on her second;
    # Carl (Wholesale) is not in the chosen group.
    assert built.rows == [
        [first.strftime("%Y-%m"), "Under 25", 1, 1, 10, 10],
        [first.strftime("%Y-%m"), "25–34", 1, 2, 28, 14],
        [second.strftime("%Y-%m"), "25–34", 1, 1, 14, 14],
    ]
    assert [line[0] for line in built.run.parameters_text] == ["From", "Until", "Customer groups", "Split by"]


@pytest.mark.django_db
def test_split_by_store_counts_only_the_lines_of_the_chosen_products(alpha, sales, build_report):
    first, second, _last = _months()
    with tenant_context(alpha.tenant):
        kitchen = sales["kitchen"].pk
    built = _build(alpha, build_report, split="store", product_groups=[kitchen])
    assert built.header == ["Month", "Store", *HEADER_END]
    # Anna's receipt at the harbour held only tea; her first receipt counts for its cups (20.00).
    assert built.rows == [
        [first.strftime("%Y-%m"), "Main", 2, 2, 30, 15],
        [second.strftime("%Y-%m"), "Harbour", 1, 1, 10, 10],
    ]


@pytest.mark.django_db
def test_split_by_gender_and_the_line_chart(alpha, sales, build_report):
    first, second, _last = _months()
    with tenant_context(alpha.tenant):
        harbour = sales["harbour"].pk
    built = _build(alpha, build_report, split="gender")
    assert built.header == ["Month", "Gender", *HEADER_END]
    assert built.rows == [
        [first.strftime("%Y-%m"), "Female", 2, 3, 38, 12.67],
        [second.strftime("%Y-%m"), "Female", 1, 1, 14, 14],
        [second.strftime("%Y-%m"), "Male", 1, 1, 12, 12],
    ]
    assert built.run.chart == {
        "kind": "line",
        "labels": [first.strftime("%Y-%m"), second.strftime("%Y-%m")],
        "series": [{"name": "Female", "values": [38.0, 14.0]}, {"name": "Male", "values": [0.0, 12.0]}],
        "value_format": "money",
    }
    by_store = _build(alpha, build_report, split="store", stores=[harbour])
    assert by_store.rows == [
        [first.strftime("%Y-%m"), "Harbour", 1, 1, 4, 4],
        [second.strftime("%Y-%m"), "Harbour", 1, 1, 14, 14],
    ]


@pytest.mark.django_db
def test_more_than_eight_split_values_make_an_other_line(alpha, build_report):
    first, _second, _last = _months()
    with tenant_context(alpha.tenant):
        Product.objects.create(sku="CUP-1", name="Cup", list_price="1.00")
        customer = Customer.objects.create(first_name="Mari")
        # Store 1 sells 1 cup, store 9 nine: stores 3 to 9 are the seven biggest.
        for number in range(1, 10):
            store = Store.objects.create(name=f"Store {number}", code=f"S{number}")
            sale_register(
                store=store,
                customer=customer,
                lines=[LineInput("CUP-1", Decimal(number))],
                occurred_at=_day(first, number),
            )
    built = _build(alpha, build_report, split="store", date_to=(first + datetime.timedelta(days=27)).isoformat())
    assert len(built.rows) == 9
    chart = built.run.chart
    assert chart["labels"] == [first.strftime("%Y-%m")]
    assert chart["series"] == [
        *({"name": f"Store {number}", "values": [float(number)]} for number in range(3, 10)),
        {"name": "Other", "values": [3.0]},
    ]


@pytest.mark.django_db
def test_an_empty_period_gives_the_header_only(alpha, sales, build_report):
    first, _second, _last = _months()
    empty_month = first.replace(year=first.year - 2)
    built = _build(
        alpha,
        build_report,
        split="age",
        date_from=empty_month.isoformat(),
        date_to=(empty_month + datetime.timedelta(days=20)).isoformat(),
    )
    assert built.header == ["Month", "Age band", *HEADER_END]
    assert built.rows == []
    assert built.run.chart is None
    assert built.run.row_count == 0
