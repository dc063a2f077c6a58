"""The customer card: header figures, tabs reachable by URL and by htmx, query budget."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerNote
from customers.services import property_create
from tests.conftest import client_for

TABS = ["overview", "sales", "returns", "cards", "points", "notes", "history"]


@pytest.fixture
def customer(alpha):
    with tenant_context(alpha.tenant):
        property_create(code="shoe_size", label_en="Shoe size", type="number")
        customer = Customer.objects.create(
            first_name="Mari",
            last_name="Tamm",
            phone="+37251234567",
            status="control",
            purchase_count=4,
            purchase_total=Decimal("1234.50"),
            first_purchase_at=timezone.now() - datetime.timedelta(days=300),
            last_purchase_at=timezone.now() - datetime.timedelta(days=12),
            properties={"shoe_size": "38"},
        )
        for number in range(5):
            CustomerNote.objects.create(customer=customer, text=f"note {number}")
            CustomerEvent.objects.create(customer=customer, kind="changed", field="city", new_value=str(number))
    return customer


@pytest.mark.django_db
def test_the_header_shows_the_purchase_figures_in_the_users_language(alpha, customer):
    client = client_for(alpha, alpha.marketer)
    card = client.get(f"/customers/{customer.pk}/")
    assert card.context["card"].average_receipt == Decimal("308.625")
    assert card.context["card"].days_since_last_purchase == 12
    page = card.content.decode()
    assert "1,234.50 EUR" in page and "308.62 EUR" in page
    assert "Missing: last name" not in page and "Missing: e-mail" not in page
    client.post("/language/", {"language": "de", "next": "/"})
    assert "1.234,50 EUR" in client.get(f"/customers/{customer.pk}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tab", TABS)
def test_every_tab_has_its_url_and_a_fixed_number_of_queries(alpha, customer, tab, django_assert_max_num_queries):
    client = client_for(alpha, alpha.marketer)
    connection.set_schema_to_public()
    path = f"/customers/{customer.pk}/" if tab == "overview" else f"/customers/{customer.pk}/{tab}/"
    with django_assert_max_num_queries(14):
        full = client.get(path)
    assert full.status_code == 200
    assert full.context["tab"] == tab
    partial = client.get(path, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert "<html" not in partial.content.decode()


@pytest.mark.django_db
def test_empty_tabs_say_what_will_appear(alpha, customer):
    client = client_for(alpha, alpha.cashier)
    assert "No sales yet." in client.get(f"/customers/{customer.pk}/sales/").content.decode()
    assert "No cards or coupons." in client.get(f"/customers/{customer.pk}/cards/").content.decode()


@pytest.mark.django_db
def test_an_unknown_tab_or_customer_is_not_found(alpha, customer):
    client = client_for(alpha, alpha.marketer)
    assert client.get(f"/customers/{customer.pk}/invoices/").status_code == 404
    assert client.get("/customers/999999/").status_code == 404
