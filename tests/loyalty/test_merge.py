"""Merging two customers moves their cards and points (loyalty/services/merging.py, the step
loyalty joins to customers.services.merging.customer_merge)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services.merging import customer_merge
from loyalty.models import Card, CardEvent, CardType, PointsAccount, PointsEntry, Programme
from loyalty.selectors.points import points_expiring
from loyalty.services.cards import card_assign, card_batch_generate, card_block
from loyalty.services.jobs import customer_points_expire
from loyalty.services.ledger import account_lock, entry_write
from loyalty.services.sale_points import LoyaltyAtSale
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User


def balance(customer) -> int:
    return PointsAccount.objects.get(pk=customer.pk).balance


def entries_sum(customer) -> int:
    return PointsEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))["total"] or 0


def credit(customer, points: int, *, expires_on: datetime.date) -> None:
    with transaction.atomic():
        entry_write(
            account=account_lock(customer.pk),
            kind=PointsEntry.Kind.BONUS,
            points=points,
            source=PointsEntry.Source.BACK_OFFICE,
            reason="test",
            expires_on=expires_on,
        )


@pytest.fixture
def merge_shop(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(welcome_bonus=50)
        admin = User.objects.get(username="admin")
        bonus = CardType.objects.create(name="Bonus card", kind="bonus", symbology="ean13", prefix="2991")
        batch = card_batch_generate(card_type=bonus, quantity=4, acting_user=admin)
        numbers = list(Card.objects.filter(batch=batch).order_by("number").values_list("number", flat=True))
        # Same person twice: the record to keep and a duplicate made at another till.
        keep = shop_customer
        remove = Customer.objects.create(first_name="Mari", last_name="Tamm", phone="+37255512345", status="control")
        yield {"store": shop.store, "admin": admin, "numbers": numbers, "keep": keep, "remove": remove}


def merge(alpha, shop) -> Customer:
    return customer_merge(tenant=alpha.tenant, keep=shop["keep"], remove=shop["remove"], acting_user=shop["admin"])


@pytest.mark.django_db
def test_a_merge_moves_cards_and_entries_and_the_kept_balance_is_both_together(alpha, merge_shop):
    shop = merge_shop
    keep, remove, admin, numbers = shop["keep"], shop["remove"], shop["admin"], shop["numbers"]
    with tenant_context(alpha.tenant):
        # Both got a bonus card and its welcome bonus, both bought; the duplicate paid with points.
        card_assign(customer=keep, number=numbers[0], acting_user=admin)
        old_card = card_assign(customer=remove, number=numbers[1], acting_user=admin)
        card_block(card=old_card, acting_user=admin, reason="lost")
        card_assign(customer=remove, number=numbers[2], acting_user=admin)
        sale_register(store=shop["store"], customer=keep, lines=[LineInput("CUP-1", Decimal("3"))])
        sale_register(store=shop["store"], customer=remove, lines=[LineInput("CUP-1", Decimal("2"))])
        sale_register(
            store=shop["store"],
            customer=remove,
            lines=[LineInput("TEA-1", Decimal("5"))],
            extensions=[LoyaltyAtSale(points_to_redeem=40)],
        )
        assert (balance(keep), balance(remove)) == (50 + 30, 50 + 20 - 40 + 19)
        keep_entries = list(PointsEntry.objects.filter(customer=keep).values_list("pk", flat=True))
        remove_entries = list(PointsEntry.objects.filter(customer=remove).values_list("pk", flat=True))

        merge(alpha, shop)

        assert not Customer.objects.filter(pk=remove.pk).exists()
        assert not PointsAccount.objects.filter(pk=remove.pk).exists()
        assert balance(keep) == 80 + 49 == entries_sum(keep)
        entries = PointsEntry.objects.filter(customer=keep)
        moved = entries.filter(merged_from=remove.pk)
        assert set(entries.filter(merged_from__isnull=True).values_list("pk", flat=True)) > set(keep_entries)
        assert set(remove_entries) < set(moved.values_list("pk", flat=True))
        # The balance moved by two entries, both on the kept customer now.
        assert sorted(
            entries.filter(kind__in=["merge_in", "merge_out"]).values_list("kind", "points", "merged_from")
        ) == [
            ("merge_in", 49, None),
            ("merge_out", -49, remove.pk),
        ]
        # Both welcome bonuses stay in the ledger; only the kept customer's keeps its once-key.
        welcome = entries.filter(reason="Welcome bonus").order_by("merged_from")
        assert list(welcome.values_list("points", "once_key", "merged_from")) == [
            (50, None, remove.pk),
            (50, "welcome", None),
        ]
        assert sorted(Card.objects.filter(customer=keep).values_list("number", "status")) == [
            (numbers[0], "active"),
            (numbers[1], "blocked"),
            (numbers[2], "active"),
        ]
        merged_events = CardEvent.objects.filter(customer=keep, kind="merged")
        assert sorted(merged_events.values_list("card__number", flat=True)) == [numbers[1], numbers[2]]
        # The moved card history is the kept customer's now.
        assert CardEvent.objects.filter(customer=keep, card__number=numbers[1], kind="blocked").exists()

        # Another bonus card later brings no second welcome bonus.
        card_assign(customer=keep, number=numbers[3], acting_user=admin)
        assert balance(keep) == 129 == entries_sum(keep)


@pytest.mark.django_db
def test_a_negative_balance_moves_too_when_the_programme_allows_it(alpha, merge_shop):
    shop = merge_shop
    keep, remove = shop["keep"], shop["remove"]
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(negative_policy=Programme.NegativePolicy.ALLOW)
        sale_register(store=shop["store"], customer=keep, lines=[LineInput("CUP-1", Decimal("3"))])
        first = sale_register(store=shop["store"], customer=remove, lines=[LineInput("CUP-1", Decimal("10"))])
        sale_register(
            store=shop["store"],
            customer=remove,
            lines=[LineInput("CUP-1", Decimal("1"), Decimal("2.00"))],
            extensions=[LoyaltyAtSale(points_to_redeem=100)],
        )
        return_register(sale=first, lines=[ReturnLineInput(first.lines.get().pk, Decimal("10"))])
        assert (balance(keep), balance(remove)) == (30, 100 - 100 + 1 - 100)

        merge(alpha, shop)

        assert balance(keep) == 30 - 99 == entries_sum(keep)
        assert sorted(
            PointsEntry.objects.filter(customer=keep, kind__in=["merge_in", "merge_out"]).values_list("kind", "points")
        ) == [("merge_in", -99), ("merge_out", 99)]


@pytest.mark.django_db
def test_the_kept_customer_can_be_the_one_below_zero(alpha, merge_shop):
    shop = merge_shop
    keep, remove = shop["keep"], shop["remove"]
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(negative_policy=Programme.NegativePolicy.ALLOW)
        first = sale_register(store=shop["store"], customer=keep, lines=[LineInput("CUP-1", Decimal("2"))])
        sale_register(
            store=shop["store"],
            customer=keep,
            lines=[LineInput("CUP-1", Decimal("1"), Decimal("1.00"))],
            extensions=[LoyaltyAtSale(points_to_redeem=20)],  # 50 % of 1.00 at 0.01 a point is 50 points at most
        )
        return_register(sale=first, lines=[ReturnLineInput(first.lines.get().pk, Decimal("2"))])
        sale_register(store=shop["store"], customer=remove, lines=[LineInput("CUP-1", Decimal("5"))])
        assert (balance(keep), balance(remove)) == (20 - 20 + 0 - 20, 50)

        merge(alpha, shop)

        assert balance(keep) == 30 == entries_sum(keep)


@pytest.mark.django_db
def test_merged_points_still_expire_oldest_first(alpha, merge_shop):
    """The two entries that move the balance cancel out on the kept customer: they must not
    count as a debit and a credit that never expires (which kept the moved points for ever)."""
    shop = merge_shop
    keep, remove = shop["keep"], shop["remove"]
    with tenant_context(alpha.tenant):
        credit(keep, 100, expires_on=datetime.date(2026, 3, 1))
        credit(remove, 60, expires_on=datetime.date(2026, 4, 1))
        credit(remove, 10, expires_on=datetime.date(2026, 9, 1))

        merge(alpha, shop)

        assert balance(keep) == 170
        assert points_expiring(customer_id=keep.pk, within_days=30, today=datetime.date(2026, 3, 15)) == 60
        assert customer_points_expire(customer_id=keep.pk, today=datetime.date(2026, 4, 1)).points == -160
        assert balance(keep) == 10 == entries_sum(keep)
        assert customer_points_expire(customer_id=keep.pk, today=datetime.date(2026, 9, 1)).points == -10
        assert balance(keep) == 0
