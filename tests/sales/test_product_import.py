"""The product import: EAN checks, the dry run's outcomes and reasons, the all-or-nothing import,
the pages, rights and tenancy."""

import csv
import io
import shutil
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from sales.models import Product, ProductGroup
from sales.rules import ean_clean, money_clean
from sales.services.importing import ImportRefused
from sales.services.product_import import product_import_check, product_import_execute
from tests.factories import ProductFactory, ProductGroupFactory

URL = "/settings/sales/import/products/"
HEADER = ["sku", "ean", "name", "group", "list_price", "vat_rate", "active"]
GREEN_TEA_EAN = "4740000000018"


def csv_bytes(rows: list[list], *, delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def check(rows: list[list], name: str = "products.csv"):
    return product_import_check(binary=io.BytesIO(csv_bytes(rows)), name=name)


def execute(rows: list[list], name: str = "products.csv"):
    return product_import_execute(binary=io.BytesIO(csv_bytes(rows)), name=name)


def outcomes(result) -> dict[int, tuple[str, str]]:
    return {row.number: (row.outcome, row.reason) for row in result.rows}


def catalogue() -> tuple:
    """Everything the import could change, to compare before and after."""
    return (
        sorted(Product.objects.values_list("sku", "ean", "name", "group__name", "list_price", "vat_rate", "is_active")),
        sorted(ProductGroup.objects.values_list("name", "parent__name")),
    )


@dataclass(frozen=True)
class Catalogue:
    drinks: ProductGroup
    tea: ProductGroup  # Tea, under Drinks
    green: Product  # TEA-1 "Green tea", GREEN_TEA_EAN, 4.00, VAT 22 %, in Tea


@pytest.fixture
def product_catalogue(alpha) -> Catalogue:
    """The one product the imports meet (the tests compare every product of the tenant, so this
    is not the shop, whose other products would be in every comparison)."""
    with tenant_context(alpha.tenant):
        drinks = ProductGroupFactory(name="Drinks")
        tea = ProductGroupFactory(name="Tea", parent=drinks)
        return Catalogue(
            drinks=drinks,
            tea=tea,
            green=ProductFactory(
                sku="TEA-1", ean=GREEN_TEA_EAN, name="Green tea", group=tea, list_price="4.00", vat_rate="22"
            ),
        )


@pytest.fixture
def uploads_cleaned():
    yield
    for schema in ("alpha", "beta"):
        shutil.rmtree(settings.MEDIA_ROOT / schema / "sales-imports", ignore_errors=True)


# --- EAN and prices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("4006381333931", "4006381333931"), ("96385074", "96385074"), (" 4006 3813 33931 ", "4006381333931"), ("", "")],
)
def test_ean_clean_takes_ean13_and_ean8_with_their_check_digit(raw, expected):
    assert ean_clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("4006381333932", "“4006381333932” is not a valid EAN barcode: its check digit is 2, it should be 1."),
        ("96385070", "“96385070” is not a valid EAN barcode: its check digit is 0, it should be 4."),
        ("12345", "“12345” is not an EAN barcode: it has 5 digits, an EAN has 8 or 13."),
        ("40063813339310", "“40063813339310” is not an EAN barcode: it has 14 digits, an EAN has 8 or 13."),
        ("40063813339A1", "“40063813339A1” is not an EAN barcode: it may hold digits only."),
        ("４００６３８１３３３９３１", "“４００６３８１３３３９３１” is not an EAN barcode: it may hold digits only."),
    ],
)
def test_ean_clean_names_the_problem(raw, message):
    with pytest.raises(ValidationError) as refused:
        ean_clean(raw)
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("raw", "expected"), [("4.50", Decimal("4.50")), ("4,5", Decimal("4.5")), (" 12 ", Decimal("12")), ("", None)]
)
def test_money_clean_reads_prices(raw, expected):
    assert money_clean(raw) == expected


