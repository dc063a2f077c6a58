"""The demo retailer: a shop with staff of each role and realistic customers.

Deterministic (a fixed random seed), and safe to run again: an existing demo is left as it is.
"""

import random
from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerStatus
from staff.roles import Role
from staff.services import staff_create
from tariffs.models import TariffPlan
from tenants.models import Tenant
from tenants.services import tenant_create

FIRST_NAMES = (
    "Mari",
    "Kadri",
    "Liis",
    "Triin",
    "Kristiina",
    "Anu",
    "Tiina",
    "Katrin",
    "Maria",
    "Laura",
    "Jaan",
    "Andres",
    "Toomas",
    "Mart",
    "Rein",
    "Margus",
    "Priit",
    "Tõnu",
    "Marko",
    "Siim",
    "Anna",
    "Lena",
    "Julia",
    "Sophie",
    "Hannah",
    "Lukas",
    "Jonas",
    "Felix",
    "Paul",
    "Maximilian",
    "Olga",
    "Irina",
    "Natalja",
    "Sergei",
    "Dmitri",
)
LAST_NAMES = (
    "Tamm",
    "Saar",
    "Sepp",
    "Mägi",
    "Kask",
    "Kukk",
    "Rebane",
    "Ilves",
    "Pärn",
    "Koppel",
    "Lepik",
    "Kuusk",
    "Karu",
    "Põder",
    "Oja",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Ivanov",
    "Smirnova",
)
COMPANIES = (
    "Kohvik Mokka OÜ",
    "Rohelise Aia Talu",
    "Bürobedarf Nord GmbH",
    "Tallinna Lillepood OÜ",
    "Hotell Merekalda AS",
    "Kaffeerösterei Berger",
    "Pagarikoda OÜ",
    "Sportklubi Tempo MTÜ",
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


DEMO_SCHEMA = "demo"
DEMO_LOGINS = (
    DemoLogin(Role.ADMIN, "admin", "regulars-admin"),
    DemoLogin(Role.MARKETER, "marketer", "regulars-marketer"),
    DemoLogin(Role.CASHIER, "cashier", "regulars-cashier"),
)


def demo_customers_create(*, count: int, seed: int = 2026) -> int:
    """Create `count` customers in the current schema: mostly people, some businesses; most
    introduced, some in Control (data to complete), a few archived."""
    rng = random.Random(seed)
    customers = []
    for _index in range(count):
        status = rng.choices(
            [CustomerStatus.INTRODUCED, CustomerStatus.CONTROL, CustomerStatus.ARCHIVED], weights=[80, 14, 6]
        )[0]
        if rng.random() < 0.05:
            customers.append(Customer(kind=Customer.Kind.BUSINESS, company_name=rng.choice(COMPANIES), status=status))
        else:
            customers.append(
                Customer(first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES), status=status)
            )
    Customer.objects.bulk_create(customers, batch_size=1000)
    return len(customers)


@transaction.atomic
def demo_tenant_setup(*, domain: str, customers: int = 600) -> tuple[Tenant, bool]:
    """Create the demo retailer unless it exists; returns it and whether it was created now."""
    existing = Tenant.objects.filter(schema_name=DEMO_SCHEMA).first()
    if existing is not None:
        return existing, False
    admin = DEMO_LOGINS[0]
    tenant = tenant_create(
        name="Demo Market",
        schema_name=DEMO_SCHEMA,
        domain=domain,
        plan=TariffPlan.objects.get(name="Business"),
        admin_username=admin.username,
        admin_email=f"{admin.username}@{domain}",
        admin_password=admin.password,
        created_by="make run",
        validate_admin_password=False,
    )
    with tenant_context(tenant):
        for login in DEMO_LOGINS[1:]:
            staff_create(
                tenant=tenant,
                username=login.username,
                email=f"{login.username}@{domain}",
                first_name=str(Role(login.role).label),
                last_name="Demo",
                role=login.role,
                password=login.password,
            )
        demo_customers_create(count=customers)
    return tenant, True
