"""Report 9: cohort retention, read back from the workbook, with a second tenant holding other
customers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from sales.models import Product, SalesDocument, Store
from sales.services.sales import LineInput, sale_register
from staff.models import User


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _months() -> list[datetime.date]:
    """The first days of the four months before this one, oldest first."""
    months = [timezone.localdate().replace(day=1)]
    for _ in range(4):
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    return months[:4]


def _day(month: datetime.date, day: int) -> datetime.datetime:
    return _moment(month.replace(day=day))


def _alpha_data() -> dict:
    """Olga bought before the period; Anna, Berit and Carl first bought in the period's first
    month, Dora (Gold, under Regulars) and Eve in its second, Frank (an order first) in its third."""
    before, first, second, third = _months()
    store = Store.objects.create(name="Main", code="M1")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
    regulars = CustomerGroup.objects.create(name="Regulars")
    gold = CustomerGroup.objects.create(name="Gold", parent=regulars)
    wholesale = CustomerGroup.objects.create(name="Wholesale")

    def customer(name, group=None):
        return Customer.objects.create(first_name=name, group=group)

    def buy(buyer, day, kind=SalesDocument.Kind.RECEIPT):
        sale_register(store=store, customer=buyer, kind=kind, lines=[LineInput("CUP-1", Decimal(1))], occurred_at=day)

    olga = customer("Olga", regulars)
    buy(olga, _day(before, 5))
    buy(olga, _day(first, 6))
    anna = customer("Anna", regulars)
    for month, day in ((first, 3), (second, 4), (third, 5)):
        buy(anna, _day(month, day))
    berit = customer("Berit", regulars)
    buy(berit, _day(first, 6))
    buy(berit, _day(third, 7))
    carl = customer("Carl")
    buy(carl, _day(first, 8))
    buy(carl, _day(first, 20))
    dora = customer("Dora", gold)
    buy(dora, _day(second, 9))
    buy(dora, _day(third, 10))
    buy(customer("Eve", wholesale), _day(second, 11))
    frank = customer("Frank")
    buy(frank, _day(first, 12), kind=SalesDocument.Kind.ORDER)
    buy(frank, _day(third, 13))
    buy(None, _day(first, 14))
    return {"regulars": regulars}


def _beta_data() -> None:
    _before, first, second, third = _months()
    store = Store.objects.create(name="Main", code="M1")
    Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
    for number, month in enumerate((first, first, second, third), start=1):
        sale_register(
            store=store,
            customer=Customer.objects.create(first_name=f"Beta {number}"),
            lines=[LineInput("CUP-1", Decimal(1))],
            occurred_at=_day(month, 15),
        )


@pytest.fixture
def data(alpha, beta):
    with tenant_context(beta.tenant):
        _beta_data()
    with tenant_context(alpha.tenant):
        return _alpha_data()


def _build(alpha, build_report, **values):
    _before, first, _second, _third = _months()
    values.setdefault("date_from", first.isoformat())
    values.setdefault("date_to", (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).isoformat())
    with tenant_context(alpha.tenant):
        return build_report(code="cohorts", data=values, tenant=alpha.tenant, user=User.objects.get(username="admin"))


def _label(month: datetime.date) -> str:
    return month.strftime("%Y-%m")


@pytest.mark.django_db
def test_cohorts_by_first_purchase_ever_and_the_heat_map(alpha, data, build_report):
    _before, first, second, third = _months()
    built = _build(alpha, build_report)
    assert built.values[0][0] == "Cohort retention"
    assert built.header == ["Cohort", "Customers", "Month 0", "Month 1", "Month 2"]
    # Olga bought before the period: in no cohort. Frank's order is no purchase. A month after
    # the period's end is empty.
    assert built.rows == [
        [_label(first), 3, 1, 1 / 3, 2 / 3],
        [_label(second), 2, 1, 0.5, None],
        [_label(third), 1, 1, None, None],
    ]
    assert built.run.chart == {
        "kind": "heatmap",
        "rows": [_label(first), _label(second), _label(third)],
        "labels": ["0", "1", "2"],
        "series": [
            {
                "name": "Share of the cohort that bought",
                "values": [[1.0, 1 / 3, 2 / 3], [1.0, 0.5, None], [1.0, None, None]],
            }
        ],
        "value_format": "percent",
    }


@pytest.mark.django_db
def test_a_customer_group_includes_its_sub_groups(alpha, data, build_report):
    _before, first, second, _third = _months()
    with tenant_context(alpha.tenant):
        regulars = data["regulars"].pk
    built = _build(alpha, build_report, customer_groups=[regulars])
    assert built.rows == [
        [_label(first), 2, 1, 0.5, 1],
        [_label(second), 1, 1, 1, None],
    ]


@pytest.mark.django_db
def test_a_period_running_on_past_today_leaves_the_future_empty(alpha, data, build_report):
    _before, _first, second, third = _months()
    built = _build(
        alpha,
        build_report,
        date_from=second.isoformat(),
        date_to=(timezone.localdate() + datetime.timedelta(days=40)).isoformat(),
    )
    # Anna bought in these months too, but her first purchase was before the period.
    assert built.header == ["Cohort", "Customers", "Month 0", "Month 1", "Month 2"]
    assert built.rows == [
        [_label(second), 2, 1, 0.5, 0],
        [_label(third), 1, 1, 0, None],
    ]


@pytest.mark.django_db
def test_an_empty_period_gives_the_header_only(alpha, data, build_report):
    _before, first, _second, _third = _months()
    empty_month = first.replace(year=first.year - 2)
    built = _build(
        alpha,
        build_report,
        date_from=empty_month.isoformat(),
        date_to=(empty_month + datetime.timedelta(days=20)).isoformat(),
    )
    assert built.header == ["Cohort", "Customers", "Month 0"]
    assert built.rows == []
    assert built.run.chart is None
