"""The sales history import: documents from lines, customer matching, the dry run's outcomes and
reasons, the all-or-nothing import written as sale_register writes, idempotency, the pages and the
worker, rights, tenancy."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from sales.models import HistoryImport, Return, SalesDocument, SalesLine, Store
from sales.services.history_import import (
    history_import_check,
    history_import_execute,
    sales_history_check,
    sales_history_execute,
)
from sales.services.importing import ImportRefused
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from tests.factories import CustomerFactory

URL = "/settings/sales/import/history/"
HEADER = ["document", "date", "store", "phone", "email", "customer_code", "product", "quantity", "unit_price", "kind"]
TEA_EAN = "4740000000018"


def csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def check(rows: list[list]):
    return sales_history_check(binary=io.BytesIO(csv_bytes(rows)), name="history.csv")


def execute(rows: list[list], acting_user=None):
    return sales_history_execute(binary=io.BytesIO(csv_bytes(rows)), name="history.csv", acting_user=acting_user)


def outcomes(result) -> dict[str, tuple[str, list[str]]]:
    return {
        document.number or f"row {document.first_row}": (document.outcome, document.reasons)
        for document in result.documents
    }


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def state() -> tuple:
    """What an import could change: the sales, their lines and every customer's figures."""
    return (
        SalesDocument.objects.count(),
        SalesLine.objects.count(),
        Return.objects.count(),
        sorted(
            Customer.objects.values_list(
                "pk", "purchase_count", "purchase_total", "first_purchase_at", "last_purchase_at", "return_count"
            )
        ),
    )


def good_rows(history_shop) -> list[list]:
    return [
        HEADER,
        ["R-1", "2025-03-01 10:15", "TLN", "+372 5123 4567", "", "", "TEA-1", "2", "3.50", "receipt"],
        ["R-2", "05.03.2025 18:40", "trt", "", "jaan@example.COM", "", TEA_EAN, "1.5", "4", "Invoice"],
        ["R-1", "2025-03-01 10:15", "TLN", "", "", "", "CUP-1", "1", "9.00", ""],
        ["R-3", "2025-03-07", "TLN", "", "", str(history_shop.kati.pk), "CUP-1", "1", "10,00", ""],
        [
            "R-4",
            "2025-03-08T12:00:00+02:00",
            "TLN",
            "+372 5555 5555",
            "nobody@example.com",
            "",
            "TEA-1",
            "1",
            "4.00",
            "",
        ],
        ["R-5", "2025-03-09 09:00", "TLN", "", "", "", "CUP-1", "3", "8.00", ""],
        ["R-6", "2025-03-10 09:30", "TLN", "12", "", "", "CUP-1", "1", "10.00", ""],
    ]


# --- the dry run -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dry_run_groups_lines_into_documents_matches_customers_and_writes_nothing(alpha, history_shop):
    with tenant_context(alpha.tenant):
        before = state()
        result = check(good_rows(history_shop))
        assert outcomes(result) == {
            "R-1": ("import", []),
            "R-2": ("import", []),
            "R-3": ("import", []),
            "R-4": (
                "import",
                [
                    "No customer matches (e-mail nobody@example.com, phone +37255555555): "
                    "the sale is imported without a customer."
                ],
            ),
            "R-5": ("import", ["No customer in the file: the sale is imported without a customer."]),
            "R-6": ("import", ["phone: “12” is not a phone number.", "The sale is imported without a customer."]),
        }
        documents = {document.number: document for document in result.documents}
        assert documents["R-1"].rows == [2, 4] and documents["R-1"].rows_display == "2, 4"
        assert (documents["R-1"].customer, documents["R-1"].matched_by) == (history_shop.mari, "phone")
        assert (documents["R-2"].customer, documents["R-2"].matched_by) == (history_shop.jaan, "e-mail")
        assert (documents["R-3"].customer, documents["R-3"].matched_by) == (history_shop.kati, "customer code")
        assert documents["R-2"].kind == "invoice" and documents["R-2"].store == history_shop.tartu
        assert documents["R-2"].occurred_at == local(2025, 3, 5, 18, 40)
        assert documents["R-3"].occurred_at == local(2025, 3, 7, 0, 0)
        assert documents["R-4"].occurred_at == datetime.datetime(2025, 3, 8, 10, 0, tzinfo=datetime.UTC)
        assert [document.total for document in result.documents] == [
            Decimal("16.00"),
            Decimal("6.00"),
            Decimal("10.00"),
            Decimal("4.00"),
            Decimal("24.00"),
            Decimal("10.00"),
        ]
        assert result.counts == {"import": 6, "skip": 0, "refuse": 0}
        assert (result.line_count, result.matched_count, result.total) == (7, 3, Decimal("70.00"))
        assert state() == before


