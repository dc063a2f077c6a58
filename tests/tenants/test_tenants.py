"""Creating, suspending and re-planning retailers; routing by host name."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from staff.models import User
from staff.roles import Role
from tariffs.models import TariffPlan
from tenants.models import Domain, Tenant, TenantEvent
from tenants.services import (
    tenant_create,
    tenant_details_update,
    tenant_plan_change,
    tenant_reactivate,
    tenant_suspend,
)


def _operator() -> User:
    """A platform operator: a user of the public schema."""
    connection.set_schema_to_public()
    return User.objects.create_superuser("operator", "operator@regulars.example", "operator-password-1")


def test_a_new_retailer_is_ready_to_log_in(committed_db, tenant_client):
    tenant = tenant_create(
        name="Kohvik Mokka",
        schema_name="mokka",
        plan=TariffPlan.objects.get(name="Start"),
        admin_username="owner",
        admin_email="owner@mokka.example",
        admin_password="a-good-password-42",
        language="et",
        source="test",
    )
    assert schema_exists("mokka")
    assert list(tenant.domains.values_list("domain", "is_primary")) == [("mokka.localhost", True)]
    assert list(TenantEvent.objects.filter(tenant=tenant).values_list("kind", "actor", "new_value")) == [
        ("created", "test", "Start")
    ]
    with tenant_context(tenant):
        owner = User.objects.get(username="owner")
        assert owner.role == Role.ADMIN
    client = tenant_client(
        "mokka.localhost", type("Login", (), {"username": "owner", "password": "a-good-password-42"})
    )
    assert "Kohvik Mokka" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"schema_name": "Bad Name"},
            "schema_name",
            "Use 2 to 41 lower-case letters, digits or underscores, starting with a letter (not “bad name”).",
        ),
        (
            {"schema_name": "public"},
            "schema_name",
            "Use 2 to 41 lower-case letters, digits or underscores, starting with a letter (not “public”).",
        ),
        ({"schema_name": "alpha"}, "schema_name", "A retailer with this short name already exists."),
        ({"domain": "alpha.localhost"}, "domain", "This host name is already in use."),
        ({"domain": "not a host"}, "domain", "“not a host” is not a valid host name."),
        ({"admin_email": "nope"}, "admin_email", "Enter a valid e-mail address."),
        ({"name": "  "}, "name", "Enter the retailer's name."),
        (
            {"admin_password": "123"},
            "admin_password",
            "This password is too short. It must contain at least 8 characters.",
        ),
    ],
)
def test_bad_retailer_input_is_refused_and_nothing_is_created(committed_db, changes, field, message):
    arguments = {
        "name": "Refused",
        "schema_name": "refused",
        "plan": TariffPlan.objects.get(name="Start"),
        "admin_username": "admin",
        "admin_email": "admin@refused.example",
        "admin_password": "a-good-password-42",
    } | changes
    tenants_before, domains_before = Tenant.objects.count(), Domain.objects.count()
    with pytest.raises(ValidationError) as refused:
        tenant_create(**arguments)
    assert message in refused.value.message_dict[field]
    assert (Tenant.objects.count(), Domain.objects.count()) == (tenants_before, domains_before)
    assert not schema_exists("refused")


def test_a_failure_after_the_schema_exists_removes_the_schema_again(committed_db):
    """The first admin's user name is checked only inside the new schema: when it fails there,
    the retailer's row, domain and schema are all gone again."""
    with pytest.raises(Exception):  # noqa: B017 - the database refuses an over-long user name
        tenant_create(
            name="Broken",
            schema_name="broken",
            plan=TariffPlan.objects.get(name="Start"),
            admin_username="x" * 200,
            admin_email="admin@broken.example",
            admin_password="a-good-password-42",
        )
    connection.set_schema_to_public()
    assert not Tenant.objects.filter(schema_name="broken").exists()
    assert not Domain.objects.filter(domain="broken.localhost").exists()
    assert not schema_exists("broken")


