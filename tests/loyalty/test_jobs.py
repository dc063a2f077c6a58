"""The programme's scheduled jobs: points expiry (first in, first out) and birthday bonuses, and
the fan-out that runs them in every retailer through the real Celery worker."""

import datetime
import time

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.models import PointsAccount, PointsEntry, Programme
from loyalty.selectors.points import points_expiring
from loyalty.services.jobs import birthday_bonuses_give, customer_points_expire, points_expire_all
from loyalty.services.ledger import account_lock, entry_write
from loyalty.tasks import points_expire_task
from tenants.tasks import tenants_fan_out

D = datetime.date


def write(customer, points: int, *, kind: str = "bonus", expires_on: D | None = None) -> None:
    """A credit with the expiry date the test needs, or a debit (kind "redeem")."""
    with transaction.atomic():
        entry_write(
            account=account_lock(customer.pk),
            kind=kind,
            points=points,
            source=PointsEntry.Source.BACK_OFFICE,
            reason="test",
            expires_on=expires_on,
        )


def balance(customer) -> int:
    return PointsAccount.objects.get(pk=customer.pk).balance


def entries(customer) -> list[tuple]:
    return list(
        PointsEntry.objects.filter(customer=customer).order_by("pk").values_list("kind", "points", "balance_after")
    )


def person(first_name: str, **fields) -> Customer:
    return Customer.objects.create(first_name=first_name, last_name="Test", status="introduced", **fields)


@pytest.fixture
def programme(alpha):
    with tenant_context(alpha.tenant):
        Programme.objects.update_or_create(
            pk=1, defaults={"is_enabled": True, "expiry_months": 12, "birthday_bonus": 100}
        )
        yield


# --- expiry ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_oldest_points_expire_first_and_a_partly_spent_lot_expires_what_is_left(alpha, programme):
    with tenant_context(alpha.tenant):
        mari = person("Mari")
        write(mari, 100, expires_on=D(2026, 6, 1))
        write(mari, 50, expires_on=D(2026, 6, 10))
        write(mari, 80, expires_on=D(2026, 7, 1))
        write(mari, -120, kind="redeem")  # the first lot and 20 of the second

        assert customer_points_expire(customer_id=mari.pk, today=D(2026, 5, 31)) is None
        expired = customer_points_expire(customer_id=mari.pk, today=D(2026, 6, 15))
        assert (expired.kind, expired.points, expired.balance_after, expired.source) == ("expire", -30, 80, "scheduled")
        assert expired.reason == "Points earned until 2026-06-15 expired"

        # Run again, the same day and the days after: nothing is due twice.
        for day in (D(2026, 6, 15), D(2026, 6, 16), D(2026, 6, 30)):
            assert customer_points_expire(customer_id=mari.pk, today=day) is None
        assert balance(mari) == 80

        assert customer_points_expire(customer_id=mari.pk, today=D(2026, 7, 1)).points == -80
        assert balance(mari) == 0 == PointsEntry.objects.filter(customer=mari).aggregate(total=Sum("points"))["total"]
        assert [points for kind, points, _after in entries(mari) if kind == "expire"] == [-30, -80]


@pytest.mark.django_db
def test_points_spent_after_a_lot_is_due_come_out_of_it_first(alpha, programme):
    with tenant_context(alpha.tenant):
        jaan = person("Jaan")
        write(jaan, 40, expires_on=D(2026, 1, 31))
        write(jaan, 60, expires_on=D(2026, 12, 31))
        write(jaan, -70, kind="redeem")  # all of the first lot, 30 of the second
        assert customer_points_expire(customer_id=jaan.pk, today=D(2026, 2, 1)) is None
        assert customer_points_expire(customer_id=jaan.pk, today=D(2026, 12, 31)).points == -30
        assert balance(jaan) == 0


