"""Who changed a store, a terminal or a price list: one event per change, with the acting person,
shown where the thing is edited; a refused change writes none; each retailer sees only its own."""

import pytest
from django_tenants.utils import tenant_context

from sales.models import PriceList, PriceListItem, Product, SalesEvent, Store, Terminal
from sales.services.price_lists import price_list_create
from sales.services.products import product_create
from sales.services.stores import store_create, terminal_create, terminal_revoke
from staff.models import User


@pytest.fixture
def store(alpha):
    with tenant_context(alpha.tenant):
        return store_create(tenant=alpha.tenant, name="Tallinn centre", code="TLN1", address="Viru 1")


def events(setup, **filters) -> list[tuple]:
    with tenant_context(setup.tenant):
        return list(
            SalesEvent.objects.filter(**filters)
            .order_by("pk")
            .values_list("kind", "acting_user__username", "terminal__name", "changes")
        )


@pytest.mark.django_db
def test_adding_rotating_and_revoking_a_terminal_each_write_one_event_by_the_admin(alpha, store, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post(f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": "Till 1"})
    with tenant_context(alpha.tenant):
        terminal = Terminal.objects.get()
        first_prefix = terminal.token_prefix
    client.post(f"/settings/sales/terminals/{terminal.pk}/rotate/")
    with tenant_context(alpha.tenant):
        second_prefix = Terminal.objects.get().token_prefix
    client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/")
    assert events(alpha, terminal=terminal) == [
        ("terminal_created", "admin", "Till 1", {"name": [None, "Till 1"], "token_prefix": [None, first_prefix]}),
        ("terminal_rotated", "admin", "Till 1", {"token_prefix": [first_prefix, second_prefix]}),
        ("terminal_revoked", "admin", "Till 1", {"is_active": [True, False]}),
    ]
    with tenant_context(alpha.tenant):
        assert SalesEvent.objects.filter(store=store, terminal=terminal).count() == 3


@pytest.mark.django_db
def test_the_store_page_shows_the_history_of_the_store_and_its_terminals(alpha, store, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post(f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": "Till 1"})
    with tenant_context(alpha.tenant):
        terminal = Terminal.objects.get()
    client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/")
    response = client.get(f"/settings/sales/stores/{store.pk}/")
    rows = [
        (
            row.event.get_kind_display(),
            str(row.event.acting_user or "—"),
            [(c.label, c.old, c.new) for c in row.changes],
        )
        for row in response.context["history"]
    ]
    assert rows == [
        ("Terminal revoked", "admin", [("active", "yes", "no")]),
        ("Terminal added", "admin", [("name", None, "Till 1"), ("token starts with", None, terminal.token_prefix)]),
        (
            "Store added",
            "—",
            [
                ("name", None, "Tallinn centre"),
                ("code", None, "TLN1"),
                ("address", None, "Viru 1"),
                ("active", None, "yes"),
            ],
        ),
    ]
    page = response.content.decode()
    assert 'data-testid="history"' in page
    assert page.count('data-testid="history-row"') == 3
    assert "Terminal revoked “Till 1”" in page.replace("&ldquo;", "“").replace("&rdquo;", "”")


@pytest.mark.django_db
def test_a_refused_terminal_change_writes_no_event(alpha, store, tenant_client):
    with tenant_context(alpha.tenant):
        terminal, _token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
        terminal_revoke(terminal=terminal)
        closed = store_create(tenant=alpha.tenant, name="Closed", code="OLD", is_active=False)
        before = SalesEvent.objects.count()
    client = tenant_client(alpha, alpha.admin)
    client.post(f"/settings/sales/terminals/{terminal.pk}/rotate/")
    client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/")
    client.post(f"/settings/sales/stores/{closed.pk}/terminals/new/", {"terminal-name": "Till 2"})
    client.post(f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": " "})
    with tenant_context(alpha.tenant):
        assert SalesEvent.objects.count() == before
        assert Terminal.objects.count() == 1


@pytest.mark.django_db
def test_adding_and_changing_a_store_write_events_with_what_changed(alpha, store, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post("/settings/sales/stores/new/", {"name": "Tartu", "code": "TRT", "is_active": "on"})
    with tenant_context(alpha.tenant):
        tartu = Store.objects.get(code="TRT")
    path = f"/settings/sales/stores/{tartu.pk}/"
    client.post(path, {"name": "Tartu Rüütli", "code": "TRT", "address": "Rüütli 2", "is_active": "on"})
    client.post(path, {"name": "Tartu Rüütli", "code": "TRT", "address": "Rüütli 2", "is_active": "on"})
    refused = client.post(path, {"name": "Tartu", "code": "tln1", "is_active": "on"})
    assert refused.context["form"].errors["code"] == ["A store with the code “tln1” already exists."]
    assert events(alpha, store=tartu) == [
        ("store_created", "admin", None, {"name": [None, "Tartu"], "code": [None, "TRT"], "is_active": [None, True]}),
        ("store_changed", "admin", None, {"name": ["Tartu", "Tartu Rüütli"], "address": ["", "Rüütli 2"]}),
    ]


@pytest.mark.django_db
def test_price_list_changes_write_events_shown_on_the_price_list(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        mug = product_create(sku="CUP-1", name="Mug", list_price="10.00")
    client = tenant_client(alpha, alpha.admin)
    client.post("/settings/sales/price-lists/new/", {"name": "VIP prices", "valid_from": "2025-01-01"})
    with tenant_context(alpha.tenant):
        price_list = PriceList.objects.get()
    path = f"/settings/sales/price-lists/{price_list.pk}/"
    client.post(path, {"name": "VIP prices", "valid_from": "2025-01-01", "valid_to": "2025-12-31"})
    client.post(f"{path}items/", {"product": mug.pk, "fixed_price": "7.50"})
    with tenant_context(alpha.tenant):
        item = PriceListItem.objects.get()
    client.post(f"{path}items/{item.pk}/", {"product": mug.pk, "fixed_price": "7.00"})
    refused = client.post(f"{path}items/{item.pk}/", {"product": mug.pk, "percent_off": "150"})
    assert refused.status_code == 200
    client.post(f"{path}items/{item.pk}/remove/")
    expected = [
        ("price_list_created", "admin", None, {"name": [None, "VIP prices"], "valid_from": [None, "2025-01-01"]}),
        ("price_list_changed", "admin", None, {"valid_to": [None, "2025-12-31"]}),
        ("price_list_item_added", "admin", None, {"product": [None, "Mug (CUP-1)"], "fixed_price": [None, "7.50"]}),
        ("price_list_item_changed", "admin", None, {"fixed_price": ["7.50", "7.00"]}),
        ("price_list_item_removed", "admin", None, {"product": ["Mug (CUP-1)", None], "fixed_price": ["7.00", None]}),
    ]
    assert events(alpha, price_list=price_list) == expected
    history = client.get(path).context["history"]
    assert [row.event.kind for row in history] == [kind for kind, *_rest in reversed(expected)]
    client.post(f"{path}delete/")
    assert events(alpha, kind=SalesEvent.Kind.PRICE_LIST_DELETED) == [
        ("price_list_deleted", "admin", None, {"name": ["VIP prices", None]})
    ]
    with tenant_context(alpha.tenant):
        assert SalesEvent.objects.filter(price_list__isnull=True, kind__startswith="price_list").count() == 6


@pytest.mark.django_db
def test_a_service_called_for_a_person_names_that_person(alpha, store):
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username=alpha.admin.username)
        price_list_create(name="Staff prices", acting_user=admin)
        terminal_create(tenant=alpha.tenant, store=store, name="Till 1", acting_user=admin)
    assert [(kind, user) for kind, user, *_rest in events(alpha, acting_user__isnull=False)] == [
        ("price_list_created", "admin"),
        ("terminal_created", "admin"),
    ]


@pytest.mark.django_db
def test_another_retailer_sees_none_of_the_events(alpha, beta, store, tenant_client):
    tenant_client(alpha, alpha.admin).post(
        f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": "Till 7"}
    )
    with tenant_context(beta.tenant):
        beta_store = store_create(tenant=beta.tenant, name="Riga", code="RIX")
    assert events(beta) == [
        ("store_created", None, None, {"name": [None, "Riga"], "code": [None, "RIX"], "is_active": [None, True]})
    ]
    assert [kind for kind, *_rest in events(alpha)] == ["store_created", "terminal_created"]
    beta_page = tenant_client(beta, beta.admin).get(f"/settings/sales/stores/{beta_store.pk}/")
    assert [row.event.kind for row in beta_page.context["history"]] == ["store_created"]
    assert "Till 7" not in beta_page.content.decode()


@pytest.mark.django_db
def test_adding_and_changing_a_product_write_events_shown_on_its_page(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    form = {"sku": "TEA-1", "name": "Sencha", "list_price": "4", "vat_rate": "22", "is_active": "on"}
    client.post("/settings/sales/products/new/", form)
    with tenant_context(alpha.tenant):
        product = Product.objects.get()
    path = f"/settings/sales/products/{product.pk}/"
    client.post(path, {**form, "list_price": "4.00"})
    client.post(path, {**form, "name": "Sencha Superior", "list_price": "4.50"})
    refused = client.post(path, {**form, "ean": "123"})
    assert refused.status_code == 200
    assert events(alpha, product=product) == [
        (
            "product_created",
            "admin",
            None,
            {
                "sku": [None, "TEA-1"],
                "name": [None, "Sencha"],
                "list_price": [None, "4.00"],
                "vat_rate": [None, "22.00"],
                "is_active": [None, True],
            },
        ),
        ("product_changed", "admin", None, {"name": ["Sencha", "Sencha Superior"], "list_price": ["4.00", "4.50"]}),
    ]
    history = client.get(path).context["history"]
    assert [[(c.label, c.old, c.new) for c in row.changes] for row in history][0] == [
        ("name", "Sencha", "Sencha Superior"),
        ("list price", "4.00", "4.50"),
    ]
