"""The customer import wizard: upload, mapping, dry run, import, refused rows, progress, rights.

Runs and imports happen in the real Celery worker, so those tests use `committed_db`; every row
they commit in a retailer's schema is removed again afterwards (`clean_tenants`), so that other
tests count on the same customers as before.
"""

import csv
import datetime
import io
import os
import time
import uuid

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import get_tenant_model, tenant_context
from playwright.sync_api import expect

from customers.models import (
    ConsentEvent,
    Customer,
    CustomerEvent,
    CustomerGroup,
    CustomerStatus,
    CustomProperty,
    ImportBatch,
    ImportRow,
)
from customers.selectors.importing import import_progress_key
from customers.services import customer_create, property_create
from customers.services.properties import property_index_name
from tariffs.models import TariffPlan

IMPORT_URL = "/customers/import/"


# --- helpers -----------------------------------------------------------------------------------


def csv_bytes(rows: list[list], *, delimiter: str = ",", bom: bool = False) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return (("\ufeff" if bom else "") + text.getvalue()).encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, name: str, content: bytes):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})


def uploaded_batch_id(response) -> int:
    assert response.status_code == 302, response.content.decode()[:3000]
    location = response["Location"]
    assert location.startswith(IMPORT_URL) and location.endswith("/mapping/"), location
    return int(location.removeprefix(IMPORT_URL).split("/")[0])


def map_columns(client, batch_id: int, mapping: dict[int, str], mode: str = "update"):
    data = {f"column_{index}": target for index, target in mapping.items()}
    data["duplicate_mode"] = mode
    response = client.post(f"{IMPORT_URL}{batch_id}/mapping/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def wait_for(setup, batch_id: int, *statuses: str, timeout: float = 120) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while True:
        with tenant_context(setup.tenant):
            batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status in statuses:
            return batch
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} is still {batch.status!r} ({batch.error})")
        time.sleep(0.1)


def check_file(client, setup, name: str, content: bytes, mapping: dict[int, str], mode: str = "update"):
    """Upload, map and wait for the dry run; returns the checked batch."""
    batch_id = uploaded_batch_id(upload(client, name, content))
    map_columns(client, batch_id, mapping, mode)
    return wait_for(setup, batch_id, "checked", "failed")


def import_checked(client, setup, batch: ImportBatch, timeout: float = 120) -> ImportBatch:
    response = client.post(f"{IMPORT_URL}{batch.pk}/start/")
    assert response.status_code == 302
    return wait_for(setup, batch.pk, "imported", "failed", timeout=timeout)


def rows_of(setup, batch: ImportBatch) -> dict[int, tuple[str, str, str]]:
    with tenant_context(setup.tenant):
        return {
            row.row_number: (row.outcome, row.reason, row.display)
            for row in ImportRow.objects.filter(batch=batch).order_by("row_number")
        }


def snapshot(setup) -> tuple[int, int, int]:
    with tenant_context(setup.tenant):
        return Customer.objects.count(), CustomerEvent.objects.count(), ConsentEvent.objects.count()


def plan_of(setup) -> TariffPlan:
    """The retailer's plan as the database has it (another test may have changed it since the
    session's tenant object was loaded)."""
    return get_tenant_model().objects.select_related("plan").get(pk=setup.tenant.pk).plan


def unique() -> str:
    return uuid.uuid4().hex[:10]


def phone_for(number: int) -> str:
    """An Estonian mobile number (valid for phonenumbers) of the 58… range no other test uses."""
    return f"58{number % 1_000_000:06d}"


@pytest.fixture
def clean_tenants(committed_db, tenants):
    """Remove, after the test, every import, customer, property and group it committed in any of
    the session's retailers."""
    starts = {}
    for setup in tenants.values():
        with tenant_context(setup.tenant):
            starts[setup.host] = {
                model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
                for model in (ImportBatch, Customer, CustomProperty, CustomerGroup)
            }
    yield
    for setup in tenants.values():
        start = starts[setup.host]
        with tenant_context(setup.tenant):
            ImportBatch.objects.filter(pk__gt=start[ImportBatch]).delete()
            Customer.objects.filter(pk__gt=start[Customer]).delete()
            for prop in CustomProperty.objects.filter(pk__gt=start[CustomProperty]):
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP INDEX IF EXISTS "{property_index_name(prop)}"')
                prop.delete()
            CustomerGroup.objects.filter(pk__gt=start[CustomerGroup]).delete()


@pytest.fixture
def properties(clean_tenants, alpha):
    """A number and a choice property with codes of their own."""
    code = unique()
    with tenant_context(alpha.tenant):
        size = property_create(code=f"size_{code}", label_en="Shoe size", type=CustomProperty.Type.NUMBER)
        colour = property_create(
            code=f"colour_{code}", label_en="Colour", type=CustomProperty.Type.CHOICE, choices=["Red", "Green"]
        )
    return size, colour


