"""The admin sets up a card type, makes a batch of cards and opens its print sheet; on a customer's
card a card is scanned (digits typed into the focused field, then Enter), listed, and replaced by
another. In the browser, on the `browser` retailer."""

import random
import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from customers.models import Customer
from loyalty.models import Card, CardBatch, CardType

pytestmark = pytest.mark.browser


def card_form_ready(page) -> None:
    """Wait until htmx has taken over the tab's card form. A scanner types as soon as the field
    has the focus, but htmx processes swapped-in content only once it has settled (a few
    milliseconds later): an Enter before that submits the form as a whole page."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=card-add-form]')['htmx-internal-data']"
        " && !document.querySelector('.htmx-settling')"
    )


def test_the_admin_makes_cards_and_a_cashier_scans_and_replaces_one(
    page, live_server_port, tenants, browser_log_in, save_screenshot, browser_url
):
    setup = tenants["browser"]
    port = live_server_port
    suffix = uuid.uuid4().hex[:6]
    # A prefix no other test's type has: EAN-13 leaves 8 digits for it.
    prefix = "29" + "".join(random.choices("0123456789", k=6))
    name = f"Regulars card {suffix}"
    browser_log_in(page, port, "admin", setup.admin.password)

    # A card type, first refused for a prefix that leaves no room for the serial.
    page.goto(browser_url(port, "/settings/loyalty/cards/"))
    page.get_by_role("link", name="New card type").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Kind").select_option(label="Bonus card")
    page.get_by_label("Barcode").select_option(label="EAN-13")
    page.get_by_label("Number prefix").fill(prefix + "9")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_prefix_errors")).to_contain_text("An EAN-13 prefix has at most 8 digits")
    save_screenshot(page, "cards-type-form-error")
    page.get_by_label("Number prefix").fill(prefix)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Card type “{name}” saved.")).to_be_visible()

    # A batch of twelve cards and its print sheet.
    page.get_by_label("Number of cards").fill("12")
    page.get_by_role("button", name="Make cards").click()
    expect(page.get_by_text("12 cards made:")).to_be_visible()
    expect(page.get_by_test_id("batch-row")).to_have_count(1)
    save_screenshot(page, "cards-type-with-batch")
    with tenant_context(setup.tenant):
        card_type = CardType.objects.get(name=name)
        batch = CardBatch.objects.get(card_type=card_type)
        numbers = sorted(Card.objects.filter(batch=batch).values_list("number", flat=True))
    assert numbers[0] == batch.first_number and numbers[-1] == batch.last_number
    page.get_by_role("link", name="Print sheet").click()
    sheet = page.get_by_test_id("sheet-card")
    expect(sheet).to_have_count(12)
    expect(sheet.first.locator("svg")).to_be_visible()
    expect(sheet.first).to_contain_text(numbers[0])
    save_screenshot(page, "cards-print-sheet")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(sheet.first.locator("svg")).to_be_visible()
    save_screenshot(page, "cards-print-sheet-printed")
    page.emulate_media(media="screen")

    # On a customer: the number field has the focus; a scanner types the digits and Enter.
    with tenant_context(setup.tenant):
        customer = Customer.objects.create(first_name="Liis", last_name=f"Lepp {suffix}", status="introduced")
    page.goto(browser_url(port, f"/customers/{customer.pk}/"))
    page.get_by_role("tab", name="Marketing instruments").click()
    number_field = page.get_by_label("Card number", exact=True)
    expect(number_field).to_be_focused()
    card_form_ready(page)
    misread = numbers[0][:-1] + str((int(numbers[0][-1]) + 1) % 10)
    page.keyboard.type(misread)
    page.keyboard.press("Enter")
    expect(page.locator("#id_number_errors")).to_have_text(
        f"“{misread}” is not a valid EAN-13 number: its check digit should be {numbers[0][-1]}."
    )
    save_screenshot(page, "customer-card-scan-refused")
    expect(number_field).to_be_focused()
    expect(number_field).to_have_value("")
    card_form_ready(page)
    page.keyboard.type(numbers[0])
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("card-notice")).to_have_text(f"Card {numbers[0]} added.")
    current = page.get_by_test_id("current-card")
    expect(current).to_have_count(1)
    expect(current.get_by_test_id("card-number")).to_have_text(numbers[0])
    expect(current.get_by_test_id("card-status")).to_have_text("Active")
    expect(page.get_by_label("Card number", exact=True)).to_be_focused()
    save_screenshot(page, "customer-card-scanned")

    # Replaced by the next card of the batch: the old one stays as replaced.
    current.get_by_text("Replace…").click()
    replace_form = current.get_by_test_id("card-replace-form")
    replace_form.get_by_label("New card number").fill(numbers[1])
    replace_form.get_by_label("Reason").fill("Lost")
    replace_form.get_by_role("button", name="Replace card").click()
    expect(page.get_by_test_id("card-notice")).to_have_text(f"Card {numbers[0]} replaced by {numbers[1]}.")
    current = page.get_by_test_id("current-card")
    expect(current).to_have_count(1)
    expect(current.get_by_test_id("card-number")).to_have_text(numbers[1])
    former = page.get_by_test_id("former-card")
    expect(former).to_have_count(1)
    expect(former.get_by_test_id("card-number")).to_have_text(numbers[0])
    expect(former.get_by_test_id("card-status")).to_have_text("Replaced")
    expect(former).to_contain_text(numbers[1])
    expect(page.get_by_test_id("card-event-kind")).to_have_text(["Assigned", "Replaced", "Assigned"])
    save_screenshot(page, "customer-card-replaced")
    with tenant_context(setup.tenant):
        old = Card.objects.get(number=numbers[0])
        assert (old.status, old.customer_id, old.replaced_by.number) == ("replaced", customer.pk, numbers[1])
    page.reload()
    expect(page.get_by_test_id("former-card")).to_have_count(1)

    # The admin's lists: the types with their counts, and the cards found by number and status.
    page.goto(browser_url(port, "/settings/loyalty/cards/"))
    type_row = page.get_by_test_id("card-type-row").filter(has_text=name)
    expect(type_row).to_contain_text(prefix)
    save_screenshot(page, "cards-types")
    page.get_by_role("link", name="All cards").click()
    page.get_by_label("Number").fill(prefix)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("card-row")).to_have_count(12)
    page.get_by_label("Status").select_option(label="Replaced")
    expect(page.get_by_test_id("card-row")).to_have_count(1)
    expect(page.get_by_test_id("card-row")).to_contain_text(numbers[0])
    expect(page.get_by_test_id("card-row")).to_contain_text(f"Liis Lepp {suffix}")
    save_screenshot(page, "cards-list")
