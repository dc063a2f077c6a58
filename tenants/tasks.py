from django_tenants.utils import tenant_context

from crm.celery import app
from tenants.selectors import tenant_list


@app.task
def tenants_fan_out(task_name: str) -> int:
    """Send the named task once for every active retailer, each in that retailer's schema.

    Periodic jobs are scheduled once, on this task; it fans them out so each runs per schema.
    """
    sent = 0
    for tenant in tenant_list().filter(is_active=True):
        with tenant_context(tenant):
            app.send_task(task_name)
        sent += 1
    return sent
