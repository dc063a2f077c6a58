"""Report 7: loyalty points per month, read back from the workbook, with two tenants present."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import Product, Store
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


@pytest.mark.django_db
def test_points_per_month_and_the_outstanding_balance(alpha, beta, build_report):
    today = timezone.localdate()
    first_month = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    second_month = (first_month + datetime.timedelta(days=32)).replace(day=1)
    for setup, quantity in ((alpha, 3), (beta, 7)):
        with tenant_context(setup.tenant):
            store = Store.objects.create(name="Main", code="M1")
            Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
            customer = Customer.objects.create(first_name="Mari", status="introduced")
            # Before the period: 50 points, the opening of the outstanding balance.
            sale_register(
                store=store,
                customer=customer,
                lines=[LineInput("CUP-1", Decimal("5"))],
                occurred_at=_moment(first_month - datetime.timedelta(days=3)),
            )
            sale = sale_register(
                store=store,
                customer=customer,
                lines=[LineInput("CUP-1", Decimal(quantity))],
                occurred_at=_moment(first_month + datetime.timedelta(days=2)),
            )
            sale_register(
                store=store,
                customer=customer,
                lines=[LineInput("CUP-1", Decimal("1"), Decimal("8.00"))],
                occurred_at=_moment(second_month + datetime.timedelta(days=1)),
                extensions=[LoyaltyAtSale(points_to_redeem=40)],
            )
            return_register(
                sale=sale,
                lines=[ReturnLineInput(sale.lines.get().pk, Decimal("1"))],
                occurred_at=_moment(second_month + datetime.timedelta(days=2)),
            )
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username="admin")
        built = build_report(
            code="loyalty-points",
            data={
                "date_from": first_month.isoformat(),
                "date_to": (second_month + datetime.timedelta(days=27)).isoformat(),
            },
            tenant=alpha.tenant,
            user=admin,
        )
    assert built.values[0][0] == "Loyalty points"
    assert built.header == [
        "Month",
        "Earned",
        "Redeemed",
        "Expired",
        "Bonuses and opening balances",
        "Manual adjustments",
        "Moved by returns",
        "Outstanding at month end",
    ]
    # alpha: 50 points before the period; 30 earned in the first month; in the second, 40 paid a
    # receipt of 8.00 that earned 7 on the 7.60 paid in money, and a cup returned took back 10.
    assert built.rows == [
        [first_month.strftime("%Y-%m"), 30, 0, 0, 0, 0, 0, 80],
        [second_month.strftime("%Y-%m"), 7, 40, 0, 0, 0, -10, 37],
    ]
    assert built.sheet.freeze_panes == f"A{len(built.run.parameters_text) + 5}"
    assert built.run.chart["kind"] == "line"
