"""A retailer moving in, in the browser, with the real Celery worker: the admin imports the
customers of the old system with their customer numbers, then the old system's sales history
keyed by those numbers, and finds each customer's purchases on their card. On the `browser`
retailer."""

import csv
import datetime
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import date_format
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer, ImportBatch
from sales.models import HistoryImport, SalesDocument, SalesLine
from tests.factories import ProductFactory, StoreFactory

pytestmark = pytest.mark.browser


def csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


@pytest.fixture
def moving_in(committed_db, tenants):
    """A store and a product of the browser retailer, committed for the worker to see; removed
    afterwards with the sales imported into the store, the imported customers and the imports."""
    setup = tenants["browser"]
    suffix = uuid.uuid4().hex[:8]
    tag = suffix.upper()
    with tenant_context(setup.tenant):
        store = StoreFactory(name=f"Moving in {tag}", code=f"MV{tag}")
        product = ProductFactory(sku=f"MV-{tag}", ean=None, name=f"Old stock {tag}", list_price=Decimal("9.90"))
    yield {"suffix": suffix, "store": store, "product": product}
    with tenant_context(setup.tenant):
        documents = SalesDocument.objects.filter(store=store)
        SalesLine.objects.filter(document__in=documents).delete()
        documents.delete()
        for history in HistoryImport.objects.filter(original_name__contains=suffix):
            if history.file:
                history.file.delete(save=False)
            history.delete()
        for batch in ImportBatch.objects.filter(original_name__contains=suffix):
            if batch.file:
                batch.file.delete(save=False)
            batch.delete()
        Customer.objects.filter(number__startswith=f"OLD-{suffix}-").delete()
        product.delete()
        store.delete()


def figure(page, label: str):
    """The value of one of the card's purchase figures, by its label."""
    return (
        page.get_by_test_id("purchase-figures")
        .locator(":scope > div")
        .filter(has=page.get_by_text(label, exact=True))
        .locator(".fs-5")
    )


