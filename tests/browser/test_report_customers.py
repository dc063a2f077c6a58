"""A marketer turns a report's rows into customers to act on: the win-back list built in the real
Celery worker opens as the customer list, and the same run is saved as a segment. On the
`browser` retailer."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from campaigns.models import Segment
from customers.models import Customer
from reports.models import ReportRun

pytestmark = pytest.mark.browser


@pytest.fixture
def big_lapsed(committed_db, tenants):
    """Three customers of this test who bought 7,777 times and not for 400 days (no other customer
    of the retailer bought that often), one who still buys; removed afterwards with the runs and
    segments the test made."""
    setup = tenants["browser"]
    suffix = f"w{uuid.uuid4().hex[:6]}"
    now = timezone.now()
    with tenant_context(setup.tenant):
        last_run = ReportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        customers = [
            Customer.objects.create(
                first_name=f"Winback{index}",
                last_name=suffix,
                purchase_count=7777,
                purchase_total=Decimal("77770.00"),
                first_purchase_at=now - datetime.timedelta(days=2000),
                last_purchase_at=now - datetime.timedelta(days=400 if index < 3 else 5),
            )
            for index in range(4)
        ]
    yield {"suffix": suffix, "lapsed": customers[:3]}
    with tenant_context(setup.tenant):
        for run in ReportRun.objects.filter(pk__gt=last_run):
            if run.file:
                run.file.delete(save=False)
            run.delete()
        Segment.objects.filter(name__endswith=suffix).delete()
        Customer.objects.filter(pk__in=[customer.pk for customer in customers]).delete()


def test_a_marketer_opens_the_win_back_list_as_customers_and_saves_it_as_a_segment(
    page, live_server_port, tenants, big_lapsed, celery_worker, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    suffix = big_lapsed["suffix"]
    page.set_default_timeout(30_000)
    browser_log_in(page, live_server_port, "marketer", setup.marketer.password)

    page.goto(browser_url(live_server_port, "/reports/"))
    page.get_by_test_id("report-regulars-lapsed").get_by_role("link", name="Regulars and lapsed customers").click()
    page.get_by_label("List").select_option("win-back")
    page.get_by_label("No purchase for more than (days)").fill("300")
    page.get_by_label("Bought at least (times)").fill("7000")
    page.get_by_test_id("build-report").click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.get_by_test_id("report-preview").locator("tbody tr")).to_have_count(3)
    save_screenshot(page, "report-run-customer-links")
    run_url = page.url

    # Open as customer list: the run's three customers, with the list's columns and actions.
    page.get_by_test_id("open-customer-list").click()
    expect(page).to_have_url(re.compile(r"/customers/\?report_run=\d+$"))
    expect(page.get_by_test_id("result-count")).to_have_text("3 customers")
    rows = page.get_by_test_id("customer-row")
    expect(rows).to_have_count(3)
    for customer in big_lapsed["lapsed"]:
        expect(rows.filter(has_text=customer.first_name)).to_have_count(1)
    save_screenshot(page, "report-run-as-customer-list")

    # Save as segment: the builder starts from the run and counts the same three.
    page.goto(run_url)
    page.get_by_test_id("save-segment_id").click()
    expect(page.get_by_test_id("segment-count")).to_have_text("3 customers")
    page.get_by_label("Name").fill(f"Big lapsed {suffix}")
    page.get_by_role("button", name="Save the segment").click()
    expect(page.get_by_test_id("segment-count")).to_have_text("3 customers now")
    save_screenshot(page, "report-run-as-segment")
