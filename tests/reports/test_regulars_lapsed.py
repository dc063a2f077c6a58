"""Report 4: regulars and lapsed customers, both lists read back from the workbook, with two
retailers present; contacts only with consent; bad input refused."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services import group_create
from reports.models import ReportRun
from reports.registry import report_get
from sales.models import Product, Store
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

TOP_HEADER = [
    "Rank",
    "Customer code",
    "Name",
    "Group",
    "Receipts",
    "Amount",
    "Last purchase in the period",
    "E-mail",
    "Phone",
]
WIN_BACK_HEADER = [
    "Customer code",
    "Name",
    "Group",
    "Purchases",
    "Amount",
    "Last purchase",
    "Days since the last purchase",
    "E-mail",
    "Phone",
]


def _moment(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _local(days_ago: int) -> datetime.datetime:
    return _moment(days_ago).replace(tzinfo=None)


def _sell(store, customer, cups: int, days_ago: int, **options):
    return sale_register(
        store=store,
        customer=customer,
        lines=[LineInput("CUP-1", Decimal(cups))],
        occurred_at=_moment(days_ago),
        **options,
    )


def _give_back(sale, cups: int, days_ago: int):
    return_register(
        sale=sale, lines=[ReturnLineInput(sale.lines.get().pk, Decimal(cups))], occurred_at=_moment(days_ago)
    )


def _build(build_report, setup, data):
    with tenant_context(setup.tenant):
        admin = User.objects.get(username="admin")
        return build_report(code="regulars-lapsed", data=data, tenant=setup.tenant, user=admin)


def _period(**extra) -> dict:
    today = timezone.localdate()
    return {
        "list": "top",
        "date_from": (today - datetime.timedelta(days=30)).isoformat(),
        "date_to": today.isoformat(),
        "top_count": 100,
        **extra,
    }


@pytest.fixture
def sales(alpha, beta):
    """In beta, a customer who outspends all of alpha's. In alpha, over the last 30 days: Anna
    90.00 at the second store; Mari 80.00 in two receipts less a return of 20.00; Jaan 70.00 less
    10.00 given back from a sale before the period; an archived big spender; an order; a sale
    before the period only."""
    with tenant_context(beta.tenant):
        store = Store.objects.create(name="Main", code="M1")
        Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
        whale = Customer.objects.create(first_name="Whale", status="introduced", email_consent=True, email="w@b.ee")
        _sell(store, whale, 100, 5)
    with tenant_context(alpha.tenant):
        main = Store.objects.create(name="Main", code="M1")
        second = Store.objects.create(name="Second", code="S2")
        Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
        regulars = group_create(name="Regulars")
        people = {
            "Mari": Customer.objects.create(
                first_name="Mari",
                last_name="Tamm",
                status="introduced",
                email="mari@example.com",
                email_consent=True,
                phone="+37251234567",
            ),
            "Jaan": Customer.objects.create(
                first_name="Jaan",
                last_name="Saar",
                status="control",
                group=regulars,
                email="jaan@example.com",
                phone="+37255550000",
                sms_consent=True,
            ),
            "Anna": Customer.objects.create(
                first_name="Anna", last_name="Kask", status="introduced", group=regulars, email="anna@example.com"
            ),
            "Old": Customer.objects.create(first_name="Old", last_name="Archive", status="archived"),
            "Kaur": Customer.objects.create(first_name="Kaur", last_name="Mets", status="introduced"),
        }
        first = _sell(main, people["Mari"], 5, 20)
        _sell(main, people["Mari"], 3, 8)
        _give_back(first, 2, 6)
        _sell(main, people["Mari"], 10, 3, kind="order")
        before = _sell(main, people["Jaan"], 10, 45)
        _sell(main, people["Jaan"], 7, 12)
        _give_back(before, 1, 10)
        _sell(second, people["Anna"], 9, 2)
        _sell(main, people["Old"], 20, 4)
        _sell(main, people["Kaur"], 30, 40)
    return {"stores": {"main": main, "second": second}, "regulars": regulars, "people": people}


@pytest.mark.django_db
def test_top_customers_by_amount_net_of_returns_in_the_period(alpha, sales, build_report):
    built = _build(build_report, alpha, _period())
    assert built.values[0][0] == "Regulars and lapsed customers"
    assert built.header == TOP_HEADER
    people = sales["people"]
    # Mari and Jaan both come to 60.00: more receipts first. Only Mari's e-mail and Jaan's phone
    # have consent; Anna has none.
    assert built.rows == [
        [1, people["Anna"].pk, "Anna Kask", "Regulars", 1, 90, _local(2), None, None],
        [2, people["Mari"].pk, "Mari Tamm", None, 2, 60, _local(8), "mari@example.com", None],
        [3, people["Jaan"].pk, "Jaan Saar", "Regulars", 1, 60, _local(12), None, "+37255550000"],
    ]
    assert built.run.parameters_text[0] == ["List", "Top customers by amount in the period"]
    assert built.run.chart is None


@pytest.mark.django_db
def test_top_customers_of_a_store_a_group_and_a_shorter_list(alpha, sales, build_report):
    people = sales["people"]
    main = _build(build_report, alpha, _period(stores=[sales["stores"]["main"].pk], top_count=1))
    assert [row[:6] for row in main.rows] == [[1, people["Mari"].pk, "Mari Tamm", None, 2, 60]]
    grouped = _build(build_report, alpha, _period(customer_groups=[sales["regulars"].pk]))
    assert [row[2] for row in grouped.rows] == ["Anna Kask", "Jaan Saar"]


@pytest.fixture
def figures(alpha, beta):
    """Customers by their purchase figures: days since the last purchase, purchases, amount."""

    def make(first_name, days, purchases, amount, **fields):
        return Customer.objects.create(
            first_name=first_name,
            last_name="Test",
            status=fields.pop("status", "introduced"),
            purchase_count=purchases,
            purchase_total=Decimal(amount),
            first_purchase_at=_moment(days + 300) if days is not None else None,
            last_purchase_at=_moment(days) if days is not None else None,
            **fields,
        )

    with tenant_context(beta.tenant):
        make("Beta", 200, 50, "5000.00")
    with tenant_context(alpha.tenant):
        group = group_create(name="Lapsed regulars")
        return {
            "Lea": make("Lea", 120, 5, "500.00", email="lea@example.com", email_consent=True),
            "Mart": make("Mart", 91, 3, "300.00", group=group, phone="+37256667777", sms_consent=True),
            "Pille": make("Pille", 90, 4, "400.00"),
            "Rein": make("Rein", 200, 2, "1000.00", phone="+37251112222"),
            "Siim": make("Siim", 5, 10, "900.00"),
            "Tonu": make("Tonu", 200, 6, "600.00", status="archived"),
            "Urve": make("Urve", None, 0, "0.00"),
            "group": group,
        }


@pytest.mark.django_db
def test_customers_to_win_back(alpha, figures, build_report):
    # A period left in the form does not apply to this list and is not shown.
    built = _build(build_report, alpha, {**_period(), "list": "win-back", "lapsed_days": 90, "min_purchases": 3})
    assert built.header == WIN_BACK_HEADER
    assert built.run.parameters_text == [
        ["List", "Customers to win back: regulars who stopped buying"],
        ["No purchase for more than (days)", "90"],
        ["Bought at least (times)", "3"],
    ]
    # Pille's last purchase is 90 days old, not more; Rein bought twice; Siim lately; Tonu is archived.
    assert built.rows == [
        [figures["Lea"].pk, "Lea Test", None, 5, 500, _local(120), 120, "lea@example.com", None],
        [figures["Mart"].pk, "Mart Test", "Lapsed regulars", 3, 300, _local(91), 91, None, "+37256667777"],
    ]
    wider = _build(build_report, alpha, {"list": "win-back", "lapsed_days": 100, "min_purchases": 2})
    assert [row[1] for row in wider.rows] == ["Rein Test", "Lea Test"]
    assert wider.rows[0][-2:] == [None, None]
    grouped = _build(
        build_report,
        alpha,
        {"list": "win-back", "lapsed_days": 90, "min_purchases": 3, "customer_groups": [figures["group"].pk]},
    )
    assert [row[1] for row in grouped.rows] == ["Mart Test"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"list": "win-back", "lapsed_days": 0, "min_purchases": 3},
            {"lapsed_days": ["Give the days without a purchase: 1 or more."]},
        ),
        (
            {"list": "win-back", "lapsed_days": 90, "min_purchases": 0},
            {"min_purchases": ["Give how many purchases a customer made at least: 1 or more."]},
        ),
        (
            {"list": "win-back", "lapsed_days": -5, "min_purchases": ""},
            {
                "lapsed_days": ["Give the days without a purchase: 1 or more."],
                "min_purchases": ["Give how many purchases a customer made at least: 1 or more."],
            },
        ),
        ({"list": "top", "top_count": 100}, {"__all__": ["Give the period: both its first and its last day."]}),
        ({**_period(), "top_count": ""}, {"top_count": ["Say how many customers to list."]}),
        ({**_period(), "top_count": 0}, {"top_count": ["Ensure this value is greater than or equal to 1."]}),
        ({"list": "everyone"}, {"list": ["Select a valid choice. everyone is not one of the available choices."]}),
    ],
)
def test_bad_input_is_refused_with_a_message_and_builds_nothing(alpha, data, errors, tenant_client):
    with tenant_context(alpha.tenant):
        form = report_get("regulars-lapsed").form_class(data, tenant=alpha.tenant)
        assert not form.is_valid()
        assert form.errors == errors
        runs = ReportRun.objects.count()
    response = tenant_client(alpha, alpha.marketer).post("/reports/regulars-lapsed/", data)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for messages in errors.values():
        assert messages[0] in page
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == runs


@pytest.mark.django_db
def test_the_win_back_list_needs_no_period(alpha):
    with tenant_context(alpha.tenant):
        form = report_get("regulars-lapsed").form_class(
            {"list": "win-back", "lapsed_days": 90, "min_purchases": 3}, tenant=alpha.tenant
        )
        assert form.is_valid(), form.errors
        assert form.parameters()["date_from"] is None and form.parameters()["list"] == "win-back"
