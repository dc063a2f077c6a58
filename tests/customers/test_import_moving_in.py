"""The customer import of a retailer moving in: the customer number as a key, every problem of a
row in one dry run, and the presets that map Shopify's and Odoo's exports.

The dry run and the import are called as their Celery tasks call them, in the test's
transaction, so that nothing is committed (tests/customers/test_import.py runs the real worker).
"""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, ImportBatch, ImportRow
from customers.services.import_columns import import_columns
from customers.services.importing import (
    import_batch_check,
    import_batch_create,
    import_batch_execute,
    import_batch_map,
    import_batch_start,
)
from loyalty.models import Card
from loyalty.services import import_columns as loyalty_import_columns
from loyalty.services.cards import card_batch_generate
from staff.models import User
from tests.factories import CardTypeFactory, CustomerFactory

pytestmark = pytest.mark.django_db
IMPORT_URL = "/customers/import/"
UPLOADED: list[ImportBatch] = []


def csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


@pytest.fixture(autouse=True)
def uploads_cleaned(alpha, beta):
    """Delete the files of the test's batches."""
    yield
    while UPLOADED:
        tenant, batch = UPLOADED.pop()
        with tenant_context(tenant):
            batch.file.storage.delete(batch.file.name)


def upload(tenant, rows: list[list], *, name: str = "customers.csv") -> ImportBatch:
    user = User.objects.get(username="marketer")
    batch = import_batch_create(upload=SimpleUploadedFile(name, csv_bytes(rows)), acting_user=user)
    UPLOADED.append((tenant, batch))
    return batch


def check(setup, rows: list[list], mapping: dict[int, str], *, mode: str = "update") -> ImportBatch:
    """Upload, map and run the dry run of the rows (inside the retailer's context)."""
    batch = upload(setup.tenant, rows)
    import_batch_map(batch=batch, mapping=mapping, duplicate_mode=mode)
    return import_batch_check(batch_id=batch.pk, tenant=setup.tenant)


def execute(setup, batch: ImportBatch) -> ImportBatch:
    import_batch_start(batch=batch, acting_user=batch.created_by)
    return import_batch_execute(batch_id=batch.pk, tenant=setup.tenant)


def outcomes(batch: ImportBatch) -> dict[int, tuple[str, str]]:
    return {row.row_number: (row.outcome, row.reason) for row in ImportRow.objects.filter(batch=batch)}


def directory() -> list[tuple]:
    return [
        *Customer.objects.order_by("pk").values_list("pk", "number", "first_name", "last_name", "email", "city"),
        ("events", CustomerEvent.objects.count()),
    ]


# --- the customer number -------------------------------------------------------------------------

NUMBERED = {0: "number", 1: "first_name", 2: "last_name", 3: "email", 4: "city"}
HEADER = ["Customer number", "First name", "Last name", "E-mail", "City"]


def test_a_row_with_a_customers_number_updates_that_customer_before_any_other_key(alpha):
    with tenant_context(alpha.tenant):
        mari = CustomerFactory(first_name="Mari", last_name="Tamm", number="K-100", email="mari@old.example")
        jaan = CustomerFactory(first_name="Jaan", last_name="Kask", email="jaan@number.example")
        rows = [
            HEADER,
            # Mari's number (in another case) and Jaan's e-mail: the number wins.
            ["k-100", "Mari", "Tamm", "jaan@number.example", "Tartu"],
            ["'K-200", "Anu", "Saar", "anu@number.example", "Pärnu"],  # a new customer (Excel's text mark)
        ]
        batch = check(alpha, rows, NUMBERED)
        assert outcomes(batch) == {
            2: ("update", "Updates Mari Tamm (same customer number)."),
            3: ("create", ""),
        }
        batch = execute(alpha, batch)
        assert (batch.status, batch.created_count, batch.updated_count) == ("imported", 1, 1)
        mari.refresh_from_db()
        jaan.refresh_from_db()
        assert (mari.number, mari.email, mari.city) == ("K-100", "jaan@number.example", "Tartu")
        assert (jaan.number, jaan.city) == ("", "")
        anu = Customer.objects.get(email="anu@number.example")
        assert (anu.number, anu.first_name, anu.city) == ("K-200", "Anu", "Pärnu")
        # The number that matched in another case stays as stored: no change, no history.
        assert not CustomerEvent.objects.filter(customer=mari, field="number").exists()
        # A number given to a customer found by e-mail is written, with its history.
        tiit = CustomerFactory(first_name="Tiit", last_name="Mets", email="tiit@number.example")
        batch = check(alpha, [HEADER, ["K-101", "", "", "tiit@number.example", ""]], NUMBERED)
        assert outcomes(batch) == {2: ("update", "Updates Tiit Mets (same e-mail).")}
        execute(alpha, batch)
        tiit.refresh_from_db()
        assert tiit.number == "K-101"
        assert list(
            CustomerEvent.objects.filter(customer=tiit, source="import").values_list("field", "old_value", "new_value")
        ) == [("number", "", "K-101")]