@pytest.mark.django_db
def test_bad_documents_are_refused_with_every_reason_and_the_file_is_not_imported(alpha, history_shop):
    rows = [
        HEADER,
        ["B-1", "2025-03-01", "XXX", "", "", "", "TEA-1", "1", "1.00", ""],
        ["B-2", "2025-03-01", "TLN", "", "", "", "NOPE", "1", "1.00", ""],
        ["B-3", "2025-03-01", "TLN", "", "", "", "OLD-1", "1", "1.00", ""],
        ["B-4", "2025-03-01", "TLN", "", "", "", "TEA-1", "0", "1.00", ""],
        ["B-5", "2025-03-01", "TLN", "", "", "", "TEA-1", "1", "1.005", ""],
        ["B-6", "2025-03-01", "TLN", "", "", "", "TEA-1", "1", "-2", ""],
        ["B-7", "2999-01-01", "TLN", "", "", "", "TEA-1", "1", "1.00", ""],
        ["B-8", "31.02.2025", "TLN", "", "", "", "TEA-1", "1", "1.00", ""],
        ["B-9", "2025-03-01", "TLN", "", "", "", "TEA-1", "1", "1.00", "order"],
        ["B-10", "2025-03-01", "TLN", "+37251234567", "", "", "TEA-1", "1", "1.00", ""],
        ["B-10", "2025-03-02", "TLN", "+372 5123 4567", "", "", "CUP-1", "1.2345", "abc", ""],
        ["", "2025-03-01", "TLN", "", "", "", "TEA-1", "1", "1.00", ""],
        ["B-11", "", "TLN", "", "", "", "TEA-1", "1", "1.00", ""],
        ["B-12", "2025-03-01", "", "", "", "", "", "", "", ""],
        ["G-1", "2025-03-01", "TLN", "+37251234567", "", "", "TEA-1", "1", "4.00", ""],
    ]
    with tenant_context(alpha.tenant):
        before = state()
        result = check(rows)
        assert outcomes(result) == {
            "B-1": ("refuse", ["Row 2: store: there is no store with the code “XXX”."]),
            "B-2": ("refuse", ["Row 3: product: there is no product with the SKU or EAN “NOPE”."]),
            "B-3": (
                "refuse",
                ["Row 4: product: “Old tea” (SKU OLD-1) is not active; make it active to import its sales."],
            ),
            "B-4": ("refuse", ["Row 5: quantity: “0” is not a quantity: it must be more than zero."]),
            "B-5": ("refuse", ["Row 6: unit_price: “1.005” has more decimals than the currency (2)."]),
            "B-6": ("refuse", ["Row 7: unit_price: “-2” is negative: a price cannot be."]),
            "B-7": ("refuse", ["Row 8: date: “2999-01-01” is in the future."]),
            "B-8": (
                "refuse",
                ["Row 9: date: “31.02.2025” is not a date (use 2024-12-31 14:30 or 31.12.2024 14:30)."],
            ),
            "B-9": ("refuse", ["Row 10: kind: “order” is neither receipt nor invoice."]),
            "B-10": (
                "refuse",
                [
                    "Row 12: date: “2025-03-02” differs from “2025-03-01” on row 11 of the same document.",
                    "Row 12: quantity: “1.2345” has more than three decimals.",
                    "Row 12: unit_price: “abc” is not a number.",
                ],
            ),
            "row 13": ("refuse", ["Row 13: document: the document is missing."]),
            "B-11": ("refuse", ["Row 14: date: the date is missing."]),
            "B-12": (
                "refuse",
                [
                    "Row 15: store: the store is missing.",
                    "Row 15: product: the product is missing.",
                    "Row 15: quantity: the quantity is missing.",
                    "Row 15: unit_price: the price paid is missing.",
                ],
            ),
            "G-1": ("import", []),
        }
        assert result.counts == {"import": 1, "skip": 0, "refuse": 13}
        assert state() == before
        with pytest.raises(ImportRefused) as refused:
            execute(rows)
        assert refused.value.messages == [
            "13 documents are refused; nothing was imported. Correct them and upload the file again."
        ]
        assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"document,date,store,product,quantity\n1,2025-01-01,TLN,TEA-1,1\n",
            "“history.csv” has neither a column “unit_price” nor “line_total”: one of them must say what was paid.",
        ),
        (
            b"document,date,store,product,unit_price\n1,2025-01-01,TLN,TEA-1,1\n",
            "“history.csv” has no column “quantity”. The first row must name the columns: document, date, store, "
            "phone, email, customer_number, customer_code, product, quantity, unit_price, line_total, kind.",
        ),
        (
            b"document,date,store,product,quantity,unit_price\n",
            "“history.csv” has column names but no rows below them.",
        ),
    ],
)
def test_a_file_without_the_columns_or_rows_is_refused(alpha, history_shop, content, message):
    with tenant_context(alpha.tenant):
        with pytest.raises(ValidationError) as refused:
            sales_history_check(binary=io.BytesIO(content), name="history.csv")
        assert refused.value.messages == [message]


