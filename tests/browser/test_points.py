"""The customer card's Points tab in the browser, on the `browser` retailer: a sale's earning shows
in the ledger; an admin (who has the right) adjusts points with a reason and sees the new balance
and the ledger line; a marketer without the right sees no form, only a note."""

import re
import uuid
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer
from loyalty.models import PointsAccount, PointsEntry
from sales.models import Product, Store
from sales.services.sales import LineInput, sale_register

pytestmark = pytest.mark.browser

# The label "Points" (with the mark of a required field), not the choices "… points".
POINTS_FIELD = re.compile(r"^Points")


def test_the_points_tab_shows_a_sale_and_only_an_admin_adjusts(
    page, live_server_port, tenants, browser_log_in, save_screenshot, browser_url
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = uuid.uuid4().hex[:6]
    with tenant_context(setup.tenant):
        store = Store.objects.create(name=f"Harbour {suffix}", code=f"H{suffix}")
        Product.objects.create(sku=f"SCARF-{suffix}", name=f"Scarf {suffix}", list_price=Decimal("12.00"))
        customer = Customer.objects.create(first_name="Kati", last_name=f"Kuusk {suffix}", status="introduced")
        sale = sale_register(
            store=store, customer=customer, number=f"R-{suffix}", lines=[LineInput(f"SCARF-{suffix}", Decimal("2"))]
        )
        # The programme's settings are the retailer's (other tests may change them): the earning
        # is whatever the ledger says, and must be there.
        earned = PointsEntry.objects.get(sale=sale, kind=PointsEntry.Kind.EARN).points
    assert earned > 0

    # The admin opens the card's Points tab: the sale's earning is the ledger's line.
    browser_log_in(page, port, "admin", setup.admin.password)
    page.goto(browser_url(port, f"/customers/{customer.pk}/"))
    page.get_by_role("tab", name="Points").click()
    expect(page.get_by_test_id("points-balance")).to_have_text(str(earned))
    rows = page.get_by_test_id("points-entry")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("points-entry-kind")).to_have_text("Earned")
    expect(rows.first.get_by_test_id("points-entry-points")).to_have_text(f"+{earned}")
    expect(rows.first.get_by_test_id("points-entry-balance")).to_have_text(str(earned))
    expect(rows.first.get_by_test_id("points-entry-receipt")).to_have_text(f"R-{suffix}")
    expect(rows.first).to_contain_text(f"Harbour {suffix}")
    save_screenshot(page, "points-tab-after-sale")

    # No reason: refused beside the field, nothing written.
    form = page.get_by_test_id("points-adjust-form")
    form.get_by_label(POINTS_FIELD).fill("25")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Give a reason: the ledger shows it beside the adjustment.")).to_be_visible()
    expect(page.get_by_test_id("points-entry")).to_have_count(1)
    save_screenshot(page, "points-adjust-refused")

    # With a reason: the new balance and the ledger line, at once (htmx), without leaving the tab.
    form = page.get_by_test_id("points-adjust-form")
    form.get_by_label(POINTS_FIELD).fill("25")
    form.get_by_label("Reason").fill(f"The scarf came late {suffix}")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("points-notice")).to_have_text(
        f"+25 points recorded for Kati Kuusk {suffix}; the balance is {earned + 25}."
    )
    expect(page.get_by_test_id("points-balance")).to_have_text(str(earned + 25))
    rows = page.get_by_test_id("points-entry")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_test_id("points-entry-kind")).to_have_text("Manual adjustment")
    expect(rows.first.get_by_test_id("points-entry-points")).to_have_text("+25")
    expect(rows.first.get_by_test_id("points-entry-balance")).to_have_text(str(earned + 25))
    expect(rows.first.get_by_test_id("points-entry-reason")).to_contain_text(f"The scarf came late {suffix}")
    expect(rows.first.get_by_test_id("points-entry-source")).to_have_text("Back office")
    # A fresh form; the refused field's red border fades out (htmx settles, Bootstrap's transition).
    expect(page.get_by_test_id("points-adjust-form").get_by_label("Reason")).to_have_class("form-control")
    page.wait_for_timeout(300)
    save_screenshot(page, "points-adjusted-by-admin")
    with tenant_context(setup.tenant):
        assert PointsAccount.objects.get(pk=customer.pk).balance == earned + 25

    # The ledger's filter: manual adjustments only.
    page.get_by_test_id("points-filters").get_by_label("Kind").select_option(label="Manual adjustment")
    page.get_by_test_id("points-filters").get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("points-entry")).to_have_count(1)
    expect(page.get_by_test_id("points-count")).to_have_text("1 entry")

    # A marketer, who lacks the right, sees the balance and the ledger but no form.
    page.context.clear_cookies()
    browser_log_in(page, port, "marketer", setup.marketer.password)
    page.goto(browser_url(port, f"/customers/{customer.pk}/points/"))
    expect(page.get_by_test_id("points-balance")).to_have_text(str(earned + 25))
    expect(page.get_by_test_id("points-adjust-form")).to_have_count(0)
    expect(page.get_by_test_id("points-no-adjust")).to_contain_text("You may not adjust points.")
    expect(page.get_by_test_id("points-entry")).to_have_count(2)
    save_screenshot(page, "points-tab-without-the-right")
