"""Settings → Stores and terminals: codes, plan limits, a token shown once, rotation, revocation."""

import pytest
from django_tenants.utils import tenant_context

from sales.models import Store, Terminal
from sales.services.stores import store_create, terminal_create, terminal_revoke, terminal_rotate
from tariffs.models import TariffPlan
from tariffs.selectors import tenant_usage


@pytest.fixture
def store(alpha):
    with tenant_context(alpha.tenant):
        return store_create(tenant=alpha.tenant, name="Tallinn centre", code="TLN1", address="Viru 1")


def plan_limits_lower(setup, **limits) -> None:
    """Lower the limits of the retailer's plan as stored: the session's tenant object may still
    hold a plan that another (rolled back) test moved it to."""
    plan_id = type(setup.tenant).objects.filter(pk=setup.tenant.pk).values_list("plan_id", flat=True).get()
    TariffPlan.objects.filter(pk=plan_id).update(**limits)


def active_terminal_for(tenant, token: str) -> Terminal | None:
    with tenant_context(tenant):
        return Terminal.objects.filter(token_hash=Terminal.hash_token(token), is_active=True).first()


@pytest.mark.django_db
def test_the_admin_adds_a_store_and_sees_it_listed(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post(
        "/settings/sales/stores/new/", {"name": "Tartu", "code": "TRT", "address": "Rüütli 2", "is_active": "on"}
    )
    with tenant_context(alpha.tenant):
        store = Store.objects.get(code="TRT")
    assert response.status_code == 302
    assert response.url == f"/settings/sales/stores/{store.pk}/"
    assert (store.name, store.address, store.is_active) == ("Tartu", "Rüütli 2", True)
    listing = client.get("/settings/sales/stores/")
    assert [(s.name, s.code, s.active_terminal_count) for s in listing.context["stores"]] == [("Tartu", "TRT", 0)]
    assert "Your plan: 1 of 10 active stores, 0 of 30 active POS terminals." in listing.content.decode()


@pytest.mark.django_db
def test_a_store_code_is_unique_whatever_its_case_and_nothing_is_written(alpha, store, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/stores/new/", {"name": "Other", "code": "tln1", "is_active": "on"}
    )
    assert response.context["form"].errors["code"] == ["A store with the code “tln1” already exists."]
    with tenant_context(alpha.tenant):
        assert Store.objects.count() == 1


@pytest.mark.django_db
def test_a_store_past_the_plans_limit_is_refused_on_the_form(alpha, store, tenant_client):
    plan_limits_lower(alpha, max_stores=2)
    with tenant_context(alpha.tenant):
        # An inactive store does not count against the limit.
        store_create(tenant=alpha.tenant, name="Closed", code="OLD", is_active=False)
        store_create(tenant=alpha.tenant, name="Pärnu", code="PRN")
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/stores/new/", {"name": "Narva", "code": "NRV", "is_active": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"] == [
        "Stores: the plan “Business” allows 2 and 2 are in use. Ask the platform operator for a larger plan."
    ]
    assert "Stores: the plan “Business” allows 2 and 2 are in use." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert Store.objects.count() == 3
        assert not Store.objects.filter(code="NRV").exists()


@pytest.mark.django_db
def test_making_an_inactive_store_active_again_counts_against_the_limit(alpha, store, tenant_client):
    plan_limits_lower(alpha, max_stores=1)
    with tenant_context(alpha.tenant):
        closed = store_create(tenant=alpha.tenant, name="Closed", code="OLD", is_active=False)
    response = tenant_client(alpha, alpha.admin).post(
        f"/settings/sales/stores/{closed.pk}/", {"name": "Closed", "code": "OLD", "is_active": "on"}
    )
    assert response.context["form"].errors["__all__"] == [
        "Stores: the plan “Business” allows 1 and 1 are in use. Ask the platform operator for a larger plan."
    ]
    with tenant_context(alpha.tenant):
        assert Store.objects.get(pk=closed.pk).is_active is False


