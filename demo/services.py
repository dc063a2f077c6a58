"""The demo retailer: a shop with staff of each role, realistic customers, two years of sales
and a loyalty programme with cards and points (demo/sales_demo/, demo/loyalty_demo.py).

Deterministic (a fixed random seed), and safe to run again: an existing demo is left as it is.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerGroup, CustomerStatus
from customers.services.properties import property_create
from demo.loyalty_demo import demo_loyalty_create, demo_loyalty_finish
from demo.sales_demo import demo_catalogue_create, demo_sales_create
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


CITIES = (
    ("Tallinn", "EE", "10111"),
    ("Tartu", "EE", "50090"),
    ("Pärnu", "EE", "80010"),
    ("Narva", "EE", "20308"),
    ("Berlin", "DE", "10115"),
    ("Hamburg", "DE", "20095"),
    ("München", "DE", "80331"),
)
STREETS = ("Pikk", "Narva mnt", "Tartu mnt", "Lai", "Hauptstraße", "Gartenweg", "Rüütli", "Riia")
STORES = ["Tallinn Kesklinn", "Tartu Lõunakeskus", "Pärnu Keskus", "Online"]


def demo_properties_create() -> None:
    """The demo retailer's own customer fields: one of each type."""
    property_create(
        code="member_since",
        label_en="Member since",
        label_de="Mitglied seit",
        label_et="Liige alates",
        type="date",
        is_shown_in_list=True,
        position=1,
    )
    property_create(
        code="shoe_size",
        label_en="Shoe size",
        label_de="Schuhgröße",
        label_et="Jalanõu suurus",
        type="number",
        position=2,
    )
    property_create(
        code="preferred_store",
        label_en="Preferred store",
        label_de="Bevorzugtes Geschäft",
        label_et="Eelistatud kauplus",
        type="choice",
        choices=STORES,
        is_shown_in_list=True,
        position=3,
    )
    property_create(
        code="has_pet",
        label_en="Has a pet",
        label_de="Hat ein Haustier",
        label_et="Lemmikloom",
        type="boolean",
        position=4,
    )
    property_create(
        code="interests", label_en="Interests", label_de="Interessen", label_et="Huvid", type="text", position=5
    )


def demo_groups_create() -> list[CustomerGroup]:
    regulars = CustomerGroup.objects.create(name="Regulars")
    groups = [
        regulars,
        CustomerGroup.objects.create(name="Weekly", parent=regulars),
        CustomerGroup.objects.create(name="Monthly", parent=regulars),
        CustomerGroup.objects.create(name="Friends & family"),
        CustomerGroup.objects.create(name="VIP"),
    ]
    wholesale = CustomerGroup.objects.create(name="Wholesale")
    return [*groups, wholesale]


