"""The customer import's pipeline: one run (dry or real) over a stored, mapped file."""

from customers.services.import_run.rows import Outcome  # noqa: F401
from customers.services.import_run.run import ImportFailed, ImportRun, import_progress_set  # noqa: F401
