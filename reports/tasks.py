"""Report jobs. `report_build_task` is acknowledged late: a worker killed mid-build leaves the
job in the queue and another worker takes the run up again (see reports.services)."""

from crm.celery import app
from reports.services import report_run_build, report_runs_purge, report_runs_reap


@app.task(acks_late=True, reject_on_worker_lost=True)
def report_build_task(run_id: int) -> str | None:
    run = report_run_build(run_id=run_id)
    return run.status if run else None


@app.task
def report_runs_reap_task() -> int:
    return report_runs_reap()


@app.task
def report_runs_purge_task() -> int:
    return report_runs_purge()
