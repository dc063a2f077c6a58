"""Background jobs of the customers app. Each runs in the schema of the retailer it was sent for.
An import's check and run are handed back when their worker process dies, and given up after a
few workers (crm.jobs)."""

from django.db import connection

from crm.celery import app
from customers.services.counts import status_counts_fold
from customers.services.importing import import_batch_check, import_batch_execute


@app.task(acks_late=True, reject_on_worker_lost=True)
def import_check_task(batch_id: int) -> str:
    """The dry run of a customer import (see customers.services.importing)."""
    return import_batch_check(batch_id=batch_id, tenant=connection.tenant).status


@app.task(acks_late=True, reject_on_worker_lost=True)
def import_execute_task(batch_id: int) -> str:
    """The real run of a customer import, in one transaction (see customers.services.importing)."""
    return import_batch_execute(batch_id=batch_id, tenant=connection.tenant).status


@app.task
def status_counts_fold_task() -> int:
    """Nightly: the kept counts per status folded to one row each (customers.services.counts)."""
    return status_counts_fold()
