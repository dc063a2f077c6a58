"""Registering sales and returns: prices, purchase figures, refusals, concurrency."""

import datetime
import random
import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services import group_create
from sales import registry
from sales.models import (
    GroupPriceList,
    PriceList,
    PriceListItem,
    Product,
    Return,
    SalesDocument,
    SalesLine,
    Store,
)
from sales.services.sales import LineInput, ReturnLineInput, SaleSource, return_register, sale_register
from staff.models import User
from tariffs.models import TariffPlan
from tenants.services import tenant_create


@pytest.mark.django_db
def test_a_sale_writes_lines_and_adds_to_the_customers_figures(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        when = timezone.now() - datetime.timedelta(days=3)
        sale = sale_register(
            store=shop.store,
            customer=shop_customer,
            occurred_at=when,
            lines=[LineInput("TEA-1", Decimal("2")), LineInput("4740000000018", Decimal("1"), Decimal("3.50"))],
        )
        assert (sale.total, sale.discount_total) == (Decimal("11.50"), Decimal("0.50"))
        assert list(sale.lines.values_list("line_total", "discount_source")) == [
            (Decimal("8.00"), ""),
            (Decimal("3.50"), "manual"),
        ]
        customer = Customer.objects.get(pk=shop_customer.pk)
        assert (customer.purchase_count, customer.purchase_total) == (1, Decimal("11.50"))
        assert customer.first_purchase_at == customer.last_purchase_at == when


@dataclass(frozen=True)
class Stamp:
    """A later app's input to its step, as a caller passes it."""

    text: str


@pytest.mark.django_db
def test_the_steps_get_the_source_the_acting_user_and_their_extension_found_by_type(alpha, shop):
    seen = []

    def step(document, lines, context):
        seen.append((type(document).__name__, context.source, context.acting_user, context.extension(Stamp)))

    with tenant_context(alpha.tenant):
        cashier = User.objects.create_user(username="cashier-1")
        with registry.sale_steps.registered(step), registry.return_steps.registered(step):
            sale = sale_register(
                store=shop.store,
                lines=[LineInput("CUP-1", Decimal("1"))],
                acting_user=cashier,
                source=SaleSource.IMPORT,
                extensions=[Stamp("first")],
            )
            sale_register(store=shop.store, lines=[LineInput("CUP-1", Decimal("1"))])
            return_register(sale=sale, lines=[ReturnLineInput(sale.lines.get().pk, Decimal("1"))], acting_user=cashier)
        assert sale.author == cashier
        assert step not in registry.sale_steps
    assert seen == [
        ("SalesDocument", SaleSource.IMPORT, cashier, Stamp("first")),
        ("SalesDocument", SaleSource.BACK_OFFICE, None, None),
        ("Return", SaleSource.BACK_OFFICE, cashier, None),
    ]


@pytest.mark.django_db
def test_orders_and_quotes_are_not_purchases(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        sale_register(store=shop.store, customer=shop_customer, kind="quote", lines=[LineInput("CUP-1", Decimal("1"))])
        assert Customer.objects.get(pk=shop_customer.pk).purchase_count == 0


@pytest.mark.django_db
def test_a_group_price_list_applies_to_sub_groups_and_product_groups(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        wholesale = group_create(name="Wholesale")
        big = group_create(name="Big buyers", parent=wholesale)
        price_list = PriceList.objects.create(name="Wholesale prices")
        PriceListItem.objects.create(price_list=price_list, product_group=shop.drinks, percent_off=Decimal("25"))
        PriceListItem.objects.create(price_list=price_list, product=shop.cup, fixed_price=Decimal("7.00"))
        GroupPriceList.objects.create(customer_group=wholesale, price_list=price_list)
        Customer.objects.filter(pk=shop_customer.pk).update(group=big)
        customer = Customer.objects.get(pk=shop_customer.pk)
        sale = sale_register(
            store=shop.store,
            customer=customer,
            lines=[LineInput("TEA-1", Decimal("1")), LineInput("CUP-1", Decimal("2"))],
        )
        assert list(sale.lines.values_list("unit_price", "discount", "discount_source")) == [
            (Decimal("3.00"), Decimal("1.00"), "price_list"),
            (Decimal("7.00"), Decimal("6.00"), "price_list"),
        ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "when", "message"),
    [
        ([], None, "A sale needs at least one line."),
        ([LineInput("NOPE", Decimal("1"))], None, "Line 1: no active product with the code “NOPE”."),
        ([LineInput("CUP-1", Decimal("0"))], None, "Line 1: the quantity must be more than zero."),
        ([LineInput("CUP-1", Decimal("-2"))], None, "Line 1: the quantity must be more than zero."),
        (
            [LineInput("CUP-1", Decimal("1"), Decimal("9.999"))],
            None,
            "Line 1: 9.999 has more decimals than the currency (2).",
        ),
        (
            [LineInput("CUP-1", Decimal("1"))],
            timezone.now() + datetime.timedelta(days=1),
            "The sale is dated in the future",
        ),
    ],
)
def test_bad_sales_are_refused_and_nothing_is_written(alpha, shop, shop_customer, lines, when, message):
    with tenant_context(alpha.tenant):
        with pytest.raises(ValidationError) as refused:
            sale_register(store=shop.store, customer=shop_customer, lines=lines, occurred_at=when)
        assert message in " ".join(refused.value.messages)
        assert SalesDocument.objects.count() == 0
        assert Customer.objects.get(pk=shop_customer.pk).purchase_count == 0


@pytest.mark.django_db
def test_a_partial_return_takes_the_amount_off_and_more_than_sold_is_refused(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        sale = sale_register(store=shop.store, customer=shop_customer, lines=[LineInput("CUP-1", Decimal("3"))])
        line = sale.lines.get()
        returned = return_register(sale=sale, lines=[ReturnLineInput(line.pk, Decimal("1"))], reason="broken")
        assert returned.amount == Decimal("10.00")
        with pytest.raises(ValidationError) as refused:
            return_register(sale=sale, lines=[ReturnLineInput(line.pk, Decimal("3"))])
        assert refused.value.messages == ["Cup: 3 asked back, but only 2 of 3 sold can still be returned."]
        customer = Customer.objects.get(pk=shop_customer.pk)
        assert (customer.purchase_total, customer.return_count) == (Decimal("20.00"), 1)
        assert SalesLine.objects.get(pk=line.pk).returned_quantity == Decimal("1")


def test_two_returns_at_once_never_return_more_than_sold(committed_db):
    plan = TariffPlan.objects.get(name="Business")
    tenant = tenant_create(
        name="Return race",
        schema_name="return_race",
        plan=plan,
        admin_username="admin",
        admin_email="admin@return-race.example",
        admin_password="x",
        validate_admin_password=False,
    )
    with tenant_context(tenant):
        store = Store.objects.create(name="S", code="S")
        Product.objects.create(sku="P", name="P", list_price="5.00")
        sales = [sale_register(store=store, lines=[LineInput("P", Decimal("2"))]) for _ in range(10)]
    outcomes = []

    def give_back(sale):
        try:
            with tenant_context(tenant):
                return_register(sale=sale, lines=[ReturnLineInput(sale.lines.get().pk, Decimal("2"))])
            outcomes.append("returned")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=give_back, args=(sale,)) for sale in sales for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 10 + ["returned"] * 10
    with tenant_context(tenant):
        assert Return.objects.count() == 10
        assert not SalesLine.objects.exclude(returned_quantity=Decimal("2")).exists()


@pytest.mark.django_db
def test_purchase_figures_always_equal_what_sales_and_returns_say(alpha, shop, shop_customer):
    """A random mix of sales and returns, then the figures recomputed from scratch."""
    rng = random.Random(7)
    with tenant_context(alpha.tenant):
        customers = [shop_customer, *[Customer.objects.create(first_name=f"C{n}", last_name="X") for n in range(3)]]
        start = timezone.now() - datetime.timedelta(days=200)
        sales = []
        for _step in range(60):
            if sales and rng.random() < 0.3:
                sale = rng.choice(sales)
                line = rng.choice(list(sale.lines.all()))
                if line.returnable_quantity > 0:
                    return_register(
                        sale=sale,
                        lines=[ReturnLineInput(line.pk, min(line.returnable_quantity, Decimal(rng.randint(1, 2))))],
                    )
                continue
            customer = Customer.objects.get(pk=rng.choice(customers).pk)
            lines = [
                LineInput(rng.choice(["TEA-1", "CUP-1"]), Decimal(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))
            ]
            kind = rng.choice(["receipt", "receipt", "invoice", "order"])
            sales.append(
                sale_register(
                    store=shop.store,
                    customer=customer,
                    kind=kind,
                    lines=lines,
                    occurred_at=start + datetime.timedelta(days=rng.randint(0, 199)),
                )
            )
        for customer in Customer.objects.filter(pk__in=[c.pk for c in customers]):
            purchases = SalesDocument.objects.filter(customer=customer, kind__in=["receipt", "invoice"])
            figures = purchases.aggregate(
                count=Count("pk"), total=Sum("total"), first=Min("occurred_at"), last=Max("occurred_at")
            )
            returned = Return.objects.filter(customer=customer, sale__kind__in=["receipt", "invoice"])
            returned_sum = returned.aggregate(total=Sum("amount"))["total"] or Decimal("0")
            assert customer.purchase_count == figures["count"]
            assert customer.purchase_total == (figures["total"] or Decimal("0")) - returned_sum
            assert customer.first_purchase_at == figures["first"]
            assert customer.last_purchase_at == figures["last"]
            assert customer.return_count == returned.count()