# --- the dry run -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dry_run_says_what_happens_to_every_row_and_writes_nothing(alpha, product_catalogue):
    rows = [
        HEADER,
        ["NEW-1", "4006381333931", "Black tea", "Drinks / tea", "3.50", "22", "yes"],
        ["TEA-1", "", "Green tea, loose", "", "4.20", "", ""],
        ["NEW-2", "96385074", "Cup", "Kitchen / Cups", "4,50", "24", "no"],
        ["", "", "No code", "", "1.00", "", ""],
        ["BAD-1", "", "", "", "1.00", "", ""],
        ["BAD-2", "", "Negative", "", "-1.00", "", ""],
        ["BAD-3", "", "Text price", "", "abc", "", ""],
        ["BAD-4", "", "Three decimals", "", "1.005", "", ""],
        ["BAD-5", "4006381333932", "Bad check digit", "", "1.00", "", ""],
        ["BAD-6", "12345", "Short barcode", "", "1.00", "", ""],
        ["NEW-1", "", "Black tea again", "", "3.60", "", ""],
        ["BAD-7", GREEN_TEA_EAN, "Someone else's barcode", "", "1.00", "", ""],
        ["BAD-8", "", "No price", "", "", "", ""],
        ["BAD-9", "", "Odd VAT", "", "1.00", "150", ""],
        ["BAD-10", "", "Active?", "", "1.00", "", "maybe"],
        ["BAD-11", "", "Empty group name", "Drinks // Tea", "1.00", "", ""],
        ["", "96385074", "", "", "", "", ""],
        ["NEW-3", "96385074", "Same barcode as row 4", "", "2.00", "", ""],
    ]
    with tenant_context(alpha.tenant):
        before = catalogue()
        result = check(rows)
        assert outcomes(result) == {
            2: ("create", ""),
            3: ("update", "Changes: name, list price."),
            4: ("create", "New product group “Kitchen / Cups”."),
            5: ("refuse", "sku: the SKU is missing."),
            6: ("refuse", "name: the name is missing."),
            7: ("refuse", "list_price: “-1.00” is negative: a price cannot be."),
            8: ("refuse", "list_price: “abc” is not a number."),
            9: ("refuse", "list_price: “1.005” has more decimals than the currency (2)."),
            10: (
                "refuse",
                "ean: “4006381333932” is not a valid EAN barcode: its check digit is 2, it should be 1.",
            ),
            11: ("refuse", "ean: “12345” is not an EAN barcode: it has 5 digits, an EAN has 8 or 13."),
            12: ("refuse", "sku: “NEW-1” is also on row 2."),
            13: ("refuse", "ean: “4740000000018” is the barcode of “Green tea” (SKU TEA-1) already."),
            14: ("refuse", "list_price: a new product needs a list price."),
            15: ("refuse", "vat_rate: “150” is not a VAT rate: it must be from 0 to 100 (per cent)."),
            16: ("refuse", "active: “maybe” is not yes or no."),
            17: ("refuse", "group: “Drinks // Tea” is not a group path: a name between the “/” is empty."),
            18: (
                "refuse",
                "sku: the SKU is missing. name: the name is missing. ean: “96385074” is also on row 4.",
            ),
            19: ("refuse", "ean: “96385074” is also on row 4."),
        }
        assert result.counts == {"create": 2, "update": 1, "refuse": 15}
        assert result.new_groups == ["Kitchen", "Kitchen / Cups"]
        assert not result.is_importable
        assert catalogue() == before


