"""The sales history import: past sales from another system, one line of the file per sale line.

Columns (named in the first row, in any order; case, spaces and underscores do not matter):
document, date, store, product, quantity, unit_price (required); phone, email, customer_code,
kind (optional). The lines that share a document id become one sale of that number:

- document: the id of the receipt or invoice in the old system (per store: the same id in two
  stores is two documents); it becomes the sale's number;
- date: ISO ("2024-12-31", "2024-12-31 14:30") or "31.12.2024 14:30", local time; not future;
- store: a store's code; an unknown code refuses the document;
- phone / email / customer_code (the customer's id here): the customer, matched by code, else
  e-mail, else phone (the oldest customer when several share one). When none matches, the sale
  is imported without a customer, and the document's reason says so;
- product: a SKU or an EAN of an active product; quantity: more than zero, at most three
  decimals; unit_price: the price paid, at most two decimals, not negative;
- kind: receipt (the default) or invoice. Invoices are imported as paid.

A document whose lines disagree on its date, customer or kind is refused, as is one with any bad
line (a line may leave those empty: the document's other lines say them). A document whose
number the store has already (imported before, or registered otherwise) is skipped: importing
the same file twice adds nothing.

The dry run (`sales_history_check`) writes nothing. The import (`sales_history_execute`) checks
again and registers every document through `sale_register` (so the customers' purchase figures
and the steps later apps join to every sale follow), in date order, in one transaction: a file
with any refused document is refused as a whole and nothing is written.

Past sales earn no loyalty points: each is registered with the source "import", on which the
loyalty step earns nothing. The points a customer earned in the old system come in as an
opening balance with the customer import (its "Opening points balance" column), which already
holds what those sales earned less what was spent; earning on the history as well would count
them twice, and by today's rules rather than the old system's. A later return of an imported
sale therefore takes back nothing.

Both run synchronously in the request, so a file holds at most MAX_LINES (10,000) lines: the check
takes about a second, the import registers about 230 sales a second on two cores (measured: 20,000
lines in 6,667 documents in 28 s), which keeps a full file well inside a web worker's timeout.
A longer history is imported in several files, split by date: a document's lines must stay in one
file (the document of a second file with the same number would be skipped as imported).
"""

import datetime
import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.money import CENT
from customers.models import Customer
from customers.rules import email_clean, phone_clean
from customers.selectors.importing import header_normalise
from sales.models import Product, SalesDocument, Store
from sales.rules import money_clean, quantity_clean, sale_time_clean
from sales.services.product_import import ImportColumn, ImportRefused, ImportTable, import_lock, import_table_read
from sales.services.sales import LineInput, SaleSource, sale_register

MAX_LINES = 10_000
NUMBER_MAX = SalesDocument._meta.get_field("number").max_length


class Outcome(models.TextChoices):
    IMPORT = "import", gettext_lazy("Import")
    SKIP = "skip", gettext_lazy("Skip")
    REFUSE = "refuse", gettext_lazy("Refuse")


HISTORY_COLUMNS = (
    ImportColumn(
        "document",
        "document",
        frozenset({"document", "documentid", "documentnumber", "receipt", "receiptnumber", "invoicenumber"}),
        is_required=True,
    ),
    ImportColumn("date", "date", frozenset({"date", "datetime", "dateandtime", "time"}), is_required=True),
    ImportColumn("store", "store", frozenset({"store", "storecode"}), is_required=True),
    ImportColumn("phone", "phone", frozenset({"phone", "customerphone"})),
    ImportColumn("email", "email", frozenset({"email", "customeremail"})),
    ImportColumn("customer_code", "customer_code", frozenset({"customercode", "customer", "customerid"})),
    ImportColumn("product", "product", frozenset({"product", "productcode", "sku", "ean"}), is_required=True),
    ImportColumn("quantity", "quantity", frozenset({"quantity", "qty"}), is_required=True),
    ImportColumn("unit_price", "unit_price", frozenset({"unitprice", "price", "pricepaid"}), is_required=True),
    ImportColumn("kind", "kind", frozenset({"kind", "type", "documenttype"})),
)
# What the lines of one document must agree on; a line may leave them empty.
HEAD_KEYS = ("date", "store", "phone", "email", "customer_code", "kind")
CUSTOMER_KEYS = ("customer_code", "email", "phone")
KINDS = {
    **{header_normalise(value): value for value in (SalesDocument.Kind.RECEIPT, SalesDocument.Kind.INVOICE)},
    "bill": SalesDocument.Kind.INVOICE,
}


