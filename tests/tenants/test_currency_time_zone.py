"""A retailer's currency and time zone: set at provisioning (command, service, the operator's
form), changed by its owner before the first sale only, fixed afterwards."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from staff.models import User
from tariffs.models import TariffPlan
from tenants.models import Domain, Tenant, TenantEvent
from tenants.rules import time_zone_names
from tenants.services import tenant_create, tenant_currency_time_zone_update, tenant_details_update
from tests.factories import SaleFactory

LOCKED = (
    "The currency and the time zone can be changed only before the first sale, "
    "and this retailer has recorded sales already."
)
NOT_A_CURRENCY = "“{}” is not a currency code of ISO 4217; use three letters such as EUR, USD or GBP."
BAD_CURRENCY = NOT_A_CURRENCY.format("XYZ")
BAD_TIME_ZONE = "“Mars/Olympus” is not a time zone; use a place such as Europe/Tallinn or America/New_York, or UTC."


def _counts() -> tuple[int, int, int]:
    connection.set_schema_to_public()
    return Tenant.objects.count(), Domain.objects.count(), TenantEvent.objects.count()


def _provision(schema_name: str, *extra: str) -> None:
    call_command(
        "tenant_provision",
        schema_name,
        "--name",
        schema_name.capitalize(),
        "--plan",
        "Start",
        "--admin-email",
        f"owner@{schema_name}.example",
        "--admin-password",
        "a-good-password-42",
        *extra,
    )


def _select_tag(page: str, name: str) -> str:
    """The opening tag of the page's select box `name`."""
    match = re.search(rf'<select name="{name}"[^>]*>', page)
    assert match, f"no select {name}"
    return match.group(0)


def _stored(tenant) -> tuple[str, str]:
    connection.set_schema_to_public()
    return tuple(Tenant.objects.filter(pk=tenant.pk).values_list("currency", "time_zone").get())


# --- provisioning --------------------------------------------------------------------------------


def test_the_provisioning_command_sets_the_currency_and_the_time_zone(committed_db, capsys):
    _provision("kroon", "--currency", "sek", "--time-zone", "Europe/Stockholm")
    assert "Retailer Kroon ready at http://kroon.localhost/" in capsys.readouterr().out
    tenant = Tenant.objects.get(schema_name="kroon")
    assert (tenant.currency, tenant.time_zone) == ("SEK", "Europe/Stockholm")