@pytest.mark.django_db
def test_a_new_terminals_token_is_shown_once_and_only_its_hash_is_kept(alpha, store, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post(
        f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": "Till 1"}, follow=True
    )
    assert response.redirect_chain == [(f"/settings/sales/stores/{store.pk}/", 302)]
    token = response.context["token"]
    page = response.content.decode()
    assert len(token) == 43
    assert token in page
    assert "Copy it now and enter it in the till: it is not shown again." in page
    assert "no-store" in response.headers["Cache-Control"]
    with tenant_context(alpha.tenant):
        terminal = Terminal.objects.get()
    assert (terminal.name, terminal.store_id, terminal.is_active) == ("Till 1", store.pk, True)
    assert terminal.token_hash == Terminal.hash_token(token)
    assert terminal.token_prefix == token[:8]
    assert token not in str(Terminal.objects.values_list())
    again = client.get(f"/settings/sales/stores/{store.pk}/").content.decode()
    assert token not in again
    assert "terminal_token_once" not in client.session
    assert f"{token[:8]}…" in again


@pytest.mark.django_db
def test_a_terminal_past_the_plans_limit_is_refused_and_revoked_ones_do_not_count(alpha, store, tenant_client):
    plan_limits_lower(alpha, max_terminals=1)
    with tenant_context(alpha.tenant):
        old, _token = terminal_create(tenant=alpha.tenant, store=store, name="Old till")
        terminal_revoke(terminal=old)
        terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
    response = tenant_client(alpha, alpha.admin).post(
        f"/settings/sales/stores/{store.pk}/terminals/new/", {"terminal-name": "Till 2"}
    )
    assert response.context["terminal_form"].errors["__all__"] == [
        "POS terminals: the plan “Business” allows 1 and 1 are in use. Ask the platform operator for a larger plan."
    ]
    assert response.context["token"] is None
    with tenant_context(alpha.tenant):
        assert Terminal.objects.count() == 2
        assert not Terminal.objects.filter(name="Till 2").exists()


@pytest.mark.django_db
def test_an_inactive_store_gets_no_terminal(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        closed = store_create(tenant=alpha.tenant, name="Closed", code="OLD", is_active=False)
    response = tenant_client(alpha, alpha.admin).post(
        f"/settings/sales/stores/{closed.pk}/terminals/new/", {"terminal-name": "Till"}
    )
    assert response.context["terminal_form"].errors["__all__"] == [
        "The store “Closed” is not active: make it active before adding terminals."
    ]
    with tenant_context(alpha.tenant):
        assert Terminal.objects.count() == 0


@pytest.mark.django_db
def test_rotating_a_token_stops_the_old_one_at_once(alpha, store, tenant_client):
    with tenant_context(alpha.tenant):
        terminal, old_token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
    response = tenant_client(alpha, alpha.admin).post(f"/settings/sales/terminals/{terminal.pk}/rotate/", follow=True)
    new_token = response.context["token"]
    assert new_token != old_token
    assert new_token in response.content.decode()
    assert "Terminal “Till 1” has a new token; the old one no longer works." in response.content.decode()
    assert active_terminal_for(alpha.tenant, old_token) is None
    assert active_terminal_for(alpha.tenant, new_token).pk == terminal.pk
    with tenant_context(alpha.tenant):
        assert Terminal.objects.get(pk=terminal.pk).token_prefix == new_token[:8]


@pytest.mark.django_db
def test_revoking_is_final(alpha, store, tenant_client):
    with tenant_context(alpha.tenant):
        terminal, token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
    client = tenant_client(alpha, alpha.admin)
    response = client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/", follow=True)
    assert "Terminal “Till 1” revoked: its token no longer works." in response.content.decode()
    assert active_terminal_for(alpha.tenant, token) is None
    with tenant_context(alpha.tenant):
        revoked = Terminal.objects.get(pk=terminal.pk)
        assert revoked.is_active is False and revoked.revoked_at is not None
        hash_before = revoked.token_hash
    refused = client.post(f"/settings/sales/terminals/{terminal.pk}/rotate/", follow=True)
    assert "A revoked terminal cannot get a new token: add a new terminal instead." in refused.content.decode()
    twice = client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/", follow=True)
    assert "The terminal “Till 1” is already revoked." in twice.content.decode()
    with tenant_context(alpha.tenant):
        assert Terminal.objects.get(pk=terminal.pk).token_hash == hash_before
    assert refused.context["token"] is None


@pytest.mark.django_db
def test_the_plan_usage_counts_active_stores_and_terminals(alpha, store):
    with tenant_context(alpha.tenant):
        store_create(tenant=alpha.tenant, name="Closed", code="OLD", is_active=False)
        first, _token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
        terminal_create(tenant=alpha.tenant, store=store, name="Till 2")
        terminal_rotate(terminal=first)
        terminal_revoke(terminal=first)
    usage = {item.resource: item.used for item in tenant_usage(tenant=alpha.tenant)}
    assert (usage["stores"], usage["terminals"]) == (1, 1)


@pytest.mark.django_db
def test_another_retailer_sees_none_of_the_stores(alpha, beta, store, tenant_client):
    with tenant_context(alpha.tenant):
        terminal, _token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
    client = tenant_client(beta, beta.admin)
    assert list(client.get("/settings/sales/stores/").context["stores"]) == []
    assert client.get(f"/settings/sales/stores/{store.pk}/").status_code == 404
    assert client.post(f"/settings/sales/terminals/{terminal.pk}/revoke/").status_code == 404
    with tenant_context(alpha.tenant):
        assert Terminal.objects.get(pk=terminal.pk).is_active is True


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["marketer", "cashier"])
def test_only_the_admin_manages_stores_and_terminals(alpha, store, role, tenant_client):
    with tenant_context(alpha.tenant):
        terminal, token = terminal_create(tenant=alpha.tenant, store=store, name="Till 1")
    client = tenant_client(alpha, getattr(alpha, role))
    for path in ("/settings/sales/stores/", "/settings/sales/stores/new/", f"/settings/sales/stores/{store.pk}/"):
        assert client.get(path).status_code == 403, path
    posts = {
        "/settings/sales/stores/new/": {"name": "X", "code": "X", "is_active": "on"},
        f"/settings/sales/stores/{store.pk}/": {"name": "X", "code": "X"},
        f"/settings/sales/stores/{store.pk}/terminals/new/": {"terminal-name": "X"},
        f"/settings/sales/terminals/{terminal.pk}/rotate/": {},
        f"/settings/sales/terminals/{terminal.pk}/revoke/": {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    with tenant_context(alpha.tenant):
        assert list(Store.objects.values_list("code", "name", "is_active")) == [("TLN1", "Tallinn centre", True)]
        assert Terminal.objects.count() == 1
    assert active_terminal_for(alpha.tenant, token).pk == terminal.pk
