"""The retailer's own customer number: stored stripped, unique among the customers that have one
(whatever its case), on the form, the card, the list, the search, the export and a merge; the
same number may be in two retailers, each finding only its own."""

import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent
from customers.services import customer_create, customer_update
from customers.services.merging import customer_merge
from reports.models import ReportRun
from reports.services import report_run_build
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Mari", "last_name": "Tamm", "phone": "5123 4567", "status": "introduced"}


def state() -> list[tuple]:
    """Every customer's number and name, and the history's size: what a refusal leaves alone."""
    return [
        *Customer.objects.order_by("pk").values_list("pk", "number", "first_name", "last_name"),
        ("events", CustomerEvent.objects.count()),
    ]


# --- the record ----------------------------------------------------------------------------------


def test_a_number_is_stored_stripped_and_blank_numbers_never_clash(alpha):
    with tenant_context(alpha.tenant):
        mari = customer_create(tenant=alpha.tenant, fields={"first_name": "Mari", "number": "  K-1001 "})
        customer_create(tenant=alpha.tenant, fields={"first_name": "Jaan", "number": ""})
        customer_create(tenant=alpha.tenant, fields={"first_name": "Anu", "number": "   "})
        mari.refresh_from_db()
        assert mari.number == "K-1001"
        assert sorted(Customer.objects.filter(first_name__in=["Jaan", "Anu"]).values_list("number", flat=True)) == [
            "",
            "",
        ]
        assert list(Customer.objects.by_number("k-1001").values_list("pk", flat=True)) == [mari.pk]
        assert not Customer.objects.by_number("").exists()


def test_a_number_another_customer_has_is_refused_naming_them_and_nothing_is_saved(alpha):
    with tenant_context(alpha.tenant):
        mari = customer_create(tenant=alpha.tenant, fields={"first_name": "Mari", "last_name": "Tamm", "number": "K-1"})
        jaan = customer_create(tenant=alpha.tenant, fields={"first_name": "Jaan", "number": "K-2"})
        before = state()
        message = f"The customer number “k-1” is already Mari Tamm's (customer code {mari.pk})."
        with pytest.raises(ValidationError) as created:
            customer_create(tenant=alpha.tenant, fields={"first_name": "Anu", "number": "k-1"})
        assert created.value.message_dict == {"number": [message]}
        with pytest.raises(ValidationError) as updated:
            customer_update(tenant=alpha.tenant, customer=jaan, fields={"number": " k-1 ", "last_name": "Kask"})
        assert updated.value.message_dict == {"number": [message]}
        assert state() == before


def test_the_database_refuses_a_second_customer_with_the_number_in_another_case(alpha):
    with tenant_context(alpha.tenant):
        CustomerFactory(number="AB-7")
        before = Customer.objects.count()
        with pytest.raises(Exception) as refused, transaction.atomic():
            CustomerFactory(number="ab-7")
        assert "customer_number_unique" in str(refused.value)
        assert Customer.objects.count() == before


def test_a_look_up_by_number_uses_the_unique_index(alpha):
    with tenant_context(alpha.tenant), transaction.atomic():
        CustomerFactory(number="IDX-1")
        with connection.cursor() as cursor:
            # The table is tiny: without this the planner reads it whole, whatever the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
        single = Customer.objects.by_number("idx-1").explain()
        several = Customer.objects.by_numbers(["idx-1", "IDX-2", "idx-3"]).explain()
    assert "customer_number_unique" in single, single
    assert "customer_number_unique" in several, several


def test_a_number_change_is_in_the_history(alpha):
    with tenant_context(alpha.tenant):
        mari = customer_create(tenant=alpha.tenant, fields={"first_name": "Mari", "number": "K-1"})
        customer_update(tenant=alpha.tenant, customer=mari, fields={"number": "K-9"})
        assert list(
            CustomerEvent.objects.filter(customer=mari, kind="changed").values_list("field", "old_value", "new_value")
        ) == [("number", "K-1", "K-9")]


# --- the form and the card -----------------------------------------------------------------------