# --- upload ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("customers.txt", b"First name\nMari\n", "“customers.txt” is neither a .csv nor an .xlsx file."),
        ("customers.csv", b"", "“customers.csv” is empty."),
        ("customers.csv", b";;\nMari;Tamm;\n", "The first row of “customers.csv” is empty: it must hold the column"),
        ("customers.csv", b"First name,Last name\n\n,\n", "“customers.csv” has column names but no customers"),
        ("customers.csv", b"First name\n\xff\xfeMari\n", "“customers.csv” is not UTF-8 text (row 2)."),
        ("customers.xlsx", b"PK not really a workbook", "“customers.xlsx” cannot be read as an Excel workbook"),
        ("customers.csv", b"Name\n" + b"Mari\n" * 200_001, "“customers.csv” has more than 200,000 rows"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_naming_the_problem_and_nothing_is_stored(
    alpha, name, content, message, tenant_client
):
    with tenant_context(alpha.tenant):
        before = ImportBatch.objects.count()
    response = upload(tenant_client(alpha, alpha.marketer), name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(alpha.tenant):
        assert ImportBatch.objects.count() == before


@pytest.mark.django_db
def test_exactly_200000_rows_are_accepted(alpha, tenant_client):
    response = upload(tenant_client(alpha, alpha.marketer), "big.csv", b"Name\n" + b"Mari\n" * 200_000)
    with tenant_context(alpha.tenant):
        batch = ImportBatch.objects.get(pk=uploaded_batch_id(response))
        assert (batch.total_rows, batch.headers, batch.status) == (200_000, ["Name"], "uploaded")


def test_the_mapping_page_proposes_columns_by_name_and_refuses_a_field_chosen_twice(alpha, properties, tenant_client):
    size, colour = properties
    client = tenant_client(alpha, alpha.admin)
    content = csv_bytes(
        [["FIRST_NAME", "Last name", "E-mail", "shoe size", size.code, "", "Notes"], ["Mari", "Tamm", "m@x.ee"]]
    )
    batch_id = uploaded_batch_id(upload(client, "people.csv", content))
    page = client.get(f"{IMPORT_URL}{batch_id}/mapping/").content.decode()
    for index, target in (
        (0, "first_name"),
        (1, "last_name"),
        (2, "email"),
        (3, f"property:{size.code}"),
        (5, ""),
        (6, ""),
    ):
        assert f'<option value="{target}" selected>' in page.split(f'name="column_{index}"')[1].split("</select>")[0]
    # The label matched column 3 first, so the code in column 4 is left for a person to choose.
    assert '<option value="" selected>' in page.split('name="column_4"')[1].split("</select>")[0]
    assert "Column F" in page
    assert "In the file: “Mari”" in page

    response = client.post(
        f"{IMPORT_URL}{batch_id}/mapping/",
        {"column_0": "first_name", "column_1": "first_name", "column_2": "email", "duplicate_mode": "update"},
    )
    assert response.status_code == 200
    assert "“First name” is chosen for more than one column: “FIRST_NAME”, “Last name”." in response.content.decode()
    with tenant_context(alpha.tenant):
        batch = ImportBatch.objects.get(pk=batch_id)
        assert (batch.status, batch.mapping) == ("uploaded", {})


# --- dry run and import ------------------------------------------------------------------------


def test_the_dry_run_explains_every_row_and_writes_no_customer_then_the_import_writes_the_good_rows(
    alpha, properties, celery_worker, tenant_client
):
    size, colour = properties
    tag = unique()
    with tenant_context(alpha.tenant):
        existing = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Jaan", "last_name": "Kask", "email": f"jaan-{tag}@example.com"},
            status=CustomerStatus.CONTROL,
        )
    mari, kati = f"mari-{tag}@example.com", f"kati-{tag}@example.com"
    header = ["First name", "Last name", "E-mail", "Phone", "Birth date", "Shoe size", "Colour", "Status"]
    content = csv_bytes(
        [
            header,
            ["Mari", "Tamm", mari, phone_for(1), "12.04.1985", "38", "red", ""],  # 2
            ["Anu", "Saar", f"anu-{tag}@example.com", "", "31.02.1990", "", "", ""],  # 3
            ["Tiit", "Mets", f"tiit-{tag}@example.com", "", "01.01.2090", "", "", ""],  # 4
            ["Peeter", "Sepp", f"peeter-{tag}@example.com", "12ab", "", "", "", ""],  # 5
            ["Liis", "Kuusk", "not-an-email", "", "", "", "", ""],  # 6
            ["Rein", "Kivi", f"rein-{tag}@example.com", "", "", "big", "", ""],  # 7
            ["Malle", "Org", f"malle-{tag}@example.com", "", "", "", "Purple", ""],  # 8
            ["", "", f"noname-{tag}@example.com", "", "", "", "", ""],  # 9
            ["", "", f"JAAN-{tag}@Example.com", phone_for(2), "", "44", "", ""],  # 10
            ["Kati", "", kati, "", "", "", "", "Introduced"],  # 11
            ["Mari", "Teine", mari, "", "", "", "", ""],  # 12
            ["Mai", "Kolmas", f"mai-{tag}@example.com", phone_for(1), "", "", "", "archived"],  # 13
            ["", "", "", "", "", "", "", ""],  # 14: empty, left out
        ]
    )
    client = tenant_client(alpha, alpha.marketer)
    before = snapshot(alpha)
    mapping = {
        0: "first_name",
        1: "last_name",
        2: "email",
        3: "phone",
        4: "birth_date",
        5: f"property:{size.code}",
        6: f"property:{colour.code}",
        7: "status",
    }
    batch = check_file(client, alpha, "good-and-bad.csv", content, mapping)

    assert (batch.status, batch.error, batch.total_rows) == ("checked", "", 12)
    assert (batch.created_count, batch.updated_count, batch.skipped_count, batch.refused_count) == (2, 1, 0, 9)
    assert rows_of(alpha, batch) == {
        2: ("create", "", "Mari Tamm"),
        3: ("refuse", "Birth date: “31.02.1990” is not a date (use 2024-12-31 or 31.12.2024).", "Anu Saar"),
        4: ("refuse", "Birth date: The birth date 2090-01-01 is in the future.", "Tiit Mets"),
        5: ("refuse", "Phone: “12ab” is not a phone number.", "Peeter Sepp"),
        6: ("refuse", "E-mail: “not-an-email” is not an e-mail address.", "Liis Kuusk"),
        7: ("refuse", "Shoe size: “big” is not a number.", "Rein Kivi"),
        8: ("refuse", "Colour: “Purple” is not one of: Red, Green.", "Malle Org"),
        9: ("refuse", "A person needs a first or a last name.", ""),
        10: ("update", "Updates Jaan Kask (same e-mail).", "Jaan Kask"),
        11: ("create", "Control instead of Introduced, because these are missing: last name.", "Kati"),
        12: ("refuse", f"E-mail: “{mari}” is already in row 2.", "Mari Teine"),
        13: ("refuse", f"Phone: “+372{phone_for(1)}” is already in row 2.", "Mai Kolmas"),
    }
    # Nothing written to the customers: no customer, no history, no consent, Jaan as he was.
    assert snapshot(alpha) == before
    with tenant_context(alpha.tenant):
        existing.refresh_from_db()
        assert (existing.phone, existing.status, existing.properties) == ("", "control", {})
    page = client.get(f"{IMPORT_URL}{batch.pk}/?outcome=refuse").content.decode()
    assert "Shoe size: “big” is not a number." in page
    assert 'data-testid="import-row-2"' not in page

    batch = import_checked(client, alpha, batch)

    assert (batch.status, batch.error) == ("imported", "")
    assert (batch.created_count, batch.updated_count, batch.skipped_count, batch.refused_count) == (2, 1, 0, 9)
    assert rows_of(alpha, batch)[11] == (
        "create",
        "Control instead of Introduced, because these are missing: last name.",
        "Kati",
    )
    customers, events, consents = snapshot(alpha)
    assert (customers, consents) == (before[0] + 2, before[2])
    with tenant_context(alpha.tenant):
        created = Customer.objects.get(email=mari)
        assert (created.first_name, created.last_name, created.phone, created.birth_date, created.status) == (
            "Mari",
            "Tamm",
            f"+372{phone_for(1)}",
            datetime.date(1985, 4, 12),
            "introduced",
        )
        assert created.properties == {size.code: "38", colour.code: "Red"}
        assert Customer.objects.get(email=kati).status == "control"
        imported = CustomerEvent.objects.get(customer=created)
        assert (imported.kind, imported.source, imported.actor.username, imported.new_value) == (
            "imported",
            "import",
            "marketer",
            "Mari Tamm",
        )
        existing.refresh_from_db()
        assert (existing.phone, existing.status, existing.properties) == (
            f"+372{phone_for(2)}",
            "introduced",
            {size.code: "44"},
        )
        changes = {
            (event.kind, event.field, event.old_value, event.new_value)
            for event in CustomerEvent.objects.filter(customer=existing, source="import")
        }
        assert changes == {
            ("changed", "phone", "", f"+372{phone_for(2)}"),
            ("changed", f"property:{size.code}", "", "44"),
            ("status", "status", "control", "introduced"),
        }
        for refused in ("anu", "tiit", "peeter", "rein", "malle", "noname", "mai"):
            assert not Customer.objects.filter(email=f"{refused}-{tag}@example.com").exists()
        assert not Customer.objects.filter(last_name__in=["Kuusk", "Teine"]).exists()
        assert events == before[1] + 2 + 3
        assert ImportRow.objects.get(batch=batch, row_number=2).customer == created
    results = client.get(f"{IMPORT_URL}{batch.pk}/").content.decode()
    assert 'data-testid="count-create">2<' in results
    assert 'data-testid="count-refuse">9<' in results


def test_an_existing_customer_is_updated_or_skipped_as_chosen(alpha, clean_tenants, celery_worker, tenant_client):
    tag = unique()
    with tenant_context(alpha.tenant):
        person = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Jaan", "last_name": "Kask", "email": f"jaan-{tag}@example.com", "city": "Tartu"},
            status=CustomerStatus.INTRODUCED,
        )
        business = customer_create(
            tenant=alpha.tenant,
            fields={"kind": "business", "company_name": f"Mokka {tag}", "registry_code": f"R{tag}"},
        )
    content = csv_bytes(
        [
            ["Type", "First name", "Last name", "Company", "Registry code", "E-mail", "City"],
            ["", "Jaan", "Kask", "", "", f"jaan-{tag}@example.com", ""],
            ["Business", "", "", f"Kohvik Mokka {tag}", f"R{tag}", "", "Tallinn"],
        ]
    )
    mapping = {0: "kind", 1: "first_name", 2: "last_name", 3: "company_name", 4: "registry_code", 5: "email", 6: "city"}
    client = tenant_client(alpha, alpha.admin)

    skipping = check_file(client, alpha, "skip.csv", content, mapping, mode="skip")
    assert rows_of(alpha, skipping) == {
        2: ("skip", "Jaan Kask (same e-mail) exists already.", "Jaan Kask"),
        3: ("skip", f"Mokka {tag} (same registry code) exists already.", f"Mokka {tag}"),
    }
    before = snapshot(alpha)
    skipping = import_checked(client, alpha, skipping)
    assert (skipping.status, skipping.skipped_count, skipping.created_count) == ("imported", 2, 0)
    assert snapshot(alpha) == before

    updating = check_file(client, alpha, "update.csv", content, mapping, mode="update")
    assert rows_of(alpha, updating) == {
        2: ("update", "Jaan Kask (same e-mail) has these values already.", "Jaan Kask"),
        3: ("update", f"Updates Kohvik Mokka {tag} (same registry code).", f"Kohvik Mokka {tag}"),
    }
    updating = import_checked(client, alpha, updating)
    assert (updating.status, updating.updated_count) == ("imported", 2)
    with tenant_context(alpha.tenant):
        person.refresh_from_db()
        business.refresh_from_db()
        # An empty cell leaves the stored value alone.
        assert (person.city, person.status) == ("Tartu", "introduced")
        assert (business.company_name, business.city, business.kind) == (f"Kohvik Mokka {tag}", "Tallinn", "business")
        assert not CustomerEvent.objects.filter(customer=person, source="import").exists()
        assert set(
            CustomerEvent.objects.filter(customer=business, source="import").values_list("field", "new_value")
        ) == {("company_name", f"Kohvik Mokka {tag}"), ("city", "Tallinn")}