def test_two_rows_with_one_number_are_both_refused_naming_both_rows_and_nothing_is_written(alpha):
    with tenant_context(alpha.tenant):
        before = directory()
        rows = [
            HEADER,
            ["K-7", "Mari", "Tamm", "mari@twice.example", ""],  # 2
            ["K-8", "Jaan", "Kask", "jaan@twice.example", ""],  # 3
            [" k-7 ", "Anu", "Saar", "anu@twice.example", ""],  # 4
            ["X" * 41, "Tiit", "Mets", "tiit@twice.example", ""],  # 5
        ]
        batch = check(alpha, rows, NUMBERED)
        twice = "Customer number: “%s” is in rows 2, 4 of the file; a customer number belongs to one customer."
        assert outcomes(batch) == {
            2: ("refuse", twice % "K-7"),
            3: ("create", ""),
            4: ("refuse", twice % "k-7"),
            5: (
                "refuse",
                f"Customer number: “{'X' * 41}” is longer than 40 characters: not a customer number.",
            ),
        }
        assert directory() == before
        batch = execute(alpha, batch)
        assert (batch.status, batch.created_count, batch.refused_count) == ("imported", 1, 3)
        assert list(Customer.objects.filter(email__endswith="@twice.example").values_list("number", "email")) == [
            ("K-8", "jaan@twice.example")
        ]


