"""One run of the customer import (dry or real) over a stored, mapped file, chunk by chunk.

See customers/services/importing.py for the rules it applies and why it writes with COPY and
bulk_update rather than calling the customer services per row. The run reads and cleans each
row (rows.py), decides its outcome (deciding.py) and, in the real import, writes it (writing.py).
"""

import json

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from crm.copy import copy_values
from customers.models import (
    EDITABLE_FIELDS,
    Customer,
    CustomerGroup,
    CustomerStatus,
    ImportBatch,
    ImportRow,
)
from customers.selectors.importing import (
    FULL_NAME,
    GROUP,
    PROGRESS_SECONDS,
    PROPERTY_PREFIX,
    STATUS,
    import_batch_rows,
    import_column_name,
    import_progress_key,
)
from customers.selectors.properties import property_list
from customers.services.import_columns import ImportColumnRun, import_columns
from customers.services.import_run.deciding import RowDeciding
from customers.services.import_run.rows import KEYS, Outcome, Row, RowReading, cell_text, choice_words
from customers.services.import_run.writing import RowWriting

CHUNK_SIZE = 1000
KIND_WORDS = {"company": Customer.Kind.BUSINESS, "individual": Customer.Kind.PERSON}


class ImportFailed(Exception):
    """The run cannot go on; the message is for the person who started it."""


def import_progress_set(batch: ImportBatch, done: int) -> None:
    cache.set(import_progress_key(batch.pk), {"done": done, "total": batch.total_rows}, PROGRESS_SECONDS)


class ImportRun(RowReading, RowDeciding, RowWriting):
    """One pass of the pipeline over a batch's file; `write` makes it the real import."""

    def __init__(self, *, batch: ImportBatch, tenant, write: bool):
        self.batch, self.tenant, self.write = batch, tenant, write
        # The author of what the run writes: who started the import. The dry run writes nothing
        # of the customers; the registered columns' checks see the person who uploaded the file.
        self.acting_user = batch.started_by if write else batch.created_by
        self.live_properties = property_list(include_archived=False)
        properties = {prop.code: prop for prop in self.live_properties}
        fields = {name for name in EDITABLE_FIELDS if name not in ("company", "group")}
        self.columns: list[tuple[int, str, str]] = []  # (index, target, column name)
        # The registered columns mapped: (column, its name in the file, its part in this run).
        self.registered: list[tuple] = []
        for index_text, target in sorted(batch.mapping.items(), key=lambda item: int(item[0])):
            index = int(index_text)
            column = import_column_name(batch, index)
            registered = import_columns.get(target)
            if registered is not None:
                run = ImportColumnRun(batch=batch, acting_user=self.acting_user, write=write)
                self.registered.append((registered, column, run))
                self.columns.append((index, target, column))
                continue
            code = target.removeprefix(PROPERTY_PREFIX)
            if target.startswith(PROPERTY_PREFIX) and code not in properties:
                raise ImportFailed(
                    _("The column “%(column)s” is mapped to a property that is archived or deleted; map it again.")
                    % {"column": column}
                )
            if not target.startswith(PROPERTY_PREFIX) and target not in fields | {GROUP, STATUS, FULL_NAME}:
                raise ImportFailed(_("The column “%(column)s” is mapped to an unknown field.") % {"column": column})
            self.columns.append((index, target, column))
        self.properties = properties
        self.field_columns = {target: column for _index, target, column in self.columns}
        self.region = getattr(tenant, "country", "") or ""
        self.choices = {
            # Besides our own words, those other systems' exports use (Odoo's "Company Type").
            "kind": {**choice_words(Customer.Kind.choices), **KIND_WORDS},
            "gender": choice_words(Customer.Gender.choices),
            "language": choice_words(settings.LANGUAGES),
        }
        self.statuses = choice_words(CustomerStatus.choices)
        self.groups: dict[str, list[CustomerGroup]] = {}
        for group in CustomerGroup.objects.all():
            self.groups.setdefault(group.name.casefold(), []).append(group)
        self.seen: dict[str, dict[str, int]] = {key: {} for key in KEYS}
        self.matched: dict[int, int] = {}  # existing customer id -> the row that matched it
        self.counts = {outcome: 0 for outcome in Outcome.values}
        self.consent_source = (_("import of “%(name)s”") % {"name": batch.original_name})[:100]
        self.seats_left, self.limit_message = self._seats()
        self.duplicate_numbers: dict[str, list[int]] = {}
        self.done = 0

    def run(self) -> dict[str, int]:
        """Go through the file chunk by chunk; returns how many rows got each outcome."""
        if not self.batch.file or not self.batch.file.storage.exists(self.batch.file.name):
            raise ImportFailed(_("The uploaded file is no longer there; upload it again."))
        self.duplicate_numbers = self._duplicate_numbers()
        with import_batch_rows(self.batch) as rows:
            chunk: list[Row] = []
            for number, values in rows:
                chunk.append(self._parse(number, values))
                if len(chunk) >= CHUNK_SIZE:
                    self._chunk(chunk)
                    chunk = []
            if chunk:
                self._chunk(chunk)
        return self.counts

    def _duplicate_numbers(self) -> dict[str, list[int]]:
        """The customer numbers (upper-cased) that are in more than one row of the file, with
        their rows: a first pass over the file when a column is mapped to the number, so that
        every row of such a number is refused, the first one too (which of them is the customer
        only the person who made the file can tell)."""
        indexes = [index for index, target, _column in self.columns if target == "number"]
        if not indexes:
            return {}
        first: dict[str, int] = {}
        duplicates: dict[str, list[int]] = {}
        with import_batch_rows(self.batch) as rows:
            for number, values in rows:
                key = cell_text("number", values[indexes[0]]).upper()
                if not key:
                    continue
                if key in duplicates:
                    duplicates[key].append(number)
                elif key in first:
                    duplicates[key] = [first[key], number]
                else:
                    first[key] = number
        return duplicates

    def _chunk(self, rows: list[Row]) -> None:
        self._decide_chunk(rows)
        if self.write:
            self._write_chunk(rows)
            self._registered_write(rows)
        copy_values(
            ImportRow,
            ("batch_id", "row_number", "outcome", "reason", "display", "values", "customer_id"),
            (
                (
                    self.batch.pk,
                    row.number,
                    str(row.outcome),
                    " ".join(row.reasons),
                    row.display,
                    # JSON as text, which COPY's text format hands to the jsonb column.
                    json.dumps(row.values),
                    row.customer.pk if row.customer is not None else None,
                )
                for row in rows
            ),
        )
        for row in rows:
            self.counts[row.outcome] += 1
        self.done += len(rows)
        import_progress_set(self.batch, self.done)


# --- the two runs, called by the tasks ---------------------------------------------------------