@pytest.mark.django_db
def test_the_same_document_id_in_two_stores_is_two_documents(alpha, history_shop):
    rows = [
        HEADER,
        ["1001", "2025-03-01 10:00", "TLN", "", "", "", "TEA-1", "1", "4.00", ""],
        ["1001", "2025-03-01 10:05", "TRT", "", "", "", "CUP-1", "1", "10.00", ""],
        ["1001", "2025-03-01 10:00", "tln", "", "", "", "CUP-1", "2", "10.00", ""],
    ]
    with tenant_context(alpha.tenant):
        result = execute(rows)
        assert [(document.store.code, document.rows, document.total) for document in result.documents] == [
            ("TLN", [2, 4], Decimal("24.00")),
            ("TRT", [3], Decimal("10.00")),
        ]
        assert sorted(SalesDocument.objects.values_list("store__code", "number", "total")) == [
            ("TLN", "1001", Decimal("24.00")),
            ("TRT", "1001", Decimal("10.00")),
        ]


# --- the import --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_registers_each_document_as_a_sale_and_updates_the_purchase_figures(alpha, history_shop):
    with tenant_context(alpha.tenant):
        result = execute(good_rows(history_shop))
        assert result.is_written
        sales = {sale.number: sale for sale in SalesDocument.objects.select_related("customer", "store")}
        assert sorted(sales) == ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6"]
        assert {number: (sale.store.code, sale.kind, sale.customer, sale.total) for number, sale in sales.items()} == {
            "R-1": ("TLN", "receipt", history_shop.mari, Decimal("16.00")),
            "R-2": ("TRT", "invoice", history_shop.jaan, Decimal("6.00")),
            "R-3": ("TLN", "receipt", history_shop.kati, Decimal("10.00")),
            "R-4": ("TLN", "receipt", None, Decimal("4.00")),
            "R-5": ("TLN", "receipt", None, Decimal("24.00")),
            "R-6": ("TLN", "receipt", None, Decimal("10.00")),
        }
        assert sales["R-1"].occurred_at == local(2025, 3, 1, 10, 15)
        assert sales["R-2"].payment_status == "paid" and sales["R-2"].paid_amount == Decimal("6.00")
        assert list(
            sales["R-1"].lines.values_list("product__sku", "quantity", "list_price", "unit_price", "discount_source")
        ) == [
            ("TEA-1", Decimal("2.000"), Decimal("4.00"), Decimal("3.50"), "manual"),
            ("CUP-1", Decimal("1.000"), Decimal("10.00"), Decimal("9.00"), "manual"),
        ]
        assert list(sales["R-2"].lines.values_list("quantity", "line_total")) == [(Decimal("1.500"), Decimal("6.00"))]
        # Registered oldest first: their ids follow their dates.
        assert list(SalesDocument.objects.order_by("pk").values_list("number", flat=True)) == [
            "R-1",
            "R-2",
            "R-3",
            "R-4",
            "R-5",
            "R-6",
        ]
        figures = {
            customer.first_name: (
                customer.purchase_count,
                customer.purchase_total,
                customer.first_purchase_at,
                customer.last_purchase_at,
            )
            for customer in Customer.objects.all()
        }
        assert figures == {
            "Mari": (1, Decimal("16.00"), local(2025, 3, 1, 10, 15), local(2025, 3, 1, 10, 15)),
            "Jaan": (1, Decimal("6.00"), local(2025, 3, 5, 18, 40), local(2025, 3, 5, 18, 40)),
            "Kati": (1, Decimal("10.00"), local(2025, 3, 7), local(2025, 3, 7)),
        }