@pytest.mark.django_db
def test_points_expiring_in_the_next_30_days(alpha, programme):
    with tenant_context(alpha.tenant):
        kati = person("Kati")
        write(kati, 100, expires_on=D(2026, 3, 10))
        write(kati, 50, expires_on=D(2026, 3, 31))
        write(kati, 70, expires_on=D(2026, 4, 20))
        write(kati, 25)  # never expires
        write(kati, -30, kind="redeem")

        assert points_expiring(customer_id=kati.pk, today=D(2026, 2, 1)) == 0
        assert points_expiring(customer_id=kati.pk, today=D(2026, 2, 15)) == 70  # 100 of 10 March, less 30 spent
        assert points_expiring(customer_id=kati.pk, today=D(2026, 3, 1)) == 70 + 50
        assert points_expiring(customer_id=kati.pk, within_days=60, today=D(2026, 3, 1)) == 70 + 50 + 70
        customer_points_expire(customer_id=kati.pk, today=D(2026, 3, 10))
        assert points_expiring(customer_id=kati.pk, today=D(2026, 3, 10)) == 50
        # Points due already (31 March) are not "expiring in the next days": the next run takes them.
        assert points_expiring(customer_id=kati.pk, today=D(2026, 4, 1)) == 70
        customer_points_expire(customer_id=kati.pk, today=D(2026, 4, 20))
        assert points_expiring(customer_id=kati.pk, today=D(2026, 4, 20)) == 0
        assert balance(kati) == 25


@pytest.mark.django_db
def test_expiring_everyone_takes_each_customers_due_points_once(alpha, programme):
    with tenant_context(alpha.tenant):
        due, later, spent = person("Due"), person("Later"), person("Spent")
        write(due, 10, expires_on=D(2025, 1, 15))
        write(later, 10, expires_on=D(2025, 2, 15))
        write(spent, 10, expires_on=D(2025, 1, 15))
        write(spent, -10, kind="redeem")
        assert points_expire_all(today=D(2025, 1, 31)) == 1
        assert points_expire_all(today=D(2025, 1, 31)) == 0
        assert [balance(customer) for customer in (due, later, spent)] == [0, 10, 0]
        assert entries(due)[-1] == ("expire", -10, 0)
        assert [kind for kind, _points, _after in entries(spent)] == ["bonus", "redeem"]


@pytest.mark.django_db
def test_a_negative_balance_has_nothing_to_expire(alpha, programme):
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(negative_policy=Programme.NegativePolicy.ALLOW)
        anu = person("Anu")
        write(anu, 20, expires_on=D(2025, 1, 1))
        write(anu, -50, kind="reverse")
        assert customer_points_expire(customer_id=anu.pk, today=D(2025, 6, 1)) is None
        assert balance(anu) == -30


# --- birthday bonuses --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_birthday_bonus_is_given_once_a_year_even_when_the_job_runs_twice(alpha, programme):
    with tenant_context(alpha.tenant):
        mari = person("Mari", birth_date=D(1990, 6, 17))
        archived = Customer.objects.create(
            first_name="Archived", last_name="Test", status="archived", birth_date=D(1985, 6, 17)
        )
        other_day = person("Jaan", birth_date=D(1990, 6, 18))

        assert birthday_bonuses_give(today=D(2026, 6, 17)) == 1
        assert birthday_bonuses_give(today=D(2026, 6, 17)) == 0
        bonus = PointsEntry.objects.get(customer=mari)
        assert (bonus.kind, bonus.points, bonus.once_key, bonus.source, bonus.reason) == (
            "bonus",
            100,
            "birthday:2026",
            "scheduled",
            "Birthday bonus 2026",
        )
        assert not PointsEntry.objects.filter(customer__in=[archived, other_day]).exists()

        assert birthday_bonuses_give(today=D(2027, 6, 17)) == 1
        assert birthday_bonuses_give(today=D(2027, 6, 17)) == 0
        assert balance(mari) == 200


