"""The customer card: header figures, tabs reachable by URL and by htmx, query budget."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.card_tabs import CardTab, card_tabs
from customers.models import Customer, CustomerEvent, CustomerNote
from customers.selectors.card import notes_tab_context
from customers.services import property_create
from staff.roles import Right

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
def test_the_header_shows_the_purchase_figures_in_the_users_language(alpha, customer, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    card = client.get(f"/customers/{customer.pk}/")
    assert card.context["card"].average_receipt == Decimal("308.625")
    assert card.context["card"].days_since_last_purchase == 12
    page = card.content.decode()
    assert "1,234.50 EUR" in page and "308.63 EUR" in page  # 308.625: a half cent rounds up
    assert "Missing: last name" not in page and "Missing: e-mail" not in page
    client.post("/language/", {"language": "de", "next": "/"})
    assert "1.234,50 EUR" in client.get(f"/customers/{customer.pk}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tab", TABS)
def test_every_tab_has_its_url_and_a_fixed_number_of_queries(
    alpha, customer, tab, django_assert_max_num_queries, tenant_client
):
    client = tenant_client(alpha, alpha.marketer)
    connection.set_schema_to_public()
    path = f"/customers/{customer.pk}/" if tab == "overview" else f"/customers/{customer.pk}/{tab}/"
    with django_assert_max_num_queries(14):
        full = client.get(path)
    assert full.status_code == 200
    assert full.context["tab"] == tab
    partial = client.get(path, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert "<html" not in partial.content.decode()


@pytest.mark.django_db
def test_empty_tabs_say_what_will_appear(alpha, customer, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    assert "No sales yet." in client.get(f"/customers/{customer.pk}/sales/").content.decode()
    assert "No cards or coupons." in client.get(f"/customers/{customer.pk}/cards/").content.decode()


@pytest.mark.django_db
def test_an_unknown_tab_or_customer_is_not_found(alpha, customer, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    assert client.get(f"/customers/{customer.pk}/invoices/").status_code == 404
    assert client.get("/customers/999999/").status_code == 404


@pytest.mark.django_db
def test_the_tab_list_and_its_order_come_from_the_registry(alpha, customer, tenant_client):
    assert [tab.code for tab in card_tabs] == TABS
    wishes = CardTab(
        code="wishes",
        label="Wishes",
        order=65,
        right=None,
        template="customers/card/_tab_notes.html",
        provider=notes_tab_context,
    )
    client = tenant_client(alpha, alpha.marketer)
    with card_tabs.registered(wishes):
        card = client.get(f"/customers/{customer.pk}/")
        assert [tab.code for tab in card.context["tabs"]] == [*TABS[:6], "wishes", "history"]
        page = card.content.decode()
        positions = [page.index(f'data-tab="{code}"') for code in [*TABS[:6], "wishes", "history"]]
        assert positions == sorted(positions)
        assert ">Wishes</a>" in page and ">Marketing instruments</a>" in page
        assert client.get(f"/customers/{customer.pk}/wishes/").status_code == 200
    assert client.get(f"/customers/{customer.pk}/wishes/").status_code == 404


@pytest.mark.django_db
def test_a_tab_that_needs_a_right_is_neither_listed_nor_opened_without_it(alpha, customer, tenant_client):
    budget = CardTab(
        code="budget",
        label="Budget",
        order=15,
        right=Right.MANAGE_SETTINGS,
        template="customers/card/_tab_notes.html",
        provider=notes_tab_context,
    )
    with card_tabs.registered(budget):
        cashier = tenant_client(alpha, alpha.cashier)
        assert "budget" not in [tab.code for tab in cashier.get(f"/customers/{customer.pk}/").context["tabs"]]
        refused = cashier.get(f"/customers/{customer.pk}/budget/")
        assert refused.status_code == 403
        assert 'data-testid="forbidden"' in refused.content.decode()
        admin = tenant_client(alpha, alpha.admin)
        assert admin.get(f"/customers/{customer.pk}/").context["tabs"][1].code == "budget"
        assert admin.get(f"/customers/{customer.pk}/budget/").status_code == 200


@pytest.mark.django_db
def test_a_tab_loaded_by_htmx_comes_with_the_tab_list_marking_it(alpha, customer, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    partial = client.get(f"/customers/{customer.pk}/notes/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    page = partial.content.decode()
    assert 'id="card-tabs"' in page and 'hx-swap-oob="true"' in page
    assert 'class="nav-link active" role="tab" aria-selected="true"\n       data-tab="notes"' in page
    assert page.count(" active") == 1 and "onclick" not in page
    full = client.get(f"/customers/{customer.pk}/notes/").content.decode()
    assert "onclick" not in full and "hx-swap-oob" not in full