def test_the_provisioning_command_defaults_to_euro_in_tallinn(committed_db):
    _provision("vaikimisi")
    assert _stored(Tenant.objects.get(schema_name="vaikimisi")) == ("EUR", "Europe/Tallinn")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--currency", "XYZ"), f"currency: {BAD_CURRENCY}"),
        (("--time-zone", "Mars/Olympus"), f"time_zone: {BAD_TIME_ZONE}"),
    ],
)
def test_the_provisioning_command_refuses_a_bad_currency_or_zone_and_creates_nothing(committed_db, extra, message):
    before = _counts()
    with pytest.raises(CommandError) as refused:
        _provision("refusedmoney", *extra)
    assert str(refused.value) == message
    assert _counts() == before
    assert not schema_exists("refusedmoney")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "XYZ"}, "currency", BAD_CURRENCY),
        ({"currency": "XAU"}, "currency", NOT_A_CURRENCY.format("XAU")),
        ({"currency": ""}, "currency", NOT_A_CURRENCY.format("")),
        ({"time_zone": "Mars/Olympus"}, "time_zone", BAD_TIME_ZONE),
        (
            {"time_zone": "localtime"},
            "time_zone",
            "“localtime” is not a time zone; use a place such as Europe/Tallinn or America/New_York, or UTC.",
        ),
    ],
)
def test_the_service_refuses_a_bad_currency_or_zone_and_creates_nothing(committed_db, changes, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        tenant_create(
            name="Refused",
            schema_name="refused_zone",
            plan=TariffPlan.objects.get(name="Start"),
            admin_username="admin",
            admin_email="admin@refused.example",
            admin_password="a-good-password-42",
            **changes,
        )
    assert refused.value.message_dict == {field: [message]}
    assert _counts() == before
    assert not schema_exists("refused_zone")


def test_the_time_zones_offered_are_places_and_utc():
    names = time_zone_names()
    assert names[0] == "UTC"
    assert {"Europe/Tallinn", "Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= set(names)
    assert not {"localtime", "Factory", "US/Eastern", "EST5EDT", "Japan"} & set(names)


# --- the operator's form -------------------------------------------------------------------------


def _operator_client(username: str) -> Client:
    connection.set_schema_to_public()
    operator = User.objects.create_superuser(username, f"{username}@regulars.example", "operator-password-1")
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    return client


def _add_form_data(**changes) -> dict:
    return {
        "name": "Dollar Store",
        "schema_name": "dollar",
        "plan": TariffPlan.objects.get(name="Start").pk,
        "language": "en",
        "currency": "USD",
        "time_zone": "America/New_York",
        "admin_username": "admin",
        "admin_email": "owner@dollar.example",
        "admin_password": "a-good-password-42",
    } | changes


def test_the_operators_form_offers_currency_and_zone_with_the_defaults(committed_db):
    client = _operator_client("form-operator")
    page = client.get("/admin/tenants/tenant/add/").content.decode()
    assert "disabled" not in _select_tag(page, "currency") + _select_tag(page, "time_zone")
    assert '<option value="EUR" selected>EUR</option>' in page
    assert '<option value="Europe/Tallinn" selected>Europe/Tallinn</option>' in page
    assert '<option value="USD">USD</option>' in page

    response = client.post("/admin/tenants/tenant/add/", _add_form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    tenant = Tenant.objects.get(schema_name="dollar")
    assert (tenant.currency, tenant.time_zone) == ("USD", "America/New_York")


def test_the_operators_form_refuses_an_unknown_currency_and_creates_nothing(committed_db):
    client = _operator_client("refusing-operator")
    before = _counts()
    response = client.post(
        "/admin/tenants/tenant/add/", _add_form_data(schema_name="nodollar", currency="XYZ", time_zone="Mars/Olympus")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. XYZ is not one of the available choices." in page
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in page
    assert _counts() == before
    assert not schema_exists("nodollar")


@pytest.mark.django_db
def test_the_operators_change_form_fixes_currency_and_zone_after_the_first_sale(alpha):
    client = _operator_client("change-operator")
    page = client.get(f"/admin/tenants/tenant/{alpha.tenant.pk}/change/").content.decode()
    assert "disabled" not in _select_tag(page, "currency") + _select_tag(page, "time_zone")
    with tenant_context(alpha.tenant):
        SaleFactory()
    page = client.get(f"/admin/tenants/tenant/{alpha.tenant.pk}/change/").content.decode()
    assert " disabled" in _select_tag(page, "currency") and " disabled" in _select_tag(page, "time_zone")
    assert LOCKED in page


@pytest.mark.django_db
def test_the_operator_cannot_change_the_currency_after_the_first_sale(alpha):
    with tenant_context(alpha.tenant):
        SaleFactory()
    events_before = TenantEvent.objects.filter(tenant=alpha.tenant).count()
    with pytest.raises(ValidationError) as refused:
        tenant_details_update(
            tenant=alpha.tenant,
            name="Alpha Shop",
            language="en",
            currency="USD",
            time_zone="Europe/Tallinn",
            acting_user=None,
        )
    assert refused.value.messages == [LOCKED]
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")
    assert TenantEvent.objects.filter(tenant=alpha.tenant).count() == events_before


# --- the owner's settings page -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_changes_currency_and_zone_before_the_first_sale(alpha, beta, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    page = client.get("/settings/retailer/").content.decode()
    assert 'href="/settings/retailer/"' in page
    assert '<option value="EUR" selected>EUR</option>' in page
    assert '<option value="Europe/Tallinn" selected>Europe/Tallinn</option>' in page

    response = client.post("/settings/retailer/", {"currency": "GBP", "time_zone": "Europe/London"}, follow=True)
    assert response.redirect_chain == [("/settings/retailer/", 302)]
    assert "Currency and time zone saved." in response.content.decode()
    assert _stored(alpha.tenant) == ("GBP", "Europe/London")
    event = TenantEvent.objects.filter(tenant=alpha.tenant).first()
    assert (event.kind, event.actor, event.old_value, event.new_value) == (
        "currency_tz_changed",
        "admin (alpha)",
        "EUR / Europe/Tallinn",
        "GBP / Europe/London",
    )
    # The other retailer is untouched, and so are its events.
    assert _stored(beta.tenant) == ("EUR", "Europe/Tallinn")
    assert not TenantEvent.objects.filter(tenant=beta.tenant, kind="currency_tz_changed").exists()
    # The page shows the new values and the change in its history.
    page = client.get("/settings/retailer/").content.decode()
    assert '<option value="GBP" selected>GBP</option>' in page
    assert "<td>admin (alpha)</td><td>EUR / Europe/Tallinn</td><td>GBP / Europe/London</td>" in page


@pytest.mark.django_db
def test_the_owners_change_is_refused_after_the_first_sale_and_nothing_changes(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        SaleFactory(occurred_at=timezone.now() - datetime.timedelta(days=3 * 365))
    events_before = TenantEvent.objects.filter(tenant=alpha.tenant).count()
    client = tenant_client(alpha, alpha.admin)
    page = client.get("/settings/retailer/").content.decode()
    assert LOCKED in page
    assert " disabled" in _select_tag(page, "currency") and " disabled" in _select_tag(page, "time_zone")
    assert '<button type="submit" class="btn btn-primary">Save</button>' not in page

    response = client.post("/settings/retailer/", {"currency": "GBP", "time_zone": "Europe/London"}, follow=True)
    assert response.redirect_chain == [("/settings/retailer/", 302)]
    assert LOCKED in response.content.decode()
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")
    assert TenantEvent.objects.filter(tenant=alpha.tenant).count() == events_before


@pytest.mark.django_db
def test_the_service_refuses_the_owners_change_after_the_first_sale(alpha):
    """The service checks for itself (a sale may come in after the page was read)."""
    with tenant_context(alpha.tenant):
        SaleFactory()
        owner = User.objects.get(username=alpha.admin.username)
    with pytest.raises(ValidationError) as refused:
        tenant_currency_time_zone_update(tenant=alpha.tenant, currency="EUR", time_zone="UTC", acting_user=owner)
    assert refused.value.messages == [LOCKED]
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")


@pytest.mark.django_db
def test_a_sale_of_one_retailer_does_not_fix_the_others_settings(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        SaleFactory()
    response = tenant_client(beta, beta.admin).post(
        "/settings/retailer/", {"currency": "CHF", "time_zone": "Europe/Zurich"}
    )
    assert response.status_code == 302
    assert _stored(beta.tenant) == ("CHF", "Europe/Zurich")
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")


@pytest.mark.django_db
def test_the_owners_form_refuses_an_unknown_currency(alpha, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/retailer/", {"currency": "XYZ", "time_zone": "Europe/Tallinn"}
    )
    assert response.status_code == 200
    assert "Select a valid choice. XYZ is not one of the available choices." in response.content.decode()
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")


@pytest.mark.django_db
def test_the_service_names_a_bad_value(alpha):
    with tenant_context(alpha.tenant):
        owner = User.objects.get(username=alpha.admin.username)
    with pytest.raises(ValidationError) as refused:
        tenant_currency_time_zone_update(
            tenant=alpha.tenant, currency="XYZ", time_zone="Mars/Olympus", acting_user=owner
        )
    assert refused.value.message_dict == {"currency": [BAD_CURRENCY], "time_zone": [BAD_TIME_ZONE]}
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")


@pytest.mark.django_db
def test_only_those_with_the_settings_right_see_the_page(alpha, tenant_client):
    assert tenant_client(alpha, alpha.marketer).get("/settings/retailer/").status_code == 403
    assert tenant_client(alpha, alpha.marketer).post("/settings/retailer/", {"currency": "USD"}).status_code == 403
    assert _stored(alpha.tenant) == ("EUR", "Europe/Tallinn")