def written() -> tuple:
    """Every column an import writes, without ids and creation times: the documents, their lines,
    the customers' figures, and the points (none)."""
    from loyalty.models import EarnedLine, PointsEntry

    document_fields = [
        field.attname for field in SalesDocument._meta.concrete_fields if field.attname not in ("id", "created_at")
    ]
    line_fields = [
        field.attname for field in SalesLine._meta.concrete_fields if field.attname not in ("id", "document_id")
    ]
    return (
        sorted(SalesDocument.objects.values_list(*document_fields)),
        sorted(SalesLine.objects.values_list("document__number", *line_fields)),
        state(),
        PointsEntry.objects.count(),
        EarnedLine.objects.count(),
    )


class _RolledBack(Exception):
    pass


@pytest.mark.django_db
def test_the_set_based_import_writes_what_sale_register_writes(alpha, history_shop):
    """The import writes all documents at once (sales.services.history_write); registering the
    same documents one by one through sale_register with the source "import" gives the same rows."""
    from sales.services.sales import SaleSource
    from staff.models import User

    rows = good_rows(history_shop)
    rows.append(["R-7", "2025-03-11 11:00", "TLN", "", "mari@example.com", "", "TEA-1", "2.5", "4.00", ""])
    rows.append(["R-8", "2025-03-12 12:00", "TRT", "", "", str(history_shop.jaan.pk), "CUP-1", "1", "11.00", "invoice"])
    with tenant_context(alpha.tenant):
        Customer.objects.filter(pk=history_shop.jaan.pk).update(payment_terms_days=14)
        admin = User.objects.get(username=alpha.admin.username)
        before = written()
        documents = sorted(check(rows).to_import, key=lambda document: (document.occurred_at, document.first_row))
        try:
            with transaction.atomic():
                for document in documents:
                    sale_register(
                        store=document.store,
                        customer=Customer.objects.get(pk=document.customer.pk) if document.customer else None,
                        kind=document.kind,
                        occurred_at=document.occurred_at,
                        number=document.number,
                        acting_user=admin,
                        lines=[LineInput(line.product.sku, line.quantity, line.unit_price) for line in document.lines],
                        source=SaleSource.IMPORT,
                    )
                by_sale_register = written()
                raise _RolledBack
        except _RolledBack:
            pass
        assert written() == before
        execute(rows, acting_user=admin)
        assert written() == by_sale_register
        # The rows compared are real: eight documents, among them an invoice due in 14 days.
        assert len(by_sale_register[0]) == 8
        assert SalesDocument.objects.get(number="R-8").due_date == datetime.date(2025, 3, 26)
        assert Customer.objects.get(pk=history_shop.mari.pk).purchase_count == 2


