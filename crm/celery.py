"""The tenant-aware Celery app.

Every task is a TenantTask: the schema current when a task is sent travels in its headers and the
worker runs the task in that schema. Send tasks from inside the retailer's context (a request,
or `tenant_context`), after the transaction commits (`delay_on_commit`).
"""

import os

from celery.signals import task_prerun
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

app = CeleryApp("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _task_time_zone(**_kwargs) -> None:
    """A task runs in the time zone of the retailer whose schema it runs in (Celery's own hook:
    tenant-schemas-celery has set the schema by now)."""
    from django.db import connection

    from crm.middleware import tenant_time_zone_activate

    tenant_time_zone_activate(getattr(connection, "tenant", None))
