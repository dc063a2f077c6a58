"""The sales history import: past sales from another system, one line of the file per sale line.

Columns (named in the first row, in any order; case, spaces and underscores do not matter):
document, date, store, product, quantity (required), unit_price or line_total (at least one);
phone, email, customer_number, customer_code, kind (optional). The lines that share a document
id become one sale of that number:

- document: the id of the receipt or invoice in the old system (per store: the same id in two
  stores is two documents); it becomes the sale's number;
- date: ISO ("2024-12-31", "2024-12-31 14:30") or "31.12.2024 14:30", local time; not future;
- store: a store's code; an unknown code refuses the document;
- customer_number / customer_code / email / phone: the customer, matched by the retailer's own
  customer number (case ignored), else by the code (the customer's id here), else e-mail, else
  phone (the oldest customer when several share one). When none matches, the sale
  is imported without a customer, and the document's reason says so;
- product: a SKU or an EAN of an active product; quantity: more than zero, at most three
  decimals; unit_price: the price paid per unit, at most two decimals, not negative;
- line_total: the amount paid for the line, at most two decimals, not negative. Where a line has
  it, it is the authority: a line of 3 for 43.99 is kept at 43.99, its unit price (14.66) shown
  to the cent; the discount is what the line paid below its list price;
- kind: receipt (the default) or invoice. Invoices are imported as paid.

A document whose lines disagree on its date, customer or kind is refused, as is one with any bad
line (a line may leave those empty: the document's other lines say them). A document whose
number the store has already (imported before, or registered otherwise) is skipped: importing
the same file twice adds nothing.

The dry run (`sales_history_check`) writes nothing. The import (`sales_history_execute`) checks
again and writes every document as `sale_register` would with the source "import" (its lines,
the customers' purchase figures), set-based (sales.services.history_write: two COPYs and one
UPDATE for the whole file), in date order, in one transaction: a file with any refused document
is refused as a whole and nothing is written.

Past sales earn no loyalty points (loyalty's step earns nothing on the source "import"). The
points a customer earned in the old system come in as an opening balance with the customer
import (its "Opening points balance" column), which already holds what those sales earned less
what was spent; earning on the history as well would count them twice, and by today's rules
rather than the old system's. A later return of an imported sale therefore takes back nothing.

On the pages both run in the background (HistoryImport: `history_import_create` stores the
upload and sends its check to the worker, `history_import_start` its import; the page follows the
progress). A file has no limit of lines: it is never held in memory. Its lines go by COPY into a
temporary table with their document's key and come back sorted by it, in chunks of whole
documents (CHUNK_LINES lines or a little more), each checked (HistoryCheck) and, in the import,
written (history_sales_write) before the next is read, all in the one transaction; what the page
shows of the documents is bounded (SHOWN_REFUSED, SHOWN).

An import the worker does not finish (killed, the database gone) writes nothing, its one
transaction being rolled back; the task is acknowledged only after it ran, so it comes back to a
worker, which imports the file from the start (the status is still "Import in progress"): at
once when only the pool process died (sales.tasks), after the broker's visibility timeout when
the whole worker did. A file taken up MAX_ATTEMPTS times is given up as failed (crm.jobs).
"""

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.jobs import job_attempt
from customers.selectors.importing import import_file_kind
from sales.models import HistoryImport
from sales.selectors.history_imports import history_import_progress_key
from sales.services.history_check import (
    HISTORY_COLUMNS,
    HistoryCheck,
    HistoryDocument,
    HistoryDocumentOutcome,
    HistoryImportResult,
    same_text,
)
from sales.services.history_write import HistoryLineInput, HistorySaleInput, history_sales_write
from sales.services.importing import (
    ImportRefused,
    ImportStream,
    ImportTable,
    import_lock,
    import_stream_open,
    no_rows_error,
)
from staff.models import User

logger = logging.getLogger(__name__)

# How long the page can read a run's progress after the last chunk told it.
PROGRESS_SECONDS = 24 * 3600

# What a HistoryImport keeps for its page: the refused documents (all of them, up to this many)
# and the first of the others.
SHOWN_REFUSED = 5_000
SHOWN = 500
# Lines checked and written together: whole documents, so a chunk may be a document longer.
CHUNK_LINES = 20_000
STAGING = "history_staging"


def _price_columns_check(stream: ImportStream) -> None:
    if "unit_price" not in stream.columns and "line_total" not in stream.columns:
        raise ValidationError(
            _("“%(name)s” has neither a column “unit_price” nor “line_total”: one of them must say what was paid.")
            % {"name": stream.file_name},
            code="columns_missing",
        )


