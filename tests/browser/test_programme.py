"""The admin sets up the loyalty programme on screen: points per currency unit and expiry, a rule
for a product group, then tries a basket in the "try it" panel and reads the points and why.
In the browser, on the `browser` retailer."""

import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer
from loyalty.models import EarningRule, PointsEntry, Programme
from sales.models import Product, ProductGroup, SalesDocument, Store

pytestmark = pytest.mark.browser


def test_the_admin_configures_the_programme_adds_a_rule_and_tries_a_basket(
    page, live_server_port, tenants, browser_log_in, save_screenshot, browser_url
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = uuid.uuid4().hex[:6]
    with tenant_context(setup.tenant):
        programme_before = Programme.objects.filter(pk=1).values().first()
        Store.objects.create(name=f"Harbour {suffix}", code=f"H{suffix}")
        tea_group = ProductGroup.objects.create(name=f"Tea {suffix}")
        tea = Product.objects.create(sku=f"TEA-{suffix}", name=f"Sencha {suffix}", group=tea_group, list_price="4.00")
        mug = Product.objects.create(sku=f"MUG-{suffix}", name=f"Mug {suffix}", list_price="10.00")
        customer = Customer.objects.create(first_name="Kadri", last_name=f"Kask{suffix}", status="introduced")
    try:
        browser_log_in(page, port, "admin", setup.admin.password)

        # The programme: 1.5 points per euro, points expire after 12 months.
        page.goto(browser_url(port, "/settings/loyalty/"))
        expect(page.get_by_role("heading", name="Loyalty programme")).to_be_visible()
        page.get_by_label("The programme is running").check()
        page.get_by_label("Points per currency unit").fill("1.5")
        page.get_by_label("Rounding of a receipt's points").select_option(label="Down")
        page.get_by_label("Points expire after (months)").fill("12")
        page.get_by_label("Tiers by spend over the last 12 months").uncheck()
        page.get_by_label("Largest share of a receipt points may pay (%)").fill("150")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Points cannot pay more than the whole receipt (100 per cent).")).to_be_visible()
        page.get_by_label("Largest share of a receipt points may pay (%)").fill("50")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Loyalty programme saved.")).to_be_visible()
        expect(page.get_by_label("Points per currency unit")).to_have_value("1.5")
        expect(page.get_by_label("Points expire after (months)")).to_have_value("12")
        save_screenshot(page, "loyalty-programme")
        with tenant_context(setup.tenant):
            programme = Programme.objects.get(pk=1)
            assert (str(programme.points_per_unit), programme.expiry_months) == ("1.500", 12)

        # A rule: the tea group earns double.
        page.get_by_test_id("loyalty-tabs").get_by_role("link", name="Earning rules").click()
        page.get_by_role("link", name="New rule").click()
        page.get_by_label("Name").fill("Tea ×2")
        page.get_by_label("Multiply points").check()
        page.get_by_label("Multiplier", exact=True).fill("-2")
        page.get_by_label("or product group").select_option(label=f"Tea {suffix}")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("The multiplier cannot be negative.")).to_be_visible()
        save_screenshot(page, "loyalty-rule-form-error")
        page.get_by_label("Multiplier", exact=True).fill("2")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Earning rule “Tea ×2” saved.")).to_be_visible()
        row = page.get_by_test_id("rule-tea-2")
        expect(row).to_contain_text("points × 2")
        expect(row).to_contain_text(f"group “Tea {suffix}” and its sub-groups")
        save_screenshot(page, "loyalty-rules")

        # Try it: the customer found by name, two lines (the second added with htmx).
        page.get_by_test_id("loyalty-tabs").get_by_role("link", name="Try it").click()
        panel = page.get_by_test_id("try-form")
        panel.get_by_label("Search customers").fill(f"Kask{suffix}")
        panel.get_by_role("button", name="Find").click()
        panel.get_by_test_id("customer-matches").get_by_role("link", name=f"Kadri Kask{suffix}").click()
        expect(panel.get_by_label("Customer (id)")).to_have_value(str(customer.pk))
        expect(panel.get_by_test_id("chosen-customer")).to_contain_text(f"Kadri Kask{suffix}")
        expect(panel.locator(".is-invalid")).to_have_count(0)
        panel.get_by_label("Store").select_option(label=f"Harbour {suffix}")
        panel.get_by_label("Product code").nth(0).fill(tea.sku)
        panel.get_by_label("Quantity").nth(0).fill("2")
        panel.get_by_role("button", name="Add a line").click()
        expect(panel.get_by_test_id("basket-line")).to_have_count(2)
        panel.get_by_label("Product code").nth(1).fill(mug.sku)
        panel.get_by_label("Quantity").nth(1).fill("1")
        panel.get_by_role("button", name="Show points").click()

        # Tea: 8.00 × 1.5 × 2 = 24 points; the mug: 10.00 × 1.5 = 15 points.
        expect(page.get_by_test_id("try-total")).to_have_text("39")
        lines = page.get_by_test_id("try-line")
        expect(lines).to_have_count(2)
        expect(lines.nth(0).get_by_test_id("try-explanation")).to_have_text("Tea ×2: × 2")
        expect(lines.nth(0).get_by_test_id("try-line-points")).to_have_text("24")
        expect(lines.nth(1).get_by_test_id("try-explanation")).to_have_text("1.5 points per unit")
        expect(lines.nth(1).get_by_test_id("try-line-points")).to_have_text("15")
        expect(page.get_by_test_id("try-tier")).to_have_text("tiers are switched off")
        assert f"customer={customer.pk}" in page.url  # the panel's address keeps the basket
        save_screenshot(page, "loyalty-try")
        with tenant_context(setup.tenant):
            assert not SalesDocument.objects.filter(customer=customer).exists()
            assert not PointsEntry.objects.filter(customer=customer).exists()
    finally:
        # Other browser tests share this retailer: give them the programme as it was.
        with tenant_context(setup.tenant):
            if programme_before is None:
                Programme.objects.filter(pk=1).delete()
            else:
                Programme.objects.filter(pk=1).update(
                    **{key: value for key, value in programme_before.items() if key != "id"}
                )
            EarningRule.objects.filter(product_group__name=f"Tea {suffix}").update(is_active=False)