def test_the_mapping_page_chooses_the_number_column_by_its_name_in_any_language(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    for header in ("Customer number", "Kundennummer", "kliendinumber", "Customer No"):
        with tenant_context(alpha.tenant):
            batch = upload(alpha.tenant, [[header, "E-mail"], ["K-1", "a@b.example"]])
        page = client.get(f"{IMPORT_URL}{batch.pk}/mapping/").content.decode()
        column = page.split('name="column_0"')[1].split("</select>")[0]
        assert '<option value="number" selected>' in column, header


def test_a_number_of_another_retailer_is_not_matched_by_an_import(alpha, beta):
    with tenant_context(beta.tenant):
        theirs = CustomerFactory(first_name="Beta", last_name="Klient", number="SHARED-9")
    with tenant_context(alpha.tenant):
        batch = check(alpha, [HEADER, ["SHARED-9", "Alpha", "Klient", "alpha@shared.example", ""]], NUMBERED)
        assert outcomes(batch) == {2: ("create", "")}
        execute(alpha, batch)
        assert Customer.objects.get(number="SHARED-9").first_name == "Alpha"
    with tenant_context(beta.tenant):
        theirs.refresh_from_db()
        assert (theirs.first_name, theirs.email) == ("Beta", "")
        assert Customer.objects.filter(number="SHARED-9").count() == 1


# --- every problem of a row at once --------------------------------------------------------------


def test_the_dry_run_names_a_bad_email_and_a_bad_card_number_of_one_row_together(alpha, shop, tenant_client):
    import_columns.register(loyalty_import_columns.CARD_NUMBER)
    with tenant_context(alpha.tenant):
        card_batch = card_batch_generate(
            card_type=CardTypeFactory(name="Bonus card", prefix="2990"), quantity=2, acting_user=shop.admin
        )
        stock = list(Card.objects.filter(batch=card_batch).order_by("number").values_list("number", flat=True))
        wrong_digit = stock[0][:-1] + str((int(stock[0][-1]) + 1) % 10)
        before = directory()
        cards = dict(Card.objects.values_list("number", "status"))
        rows = [
            ["First name", "Last name", "E-mail", "Phone", "Card number"],
            ["Mari", "Tamm", "not-an-email", "", wrong_digit],  # 2: both wrong
            ["", "", "bad@", "12ab", "1234567890128"],  # 3: e-mail, phone, no name and a foreign card
            ["Jaan", "Kask", "jaan@stages.example", "", stock[1]],  # 4: fine
        ]
        batch = check(alpha, rows, {0: "first_name", 1: "last_name", 2: "email", 3: "phone", 4: "card_number"})
        card_problem = f"“{wrong_digit}” is not a valid EAN-13 number: its check digit should be {stock[0][-1]}."
        assert outcomes(batch) == {
            2: ("refuse", f"E-mail: “not-an-email” is not an e-mail address. Card number: {card_problem}"),
            3: (
                "refuse",
                "E-mail: “bad@” is not an e-mail address. Phone: “12ab” is not a phone number. "
                "Card number: No card type of this retailer has numbers like “1234567890128”; it may be another "
                "retailer's card or mistyped. A person needs a first or a last name.",
            ),
            4: ("create", ""),
        }
        assert (batch.created_count, batch.refused_count) == (1, 2)
        assert directory() == before
        assert dict(Card.objects.values_list("number", "status")) == cards

    # The refused rows' file has every message of a row in its reason.
    response = tenant_client(alpha, alpha.marketer).get(f"{IMPORT_URL}{batch.pk}/refused.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    refused = list(sheet.iter_rows(values_only=True))
    assert refused[0] == ("First name", "Last name", "E-mail", "Phone", "Card number", "Reason", "Row")
    assert refused[1][2] == "not-an-email"
    assert refused[1][5] == f"E-mail: “not-an-email” is not an e-mail address. Card number: {card_problem}"
    assert [row[6] for row in refused[1:]] == [2, 3]


def test_a_refused_row_names_a_key_of_an_earlier_row_beside_its_bad_cells(alpha):
    with tenant_context(alpha.tenant):
        rows = [
            ["First name", "Last name", "E-mail", "Birth date"],
            ["Mari", "Tamm", "mari@stages.example", ""],
            ["Mari", "Teine", "mari@stages.example", "31.02.1990"],
        ]
        batch = check(alpha, rows, {0: "first_name", 1: "last_name", 2: "email", 3: "birth_date"})
        assert outcomes(batch)[3] == (
            "refuse",
            "Birth date: “31.02.1990” is not a date (use 2024-12-31 or 31.12.2024). "
            "E-mail: “mari@stages.example” is already in row 2.",
        )


# --- presets: Shopify's and Odoo's exports -------------------------------------------------------

SHOPIFY_HEADER = [
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
]
SHOPIFY_ROWS = [
    SHOPIFY_HEADER,
    [
        "'7311992569910",
        "Mari",
        "Tamm",
        "mari@shopify.example",
        "yes",
        "",
        "Pikk 1",
        "korter 2",
        "Tallinn",
        "",
        "EE",
        "'10133",
        "'+372 5555 0201",
        "'+372 5555 0202",
        "no",
        "125.50",
        "3",
        "Likes green tea",
        "no",
        "VIP, newsletter",
    ],
    [
        "'7311992569911",
        "Jaan",
        "Kask",
        "jaan@shopify.example",
        "no",
        "Kohvik Mokka OÜ",
        "Lai 2",
        "",
        "Tartu",
        "",
        "EE",
        "'51003",
        "",
        "",
        "yes",
        "0.00",
        "0",
        "",
        "yes",
        "",
    ],
]
ODOO_HEADER = [
    "Name",
    "Company Type",
    "Email",
    "Phone",
    "Mobile",
    "Street",
    "Street2",
    "City",
    "Zip",
    "Country",
    "Country/Country Code",
    "Related Company",
    "Reference",
    "Tags",
    "Tax ID",
]
ODOO_ROWS = [
    ODOO_HEADER,
    [
        "Mari Tamm",
        "Individual",
        "mari@odoo.example",
        "+372 600 0000",
        "+372 5555 0301",
        "Pikk 1",
        "",
        "Tallinn",
        "10133",
        "Estonia",
        "EE",
        "Kohvik Mokka OÜ",
        "ODOO-1",
        "VIP",
        "",
    ],
    [
        "Kohvik Mokka OÜ",
        "Company",
        "info@mokka-odoo.example",
        "",
        "+372 5555 0302",
        "Lai 2",
        "",
        "Tartu",
        "51003",
        "Estonia",
        "EE",
        "",
        "ODOO-2",
        "",
        "EE100000001",
    ],
]


def mapping_page(client, batch: ImportBatch) -> tuple[str, dict[int, str]]:
    """The mapping page's text and the target it chose for each column."""
    page = client.get(f"{IMPORT_URL}{batch.pk}/mapping/").content.decode()
    chosen = {}
    for index in range(len(batch.headers)):
        select = page.split(f'name="column_{index}"')[1].split("</select>")[0]
        chosen[index] = select.split(" selected>")[0].rsplit('<option value="', 1)[1].split('"')[0]
    return page, chosen


def accept(client, setup, batch: ImportBatch, chosen: dict[int, str]) -> ImportBatch:
    """Post the page's mapping as it is and run the dry run."""
    data = {f"column_{index}": target for index, target in chosen.items()}
    response = client.post(f"{IMPORT_URL}{batch.pk}/mapping/", {**data, "duplicate_mode": "update"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return import_batch_check(batch_id=batch.pk, tenant=setup.tenant)


def test_a_shopify_customers_export_is_recognised_and_imported_without_choosing_a_column(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        batch = upload(alpha.tenant, SHOPIFY_ROWS, name="customers_export.csv")
    page, chosen = mapping_page(client, batch)
    assert "Recognised: Shopify customers export." in page
    assert 'data-testid="import-preset"' in page
    # The file's values are escaped once: Shopify's apostrophe shows as an apostrophe.
    assert "In the file: “&#x27;7311992569910”, “&#x27;7311992569911”" in page
    assert "&amp;#x27;" not in page
    assert {SHOPIFY_HEADER[index]: target for index, target in chosen.items() if target} == {
        "Customer ID": "number",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Accepts Email Marketing": "email_consent",
        "Default Address Company": "company_name",
        "Default Address Address1": "address",
        "Default Address City": "city",
        "Default Address Country Code": "country",
        "Default Address Zip": "postal_code",
        "Phone": "phone",
        "Accepts SMS Marketing": "sms_consent",
    }
    with tenant_context(alpha.tenant):
        batch = accept(client, alpha, batch, chosen)
        assert outcomes(batch) == {2: ("create", ""), 3: ("create", "")}
        batch = execute(alpha, batch)
        assert batch.status == "imported"
        mari = Customer.objects.get(email="mari@shopify.example")
        assert (mari.number, mari.first_name, mari.last_name, mari.phone, mari.postal_code, mari.country) == (
            "7311992569910",
            "Mari",
            "Tamm",
            "+37255550202",
            "10133",
            "EE",
        )
        assert (mari.address, mari.city, mari.email_consent, mari.sms_consent, mari.status) == (
            "Pikk 1",
            "Tallinn",
            True,
            False,
            "introduced",
        )
        jaan = Customer.objects.get(email="jaan@shopify.example")
        assert (jaan.number, jaan.kind, jaan.company_name, jaan.sms_consent, jaan.phone) == (
            "7311992569911",
            "person",
            "Kohvik Mokka OÜ",
            True,
            "",
        )


def test_the_older_shopify_export_is_recognised_too(alpha, tenant_client):
    header = ["First Name", "Last Name", "Email", "Accepts Marketing", "Company", "Address1", "Address2", "City"]
    header += ["Province", "Province Code", "Country", "Country Code", "Zip", "Phone", "Total Spent", "Total Orders"]
    header += ["Tags", "Note", "Tax Exempt"]
    row = ["Anu", "Saar", "anu@shopify.example", "yes", "", "Rüütli 3", "", "Pärnu", "", "", "Estonia", "EE"]
    row += ["80010", "+372 5555 0203", "10.00", "1", "", "", "no"]
    with tenant_context(alpha.tenant):
        batch = upload(alpha.tenant, [header, row])
    page, chosen = mapping_page(tenant_client(alpha, alpha.marketer), batch)
    assert "Recognised: Shopify customers export." in page
    assert {header[index]: target for index, target in chosen.items() if target} == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Accepts Marketing": "email_consent",
        "Company": "company_name",
        "Address1": "address",
        "City": "city",
        "Country Code": "country",
        "Zip": "postal_code",
        "Phone": "phone",
    }


def test_an_odoo_contacts_export_is_recognised_and_its_names_and_companies_are_read(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        batch = upload(alpha.tenant, ODOO_ROWS, name="res.partner.csv")
    page, chosen = mapping_page(client, batch)
    assert "Recognised: Odoo contacts export." in page
    assert "export “Country/Country Code” to import the country" in page
    assert {ODOO_HEADER[index]: target for index, target in chosen.items() if target} == {
        "Name": "full_name",
        "Company Type": "kind",
        "Email": "email",
        "Mobile": "phone",
        "Street": "address",
        "City": "city",
        "Zip": "postal_code",
        "Country/Country Code": "country",
        "Related Company": "company_name",
        "Reference": "number",
        "Tax ID": "vat_number",
    }
    with tenant_context(alpha.tenant):
        batch = accept(client, alpha, batch, chosen)
        assert outcomes(batch) == {
            2: ("create", ""),
            3: ("create", "Control instead of Introduced, because these are missing: registry code."),
        }
        execute(alpha, batch)
        mari = Customer.objects.get(number="ODOO-1")
        assert (mari.kind, mari.first_name, mari.last_name, mari.phone, mari.company_name, mari.country) == (
            "person",
            "Mari",
            "Tamm",
            "+37255550301",
            "Kohvik Mokka OÜ",
            "EE",
        )
        mokka = Customer.objects.get(number="ODOO-2")
        assert (mokka.kind, mokka.company_name, mokka.first_name, mokka.vat_number, mokka.status) == (
            "business",
            "Kohvik Mokka OÜ",
            "",
            "EE100000001",
            "control",
        )


def test_odoos_import_compatible_export_and_a_mapping_changed_by_hand(alpha, tenant_client):
    header = ["id", "name", "email", "mobile", "street", "city", "zip", "country_id/code", "ref", "company_type"]
    row = ["__export__.res_partner_42", "Tiit Mets", "tiit@odoo.example", "+372 5555 0303", "Aia 4", "Tartu"]
    row += ["50101", "EE", "ODOO-42", "person"]
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        batch = upload(alpha.tenant, [header, row])
    page, chosen = mapping_page(client, batch)
    assert "Recognised: Odoo contacts export." in page
    assert chosen == {0: "", 1: "full_name", 2: "email", 3: "phone", 4: "address", 5: "city", 6: "postal_code"} | {
        7: "country",
        8: "number",
        9: "kind",
    }
    # The person leaves the city out: the saved mapping is what the run uses.
    with tenant_context(alpha.tenant):
        batch = accept(client, alpha, batch, {**chosen, 5: ""})
        assert outcomes(batch) == {2: ("create", "")}
        execute(alpha, batch)
        tiit = Customer.objects.get(number="ODOO-42")
        assert (tiit.first_name, tiit.last_name, tiit.city, tiit.postal_code) == ("Tiit", "Mets", "", "50101")


def test_a_file_of_no_known_system_gets_the_generic_mapping_and_no_preset(alpha, tenant_client):
    header = ["Name", "E-mail", "Street", "Zip"]
    with tenant_context(alpha.tenant):
        batch = upload(alpha.tenant, [header, ["Mari Tamm", "mari@plain.example", "Pikk 1", "10133"]])
    page, chosen = mapping_page(tenant_client(alpha, alpha.marketer), batch)
    assert 'data-testid="import-preset"' not in page
    assert chosen == {0: "full_name", 1: "email", 2: "", 3: ""}
