"""The plan's limits and how much of each a retailer uses."""

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerStatus
from tariffs.selectors import tenant_usage


@pytest.mark.django_db
def test_usage_counts_active_customers_only_and_active_staff(alpha, beta):
    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create(
            [
                Customer(first_name="A", status=CustomerStatus.INTRODUCED),
                Customer(first_name="B", status=CustomerStatus.CONTROL),
                Customer(first_name="C", status=CustomerStatus.ARCHIVED),
            ]
        )
    usage = {item.resource: (item.used, item.limit, item.remaining) for item in tenant_usage(tenant=alpha.tenant)}
    assert usage["active_customers"] == (2, 20000, 19998)
    assert usage["staff_users"] == (3, 15, 12)
    assert {item.resource: item.used for item in tenant_usage(tenant=beta.tenant)}["active_customers"] == 0


@pytest.mark.django_db
def test_the_plan_page_shows_the_plan_and_each_limit(alpha, tenant_client):
    page = tenant_client(alpha, alpha.admin).get("/settings/plan/").content.decode()
    assert 'data-testid="plan-name">Business<' in page
    assert "99.00 EUR a month" in page
    for label, figures in (("Active customers", "0 of 20,000"), ("Staff users", "3 of 15"), ("Stores", "0 of 10")):
        assert label in page
        assert figures in page
