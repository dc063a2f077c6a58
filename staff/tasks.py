from django.contrib.sessions.models import Session
from django.utils import timezone

from crm.celery import app


@app.task
def sessions_clear() -> int:
    """Delete the expired sessions of the retailer the task was sent for."""
    deleted, _details = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
