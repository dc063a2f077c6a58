"""A person at the browser: log in as each role, see the dashboard, switch language, manage staff.

Runs Debian's Chromium through Playwright against the live server, on the `browser` retailer.
"""

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from staff.models import User
from staff.roles import Role
from staff.services import staff_create

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["admin", "marketer", "cashier"])
def test_each_role_logs_in_and_sees_the_dashboard(
    page, live_server_port, tenants, role, save_screenshot, expected_http_errors, browser_url, browser_log_in
):
    setup = tenants["browser"]
    expected_http_errors.add(403)
    browser_log_in(page, live_server_port, role, getattr(setup, role).password)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("staff-active")).to_have_text("3")
    settings_menu = page.get_by_role("button", name="Settings").or_(page.get_by_role("link", name="Settings"))
    if role == "admin":
        expect(settings_menu).to_be_visible()
        expect(page.get_by_test_id("usage-staff_users")).to_contain_text("3 of 15")
    else:
        expect(settings_menu).to_have_count(0)
        page.goto(browser_url(live_server_port, "/settings/staff/"))
        expect(page.get_by_test_id("forbidden")).to_have_text(
            "Your role does not allow this page. Ask your admin if you need it."
        )
        save_screenshot(page, f"forbidden-{role}")
        page.goto(browser_url(live_server_port, "/"))
    save_screenshot(page, f"dashboard-{role}")


def test_a_wrong_password_shows_a_clear_message(page, live_server_port, tenants, save_screenshot, browser_log_in):
    browser_log_in(page, live_server_port, "marketer", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The user name or the password is wrong.")
    save_screenshot(page, "login-wrong-password")


def test_switching_language_translates_the_interface_and_is_remembered(
    page, live_server_port, tenants, save_screenshot, browser_log_in
):
    setup = tenants["browser"]
    try:
        browser_log_in(page, live_server_port, "marketer", setup.marketer.password)
        page.get_by_label("Language").select_option("de")
        expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
        save_screenshot(page, "dashboard-de")
        page.get_by_label("Sprache").select_option("et")
        expect(page.get_by_role("heading", name="Töölaud")).to_be_visible()
        save_screenshot(page, "dashboard-et")
        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="Logi välja").click()
        expect(page.get_by_role("heading", name="Logi sisse")).to_be_visible()
    finally:
        with tenant_context(setup.tenant):
            User.objects.filter(username="marketer").update(language="")


def test_admin_adds_a_staff_member_who_then_logs_in(page, live_server_port, tenants, save_screenshot, browser_log_in):
    setup = tenants["browser"]
    browser_log_in(page, live_server_port, "admin", setup.admin.password)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    save_screenshot(page, "staff-list")
    page.get_by_role("link", name="New staff member").click()
    page.get_by_label("User name").fill("tiina")
    page.get_by_label("First name").fill("Tiina")
    page.get_by_label("Last name").fill("Kask")
    page.get_by_label("Role").select_option("cashier")
    page.get_by_label("May adjust loyalty points").check()
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("This password is too short. It must contain at least 8 characters.")).to_be_visible()
    save_screenshot(page, "staff-form-error")
    page.get_by_label("Initial password").fill("tiina-first-password")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Tiina Kask can log in now.")).to_be_visible()
    expect(page.get_by_test_id("staff-row-tiina")).to_contain_text("may adjust points")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    browser_log_in(page, live_server_port, "tiina", "tiina-first-password")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_contain_text("Tiina Kask")


def test_repeated_wrong_passwords_lock_the_login(
    page, live_server_port, tenants, save_screenshot, expected_http_errors, browser_log_in
):
    setup = tenants["browser"]
    expected_http_errors.add(429)
    with tenant_context(setup.tenant):
        staff_create(
            tenant=setup.tenant,
            username="forgetful",
            email="",
            first_name="",
            last_name="",
            role=Role.CASHIER,
            password="forgetful-password",
        )
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        browser_log_in(page, live_server_port, "forgetful", "wrong")
    browser_log_in(page, live_server_port, "forgetful", "forgetful-password")
    expect(page.get_by_test_id("locked-out")).to_contain_text(
        "Try again in 15 minutes, or ask your admin to unlock it."
    )
    save_screenshot(page, "login-locked-out")


def test_unknown_host_page(page, live_server_port, save_screenshot, expected_http_errors, browser_url):
    expected_http_errors.add(404)
    page.goto(browser_url(live_server_port, "/", host="nowhere.localhost"))
    expect(page.get_by_test_id("unknown-host")).to_contain_text(
        "There is no retailer at the address nowhere.localhost."
    )
    save_screenshot(page, "unknown-host")
