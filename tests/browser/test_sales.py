"""The admin sets up a store, products and a price list on screen; a customer's sale and return then
show on the card's Sales and Returns tabs. In the browser, on the `browser` retailer."""

import uuid
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer, CustomerGroup
from customers.services import group_create
from sales.models import Store, Terminal
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register

pytestmark = pytest.mark.browser


def test_the_admin_sets_up_prices_and_sees_a_customers_sales_and_returns(
    page, live_server_port, tenants, browser_log_in, save_screenshot, browser_url
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = uuid.uuid4().hex[:6]
    customer_group, product_group = f"Wholesale {suffix}", f"Tea {suffix}"
    tea_sku, mug_sku = f"TEA-{suffix}", f"MUG-{suffix}"
    browser_log_in(page, port, "admin", setup.admin.password)

    # A store with a till; the till's token is shown once.
    page.goto(browser_url(port, "/"))
    page.get_by_role("button", name="Settings").or_(page.get_by_role("link", name="Settings")).click()
    page.get_by_role("link", name="Stores and terminals").click()
    page.get_by_role("link", name="New store").click()
    page.get_by_label("Name").fill(f"Old Town {suffix}")
    page.get_by_label("Code").fill(f"OT{suffix}")
    page.get_by_label("Address").fill("Raekoja plats 1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Store “Old Town {suffix}” saved.")).to_be_visible()
    page.get_by_label("Name of the new terminal").fill("Till 1")
    page.get_by_role("button", name="Add terminal").click()
    token = page.get_by_test_id("terminal-token").inner_text()
    expect(page.get_by_test_id("token-once")).to_contain_text("it is not shown again")
    save_screenshot(page, "sales-terminal-token")
    with tenant_context(setup.tenant):
        store = Store.objects.get(code=f"OT{suffix}")
        assert Terminal.objects.get(store=store).token_hash == Terminal.hash_token(token)
    page.reload()
    expect(page.get_by_test_id("terminal-token")).to_have_count(0)
    # The store's history names who added the store and its till.
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Terminal added “Till 1”")
    expect(history.first).to_contain_text("admin")
    expect(history.nth(1)).to_contain_text("Store added")

    # A customer group, a product group and two products, one refused first for its barcode.
    page.goto(browser_url(port, "/settings/customers/groups/new/"))
    page.get_by_label("Name").fill(customer_group)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Group “{customer_group}” saved.")).to_be_visible()

    page.goto(browser_url(port, "/settings/sales/products/"))
    page.get_by_role("link", name="Product groups").click()
    page.get_by_role("link", name="New group").click()
    page.get_by_label("Name").fill(product_group)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Product group “{product_group}” saved.")).to_be_visible()

    page.goto(browser_url(port, "/settings/sales/products/"))
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Code (SKU)").fill(tea_sku)
    page.get_by_label("EAN barcode").fill("4740000000012")
    page.get_by_label("Name").fill(f"Sencha {suffix}")
    page.get_by_label("Product group").select_option(label=product_group)
    page.get_by_label("List price").fill("4,00")
    page.get_by_label("VAT rate (%)").fill("9")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("“4740000000012” is not a valid EAN barcode: its check digit is 2, it should be 8.")
    ).to_be_visible()
    save_screenshot(page, "sales-product-form-error")
    page.get_by_label("EAN barcode").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Product “Sencha {suffix}” saved.")).to_be_visible()

    page.get_by_role("link", name="New product").click()
    page.get_by_label("Code (SKU)").fill(mug_sku)
    page.get_by_label("Name").fill(f"Mug {suffix}")
    page.get_by_label("Product group").select_option(label=product_group)
    page.get_by_label("List price").fill("10.00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Product “Mug {suffix}” saved.")).to_be_visible()

    page.get_by_label("Search").fill(suffix)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("product-row")).to_have_count(2)
    expect(page.get_by_test_id("product-count")).to_have_text("2 products")
    save_screenshot(page, "sales-products")

    # A price list for the customer group: 10 % off the product group, a fixed price for the mug.
    page.goto(browser_url(port, "/settings/sales/price-lists/"))
    page.get_by_role("link", name="New price list").click()
    page.get_by_label("Name").fill(f"Wholesale prices {suffix}")
    page.get_by_label(customer_group).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Price list “Wholesale prices {suffix}” saved.")).to_be_visible()
    page.get_by_label("or product group").select_option(label=product_group)
    page.get_by_label("or percent off").fill("10")
    page.get_by_role("button", name="Add price").click()
    expect(page.get_by_text(f"Price added to “Wholesale prices {suffix}”.")).to_be_visible()
    page.get_by_label("Product", exact=True).select_option(label=f"Mug {suffix} ({mug_sku})")
    page.get_by_label("Fixed price").fill("8.00")
    page.get_by_role("button", name="Add price").click()
    expect(page.get_by_test_id("price-list-item")).to_have_count(2)
    save_screenshot(page, "sales-price-list")
    with tenant_context(setup.tenant):
        group_create(name=f"Big buyers {suffix}", parent=CustomerGroup.objects.get(name=customer_group))
    page.get_by_role("link", name="Price lists").first.click()
    expect(page.get_by_test_id(f"group-price-list-wholesale-{suffix}")).to_contain_text(f"Wholesale prices {suffix}")
    expect(page.get_by_test_id(f"group-price-list-big-buyers-{suffix}")).to_contain_text(
        f"Wholesale prices {suffix} inherited from {customer_group}"
    )
    save_screenshot(page, "sales-price-lists")

    # A sale at the till (through the service) and a partial return.
    with tenant_context(setup.tenant):
        customer = Customer.objects.create(
            first_name="Liis",
            last_name=f"Lepp {suffix}",
            status="introduced",
            group=CustomerGroup.objects.get(name=customer_group),
        )
        sale = sale_register(
            store=store,
            customer=customer,
            number=f"R-{suffix}",
            lines=[LineInput(tea_sku, Decimal("2")), LineInput(mug_sku, Decimal("1"))],
        )
        tea_line = sale.lines.get(product__sku=tea_sku)
        return_register(sale=sale, lines=[ReturnLineInput(tea_line.pk, Decimal("1"))], reason="Bought one too many")

    page.goto(browser_url(port, f"/customers/{customer.pk}/"))
    page.get_by_role("tab", name="Sales").click()
    row = page.get_by_test_id("sale-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("sale-number")).to_have_text(f"R-{suffix}")
    expect(row.get_by_test_id("sale-store")).to_have_text(f"Old Town {suffix}")
    expect(row.get_by_test_id("sale-total")).to_have_text("15.20 EUR")
    expect(row.get_by_test_id("sale-discount")).to_have_text("2.80 EUR")
    expect(row.get_by_test_id("sale-returned")).to_have_text("3.60 EUR")
    expect(row.get_by_test_id("sale-payment")).to_contain_text("Paid")
    row.get_by_text("2 lines").click()
    lines = row.get_by_test_id("sale-line")
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text(f"Sencha {suffix}")
    expect(lines.first).to_contain_text("3.60 EUR")
    expect(lines.first).to_contain_text("Price list")
    expect(lines.nth(1)).to_contain_text("8.00 EUR")
    save_screenshot(page, "customer-card-sales")

    page.get_by_role("tab", name="Returns").click()
    returned = page.get_by_test_id("return-row")
    expect(returned).to_have_count(1)
    expect(returned.get_by_test_id("return-amount")).to_have_text("3.60 EUR")
    expect(returned.get_by_test_id("return-reason")).to_have_text("Bought one too many")
    expect(returned.get_by_test_id("return-sale")).to_contain_text(f"Receipt R-{suffix}")
    returned.get_by_text("1 line").click()
    expect(returned.get_by_test_id("return-line")).to_contain_text(f"Sencha {suffix}")
    save_screenshot(page, "customer-card-returns")
