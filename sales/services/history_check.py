"""The check of a sales history file (see sales.services.history_import): its lines grouped into
documents, each cleaned, matched to a customer and given an outcome (import, skip, refuse) with
its reasons, in a fixed number of queries. Writes nothing."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Upper
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm.money import money
from customers.models import Customer
from customers.rules import email_clean, phone_clean
from customers.selectors.importing import header_normalise
from sales.models import Product, SalesDocument, Store
from sales.rules import money_clean, quantity_clean, sale_time_clean
from sales.services.importing import FileColumn, ImportTable

SPACES = re.compile(r"\s+")
NUMBER_MAX = SalesDocument._meta.get_field("number").max_length


class HistoryDocumentOutcome(models.TextChoices):
    IMPORT = "import", pgettext_lazy("import outcome", "Import")
    SKIP = "skip", pgettext_lazy("import outcome", "Skip")
    REFUSE = "refuse", pgettext_lazy("import outcome", "Refuse")


HISTORY_COLUMNS = (
    FileColumn(
        "document",
        "document",
        frozenset({"document", "documentid", "documentnumber", "receipt", "receiptnumber", "invoicenumber"}),
        is_required=True,
    ),
    FileColumn("date", "date", frozenset({"date", "datetime", "dateandtime", "time"}), is_required=True),
    FileColumn("store", "store", frozenset({"store", "storecode"}), is_required=True),
    FileColumn("phone", "phone", frozenset({"phone", "customerphone"})),
    FileColumn("email", "email", frozenset({"email", "customeremail"})),
    FileColumn(
        "customer_number",
        "customer_number",
        frozenset({"customernumber", "customerno", "customernr", "clientnumber", "customerreference"}),
    ),
    FileColumn("customer_code", "customer_code", frozenset({"customercode", "customer", "customerid"})),
    FileColumn("product", "product", frozenset({"product", "productcode", "sku", "ean"}), is_required=True),
    FileColumn("quantity", "quantity", frozenset({"quantity", "qty"}), is_required=True),
    FileColumn("unit_price", "unit_price", frozenset({"unitprice", "price", "pricepaid"})),
    FileColumn("line_total", "line_total", frozenset({"linetotal", "lineamount", "amountpaid", "total", "amount"})),
    FileColumn("kind", "kind", frozenset({"kind", "type", "documenttype"})),
)
# What the lines of one document must agree on; a line may leave them empty.
HEAD_KEYS = ("date", "store", "phone", "email", "customer_number", "customer_code", "kind")
CUSTOMER_KEYS = ("customer_number", "customer_code", "email", "phone")
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
    line_total: Decimal | None = None  # the amount paid for the line; wins over the unit price

    @property
    def total(self) -> Decimal:
        if self.line_total is not None:
            return self.line_total
        if self.quantity is None or self.unit_price is None:
            return Decimal("0")
        return money(self.unit_price * self.quantity)


class DocumentShown:
    """How a document's outcome, kind and reasons read on the results page (the checked document
    and the one kept on a HistoryImport alike)."""

    outcome: str
    kind: str
    reasons: list[str]

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    def get_outcome_display(self) -> str:
        return HistoryDocumentOutcome(self.outcome).label

    def get_kind_display(self) -> str:
        return SalesDocument.Kind(self.kind).label


@dataclass
class HistoryDocument(DocumentShown):
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
        if self.outcome == HistoryDocumentOutcome.REFUSE:
            return [message for _row, _column, message in sorted(self.problems, key=lambda problem: problem[:2])]
        return self.notes


@dataclass
class HistoryImportResult:
    file_name: str
    documents: list[HistoryDocument]
    ignored_columns: list[str]
    is_written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {outcome: 0 for outcome in HistoryDocumentOutcome.values}
        for document in self.documents:
            counts[document.outcome] += 1
        return counts

    @property
    def refused(self) -> list[HistoryDocument]:
        return [document for document in self.documents if document.outcome == HistoryDocumentOutcome.REFUSE]

    @property
    def to_import(self) -> list[HistoryDocument]:
        return [document for document in self.documents if document.outcome == HistoryDocumentOutcome.IMPORT]

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


def same_text(text: str) -> str:
    """Text as compared between the lines of a document: without case and spaces."""
    return SPACES.sub("", text).casefold() if text else ""


class HistoryCheck:
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
        columns = table.columns
        # Where each column is, read once (a file of millions of lines asks per cell).
        document_at, store_at = columns["document"], columns.get("store")
        product_at, line_total_at = columns.get("product"), columns.get("line_total")
        heads = [(key, columns[key]) for key in HEAD_KEYS if key in columns]
        missing = {
            "quantity": _("the quantity is missing."),
            "unit_price": _("the price paid and the line total are missing.")
            if "line_total" in columns
            else _("the price paid is missing."),
            "line_total": _("the line total is missing."),
        }
        # Stores number their receipts each on their own: a document is a store's document id.
        documents: dict[tuple[str, str], HistoryDocument] = {}
        loose: list[HistoryDocument] = []
        for number, values in table.rows:
            document_id = values[document_at].strip()
            if not document_id:
                document = HistoryDocument(number="", rows=[number])
                self._problem(document, number, "document", _("the document is missing."))
                loose.append(document)
                continue
            key = (same_text(values[store_at].strip()) if store_at is not None else "", document_id)
            document = documents.get(key)
            if document is None:
                document = documents[key] = HistoryDocument(number=document_id)
            document.rows.append(number)
            head, head_rows = document.head, document.head_rows
            for head_key, at in heads:
                text = values[at].strip()
                if not text:
                    continue
                if head_key not in head:
                    head[head_key], head_rows[head_key] = text, number
                elif text != head[head_key] and same_text(text) != same_text(head[head_key]):
                    self._problem(
                        document,
                        number,
                        head_key,
                        _("“%(value)s” differs from “%(first)s” on row %(first_row)s of the same document.")
                        % {"value": text, "first": head[head_key], "first_row": head_rows[head_key]},
                    )
            line = HistoryLine(row=number, code=values[product_at].strip() if product_at is not None else "")
            document.lines.append(line)
            # The amount paid for the line where the file has it (3 for 43.99 has no unit price of
            # two decimals), else the price paid per unit.
            line_total = values[line_total_at].strip() if line_total_at is not None else ""
            price_key = "line_total" if line_total or "unit_price" not in columns else "unit_price"
            for field_key, cleaner in (("quantity", quantity_clean), (price_key, money_clean)):
                at = columns.get(field_key)
                text = values[at].strip() if at is not None else ""
                if not text:
                    self._problem(document, number, field_key, missing[field_key])
                    continue
                try:
                    setattr(line, field_key, cleaner(text))
                except ValidationError as error:
                    for message in error.messages:
                        self._problem(document, number, field_key, message)
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
        if head.get("customer_number"):
            # The retailer's own number, whatever its case (customers' number_q).
            keys["customer_number"] = head["customer_number"].upper()
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
        named = list(Product.objects.by_codes(codes))
        products: dict[str, Product] = {product.ean: product for product in named if product.ean in codes}
        # A SKU wins over an EAN that happens to be written the same.
        products.update({product.sku: product for product in named if product.sku in codes})
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
                document.outcome = HistoryDocumentOutcome.SKIP
                document.notes = [
                    _("Store %(store)s has the document “%(number)s” already.")
                    % {"store": document.store.code, "number": document.number}
                ]
                continue
            if document.problems:
                document.outcome = HistoryDocumentOutcome.REFUSE
                continue
            document.outcome = HistoryDocumentOutcome.IMPORT
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
            "customer_number": lambda values: Customer.objects.by_numbers(values),
            "customer_code": lambda values: Customer.objects.filter(pk__in=values),
            # Stored e-mails may keep a person's capitals; compare without case (an index on
            # email serves the customer import's look-up the same way).
            "email": lambda values: Customer.objects.annotate(email_upper=Upper("email")).filter(
                email_upper__in={value.upper() for value in values}
            ),
            "phone": lambda values: Customer.objects.filter(phone__in=values),
        }
        # B-tree index scans only, as the customer import looks up (customers' import_run): the
        # search box's trigram indexes also answer equality, and the planner took them here (5,000
        # e-mails of a 10,000-line file: 7.2 s, against 0.05 s through the b-tree on UPPER(email)).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            for key, query in queries.items():
                if not wanted[key]:
                    continue
                for customer in query(wanted[key]).order_by("-pk"):
                    value = {
                        "customer_number": customer.number.upper(),
                        "customer_code": customer.pk,
                        "email": customer.email.lower(),
                        "phone": customer.phone,
                    }[key]
                    found[key][value] = customer
            cursor.execute("SET LOCAL enable_bitmapscan TO DEFAULT")
        return found

    @cached_property
    def _key_labels(self) -> dict[str, str]:
        return {
            "customer_number": _("customer number"),
            "customer_code": _("customer code"),
            "email": _("e-mail"),
            "phone": _("phone"),
        }

    def _customer_match(self, document: HistoryDocument, keys: dict, customers: dict) -> None:
        labels = self._key_labels
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
