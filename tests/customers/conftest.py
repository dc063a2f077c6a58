"""The customers' tests share a small directory of one retailer."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services import group_create, property_create


@pytest.fixture
def directory(alpha):
    """A small directory in alpha: groups with a sub-group, two properties, six customers."""
    with tenant_context(alpha.tenant):
        regulars = group_create(name="Regulars")
        weekly = group_create(name="Weekly", parent=regulars)
        vip = group_create(name="VIP")
        property_create(code="shoe_size", label_en="Shoe size", type="number", is_shown_in_list=True)
        property_create(code="member_since", label_en="Member since", type="date")
        property_create(code="has_pet", label_en="Has a pet", type="boolean")
        today = timezone.localdate()
        Customer.objects.bulk_create(
            [
                Customer(
                    first_name="Mari",
                    last_name="Tamm",
                    phone="+37251234567",
                    email="mari@example.com",
                    status="introduced",
                    group=weekly,
                    birth_date=today.replace(year=today.year - 30) - datetime.timedelta(days=20),
                    properties={"shoe_size": "38", "member_since": "2019-03-01", "has_pet": True},
                    email_consent=True,
                ),
                Customer(
                    first_name="Jaan",
                    last_name="Saar",
                    phone="+37255550000",
                    status="control",
                    group=regulars,
                    birth_date=datetime.date(1950, 1, 1),
                    properties={"shoe_size": "44"},
                ),
                Customer(
                    first_name="Anna",
                    last_name="Müller",
                    email="anna@example.de",
                    status="introduced",
                    group=vip,
                    birth_date=today + datetime.timedelta(days=3) - datetime.timedelta(days=365 * 40 + 10),
                    properties={"member_since": "2023-07-15", "has_pet": False},
                ),
                Customer(
                    kind="business",
                    company_name="Kohvik Mokka OÜ",
                    registry_code="1234",
                    status="introduced",
                    purchase_count=12,
                    purchase_total="1500.00",
                    last_purchase_at=timezone.now() - datetime.timedelta(days=400),
                ),
                Customer(first_name="Old", last_name="Archive", status="archived"),
                Customer(first_name="Tiina", last_name="Tamme", status="introduced", sms_consent=True),
            ]
        )
    return {"regulars": regulars, "weekly": weekly, "vip": vip}
