"""A marketer builds a segment of lapsed customers in the browser: each condition counts again,
a custom property narrows it, the segment is saved and opened as a customer list. On the
`browser` retailer."""

import datetime
import uuid
from contextlib import contextmanager

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from campaigns.models import Segment
from customers.models import Customer, CustomProperty
from customers.services.properties import property_create

pytestmark = pytest.mark.browser


@pytest.fixture
def lapsed_customers(committed_db, tenants):
    """Four customers of a kind of their own (last name): three last bought months ago, two of
    them in the store channel; removed afterwards with the segment and the property."""
    setup = tenants["browser"]
    suffix = uuid.uuid4().hex[:6]
    code = f"channel_{suffix}"
    now = timezone.now()
    with tenant_context(setup.tenant):
        prop = property_create(
            code=code, label_en=f"Channel {suffix}", type=CustomProperty.Type.CHOICE, choices=["store", "web"]
        )
        specs = [(200, "store"), (150, "store"), (120, "web"), (5, "store")]
        customers = [
            Customer.objects.create(
                first_name=f"Lapsed {index}",
                last_name=suffix,
                purchase_count=3,
                purchase_total=90,
                first_purchase_at=now - datetime.timedelta(days=400),
                last_purchase_at=now - datetime.timedelta(days=days),
                properties={code: channel},
            )
            for index, (days, channel) in enumerate(specs)
        ]
    yield {"suffix": suffix, "property": prop}
    with tenant_context(setup.tenant):
        Segment.objects.filter(name__endswith=suffix).delete()
        Customer.objects.filter(pk__in=[customer.pk for customer in customers]).delete()
        CustomProperty.objects.filter(pk=prop.pk).delete()


@contextmanager
def _counted(page):
    """Wait for the builder's answer to what the block does (htmx counts again on each change),
    and for htmx to have settled the new builder (a person does not act within those 20 ms)."""
    with page.expect_response(lambda response: response.url.endswith("/segments/new/")):
        yield
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_a_marketer_builds_a_segment_of_lapsed_customers_and_opens_it_as_a_list(
    page, live_server_port, tenants, lapsed_customers, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    suffix = lapsed_customers["suffix"]
    label = lapsed_customers["property"].label_en
    page.set_default_timeout(20_000)
    browser_log_in(page, live_server_port, "marketer", setup.marketer.password)

    page.get_by_role("link", name="Segments").first.click()
    expect(page.get_by_role("heading", name="Segments", exact=True)).to_be_visible()
    page.get_by_role("link", name="New segment").click()
    count = page.get_by_test_id("segment-count")

    # 1. Customers of this test only: the one condition the segment starts with, changed to a
    # text search would not do; the last purchase 90 days ago or more narrows the whole base.
    conditions = page.get_by_test_id("condition")
    with _counted(page):
        conditions.nth(0).get_by_label("Condition on").select_option("days_since_last")
    expect(conditions.nth(0).get_by_label("Comparison")).to_have_value("gte")
    conditions.nth(0).get_by_label("Value").fill("90")
    with _counted(page):
        conditions.nth(0).get_by_label("Value").press("Tab")
    expect(conditions.nth(0).get_by_label("Value")).to_have_value("90")
    lapsed_everywhere = int(count.inner_text().split()[0].replace(",", ""))
    assert lapsed_everywhere >= 3

    # 2. A condition on the custom property: the count changes again.
    with _counted(page):
        page.get_by_role("button", name="Add a condition").click()
    expect(conditions).to_have_count(2)
    with _counted(page):
        conditions.nth(1).get_by_label("Condition on").select_option(f"p:{lapsed_customers['property'].code}")
    expect(conditions.nth(1).get_by_label("Value")).to_have_value("store")
    expect(count).to_have_text("2 customers")
    expect(page.get_by_test_id("preview-row")).to_have_count(2)
    expect(page.get_by_test_id("preview-row").first).to_contain_text(suffix)
    save_screenshot(page, "segment-builder")

    # 3. Saved, with a name: the segment's page counts it and says its conditions.
    page.get_by_label("Name").fill(f"Lapsed in store {suffix}")
    page.get_by_role("button", name="Save the segment").click()
    expect(page.get_by_role("heading", name=f"Lapsed in store {suffix}")).to_be_visible()
    expect(page.get_by_test_id("segment-count")).to_have_text("2 customers now")
    expect(page.get_by_test_id("segment-group")).to_contain_text("Days since the last purchase at least 90 days")
    expect(page.get_by_test_id("segment-group")).to_contain_text(f"{label} is store")
    save_screenshot(page, "segment-detail")

    # 4. Opened as a customer list: its two customers, the list's filters on top.
    page.get_by_test_id("open-as-list").click()
    expect(page.get_by_test_id("result-count")).to_have_text("2 customers")
    rows = page.get_by_test_id("customer-row")
    expect(rows).to_have_count(2)
    for index in (0, 1):
        expect(rows.nth(index)).to_contain_text(suffix)
    save_screenshot(page, "segment-as-customer-list")
