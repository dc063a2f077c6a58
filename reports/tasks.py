"""Report jobs. `report_build_task` is acknowledged late: a worker killed mid-build leaves the
job in the queue and another worker takes the run up again (see reports.services)."""

from crm.celery import app
from reports.services import BUSY, STALE_AFTER, report_run_build, report_runs_purge, report_runs_reap


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6)
def report_build_task(self, run_id: int) -> str | None:
    """A job handed back after its worker died finds the run's heartbeat still fresh: it waits
    until the heartbeat is stale (or the other worker finished) and tries again."""
    run = report_run_build(run_id=run_id)
    if run == BUSY:
        raise self.retry(countdown=STALE_AFTER.total_seconds() + 60)
    return run.status if run else None


@app.task
def report_runs_reap_task() -> int:
    return report_runs_reap()


@app.task
def report_runs_purge_task() -> int:
    return report_runs_purge()