@pytest.mark.django_db
def test_a_suspended_retailers_staff_see_a_clear_page(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    operator = _operator()
    tenant_suspend(tenant=alpha.tenant, reason="unpaid invoice", acting_user=operator)
    for path in ("/", "/login/", "/settings/staff/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "The back office of Alpha Shop is suspended by the platform operator." in response.content.decode()
    assert "unpaid invoice" not in response.content.decode()
    tenant_reactivate(tenant=alpha.tenant, acting_user=operator)
    assert client.get("/").status_code == 200
    assert list(TenantEvent.objects.filter(tenant=alpha.tenant).values_list("kind", "actor")[:2]) == [
        ("reactivated", "operator"),
        ("suspended", "operator"),
    ]


@pytest.mark.django_db
def test_a_suspended_retailer_does_not_affect_another(alpha, beta, tenant_client):
    tenant_suspend(tenant=alpha.tenant, reason="", acting_user=_operator())
    assert tenant_client(beta, beta.admin).get("/").status_code == 200


@pytest.mark.django_db
def test_an_unknown_host_gets_a_clear_page(tenants, tenant_client):
    response = tenant_client("nobody.localhost").get("/")
    assert response.status_code == 404
    assert "There is no retailer at the address <strong>nobody.localhost</strong>." in response.content.decode()


@pytest.mark.django_db
def test_changing_the_plan_is_recorded(alpha):
    enterprise = TariffPlan.objects.get(name="Enterprise")
    tenant_plan_change(tenant=alpha.tenant, plan=enterprise, acting_user=_operator())
    # Read again apart from the session's tenant object, which later tests share.
    assert Tenant.objects.get(pk=alpha.tenant.pk).plan == enterprise
    event = TenantEvent.objects.filter(tenant=alpha.tenant).first()
    assert (event.kind, event.old_value, event.new_value) == ("plan_changed", "Business", "Enterprise")


def test_the_provisioning_command_creates_a_retailer(committed_db, capsys):
    call_command(
        "tenant_provision",
        "pagar",
        "--name",
        "Pagarikoda",
        "--plan",
        "Start",
        "--admin-email",
        "owner@pagar.example",
        "--admin-password",
        "a-good-password-42",
    )
    assert "Retailer Pagarikoda ready at http://pagar.localhost/" in capsys.readouterr().out
    assert Tenant.objects.get(schema_name="pagar").plan.name == "Start"


def test_the_provisioning_command_explains_what_is_wrong(committed_db):
    with pytest.raises(CommandError, match="No tariff plan named 'Gold'; there are: "):
        call_command(
            "tenant_provision",
            "gold",
            "--name",
            "Gold",
            "--plan",
            "Gold",
            "--admin-email",
            "a@b.example",
            "--admin-password",
            "a-good-password-42",
        )
    with pytest.raises(CommandError, match="schema_name: A retailer with this short name already exists."):
        call_command(
            "tenant_provision",
            "alpha",
            "--name",
            "Again",
            "--plan",
            "Start",
            "--admin-email",
            "a@b.example",
            "--admin-password",
            "a-good-password-42",
        )
    assert not Tenant.objects.filter(schema_name="gold").exists()


@pytest.mark.django_db
def test_the_public_admin_refuses_a_duplicate_short_name_and_creates_nothing(admin_client):
    client = admin_client
    client.defaults["HTTP_HOST"] = "localhost"
    start = TariffPlan.objects.get(name="Start")
    response = client.post(
        "/admin/tenants/tenant/add/",
        {
            "name": "Lillepood",
            "schema_name": "alpha",
            "plan": start.pk,
            "language": "en",
            "currency": "EUR",
            "time_zone": "Europe/Tallinn",
            "admin_username": "admin",
            "admin_email": "a@lill.example",
            "admin_password": "a-good-password-42",
        },
    )
    assert response.status_code == 200
    assert "A retailer with this short name already exists." in response.content.decode()
    assert not Tenant.objects.filter(name="Lillepood").exists()


@pytest.mark.django_db
def test_changing_a_retailers_details_is_recorded_with_the_operator(alpha):
    operator = _operator()
    tenant_details_update(
        tenant=alpha.tenant,
        name="Alpha Market",
        language="et",
        currency="EUR",
        time_zone="Europe/Helsinki",
        acting_user=operator,
    )
    changed = Tenant.objects.get(pk=alpha.tenant.pk)
    assert (changed.name, changed.language, changed.time_zone) == (
        "Alpha Market",
        "et",
        "Europe/Helsinki",
    )
    event = TenantEvent.objects.filter(tenant=alpha.tenant).first()
    assert (event.kind, event.actor) == ("details_changed", "operator")
    assert event.old_value.startswith("Alpha Shop / ")
    assert event.new_value == "Alpha Market / et / EUR / Europe/Helsinki"
    # Nothing changed: no event.
    count = TenantEvent.objects.filter(tenant=alpha.tenant).count()
    tenant_details_update(
        tenant=alpha.tenant,
        name="Alpha Market",
        language="et",
        currency="EUR",
        time_zone="Europe/Helsinki",
        acting_user=operator,
    )
    assert TenantEvent.objects.filter(tenant=alpha.tenant).count() == count