@pytest.mark.django_db
def test_a_file_with_a_refused_row_is_not_imported_at_all(alpha, product_catalogue):
    rows = [
        HEADER,
        ["NEW-1", "", "Black tea", "Herbs", "3.50", "", ""],
        ["TEA-1", "", "Green tea, loose", "", "4.20", "", ""],
        ["BAD-1", "", "Three decimals", "", "1.005", "", ""],
    ]
    with tenant_context(alpha.tenant):
        before = catalogue()
        with pytest.raises(ImportRefused) as refused:
            execute(rows)
        assert refused.value.messages == [
            "1 row is refused; nothing was imported. Correct it and upload the file again."
        ]
        assert outcomes(refused.value.result)[4] == (
            "refuse",
            "list_price: “1.005” has more decimals than the currency (2).",
        )
        assert catalogue() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "products.txt",
            b"sku,name\nA,B\n",
            "“products.txt” is neither a .csv nor an .xlsx file. Save the table as CSV UTF-8 or as an Excel workbook.",
        ),
        ("products.csv", b"", "The first row of “products.csv” is empty: it must hold the column names."),
        (
            "products.csv",
            b"code;title;price\nA;B;1\n",
            "“products.csv” has no column “name”. The first row must name the columns: "
            "sku, ean, name, group, list_price, vat_rate, active.",
        ),
        (
            "products.csv",
            b"ean,price\n96385074,1\n",
            "“products.csv” has no columns “sku”, “name”. The first row must name the columns: "
            "sku, ean, name, group, list_price, vat_rate, active.",
        ),
        ("products.csv", b"sku,name,SKU\n", "“products.csv” has two columns for “sku”: “sku” and “SKU”."),
        ("products.csv", b"sku,name\n,\n", "“products.csv” has column names but no rows below them."),
        (
            "products.csv",
            b"sku,name\nA,\xff\n",
            "“products.csv” is not UTF-8 text (row 2). Save it as “CSV UTF-8” and upload it again.",
        ),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_the_reason(alpha, product_catalogue, name, content, message):
    with tenant_context(alpha.tenant):
        before = catalogue()
        with pytest.raises(ValidationError) as refused:
            product_import_check(binary=io.BytesIO(content), name=name)
        assert refused.value.messages == [message]
        with pytest.raises(ValidationError):
            product_import_execute(binary=io.BytesIO(content), name=name)
        assert catalogue() == before


# --- the import --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_writes_every_row_and_the_missing_groups(alpha, product_catalogue):
    rows = [
        ["Name", "SKU", "List price", "EAN", "Group", "VAT rate", "Active", "Supplier"],
        ["Black tea", "NEW-1", "3.50", "4006381333931", "Drinks / tea", "22", "yes", "Tea Ltd"],
        ["Green tea, loose", "TEA-1", "4.20", "", "", "", "", ""],
        ["Cup", "NEW-2", "4,50", "96385074", "Kitchen / Cups", "24", "no", ""],
        ["Saucer", "NEW-3", "2.00", "", "kitchen / cups / Saucers", "", "", ""],
    ]
    with tenant_context(alpha.tenant):
        result = product_import_execute(binary=io.BytesIO(xlsx_bytes(rows)), name="products.xlsx")
        assert result.is_written
        assert result.counts == {"create": 3, "update": 1, "refuse": 0}
        assert result.ignored_columns == ["Supplier"]
        assert result.new_groups == ["Kitchen", "Kitchen / Cups", "Kitchen / Cups / Saucers"]
        products = {
            product.sku: (product.ean, product.name, product.group_id, product.list_price, product.vat_rate)
            for product in Product.objects.all()
        }
        kitchen = ProductGroup.objects.get(name="Kitchen", parent=None)
        cups = ProductGroup.objects.get(name="Cups", parent=kitchen)
        saucers = ProductGroup.objects.get(name="Saucers", parent=cups)
        assert products == {
            "NEW-1": ("4006381333931", "Black tea", product_catalogue.tea.pk, Decimal("3.50"), Decimal("22.00")),
            # Empty cells leave the stored EAN, group and VAT rate as they are.
            "TEA-1": (GREEN_TEA_EAN, "Green tea, loose", product_catalogue.tea.pk, Decimal("4.20"), Decimal("22.00")),
            "NEW-2": ("96385074", "Cup", cups.pk, Decimal("4.50"), Decimal("24.00")),
            "NEW-3": (None, "Saucer", saucers.pk, Decimal("2.00"), Decimal("22.00")),
        }
        assert dict(Product.objects.values_list("sku", "is_active")) == {
            "NEW-1": True,
            "TEA-1": True,
            "NEW-2": False,
            "NEW-3": True,
        }
        assert ProductGroup.objects.count() == 5

        # The same file again changes nothing and says so.
        before = catalogue()
        again = product_import_execute(binary=io.BytesIO(xlsx_bytes(rows)), name="products.xlsx")
        assert {row.reason for row in again.rows} == {"Nothing changes."}
        assert again.counts == {"create": 0, "update": 4, "refuse": 0}
        assert catalogue() == before


# --- pages, rights, tenancy --------------------------------------------------------------------


