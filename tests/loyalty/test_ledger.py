"""The ledger's invariants in the database, and points on sales and returns."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from loyalty.models import PointsAccount, PointsEntry, Programme
from loyalty.selectors.points import ledger_sum
from loyalty.services.ledger import account_lock, entry_write
from loyalty.services.sale_points import LoyaltyAtSale
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register


def _balance(customer) -> int:
    return PointsAccount.objects.get(pk=customer.pk).balance


@pytest.mark.django_db
def test_a_sale_earns_and_a_partial_return_takes_back_its_share(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        sold_at = timezone.now() - datetime.timedelta(days=40)
        sale = sale_register(
            store=shop.store,
            customer=customer,
            occurred_at=sold_at,
            lines=[LineInput("CUP-1", Decimal("3")), LineInput("TEA-1", Decimal("2"))],
        )
        assert _balance(customer) == 38
        cup_line = sale.lines.get(product__sku="CUP-1")
        returned_at = timezone.now() - datetime.timedelta(days=2)
        return_register(sale=sale, lines=[ReturnLineInput(cup_line.pk, Decimal("1"))], occurred_at=returned_at)
        assert _balance(customer) == 28
        # Each entry is dated when its sale or return happened, not when it was written.
        assert list(
            PointsEntry.objects.filter(customer=customer).order_by("pk").values_list("occurred_at", flat=True)
        ) == [
            sold_at,
            returned_at,
        ]
        return_register(sale=sale, lines=[ReturnLineInput(cup_line.pk, Decimal("2"))])
        tea_line = sale.lines.get(product__sku="TEA-1")
        return_register(sale=sale, lines=[ReturnLineInput(tea_line.pk, Decimal("2"))])
        assert _balance(customer) == 0 == ledger_sum(customer.pk)
        assert list(PointsEntry.objects.filter(customer=customer).order_by("pk").values_list("kind", "points")) == [
            ("earn", 38),
            ("reverse", -10),
            ("reverse", -20),
            ("reverse", -8),
        ]


@pytest.mark.django_db
def test_spent_points_stop_at_zero_and_the_shortfall_is_recorded(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        sale = sale_register(store=shop.store, customer=customer, lines=[LineInput("CUP-1", Decimal("10"))])
        second = sale_register(
            store=shop.store,
            customer=customer,
            lines=[LineInput("CUP-1", Decimal("10"))],
            extensions=[LoyaltyAtSale(points_to_redeem=100)],
        )
        assert _balance(customer) == 100 - 100 + 99  # the second earns on 99.00 paid in money
        return_register(sale=sale, lines=[ReturnLineInput(sale.lines.get().pk, Decimal("10"))])
        entry = PointsEntry.objects.filter(kind="reverse").get()
        assert (entry.points, entry.shortfall, entry.balance_after) == (-99, 1, 0)
        assert "1 were spent already" in entry.reason
        return_register(sale=second, lines=[ReturnLineInput(second.lines.get().pk, Decimal("10"))])
        assert list(PointsEntry.objects.filter(sale=second).order_by("pk").values_list("kind", "points")) == [
            ("redeem", -100),
            ("earn", 99),
            ("restore", 100),
            ("reverse", -99),
        ]
        assert _balance(customer) == 1 == ledger_sum(customer.pk)


@pytest.mark.django_db
def test_a_negative_balance_when_the_programme_allows_it(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(negative_policy=Programme.NegativePolicy.ALLOW)
        customer = shop_customer
        sale = sale_register(store=shop.store, customer=customer, lines=[LineInput("CUP-1", Decimal("10"))])
        sale_register(
            store=shop.store,
            customer=customer,
            lines=[LineInput("CUP-1", Decimal("1"), Decimal("2.00"))],
            extensions=[LoyaltyAtSale(points_to_redeem=1)],
        )
        return_register(sale=sale, lines=[ReturnLineInput(sale.lines.get().pk, Decimal("10"))])
        assert _balance(customer) == 100 - 1 + 1 - 100 == ledger_sum(customer.pk)


@pytest.mark.django_db
def test_redeeming_more_than_the_balance_or_the_share_is_refused_and_nothing_written(
    alpha, shop, shop_customer, loyalty_programme
):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        sale_register(store=shop.store, customer=customer, lines=[LineInput("CUP-1", Decimal("10"))])
        for asked, message in (
            (101, "The customer has 100 points; 101 cannot be redeemed."),
            (60, "At most 50 points may pay this receipt (50 per cent of 1.00); 60 were asked."),
        ):
            with pytest.raises(ValidationError) as refused:
                sale_register(
                    store=shop.store,
                    customer=customer,
                    lines=[LineInput("CUP-1", Decimal("1"), Decimal("1.00"))],
                    extensions=[LoyaltyAtSale(points_to_redeem=asked)],
                )
            assert refused.value.message_dict["points_redeemed"] == [message]
            assert _balance(customer) == 100
            assert customer.sales.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_changing_deleting_and_unbalanced_entries(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        with transaction.atomic():
            account = account_lock(customer.pk)
            entry = entry_write(account=account, kind="bonus", points=50, source="back_office", reason="x")
        for statement in (
            "UPDATE loyalty_pointsentry SET points = 500 WHERE id = %s",
            "DELETE FROM loyalty_pointsentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            PointsEntry.objects.create(customer=customer, kind="bonus", points=5, balance_after=99, source="import")
        with pytest.raises(IntegrityError), transaction.atomic():
            PointsEntry.objects.create(customer=customer, kind="redeem", points=-60, balance_after=-10, source="till")
        assert _balance(customer) == 50 == ledger_sum(customer.pk)
