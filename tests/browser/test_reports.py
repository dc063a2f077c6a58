"""A marketer builds reports in the browser: the list of reports, a report's form, the run's page
that follows the build in the real Celery worker until it is done, its chart and preview, and the
Excel file downloaded and opened. On the `browser` retailer."""

import datetime
import io
import re
import uuid
from pathlib import Path

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer, CustomerGroup
from customers.services import group_create
from reports.models import ReportRun
from reports.months import month_label, month_starts

pytestmark = pytest.mark.browser


@pytest.fixture
def customers_to_report(committed_db, tenants):
    """Customers in two groups and none, in every status; removed afterwards with the runs the
    test built and their files."""
    setup = tenants["browser"]
    # A letter first: six digits would be searched as a phone number, not as the last name.
    suffix = f"r{uuid.uuid4().hex[:6]}"
    with tenant_context(setup.tenant):
        last_run = ReportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        regulars = group_create(name=f"Regulars {suffix}")
        wholesale = group_create(name=f"Wholesale {suffix}")
        specs = (
            [("introduced", regulars)] * 6
            + [("introduced", wholesale)] * 3
            + [("introduced", None)] * 2
            + [("control", regulars)] * 2
            + [("control", None)] * 4
            + [("archived", None)]
        )
        customers = [
            Customer.objects.create(
                first_name=f"Report {index}",
                last_name=suffix,
                status=status,
                group=group,
                email=f"report-{index}-{suffix}@example.com" if index % 2 else "",
                phone=f"+3725{index:07d}" if index % 3 else "",
                email_consent=bool(index % 2),
            )
            for index, (status, group) in enumerate(specs)
        ]
    yield {"suffix": suffix, "count": len(customers)}
    with tenant_context(setup.tenant):
        for run in ReportRun.objects.filter(pk__gt=last_run):
            if run.file:
                run.file.delete(save=False)
            run.delete()
        Customer.objects.filter(pk__in=[customer.pk for customer in customers]).delete()
        CustomerGroup.objects.filter(pk__in=[regulars.pk, wholesale.pk]).delete()


def _build(page, port: int, code: str, title: str, choose=None, *, browser_url) -> int:
    """Open the report's form from the list, build it and follow the run's page until it is done;
    returns the run's id."""
    page.goto(browser_url(port, "/reports/"))
    page.get_by_test_id(f"report-{code}").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    if choose:
        choose(page)
    page.get_by_test_id("build-report").click()
    expect(page).to_have_url(re.compile(r"/reports/runs/\d+/$"))
    run_id = int(re.search(r"/reports/runs/(\d+)/$", page.url).group(1))
    state = page.locator("#run-state")
    # Waiting, building, or already done when the page opens; htmx polls until it is done.
    expect(state).to_have_attribute("data-status", re.compile(r"^(queued|running|done)$"))
    expect(state).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.get_by_test_id("report-chart").locator("svg")).to_be_visible()
    return run_id