def test_rows_beyond_the_plans_limit_are_refused_with_the_plans_message(
    alpha, clean_tenants, celery_worker, tenant_client
):
    tag = unique()
    content = csv_bytes(
        [
            ["First name", "Last name", "E-mail", "Status"],
            ["Esimene", "Klient", f"first-{tag}@example.com", ""],
            ["Teine", "Klient", f"second-{tag}@example.com", "control"],
            ["Kolmas", "Klient", f"third-{tag}@example.com", "archived"],
            ["Neljas", "Klient", f"fourth-{tag}@example.com", "Introduced"],
        ]
    )
    plan = plan_of(alpha)
    with tenant_context(alpha.tenant):
        used = Customer.objects.exclude(status="archived").count()
    message = (
        f"Active customers: the plan “{plan.name}” allows {used + 1} and {used} are in use. "
        "Ask the platform operator for a larger plan."
    )
    client = tenant_client(alpha, alpha.marketer)
    TariffPlan.objects.filter(pk=plan.pk).update(max_active_customers=used + 1)
    try:
        batch = check_file(
            client, alpha, "limit.csv", content, {0: "first_name", 1: "last_name", 2: "email", 3: "status"}
        )
        expected = {
            2: ("create", "", "Esimene Klient"),
            3: ("refuse", message, "Teine Klient"),
            4: ("create", "", "Kolmas Klient"),
            5: ("refuse", message, "Neljas Klient"),
        }
        assert rows_of(alpha, batch) == expected
        batch = import_checked(client, alpha, batch)
        assert rows_of(alpha, batch) == expected
    finally:
        TariffPlan.objects.filter(pk=plan.pk).update(max_active_customers=plan.max_active_customers)
    with tenant_context(alpha.tenant):
        assert dict(
            Customer.objects.filter(email__endswith=f"-{tag}@example.com").values_list("first_name", "status")
        ) == {"Esimene": "introduced", "Kolmas": "archived"}


