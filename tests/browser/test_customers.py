"""A marketer's day in the customer directory, in the browser, on the `browser` retailer."""

import re

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer
from reports.models import ReportRun

pytestmark = pytest.mark.browser


def define_property(page, port, *, code, label, type_label, shown=False, browser_url):
    page.goto(browser_url(port, "/settings/customers/properties/new/"))
    page.get_by_label("Code").fill(code)
    page.get_by_label("Label in English").fill(label)
    page.get_by_label("Type").select_option(label=type_label)
    if shown:
        page.get_by_label("Shown in the list").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Property “{label}” saved.")).to_be_visible()


def test_a_marketers_day(page, live_server_port, tenants, browser_url, browser_log_in, save_screenshot):
    setup = tenants["browser"]
    port = live_server_port
    browser_log_in(page, port, "admin", setup.admin.password)

    # The admin defines two properties: a date and a number.
    define_property(
        page, port, code="member_since", label="Member since", type_label="Date", shown=True, browser_url=browser_url
    )
    define_property(page, port, code="shoe_size", label="Shoe size", type_label="Number", browser_url=browser_url)
    save_screenshot(page, "customer-properties")

    # A private customer with a property value.
    page.goto(browser_url(port, "/customers/"))
    page.get_by_role("link", name="New private customer").click()
    page.get_by_label("Customer number").fill(" KK-1001 ")
    page.get_by_label("First name").fill("Kadri")
    page.get_by_label("Last name").fill("Kask")
    page.get_by_label("Phone").fill("5123 9876")
    page.get_by_label("E-mail", exact=True).fill("kadri.kask@example.com")
    page.get_by_label("Shoe size").fill("big")
    page.get_by_label("Status").select_option(label="Introduced")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“big” is not a number.")).to_be_visible()
    save_screenshot(page, "customer-form-error")
    page.get_by_label("Shoe size").fill("39")
    page.get_by_label("Member since").fill("2021-05-04")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Customer Kadri Kask created.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Introduced")
    expect(page.get_by_test_id("customer-number")).to_have_text("KK-1001")
    save_screenshot(page, "customer-card")

    # A business customer.
    page.goto(browser_url(port, "/customers/new/business/"))
    page.get_by_label("Company name").fill("Rohelise Aia Talu OÜ")
    page.get_by_label("Registry code").fill("14141414")
    page.get_by_label("E-mail", exact=True).fill("info@roheline.example")
    page.get_by_label("Status").select_option(label="Introduced")
    # Kadri's number, typed in another case, is refused with her name.
    page.get_by_label("Customer number").fill("kk-1001")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The customer number “kk-1001” is already Kadri Kask's")).to_be_visible()
    page.get_by_label("Customer number").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Customer Rohelise Aia Talu OÜ created.")).to_be_visible()

    # The header's search opens Kadri's card by her number.
    page.get_by_test_id("global-search").fill("kk-1001")
    page.get_by_test_id("global-search").press("Enter")
    expect(page.get_by_test_id("customer-number")).to_have_text("KK-1001")

    # Find them by phone and by a custom property.
    page.goto(browser_url(port, "/customers/"))
    page.get_by_label("Search").fill("+372 5123 9876")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 customer")
    expect(page.get_by_test_id("customer-row")).to_contain_text("Kadri Kask")
    page.goto(browser_url(port, "/customers/?p_shoe_size_min=38&p_shoe_size_max=40"))
    expect(page.get_by_test_id("customer-row")).to_have_count(1)
    expect(page.get_by_test_id("customer-row")).to_contain_text("Kadri Kask")
    save_screenshot(page, "customer-list-filtered")

    # An incomplete customer goes to Control and is completed from the queue.
    page.goto(browser_url(port, "/customers/new/person/"))
    page.get_by_label("First name").fill("Peeter")
    page.get_by_label("Last name").fill("Pärn")
    page.get_by_label("Status").select_option(label="Introduced")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Only Control is possible while these are missing: phone or e-mail.")).to_be_visible()
    page.get_by_label("Status").select_option(label="Control")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("status")).to_have_text("Control")
    page.get_by_role("link", name="Control", exact=True).click()
    row = page.get_by_test_id("control-row").filter(has_text="Peeter Pärn")
    expect(row).to_contain_text("phone or e-mail")
    save_screenshot(page, "control-queue")
    row.get_by_role("link", name="Complete").click()
    page.get_by_label("Phone").fill("+372 5000 1111")
    page.get_by_label("Status").select_option(label="Introduced")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes to Peeter Pärn saved.")).to_be_visible()
    expect(page.get_by_test_id("control-row").filter(has_text="Peeter Pärn")).to_have_count(0)

    # Archive one from the list.
    page.goto(browser_url(port, "/customers/?q=Peeter"))
    page.get_by_label("Select Peeter Pärn").check()
    page.get_by_label("Action").select_option(label="Archive")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("1 customers changed.")).to_be_visible()
    with tenant_context(setup.tenant):
        assert Customer.objects.get(first_name="Peeter").status == "archived"

    # Export the filter: the export is built in the background, on the run's page (the worker
    # builds it and the file is downloaded in tests/browser/test_reports.py).
    page.goto(browser_url(port, "/customers/?q=kask"))
    page.get_by_role("button", name="Export to Excel").click()
    expect(page).to_have_url(re.compile(r"/reports/runs/\d+/$"))
    expect(page.get_by_role("heading", name="Customer export")).to_be_visible()
    expect(page.locator("dl")).to_contain_text("Searchkask")
    run_id = int(re.search(r"/reports/runs/(\d+)/$", page.url).group(1))
    with tenant_context(setup.tenant):
        run = ReportRun.objects.get(pk=run_id)
        assert (run.code, run.parameters) == ("customer-export", {"query": "q=kask"})
        run.delete()


def test_the_list_filters_and_the_card_tabs_work_with_no_console_error(
    page, live_server_port, tenants, browser_log_in, browser_url
):
    setup = tenants["browser"]
    port = live_server_port
    with tenant_context(setup.tenant):
        customer = Customer.objects.create(first_name="Liis", last_name="Lepp", status="archived")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, port, "admin", setup.admin.password)

    # Choosing a status in the filters reloads the results in place (htmx), without an error.
    page.goto(browser_url(port, "/customers/"))
    page.locator("#customer-filters select[name=status]").select_option("archived")
    expect(page).to_have_url(re.compile(r"/customers/\?.*status=archived"))
    expect(page.get_by_test_id("customer-row").filter(has_text="Liis Lepp")).to_have_count(1)

    # A tab opened by htmx is the one marked active; the one left is not.
    page.goto(browser_url(port, f"/customers/{customer.pk}/"))
    tabs = page.get_by_test_id("card-tabs")
    tabs.get_by_role("tab", name="Notes").click()
    expect(page).to_have_url(browser_url(port, f"/customers/{customer.pk}/notes/"))
    expect(tabs.get_by_role("tab", name="Notes")).to_have_class("nav-link active")
    expect(tabs.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "false")
    expect(page.get_by_text("No notes yet.")).to_be_visible()
    assert errors == []
