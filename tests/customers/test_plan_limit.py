"""The plan caps Introduced + Control customers, and the cap holds under concurrency."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerStatus
from customers.services import customer_create
from tariffs.models import TariffPlan
from tariffs.selectors import PlanLimitReached
from tenants.services import tenant_create


@pytest.mark.django_db
def test_creating_past_the_cap_is_refused_with_plan_cap_and_count(alpha, tenant_client):
    TariffPlan.objects.filter(pk=alpha.tenant.plan_id).update(max_active_customers=2)
    with tenant_context(alpha.tenant):
        Customer.objects.create(first_name="A", status=CustomerStatus.INTRODUCED)
        Customer.objects.create(first_name="B", status=CustomerStatus.CONTROL)
        Customer.objects.create(first_name="Archived", status=CustomerStatus.ARCHIVED)
    response = tenant_client(alpha, alpha.cashier).post("/customers/new/", {"first_name": "C", "phone": "+37255550001"})
    assert response.context["form"].errors["__all__"] == [
        "Active customers: the plan “Business” allows 2 and 2 are in use. Ask the platform operator for a larger plan."
    ]
    with tenant_context(alpha.tenant):
        assert Customer.objects.count() == 3
        customer_create(tenant=alpha.tenant, fields={"first_name": "Archived too"}, status=CustomerStatus.ARCHIVED)
        assert Customer.objects.filter(status=CustomerStatus.ARCHIVED).count() == 2


def test_twenty_simultaneous_creations_at_cap_minus_one_leave_exactly_one(committed_db):
    plan = TariffPlan.objects.create(
        name="Race for customers",
        price="1.00",
        max_active_customers=5,
        max_staff_users=5,
        max_stores=1,
        max_terminals=1,
    )
    tenant = tenant_create(
        name="Customer race",
        schema_name="race_customers",
        plan=plan,
        admin_username="admin",
        admin_email="admin@race-customers.example",
        admin_password="x",
        validate_admin_password=False,
    )
    with tenant_context(tenant):
        Customer.objects.bulk_create(Customer(first_name=f"Existing {n}", status="introduced") for n in range(4))
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def create(number: int) -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                customer_create(tenant=tenant, fields={"first_name": f"Racer {number}"}, status=CustomerStatus.CONTROL)
            outcomes.append("created")
        except PlanLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 19
    with tenant_context(tenant):
        assert Customer.objects.filter(status__in=["introduced", "control"]).count() == 5
