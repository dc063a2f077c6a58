"""The platform operator creates a retailer in the admin, and suspends it."""

import pytest
from playwright.sync_api import expect

from staff.models import User
from tenants.models import Tenant

pytestmark = pytest.mark.browser


def test_operator_creates_a_retailer_whose_admin_logs_in_then_suspends_it(
    page, live_server_port, committed_db, save_screenshot, browser_log_in, browser_url
):
    User.objects.create_superuser("platform-operator", "operator@regulars.example", "operator-password-1")
    port = live_server_port
    page.goto(browser_url(port, "/admin/", host="localhost"))
    page.get_by_label("Username").fill("platform-operator")
    page.get_by_label("Password").fill("operator-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Retailers and tariff plans")).to_be_visible()
    page.goto(browser_url(port, "/admin/tenants/tenant/add/", host="localhost"))
    page.get_by_label("Name:", exact=True).fill("Lillepood")
    page.get_by_label("Short name").fill("lillepood")
    page.get_by_label("Tariff plan").select_option(label="Start")
    expect(page.get_by_label("Currency")).to_have_value("EUR")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Tallinn")
    page.get_by_label("Currency").select_option("SEK")
    page.get_by_label("Time zone").select_option("Europe/Stockholm")
    page.get_by_label("First admin's user name").fill("owner")
    page.get_by_label("First admin's e-mail").fill("owner@lillepood.example")
    page.get_by_label("First admin's password").fill("short")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    page.get_by_label("First admin's password").fill("lillepood-owner-password")
    # Saving creates the retailer's schema and runs every migration in it: allow for a busy machine.
    page.get_by_role("button", name="Save", exact=True).click(timeout=90_000)
    expect(page.locator("#result_list").get_by_role("link", name="Lillepood")).to_be_visible()
    save_screenshot(page, "operator-retailers")
    assert Tenant.objects.filter(schema_name="lillepood").values_list("currency", "time_zone").get() == (
        "SEK",
        "Europe/Stockholm",
    )

    retailer = page.context.new_page()
    browser_log_in(retailer, port, "owner", "lillepood-owner-password", host="lillepood.localhost")
    expect(retailer.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(retailer.get_by_role("link", name="Lillepood")).to_be_visible()
    # Before the first sale the owner may still change them, in Settings → Retailer.
    retailer.get_by_role("button", name="Settings").click()
    retailer.get_by_role("link", name="Retailer", exact=True).click()
    expect(retailer.get_by_label("Currency")).to_have_value("SEK")
    retailer.get_by_label("Time zone").select_option("Europe/Helsinki")
    retailer.get_by_role("button", name="Save").click()
    expect(retailer.get_by_text("Currency and time zone saved.")).to_be_visible()
    expect(retailer.get_by_label("Time zone")).to_have_value("Europe/Helsinki")
    save_screenshot(retailer, "retailer-settings")

    page.get_by_role("checkbox", name="Select this object for an action - Lillepood").check()
    page.get_by_label("Action:").select_option(label="Suspend the selected retailers")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 retailer suspended.")).to_be_visible()

    retailer.reload()
    expect(retailer.get_by_test_id("suspended")).to_have_text(
        "The back office of Lillepood is suspended by the platform operator. Your data is kept. "
        "Please ask the owner of your account to contact the operator."
    )
    save_screenshot(retailer, "retailer-suspended")