def test_the_form_saves_the_number_and_the_card_and_the_list_show_it(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post("/customers/new/person/", {**PERSON, "number": " 000123 "})
    with tenant_context(alpha.tenant):
        mari = Customer.objects.get(last_name="Tamm")
    assert response["Location"] == f"/customers/{mari.pk}/"
    assert mari.number == "000123"
    card = client.get(f"/customers/{mari.pk}/").content.decode()
    assert 'Customer number: <strong data-testid="customer-number">000123</strong>' in card
    listed = client.get("/customers/")
    assert [str(column.label) for column in listed.context["columns"]][:2] == ["Name", "Customer number"]
    assert [row.values[:2] for row in listed.context["rows"]] == [["Mari Tamm", "000123"]]
    assert '<th scope="col">Customer number</th>' in listed.content.decode()
    edit = client.get(f"/customers/{mari.pk}/edit/").content.decode()
    assert 'name="number" value="000123"' in edit
    # One field on each form, in its first section.
    for page in (edit, client.get("/customers/new/business/").content.decode()):
        assert page.count('name="number"') == 1


def test_the_form_refuses_a_taken_number_with_its_holder_and_saves_nothing(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        holder = CustomerFactory(first_name="Kati", last_name="Saar", number="K-1")
        jaan = CustomerFactory(first_name="Jaan", last_name="Kask", number="K-2")
        before = state()
    client = tenant_client(alpha, alpha.marketer)
    message = f"The customer number “k-1” is already Kati Saar's (customer code {holder.pk})."

    created = client.post("/customers/new/person/", {**PERSON, "number": "k-1"})
    assert created.status_code == 200
    assert created.context["form"].errors == {"number": [message]}
    # On the page, by the field (the apostrophe escaped).
    assert "The customer number “k-1” is already Kati Saar" in created.content.decode()
    edited = client.post(
        f"/customers/{jaan.pk}/edit/", {"first_name": "Jaan", "last_name": "Kask", "number": "k-1", "status": "control"}
    )
    assert edited.status_code == 200
    assert edited.context["form"].errors == {"number": [message]}
    too_long = client.post("/customers/new/person/", {**PERSON, "number": "9" * 41})
    assert too_long.status_code == 200
    assert too_long.context["form"].errors == {"number": ["Ensure this value has at most 40 characters (it has 41)."]}
    with tenant_context(alpha.tenant):
        assert state() == before


# --- search, list, export --------------------------------------------------------------------------


def test_the_list_finds_a_customer_by_the_exact_number_whatever_its_case(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        mari = CustomerFactory(first_name="Mari", last_name="Tamm", number="AB-100")
        CustomerFactory(first_name="Jaan", last_name="Kask", number="AB-1000")
    client = tenant_client(alpha, alpha.marketer)
    found = client.get("/customers/", {"q": "ab-100"})
    assert [row.customer.pk for row in found.context["rows"]] == [mari.pk]
    # Exact, not a part of it.
    assert client.get("/customers/", {"q": "AB-10"}).context["rows"] == []


def test_the_header_search_opens_the_card_of_an_exact_number_also_found_in_phones(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        numbered = CustomerFactory(first_name="Mari", last_name="Tamm", number="55501")
        CustomerFactory(first_name="Jaan", last_name="Kask", phone="+37255501234")
        CustomerFactory(first_name="Anu", last_name="Saar", phone="+37255501999")
    client = tenant_client(alpha, alpha.marketer)
    # The list shows all three (the digits are in two phones) ...
    listed = client.get("/customers/", {"q": "55501"})
    assert sorted(str(row.customer) for row in listed.context["rows"]) == ["Anu Saar", "Jaan Kask", "Mari Tamm"]
    # ... the header's box opens the card of the number.
    opened = client.get("/customers/", {"q": "55501", "go": "1"})
    assert (opened.status_code, opened["Location"]) == (302, f"/customers/{numbered.pk}/")
    # Without an exact number, several matches still show the list.
    assert client.get("/customers/", {"q": "5550", "go": "1"}).status_code == 200


def test_the_export_has_a_customer_number_column(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        CustomerFactory(first_name="Mari", last_name="Tamm", number="=K-1")
        CustomerFactory(first_name="Jaan", last_name="Tamm")
        last = ReportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client = tenant_client(alpha, alpha.marketer)
    response = client.post("/customers/export/", {"query": "q=tamm&sort=name&cols=name&cols=number"})
    run_id = int(re.fullmatch(r"/reports/runs/(\d+)/", response["Location"]).group(1))
    try:
        with tenant_context(alpha.tenant):
            assert report_run_build(run_id=run_id).status == "done"
        download = client.get(f"/reports/runs/{run_id}/download/")
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows == [("Name", "Customer number"), ("Jaan Tamm", None), ("Mari Tamm", "=K-1")]
        # Text that stays text, never a formula.
        assert sheet["B3"].data_type == "s"
    finally:
        with tenant_context(alpha.tenant):
            for run in ReportRun.objects.filter(pk__gt=last):
                if run.file:
                    run.file.delete(save=False)


# --- merging ---------------------------------------------------------------------------------------


def test_a_merge_gives_the_kept_record_the_removed_ones_number(alpha):
    with tenant_context(alpha.tenant):
        keep = CustomerFactory(first_name="Mari", last_name="Tamm")
        remove = CustomerFactory(first_name="Mari", last_name="Tamm", number="K-5")
        kept = customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)
        assert kept.number == "K-5"
        assert list(Customer.objects.by_number("k-5").values_list("pk", flat=True)) == [keep.pk]
        assert ("changed", "number", "", "K-5") in set(
            CustomerEvent.objects.filter(customer=keep).values_list("kind", "field", "old_value", "new_value")
        )


def test_a_merge_of_two_numbered_records_keeps_the_kept_number_and_names_the_other(alpha):
    with tenant_context(alpha.tenant):
        keep = CustomerFactory(first_name="Mari", last_name="Tamm", number="K-1")
        remove = CustomerFactory(first_name="Mari", last_name="Tamm", number="K-2")
        removed_id = remove.pk
        kept = customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)
        assert kept.number == "K-1"
        assert not Customer.objects.by_number("K-2").exists()
        merged = CustomerEvent.objects.get(customer=keep, kind="merged")
        assert merged.new_value == f"Mari Tamm (#{removed_id}, customer number K-2)"


# --- two retailers ---------------------------------------------------------------------------------


def test_the_same_number_in_two_retailers_and_each_finds_only_its_own(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        own = CustomerFactory(first_name="Alpha", last_name="Tamm", number="SHARED-1")
    with tenant_context(beta.tenant):
        CustomerFactory(first_name="Beta", last_name="Tamm", number="shared-1")
        CustomerFactory(first_name="Beta", last_name="Only", number="BETA-ONLY")
    client = tenant_client(alpha, alpha.marketer)
    found = client.get("/customers/", {"q": "shared-1", "go": "1"})
    assert (found.status_code, found["Location"]) == (302, f"/customers/{own.pk}/")
    assert client.get("/customers/", {"q": "BETA-ONLY"}).context["rows"] == []
    with tenant_context(alpha.tenant):
        assert not Customer.objects.by_number("BETA-ONLY").exists()


def test_a_number_taken_meanwhile_is_refused_by_the_index_with_the_same_message(alpha, monkeypatch):
    """Two saves racing past the check: the unique index refuses the second, with the message."""
    from customers.services import customers as customer_services

    with tenant_context(alpha.tenant):
        holder = CustomerFactory(first_name="Kati", last_name="Saar", number="RACE-1")
        monkeypatch.setattr(customer_services, "_number_check", lambda customer: None)
        before = state()
        with pytest.raises(ValidationError) as refused:
            customer_create(tenant=alpha.tenant, fields={"first_name": "Anu", "number": "race-1"})
        assert refused.value.message_dict == {
            "number": [f"The customer number “race-1” is already Kati Saar's (customer code {holder.pk})."]
        }
        assert state() == before
