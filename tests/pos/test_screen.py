"""The till in the browser over HTTP: the terminal chosen once per device, a customer found by
card, phone or name (several to pick from, none: the minimal create form with a phone that
belongs to somebody named), products scanned and priced, points, a gift card and a coupon paying,
the sale registered once however often the form is sent, the receipt; every refusal named with
nothing written; rights; two retailers apart."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.models import Card, GiftEntry, PointsAccount
from loyalty.services.cards import card_assign, card_batch_generate
from loyalty.services.ledger import points_adjust
from pos.screen import TERMINAL_COOKIE
from sales.models import SalesDocument
from tests.factories import CardFactory, CardTypeFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(alpha, shop, loyalty_programme, tenant_client):
    """Alpha's counter: the shop's till chosen on the device, Mari with a bonus card and 500
    points, a gift card of 50.00 given to her, and the cashier's client."""
    with tenant_context(alpha.tenant):
        mari = CustomerFactory(first_name="Mari", last_name="Maasikas", phone="+37251234567")
        bonus = CardFactory(card_type=CardTypeFactory(name="Bonus", prefix="2001"), customer=mari)
        points_adjust(customer=mari, points=500, reason="Welcome", acting_user=None)
        gift_type = CardTypeFactory(gift=True, name="Gift 50", prefix="2900")
        gift = card_batch_generate(card_type=gift_type, quantity=1, acting_user=None).cards.get()
        card_assign(customer=mari, number=gift.number, acting_user=None)
    client = tenant_client(alpha, alpha.cashier)
    client.cookies[TERMINAL_COOKIE] = str(shop.terminal.pk)
    return {"client": client, "mari": mari, "bonus": bonus, "gift": gift, "shop": shop}


def _post(counter, **values):
    return counter["client"].post("/till/work/", values, HTTP_HX_REQUEST="true")


def test_a_device_without_a_till_is_asked_for_one_and_keeps_it(alpha, shop, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    assert client.get("/till/")["Location"] == "/till/terminal/"
    response = client.post("/till/terminal/", {"terminal": shop.terminal.pk})
    assert response["Location"] == "/till/"
    assert response.cookies[TERMINAL_COOKIE].value == str(shop.terminal.pk)
    page = client.get("/till/")
    assert page.status_code == 200 and "Tallinn · Till 1" in page.content.decode()


def test_a_scanned_card_shows_its_customer_with_points(counter):
    page = _post(counter, q=counter["bonus"].number, action="enter").content.decode()
    assert 'data-testid="till-customer"' in page and "Mari Maasikas" in page
    assert 'data-testid="till-points">500<' in page
    assert 'name="scan"' in page


def test_several_matches_are_offered_and_none_offers_the_create_form_naming_the_phones_owner(alpha, counter):
    with tenant_context(alpha.tenant):
        CustomerFactory(first_name="Mart", last_name="Maasikas")
    page = _post(counter, q="Maasikas", action="enter").content.decode()
    assert page.count('name="action" value="pick:') == 2
    page = _post(counter, q="Nobody Here", action="enter").content.decode()
    assert 'data-testid="till-create"' in page
    page = _post(counter, first_name="Anu", last_name="Uus", phone="+372 5123 4567", action="create").content.decode()
    assert "till-owner" in page, page[page.find("till-create") : page.find("till-create") + 2500]
    assert "belongs to Mari Maasikas" in page
    with tenant_context(alpha.tenant):
        assert not Customer.objects.filter(first_name="Anu").exists()


def test_a_sale_with_points_and_a_gift_card_is_registered_once(alpha, counter):
    mari = counter["mari"]
    form = {
        "customer_id": mari.pk,
        "client_id": "screen-1",
        "code": ["TEA-1", "CUP-1"],
        "qty": ["2", "1"],
        "points": "200",
        "gift_card": counter["gift"].number,
        "gift_amount": "5.00",
        "action": "register",
    }
    page = _post(counter, **form).content.decode()
    assert 'data-testid="till-done"' in page, page[:3000]
    assert 'data-testid="done-gift-balance">45.00' in page.replace("\xa0", " ").replace(" EUR", "")
    again = _post(counter, **form).content.decode()
    assert "This sale was registered already" in again
    with tenant_context(alpha.tenant):
        sale = SalesDocument.objects.get(client_id="screen-1")
        assert (sale.total, sale.terminal_id, sale.customer_id) == (
            Decimal("18.00"),
            counter["shop"].terminal.pk,
            mari.pk,
        )
        assert SalesDocument.objects.count() == 1
        # 18.00 less 2.00 of points earns 16; 500 − 200 + 16.
        assert PointsAccount.objects.get(pk=mari.pk).balance == 316
        assert GiftEntry.objects.filter(card=counter["gift"], kind="spent").count() == 1
    receipt = counter["client"].get(f"/till/receipts/{sale.pk}/").content.decode()
    assert "Green tea" in receipt and 'data-testid="receipt"' in receipt


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code": [], "qty": []}, "Scan at least one product."),
        ({"points": "many"}, "Points are a whole number."),
        ({"gift_card": "{gift}", "gift_amount": ""}, "Say how much the gift card pays."),
        ({"points": "900"}, "The customer has 500 points; 900 cannot be redeemed."),
        (
            {"gift_card": "{gift}", "gift_amount": "60.00"},
            "Gift card {gift} has 50.00 left; 60.00 cannot be paid with it.",
        ),
    ],
    ids=["empty", "points-text", "gift-no-amount", "points-over-balance", "gift-over-balance"],
)
def test_a_refused_sale_is_named_and_nothing_is_written(alpha, counter, values, message):
    gift = counter["gift"].number
    form = {
        "customer_id": counter["mari"].pk,
        "client_id": "screen-x",
        "code": ["CUP-1"],
        "qty": ["9"],
        "action": "register",
    }
    form.update({key: value.format(gift=gift) if isinstance(value, str) else value for key, value in values.items()})
    page = _post(counter, **form).content.decode()
    assert 'data-testid="till-sale-problems"' in page
    assert message.format(gift=gift) in page
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.exists()
        assert Card.objects.get(pk=counter["gift"].pk).balance == Decimal("50.00")


