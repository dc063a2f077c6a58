"""A cashier at the counter, in the browser: the till chosen once, a card scanned (keystrokes and
Enter), three products scanned, points redeemed, part paid with a gift card, the sale registered
once however often the button is pressed, the new balance shown; then one line returned and the
points and the gift card's money back. Screenshots at 1280 × 800 and on a phone. On the `browser`
retailer."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer
from loyalty.models import Card, EarnedLine, Programme
from loyalty.services.cards import card_assign, card_batch_generate
from loyalty.services.ledger import points_adjust
from sales.models import Product, Return, ReturnLine, SalesDocument, SalesLine, Store
from sales.services.stores import terminal_create
from tests.factories import CardTypeFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def counter_shop(committed_db, tenants):
    """A store with a till, three products, Liis with a bonus card and 400 points and a gift card
    of 30.00; removed afterwards (the ledgers with their triggers off for the teardown)."""
    setup = tenants["browser"]
    suffix = uuid.uuid4().hex[:6]
    # Number ranges of their own: the other browser tests' card types have theirs.
    digits = f"{int(suffix, 16) % 1_000_000:06d}"
    with tenant_context(setup.tenant):
        Programme.objects.update_or_create(
            pk=1,
            defaults={
                "is_enabled": True,
                "points_per_unit": Decimal("1"),
                "point_value": Decimal("0.01"),
                "max_redeem_percent": Decimal("50"),
            },
        )
        store = Store.objects.create(name=f"Counter {suffix}", code=f"K{suffix}".upper())
        terminal, _token = terminal_create(tenant=setup.tenant, store=store, name="Counter till")
        products = [
            Product.objects.create(sku=f"T{index}-{suffix}", ean=None, name=name, list_price=price)
            for index, (name, price) in enumerate(
                (("Black tea", Decimal("6.00")), ("Honey", Decimal("8.00")), ("Mug", Decimal("12.00")))
            )
        ]
        liis = Customer.objects.create(first_name="Liis", last_name=f"Counter{suffix}", phone="")
        bonus_type = CardTypeFactory(name=f"Bonus {suffix}", prefix=f"3{digits}")
        bonus = card_batch_generate(card_type=bonus_type, quantity=1, acting_user=None).cards.get()
        card_assign(customer=liis, number=bonus.number, acting_user=None)
        points_adjust(customer=liis, points=400, reason="Start", acting_user=None)
        gift_type = CardTypeFactory(gift=True, gift_value=Decimal("30.00"), name=f"Gift {suffix}", prefix=f"4{digits}")
        gift = card_batch_generate(card_type=gift_type, quantity=1, acting_user=None).cards.get()
        card_assign(customer=liis, number=gift.number, acting_user=None)
    yield {"terminal": terminal, "products": products, "liis": liis, "bonus": bonus, "gift": gift, "store": store}
    with tenant_context(setup.tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        sales = list(SalesDocument.objects.filter(store=store).values_list("pk", flat=True))
        cursor.execute("DELETE FROM loyalty_pointsentry WHERE customer_id = %s", [liis.pk])
        cursor.execute("DELETE FROM loyalty_giftentry WHERE card_id = ANY(%s)", [[bonus.pk, gift.pk]])
        EarnedLine.objects.filter(sale_line__document_id__in=sales).delete()
        ReturnLine.objects.filter(return_document__sale_id__in=sales).delete()
        Return.objects.filter(sale_id__in=sales).delete()
        SalesLine.objects.filter(document_id__in=sales).delete()
        SalesDocument.objects.filter(pk__in=sales).delete()
        Card.objects.filter(pk__in=[bonus.pk, gift.pk]).delete()
        Customer.objects.filter(pk=liis.pk).delete()
        Product.objects.filter(pk__in=[p.pk for p in products]).delete()
        terminal.delete()
        store.delete()


def test_a_cashier_sells_with_points_and_a_gift_card_and_takes_a_line_back(
    page, live_server_port, tenants, counter_shop, browser_url, browser_log_in, save_screenshot
):
    setup = tenants["browser"]
    shop = counter_shop
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(20_000)
    browser_log_in(page, live_server_port, "cashier", setup.cashier.password)

    # The till this device works for, chosen once.
    page.goto(browser_url(live_server_port, "/till/"))
    page.get_by_label("Till").select_option(label=f"{shop['store'].name} · Counter till")
    page.get_by_role("button", name="Use this till").click()
    expect(page.get_by_test_id("till-terminal")).to_have_text(f"{shop['store'].name} · Counter till")
    # The cashier starts once the page has loaded (htmx among its scripts), as a person would.
    page.wait_for_function("() => window.htmx !== undefined")

    # 1. The card, as a scanner types it: digits and Enter, into the field that has the focus.
    find = page.get_by_test_id("till-find")
    expect(find).to_be_focused()
    page.keyboard.type(shop["bonus"].number)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("till-customer-name")).to_have_text(str(shop["liis"]))
    expect(page.get_by_test_id("till-points")).to_have_text("400")

    # 2. Three products scanned: the focus stays in the scan field.
    for product in shop["products"]:
        scan = page.get_by_test_id("till-scan")
        expect(scan).to_be_focused()
        page.keyboard.type(product.sku)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("till-lines").get_by_text(product.name)).to_be_visible()
    expect(page.get_by_test_id("till-total")).to_contain_text("26.00")
    expect(page.get_by_test_id("till-redeemable")).to_contain_text("400")

    # 3. 300 points (3.00) and 5.00 from the gift card; the button pressed twice registers once.
    page.get_by_test_id("till-points-in").fill("300")
    page.get_by_test_id("till-gift").fill(shop["gift"].number)
    page.get_by_test_id("till-gift-amount").fill("5.00")
    save_screenshot(page, "till-basket")
    page.get_by_test_id("till-register").evaluate("button => { button.click(); button.click(); }")
    expect(page.get_by_test_id("till-done")).to_be_visible()
    # 26.00 less 3.00 of points earns 23: 400 − 300 + 23.
    expect(page.get_by_test_id("done-balance")).to_have_text("123")
    expect(page.get_by_test_id("done-gift-balance")).to_contain_text("25.00")
    save_screenshot(page, "till-sale-done")
    with tenant_context(setup.tenant):
        assert SalesDocument.objects.filter(store=shop["store"]).count() == 1
        sale = SalesDocument.objects.get(store=shop["store"])

    # 4. The mug taken back: its points and its share of the gift card's money go back.
    page.get_by_test_id("done-return").click()
    mug = page.get_by_test_id("return-line").filter(has_text="Mug")
    mug.get_by_role("textbox").fill("1")
    page.get_by_test_id("return-register").click()
    expect(page.get_by_test_id("return-done")).to_be_visible()
    # 12.00 of 26.00: 12/26 of the 300 points restored (138), 12/26 of 23 earned taken (11).
    expect(page.get_by_test_id("return-balance")).to_have_text("250")
    expect(page.get_by_test_id("return-gift-balance")).to_contain_text("27.31")
    save_screenshot(page, "till-return-done")
    with tenant_context(setup.tenant):
        assert sale.returns.count() == 1

    # The screen on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(browser_url(live_server_port, "/till/"))
    expect(page.get_by_test_id("till-find")).to_be_visible()
    save_screenshot(page, "till-phone")
