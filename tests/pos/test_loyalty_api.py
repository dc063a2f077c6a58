"""Loyalty at the till over HTTP: finding a customer by card, a card's answer, how many points may
pay a receipt, a sale with a card and points, its replay, a partial return, adjustments by a
cashier, and every refusal — each with its message and nothing written."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.models import Card, CardType, PointsAccount, PointsEntry, Programme
from loyalty.services.ledger import points_adjust
from pos.models import IdempotentRequest
from sales.models import Return, SalesDocument, Store
from tests.factories import TerminalFactory

pytestmark = pytest.mark.django_db

BONUS_CARD = "7700001"
DISCOUNT_CARD = "8800001"
BLOCKED_CARD = "7700002"
REPLACED_CARD = "7700003"
STOCK_CARD = "7700009"
BETA_CARD = "5500001"


def _card(card_type: CardType, number: str, *, customer=None, status=Card.Status.ACTIVE, **fields) -> Card:
    return Card.objects.create(card_type=card_type, number=number, customer=customer, status=status, **fields)


@pytest.fixture
def loyalty_till(alpha, shop):
    """Alpha's programme (a point per unit, worth 0.01, at most half a receipt, stopping at zero),
    Mari with a bonus and a discount card and 1,000 points, a blocked, a replaced and a stock card."""
    with tenant_context(alpha.tenant):
        Programme.objects.update_or_create(
            pk=1,
            defaults={
                "is_enabled": True,
                "points_per_unit": Decimal("1"),
                "point_value": Decimal("0.01"),
                "max_redeem_percent": Decimal("50"),
                "negative_policy": Programme.NegativePolicy.CAP,
                "expiry_months": None,
                "adjustment_cap": None,
            },
        )
        bonus = CardType.objects.create(name="Bonus card", kind=CardType.Kind.BONUS, symbology="code128", prefix="77")
        discount = CardType.objects.create(
            name="Friends 5%",
            kind=CardType.Kind.DISCOUNT,
            symbology="code128",
            prefix="88",
            discount_percent=Decimal("5.00"),
        )
        mari = Customer.objects.create(first_name="Mari", last_name="Tamm", phone="+37255550001")
        jaan = Customer.objects.create(first_name="Jaan", last_name="Kask")
        now = timezone.now()
        _card(bonus, BONUS_CARD, customer=mari, assigned_at=now)
        _card(discount, DISCOUNT_CARD, customer=mari, assigned_at=now - datetime.timedelta(days=1))
        _card(bonus, BLOCKED_CARD, customer=jaan, status=Card.Status.BLOCKED)
        successor = _card(bonus, "7700004", customer=jaan, assigned_at=now)
        _card(bonus, REPLACED_CARD, customer=jaan, status=Card.Status.REPLACED, replaced_by=successor)
        _card(bonus, STOCK_CARD, status=Card.Status.STOCK)
        points_adjust(customer=mari, points=1000, reason="Opening balance from the old system", acting_user=None)
    return {"mari": mari, "jaan": jaan, "bonus": bonus, "discount": discount}


def written(tenant) -> dict:
    """Everything a loyalty refusal must leave as it was."""
    with tenant_context(tenant):
        return {
            "sales": SalesDocument.objects.count(),
            "returns": Return.objects.count(),
            "entries": list(PointsEntry.objects.order_by("pk").values_list("pk", "kind", "points")),
            "balances": list(PointsAccount.objects.order_by("pk").values_list("pk", "balance")),
            "cards": list(Card.objects.order_by("pk").values_list("number", "status")),
            "answers": IdempotentRequest.objects.count(),
        }


def balance(tenant, customer) -> int:
    with tenant_context(tenant):
        return PointsAccount.objects.get(pk=customer.pk).balance


def test_a_scripted_till_finds_by_card_redeems_replays_and_takes_back(alpha, shop, loyalty_till):
    api, mari = shop.api, loyalty_till["mari"]

    # The cashier scans Mari's card: her balance and her active cards come with her.
    found = api.get("customers/", {"card": "77 000 01"})
    assert found.status_code == 200, found.content
    customer = found.json()
    assert customer["id"] == mari.pk
    assert customer["points_balance"] == 1000
    assert customer["cards"] == [
        {"number": BONUS_CARD, "type": "Bonus card", "kind": "bonus", "status": "active", "discount_percent": None},
        {
            "number": DISCOUNT_CARD,
            "type": "Friends 5%",
            "kind": "discount",
            "status": "active",
            "discount_percent": "5.00",
        },
    ]
    assert api.get("customers/", {"code": str(mari.pk)}).json() == customer

    # The card itself.
    card = api.get(f"cards/{DISCOUNT_CARD}/")
    assert card.status_code == 200
    assert card.json() == {
        "number": DISCOUNT_CARD,
        "status": "active",
        "is_usable": True,
        "refusal": None,
        "type": {"id": loyalty_till["discount"].pk, "name": "Friends 5%", "kind": "discount"},
        "discount_percent": "5.00",
        "gift_balance": None,
        "coupon_amount": None,
        "coupon_percent": None,
        "valid_until": None,
        "replaced_by": None,
        "customer": {"id": mari.pk, "name": "Mari Tamm", "points_balance": 1000},
    }

    # How many points may pay a receipt of 12.50: half of it, 625 points worth 6.25.
    redeemable = api.get(f"customers/{mari.pk}/redeemable/", {"total": "12.50"})
    assert redeemable.status_code == 200, redeemable.content
    assert redeemable.json() == {
        "customer_id": mari.pk,
        "total": "12.50",
        "balance": 1000,
        "max_points": 625,
        "point_value": "0.0100",
        "money_value": "6.25",
        "max_share_percent": "50.00",
        "is_enabled": True,
    }

    # A sale naming only the card is Mari's: 24.00, 600 points (6.00) paid with points, the
    # rest (18.00) earns 18.
    sale_body = {
        "client_id": "ls-1",
        "card": BONUS_CARD,
        "points_redeemed": 600,
        "lines": [{"product": "CUP-1", "quantity": "2"}, {"product": "TEA-1", "quantity": "1"}],
    }
    first = api.post("sales/", sale_body)
    assert first.status_code == 201, first.content
    sale = first.json()
    assert sale["total"] == "24.00"
    assert sale["customer"]["id"] == mari.pk
    assert sale["customer"]["points_balance"] == 1000 - 600 + 18
    assert sale["points"] == {"earned": 18, "redeemed": 600, "redeemed_value": "6.00", "balance": 418}

    # Replays: the same bytes, no second earning or redemption.
    for _ in range(3):
        replay = api.post("sales/", sale_body)
        assert (replay.status_code, replay.content) == (201, first.content)
        assert replay.headers["Idempotent-Replayed"] == "true"
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(client_id="ls-1").count() == 1
        assert list(
            PointsEntry.objects.filter(sale_id=sale["id"]).order_by("pk").values_list("kind", "points", "card__number")
        ) == [("redeem", -600, BONUS_CARD), ("earn", 18, BONUS_CARD)]
    assert balance(alpha.tenant, mari) == 418

    # She brings one of the two cups back: 250 of the 600 redeemed points come back (10 of 24),
    # the 8 points the cup earned (7.5, rounded) go.
    cup_line = next(line for line in sale["lines"] if line["product"]["sku"] == "CUP-1")
    return_body = {
        "client_id": "lr-1",
        "sale_id": sale["id"],
        "lines": [{"sale_line_id": cup_line["id"], "quantity": "1"}],
    }
    returned = api.post("returns/", return_body)
    assert returned.status_code == 201, returned.content
    assert returned.json()["points"] == {"restored": 250, "taken_back": 8, "shortfall": 0, "balance": 660}
    assert returned.json()["customer"]["points_balance"] == 660
    replay = api.post("returns/", return_body)
    assert (replay.status_code, replay.content) == (201, returned.content)
    assert balance(alpha.tenant, mari) == 660

    # An anonymous sale has no points.
    anonymous = api.post("sales/", {"client_id": "ls-2", "lines": [{"product": "TEA-1", "quantity": "1"}]})
    assert anonymous.status_code == 201
    assert (anonymous.json()["customer"], anonymous.json()["points"]) == (None, None)


def test_a_return_of_points_already_spent_records_the_shortfall(alpha, shop, loyalty_till):
    api, jaan = shop.api, loyalty_till["jaan"]
    sale = api.post(
        "sales/", {"client_id": "sf-1", "customer_id": jaan.pk, "lines": [{"product": "CUP-1", "quantity": "3"}]}
    ).json()
    assert sale["points"] == {"earned": 30, "redeemed": 0, "redeemed_value": "0.00", "balance": 30}
    spend = api.post(
        "sales/",
        {
            "client_id": "sf-2",
            "customer_id": jaan.pk,
            "points_redeemed": 25,
            "lines": [{"product": "CUP-1", "quantity": "1", "unit_price": "1.00"}],
        },
    )
    assert spend.status_code == 201, spend.content
    assert spend.json()["points"] == {"earned": 0, "redeemed": 25, "redeemed_value": "0.25", "balance": 5}
    returned = api.post(
        "returns/",
        {
            "client_id": "sf-3",
            "sale_id": sale["id"],
            "lines": [{"sale_line_id": sale["lines"][0]["id"], "quantity": "3"}],
        },
    )
    assert returned.status_code == 201, returned.content
    assert returned.json()["points"] == {"restored": 0, "taken_back": 5, "shortfall": 25, "balance": 0}


# --- refusals -------------------------------------------------------------------------------------


def _sale(**fields) -> dict:
    return {"client_id": "bad-1", "lines": [{"product": "CUP-1", "quantity": "2"}], **fields}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (_sale(card="9999999"), "card", "No card with the number “9999999”."),
        (_sale(card=BLOCKED_CARD), "card", "Card 7700002 is blocked; it cannot be used."),
        (_sale(card=REPLACED_CARD), "card", "Card 7700003 was replaced by another card; it cannot be used."),
        (_sale(card=STOCK_CARD), "card", "Card 7700009 has not been given to a customer."),
        (_sale(card=BETA_CARD), "card", "No card with the number “5500001”."),
        (
            _sale(card=BONUS_CARD, points_redeemed=1001, lines=[{"product": "CUP-1", "quantity": "50"}]),
            "points_redeemed",
            "The customer has 1000 points; 1001 cannot be redeemed.",
        ),
        (
            _sale(card=BONUS_CARD, points_redeemed=1000, lines=[{"product": "CUP-1", "quantity": "1"}]),
            "points_redeemed",
            "At most 500 points may pay this receipt (50 per cent of 10.00); 1000 were asked.",
        ),
        (_sale(card=BONUS_CARD, points_redeemed=-5), "points_redeemed", "Redeemed points cannot be negative."),
        (
            _sale(points_redeemed=10),
            "points_redeemed",
            "Points can be redeemed only on a known customer's receipt.",
        ),
        (_sale(customer_id=0, card=BONUS_CARD), "customer_id", None),
    ],
    ids=[
        "unknown-card",
        "blocked-card",
        "replaced-card",
        "card-in-stock",
        "card-of-another-retailer",
        "more-than-the-balance",
        "more-than-the-share",
        "negative",
        "anonymous",
        "bad-customer-id",
    ],
)
def test_a_bad_card_or_redemption_on_a_sale_is_refused_and_nothing_is_written(
    alpha, beta, shop, loyalty_till, body, field, message
):
    with tenant_context(beta.tenant):
        beta_type = CardType.objects.create(name="Beta card", kind="bonus", symbology="code128", prefix="55")
        beta_customer = Customer.objects.create(first_name="Beta")
        _card(beta_type, BETA_CARD, customer=beta_customer)
    before = written(alpha.tenant)
    response = shop.api.post("sales/", body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == "invalid"
    assert list(answer["fields"]) == [field]
    if message is not None:
        assert answer["fields"][field] == [message]
        assert answer["message"] == message
    assert written(alpha.tenant) == before
    # Refused requests store nothing: the till may fix the body and send the same client_id.
    fixed = shop.api.post("sales/", _sale(card=BONUS_CARD))
    assert fixed.status_code == 201, fixed.content


def test_points_may_pay_exactly_the_allowed_share(alpha, shop, loyalty_till):
    # 1000 points (10.00) on a receipt of 20.00 is exactly half; the other 10.00 earn 10.
    response = shop.api.post("sales/", _sale(card=BONUS_CARD, points_redeemed=1000))
    assert response.status_code == 201, response.content
    assert response.json()["points"] == {"earned": 10, "redeemed": 1000, "redeemed_value": "10.00", "balance": 10}


def test_a_sale_with_a_card_of_another_customer_is_refused(alpha, shop, loyalty_till):
    before = written(alpha.tenant)
    response = shop.api.post("sales/", _sale(customer_id=loyalty_till["jaan"].pk, card=BONUS_CARD))
    assert response.status_code == 400
    assert response.json()["fields"] == {"card": ["Card 7700001 belongs to another customer."]}
    assert written(alpha.tenant) == before


@pytest.mark.parametrize(
    ("number", "status", "message"),
    [
        (BLOCKED_CARD, 404, "Card 7700002 is blocked; it cannot be used."),
        (REPLACED_CARD, 404, "Card 7700003 was replaced by another card; it cannot be used."),
        (STOCK_CARD, 404, "Card 7700009 has not been given to a customer."),
        ("1234567", 404, "No card with the number “1234567”."),
        (BETA_CARD, 404, "No card with the number “5500001”."),
        ("  ", 400, "Give a card number."),
    ],
)
def test_a_customer_is_not_found_by_a_card_that_is_not_active_and_the_till_is_told_why(
    alpha, beta, shop, loyalty_till, number, status, message
):
    with tenant_context(beta.tenant):
        beta_type = CardType.objects.create(name="Beta card", kind="bonus", symbology="code128", prefix="55")
        _card(beta_type, BETA_CARD, customer=Customer.objects.create(first_name="Beta"))
    response = shop.api.get("customers/", {"card": number})
    assert response.status_code == status
    assert response.json()["message"] == message
    if status == 400:
        assert response.json()["fields"] == {"card": [message]}


def test_a_card_answers_its_status_so_the_till_can_tell_the_cashier(alpha, beta, shop, loyalty_till):
    with tenant_context(beta.tenant):
        beta_type = CardType.objects.create(name="Beta card", kind="bonus", symbology="code128", prefix="55")
        _card(beta_type, BETA_CARD, customer=Customer.objects.create(first_name="Beta"))
    with tenant_context(alpha.tenant):
        gift = CardType.objects.create(name="Gift 20", kind="gift", symbology="code128", prefix="66", gift_value=20)
        _card(
            gift,
            "6600001",
            customer=loyalty_till["mari"],
            balance=Decimal("12.50"),
            valid_until=datetime.date(2020, 1, 31),
        )
    api, jaan = shop.api, loyalty_till["jaan"]

    blocked = api.get(f"cards/{BLOCKED_CARD}/")
    assert blocked.status_code == 200
    assert {key: blocked.json()[key] for key in ("status", "is_usable", "refusal", "customer")} == {
        "status": "blocked",
        "is_usable": False,
        "refusal": "Card 7700002 is blocked; it cannot be used.",
        "customer": {"id": jaan.pk, "name": "Jaan Kask", "points_balance": 0},
    }
    replaced = api.get(f"cards/{REPLACED_CARD}/").json()
    assert (replaced["status"], replaced["is_usable"], replaced["replaced_by"]) == ("replaced", False, "7700004")
    stock = api.get(f"cards/{STOCK_CARD}/").json()
    assert (stock["status"], stock["customer"], stock["refusal"]) == (
        "stock",
        None,
        "Card 7700009 has not been given to a customer.",
    )
    expired = api.get("cards/66 000 01/").json()
    assert {key: expired[key] for key in ("status", "is_usable", "refusal", "gift_balance", "valid_until")} == {
        "status": "active",
        "is_usable": False,
        "refusal": "Card 6600001 expired on 2020-01-31.",
        "gift_balance": "12.50",
        "valid_until": "2020-01-31",
    }
    for number in ("1234567", BETA_CARD):
        unknown = api.get(f"cards/{number}/")
        assert unknown.status_code == 404
        assert unknown.json() == {
            "code": "not_found",
            "message": f"No card with the number “{number}”.",
            "fields": {},
        }


@pytest.mark.parametrize(
    ("params", "status", "fields"),
    [
        ({}, 400, {"total": ["This field is required."]}),
        ({"total": "lots"}, 400, {"total": ["“lots” is not a number."]}),
        ({"total": "-1"}, 400, {"total": ["The total cannot be negative."]}),
        ({"total": "1.005"}, 400, {"total": ["1.005 has more than 2 decimals."]}),
    ],
)
def test_redeemable_needs_a_total(alpha, shop, loyalty_till, params, status, fields):
    response = shop.api.get(f"customers/{loyalty_till['mari'].pk}/redeemable/", params)
    assert response.status_code == status
    assert response.json()["fields"] == fields


def test_redeemable_is_bound_by_the_balance_and_zero_when_the_programme_is_off(alpha, shop, loyalty_till):
    api, mari = shop.api, loyalty_till["mari"]
    big = api.get(f"customers/{mari.pk}/redeemable/", {"total": "1000"}).json()
    assert (big["max_points"], big["money_value"]) == (1000, "10.00")
    assert api.get(f"customers/{loyalty_till['jaan'].pk}/redeemable/", {"total": "10"}).json()["max_points"] == 0
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(is_enabled=False)
    off = api.get(f"customers/{mari.pk}/redeemable/", {"total": "10"}).json()
    assert (off["max_points"], off["money_value"], off["is_enabled"]) == (0, "0.00", False)
    missing = api.get("customers/999999/redeemable/", {"total": "10"})
    assert missing.status_code == 404
    assert missing.json()["message"] == "No customer with the code 999999."


# --- adjustments ----------------------------------------------------------------------------------


def _adjustment(**fields) -> dict:
    return {"client_id": "adj-1", "points": 50, "reason": "Broken cup", "staff_username": "admin", **fields}


def test_an_admin_at_the_till_adjusts_points_once_per_client_id(alpha, shop, loyalty_till):
    api, mari = shop.api, loyalty_till["mari"]
    first = api.post(f"customers/{mari.pk}/points-adjustments/", _adjustment())
    assert first.status_code == 201, first.content
    entry = first.json()
    assert {key: entry[key] for key in entry if key not in ("id", "created_at")} == {
        "customer_id": mari.pk,
        "kind": "adjust",
        "points": 50,
        "balance_after": 1050,
        "reason": "Broken cup",
        "staff_username": "admin",
        "terminal_id": shop.terminal.pk,
    }
    replay = api.post(f"customers/{mari.pk}/points-adjustments/", _adjustment())
    assert (replay.status_code, replay.content) == (201, first.content)
    # The same client_id and body for another customer is another request.
    other = api.post(f"customers/{loyalty_till['jaan'].pk}/points-adjustments/", _adjustment())
    assert (other.status_code, other.json()["code"]) == (409, "client_id_reused")
    with tenant_context(alpha.tenant):
        assert not PointsEntry.objects.filter(customer=loyalty_till["jaan"]).exists()
    taken = api.post(f"customers/{mari.pk}/points-adjustments/", _adjustment(client_id="adj-2", points=-30))
    assert taken.json()["balance_after"] == 1020
    bonus = api.post(f"customers/{mari.pk}/points-adjustments/", _adjustment(client_id="adj-3", kind="bonus"))
    assert (bonus.json()["kind"], bonus.json()["balance_after"]) == ("bonus", 1070)
    assert balance(alpha.tenant, mari) == 1070
    with tenant_context(alpha.tenant):
        stored = PointsEntry.objects.get(pk=entry["id"])
        assert (stored.source, stored.author.username, stored.terminal_id, stored.store_id) == (
            "till",
            "admin",
            shop.terminal.pk,
            shop.store.pk,
        )


@pytest.mark.parametrize(
    ("body", "status", "code", "fields", "message"),
    [
        (
            _adjustment(reason="  "),
            400,
            "invalid",
            {"reason": ["Give a reason: the ledger shows it beside the adjustment."]},
            "Give a reason: the ledger shows it beside the adjustment.",
        ),
        (
            {key: value for key, value in _adjustment().items() if key != "reason"},
            400,
            "invalid",
            {"reason": ["Give a reason: the ledger shows it beside the adjustment."]},
            "Give a reason: the ledger shows it beside the adjustment.",
        ),
        (
            _adjustment(staff_username="marketer"),
            403,
            "permission_denied",
            {},
            "You may not adjust loyalty points: ask an admin for the right “May adjust loyalty points”.",
        ),
        (
            _adjustment(staff_username="cashier", reason=""),
            403,
            "permission_denied",
            {},
            "You may not adjust loyalty points: ask an admin for the right “May adjust loyalty points”.",
        ),
        (
            _adjustment(staff_username="nobody"),
            403,
            "permission_denied",
            {},
            "No active staff user “nobody” at this retailer: points are adjusted by a signed-in staff member "
            "with the right “May adjust loyalty points”.",
        ),
        (
            _adjustment(staff_username="gone"),
            403,
            "permission_denied",
            {},
            "No active staff user “gone” at this retailer: points are adjusted by a signed-in staff member "
            "with the right “May adjust loyalty points”.",
        ),
        (
            _adjustment(points=-1001),
            400,
            "invalid",
            {"points": ["The customer has 1000 points; 1001 cannot be taken."]},
            "The customer has 1000 points; 1001 cannot be taken.",
        ),
        (
            _adjustment(points=0),
            400,
            "invalid",
            {"points": ["Give a number of points other than zero."]},
            "Give a number of points other than zero.",
        ),
        (
            _adjustment(points=-5, kind="bonus"),
            400,
            "invalid",
            {"points": ["A bonus gives points; to take points, make an adjustment."]},
            "A bonus gives points; to take points, make an adjustment.",
        ),
        (
            _adjustment(points="many"),
            400,
            "invalid",
            {"points": ["A valid integer is required."]},
            "points: A valid integer is required.",
        ),
        (
            _adjustment(staff_username=""),
            400,
            "invalid",
            {"staff_username": ["This field may not be blank."]},
            "staff_username: This field may not be blank.",
        ),
    ],
    ids=[
        "blank-reason",
        "no-reason",
        "marketer-without-the-right",
        "cashier-without-the-right",
        "unknown-user",
        "inactive-user",
        "more-than-the-balance",
        "zero",
        "negative-bonus",
        "not-a-number",
        "no-cashier",
    ],
)
def test_a_bad_adjustment_is_refused_with_its_reason_and_nothing_is_written(
    alpha, shop, loyalty_till, body, status, code, fields, message
):
    with tenant_context(alpha.tenant):
        get_user_model().objects.create(username="gone", is_active=False)
    before = written(alpha.tenant)
    response = shop.api.post(f"customers/{loyalty_till['mari'].pk}/points-adjustments/", body)
    assert response.status_code == status, response.content
    assert response.json() == {"code": code, "message": message, "fields": fields}
    assert written(alpha.tenant) == before


def test_the_adjustment_cap_and_an_unknown_customer(alpha, shop, loyalty_till):
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(adjustment_cap=100)
    before = written(alpha.tenant)
    capped = shop.api.post(f"customers/{loyalty_till['mari'].pk}/points-adjustments/", _adjustment(points=101))
    assert capped.status_code == 400
    assert capped.json()["fields"] == {"points": ["At most 100 points can be adjusted at a time; 101 were asked."]}
    missing = shop.api.post("customers/999999/points-adjustments/", _adjustment())
    assert missing.status_code == 404
    assert missing.json()["message"] == "No customer with the code 999999."
    assert written(alpha.tenant) == before


# --- tenants and the schema -----------------------------------------------------------------------


def test_a_card_of_beta_is_unknown_at_alpha_and_alphas_at_beta(alpha, beta, shop, loyalty_till, till_api):
    with tenant_context(beta.tenant):
        store = Store.objects.create(name="Tartu", code="TRT")
        TerminalFactory(store=store, name="Till B", token="beta-till-token-0001")
        beta_type = CardType.objects.create(name="Beta card", kind="bonus", symbology="code128", prefix="55")
        _card(beta_type, BETA_CARD, customer=Customer.objects.create(first_name="Beta"))
    beta_api = till_api(beta.host, "beta-till-token-0001")
    assert shop.api.get(f"cards/{BETA_CARD}/").status_code == 404
    assert shop.api.get("customers/", {"card": BETA_CARD}).status_code == 404
    assert beta_api.get(f"cards/{BETA_CARD}/").status_code == 200
    assert beta_api.get(f"cards/{BONUS_CARD}/").status_code == 404
    assert beta_api.get("customers/", {"card": BONUS_CARD}).status_code == 404


def test_the_schema_describes_the_loyalty_endpoints(alpha, shop, till_api):
    schema = till_api(alpha.host, None).client.get("/api/schema/", {"format": "json"}).json()
    assert {
        "/api/v1/cards/{number}/",
        "/api/v1/customers/{customer_id}/redeemable/",
        "/api/v1/customers/{customer_id}/points-adjustments/",
    } <= set(schema["paths"])
    assert "card" in {param["name"] for param in schema["paths"]["/api/v1/customers/"]["get"]["parameters"]}
    sale_in = schema["components"]["schemas"]["SaleInRequest"]["properties"]
    assert {"card", "points_redeemed"} <= set(sale_in)
    assert "points" in schema["components"]["schemas"]["SaleOut"]["properties"]
    assert "points" in schema["components"]["schemas"]["ReturnOut"]["properties"]
    customer_out = schema["components"]["schemas"]["CustomerOut"]["properties"]
    assert {"points_balance", "cards"} <= set(customer_out)
    adjustment = schema["paths"]["/api/v1/customers/{customer_id}/points-adjustments/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(adjustment["responses"])


def test_a_sale_with_a_card_and_points_costs_the_same_queries_for_one_line_or_five(
    alpha, shop, loyalty_till, django_assert_max_num_queries
):
    shop.api.get("customers/", {"code": "1"})  # last_used_at is fresh: no write of it below
    # The first sale reads the retailer's settings into the process's cache (and makes the
    # customer's points account); a till's every next sale reads neither.
    warm = shop.api.post(
        "sales/", {"client_id": "q-warm", "card": BONUS_CARD, "lines": [{"product": "CUP-1", "quantity": "1"}]}
    )
    assert warm.status_code == 201, warm.content
    counts = []
    for number, codes in enumerate((["CUP-1"], ["TEA-1", "CUP-1", "4740000000018", "CUP-1", "TEA-1"])):
        body = {
            "client_id": f"q-{number}",
            "card": BONUS_CARD,
            "points_redeemed": 100,
            "lines": [{"product": code, "quantity": "1"} for code in codes],
        }
        # The middleware's three and the token; the key row; the card's customer; the settings'
        # version, the products, the sale, its lines and the figures (with the figures after it);
        # the card locked, the account locked, the redemption, the earned lines and the earning;
        # the cards for the answer; the answer stored; four savepoints (inside the test's
        # transaction: in production two of them are the BEGIN and COMMIT).
        with django_assert_max_num_queries(22) as captured:
            response = shop.api.post("sales/", body)
        assert response.status_code == 201, response.content
        counts.append(len(captured))
    assert counts[0] == counts[1]