def test_the_refused_rows_download_has_the_original_values_and_the_reason_as_text(
    alpha, clean_tenants, celery_worker, tenant_client
):
    tag = unique()
    content = csv_bytes(
        [
            ["First name", "Last name", "E-mail", "Notes"],
            ["=1+1", "Tamm", f"formula-{tag}@example.com", "+372 555"],
            ["Mari", "-Tamm", "=1+1", "@home"],
            ["", "", f"noname-{tag}@example.com", '=HYPERLINK("http://evil.example")'],
        ]
    )
    client = tenant_client(alpha, alpha.marketer)
    batch = check_file(client, alpha, "refused.csv", content, {0: "first_name", 1: "last_name", 2: "email"})
    assert (batch.created_count, batch.refused_count) == (1, 2)
    response = client.get(f"{IMPORT_URL}{batch.pk}/refused.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="refused-refused.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["First name", "Last name", "E-mail", "Notes", "Reason", "Row"],
        ["Mari", "-Tamm", "=1+1", "@home", "E-mail: “=1+1” is not an e-mail address.", 3],
        [
            None,
            None,
            f"noname-{tag}@example.com",
            '=HYPERLINK("http://evil.example")',
            "A person needs a first or a last name.",
            4,
        ],
    ]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)} == {"s"}


