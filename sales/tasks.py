"""Background jobs of the sales app. Each runs in the schema of the retailer it was sent for.

The history's check and import are handed back when their worker process dies, and given up
after a few workers (crm.jobs)."""

from django.db import connection

from crm.celery import app
from sales.services.history_import import history_import_check, history_import_execute


@app.task(acks_late=True, reject_on_worker_lost=True)
def history_check_task(import_id: int) -> str:
    """The dry run of a sales history file (see sales.services.history_import)."""
    return history_import_check(import_id=import_id, tenant=connection.tenant).status


@app.task(acks_late=True, reject_on_worker_lost=True)
def history_execute_task(import_id: int) -> str:
    """The import of a checked sales history file, in one transaction."""
    return history_import_execute(import_id=import_id, tenant=connection.tenant).status
