"""The customer export: the list's filter and columns, built as a run in the background and
downloaded from the run's page; typed cells, text that stays text, a filter that is refused with
its reason, rights and tenants. Built in this process inside the test's transaction (the real
worker builds it in tests/browser/test_reports.py); the files written are removed."""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services import property_create
from reports.models import ReportRun
from reports.services import report_run_build

COLUMNS = (
    "cols=name&cols=phone&cols=p_shoe_size&cols=birth_date&cols=purchase_total&cols=email_consent"
    "&cols=p_member_since&cols=p_has_pet&cols=created_at&cols=status"
)


@pytest.fixture
def files_removed(alpha):
    with tenant_context(alpha.tenant):
        last = ReportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    with tenant_context(alpha.tenant):
        for run in ReportRun.objects.filter(pk__gt=last):
            if run.file:
                run.file.delete(save=False)


def _export(client, query: str) -> int:
    response = client.post("/customers/export/", {"query": query})
    assert response.status_code == 302, response.content.decode()[:500]
    found = re.fullmatch(r"/reports/runs/(\d+)/", response["Location"])
    assert found, response["Location"]
    return int(found.group(1))


def _rows(client, run_id: int):
    response = client.get(f"/reports/runs/{run_id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="customer-export-{run_id}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return sheet, list(sheet.iter_rows(values_only=True))


@pytest.mark.django_db
def test_the_export_builds_the_lists_filter_with_typed_cells_and_text_that_stays_text(
    alpha, directory, files_removed, tenant_client
):
    with tenant_context(alpha.tenant):
        Customer.objects.create(first_name='=HYPERLINK("x")', last_name="Tamm", status="introduced")
        mari = Customer.objects.get(first_name="Mari")
        Customer.objects.filter(pk=mari.pk).update(purchase_total="1234.50")
    client = tenant_client(alpha, alpha.marketer)

    run_id = _export(client, f"q=tamm&page=2&{COLUMNS}")
    with tenant_context(alpha.tenant):
        run = ReportRun.objects.get(pk=run_id)
        assert (run.code, run.status, run.requested_by.username) == ("customer-export", "queued", "marketer")
        # The page's number is not part of the filter.
        assert run.parameters == {"query": f"q=tamm&{COLUMNS}"}
        assert run.parameters_text == [
            ["Search", "tamm"],
            ["Status", "Active (Introduced and Control)"],
            ["Sort", "Newest first"],
            [
                "Columns",
                # In the list's order of columns, custom properties last.
                "Name, Status, Phone, Birth date, Total amount, E-mail consent, Created, Has a pet, Member since, "
                "Shoe size",
            ],
        ]
        assert report_run_build(run_id=run_id).status == "done"
        mari.refresh_from_db()

    page = client.get(f"/reports/runs/{run_id}/").content.decode()
    assert 'data-status="done"' in page
    assert "3 rows" in page
    assert 'data-testid="report-preview"' in page
    assert "Mari Tamm" in page and "Yes" in page

    sheet, rows = _rows(client, run_id)
    header = rows[0]
    assert header == (
        "Name",
        "Status",
        "Phone",
        "Birth date",
        "Total amount",
        "E-mail consent",
        "Created",
        "Has a pet",
        "Member since",
        "Shoe size",
    )
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_name) == ['=HYPERLINK("x") Tamm', "Mari Tamm", "Tiina Tamme"]
    row = by_name["Mari Tamm"]
    assert abs(row.pop("Created") - timezone.localtime(mari.created_at).replace(tzinfo=None)) < datetime.timedelta(
        seconds=1
    )
    assert row == {
        "Name": "Mari Tamm",
        "Status": "Introduced",
        "Phone": "+37251234567",
        "Birth date": datetime.datetime.combine(mari.birth_date, datetime.time()),
        "Total amount": 1234.5,
        "E-mail consent": True,
        "Has a pet": True,
        "Member since": datetime.datetime(2019, 3, 1),
        "Shoe size": 38,
    }
    # Cells carry their formats; a name that looks like a formula is a text cell.
    mari_cells = next(cells for cells in sheet.iter_rows() if cells[0].value == "Mari Tamm")
    cells = dict(zip(header, mari_cells, strict=True))
    assert cells["Birth date"].number_format == "yyyy-mm-dd"
    assert cells["Total amount"].number_format == '#,##0.00 "EUR"'
    assert cells["Created"].number_format == "yyyy-mm-dd hh:mm"
    formula_like = next(cell for cell in sheet["A"] if str(cell.value).startswith("="))
    assert formula_like.data_type == "s"
    assert sheet.freeze_panes == "A2"


@pytest.mark.django_db
def test_an_export_of_nothing_has_the_header_and_a_label_used_twice_is_told_apart(
    alpha, directory, files_removed, tenant_client
):
    with tenant_context(alpha.tenant):
        property_create(code="nickname", label_en="Name", type="text")
    client = tenant_client(alpha, alpha.marketer)
    run_id = _export(client, "q=nobody-is-called-this&cols=name&cols=p_nickname&cols=city")
    with tenant_context(alpha.tenant):
        assert report_run_build(run_id=run_id).row_count == 0
    assert _rows(client, run_id)[1] == [("Name", "City", "Name (2)")]


@pytest.mark.django_db
def test_a_filter_the_list_cannot_apply_is_refused_naming_it_and_no_run_is_made(alpha, directory, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        runs = ReportRun.objects.count()
    response = client.post("/customers/export/", {"query": "age_min=-3&cols=name"}, follow=True)
    assert response.redirect_chain[-1][0] == "/customers/?age_min=-3&cols=name"
    assert (
        "The list&#x27;s filter cannot be exported: Age from: Ensure this value is greater than or equal to 0."
        in response.content.decode()
    )
    with tenant_context(alpha.tenant):
        assert ReportRun.objects.count() == runs


@pytest.mark.django_db
def test_only_those_who_may_export_start_or_open_an_export_and_another_retailer_sees_none(
    alpha, beta, directory, files_removed, tenant_client
):
    assert tenant_client(alpha, alpha.cashier).post("/customers/export/", {"query": ""}).status_code == 403
    client = tenant_client(alpha, alpha.marketer)
    assert client.get("/customers/export/").status_code == 405
    run_id = _export(client, "cols=name")
    with tenant_context(alpha.tenant):
        report_run_build(run_id=run_id)
    for path in (f"/reports/runs/{run_id}/", f"/reports/runs/{run_id}/download/"):
        assert tenant_client(alpha, alpha.cashier).get(path).status_code == 403
    # The export starts from the customer list: not offered, nor startable, among the reports.
    reports_page = client.get("/reports/").content.decode()
    assert 'data-testid="report-customer-export"' not in reports_page
    assert f'href="/reports/runs/{run_id}/"' in reports_page
    assert client.get("/reports/customer-export/").status_code == 404
    # The same run number at another retailer is not alpha's run.
    beta_client = tenant_client(beta, beta.marketer)
    with tenant_context(beta.tenant):
        assert not ReportRun.objects.filter(pk=run_id).exists()
    assert beta_client.get(f"/reports/runs/{run_id}/download/").status_code == 404
