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
status). The check reads the whole file into memory, so a file holds at most MAX_LINES (200,000)
lines, as many as a customer file; a longer history is imported in several files, split by date:
a document's lines must stay in one file (the document of a second file with the same number
would be skipped as imported).

An import the worker does not finish (killed, the database gone) writes nothing, its one
transaction being rolled back; the task is acknowledged only after it ran, so the broker hands
it to the next worker, which imports the file from the start (the status is still "Import in
progress").
"""

import logging
import os
import uuid
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.selectors.importing import import_file_kind
from sales.models import HistoryImport
from sales.services.history_check import (
    HISTORY_COLUMNS,
    HistoryCheck,
    HistoryDocument,
    HistoryDocumentOutcome,
    HistoryImportResult,
)
from sales.services.history_write import HistoryLineInput, HistorySaleInput, history_sales_write
from sales.services.importing import ImportRefused, ImportTable, import_lock, import_table_read
from staff.models import User

logger = logging.getLogger(__name__)

MAX_LINES = 200_000
# What a HistoryImport keeps for its page: the refused documents (all of them, up to this many)
# and the first of the others.
SHOWN_REFUSED = 5_000
SHOWN = 500


def _table(binary: IO[bytes], name: str) -> ImportTable:
    name = os.path.basename(name)
    table = import_table_read(binary, name=name, columns=HISTORY_COLUMNS, max_rows=MAX_LINES)
    if "unit_price" not in table.columns and "line_total" not in table.columns:
        raise ValidationError(
            _("“%(name)s” has neither a column “unit_price” nor “line_total”: one of them must say what was paid.")
            % {"name": name},
            code="columns_missing",
        )
    return table


def sales_history_check(*, binary: IO[bytes], name: str) -> HistoryImportResult:
    """The dry run: each document of the file with its outcome (import, skip, refuse), the
    customer it goes to and the reasons. Writes nothing. A file that cannot be read at all
    raises a ValidationError (see import_table_read)."""
    return HistoryCheck(_table(binary, name)).run()


def sales_history_execute(*, binary: IO[bytes], name: str, acting_user: User | None = None) -> HistoryImportResult:
    """Import the file: check it again and write each document to import as a sale (number, date,
    store, customer, lines at the prices paid), oldest first, set-based (history_sales_write), all
    in one transaction. Refused as a whole (ImportRefused, nothing written) when any document
    is refused; skipped documents are left out."""
    table = _table(binary, name)
    try:
        with transaction.atomic():
            import_lock("sales.history_import")
            result = HistoryCheck(table).run()
            refused = len(result.refused)
            if refused:
                raise ImportRefused(
                    ngettext(
                        "%(count)s document is refused; nothing was imported. Correct it and upload the file again.",
                        "%(count)s documents are refused; nothing was imported. Correct them and upload the file "
                        "again.",
                        refused,
                    )
                    % {"count": refused},
                    result=result,
                )
            history_sales_write(
                [
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
                    for document in sorted(
                        result.to_import, key=lambda document: (document.occurred_at, document.first_row)
                    )
                ],
                acting_user=acting_user,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("The sales changed while the file was imported; nothing was imported. Check the file again.")
        ) from error
    result.is_written = True
    return result


# --- the background import: upload, check, import ----------------------------------------------


def history_import_create(*, upload, acting_user: User | None) -> HistoryImport:
    """Store an uploaded file and send its check to the worker. A file that cannot be imported at
    all (another type, unreadable, no columns or rows, too many lines) is refused here with a
    ValidationError naming why, and nothing is stored."""
    name = os.path.basename(upload.name or "")
    _table(upload.file, name)
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
    history.error, history.finished_at = "", None
    history.save(update_fields=["status", "started_by", "error", "finished_at"])
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


def _result_save(history: HistoryImport, result: HistoryImportResult, status: str, *, error: str = "") -> None:
    counts = result.counts
    others = [document for document in result.documents if document.outcome != HistoryDocumentOutcome.REFUSE]
    history.line_count, history.matched_count, history.total = result.line_count, result.matched_count, result.total
    history.import_count, history.skip_count, history.refuse_count = counts["import"], counts["skip"], counts["refuse"]
    history.ignored_columns = result.ignored_columns
    history.documents = [_document_record(document) for document in [*result.refused[:SHOWN_REFUSED], *others[:SHOWN]]]
    history.status, history.error, history.finished_at = status, error, timezone.now()
    history.save()


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
    try:
        with translation.override(_language(history, tenant)), history.file.open("rb") as binary:
            result = sales_history_check(binary=binary, name=history.original_name)
    except Exception as error:
        return _failed(history, error)
    _result_save(history, result, HistoryImport.Status.CHECKED)
    return history


def history_import_execute(*, import_id: int, tenant) -> HistoryImport:
    """The worker's import of a checked file, in one transaction ("Imported"). A document refused
    now (the stores or products changed since the check) takes it back to "Checked" with the new
    reasons; any other error marks it failed. Either way nothing of it is written."""
    history = HistoryImport.objects.select_related("created_by", "started_by").get(pk=import_id)
    if history.status != HistoryImport.Status.IMPORTING:
        return history
    try:
        with transaction.atomic(), translation.override(_language(history, tenant)):
            with history.file.open("rb") as binary:
                result = sales_history_execute(
                    binary=binary, name=history.original_name, acting_user=history.started_by
                )
            _result_save(history, result, HistoryImport.Status.IMPORTED)
    except ImportRefused as refused:
        _result_save(history, refused.result, HistoryImport.Status.CHECKED, error=" ".join(refused.messages))
    except Exception as error:
        return _failed(history, error)
    return history