@pytest.mark.django_db
def test_a_line_total_is_the_amount_paid_whatever_the_quantity(alpha, history_shop):
    """3 for 43.99 has no unit price of two decimals: the line keeps 43.99, shows 14.66 a unit."""
    rows = [
        ["document", "date", "store", "email", "product", "quantity", "unit_price", "line_total"],
        ["L-1", "2025-04-01 10:00", "TLN", "mari@example.com", "CUP-1", "3", "", "29.99"],
        ["L-1", "2025-04-01 10:00", "TLN", "", "TEA-1", "2", "3.90", ""],
        ["L-2", "2025-04-02 10:00", "TLN", "", "TEA-1", "1", "", ""],
        ["L-3", "2025-04-02 11:00", "TLN", "", "TEA-1", "1", "", "x"],
    ]
    with tenant_context(alpha.tenant):
        before = state()
        result = outcomes(check(rows))
        assert result["L-2"] == ("refuse", ["Row 4: unit_price: the price paid and the line total are missing."])
        assert result["L-3"] == ("refuse", ["Row 5: line_total: “x” is not a number."])
        with pytest.raises(ImportRefused):
            execute(rows)
        assert state() == before
        execute(rows[:3])
        sale = SalesDocument.objects.get(number="L-1")
        assert list(sale.lines.order_by("pk").values_list("quantity", "unit_price", "line_total", "discount")) == [
            (Decimal("3.000"), Decimal("10.00"), Decimal("29.99"), Decimal("0.01")),
            (Decimal("2.000"), Decimal("3.90"), Decimal("7.80"), Decimal("0.20")),
        ]
        assert (sale.total, sale.discount_total) == (Decimal("37.79"), Decimal("0.21"))
        mari = Customer.objects.get(pk=history_shop.mari.pk)
        assert (mari.purchase_count, mari.purchase_total) == (1, Decimal("37.79"))


@pytest.mark.django_db
def test_a_customer_number_from_the_old_system_finds_the_customer_first(alpha, beta, history_shop):
    """The retailer's own number wins over the other keys, whatever its case; another retailer's
    customer of the same number is never matched."""
    with tenant_context(beta.tenant):
        CustomerFactory(first_name="Beta", last_name="Number", number="K-77")
    with tenant_context(alpha.tenant):
        Customer.objects.filter(pk=history_shop.jaan.pk).update(number="K-1001")
        rows = [
            ["document", "date", "store", "customer_number", "email", "product", "quantity", "unit_price"],
            ["N-1", "2025-05-01 10:00", "TLN", "k-1001", "mari@example.com", "TEA-1", "1", "4.00"],
            ["N-2", "2025-05-02 10:00", "TLN", "K-77", "", "TEA-1", "1", "4.00"],
        ]
        result = check(rows)
        by_number = {document.number: document for document in result.documents}
        assert (by_number["N-1"].customer, by_number["N-1"].matched_by) == (history_shop.jaan, "customer number")
        assert by_number["N-2"].customer is None
        assert by_number["N-2"].reasons == [
            "No customer matches (customer number K-77): the sale is imported without a customer."
        ]
        execute(rows)
        jaan = Customer.objects.get(pk=history_shop.jaan.pk)
        assert (jaan.purchase_count, jaan.purchase_total) == (1, Decimal("4.00"))
        assert Customer.objects.get(pk=history_shop.mari.pk).purchase_count == 0
    with tenant_context(beta.tenant):
        assert Customer.objects.get(number="K-77").purchase_count == 0
        assert SalesDocument.objects.count() == 0


@pytest.mark.django_db
def test_importing_the_same_file_again_adds_nothing(alpha, history_shop):
    with tenant_context(alpha.tenant):
        execute(good_rows(history_shop))
        after_first = state()
        result = check(good_rows(history_shop))
        assert outcomes(result)["R-1"] == ("skip", ["Store TLN has the document “R-1” already."])
        assert outcomes(result)["R-2"] == ("skip", ["Store TRT has the document “R-2” already."])
        assert result.counts == {"import": 0, "skip": 6, "refuse": 0}
        again = execute(good_rows(history_shop))
        assert again.counts == {"import": 0, "skip": 6, "refuse": 0}
        assert state() == after_first