def test_an_unknown_product_is_named_and_the_basket_kept(counter):
    page = _post(
        counter, customer_id=counter["mari"].pk, code=["TEA-1"], qty=["1"], scan="NOPE", action="enter"
    ).content.decode()
    assert "No active product has the code or EAN “NOPE”." in page
    assert page.count('data-testid="till-line"') == 1


def test_a_device_cookie_of_another_retailers_till_is_asked_again(alpha, beta, tenant_client):
    from sales.services.stores import store_create, terminal_create

    with tenant_context(beta.tenant):
        store = store_create(tenant=beta.tenant, name="Beta store", code="BST")
        terminal, _token = terminal_create(tenant=beta.tenant, store=store, name="Beta till")
    client = tenant_client(alpha, alpha.cashier)
    client.cookies[TERMINAL_COOKIE] = str(terminal.pk)
    assert client.get("/till/")["Location"] == "/till/terminal/"


def test_a_return_at_the_till_gives_back_points_and_the_gift_cards_money_once(alpha, counter):
    mari = counter["mari"]
    form = {
        "customer_id": mari.pk,
        "client_id": "screen-r",
        "code": ["CUP-1"],
        "qty": ["2"],
        "gift_card": counter["gift"].number,
        "gift_amount": "10.00",
        "action": "register",
    }
    _post(counter, **form)
    with tenant_context(alpha.tenant):
        sale = SalesDocument.objects.get(client_id="screen-r")
        line = sale.lines.get()
        balance = PointsAccount.objects.get(pk=mari.pk).balance
    client = counter["client"]
    page = client.get("/till/returns/", {"receipt": f"#{sale.pk}"}).content.decode()
    assert page.count('data-testid="return-line"') == 1
    body = {"sale": sale.pk, "client_id": "ret-screen-1", f"line_{line.pk}": "1", "action": "return"}
    done = client.post("/till/returns/", body).content.decode()
    assert 'data-testid="return-done"' in done
    again = client.post("/till/returns/", body).content.decode()
    assert "This return was registered already" in again
    with tenant_context(alpha.tenant):
        assert sale.returns.count() == 1
        # Half the cups back: half the 20 points earned (a gift card pays like money: its load earned
        # nothing), half the card's 10.00.
        assert PointsAccount.objects.get(pk=mari.pk).balance == balance - 10
        assert Card.objects.get(pk=counter["gift"].pk).balance == Decimal("45.00")
    refused = client.post(
        "/till/returns/", {**body, "client_id": "ret-screen-2", f"line_{line.pk}": "5"}
    ).content.decode()
    assert 'data-testid="return-problems"' in refused
    unknown = client.get("/till/returns/", {"receipt": "NOPE-1"}).content.decode()
    assert "No receipt with the number “NOPE-1”." in unknown
    with tenant_context(alpha.tenant):
        assert sale.returns.count() == 1