def upload(client, content: bytes, name: str = "products.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:3000]
    location = response["Location"]
    assert location.startswith(URL), location
    return location.removeprefix(URL).strip("/")


@pytest.mark.django_db
def test_upload_check_and_import_through_the_pages(alpha, product_catalogue, uploads_cleaned, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    assert client.get(URL).status_code == 200
    token = token_of(upload(client, csv_bytes([HEADER, ["NEW-1", "", "Black tea", "Herbs / Black", "3.50", "", ""]])))
    page = client.get(f"{URL}{token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Import now" in text and "New product group “Herbs / Black”." in text
    with tenant_context(alpha.tenant):
        assert not Product.objects.filter(sku="NEW-1").exists()
    response = client.post(f"{URL}{token}/import/", follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "“products.csv” is imported: 1 product created, 0 products updated, 2 product groups created." in (
        response.content.decode()
    )
    with tenant_context(alpha.tenant):
        assert Product.objects.get(sku="NEW-1").group.parent.name == "Herbs"
    # The upload is gone once imported.
    assert client.get(f"{URL}{token}/").status_code == 404
    assert not (settings.MEDIA_ROOT / "alpha" / "sales-imports" / f"{token}.csv").exists()


@pytest.mark.django_db
def test_the_pages_show_refused_rows_and_a_refused_import_writes_nothing(
    alpha, product_catalogue, uploads_cleaned, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    content = csv_bytes(
        [HEADER, ["NEW-1", "", "Black tea", "", "3.50", "", ""], ["BAD", "", "Minus", "", "-2", "", ""]]
    )
    token = token_of(upload(client, content))
    text = client.get(f"{URL}{token}/").content.decode()
    assert "1 row is refused." in text
    assert "list_price: “-2” is negative: a price cannot be." in text
    assert "Import now" not in text
    with tenant_context(alpha.tenant):
        before = catalogue()
    response = client.post(f"{URL}{token}/import/")
    assert response.status_code == 400
    assert "1 row is refused; nothing was imported. Correct it and upload the file again." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert catalogue() == before


@pytest.mark.django_db
def test_an_unreadable_file_is_refused_on_the_upload_form(alpha, uploads_cleaned, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = upload(client, b"just text", name="products.txt")
    assert response.status_code == 400
    assert "“products.txt” is neither a .csv nor an .xlsx file." in response.content.decode()


@pytest.mark.django_db
def test_marketers_and_cashiers_may_not_import_products(alpha, product_catalogue, uploads_cleaned, tenant_client):
    token = token_of(upload(tenant_client(alpha, alpha.admin), csv_bytes([HEADER, ["N", "", "N", "", "1", "", ""]])))
    with tenant_context(alpha.tenant):
        before = catalogue()
    for login in (alpha.marketer, alpha.cashier):
        client = tenant_client(alpha, login)
        assert client.get(URL).status_code == 403
        assert upload(client, csv_bytes([HEADER, ["N", "", "N", "", "1", "", ""]])).status_code == 403
        assert client.get(f"{URL}{token}/").status_code == 403
        assert client.post(f"{URL}{token}/import/").status_code == 403
    with tenant_context(alpha.tenant):
        assert catalogue() == before


@pytest.mark.django_db
def test_another_retailer_sees_neither_the_upload_nor_the_products(
    alpha, beta, product_catalogue, uploads_cleaned, tenant_client
):
    alpha_client = tenant_client(alpha, alpha.admin)
    token = token_of(upload(alpha_client, csv_bytes([HEADER, ["ALPHA-1", "", "Alpha tea", "Alpha", "1", "", ""]])))
    beta_client = tenant_client(beta, beta.admin)
    assert beta_client.get(f"{URL}{token}/").status_code == 404
    assert beta_client.post(f"{URL}{token}/import/").status_code == 404
    assert alpha_client.post(f"{URL}{token}/import/").status_code == 302
    with tenant_context(alpha.tenant):
        assert Product.objects.filter(sku="ALPHA-1").exists()
    with tenant_context(beta.tenant):
        assert not Product.objects.filter(sku__in=["ALPHA-1", "TEA-1"]).exists()
        assert not ProductGroup.objects.filter(name="Alpha").exists()