@dataclass
class HistoryLine:
    row: int
    code: str
    product: Product | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None

    @property
    def total(self) -> Decimal:
        if self.quantity is None or self.unit_price is None:
            return Decimal("0")
        return (self.unit_price * self.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class HistoryDocument:
    number: str
    rows: list[int] = field(default_factory=list)
    head: dict[str, str] = field(default_factory=dict)
    head_rows: dict[str, int] = field(default_factory=dict)
    lines: list[HistoryLine] = field(default_factory=list)
    store: Store | None = None
    occurred_at: datetime.datetime | None = None
    kind: str = SalesDocument.Kind.RECEIPT
    customer: Customer | None = None
    matched_by: str = ""
    # (row, column, message): shown in the order of the file's rows and columns, whichever check
    # found them.
    problems: list[tuple[int, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcome: str = ""

    @property
    def first_row(self) -> int:
        return self.rows[0]

    @property
    def rows_display(self) -> str:
        """The document's rows in the file, runs shortened: "2–4, 9"."""
        runs: list[list[int]] = []
        for row in self.rows:
            if runs and row == runs[-1][1] + 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        return ", ".join(str(start) if start == end else f"{start}–{end}" for start, end in runs)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))

    @property
    def reasons(self) -> list[str]:
        if self.outcome == Outcome.REFUSE:
            return [message for _row, _column, message in sorted(self.problems, key=lambda problem: problem[:2])]
        return self.notes

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    def get_outcome_display(self) -> str:
        return Outcome(self.outcome).label

    def get_kind_display(self) -> str:
        return SalesDocument.Kind(self.kind).label


@dataclass
class HistoryImportResult:
    file_name: str
    documents: list[HistoryDocument]
    ignored_columns: list[str]
    is_written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {outcome: 0 for outcome in Outcome.values}
        for document in self.documents:
            counts[document.outcome] += 1
        return counts

    @property
    def refused(self) -> list[HistoryDocument]:
        return [document for document in self.documents if document.outcome == Outcome.REFUSE]

    @property
    def to_import(self) -> list[HistoryDocument]:
        return [document for document in self.documents if document.outcome == Outcome.IMPORT]

    @property
    def line_count(self) -> int:
        return sum(len(document.lines) for document in self.to_import)

    @property
    def total(self) -> Decimal:
        return sum((document.total for document in self.to_import), Decimal("0"))

    @property
    def matched_count(self) -> int:
        return sum(1 for document in self.to_import if document.customer is not None)

    @property
    def is_importable(self) -> bool:
        return not self.refused


def _same(text: str) -> str:
    """Text as compared between the lines of a document: without case and spaces."""
    return re.sub(r"\s+", "", text).casefold()


class _HistoryRun:
    """One pass over the table: group the lines into documents, clean them, match customers and
    decide each document's outcome, in a fixed number of queries."""

    def __init__(self, table: ImportTable):
        self.table = table
        tenant = getattr(connection, "tenant", None)
        self.region = getattr(tenant, "country", "") or ""

    def _problem(self, document: HistoryDocument, row: int, key: str, message: str) -> None:
        text = _("Row %(row)s: %(column)s: %(problem)s") % {
            "row": row,
            "column": self.table.column_name(key),
            "problem": message,
        }
        document.problems.append((row, self.table.columns.get(key, -1), text))

    def _group(self) -> list[HistoryDocument]:
        table = self.table
        # Stores number their receipts each on their own: a document is a store's document id.
        documents: dict[tuple[str, str], HistoryDocument] = {}
        loose: list[HistoryDocument] = []
        for number, values in table.rows:
            document_id = table.value(values, "document")
            if not document_id:
                document = HistoryDocument(number="", rows=[number])
                self._problem(document, number, "document", _("the document is missing."))
                loose.append(document)
                continue
            key = (_same(table.value(values, "store")), document_id)
            document = documents.get(key)
            if document is None:
                document = documents[key] = HistoryDocument(number=document_id)
            document.rows.append(number)
            for key in HEAD_KEYS:
                text = table.value(values, key)
                if not text:
                    continue
                if key not in document.head:
                    document.head[key], document.head_rows[key] = text, number
                elif _same(text) != _same(document.head[key]):
                    self._problem(
                        document,
                        number,
                        key,
                        _("“%(value)s” differs from “%(first)s” on row %(first_row)s of the same document.")
                        % {"value": text, "first": document.head[key], "first_row": document.head_rows[key]},
                    )
            document.lines.append(HistoryLine(row=number, code=table.value(values, "product")))
            line = document.lines[-1]
            for key, cleaner in (("quantity", quantity_clean), ("unit_price", money_clean)):
                text = table.value(values, key)
                if not text:
                    message = _("the quantity is missing.") if key == "quantity" else _("the price paid is missing.")
                    self._problem(document, number, key, message)
                    continue
                try:
                    setattr(line, key, cleaner(text))
                except ValidationError as error:
                    for message in error.messages:
                        self._problem(document, number, key, message)
        return [*documents.values(), *loose]

    def _head_clean(self, document: HistoryDocument, stores: dict[str, Store]) -> None:
        head, rows = document.head, document.head_rows
        first = document.first_row
        if len(document.number) > NUMBER_MAX:
            self._problem(document, first, "document", _("longer than %(max)s characters.") % {"max": NUMBER_MAX})
        if "date" not in head:
            self._problem(document, first, "date", _("the date is missing."))
        else:
            try:
                document.occurred_at = sale_time_clean(head["date"])
            except ValidationError as error:
                for message in error.messages:
                    self._problem(document, rows["date"], "date", message)
        if "store" not in head:
            self._problem(document, first, "store", _("the store is missing."))
        else:
            document.store = stores.get(head["store"].casefold())
            if document.store is None:
                self._problem(
                    document,
                    rows["store"],
                    "store",
                    _("there is no store with the code “%(code)s”.") % {"code": head["store"]},
                )
        if "kind" in head:
            kind = KINDS.get(header_normalise(head["kind"]))
            if kind is None:
                self._problem(
                    document,
                    rows["kind"],
                    "kind",
                    _("“%(value)s” is neither receipt nor invoice.") % {"value": head["kind"]},
                )
            else:
                document.kind = kind

    def _lines_clean(self, document: HistoryDocument, products: dict[str, Product]) -> None:
        for line in document.lines:
            if not line.code:
                self._problem(document, line.row, "product", _("the product is missing."))
                continue
            line.product = products.get(line.code)
            if line.product is None:
                self._problem(
                    document,
                    line.row,
                    "product",
                    _("there is no product with the SKU or EAN “%(code)s”.") % {"code": line.code},
                )
            elif not line.product.is_active:
                self._problem(
                    document,
                    line.row,
                    "product",
                    _("“%(product)s” (SKU %(sku)s) is not active; make it active to import its sales.")
                    % {"product": line.product.name, "sku": line.product.sku},
                )

    def _keys(self, document: HistoryDocument) -> dict[str, object]:
        """The customer keys of the document, cleaned; a key that cannot be one is noted."""
        keys: dict[str, object] = {}
        head = document.head
        if head.get("customer_code"):
            text = head["customer_code"]
            if text.isdigit() and len(text) < 19:
                keys["customer_code"] = int(text)
            else:
                document.notes.append(
                    _("%(column)s: “%(value)s” is not a customer code.")
                    % {"column": self.table.column_name("customer_code"), "value": text}
                )
        for key, cleaner in (("email", email_clean), ("phone", lambda raw: phone_clean(raw, region=self.region))):
            if head.get(key):
                try:
                    keys[key] = cleaner(head[key])
                except ValidationError as error:
                    document.notes.extend(
                        _("%(column)s: %(problem)s") % {"column": self.table.column_name(key), "problem": message}
                        for message in error.messages
                    )
        return keys

    def run(self) -> HistoryImportResult:
        documents = self._group()
        stores = {store.code.casefold(): store for store in Store.objects.all()}
        codes = {line.code for document in documents for line in document.lines if line.code}
        products: dict[str, Product] = {}
        for product in Product.objects.filter(ean__in=codes):
            products[product.ean] = product
        # A SKU wins over an EAN that happens to be written the same.
        for product in Product.objects.filter(sku__in=codes):
            products[product.sku] = product
        numbers = {document.number for document in documents if document.number}
        existing = set(SalesDocument.objects.filter(number__in=numbers).values_list("store_id", "number"))
        keys = {}
        for document in documents:
            if document.number:
                self._head_clean(document, stores)
                self._lines_clean(document, products)
            keys[id(document)] = self._keys(document)
        customers = self._customers(keys.values())
        for document in documents:
            if document.store is not None and (document.store.pk, document.number) in existing:
                document.outcome = Outcome.SKIP
                document.notes = [
                    _("Store %(store)s has the document “%(number)s” already.")
                    % {"store": document.store.code, "number": document.number}
                ]
                continue
            if document.problems:
                document.outcome = Outcome.REFUSE
                continue
            document.outcome = Outcome.IMPORT
            self._customer_match(document, keys[id(document)], customers)
        return HistoryImportResult(
            file_name=self.table.file_name, documents=documents, ignored_columns=self.table.ignored
        )

    @staticmethod
    def _customers(all_keys) -> dict[str, dict[object, Customer]]:
        """The customers the documents name, by key: three queries; the oldest customer wins
        when several share an e-mail or a phone (as in the customer import)."""
        wanted: dict[str, set] = {key: set() for key in CUSTOMER_KEYS}
        for keys in all_keys:
            for key, value in keys.items():
                wanted[key].add(value)
        found: dict[str, dict[object, Customer]] = {key: {} for key in CUSTOMER_KEYS}
        queries = {
            "customer_code": lambda values: Customer.objects.filter(pk__in=values),
            # Stored e-mails may keep a person's capitals; compare without case (an index on
            # email serves the customer import's look-up the same way).
            "email": lambda values: Customer.objects.annotate(email_upper=Upper("email")).filter(
                email_upper__in={value.upper() for value in values}
            ),
            "phone": lambda values: Customer.objects.filter(phone__in=values),
        }
        for key, query in queries.items():
            if not wanted[key]:
                continue
            for customer in query(wanted[key]).order_by("-pk"):
                value = {"customer_code": customer.pk, "email": customer.email.lower(), "phone": customer.phone}[key]
                found[key][value] = customer
        return found

    def _customer_match(self, document: HistoryDocument, keys: dict, customers: dict) -> None:
        labels = {
            "customer_code": _("customer code"),
            "email": _("e-mail"),
            "phone": _("phone"),
        }
        for key in CUSTOMER_KEYS:
            if key in keys and keys[key] in customers[key]:
                document.customer, document.matched_by = customers[key][keys[key]], str(labels[key])
                return
        if keys:
            document.notes.append(
                _("No customer matches (%(keys)s): the sale is imported without a customer.")
                % {"keys": ", ".join(f"{labels[key]} {keys[key]}" for key in CUSTOMER_KEYS if key in keys)}
            )
        elif not document.notes:
            document.notes.append(_("No customer in the file: the sale is imported without a customer."))
        else:
            document.notes.append(_("The sale is imported without a customer."))


def _table(binary: IO[bytes], name: str) -> ImportTable:
    return import_table_read(binary, name=os.path.basename(name), columns=HISTORY_COLUMNS, max_rows=MAX_LINES)


def sales_history_check(*, binary: IO[bytes], name: str) -> HistoryImportResult:
    """The dry run: each document of the file with its outcome (import, skip, refuse), the
    customer it goes to and the reasons. Writes nothing. A file that cannot be read at all
    raises a ValidationError (see import_table_read)."""
    return _HistoryRun(_table(binary, name)).run()


def sales_history_execute(*, binary: IO[bytes], name: str, author=None) -> HistoryImportResult:
    """Import the file: check it again and register each document to import as a sale through
    `sale_register` (number, date, store, customer, lines at the prices paid), oldest first, all
    in one transaction. Refused as a whole (ImportRefused, nothing written) when any document
    is refused; skipped documents are left out."""
    table = _table(binary, name)
    try:
        with transaction.atomic():
            import_lock("sales.history_import")
            result = _HistoryRun(table).run()
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
            for document in sorted(result.to_import, key=lambda document: (document.occurred_at, document.first_row)):
                try:
                    sale_register(
                        store=document.store,
                        customer=document.customer,
                        kind=document.kind,
                        occurred_at=document.occurred_at,
                        number=document.number,
                        acting_user=author,
                        lines=[LineInput(line.product.sku, line.quantity, line.unit_price) for line in document.lines],
                        # No points on past sales: see the module's docstring.
                        source=SaleSource.IMPORT,
                    )
                except ValidationError as error:
                    raise ValidationError(
                        _("Document “%(number)s” (row %(row)s) cannot be registered: %(problem)s Nothing was imported.")
                        % {"number": document.number, "row": document.first_row, "problem": " ".join(error.messages)}
                    ) from error
    except IntegrityError as error:
        raise ValidationError(
            _("The sales changed while the file was imported; nothing was imported. Check the file again.")
        ) from error
    result.is_written = True
    return result
