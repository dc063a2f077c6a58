"""Report 1: buyers of a product, read back from the workbook, with two tenants present."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from customers.services import group_create
from reports.definitions.buyers import BuyersForm
from reports.models import ReportRun
from sales.models import ProductGroup, SalesDocument, Store
from sales.services.products import product_create, product_group_create
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

HEADER = [
    "Customer code",
    "Name",
    "Group",
    "Quantity",
    "Amount",
    "Receipts",
    "First purchase",
    "Last purchase",
    "E-mail",
    "Phone",
    "Marketing consent",
]


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _noon(day: datetime.date) -> datetime.datetime:
    """What the workbook holds for a purchase at noon: the local time, without a zone."""
    return datetime.datetime.combine(day, datetime.time(12))


def _return_all(sale: SalesDocument, quantity: str, day: datetime.date) -> None:
    return_register(
        sale=sale,
        lines=[ReturnLineInput(sale.lines.get(product__sku="CUP-1").pk, Decimal(quantity))],
        occurred_at=_moment(day),
    )


@dataclass(frozen=True)
class BuyersSales:
    kitchen: ProductGroup
    main: Store
    loyal: CustomerGroup
    mari: Customer
    jaan: Customer
    formula: Customer
    company: Customer


@pytest.fixture
def buyers_sales(alpha, beta):
    """alpha: cups in the sub-group Cups of Kitchen, plates in Kitchen, spades in Garden; two
    stores; buyers with and without consent. beta: the same codes and names, other sales."""
    with tenant_context(beta.tenant):
        kitchen = product_group_create(name="Kitchen")
        product_create(
            sku="CUP-1", name="Cup", list_price="10.00", group=product_group_create(name="Cups", parent=kitchen)
        )
        product_create(sku="BETA-1", name="Beta only", list_price="1.00")
        main = Store.objects.create(name="Main", code="M1")
        mari = Customer.objects.create(
            first_name="Mari", last_name="Tamm", email="mari@beta.example", email_consent=True
        )
        sale_register(
            store=main, customer=mari, lines=[LineInput("CUP-1", Decimal("7"))], occurred_at=_moment(_day(30))
        )
    with tenant_context(alpha.tenant):
        kitchen = product_group_create(name="Kitchen")
        cups = product_group_create(name="Cups", parent=kitchen)
        garden = product_group_create(name="Garden")
        product_create(sku="CUP-1", name="Cup", list_price="10.00", group=cups)
        product_create(sku="PLATE-1", name="Plate", list_price="20.00", group=kitchen)
        product_create(sku="SPADE-1", name="Spade", list_price="30.00", group=garden)
        main = Store.objects.create(name="Main", code="M1")
        harbour = Store.objects.create(name="Harbour", code="H1")
        loyal = group_create(name="Loyal")
        regulars = group_create(name="Regulars", parent=loyal)
        mari = Customer.objects.create(
            first_name="Mari",
            last_name="Tamm",
            group=regulars,
            email="mari@example.com",
            email_consent=True,
            phone="+372 5111 1111",
            sms_consent=False,
        )
        jaan = Customer.objects.create(
            first_name="Jaan",
            last_name="Kask",
            email="jaan@example.com",
            email_consent=False,
            phone="+372 5222 2222",
            sms_consent=True,
        )
        formula = Customer.objects.create(first_name="=1+1", email="formula@example.com", phone="+372 5333 3333")
        company = Customer.objects.create(
            kind=Customer.Kind.BUSINESS,
            company_name="Garden Ltd",
            email="info@garden.example",
            email_consent=True,
            phone="+372 5444 4444",
            sms_consent=True,
        )
        harbour_only = Customer.objects.create(first_name="Liis", email="liis@example.com", email_consent=True)
        gardener = Customer.objects.create(first_name="Peeter", email="peeter@example.com", email_consent=True)

        # Mari: 3 cups, one returned, and a plate for 15.00 (and a cup before the period).
        sale_register(
            store=main, customer=mari, lines=[LineInput("CUP-1", Decimal("1"))], occurred_at=_moment(_day(50))
        )
        cups_sale = sale_register(
            store=main, customer=mari, lines=[LineInput("CUP-1", Decimal("3"))], occurred_at=_moment(_day(30))
        )
        _return_all(cups_sale, "1", _day(25))
        sale_register(
            store=main,
            customer=mari,
            lines=[LineInput("PLATE-1", Decimal("1"), Decimal("15.00"))],
            occurred_at=_moment(_day(20)),
        )
        # Jaan: a cup; an order is no purchase; cups returned in full were not bought after all.
        sale_register(
            store=main, customer=jaan, lines=[LineInput("CUP-1", Decimal("1"))], occurred_at=_moment(_day(20))
        )
        sale_register(
            store=main,
            customer=jaan,
            kind=SalesDocument.Kind.ORDER,
            lines=[LineInput("CUP-1", Decimal("5"))],
            occurred_at=_moment(_day(10)),
        )
        returned = sale_register(
            store=main, customer=jaan, lines=[LineInput("CUP-1", Decimal("2"))], occurred_at=_moment(_day(10))
        )
        _return_all(returned, "2", _day(9))
        # "=1+1": two plates, and a spade that is not of the chosen group.
        sale_register(
            store=main,
            customer=formula,
            lines=[LineInput("PLATE-1", Decimal("2")), LineInput("SPADE-1", Decimal("1"))],
            occurred_at=_moment(_day(30)),
        )
        # Garden Ltd: 1.5 cups at 9.00, half a cup returned; a spade.
        company_sale = sale_register(
            store=main,
            customer=company,
            lines=[LineInput("CUP-1", Decimal("1.5"), Decimal("9.00")), LineInput("SPADE-1", Decimal("1"))],
            occurred_at=_moment(_day(10)),
        )
        _return_all(company_sale, "0.5", _day(5))
        # Outside the filters: another store, another group, no customer.
        sale_register(
            store=harbour,
            customer=harbour_only,
            lines=[LineInput("CUP-1", Decimal("4"))],
            occurred_at=_moment(_day(30)),
        )
        sale_register(
            store=main, customer=gardener, lines=[LineInput("SPADE-1", Decimal("1"))], occurred_at=_moment(_day(30))
        )
        sale_register(store=main, lines=[LineInput("CUP-1", Decimal("6"))], occurred_at=_moment(_day(30)))
    return BuyersSales(kitchen=kitchen, main=main, loyal=loyal, mari=mari, jaan=jaan, formula=formula, company=company)


def _period() -> dict:
    return {"date_from": _day(40).isoformat(), "date_to": _day(0).isoformat()}


@pytest.mark.django_db
def test_the_buyers_of_a_product_group_at_one_store(alpha, buyers_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="buyers",
            data={**_period(), "product_groups": [buyers_sales.kitchen.pk], "stores": [buyers_sales.main.pk]},
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.values[0][0] == "Buyers of a product"
    assert built.header == HEADER
    # Largest amount first; cups of the sub-group count; returns come off; the e-mail only with
    # e-mail consent, the phone only with SMS consent.
    assert built.rows == [
        [buyers_sales.formula.pk, "=1+1", None, 2, 40, 1, _noon(_day(30)), _noon(_day(30)), None, None, "None"],
        [
            buyers_sales.mari.pk,
            "Mari Tamm",
            "Regulars",
            3,
            35,
            2,
            _noon(_day(30)),
            _noon(_day(20)),
            "mari@example.com",
            None,
            "E-mail",
        ],
        [
            buyers_sales.jaan.pk,
            "Jaan Kask",
            None,
            1,
            10,
            1,
            _noon(_day(20)),
            _noon(_day(20)),
            None,
            "+372 5222 2222",
            "SMS",
        ],
        [
            buyers_sales.company.pk,
            "Garden Ltd",
            None,
            1,
            9,
            1,
            _noon(_day(10)),
            _noon(_day(10)),
            "info@garden.example",
            "+372 5444 4444",
            "E-mail and SMS",
        ],
    ]
    first_row = len(built.run.parameters_text) + 5
    name_cell = built.sheet.cell(row=first_row, column=2)
    assert (name_cell.value, name_cell.data_type) == ("=1+1", "s")
    assert built.run.chart is None
    assert built.run.row_count == 4


@pytest.mark.django_db
def test_the_buyers_in_a_customer_group_with_its_sub_groups(alpha, buyers_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="buyers",
            data={**_period(), "products": "CUP-1, PLATE-1", "customer_groups": [buyers_sales.loyal.pk]},
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.rows == [
        [
            buyers_sales.mari.pk,
            "Mari Tamm",
            "Regulars",
            3,
            35,
            2,
            _noon(_day(30)),
            _noon(_day(20)),
            "mari@example.com",
            None,
            "E-mail",
        ],
    ]


@pytest.mark.django_db
def test_no_purchase_in_the_period_builds_a_file_with_only_the_header(alpha, buyers_sales, build_report):
    with tenant_context(alpha.tenant):
        built = build_report(
            code="buyers",
            data={"date_from": _day(200).isoformat(), "date_to": _day(100).isoformat()},
            tenant=alpha.tenant,
            user=User.objects.get(username="admin"),
        )
    assert built.header == HEADER
    assert built.rows == []
    assert built.run.row_count == 0


@pytest.mark.django_db
def test_a_product_code_of_another_retailer_is_refused(alpha, buyers_sales, tenant_client):
    with tenant_context(alpha.tenant):
        runs_before = ReportRun.objects.count()
        form = BuyersForm({**_period(), "products": "CUP-1 BETA-1"}, tenant=alpha.tenant)
        assert not form.is_valid()
        assert form.errors["products"] == ["No product with the code “BETA-1”."]
    response = tenant_client(alpha, alpha.marketer).post("/reports/buyers/", {**_period(), "products": "BETA-1"})
    assert response.status_code == 200
    assert "No product with the code “BETA-1”." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == runs_before