def _read_at(stream: ImportStream) -> list[int]:
    """The positions of the columns the check reads (the others are only named as ignored)."""
    return sorted(set(stream.columns.values()))


def _staged(stream: ImportStream) -> int:
    """The file's lines by COPY into a temporary table, each with its document's key (the store as
    documents compare it, the document id) and the cells of the columns read (`_read_at`), one
    text column each (an array of every cell cost a second per 100,000 lines to encode); returns
    how many lines there are."""
    store_at, document_at = stream.columns["store"], stream.columns["document"]
    read_at = _read_at(stream)
    cells = [f"c{index}" for index in read_at]
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (row integer NOT NULL, store text NOT NULL, document text NOT NULL,"
            f" {', '.join(f'{cell} text NOT NULL' for cell in cells)}) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {STAGING} (row, store, document, {', '.join(cells)}) FROM STDIN") as copy:
            for number, values in stream.rows:
                # PostgreSQL's text holds no NUL character; nothing a person types has one.
                values = [value.replace("\x00", "") for value in values]
                copy.write_row(
                    (
                        number,
                        same_text(values[store_at]),
                        values[document_at].strip(),
                        *map(values.__getitem__, read_at),
                    )
                )
                count += 1
    return count


def _chunks(stream: ImportStream) -> Iterator[ImportTable]:
    """The staged lines sorted by document, as tables of whole documents (lines without a document
    id last, each its own)."""
    read_at, width = _read_at(stream), len(stream.headers)
    cells = ", ".join(f"c{index}" for index in read_at)
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT row, store, document, {cells} FROM {STAGING} ORDER BY document = '', store, document, row"
        )
        chunk: list[tuple[int, list[str]]] = []
        last = None
        while fetched := cursor.fetchmany(5_000):
            for number, store, document, *read in fetched:
                # The line as the file has it, the columns not read left empty.
                values = [""] * width
                for at, value in zip(read_at, read, strict=True):
                    values[at] = value
                key = (store, document) if document else None
                if len(chunk) >= CHUNK_LINES and (key is None or key != last):
                    yield stream.table(chunk)
                    chunk = []
                chunk.append((number, values))
                last = key
        if chunk:
            yield stream.table(chunk)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")


def _file_order(document: HistoryDocument) -> tuple[bool, int]:
    # As the file has them: by their first row, the lines without a document id after the others.
    return (not document.number, document.first_row)


@dataclass
class HistorySummary:
    """What a whole file came to, chunk after chunk: the counts and sums of all its documents, and
    the ones its page shows (every refused one up to SHOWN_REFUSED, the first others up to
    SHOWN), in the file's order."""

    file_name: str
    ignored_columns: list[str]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HistoryDocumentOutcome.values, 0))
    line_count: int = 0
    matched_count: int = 0
    total: Decimal = Decimal("0")
    refused: list[HistoryDocument] = field(default_factory=list)
    others: list[HistoryDocument] = field(default_factory=list)
    is_written: bool = False

    def add(self, result: HistoryImportResult) -> None:
        for outcome, count in result.counts.items():
            self.counts[outcome] += count
        self.line_count += result.line_count
        self.matched_count += result.matched_count
        self.total += result.total
        self.refused = sorted([*self.refused, *result.refused], key=_file_order)[:SHOWN_REFUSED]
        others = [document for document in result.documents if document.outcome != HistoryDocumentOutcome.REFUSE]
        self.others = sorted([*self.others, *others], key=_file_order)[:SHOWN]


def _sales_of(result: HistoryImportResult) -> list[HistorySaleInput]:
    return [
        HistorySaleInput(
            store=document.store,
            number=document.number,
            kind=document.kind,
            occurred_at=document.occurred_at,
            customer=document.customer,
            lines=[
                HistoryLineInput(line.product, line.quantity, line.unit_price, line.line_total)
                for line in document.lines
            ],
        )
        for document in sorted(result.to_import, key=lambda document: (document.occurred_at, document.first_row))
    ]


def _refusal(refused: int) -> str:
    return ngettext(
        "%(count)s document is refused; nothing was imported. Correct it and upload the file again.",
        "%(count)s documents are refused; nothing was imported. Correct them and upload the file again.",
        refused,
    ) % {"count": refused}