def _download(page, title: str, run_id: int, filename: str) -> openpyxl.Workbook:
    with page.expect_download() as download_info:
        page.get_by_test_id("report-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{filename}-{run_id}.xlsx"
    # Playwright keeps the file under a name without its extension: open it as bytes.
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert workbook.active["A1"].value == title
    return workbook


def test_a_marketer_builds_three_reports_and_downloads_them(
    page, live_server_port, tenants, customers_to_report, celery_worker, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = customers_to_report["suffix"]
    page.set_default_timeout(30_000)
    browser_log_in(page, port, "marketer", setup.marketer.password)

    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_test_id("report-customer-base")).to_contain_text("Customer base")
    expect(page.get_by_test_id("report-loyalty-points")).to_contain_text("Loyalty points")
    save_screenshot(page, "reports-list")

    # 1. Loyalty points over the default period (the last twelve months): a line per figure.
    loyalty_id = _build(page, port, "loyalty-points", "Loyalty points", browser_url=browser_url)
    today = datetime.date.today()
    months = month_starts(today - relativedelta(months=12) + datetime.timedelta(days=1), today)
    expect(page.get_by_test_id("report-preview").locator("tbody tr")).to_have_count(len(months))
    expect(page.get_by_test_id("report-preview").locator("tbody tr").last).to_contain_text(month_label(today))
    save_screenshot(page, "report-run-loyalty-points")
    sheet = _download(page, "Loyalty points", loyalty_id, "loyalty-points").active
    assert [cell.value for cell in sheet[6]][:2] == ["Month", "Earned"]

    # 2. The customer base by status and group, with the Control queue.
    def by_status(page):
        page.get_by_label("View").select_option(label="Customers by status and group")

    base_id = _build(page, port, "customer-base", "Customer base", by_status, browser_url=browser_url)
    preview = page.get_by_test_id("report-preview")
    expect(preview.locator("tbody tr").filter(has_text=f"Regulars {suffix}").first).to_contain_text("6")
    expect(preview.locator("tbody tr").last).to_contain_text("Control queue: records to complete")
    expect(page.get_by_test_id("report-chart").locator("rect")).not_to_have_count(0)
    save_screenshot(page, "report-run-customer-base")
    rows = list(_download(page, "Customer base", base_id, "customer-base").active.iter_rows(values_only=True))
    assert ("Introduced", f"Regulars {suffix}", 6) in rows
    assert ("Control", f"Regulars {suffix}", 2) in rows

    # 3. How complete the records are: a bar per field, in percent.
    def completeness(page):
        page.get_by_label("View").select_option(label="Completeness of the records")

    completeness_id = _build(page, port, "customer-base", "Customer base", completeness, browser_url=browser_url)
    expect(page.get_by_test_id("report-preview")).to_contain_text("E-mail")
    expect(page.get_by_test_id("report-chart")).to_contain_text("%")
    save_screenshot(page, "report-run-completeness")
    _download(page, "Customer base", completeness_id, "customer-base")

    # The list shows the three runs, newest first, each ready to download.
    page.get_by_role("link", name="Reports").first.click()
    runs = page.get_by_test_id("report-runs").locator("tbody tr")
    expect(runs.nth(0)).to_contain_text("Completeness of the records")
    expect(runs.nth(1)).to_contain_text("Customers by status and group")
    expect(runs.nth(2)).to_contain_text("Loyalty points")
    for index in range(3):
        expect(runs.nth(index)).to_contain_text("Ready")
        expect(runs.nth(index).get_by_role("link", name="Download")).to_be_visible()
    save_screenshot(page, "reports-list-with-runs")


def test_a_marketer_exports_the_filtered_customer_list_and_downloads_it(
    page, live_server_port, tenants, customers_to_report, celery_worker, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = customers_to_report["suffix"]
    page.set_default_timeout(30_000)
    browser_log_in(page, port, "marketer", setup.marketer.password)

    page.goto(browser_url(port, f"/customers/?q={suffix}&status=introduced&cols=name&cols=email&cols=email_consent"))
    expect(page.get_by_test_id("result-count")).to_have_text("11 customers")
    page.get_by_test_id("customer-export").click()
    expect(page).to_have_url(re.compile(r"/reports/runs/\d+/$"))
    run_id = int(re.search(r"/reports/runs/(\d+)/$", page.url).group(1))
    expect(page.get_by_role("heading", name="Customer export")).to_be_visible()
    expect(page.locator("dl")).to_contain_text(f"Search{suffix}")
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("#run-state")).to_contain_text("11 rows")
    preview = page.get_by_test_id("report-preview")
    expect(preview.locator("thead th")).to_have_text(["Name", "E-mail", "E-mail consent"])
    expect(preview.locator("tbody tr")).to_have_count(11)
    save_screenshot(page, "customer-export-run")

    with page.expect_download() as download_info:
        page.get_by_test_id("report-download").click()
    download = download_info.value
    assert download.suggested_filename == f"customer-export-{run_id}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("Name", "E-mail", "E-mail consent")
    assert len(rows) == 12
    assert (f"Report 1 {suffix}", f"report-1-{suffix}@example.com", True) in rows
    assert (f"Report 2 {suffix}", None, False) in rows

    # The run waits in the list of reports, ready to download again.
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_test_id("report-runs").locator("tbody tr").first).to_contain_text("Customer export")
    expect(page.get_by_test_id("report-runs").locator("tbody tr").first).to_contain_text("Ready")