def test_a_retailer_moving_in_imports_customers_and_their_sales_history(
    page, live_server_port, tenants, moving_in, celery_worker, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = moving_in["suffix"]
    store, product = moving_in["store"], moving_in["product"]
    currency = setup.tenant.currency
    numbers = [f"OLD-{suffix}-{index}" for index in (1, 2, 3)]
    page.set_default_timeout(30_000)
    browser_log_in(page, port, "admin", setup.admin.password)

    # 1. The customers of the old system, with their numbers: Customers → Import.
    customers_file = csv_bytes(
        [
            ["Customer number", "First name", "Last name", "E-mail"],
            [numbers[0], "Mari", f"Tamm {suffix}", f"mari.{suffix}@moving.example"],
            [numbers[1], "Jaan", f"Kask {suffix}", f"jaan.{suffix}@moving.example"],
            [numbers[2], "Anu", f"Saar {suffix}", f"anu.{suffix}@moving.example"],
        ]
    )
    page.get_by_role("link", name="Customers", exact=True).first.click()
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import customers")).to_be_visible()
    page.get_by_label("File").set_input_files(
        {"name": f"customers-{suffix}.csv", "mimeType": "text/csv", "buffer": customers_file}
    )
    save_screenshot(page, "moving-in-customer-upload")
    page.get_by_role("button", name="Upload").click()

    # The mapping page chooses every column by its name, the customer number included.
    expect(page).to_have_url(re.compile(r"/customers/import/\d+/mapping/$"))
    expect(page.get_by_text("The file has 3 rows of customers.")).to_be_visible()
    mapping = page.get_by_test_id("mapping-form")
    expect(mapping.get_by_label("Customer number")).to_have_value("number")
    expect(mapping.get_by_label("First name")).to_have_value("first_name")
    expect(mapping.get_by_label("Last name")).to_have_value("last_name")
    expect(mapping.get_by_label("E-mail")).to_have_value("email")
    save_screenshot(page, "moving-in-customer-mapping")
    page.get_by_role("button", name="Check the file").click()

    # The dry run in the worker: the page follows it and reloads when it is done.
    expect(page).to_have_url(re.compile(r"/customers/import/\d+/$"))
    expect(page.get_by_test_id("import-start")).to_be_visible(timeout=90_000)
    expect(page.get_by_test_id("import-status")).to_have_text("Dry run done")
    expect(page.get_by_test_id("count-create")).to_have_text("3")
    expect(page.get_by_test_id("count-refuse")).to_have_text("0")
    save_screenshot(page, "moving-in-customer-dry-run")
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported", timeout=90_000)
    expect(page.get_by_test_id("count-create")).to_have_text("3")
    expect(page.get_by_test_id("count-update")).to_have_text("0")
    expect(page.get_by_test_id("import-rows")).to_contain_text(f"Mari Tamm {suffix}")
    save_screenshot(page, "moving-in-customers-imported")
    with tenant_context(setup.tenant):
        imported = dict(Customer.objects.filter(number__in=numbers).values_list("number", "email"))
    assert imported == {
        numbers[0]: f"mari.{suffix}@moving.example",
        numbers[1]: f"jaan.{suffix}@moving.example",
        numbers[2]: f"anu.{suffix}@moving.example",
    }

    # 2. The sales history keyed by those numbers: Settings → Import sales history. Mari bought
    # twice (3 for 43.99 and a line of 5.50, then 2 for 12.00), Jaan once (1,250.00, his number
    # typed in lower case), Anu never; one sale has no customer.
    history_file = csv_bytes(
        [
            ["document", "date", "store", "customer_number", "product", "quantity", "line_total"],
            [f"H-{suffix}-1", "2025-03-01 10:00", store.code, numbers[0], product.sku, "3", "43.99"],
            [f"H-{suffix}-1", "2025-03-01 10:00", store.code, numbers[0], product.sku, "1", "5.50"],
            [f"H-{suffix}-2", "2025-04-12 16:30", store.code, numbers[0], product.sku, "2", "12.00"],
            [f"H-{suffix}-3", "2025-05-02 11:15", store.code, numbers[1].lower(), product.sku, "1", "1250.00"],
            [f"H-{suffix}-4", "2025-05-03 09:00", store.code, "", product.sku, "1", "7.25"],
        ]
    )
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("link", name="Import sales history").click()
    expect(page.get_by_role("heading", name="Import sales history")).to_be_visible()
    page.get_by_test_id("history-import-form").get_by_label("File").set_input_files(
        {"name": f"history-{suffix}.csv", "mimeType": "text/csv", "buffer": history_file}
    )
    save_screenshot(page, "moving-in-history-upload")
    page.get_by_role("button", name="Check the file").click()

    # The check in the worker: the page asks every two seconds and reloads when it is done.
    expect(page).to_have_url(re.compile(r"/settings/sales/import/history/\d+/$"))
    expect(page.get_by_test_id("import-run")).to_be_visible(timeout=90_000)
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "checked")
    expect(page.get_by_test_id("count-import")).to_have_text("4")
    expect(page.get_by_test_id("count-lines")).to_have_text("5")
    expect(page.get_by_test_id("count-matched")).to_have_text("3")
    expect(page.get_by_test_id("count-refuse")).to_have_text("0")
    expect(page.get_by_test_id("amount")).to_have_text("1,318.74")
    documents = page.get_by_test_id("documents")
    expect(documents.locator("tbody tr").filter(has_text=f"H-{suffix}-3")).to_contain_text(f"Jaan Kask {suffix}")
    expect(documents.locator("tbody tr").filter(has_text=f"H-{suffix}-3")).to_contain_text("by customer number")
    save_screenshot(page, "moving-in-history-checked")
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=90_000)
    expect(page.get_by_test_id("import-done")).to_contain_text("4 sales are imported (5 lines, 3 with a customer).")
    save_screenshot(page, "moving-in-history-imported")
    with tenant_context(setup.tenant):
        assert SalesDocument.objects.filter(store=store).count() == 4

    # 3. Mari's card, opened by her old number in the header's search: two purchases, 61.49.
    with translation.override("en"):
        march_first = date_format(datetime.date(2025, 3, 1), "SHORT_DATE_FORMAT")
        april_twelfth = date_format(datetime.date(2025, 4, 12), "SHORT_DATE_FORMAT")
        may_second = date_format(datetime.date(2025, 5, 2), "SHORT_DATE_FORMAT")
    page.get_by_test_id("global-search").fill(numbers[0].lower())
    page.get_by_test_id("global-search").press("Enter")
    expect(page.get_by_role("heading", name=f"Mari Tamm {suffix}")).to_be_visible()
    expect(page.get_by_test_id("customer-number")).to_have_text(numbers[0])
    expect(figure(page, "Purchases")).to_have_text("2")
    expect(figure(page, "Total amount")).to_have_text(f"61.49 {currency}")
    expect(figure(page, "First purchase")).to_have_text(march_first)
    expect(figure(page, "Last purchase")).to_have_text(april_twelfth)
    save_screenshot(page, "moving-in-customer-card")

    # Jaan's, found in the list by his number: one purchase of 1,250.00.
    page.goto(browser_url(port, "/customers/"))
    page.get_by_label("Search").fill(numbers[1])
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 customer")
    expect(page.get_by_test_id("customer-row")).to_contain_text(f"Jaan Kask {suffix}")
    save_screenshot(page, "moving-in-customer-list")
    page.get_by_test_id("customer-row").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=f"Jaan Kask {suffix}")).to_be_visible()
    expect(page.get_by_test_id("customer-number")).to_have_text(numbers[1])
    expect(figure(page, "Purchases")).to_have_text("1")
    expect(figure(page, "Total amount")).to_have_text(f"1,250.00 {currency}")
    expect(figure(page, "First purchase")).to_have_text(may_second)
    expect(figure(page, "Last purchase")).to_have_text(may_second)

    # Anu's, who bought nothing in the old system: none.
    with tenant_context(setup.tenant):
        anu_id = Customer.objects.get(number=numbers[2]).pk
    page.goto(browser_url(port, f"/customers/{anu_id}/"))
    expect(page.get_by_test_id("customer-number")).to_have_text(numbers[2])
    expect(figure(page, "Purchases")).to_have_text("0")
    expect(figure(page, "Total amount")).to_have_text(f"0.00 {currency}")
    expect(figure(page, "First purchase")).to_have_text("—")