def test_a_csv_with_semicolons_and_a_byte_order_mark(alpha, clean_tenants, celery_worker, tenant_client):
    tag = unique()
    content = csv_bytes(
        [
            ["First name", "Last name", "E-mail", "Address", "Birth date"],
            ["Mari", "Tamm", f"semi-{tag}@example.com", "Pikk 1, Tallinn", "1985-04-12"],
            ["Jüri", "Õunapuu", f"jyri-{tag}@example.com", "Lai 2, Tartu", "02.03.1970"],
        ],
        delimiter=";",
        bom=True,
    )
    client = tenant_client(alpha, alpha.marketer)
    batch_id = uploaded_batch_id(upload(client, "semicolons.csv", content))
    with tenant_context(alpha.tenant):
        assert ImportBatch.objects.get(pk=batch_id).headers == [
            "First name",
            "Last name",
            "E-mail",
            "Address",
            "Birth date",
        ]
    page = client.get(f"{IMPORT_URL}{batch_id}/mapping/").content.decode()
    assert '<option value="first_name" selected>' in page.split('name="column_0"')[1].split("</select>")[0]
    map_columns(client, batch_id, {0: "first_name", 1: "last_name", 2: "email", 3: "address", 4: "birth_date"})
    batch = import_checked(client, alpha, wait_for(alpha, batch_id, "checked", "failed"))
    assert (batch.status, batch.created_count, batch.refused_count) == ("imported", 2, 0)
    with tenant_context(alpha.tenant):
        jyri = Customer.objects.get(email=f"jyri-{tag}@example.com")
        assert (jyri.first_name, jyri.last_name, jyri.address, jyri.birth_date) == (
            "Jüri",
            "Õunapuu",
            "Lai 2, Tartu",
            datetime.date(1970, 3, 2),
        )


def test_the_person_who_starts_the_import_is_the_author_of_what_it_writes(
    alpha, clean_tenants, celery_worker, tenant_client
):
    tag = unique()
    content = csv_bytes([["First name", "Last name", "E-mail"], ["Ene", "Ilves", f"ene-{tag}@example.com"]])
    uploader = tenant_client(alpha, alpha.marketer)
    batch = check_file(uploader, alpha, "started.csv", content, {0: "first_name", 1: "last_name", 2: "email"})
    batch = import_checked(tenant_client(alpha, alpha.admin), alpha, batch)
    assert (batch.status, batch.created_count) == ("imported", 1)
    with tenant_context(alpha.tenant):
        batch = ImportBatch.objects.select_related("created_by", "started_by").get(pk=batch.pk)
        assert (batch.created_by.username, batch.started_by.username) == ("marketer", "admin")
        imported = CustomerEvent.objects.select_related("actor").get(customer__email=f"ene-{tag}@example.com")
        assert (imported.kind, imported.actor.username) == ("imported", "admin")


def test_an_xlsx_file_with_dates_numbers_and_yes_no_cells(alpha, properties, celery_worker, tenant_client):
    size, _colour = properties
    tag = unique()
    with tenant_context(alpha.tenant):
        group = CustomerGroup.objects.create(name=f"VIP {tag}")
    content = xlsx_bytes(
        [
            ["First name", "Last name", "E-mail", "Phone", "Birth date", "Shoe size", "E-mail consent", "Group"],
            [
                "Mari",
                "Tamm",
                f"xlsx-{tag}@example.com",
                int(phone_for(3)),
                datetime.datetime(1990, 5, 17),
                41.5,
                True,
                f"vip {tag}",
            ],
            [None, None, None, None, None, None, None, None],
            ["Jaan", "Kask", f"xlsx2-{tag}@example.com", None, None, 42.0, False, "Nobody"],
        ]
    )
    client = tenant_client(alpha, alpha.admin)
    mapping = {
        0: "first_name",
        1: "last_name",
        2: "email",
        3: "phone",
        4: "birth_date",
        5: f"property:{size.code}",
        6: "email_consent",
        7: "group",
    }
    batch = check_file(client, alpha, "people.xlsx", content, mapping)
    assert rows_of(alpha, batch) == {
        2: ("create", "", "Mari Tamm"),
        4: ("refuse", "Group: there is no customer group “Nobody”.", "Jaan Kask"),
    }
    batch = import_checked(client, alpha, batch)
    assert (batch.status, batch.created_count) == ("imported", 1)
    with tenant_context(alpha.tenant):
        mari = Customer.objects.get(email=f"xlsx-{tag}@example.com")
        assert (mari.phone, mari.birth_date, mari.properties, mari.email_consent, mari.group) == (
            f"+372{phone_for(3)}",
            datetime.date(1990, 5, 17),
            {size.code: "41.5"},
            True,
            group,
        )
        consent = ConsentEvent.objects.get(customer=mari)
        assert (consent.channel, consent.is_given, consent.source) == ("email", True, "import of “people.xlsx”")