def test_cashiers_marketers_and_admins_may_use_the_till_and_nobody_logged_out(alpha, shop, tenant_client):
    for login in (alpha.cashier, alpha.marketer, alpha.admin):
        client = tenant_client(alpha, login)
        client.cookies[TERMINAL_COOKIE] = str(shop.terminal.pk)
        assert client.get("/till/").status_code == 200
    anonymous = tenant_client(alpha)
    assert anonymous.get("/till/")["Location"].startswith("/login/")
    assert anonymous.post("/till/work/", {"q": "x"})["Location"].startswith("/login/")


def test_a_card_look_up_and_a_sale_cost_the_same_queries_however_many_lines(
    alpha, counter, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert _post(counter, q=counter["bonus"].number, action="enter").status_code == 200
    with tenant_context(alpha.tenant):
        from tests.factories import ProductFactory

        codes = [ProductFactory().sku for _ in range(5)]
    counts = []
    # The first sale reads what the retailer's configuration keeps afterwards (the programme).
    _post(
        counter, customer_id=counter["mari"].pk, client_id="budget-warm", code=codes[:1], qty=["1"], action="register"
    )
    for index, lines in enumerate((codes[:2], codes)):
        form = {
            "customer_id": counter["mari"].pk,
            "client_id": f"budget-{index}",
            "code": lines,
            "qty": ["1"] * len(lines),
        }
        with django_assert_max_num_queries(40) as captured:
            assert 'data-testid="till-done"' in _post(counter, **form, action="register").content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_product_is_picked_by_a_part_of_its_name(counter):
    page = _post(counter, customer_id=counter["mari"].pk, scan="green", action="enter").content.decode()
    assert 'data-testid="till-product-choices"' in page and 'value="add:TEA-1"' in page
    page = _post(counter, customer_id=counter["mari"].pk, action="add:TEA-1").content.decode()
    assert page.count('data-testid="till-line"') == 1 and "Green tea" in page


def test_an_e_mail_that_belongs_to_a_customer_is_named_too(alpha, counter):
    with tenant_context(alpha.tenant):
        Customer.objects.filter(pk=counter["mari"].pk).update(email="mari@example.com")
    page = _post(
        counter, first_name="Mari", last_name="Uus", phone="+372 5999 1111", email="MARI@example.com", action="create"
    ).content.decode()
    assert "This phone or e-mail belongs to Mari Maasikas." in page
    page = _post(counter, action=f"use:{counter['mari'].pk}").content.decode()
    assert 'data-testid="till-customer-name">Mari Maasikas<' in page
    with tenant_context(alpha.tenant):
        assert not Customer.objects.filter(last_name="Uus").exists()
    page = _post(
        counter,
        first_name="Mari",
        last_name="Uus",
        phone="+372 5999 1111",
        email="MARI@example.com",
        action="create_anyway",
    ).content.decode()
    with tenant_context(alpha.tenant):
        created = Customer.objects.get(last_name="Uus")
        assert (created.status, created.email) == ("control", "MARI@example.com")


def test_a_gift_card_is_loaded_at_the_counter_once(alpha, counter):
    client = counter["client"]
    body = {"client_id": "load-screen-1", "number": counter["gift"].number, "amount": "20,00"}
    done = client.post("/till/gift-cards/load/", body).content.decode()
    assert 'data-testid="gift-load-done"' in done
    again = client.post("/till/gift-cards/load/", body).content.decode()
    assert "This load was registered already" in again
    refused = client.post(
        "/till/gift-cards/load/", {**body, "client_id": "load-screen-2", "amount": "0"}
    ).content.decode()
    assert "Give the amount to load: more than 0, in cents." in refused
    with tenant_context(alpha.tenant):
        assert Card.objects.get(pk=counter["gift"].pk).balance == Decimal("70.00")
        entry = GiftEntry.objects.get(kind="loaded")
        assert (entry.terminal_id, entry.author.username) == (counter["shop"].terminal.pk, "cashier")


def test_a_form_the_browser_posts_itself_gets_the_whole_page(counter):
    page = counter["client"].post("/till/work/", {"q": counter["bonus"].number, "action": "enter"}).content.decode()
    assert "<html" in page and 'data-testid="till-customer"' in page and "js/till.js" in page


def test_a_till_that_is_not_offered_is_refused_with_a_message(alpha, shop, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    for value in ("999999", "x"):
        response = client.post("/till/terminal/", {"terminal": value})
        assert response.status_code == 200
        assert "Choose one of the tills listed." in response.content.decode()
        assert TERMINAL_COOKIE not in response.cookies