def demo_customers_create(*, count: int, seed: int = 2026) -> int:
    """Create `count` customers in the current schema: mostly people with realistic data and
    properties, some businesses with contact persons; most Introduced, some in Control with data
    to complete, a few archived. Deterministic for a seed."""
    rng = random.Random(seed)
    groups = demo_groups_create()
    wholesale = groups[-1]
    person_groups = groups[:-1]
    today = timezone.localdate()
    customers = []
    for number in range(count):
        if rng.random() < 0.04:
            city, country, postal = rng.choice(CITIES)
            company = (
                f"{rng.choice(COMPANIES).split(' ')[0]} {rng.choice(LAST_NAMES)} {rng.choice(['OÜ', 'AS', 'GmbH'])}"
            )
            customers.append(
                Customer(
                    kind=Customer.Kind.BUSINESS,
                    company_name=company,
                    registry_code=str(10_000_000 + number),
                    vat_number=f"{country}{100_000_000 + number}",
                    email=f"info{number}@example.com",
                    phone=f"+372{6_000_000 + number}",
                    address=f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
                    city=city,
                    postal_code=postal,
                    country=country,
                    payment_terms_days=rng.choice([7, 14, 30]),
                    group=wholesale,
                    status=CustomerStatus.INTRODUCED,
                    email_consent=True,
                )
            )
            continue
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, country, postal = rng.choice(CITIES)
        statuses = [CustomerStatus.INTRODUCED, CustomerStatus.CONTROL, CustomerStatus.ARCHIVED]
        status = rng.choices(statuses, [82, 12, 6])[0]
        has_contact = status != CustomerStatus.CONTROL or rng.random() < 0.5
        if country == "EE":
            phone = f"+3725{rng.randint(1_000_000, 9_999_999)}"
        else:
            phone = f"+49151{rng.randint(10_000_000, 99_999_999)}"
        email = f"{first}.{last}.{number}@example.com".lower() if has_contact and rng.random() < 0.8 else ""
        birth = today - datetime.timedelta(days=rng.randint(18 * 365, 85 * 365))
        properties = {"member_since": (today - datetime.timedelta(days=rng.randint(0, 3000))).isoformat()}
        if rng.random() < 0.6:
            properties["shoe_size"] = str(rng.randint(35, 47))
        if rng.random() < 0.7:
            properties["preferred_store"] = rng.choice(STORES)
        if rng.random() < 0.5:
            properties["has_pet"] = rng.random() < 0.4
        customers.append(
            Customer(
                first_name=first,
                last_name=last,
                birth_date=birth if rng.random() < 0.85 else None,
                gender=rng.choice(["female", "male", "female", "male", "", "other"]),
                phone=phone if has_contact else "",
                email=email,
                address=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                city=city,
                postal_code=postal,
                country=country,
                language={"EE": "et", "DE": "de"}[country],
                status=status,
                properties=properties,
                group=rng.choice(person_groups) if rng.random() < 0.5 else None,
                email_consent=rng.random() < 0.55,
                sms_consent=rng.random() < 0.35,
            )
        )
    created = Customer.objects.bulk_create(customers, batch_size=1000)
    businesses = [customer for customer in created if customer.kind == Customer.Kind.BUSINESS]
    contacts = []
    for company in businesses:
        for department in rng.sample(["Purchasing", "Accounting", "Management"], 2):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            contacts.append(
                Customer(
                    first_name=first,
                    last_name=last,
                    company=company,
                    department=department,
                    status=CustomerStatus.INTRODUCED,
                    email=f"{first}.{last}@{company.pk}.example.com".lower(),
                    position_title="Buyer" if department == "Purchasing" else "",
                )
            )
    Customer.objects.bulk_create(contacts, batch_size=1000)
    CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(customer=customer, kind=CustomerEvent.Kind.CREATED, new_value=str(customer), source="import")
            for customer in [*created, *contacts]
        ],
        batch_size=2000,
    )
    return len(created) + len(contacts)


@transaction.atomic
def demo_tenant_setup(*, domain: str, customers: int = 3000) -> tuple[Tenant, bool]:
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
        source="make run",
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
        demo_properties_create()
        demo_customers_create(count=customers)
        # Loyalty before the sales, so that they earn (and returns take back) through the real
        # sale path; its rules refer to the catalogue's groups and products.
        catalogue = demo_catalogue_create()
        loyalty = demo_loyalty_create(catalogue=catalogue)
        demo_sales_create(tenant=tenant, catalogue=catalogue, points_to_redeem=loyalty.points_to_redeem)
        demo_loyalty_finish(loyalty)
        demo_join_dates_spread()
    return tenant, True


def demo_join_dates_spread() -> None:
    """Date each demo customer's record as a retailer's would be: a buyer joined up to six weeks
    before the first purchase, others at some point of the last two years (so that "new
    customers per month" has a history, not one spike on the day of `make run`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE customers_customer SET created_at = CASE
                WHEN first_purchase_at IS NOT NULL
                    THEN first_purchase_at
                        - make_interval(days => ((id * 37) % 42)::int, hours => ((id * 13) % 24)::int)
                ELSE now() - make_interval(days => ((id * 7919) % 720)::int, hours => ((id * 13) % 24)::int)
            END
            """
        )
