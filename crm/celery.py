"""The tenant-aware Celery app.

Every task is a TenantTask: the schema current when a task is sent travels in its headers and the
worker runs the task in that schema. Send tasks from inside the retailer's context (a request,
or `tenant_context`), after the transaction commits (`delay_on_commit`).
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")

app = CeleryApp("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
