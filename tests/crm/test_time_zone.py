"""Each retailer's pages and jobs run in the retailer's own time zone."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from customers.models import Customer
from sales.models import Product, Store
from sales.services.sales import LineInput, sale_register
from tenants.models import Tenant

SOLD_AT = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "shown"), [("Europe/Tallinn", "14:00"), ("America/New_York", "07:00")])
def test_the_customer_card_shows_times_in_the_retailers_time_zone(alpha, zone, shown, tenant_client):
    with tenant_context(alpha.tenant):
        store = Store.objects.create(name="Main", code="M1")
        Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
        customer = Customer.objects.create(first_name="Mari", status="introduced")
        sale_register(store=store, customer=customer, lines=[LineInput("CUP-1", Decimal("1"))], occurred_at=SOLD_AT)
    connection.set_schema_to_public()
    Tenant.objects.filter(pk=alpha.tenant.pk).update(time_zone=zone)
    page = tenant_client(alpha, alpha.admin).get(f"/customers/{customer.pk}/sales/").content.decode()
    assert f"15/01/2026 {shown}" in page


def test_a_task_runs_in_the_time_zone_of_its_retailer(alpha):
    from django.utils import timezone

    from crm.middleware import tenant_time_zone_activate

    alpha.tenant.time_zone = "America/New_York"
    try:
        tenant_time_zone_activate(alpha.tenant)
        assert str(timezone.get_current_timezone()) == "America/New_York"
        tenant_time_zone_activate(None)
        assert str(timezone.get_current_timezone()) == "Europe/Tallinn"
    finally:
        alpha.tenant.time_zone = "Europe/Tallinn"
        timezone.deactivate()


def test_a_task_on_the_public_schema_runs_in_the_installations_time_zone(caplog):
    """The periodic fan-out runs on the public schema, where the connection's tenant is
    django-tenants' FakeTenant (no time zone, no `is_public`): the hook must not fail on it."""
    from celery.signals import task_prerun
    from django.utils import timezone
    from django_tenants.postgresql_backend.base import FakeTenant

    from tenants.tasks import tenants_fan_out

    connection.set_schema_to_public()
    assert isinstance(connection.tenant, FakeTenant)
    timezone.activate("America/New_York")
    try:
        with caplog.at_level("DEBUG"):
            task_prerun.send(sender=tenants_fan_out, task_id="fan-out", task=tenants_fan_out, args=(), kwargs={})
        assert [record.getMessage() for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")] == []
        assert str(timezone.get_current_timezone()) == "Europe/Tallinn"
    finally:
        timezone.deactivate()