@pytest.mark.django_db
def test_born_on_29_february_gets_the_bonus_on_28_february_in_other_years(alpha, programme):
    with tenant_context(alpha.tenant):
        leapling = person("Leap", birth_date=D(2000, 2, 29))
        born_28 = person("Eve", birth_date=D(1999, 2, 28))

        assert birthday_bonuses_give(today=D(2027, 2, 28)) == 2
        assert birthday_bonuses_give(today=D(2027, 3, 1)) == 0
        # In a leap year each on their own day.
        assert birthday_bonuses_give(today=D(2028, 2, 28)) == 1
        assert birthday_bonuses_give(today=D(2028, 2, 29)) == 1
        assert birthday_bonuses_give(today=D(2028, 2, 29)) == 0
        assert sorted(PointsEntry.objects.filter(customer=leapling).values_list("once_key", flat=True)) == [
            "birthday:2027",
            "birthday:2028",
        ]
        assert balance(born_28) == 200


@pytest.mark.django_db
def test_no_birthday_bonus_when_the_programme_gives_none_or_is_off(alpha, programme):
    with tenant_context(alpha.tenant):
        mari = person("Mari", birth_date=D(1990, 6, 17))
        Programme.objects.filter(pk=1).update(birthday_bonus=0)
        assert birthday_bonuses_give(today=D(2026, 6, 17)) == 0
        Programme.objects.filter(pk=1).update(birthday_bonus=100, is_enabled=False)
        assert birthday_bonuses_give(today=D(2026, 6, 17)) == 0
        assert not PointsEntry.objects.filter(customer=mari).exists()


# --- the fan-out through the real worker -------------------------------------------------------


@pytest.fixture
def committed_customers(committed_db, tenants):
    """Customers the test commits, each with (tenant, customer); removed afterwards with their
    ledger. Entries are never deleted by the application (the ledger's trigger refuses it); the
    test database's owner switches the triggers off for this one statement."""
    made: list[tuple] = []
    yield made
    for tenant, customer in made:
        with tenant_context(tenant):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("DELETE FROM loyalty_pointsentry WHERE customer_id = %s", [customer.pk])
            PointsAccount.objects.filter(pk=customer.pk).delete()
            Customer.objects.filter(pk=customer.pk).delete()


def _expired(tenant, customer) -> list[tuple]:
    with tenant_context(tenant):
        return [entry for entry in entries(customer) if entry[0] == "expire"]


def test_the_fan_out_expires_points_in_every_retailer_through_the_worker_and_once(
    tenants, committed_customers, celery_worker
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    made = {}
    for name, points in (("alpha", 40), ("beta", 70)):
        tenant = tenants[name].tenant
        with tenant_context(tenant):
            Programme.objects.update_or_create(pk=1, defaults={"is_enabled": True})
            customer = person(f"Fan-out {name}")
            committed_customers.append((tenant, customer))
            write(customer, points, expires_on=yesterday)
            write(customer, 5, expires_on=yesterday + datetime.timedelta(days=400))
        made[name] = (tenant, customer)

    sent = tenants_fan_out.delay("loyalty.tasks.points_expire_task").get(timeout=60)
    assert sent >= 3  # alpha, beta and the browser tests' retailer at least
    deadline = time.monotonic() + 60
    while not all(_expired(*made[name]) for name in made) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _expired(*made["alpha"]) == [("expire", -40, 5)]
    assert _expired(*made["beta"]) == [("expire", -70, 5)]

    assert tenants_fan_out.delay("loyalty.tasks.points_expire_task").get(timeout=60) == sent
    # The worker takes one task at a time, in the order sent: when this one is done, so are the
    # ones the fan-out sent before it.
    with tenant_context(made["beta"][0]):
        assert points_expire_task.delay().get(timeout=60) == 0
    assert _expired(*made["alpha"]) == [("expire", -40, 5)]
    assert _expired(*made["beta"]) == [("expire", -70, 5)]
