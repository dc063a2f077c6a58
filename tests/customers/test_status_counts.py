"""The kept counts of customers per status: every way of writing customers keeps them (the ORM,
bulk writes, raw SQL), folding keeps the sums, concurrent tills creating customers are all
counted, and each retailer counts its own."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django_tenants.utils import tenant_context

from customers.models import Customer, StatusCount
from customers.selectors.customers import customer_active_count, customer_status_counts
from customers.services.counts import status_counts_fold


def _counted() -> dict[str, int]:
    """The counts as a scan of the customers gives them."""
    actual = dict(Customer.objects.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts = {status: actual.get(status, 0) for status in ("introduced", "control", "archived")}
    counts["total"] = sum(counts.values())
    return counts


@pytest.mark.django_db
def test_the_counts_follow_every_way_of_writing_customers(alpha):
    with tenant_context(alpha.tenant):
        start = customer_status_counts()
        assert start == _counted()

        Customer.objects.create(first_name="One", status="introduced")
        Customer.objects.bulk_create([Customer(first_name=f"Bulk {n}", status="control") for n in range(5)])
        assert customer_status_counts() == _counted()
        assert customer_status_counts()["control"] == start["control"] + 5

        Customer.objects.filter(first_name__startswith="Bulk").update(status="introduced")
        assert customer_status_counts() == _counted()
        # An update that moves no status appends nothing (the till's purchase figures).
        rows = StatusCount.objects.count()
        Customer.objects.filter(first_name="One").update(purchase_count=3)
        assert StatusCount.objects.count() == rows

        # Raw SQL: copies of the five, archived (no code path of Regulars is involved).
        columns = [field.column for field in Customer._meta.concrete_fields if not field.primary_key]
        changed = {"status": "'archived'", "first_name": "first_name || ' copy'", "phone": "''", "email": "''"}
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO customers_customer ({', '.join(columns)}) "
                f"SELECT {', '.join(changed.get(column, column) for column in columns)} "
                "FROM customers_customer WHERE first_name LIKE 'Bulk %%'"
            )
        assert customer_status_counts() == _counted()
        assert customer_status_counts()["archived"] == start["archived"] + 5

        Customer.objects.filter(first_name__endswith=" copy").delete()
        Customer.objects.filter(first_name="One").delete()
        assert (
            customer_status_counts()
            == _counted()
            == {
                **start,
                "introduced": start["introduced"] + 5,
                "total": start["total"] + 5,
            }
        )
        assert customer_active_count() == start["introduced"] + start["control"] + 5

        folded = status_counts_fold()
        assert folded == StatusCount.objects.count() <= 3
        assert customer_status_counts() == _counted()


@pytest.mark.django_db
def test_each_retailer_counts_its_own_customers(alpha, beta):
    with tenant_context(beta.tenant):
        beta_before = customer_status_counts()
    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create([Customer(first_name=f"Alpha {n}", status="control") for n in range(7)])
        assert customer_status_counts() == _counted()
    with tenant_context(beta.tenant):
        assert customer_status_counts() == beta_before == _counted()


def test_customers_created_at_the_same_time_are_all_counted_while_the_counts_fold(committed_db, tenants):
    setup = tenants["alpha"]
    with tenant_context(setup.tenant):
        before = customer_status_counts()
        assert before == _counted()
    errors: list[BaseException] = []
    start = threading.Barrier(9)

    def create(worker: int) -> None:
        try:
            with tenant_context(setup.tenant):
                start.wait()
                for n in range(10):
                    with transaction.atomic():
                        Customer.objects.create(first_name=f"Concurrent {worker}-{n}", status="introduced")
                        Customer.objects.create(first_name=f"Concurrent {worker}-{n}b", status="control")
        except BaseException as error:  # noqa: BLE001 — reported by the test below
            errors.append(error)
        finally:
            connection.close()

    def fold() -> None:
        try:
            with tenant_context(setup.tenant):
                start.wait()
                for _ in range(10):
                    status_counts_fold()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(worker,)) for worker in range(8)]
    threads.append(threading.Thread(target=fold))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors, errors
        with tenant_context(setup.tenant):
            counts = customer_status_counts()
            assert counts == _counted()
            assert counts["introduced"] == before["introduced"] + 80
            assert counts["control"] == before["control"] + 80
    finally:
        with tenant_context(setup.tenant):
            Customer.objects.filter(first_name__startswith="Concurrent ").delete()
            status_counts_fold()
            assert customer_status_counts() == before