def test_a_failure_half_way_imports_nothing_and_the_batch_shows_the_error(
    alpha, clean_tenants, celery_worker, tenant_client
):
    tag = unique()
    rows = [["First name", "Last name", "E-mail"]] + [
        ["Klient", f"Number {index}", f"half-{index}-{tag}@example.com"] for index in range(2000)
    ]
    client = tenant_client(alpha, alpha.marketer)
    batch = check_file(client, alpha, "half.csv", csv_bytes(rows), {0: "first_name", 1: "last_name", 2: "email"})
    assert (batch.status, batch.created_count) == ("checked", 2000)
    # The stored file changes after the check: its row 1502 is no longer UTF-8, so the import
    # fails after it has written its first chunk of a thousand customers.
    damaged = csv_bytes(rows[:1501]) + b"Klient,\xff\xfe,broken@example.com\n" + csv_bytes(rows[1502:])
    with tenant_context(alpha.tenant):
        with batch.file.open("wb") as stored:
            stored.write(damaged)
    before = snapshot(alpha)

    batch = import_checked(client, alpha, batch)

    assert batch.status == "failed"
    assert batch.error == "“half.csv” is not UTF-8 text (row 1502). Save it as “CSV UTF-8” and upload it again."
    assert snapshot(alpha) == before
    with tenant_context(alpha.tenant):
        assert not Customer.objects.filter(email__endswith=f"-{tag}@example.com").exists()
        # The dry run's rows are still there to look at.
        assert ImportRow.objects.filter(batch=batch, outcome="create").count() == 2000
    page = client.get(f"{IMPORT_URL}{batch.pk}/").content.decode()
    assert "The run failed; nothing was imported." in page
    assert "is not UTF-8 text (row 1502)" in page
    assert "Change the columns" in page


def test_a_stored_file_that_is_gone_fails_the_import_with_a_message(alpha, clean_tenants, celery_worker, tenant_client):
    tag = unique()
    content = csv_bytes([["First name", "E-mail"], ["Mari", f"gone-{tag}@example.com"]])
    client = tenant_client(alpha, alpha.marketer)
    batch = check_file(client, alpha, "gone.csv", content, {0: "first_name", 1: "email"})
    with tenant_context(alpha.tenant):
        batch.file.storage.delete(batch.file.name)
    before = snapshot(alpha)
    batch = import_checked(client, alpha, batch)
    assert (batch.status, batch.error) == ("failed", "The uploaded file is no longer there; upload it again.")
    assert snapshot(alpha) == before


