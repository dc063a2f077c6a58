"""Background jobs of the campaigns app, each in the schema of the retailer it was sent for."""

from campaigns.services import segment_sizes_record
from crm.celery import app


@app.task
def segment_sizes_task() -> int:
    """Nightly: every segment in use counted for the day (campaigns.services)."""
    return segment_sizes_record()