@pytest.mark.django_db
def test_imported_past_sales_earn_no_points_and_their_returns_take_none_back(alpha, shop, history_shop):
    """Balances from the old system come in as opening balances (the customer import); points on
    the history as well would count them twice."""
    from loyalty.models import EarnedLine, PointsEntry, Programme

    with tenant_context(alpha.tenant):
        Programme.objects.update_or_create(pk=1, defaults={"is_enabled": True, "points_per_unit": Decimal("1")})
        # A sale registered otherwise earns, so the programme is running.
        sale_register(store=shop.store, customer=history_shop.mari, lines=[LineInput("CUP-1", Decimal("1"))])
        earned = list(PointsEntry.objects.values_list("customer_id", "kind", "points"))
        assert earned == [(history_shop.mari.pk, "earn", 10)]

        execute(good_rows(history_shop))

        assert list(PointsEntry.objects.values_list("customer_id", "kind", "points")) == earned
        imported = SalesDocument.objects.filter(number__startswith="R-")
        assert imported.filter(customer__isnull=False).count() == 3
        assert not EarnedLine.objects.filter(sale_line__document__in=imported).exists()
        sale = imported.get(number="R-1")
        return_register(sale=sale, lines=[ReturnLineInput(sale.lines.first().pk, Decimal("1"))])
        assert list(PointsEntry.objects.values_list("customer_id", "kind", "points")) == earned


@pytest.mark.django_db
def test_a_document_number_the_store_has_from_elsewhere_is_skipped_and_the_rest_imported(alpha, shop, history_shop):
    with tenant_context(alpha.tenant):
        sale_register(store=shop.store, number="R-5", lines=[LineInput("CUP-1", Decimal("1"))])
        # The same number in another store is another document.
        sale_register(store=history_shop.tartu, number="R-1", lines=[LineInput("CUP-1", Decimal("1"))])
        result = execute(good_rows(history_shop))
        assert result.counts == {"import": 5, "skip": 1, "refuse": 0}
        assert SalesDocument.objects.filter(number="R-5").count() == 1
        assert SalesDocument.objects.filter(number="R-1").count() == 2


# --- pages, rights, tenancy --------------------------------------------------------------------


