"""The marketer's whole loop in the browser, on the `browser` retailer with the session's real
Celery worker and SMTP server: a segment of lapsed customers with a condition on a custom
property, counted at each condition and saved; a campaign with a points offer and a hold-out,
previewed and sent; the messages at the SMTP server; one customer unsubscribes through the link;
a recipient buys at the till and earns the extra points; the effect report shows the recipients
and the hold-out side by side."""

import datetime
import re
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from campaigns.models import Campaign, CampaignPoints, Recipient, Segment
from customers.models import ConsentEvent, Customer, CustomProperty
from customers.services.properties import property_create
from loyalty.models import EarnedLine, PointsEntry, Programme
from reports.models import ReportRun
from sales.models import Product, SalesDocument, SalesLine, Store
from sales.services.stores import terminal_create
from tests.browser.test_segments import _counted
from tests.factories.shops import TillApi

pytestmark = pytest.mark.browser


@pytest.fixture
def lapsed_with_consent(committed_db, tenants):
    """Five customers of this test (last name): lapsed (last bought 200 days ago) and in the store
    channel; four consented to e-mail, one did not. A store with a till, a product at 10.00 and a
    programme of a point per unit. Removed afterwards with what the test made."""
    setup = tenants["browser"]
    suffix = uuid.uuid4().hex[:6]
    code = f"channel_{suffix}"
    now = timezone.now()
    with tenant_context(setup.tenant):
        prop = property_create(
            code=code, label_en=f"Channel {suffix}", type=CustomProperty.Type.CHOICE, choices=["store", "web"]
        )
        customers = [
            Customer.objects.create(
                first_name=f"Lapsed{index}",
                last_name=suffix,
                email=f"lapsed{index}-{suffix}@example.com",
                email_consent=index < 4,
                purchase_count=3,
                purchase_total=90,
                first_purchase_at=now - datetime.timedelta(days=400),
                last_purchase_at=now - datetime.timedelta(days=200),
                properties={code: "store"},
            )
            for index in range(5)
        ]
        Programme.objects.update_or_create(pk=1, defaults={"is_enabled": True, "points_per_unit": Decimal("1")})
        store = Store.objects.create(name=f"Campaign store {suffix}", code=f"C{suffix}".upper())
        terminal, token = terminal_create(tenant=setup.tenant, store=store, name="Till")
        product = Product.objects.create(sku=f"CAMP-{suffix}", name="Campaign tea", list_price=Decimal("10.00"))
    yield {"suffix": suffix, "property": prop, "customers": customers, "token": token, "product": product}
    # The ledger's trigger refuses every deletion; the test database's owner switches the
    # triggers off for this one transaction.
    with tenant_context(setup.tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        campaigns = Campaign.objects.filter(name__endswith=suffix)
        ReportRun.objects.filter(code="campaign-effect").delete()
        documents = SalesDocument.objects.filter(store=store)
        ids = [customer.pk for customer in customers]
        CampaignPoints.objects.filter(campaign__in=campaigns).delete()
        cursor.execute("DELETE FROM loyalty_pointsentry WHERE customer_id = ANY(%s)", [ids])
        campaigns.delete()
        Segment.objects.filter(name__endswith=suffix).delete()
        EarnedLine.objects.filter(sale_line__document__in=documents).delete()
        SalesLine.objects.filter(document__in=documents).delete()
        documents.delete()
        Customer.objects.filter(pk__in=ids).delete()
        CustomProperty.objects.filter(pk=prop.pk).delete()
        terminal.delete()
        product.delete()
        store.delete()


def _wait_for_messages(inbox, addresses: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = {message["To"]: message for message in inbox.messages if message["To"] in addresses}
        if len(found) == len(addresses):
            return found
        assert time.monotonic() < deadline, f"only {sorted(found)} arrived"
        time.sleep(0.1)


def test_a_marketer_brings_lapsed_customers_back_and_sees_the_effect(
    page,
    live_server_port,
    tenants,
    lapsed_with_consent,
    celery_worker,
    session_smtp,
    browser_url,
    browser_log_in,
    save_screenshot,
):
    setup = tenants["browser"]
    data = lapsed_with_consent
    suffix = data["suffix"]
    page.set_default_timeout(20_000)
    browser_log_in(page, live_server_port, "marketer", setup.marketer.password)

    # 1. The segment: lapsed for 180 days, then in the store channel; the count changes.
    page.goto(browser_url(live_server_port, "/segments/new/"))
    count = page.get_by_test_id("segment-count")
    conditions = page.get_by_test_id("condition")
    with _counted(page):
        conditions.nth(0).get_by_label("Condition on").select_option("days_since_last")
    conditions.nth(0).get_by_label("Value").fill("180")
    with _counted(page):
        conditions.nth(0).get_by_label("Value").press("Tab")
    lapsed_everywhere = int(count.inner_text().split()[0].replace(",", ""))
    assert lapsed_everywhere >= 5
    with _counted(page):
        page.get_by_role("button", name="Add a condition").click()
    with _counted(page):
        conditions.nth(1).get_by_label("Condition on").select_option(f"p:{data['property'].code}")
    expect(count).to_have_text("5 customers")
    page.get_by_label("Name").fill(f"Lapsed in store {suffix}")
    page.get_by_role("button", name="Save the segment").click()
    expect(page.get_by_test_id("segment-count")).to_have_text("5 customers now")

    # 2. The campaign: e-mail, a quarter held out, points doubled for 14 days.
    page.get_by_role("link", name="Campaigns").first.click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill(f"Come back {suffix}")
    page.get_by_label("Segment").select_option(label=f"Lapsed in store {suffix}")
    page.get_by_label("Hold-out group (%)").fill("25")
    page.get_by_label(re.compile(r"^Offer\W*$")).select_option("multiplier")
    page.get_by_label("Points multiplier").fill("2")
    page.get_by_label("Offer valid for (days)").fill("14")
    page.get_by_label("Subject (English)").fill("We miss you, {{ first_name }}")
    page.get_by_label("Text (English)").fill("Double points for two weeks. You have {{ points }} points.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"Come back {suffix}")).to_be_visible()
    expect(page.get_by_test_id("preview").first).to_contain_text("We miss you, Lapsed0")
    save_screenshot(page, "campaign-preview")

    # 3. Sent now: the page follows the job until it is done.
    page.get_by_test_id("send").click()
    progress = page.get_by_test_id("campaign-progress")
    expect(progress).to_have_attribute("data-status", "sent", timeout=60_000)
    expect(page.get_by_test_id("count-recipients")).to_have_text("3")
    expect(page.get_by_test_id("count-holdout")).to_have_text("1")
    expect(page.get_by_test_id("count-excluded-no_consent")).to_have_text("1")
    save_screenshot(page, "campaign-sent")
    with tenant_context(setup.tenant):
        campaign = Campaign.objects.get(name=f"Come back {suffix}")
        rows = list(Recipient.objects.filter(campaign=campaign).select_related("customer"))
    recipients = [row.customer for row in rows if row.group == "recipient"]
    (held,) = [row.customer for row in rows if row.group == "holdout"]
    messages = _wait_for_messages(session_smtp, {customer.email for customer in recipients})
    assert not [
        message for message in session_smtp.messages if message["To"] in (held.email, data["customers"][4].email)
    ]
    first = recipients[0]
    assert messages[first.email]["Subject"] == f"We miss you, {first.first_name}"

    # 4. One customer unsubscribes through the link in the message.
    link = messages[recipients[1].email]["List-Unsubscribe"].strip().strip("<>")
    assert re.match(rf"http://{re.escape(setup.host)}:{live_server_port}/u/", link)
    page.goto(link)
    page.get_by_test_id("unsubscribe").click()
    expect(page.get_by_test_id("unsubscribe-done")).to_contain_text("sends you no more marketing messages by E-mail")
    with tenant_context(setup.tenant):
        assert Customer.objects.get(pk=recipients[1].pk).email_consent is False
        assert (
            ConsentEvent.objects.filter(customer_id=recipients[1].pk, is_given=False, source="unsubscribe link").count()
            == 1
        )

    # 5. A recipient buys at the till: 10 points, and 10 more by the campaign.
    till = TillApi(host=setup.host, token=data["token"])
    answer = till.post(
        "sales/",
        {
            "client_id": f"camp-{suffix}",
            "customer_id": first.pk,
            "lines": [{"product": data["product"].sku, "quantity": "1"}],
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["points"]["earned"] == 20
    with tenant_context(setup.tenant):
        reasons = list(
            PointsEntry.objects.filter(customer=first).order_by("pk").values_list("kind", "points", "reason")
        )
    assert reasons[-1] == (
        "bonus",
        10,
        f"Campaign Come back {suffix}: receipt {answer.json()['number'] or answer.json()['id']}",
    )

    # 6. The effect report: the recipients and the hold-out side by side.
    page.goto(browser_url(live_server_port, "/reports/"))
    page.get_by_test_id("report-campaign-effect").get_by_role("link", name="Campaign effect").click()
    page.get_by_label("Campaign").select_option(label=f"Come back {suffix}")
    page.get_by_test_id("build-report").click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=60_000)
    preview = page.get_by_test_id("report-preview")
    expect(preview.locator("thead th")).to_have_text(
        ["Measure", "Recipients", "Hold-out group", "Difference", "95 % interval from", "95 % interval to"]
    )
    expect(preview.locator("tbody tr").first).to_contain_text("Customers")
    expect(preview.locator("tbody tr").nth(0).locator("td")).to_have_text(["Customers", "3", "1", "", "", ""])
    expect(preview.locator("tbody tr").filter(has_text="Revenue per customer").locator("td").nth(1)).to_have_text(
        re.compile(r"^3[.,]33$")
    )
    expect(page.get_by_test_id("report-chart").locator("svg")).to_be_visible()
    save_screenshot(page, "campaign-effect")
