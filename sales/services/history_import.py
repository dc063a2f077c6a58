"""The sales history import: past sales from another system, one line of the file per sale line.

Columns (named in the first row, in any order; case, spaces and underscores do not matter):
document, date, store, product, quantity (required), unit_price or line_total (at least one);
phone, email, customer_code, kind (optional). The lines that share a document id become one sale of that number:

- document: the id of the receipt or invoice in the old system (per store: the same id in two
  stores is two documents); it becomes the sale's number;
- date: ISO ("2024-12-31", "2024-12-31 14:30") or "31.12.2024 14:30", local time; not future;
- store: a store's code; an unknown code refuses the document;
- phone / email / customer_code (the customer's id here): the customer, matched by code, else
  e-mail, else phone (the oldest customer when several share one). When none matches, the sale
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

Both run synchronously in the request, so a file holds at most MAX_LINES (10,000) lines, which
keeps the check and the import well inside a web worker's timeout.
A longer history is imported in several files, split by date: a document's lines must stay in one
file (the document of a second file with the same number would be skipped as imported).
"""

import os
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sales.services.history_check import HISTORY_COLUMNS, HistoryCheck, HistoryImportResult
from sales.services.history_write import HistoryLineInput, HistorySaleInput, history_sales_write
from sales.services.importing import ImportRefused, ImportTable, import_lock, import_table_read
from staff.models import User

MAX_LINES = 10_000


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