def upload(client, content: bytes, name: str = "history.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def import_id_of(response) -> int:
    assert response.status_code == 302, response.content.decode()[:3000]
    return int(response["Location"].removeprefix(URL).strip("/"))


def work(setup) -> None:
    """What the worker does with the imports waiting for it, here in the test's transaction (which
    a worker process cannot see; test_the_worker_checks_and_imports_a_file runs the real one)."""
    with tenant_context(setup.tenant):
        for history in HistoryImport.objects.filter(status__in=["checking", "importing"]).order_by("pk"):
            run = history_import_check if history.status == "checking" else history_import_execute
            run(import_id=history.pk, tenant=setup.tenant)


@pytest.mark.django_db
def test_upload_check_and_import_through_the_pages_then_again(alpha, history_shop, uploads_cleaned, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    assert client.get(URL).status_code == 200
    content = csv_bytes(good_rows(history_shop))
    import_id = import_id_of(upload(client, content))
    assert "The file is being checked." in client.get(f"{URL}{import_id}/").content.decode()
    # While the worker has it, the page asks for its status again, and gets just that.
    polled = client.get(f"{URL}{import_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="checking"' in polled and "<html" not in polled
    work(alpha)
    assert client.get(f"{URL}{import_id}/", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    text = client.get(f"{URL}{import_id}/").content.decode()
    assert "Import now" in text
    assert "No customer in the file: the sale is imported without a customer." in text
    with tenant_context(alpha.tenant):
        before = state()
    assert client.post(f"{URL}{import_id}/import/").status_code == 302
    with tenant_context(alpha.tenant):
        assert state() == before  # the worker writes, not the request
    work(alpha)
    text = client.get(f"{URL}{import_id}/").content.decode()
    assert "6 sales are imported (7 lines, 3 with a customer)." in text
    assert "history.csv" in client.get(URL).content.decode()
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.count() == before[0] + 6
        assert set(SalesDocument.objects.values_list("author__username", flat=True)) == {"admin"}
        after = state()
    # The same file again: nothing to import, no button, nothing written.
    import_id = import_id_of(upload(client, content))
    work(alpha)
    text = client.get(f"{URL}{import_id}/").content.decode()
    assert "There is nothing to import: every document of the file is in the stores already." in text
    assert "Import now" not in text
    response = client.post(f"{URL}{import_id}/import/", follow=True)
    assert "Only a checked file with documents to import and none refused can be imported." in (
        response.content.decode()
    )
    work(alpha)
    with tenant_context(alpha.tenant):
        assert state() == after


@pytest.mark.django_db
def test_a_refused_import_through_the_pages_writes_nothing(alpha, history_shop, uploads_cleaned, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    rows = [*good_rows(history_shop), ["R-9", "2025-03-01", "NOPE", "", "", "", "TEA-1", "1", "1.00", ""]]
    import_id = import_id_of(upload(client, csv_bytes(rows)))
    work(alpha)
    text = client.get(f"{URL}{import_id}/").content.decode()
    assert "Row 9: store: there is no store with the code “NOPE”." in text
    assert "1 document is refused." in text
    assert "Import now" not in text
    refused = client.get(f"{URL}{import_id}/refused.csv")
    assert refused["Content-Disposition"] == 'attachment; filename="history-refused.csv"'
    assert list(csv.reader(io.StringIO(refused.content.decode("utf-8-sig")))) == [
        ["Document", "Rows", "Reason"],
        ["R-9", "9", "Row 9: store: there is no store with the code “NOPE”."],
    ]
    with tenant_context(alpha.tenant):
        before = state()
    response = client.post(f"{URL}{import_id}/import/", follow=True)
    assert "Only a checked file with documents to import and none refused can be imported." in (
        response.content.decode()
    )
    work(alpha)
    with tenant_context(alpha.tenant):
        assert state() == before
        assert HistoryImport.objects.get(pk=import_id).status == "checked"


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_is_refused_at_the_upload_and_nothing_is_kept(
    alpha, history_shop, uploads_cleaned, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    response = upload(client, b"document,date\n", name="history.csv")
    assert response.status_code == 400
    assert "“history.csv” has no columns “store”, “product”, “quantity”." in response.content.decode()
    response = upload(client, b"hello", name="history.txt")
    assert response.status_code == 400
    assert "“history.txt” is neither a .csv nor an .xlsx file." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_marketers_and_cashiers_may_not_import_sales(alpha, history_shop, uploads_cleaned, tenant_client):
    import_id = import_id_of(upload(tenant_client(alpha, alpha.admin), csv_bytes(good_rows(history_shop))))
    work(alpha)
    with tenant_context(alpha.tenant):
        before = state()
    for login in (alpha.marketer, alpha.cashier):
        client = tenant_client(alpha, login)
        assert client.get(URL).status_code == 403
        assert upload(client, csv_bytes(good_rows(history_shop))).status_code == 403
        assert client.get(f"{URL}{import_id}/").status_code == 403
        assert client.get(f"{URL}{import_id}/refused.csv").status_code == 403
        assert client.post(f"{URL}{import_id}/import/").status_code == 403
    work(alpha)
    with tenant_context(alpha.tenant):
        assert state() == before
        assert list(HistoryImport.objects.values_list("status", flat=True)) == ["checked"]


@pytest.mark.django_db
def test_another_retailer_sees_none_of_the_imported_sales(alpha, beta, history_shop, uploads_cleaned, tenant_client):
    alpha_client = tenant_client(alpha, alpha.admin)
    import_id = import_id_of(upload(alpha_client, csv_bytes(good_rows(history_shop))))
    work(alpha)
    beta_client = tenant_client(beta, beta.admin)
    assert beta_client.get(f"{URL}{import_id}/").status_code == 404
    assert beta_client.get(f"{URL}{import_id}/refused.csv").status_code == 404
    assert beta_client.post(f"{URL}{import_id}/import/").status_code == 404
    assert "history.csv" not in beta_client.get(URL).content.decode()
    assert alpha_client.post(f"{URL}{import_id}/import/").status_code == 302
    work(alpha)
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(number__startswith="R-").count() == 6
    with tenant_context(beta.tenant):
        assert not SalesDocument.objects.exists()
        assert not Store.objects.filter(code="TLN").exists()
        assert not Customer.objects.filter(purchase_count__gt=0).exists()
    # Beta's own import cannot reach alpha's stores or customers either.
    import_id = import_id_of(upload(beta_client, csv_bytes(good_rows(history_shop))))
    work(beta)
    text = beta_client.get(f"{URL}{import_id}/").content.decode()
    assert "Row 2: store: there is no store with the code “TLN”." in text
