"""Fixtures of the sales tests shared by more than one module."""

import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from customers.models import Customer
from sales.models import Store
from tests.factories import CustomerFactory, StoreFactory


@dataclass(frozen=True)
class HistoryShop:
    tartu: Store  # a second store, Tartu (TRT)
    mari: Customer  # phone +37251234567, mari@example.com
    jaan: Customer  # e-mail Jaan@Example.com as typed
    kati: Customer  # in control


@pytest.fixture
def history_shop(alpha, shop) -> HistoryShop:
    with tenant_context(alpha.tenant):
        return HistoryShop(
            tartu=StoreFactory(name="Tartu", code="TRT"),
            mari=CustomerFactory(first_name="Mari", last_name="Tamm", phone="+37251234567", email="mari@example.com"),
            jaan=CustomerFactory(first_name="Jaan", last_name="Kask", email="Jaan@Example.com"),
            kati=CustomerFactory(first_name="Kati", last_name="Saar", control=True),
        )


@pytest.fixture
def uploads_cleaned():
    yield
    for schema in ("alpha", "beta"):
        shutil.rmtree(settings.MEDIA_ROOT / schema / "sales-imports", ignore_errors=True)
