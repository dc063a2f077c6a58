"""The sales history import run by real Celery workers: the pages send the check and the import to
the worker, which writes them; a worker killed in the middle of an import leaves nothing written,
and the task delivered again (as the broker does with a task its worker never acknowledged)
imports the whole file once; a pool process killed in the middle hands its task back at once to
the next one; a file that kills its workers is given up after three."""

import os
import signal
import time
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from crm.jobs import MAX_ATTEMPTS
from customers.models import Customer
from sales.models import HistoryImport, SalesDocument, SalesLine
from sales.services.history_import import history_import_check, history_import_execute
from sales.tasks import history_execute_task
from staff.models import User
from tests.conftest import worker_children, worker_start
from tests.factories import CustomerFactory, ProductFactory, StoreFactory

URL = "/settings/sales/import/history/"
QUEUE = "history-fault-test"


@pytest.fixture
def committed_shop(committed_db, alpha):
    """A store, a product at 2.50 and a customer, committed for the workers to see; removed after
    with what was imported into the store."""
    tag = uuid.uuid4().hex[:6].upper()
    with tenant_context(alpha.tenant):
        store = StoreFactory(name=f"Worker {tag}", code=f"W{tag}")
        product = ProductFactory(sku=f"W-{tag}", ean=None, list_price=Decimal("2.50"))
        customer = CustomerFactory(first_name="Worker", last_name=tag, email=f"w-{tag.lower()}@example.com")
    yield store, product, customer
    with tenant_context(alpha.tenant):
        documents = SalesDocument.objects.filter(store=store)
        SalesLine.objects.filter(document__in=documents).delete()
        documents.delete()
        HistoryImport.objects.filter(original_name__startswith=f"w-{tag}").delete()
        customer.delete()
        product.delete()
        store.delete()


def history_file(store, product, customer, documents: int) -> bytes:
    """`documents` receipts of two lines each (2 × 2.50 and 1 × 2.40), all the customer's."""
    lines = ["document,date,store,email,product,quantity,unit_price"]
    for number in range(1, documents + 1):
        when = f"2025-0{1 + number % 9}-{1 + number % 28:02d} 10:00"
        lines.append(f"D{number},{when},{store.code},{customer.email},{product.sku},2,2.50")
        lines.append(f"D{number},{when},{store.code},,{product.sku},1,2.40")
    return ("\n".join(lines) + "\n").encode()


def wait_for(setup, import_id: int, *statuses: str, timeout: float = 120) -> HistoryImport:
    deadline = time.monotonic() + timeout
    while True:
        with tenant_context(setup.tenant):
            history = HistoryImport.objects.get(pk=import_id)
        if history.status in statuses:
            return history
        assert time.monotonic() < deadline, f"the import is still {history.status}"
        time.sleep(0.1)


def test_the_worker_checks_and_imports_a_file(alpha, committed_shop, celery_worker, tenant_client):
    store, product, customer = committed_shop
    client = tenant_client(alpha, alpha.admin)
    content = history_file(store, product, customer, documents=50)
    response = client.post(URL, {"file": SimpleUploadedFile(f"w-{store.code[1:].lower()}.csv", content)})
    assert response.status_code == 302
    import_id = int(response["Location"].removeprefix(URL).strip("/"))
    history = wait_for(alpha, import_id, "checked", "failed")
    assert (history.status, history.error) == ("checked", "")
    assert (history.import_count, history.line_count, history.matched_count) == (50, 100, 50)
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.filter(store=store).exists()
    assert client.post(f"{URL}{import_id}/import/").status_code == 302
    history = wait_for(alpha, import_id, "imported", "failed")
    assert (history.status, history.error) == ("imported", "")
    assert "50 sales are imported (100 lines, 50 with a customer)." in client.get(f"{URL}{import_id}/").content.decode()
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(store=store).count() == 50
        assert set(SalesDocument.objects.filter(store=store).values_list("author__username", flat=True)) == {"admin"}
        customer = Customer.objects.get(pk=customer.pk)
        assert (customer.purchase_count, customer.purchase_total) == (50, Decimal("370.00"))


