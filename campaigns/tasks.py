"""Background jobs of the campaigns app, each in the schema of the retailer it was sent for."""

from campaigns.services.segments import segment_sizes_record
from campaigns.services.sending import campaign_send, campaigns_due
from crm.celery import app


@app.task
def segment_sizes_task() -> int:
    """Nightly: every segment in use counted for the day (campaigns.services.segments)."""
    return segment_sizes_record()


@app.task(acks_late=True, reject_on_worker_lost=True)
def campaign_send_task(campaign_id: int) -> str:
    """Send what is left of a campaign, exactly once per recipient (campaigns.services.sending)."""
    return campaign_send(campaign_id=campaign_id)


@app.task
def campaigns_due_task() -> int:
    """Every minute: a job for each campaign due or still sending (a lost or stopped job resumed)."""
    due = campaigns_due()
    for campaign_id in due:
        campaign_send_task.delay(campaign_id)
    return len(due)
