"""Report 8: the customer base in its three views, read back from the workbook, with another
retailer's customers present that must not count."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomProperty
from customers.services import group_create, property_create
from reports.definitions.customer_base import CustomerBaseForm
from staff.models import User


def _moment(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def _customers(*specs: dict) -> list[Customer]:
    """Customers from field values; `created_at` (auto_now_add) is set afterwards."""
    made = []
    for spec in specs:
        spec = dict(spec)
        created_at = spec.pop("created_at", None)
        spec.setdefault("first_name", "Mari")
        customer = Customer.objects.create(**spec)
        if created_at is not None:
            Customer.objects.filter(pk=customer.pk).update(created_at=created_at)
        made.append(customer)
    return made


def _build(build_report, setup, data: dict):
    with tenant_context(setup.tenant):
        return build_report(
            code="customer-base", data=data, tenant=setup.tenant, user=User.objects.get(username="marketer")
        )


@pytest.mark.django_db
def test_customers_by_status_and_group_with_the_control_queue(alpha, beta, build_report):
    with tenant_context(alpha.tenant):
        wholesale = group_create(name="Wholesale")
        big_buyers = group_create(name="Big buyers", parent=wholesale)
        friends = group_create(name="Friends")
        _customers(
            {"status": "introduced", "group": wholesale},
            {"status": "introduced", "group": wholesale},
            {"status": "introduced", "group": big_buyers},
            {"status": "introduced"},
            {"status": "control", "group": friends},
            {"status": "control"},
            {"status": "control"},
            {"status": "archived"},
        )
    with tenant_context(beta.tenant):
        beta_group = group_create(name="Wholesale")
        _customers(*[{"status": "control", "group": beta_group}] * 5, {"status": "introduced"})

    built = _build(build_report, alpha, {"view": "status-group", "date_from": "2000-01-01", "date_to": "2030-01-01"})

    # The period is for the monthly view only: neither shown nor stored here.
    assert built.run.parameters_text == [["View", "Customers by status and group"]]
    assert built.run.parameters["date_from"] is None
    assert built.values[0][0] == "Customer base"
    assert built.header == ["Status", "Group", "Customers"]
    assert built.rows == [
        ["Introduced", "Wholesale", 2],
        ["Introduced", "Wholesale / Big buyers", 1],
        ["Introduced", "No group", 1],
        ["Control", "Friends", 1],
        ["Control", "No group", 2],
        ["Archived", "No group", 1],
        ["All customers", None, 8],
        ["Control queue: records to complete", None, 3],
    ]
    assert built.run.chart == {
        "kind": "bar",
        "labels": ["Friends", "Wholesale", "Wholesale / Big buyers", "No group"],
        "series": [
            {"name": "Introduced", "values": [0, 2, 1, 1]},
            {"name": "Control", "values": [1, 0, 0, 2]},
            {"name": "Archived", "values": [0, 0, 0, 1]},
        ],
        "value_format": "integer",
    }


@pytest.mark.django_db
def test_an_empty_control_queue_is_stated_as_zero(alpha, build_report):
    with tenant_context(alpha.tenant):
        _customers({"status": "introduced"})

    built = _build(build_report, alpha, {"view": "status-group"})

    assert built.rows == [
        ["Introduced", "No group", 1],
        ["All customers", None, 1],
        ["Control queue: records to complete", None, 0],
    ]


@pytest.mark.django_db
def test_new_customers_per_month_with_purchases_and_consent(alpha, beta, build_report):
    with tenant_context(alpha.tenant):
        _customers(
            # January: four new; two have bought; three may receive marketing (one on both channels).
            {"created_at": _moment(2024, 1, 5), "purchase_count": 2, "email_consent": True},
            {"created_at": _moment(2024, 1, 6), "sms_consent": True},
            {"created_at": _moment(2024, 1, 7), "status": "archived"},
            {
                "created_at": _moment(2024, 1, 31, 23, 50),
                "purchase_count": 1,
                "email_consent": True,
                "sms_consent": True,
            },
            # March: one, late on the last day in the retailer's time zone.
            {"created_at": _moment(2024, 3, 31, 23, 30), "email_consent": True},
            # Outside the period by minutes.
            {"created_at": _moment(2023, 12, 31, 23, 59), "purchase_count": 1},
            {"created_at": _moment(2024, 4, 1, 0, 5), "email_consent": True},
        )
    with tenant_context(beta.tenant):
        _customers(*[{"created_at": _moment(2024, 2, 10), "purchase_count": 1, "email_consent": True}] * 6)

    built = _build(build_report, alpha, {"view": "new-per-month", "date_from": "2024-01-01", "date_to": "2024-03-31"})

    assert built.run.parameters_text == [
        ["View", "New customers per month"],
        ["From", "01/01/2024"],
        ["Until", "31/03/2024"],
    ]
    assert built.header == ["Month", "New customers", "Of them have bought", "Of them consent to marketing"]
    assert built.rows == [
        ["2024-01", 4, 2, 3],
        ["2024-02", 0, 0, 0],
        ["2024-03", 1, 0, 1],
    ]
    assert built.run.chart["kind"] == "bar"
    assert built.run.chart["labels"] == ["2024-01", "2024-02", "2024-03"]
    assert [series["values"] for series in built.run.chart["series"]] == [[4, 0, 1], [2, 0, 0], [3, 0, 1]]


@pytest.mark.django_db
def test_completeness_of_contact_fields_and_custom_properties_among_active_customers(alpha, beta, build_report):
    with tenant_context(alpha.tenant):
        property_create(code="colour", label_en="Favourite colour", type=CustomProperty.Type.TEXT, position=1)
        property_create(code="member", label_en="Club member", type=CustomProperty.Type.BOOLEAN, position=2)
        retired = property_create(code="fax", label_en="Fax", type=CustomProperty.Type.TEXT, position=3)
        CustomProperty.objects.filter(pk=retired.pk).update(is_archived=True)
        _customers(
            {
                "status": "introduced",
                "first_name": "Mari",
                "last_name": "Tamm",
                "phone": "+37251234567",
                "email": "mari@example.com",
                "birth_date": datetime.date(1985, 4, 12),
                "gender": "female",
                "language": "et",
                "address": "Raekoja plats 1",
                "postal_code": "10146",
                "city": "Tallinn",
                "country": "EE",
                # "No" answers the question: filled in.
                "properties": {"colour": "Red", "member": False, "fax": "123"},
            },
            {"status": "control", "first_name": "Jaan", "properties": {"colour": ""}},
            {
                "status": "control",
                "first_name": "",
                "last_name": "Kask",
                "email": "kask@example.com",
                "properties": {"colour": None, "member": True},
            },
            {"status": "introduced", "first_name": "Ülle", "phone": "+37255555555", "properties": {}},
            # Archived customers are not counted, however complete.
            {
                "status": "archived",
                "first_name": "Old",
                "last_name": "Customer",
                "phone": "+37256666666",
                "email": "old@example.com",
                "city": "Tartu",
                "properties": {"colour": "Blue", "member": True},
            },
        )
    with tenant_context(beta.tenant):
        property_create(code="colour", label_en="Colour", type=CustomProperty.Type.TEXT)
        _customers(*[{"status": "introduced", "email": "b@example.com", "properties": {"colour": "Green"}}] * 3)

    built = _build(build_report, alpha, {"view": "completeness"})

    assert built.header == ["Field", "Kind", "Filled in", "Share of active customers"]
    standard, custom = "Standard field", "Custom property"
    assert built.rows == [
        ["First name", standard, 3, 0.75],
        ["Last name", standard, 2, 0.5],
        ["Phone", standard, 2, 0.5],
        ["E-mail", standard, 2, 0.5],
        ["Birth date", standard, 1, 0.25],
        ["Gender", standard, 1, 0.25],
        ["Language for communication", standard, 1, 0.25],
        ["Address", standard, 1, 0.25],
        ["Postal code", standard, 1, 0.25],
        ["City", standard, 1, 0.25],
        ["Country", standard, 1, 0.25],
        ["Favourite colour", custom, 1, 0.25],
        ["Club member", custom, 2, 0.5],
    ]
    assert built.sheet.cell(row=built.sheet.max_row, column=4).number_format == "0.0%"
    assert built.run.chart["value_format"] == "percent"
    assert built.run.chart["labels"][-2:] == ["Favourite colour", "Club member"]
    assert built.run.chart["series"][0]["values"][-2:] == [0.25, 0.5]


@pytest.mark.django_db
def test_completeness_with_no_active_customer_leaves_the_share_empty(alpha, build_report):
    with tenant_context(alpha.tenant):
        _customers({"status": "archived", "phone": "+37251234567"})

    built = _build(build_report, alpha, {"view": "completeness"})

    assert built.rows[0] == ["First name", "Standard field", 0, None]
    assert len(built.rows) == 11


@pytest.mark.django_db
def test_the_period_is_required_for_the_monthly_view_only(alpha):
    with tenant_context(alpha.tenant):
        monthly = CustomerBaseForm({"view": "new-per-month"}, tenant=alpha.tenant)
        assert not monthly.is_valid()
        assert monthly.non_field_errors() == ["Give the period: both its first and its last day."]
        # A period longer than the plan allows does not matter where the period is not used.
        overall = CustomerBaseForm(
            {"view": "completeness", "date_from": "2000-01-01", "date_to": "2020-01-01"}, tenant=alpha.tenant
        )
        assert overall.is_valid(), overall.errors
        assert overall.parameters() == {"view": "completeness", "date_from": None, "date_to": None}


@pytest.mark.django_db
def test_the_form_page_offers_the_three_views(alpha, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get("/reports/customer-base/")
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Customers by status and group", "New customers per month", "Completeness of the records"):
        assert label in page
