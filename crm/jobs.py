"""Background jobs on a file (the customer import, the sales history import) taken up by a worker
that may die in them.

Their tasks are acknowledged late and handed back when the worker process dies
(`acks_late=True, reject_on_worker_lost=True`): Celery would otherwise acknowledge the task of a
pool process killed mid-run (the kernel's out-of-memory killer, say), and the job would stay "in
progress" for ever. A file that kills its worker every time would then go round for ever, so
each job counts the workers that took it up (`attempts`, committed at once) and is given up as
failed after MAX_ATTEMPTS."""

import logging

from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def job_attempt(job: Model, *, failed_status: str) -> bool:
    """Count a worker's taking up `job` (a model with `attempts`, `status`, `error` and
    `finished_at`); False once MAX_ATTEMPTS workers took it up, the job then marked failed with
    a message saying why."""
    model = type(job)
    model.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
    job.refresh_from_db(fields=["attempts"])
    if job.attempts <= MAX_ATTEMPTS:
        return True
    logger.error("%s %s given up after %s attempts", model.__name__, job.pk, MAX_ATTEMPTS)
    text = _(
        "A worker stopped %(count)s times while working on this file, so it is not tried again; nothing of it "
        "was written. Upload it again, perhaps in smaller files, or ask the operator to look at the workers."
    ) % {"count": MAX_ATTEMPTS}
    job.status, job.error, job.finished_at = failed_status, text, timezone.now()
    model.objects.filter(pk=job.pk).update(status=job.status, error=job.error, finished_at=job.finished_at)
    return False