def _in_transaction(timeout: float = 60) -> None:
    """Wait until an import holds its lock (pg_advisory_xact_lock): it is inside its transaction."""
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the import did not start"
        time.sleep(0.02)


def _checked_import(alpha, store, product, customer, documents: int) -> HistoryImport:
    """A file of `documents` receipts stored and checked, then "Import in progress" as
    history_import_start leaves it, its task not sent."""
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username=alpha.admin.username)
        history = HistoryImport(original_name=f"w-{store.code[1:].lower()}-big.csv", created_by=admin)
        history.file.save("fault-test.csv", ContentFile(history_file(store, product, customer, documents)), save=False)
        history.save()
        history_import_check(import_id=history.pk, tenant=alpha.tenant)
        assert HistoryImport.objects.get(pk=history.pk).import_count == documents
        HistoryImport.objects.filter(pk=history.pk).update(status="importing", started_by=admin, attempts=0)
    return history


def test_a_worker_killed_during_an_import_leaves_nothing_and_the_task_delivered_again_imports_it(alpha, committed_shop):
    store, product, customer = committed_shop
    documents = 40_000
    history = _checked_import(alpha, store, product, customer, documents)
    worker = worker_start(queue=QUEUE, name="fault")
    try:
        with tenant_context(alpha.tenant):
            history_execute_task.apply_async([history.pk], queue=QUEUE)
        _in_transaction()
        time.sleep(1)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.filter(store=store).exists()
        assert Customer.objects.get(pk=customer.pk).purchase_count == 0
        assert HistoryImport.objects.get(pk=history.pk).status == "importing"
    worker = worker_start(queue=QUEUE, name="fault-again")
    try:
        with tenant_context(alpha.tenant):
            history_execute_task.apply_async([history.pk], queue=QUEUE)
        imported = wait_for(alpha, history.pk, "imported", "failed", timeout=300)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert (imported.status, imported.error, imported.import_count) == ("imported", "", documents)
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(store=store).count() == documents
        customer = Customer.objects.get(pk=customer.pk)
        assert (customer.purchase_count, customer.purchase_total) == (documents, Decimal("7.40") * documents)


def test_a_pool_process_killed_during_an_import_hands_it_to_the_next_which_imports_it_once(alpha, committed_shop):
    store, product, customer = committed_shop
    documents = 40_000
    history = _checked_import(alpha, store, product, customer, documents)
    worker = worker_start(queue=QUEUE, name="pool-fault", pool="prefork")
    try:
        with tenant_context(alpha.tenant):
            history_execute_task.apply_async([history.pk], queue=QUEUE)
        _in_transaction()
        time.sleep(1)
        (child,) = worker_children(worker)
        os.kill(child, signal.SIGKILL)
        # The worker's main process hands the task back and a new pool process takes it up.
        imported = wait_for(alpha, history.pk, "imported", "failed", timeout=300)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert (imported.status, imported.error, imported.import_count, imported.attempts) == (
        "imported",
        "",
        documents,
        2,
    )
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(store=store).count() == documents
        assert Customer.objects.get(pk=customer.pk).purchase_count == documents


def test_a_file_taken_up_by_three_workers_already_is_given_up_and_nothing_written(alpha, committed_shop):
    store, product, customer = committed_shop
    history = _checked_import(alpha, store, product, customer, documents=10)
    with tenant_context(alpha.tenant):
        HistoryImport.objects.filter(pk=history.pk).update(attempts=MAX_ATTEMPTS)
        given_up = history_import_execute(import_id=history.pk, tenant=alpha.tenant)
        assert given_up.status == "failed"
        assert given_up.error == (
            "A worker stopped 3 times while working on this file, so it is not tried again; nothing of it was "
            "written. Upload it again, perhaps in smaller files, or ask the operator to look at the workers."
        )
        assert HistoryImport.objects.get(pk=history.pk).status == "failed"
        assert not SalesDocument.objects.filter(store=store).exists()
        # A task handed out once more finds it failed and does nothing.
        assert history_import_execute(import_id=history.pk, tenant=alpha.tenant).status == "failed"
