"""Background jobs of the sales app. Each runs in the schema of the retailer it was sent for."""

from django.db import connection

from crm.celery import app
from sales.services.history_import import history_import_check, history_import_execute


@app.task
def history_check_task(import_id: int) -> str:
    """The dry run of a sales history file (see sales.services.history_import)."""
    return history_import_check(import_id=import_id, tenant=connection.tenant).status


@app.task
def history_execute_task(import_id: int) -> str:
    """The import of a checked sales history file, in one transaction."""
    return history_import_execute(import_id=import_id, tenant=connection.tenant).status