def test_the_progress_bar_polls_while_a_run_goes_on_and_stops_when_it_is_done(alpha, clean_tenants, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    batch_id = uploaded_batch_id(upload(client, "progress.csv", csv_bytes([["First name"], ["Mari"], ["Jaan"]])))
    with tenant_context(alpha.tenant):
        ImportBatch.objects.filter(pk=batch_id).update(status="importing")
        cache.set(import_progress_key(batch_id), {"done": 1, "total": 2})
    running = client.get(f"{IMPORT_URL}{batch_id}/progress/", HTTP_HX_REQUEST="true")
    body = running.content.decode()
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in body
    assert f'hx-get="{IMPORT_URL}{batch_id}/progress/"' in body
    assert 'aria-valuenow="50"' in body and "1 of 2 rows" in body
    assert "HX-Refresh" not in running
    assert 'hx-trigger="every 1s"' in client.get(f"{IMPORT_URL}{batch_id}/").content.decode()

    with tenant_context(alpha.tenant):
        ImportBatch.objects.filter(pk=batch_id).update(
            status="imported", finished_at=datetime.datetime.now(datetime.UTC)
        )
    done = client.get(f"{IMPORT_URL}{batch_id}/progress/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


# --- rights and tenants ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cashier_may_not_import(alpha, tenant_client):
    marketer = tenant_client(alpha, alpha.marketer)
    batch_id = uploaded_batch_id(upload(marketer, "rights.csv", csv_bytes([["First name"], ["Mari"]])))
    cashier = tenant_client(alpha, alpha.cashier)
    for url in (
        IMPORT_URL,
        f"{IMPORT_URL}{batch_id}/",
        f"{IMPORT_URL}{batch_id}/mapping/",
        f"{IMPORT_URL}{batch_id}/progress/",
        f"{IMPORT_URL}{batch_id}/refused.xlsx",
    ):
        assert cashier.get(url).status_code == 403, url
    assert cashier.post(f"{IMPORT_URL}{batch_id}/start/").status_code == 403
    assert cashier.post(f"{IMPORT_URL}{batch_id}/mapping/", {"column_0": "first_name"}).status_code == 403
    assert upload(cashier, "cashier.csv", csv_bytes([["First name"], ["Mari"]])).status_code == 403
    with tenant_context(alpha.tenant):
        assert not ImportBatch.objects.filter(original_name="cashier.csv").exists()
        assert ImportBatch.objects.get(pk=batch_id).status == "uploaded"


def test_another_retailer_sees_none_of_the_imports_or_customers(
    alpha, beta, clean_tenants, celery_worker, tenant_client
):
    tag = unique()
    name = f"alpha-only-{tag}.csv"
    client = tenant_client(alpha, alpha.admin)
    batch = check_file(
        client,
        alpha,
        name,
        csv_bytes([["First name", "E-mail"], ["Mari", f"own-{tag}@example.com"]]),
        {0: "first_name", 1: "email"},
    )
    batch = import_checked(client, alpha, batch)
    assert batch.created_count == 1
    assert name in client.get(IMPORT_URL).content.decode()

    other = tenant_client(beta, beta.admin)
    assert name not in other.get(IMPORT_URL).content.decode()
    response = other.get(f"{IMPORT_URL}{batch.pk}/")
    assert response.status_code == 404 or name not in response.content.decode()
    with tenant_context(beta.tenant):
        assert not ImportBatch.objects.filter(original_name=name).exists()
        assert not Customer.objects.filter(email=f"own-{tag}@example.com").exists()


# --- a large file ------------------------------------------------------------------------------


def test_a_large_csv_imports_and_its_duration_is_recorded(
    alpha, clean_tenants, celery_worker, record_property, tenant_client
):
    """20,000 rows by default; REGULARS_IMPORT_ROWS=100000 measures a larger file by hand."""
    count = int(os.environ.get("REGULARS_IMPORT_ROWS", "20000"))
    tag = unique()
    rows = [["First name", "Last name", "E-mail", "Phone", "Birth date", "City"]] + [
        [
            "Klient",
            f"Number {index}",
            f"bulk-{index}-{tag}@example.com",
            phone_for(100_000 + index),
            f"{1 + index % 28:02d}.{1 + index % 12:02d}.{1950 + index % 50}",
            "Tallinn",
        ]
        for index in range(count)
    ]
    content = csv_bytes(rows)
    mapping = {0: "first_name", 1: "last_name", 2: "email", 3: "phone", 4: "birth_date", 5: "city"}
    client = tenant_client(alpha, alpha.marketer)
    plan = plan_of(alpha)
    TariffPlan.objects.filter(pk=plan.pk).update(max_active_customers=plan.max_active_customers + count)
    try:
        started = time.monotonic()
        batch_id = uploaded_batch_id(upload(client, "large.csv", content))
        uploaded = time.monotonic()
        map_columns(client, batch_id, mapping)
        batch = wait_for(alpha, batch_id, "checked", "failed", timeout=600)
        checked = time.monotonic()
        assert (batch.status, batch.created_count, batch.refused_count) == ("checked", count, 0), batch.error
        batch = import_checked(client, alpha, batch, timeout=600)
        imported = time.monotonic()
    finally:
        TariffPlan.objects.filter(pk=plan.pk).update(max_active_customers=plan.max_active_customers)
    assert (batch.status, batch.created_count) == ("imported", count), batch.error
    with tenant_context(alpha.tenant):
        assert Customer.objects.filter(email__endswith=f"-{tag}@example.com").count() == count
    timings = {
        "upload": round(uploaded - started, 1),
        "dry_run": round(checked - uploaded, 1),
        "import": round(imported - checked, 1),
    }
    record_property(f"import_{count}_rows_seconds", timings)
    print(f"\nImport of {count} rows (seconds): {timings}")


# --- in the browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_a_marketer_imports_a_file_in_the_browser(
    page, live_server_port, tenants, clean_tenants, celery_worker, save_screenshot
):
    setup = tenants["browser"]
    tag = unique()
    rows = [["First name", "Last name", "E-mail", "Birth date", "Customer number"]] + [
        ["Klient", f"Number {index}", f"browser-{index}-{tag}@example.com", "12.04.1985", f"B{tag}-{index}"]
        for index in range(5000)
    ]
    rows.append(["", "", f"nobody-{tag}@example.com", "31.02.1990", ""])
    base = f"http://{setup.host}:{live_server_port}"
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login/")
    page.get_by_label("User name").fill("marketer")
    page.get_by_label("Password").fill(setup.marketer.password)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}{IMPORT_URL}")
    page.get_by_label("File").set_input_files(
        files=[{"name": f"browser-{tag}.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name=f"What do the columns of “browser-{tag}.csv” hold?")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("first_name")
    expect(page.get_by_label("Birth date")).to_have_value("birth_date")
    expect(page.get_by_label("Customer number")).to_have_value("number")
    save_screenshot(page, "import-mapping")
    page.get_by_role("button", name="Check the file").click()

    # The progress bar polls until the check is done, then the page shows the results.
    expect(page.get_by_test_id("count-create")).to_have_text("5,000", timeout=60_000)
    expect(page.get_by_test_id("count-refuse")).to_have_text("1")
    page.get_by_role("link", name="Refuse", exact=True).click()
    expect(page.get_by_test_id("import-row-5002")).to_contain_text(
        "Birth date: “31.02.1990” is not a date (use 2024-12-31 or 31.12.2024)."
    )
    save_screenshot(page, "import-checked")
    page.get_by_role("button", name="Import now").click()
    # Writing 5,000 customers takes a few seconds on a busy machine: the flow is tested, not the speed.
    expect(page.get_by_text("Imported on")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("count-create")).to_have_text("5,000")
    save_screenshot(page, "import-done")
    with tenant_context(setup.tenant):
        assert Customer.objects.filter(email__endswith=f"-{tag}@example.com").count() == 5000
        assert Customer.objects.by_number(f"b{tag}-4999").get().email == f"browser-4999-{tag}@example.com"
    page.goto(f"{base}{IMPORT_URL}")
    expect(page.get_by_test_id("import-batch-row").first).to_contain_text(f"browser-{tag}.csv")


@pytest.mark.browser
def test_a_shopify_export_is_recognised_on_the_mapping_page_in_the_browser(
    page, live_server_port, tenants, clean_tenants, save_screenshot
):
    setup = tenants["browser"]
    header = ["Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Phone"]
    header += ["Accepts SMS Marketing", "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags"]
    row = ["'7311992569910", "Mari", "Tamm", f"shopify-{unique()}@example.com", "yes", "'+372 5555 0201"]
    row += ["no", "125.50", "3", "", "no", "VIP"]
    base = f"http://{setup.host}:{live_server_port}"
    page.goto(f"{base}/login/")
    page.get_by_label("User name").fill("marketer")
    page.get_by_label("Password").fill(setup.marketer.password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}{IMPORT_URL}")
    page.get_by_label("File").set_input_files(
        files=[{"name": "customers_export.csv", "mimeType": "text/csv", "buffer": csv_bytes([header, row])}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("import-preset")).to_contain_text("Recognised: Shopify customers export.")
    expect(page.get_by_label("Customer ID")).to_have_value("number")
    expect(page.get_by_label("Accepts SMS Marketing")).to_have_value("sms_consent")
    expect(page.get_by_label("Total Spent")).to_have_value("")
    save_screenshot(page, "import-mapping-shopify")


def test_both_xlsx_readers_give_the_same_rows_with_the_spreadsheets_row_numbers(monkeypatch):
    """Sheets up to CALAMINE_UP_TO are read by python-calamine, larger ones stream through
    openpyxl: the same rows either way, also for a sheet whose cells start below and right of A1."""
    from customers.selectors import importing

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B1"], sheet["C1"], sheet["D1"], sheet["E1"], sheet["F1"] = "first_name", "born", "size", "vip", "visit"
    sheet.append([])
    sheet.append([None, "Mari", datetime.date(1990, 1, 2), 38.0, True, datetime.datetime(2024, 5, 6, 7, 8)])
    sheet.append([])
    sheet.append([None, "Jaan", datetime.date(1985, 12, 31), 12.5, False, None])
    binary = io.BytesIO()
    workbook.save(binary)

    def rows(reader_limit: int) -> list:
        monkeypatch.setattr(importing, "CALAMINE_UP_TO", reader_limit)
        binary.seek(0)
        records = importing.import_file_records(binary, name="offset.xlsx")
        return [next(records), *importing.import_data_rows(records, width=6)]

    by_calamine, by_openpyxl = rows(10**9), rows(0)
    assert (
        by_calamine
        == by_openpyxl
        == [
            ["", "first_name", "born", "size", "vip", "visit"],
            (3, ["", "Mari", "1990-01-02", "38", "TRUE", "2024-05-06 07:08:00"]),
            (5, ["", "Jaan", "1985-12-31", "12.5", "FALSE", ""]),
        ]
    )


# --- faults --------------------------------------------------------------------------------------


def test_a_pool_process_killed_during_an_import_hands_it_to_the_next_which_imports_it_once(
    alpha, clean_tenants, celery_worker, tenant_client
):
    import signal

    from customers.tasks import import_execute_task
    from tests.conftest import worker_children, worker_start

    tag, rows = unique(), 20_000
    content = csv_bytes(
        [
            ["First name", "Last name", "E-mail"],
            *(["Kill", f"Test {n}", f"k{n}-{tag}@example.com"] for n in range(rows)),
        ]
    )
    client = tenant_client(alpha, alpha.admin)
    batch = check_file(client, alpha, "kill.csv", content, {0: "first_name", 1: "last_name", 2: "email"})
    assert (batch.status, batch.created_count) == ("checked", rows)
    with tenant_context(alpha.tenant):
        before = Customer.objects.count()
        ImportBatch.objects.filter(pk=batch.pk).update(status="importing", attempts=0)
        cache.delete(import_progress_key(batch.pk))  # the dry run's count of rows done
    worker = worker_start(queue="import-fault-test", name="import-pool-fault", pool="prefork")
    try:
        with tenant_context(alpha.tenant):
            import_execute_task.apply_async([batch.pk], queue="import-fault-test")
        deadline = time.monotonic() + 60
        with tenant_context(alpha.tenant):
            while not (cache.get(import_progress_key(batch.pk)) or {}).get("done"):
                assert time.monotonic() < deadline, "the import did not start"
                time.sleep(0.02)
        (child,) = worker_children(worker)
        os.kill(child, signal.SIGKILL)
        imported = wait_for(alpha, batch.pk, "imported", "failed", timeout=300)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert (imported.status, imported.error, imported.created_count, imported.attempts) == ("imported", "", rows, 2)
    with tenant_context(alpha.tenant):
        assert Customer.objects.count() == before + rows
        assert Customer.objects.filter(email__endswith=f"-{tag}@example.com").count() == rows


def test_a_batch_taken_up_by_three_workers_already_is_given_up_and_nothing_written(
    alpha, clean_tenants, celery_worker, tenant_client
):
    from crm.jobs import MAX_ATTEMPTS
    from customers.services.importing import import_batch_execute

    tag = unique()
    content = csv_bytes([["First name", "Last name", "E-mail"], ["Gone", "Away", f"gone-{tag}@example.com"]])
    client = tenant_client(alpha, alpha.admin)
    batch = check_file(client, alpha, "gone.csv", content, {0: "first_name", 1: "last_name", 2: "email"})
    with tenant_context(alpha.tenant):
        ImportBatch.objects.filter(pk=batch.pk).update(status="importing", attempts=MAX_ATTEMPTS)
        given_up = import_batch_execute(batch_id=batch.pk, tenant=alpha.tenant)
        assert (given_up.status, ImportBatch.objects.get(pk=batch.pk).status) == ("failed", "failed")
        assert given_up.error.startswith("A worker stopped 3 times while working on this file")
        assert not Customer.objects.filter(email=f"gone-{tag}@example.com").exists()