def _history_pass(
    binary: IO[bytes], name: str, *, write: bool, acting_user: User | None = None, progress=None
) -> Iterator[HistoryImportResult]:
    """Check the file chunk by chunk (in the caller's transaction), writing each chunk's documents
    to import when `write` and none was refused so far; yields each chunk's result.
    `progress(done, total)` hears of every chunk."""
    name = os.path.basename(name)
    stream = import_stream_open(binary, name=name, columns=HISTORY_COLUMNS)
    try:
        _price_columns_check(stream)
        total = _staged(stream)
        if not total:
            raise no_rows_error(name)
        done, refused = 0, False
        for chunk in _chunks(stream):
            result = HistoryCheck(chunk).run()
            refused = refused or bool(result.refused)
            if write and not refused:
                history_sales_write(_sales_of(result), acting_user=acting_user)
            done += len(chunk.rows)
            if progress is not None:
                progress(done, total)
            yield result
    finally:
        stream.close()


def _whole(name: str, results: Iterator[HistoryImportResult]) -> HistoryImportResult:
    documents: list[HistoryDocument] = []
    ignored: list[str] = []
    for result in results:
        documents += result.documents
        ignored = result.ignored_columns
    return HistoryImportResult(
        file_name=os.path.basename(name), documents=sorted(documents, key=_file_order), ignored_columns=ignored
    )


def sales_history_check(*, binary: IO[bytes], name: str) -> HistoryImportResult:
    """The dry run: each document of the file with its outcome (import, skip, refuse), the
    customer it goes to and the reasons, every document kept (for a file of a few thousand
    lines; the background job keeps a summary). Writes nothing. A file that cannot be read at all
    raises a ValidationError (see import_stream_open)."""
    with transaction.atomic():
        return _whole(name, _history_pass(binary, name, write=False))


def sales_history_execute(*, binary: IO[bytes], name: str, acting_user: User | None = None) -> HistoryImportResult:
    """Import the file: check it again and write each document to import as a sale (number, date,
    store, customer, lines at the prices paid), oldest first within each chunk, set-based
    (history_sales_write), all in one transaction. Refused as a whole (ImportRefused, nothing
    written) when any document is refused; skipped documents are left out."""
    try:
        with transaction.atomic():
            import_lock("sales.history_import")
            result = _whole(name, _history_pass(binary, name, write=True, acting_user=acting_user))
            if result.refused:
                raise ImportRefused(_refusal(len(result.refused)), result=result)
    except IntegrityError as error:
        raise _changed_error() from error
    result.is_written = True
    return result


def _changed_error() -> ValidationError:
    return ValidationError(
        _("The sales changed while the file was imported; nothing was imported. Check the file again.")
    )


# --- the background import: upload, check, import ----------------------------------------------


def history_import_create(*, upload, acting_user: User | None) -> HistoryImport:
    """Store an uploaded file and send its check to the worker. A file that cannot be imported at
    all (another type, unreadable, no columns, no rows) is refused here with a ValidationError
    naming why, and nothing is stored; its header and first row are read here, the rest by the
    worker."""
    name = os.path.basename(upload.name or "")
    stream = import_stream_open(upload.file, name=name, columns=HISTORY_COLUMNS)
    try:
        _price_columns_check(stream)
        if next(stream.rows, None) is None:
            raise no_rows_error(name)
    finally:
        stream.close()
    upload.seek(0)
    history = HistoryImport(original_name=name[:200], created_by=acting_user)
    history.file.save(f"{uuid.uuid4().hex}.{import_file_kind(name)}", upload, save=False)
    history.save()
    from sales.tasks import history_check_task

    history_check_task.delay_on_commit(history.pk)
    return history


def history_import_start(*, history: HistoryImport, acting_user: User | None) -> HistoryImport:
    """Send the import of a checked file to the worker; `acting_user` is the author of its sales.
    Refused (ValidationError) unless the check found documents to import and none refused."""
    from sales.tasks import history_execute_task

    history = HistoryImport.objects.select_for_update().get(pk=history.pk)
    if history.status != HistoryImport.Status.CHECKED or history.refuse_count or not history.import_count:
        raise ValidationError(_("Only a checked file with documents to import and none refused can be imported."))
    history.status, history.started_by = HistoryImport.Status.IMPORTING, acting_user
    history.error, history.finished_at, history.attempts = "", None, 0
    history.save(update_fields=["status", "started_by", "error", "finished_at", "attempts"])
    history_execute_task.delay_on_commit(history.pk)
    return history


def _document_record(document: HistoryDocument) -> dict:
    """A document as the results page shows it (kept as JSON on the HistoryImport)."""
    return {
        "number": document.number,
        "first_row": document.first_row,
        "rows": document.rows_display,
        "outcome": document.outcome,
        "occurred_at": document.occurred_at.isoformat() if document.occurred_at else None,
        "store": document.store.code if document.store else "",
        "kind": document.kind,
        "customer_id": document.customer.pk if document.customer else None,
        "customer": str(document.customer) if document.customer else "",
        "matched_by": document.matched_by,
        "lines": len(document.lines),
        "total": str(document.total),
        "reasons": document.reasons,
    }


def _result_save(history: HistoryImport, summary: HistorySummary, status: str, *, error: str = "") -> None:
    counts = summary.counts
    history.line_count, history.matched_count, history.total = summary.line_count, summary.matched_count, summary.total
    history.import_count, history.skip_count, history.refuse_count = counts["import"], counts["skip"], counts["refuse"]
    history.ignored_columns = summary.ignored_columns
    history.documents = [_document_record(document) for document in [*summary.refused, *summary.others]]
    history.status, history.error, history.finished_at = status, error, timezone.now()
    history.save()


def _progress_setter(history: HistoryImport):
    def progress(done: int, total: int) -> None:
        cache.set(history_import_progress_key(history.pk), {"done": done, "total": total}, PROGRESS_SECONDS)

    progress(0, 0)
    return progress


def _summary(history: HistoryImport, results: Iterator[HistoryImportResult]) -> HistorySummary:
    summary = HistorySummary(file_name=history.original_name, ignored_columns=[])
    for result in results:
        summary.ignored_columns = result.ignored_columns
        summary.add(result)
    return summary


def _language(history: HistoryImport, tenant) -> str:
    """Reasons are kept as text: in the language of the person who uploaded the file."""
    user_language = getattr(history.created_by, "language", "") if history.created_by else ""
    return user_language or getattr(tenant, "language", "") or settings.LANGUAGE_CODE


def _failed(history: HistoryImport, error: Exception) -> HistoryImport:
    # A file that turns out unreadable is the person's to fix; anything else is ours to look at.
    expected = isinstance(error, ValidationError)
    logger.warning("sales history import %s failed: %s", history.pk, error, exc_info=None if expected else error)
    text = (
        " ".join(error.messages)
        if expected
        else _("Unexpected error (%(type)s): %(error)s") % {"type": type(error).__name__, "error": error}
    )
    history.status, history.error, history.finished_at = HistoryImport.Status.FAILED, text, timezone.now()
    HistoryImport.objects.filter(pk=history.pk).update(
        status=history.status, error=history.error, finished_at=history.finished_at
    )
    return history


def history_import_check(*, import_id: int, tenant) -> HistoryImport:
    """The worker's dry run of a stored file: its outcome kept on the HistoryImport ("Checked"),
    nothing else written; an error marks it failed with the reason."""
    history = HistoryImport.objects.select_related("created_by").get(pk=import_id)
    if history.status != HistoryImport.Status.CHECKING:
        return history  # a task sent twice, or for an import changed since
    if not job_attempt(history, failed_status=HistoryImport.Status.FAILED):
        return history
    try:
        with translation.override(_language(history, tenant)), history.file.open("rb") as binary:
            with transaction.atomic():
                results = _history_pass(binary, history.original_name, write=False, progress=_progress_setter(history))
                summary = _summary(history, results)
            _result_save(history, summary, HistoryImport.Status.CHECKED)
    except Exception as error:
        return _failed(history, error)
    return history


def history_import_execute(*, import_id: int, tenant) -> HistoryImport:
    """The worker's import of a checked file, in one transaction ("Imported"). A document refused
    now (the stores or products changed since the check) takes it back to "Checked" with the new
    reasons; any other error marks it failed. Either way nothing of it is written."""
    history = HistoryImport.objects.select_related("created_by", "started_by").get(pk=import_id)
    if history.status != HistoryImport.Status.IMPORTING:
        return history
    if not job_attempt(history, failed_status=HistoryImport.Status.FAILED):
        return history
    try:
        with translation.override(_language(history, tenant)), history.file.open("rb") as binary:
            try:
                with transaction.atomic():
                    # The import's row locked first: a task handed out twice (its first worker
                    # slow past the broker's visibility timeout) waits here, then finds it done.
                    if HistoryImport.objects.select_for_update().get(pk=history.pk).status != history.status:
                        history.refresh_from_db()
                        return history
                    import_lock("sales.history_import")
                    results = _history_pass(
                        binary,
                        history.original_name,
                        write=True,
                        acting_user=history.started_by,
                        progress=_progress_setter(history),
                    )
                    summary = _summary(history, results)
                    refused = summary.counts[HistoryDocumentOutcome.REFUSE]
                    if refused:
                        raise ImportRefused(_refusal(refused), result=summary)
                    _result_save(history, summary, HistoryImport.Status.IMPORTED)
            except IntegrityError as error:
                raise _changed_error() from error
    except ImportRefused as refused:
        _result_save(history, refused.result, HistoryImport.Status.CHECKED, error=" ".join(refused.messages))
    except Exception as error:
        return _failed(history, error)
    return history
