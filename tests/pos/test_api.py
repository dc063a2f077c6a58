"""The till's API over HTTP: a scripted till, every refusal of bad input, authentication, the
rate limit, the schema and the docs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.services import group_create
from loyalty.models import Programme
from pos import authentication
from pos.models import IdempotentRequest
from pos.throttling import TerminalRateThrottle
from sales.models import (
    GroupPriceList,
    PriceList,
    PriceListItem,
    Product,
    Return,
    ReturnLine,
    SalesDocument,
    SalesLine,
    Store,
)
from sales.services.sales import LineInput, sale_register
from tariffs.models import TariffPlan
from tests.factories import TerminalFactory
from tests.factories.shops import TillApi

pytestmark = pytest.mark.django_db


def written(tenant) -> dict:
    """Row counts of everything the API writes, and the customers' figures."""
    with tenant_context(tenant):
        return {
            "sales": SalesDocument.objects.count(),
            "sale_lines": SalesLine.objects.count(),
            "returns": Return.objects.count(),
            "return_lines": ReturnLine.objects.count(),
            "returned": list(SalesLine.objects.order_by("pk").values_list("returned_quantity", flat=True)),
            "answers": IdempotentRequest.objects.count(),
            "customers": list(
                Customer.objects.order_by("pk").values_list("pk", "purchase_count", "purchase_total", "return_count")
            ),
        }


# --- the scripted till ---------------------------------------------------------------------------


def test_a_scripted_till_finds_and_creates_a_customer_sells_replays_and_takes_back(alpha, shop, tenant_client):
    api = shop.api

    # Nobody with this phone yet.
    response = api.get("customers/", {"phone": "+372 5555 0001"})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No customer with the phone “+372 5555 0001”.",
        "fields": {},
    }

    # The cashier registers her with a name and a phone; she starts in Control.
    response = api.post(
        "customers/", {"client_id": "c-1", "first_name": "Mari", "last_name": "Tamm", "phone": "5555 0001"}
    )
    assert response.status_code == 201, response.content
    mari = response.json()
    assert mari == {
        "id": mari["id"],
        "code": str(mari["id"]),
        "number": "",
        "kind": "person",
        "name": "Mari Tamm",
        "first_name": "Mari",
        "last_name": "Tamm",
        "company_name": "",
        "status": "control",
        "phone": "+37255550001",
        "email": "",
        "group": None,
        "purchases": {
            "count": 0,
            "total": "0.00",
            "average": None,
            "first_at": None,
            "last_at": None,
            "return_count": 0,
        },
        "points_balance": 0,
        "cards": [],
    }
    for params in ({"phone": "+37255550001"}, {"phone": "5555 0001"}, {"code": str(mari["id"])}):
        found = api.get("customers/", params)
        assert (found.status_code, found.json()) == (200, mari)

    # A sale to her: two teas at her price, one more by its barcode at a price the cashier typed.
    sale_body = {
        "client_id": "s-1",
        "customer_id": mari["id"],
        "number": "R-0001",
        "lines": [
            {"product": "TEA-1", "quantity": "2"},
            {"product": "4740000000018", "quantity": "1", "unit_price": "3.50"},
        ],
    }
    first = api.post("sales/", sale_body)
    assert first.status_code == 201, first.content
    sale = first.json()
    assert (sale["kind"], sale["number"], sale["total"], sale["discount_total"]) == (
        "receipt",
        "R-0001",
        "11.50",
        "0.50",
    )
    assert sale["store"] == {"id": shop.store.pk, "code": "TLN", "name": "Tallinn"}
    assert sale["terminal_id"] == shop.terminal.pk
    assert [
        (line["product"]["sku"], line["quantity"], line["unit_price"], line["discount_source"], line["line_total"])
        for line in sale["lines"]
    ] == [("TEA-1", "2.000", "4.00", "", "8.00"), ("TEA-1", "1.000", "3.50", "manual", "3.50")]
    assert sale["customer"]["purchases"] == {
        "count": 1,
        "total": "11.50",
        "average": "11.50",
        "first_at": sale["occurred_at"],
        "last_at": sale["occurred_at"],
        "return_count": 0,
    }
    assert first.headers.get("Idempotent-Replayed") is None

    # An anonymous sale.
    anonymous = api.post("sales/", {"client_id": "s-2", "lines": [{"product": "CUP-1", "quantity": "1"}]})
    assert anonymous.status_code == 201, anonymous.content
    assert (anonymous.json()["customer"], anonymous.json()["total"]) == (None, "10.00")

    # The till did not hear the first answer and sends the sale three more times: the same answer,
    # byte for byte, and no second sale.
    for _ in range(3):
        replay = api.post("sales/", sale_body)
        assert (replay.status_code, replay.content) == (201, first.content)
        assert replay.headers["Idempotent-Replayed"] == "true"
    # Keys in another order and other spacing are the same request.
    reordered = api.post("sales/", dict(reversed(list(sale_body.items()))))
    assert (reordered.status_code, reordered.content) == (201, first.content)
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.filter(terminal=shop.terminal).count() == 2

    # The same client_id for another sale is refused, and nothing is written.
    before = written(alpha.tenant)
    other = api.post("sales/", {**sale_body, "lines": [{"product": "CUP-1", "quantity": "5"}]})
    assert other.status_code == 409
    assert other.json() == {
        "code": "client_id_reused",
        "message": "This client_id was already used for a different request.",
        "fields": {},
    }
    assert written(alpha.tenant) == before

    # She brings one of the two teas of the first line back.
    return_body = {
        "client_id": "r-1",
        "sale_id": sale["id"],
        "reason": "Wrong flavour",
        "lines": [{"sale_line_id": sale["lines"][0]["id"], "quantity": "1"}],
    }
    response = api.post("returns/", return_body)
    assert response.status_code == 201, response.content
    returned = response.json()
    assert (returned["sale_id"], returned["amount"], returned["reason"]) == (sale["id"], "4.00", "Wrong flavour")
    assert [
        (line["sale_line_id"], line["product"]["sku"], line["quantity"], line["amount"]) for line in returned["lines"]
    ] == [(sale["lines"][0]["id"], "TEA-1", "1.000", "4.00")]
    assert returned["customer"]["purchases"] == {
        "count": 1,
        "total": "7.50",
        "average": "7.50",
        "first_at": sale["occurred_at"],
        "last_at": sale["occurred_at"],
        "return_count": 1,
    }
    replay = api.post("returns/", return_body)
    assert (replay.status_code, replay.content) == (201, response.content)

    # The figures, through the API and in the database.
    card = api.get("customers/", {"code": str(mari["id"])}).json()
    assert card["purchases"] == returned["customer"]["purchases"]
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get(pk=mari["id"])
        assert (customer.status, customer.purchase_count, customer.purchase_total, customer.return_count) == (
            CustomerStatus.CONTROL,
            1,
            Decimal("7.50"),
            1,
        )
        assert list(
            SalesDocument.objects.filter(customer=customer).values_list("client_id", "total", "returned_total")
        ) == [("s-1", Decimal("11.50"), Decimal("4.00"))]
        assert list(Return.objects.values_list("client_id", "customer_id", "terminal_id", "amount")) == [
            ("r-1", customer.pk, shop.terminal.pk, Decimal("4.00"))
        ]
        assert CustomerEvent.objects.get(customer=customer, kind="created").source == "till"
        assert sorted(IdempotentRequest.objects.values_list("client_id", "response_status")) == [
            ("c-1", 201),
            ("r-1", 201),
            ("s-1", 201),
            ("s-2", 201),
        ]

    # The marketer sees exactly that on the customer's card.
    marketer = tenant_client(alpha, alpha.marketer)
    card_page = marketer.get(f"/customers/{mari['id']}/").content.decode()
    assert "11.50 EUR" not in card_page and "7.50 EUR" in card_page
    sales_tab = marketer.get(f"/customers/{mari['id']}/sales/")
    assert [(sale.client_id, sale.total) for sale in sales_tab.context["sales_page"].object_list] == [
        ("s-1", Decimal("11.50"))
    ]
    returns_tab = marketer.get(f"/customers/{mari['id']}/returns/")
    assert [(item.amount, item.reason) for item in returns_tab.context["returns_page"].object_list] == [
        (Decimal("4.00"), "Wrong flavour")
    ]


def test_a_customer_is_found_by_email_and_the_most_recent_buyer_wins_a_shared_phone(alpha, shop):
    with tenant_context(alpha.tenant):
        old = Customer.objects.create(first_name="Old", phone="+37255550002", status="archived")
        buyer = Customer.objects.create(
            first_name="Buyer", phone="+37255550002", email="buyer@example.ee", last_purchase_at=timezone.now()
        )
        Customer.objects.create(first_name="Never bought", phone="+37255550002")
    assert shop.api.get("customers/", {"phone": "55550002"}).json()["id"] == buyer.pk
    assert shop.api.get("customers/", {"email": " Buyer@Example.ee "}).json()["id"] == buyer.pk
    assert shop.api.get("customers/", {"code": str(old.pk)}).json()["status"] == "archived"


def test_a_customer_is_found_by_the_retailers_own_number_whatever_its_case(alpha, beta, shop, till_api):
    with tenant_context(alpha.tenant):
        mari = Customer.objects.create(first_name="Mari", last_name="Tamm", number="K-1001", phone="+37255550003")
    with tenant_context(beta.tenant):
        Customer.objects.create(first_name="Beta", number="K-2002")
        store = Store.objects.create(name="Tartu", code="TRT")
        TerminalFactory(store=store, name="Till B", token="beta-till-token-number")
    found = shop.api.get("customers/", {"number": " k-1001 "})
    assert found.status_code == 200
    assert (found.json()["id"], found.json()["number"], found.json()["name"]) == (mari.pk, "K-1001", "Mari Tamm")
    assert found.json() == shop.api.get("customers/", {"phone": "55550003"}).json()
    # Beta's number is not known at alpha, and alpha's not at beta.
    missing = shop.api.get("customers/", {"number": "K-2002"})
    assert (missing.status_code, missing.json()) == (
        404,
        {"code": "not_found", "message": "No customer with the number “K-2002”.", "fields": {}},
    )
    beta_api = till_api(beta.host, "beta-till-token-number")
    assert beta_api.get("customers/", {"number": "K-2002"}).json()["first_name"] == "Beta"
    assert beta_api.get("customers/", {"number": "K-1001"}).status_code == 404


def test_the_look_up_by_number_costs_what_the_look_up_by_phone_costs(alpha, shop):
    with tenant_context(alpha.tenant):
        Customer.objects.create(first_name="Mari", last_name="Tamm", number="K-1001", phone="+37255550004")
    shop.api.get("customers/", {"code": "1"})  # last_used_at is fresh: no write of it below
    with CaptureQueriesContext(connection) as by_phone:
        assert shop.api.get("customers/", {"phone": "55550004"}).status_code == 200
    with CaptureQueriesContext(connection) as by_number:
        assert shop.api.get("customers/", {"number": "K-1001"}).status_code == 200
    assert len(by_number) == len(by_phone)
    look_up = [query["sql"] for query in by_number if 'UPPER("customers_customer"."number")' in query["sql"]]
    assert len(look_up) == 1, look_up


@pytest.mark.parametrize(
    ("params", "message", "fields"),
    [
        (
            {},
            "Give exactly one of: phone, email, code, number, card.",
            {"non_field_errors": ["Give exactly one of: phone, email, code, number, card."]},
        ),
        (
            {"phone": "1", "email": "a@b.ee"},
            "Give exactly one of: phone, email, code, number, card.",
            {"non_field_errors": ["Give exactly one of: phone, email, code, number, card."]},
        ),
        ({"phone": "abc"}, "“abc” is not a phone number.", {"phone": ["“abc” is not a phone number."]}),
        ({"email": "nope"}, "“nope” is not an e-mail address.", {"email": ["“nope” is not an e-mail address."]}),
        ({"code": "A12"}, "“A12” is not a customer code.", {"code": ["“A12” is not a customer code."]}),
        ({"number": "  "}, "Give a customer number.", {"number": ["Give a customer number."]}),
        (
            {"number": "9" * 41},
            f"“{'9' * 41}” is not a customer number.",
            {"number": [f"“{'9' * 41}” is not a customer number."]},
        ),
    ],
)
def test_a_customer_look_up_needs_one_valid_key(shop, params, message, fields):
    response = shop.api.get("customers/", params)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": message, "fields": fields}


# --- bad input: a clear error each, nothing written ----------------------------------------------


FUTURE = "2099-01-01T12:00:00+02:00"


@pytest.mark.parametrize(
    ("lines", "extra", "message", "fields"),
    [
        (
            [{"product": "NOPE", "quantity": "1"}],
            {},
            "Line 1: no active product with the code “NOPE”.",
            {"lines": ["Line 1: no active product with the code “NOPE”."]},
        ),
        (
            [{"product": "CUP-1", "quantity": "1"}, {"product": "OLD-1", "quantity": "1"}],
            {},
            "Line 2: no active product with the code “OLD-1”.",
            {"lines": ["Line 2: no active product with the code “OLD-1”."]},
        ),
        (
            [{"product": "CUP-1", "quantity": "0"}],
            {},
            "Line 1: the quantity must be more than zero.",
            {"lines": ["Line 1: the quantity must be more than zero."]},
        ),
        (
            [{"product": "CUP-1", "quantity": "-2"}],
            {},
            "Line 1: the quantity must be more than zero.",
            {"lines": ["Line 1: the quantity must be more than zero."]},
        ),
        (
            [{"product": "CUP-1", "quantity": "1", "unit_price": "9.999"}],
            {},
            "Line 1: 9.999 has more decimals than the currency (2).",
            {},  # the sales service names no field for a price
        ),
        (
            [{"product": "CUP-1", "quantity": "1"}],
            {"occurred_at": FUTURE},
            f"The sale is dated in the future ({FUTURE}).",
            {"occurred_at": [f"The sale is dated in the future ({FUTURE})."]},
        ),
        ([], {}, "A sale needs at least one line.", {"lines": ["A sale needs at least one line."]}),
        (
            [{"product": "CUP-1", "quantity": "many"}],
            {},
            "lines.0.quantity: “many” is not a number.",
            {"lines.0.quantity": ["“many” is not a number."]},
        ),
        (
            [{"product": "CUP-1", "quantity": "1"}],
            {"customer_id": 999999999},
            "No customer with the code 999999999.",
            {"customer_id": ["No customer with the code 999999999."]},
        ),
        (
            [{"product": "CUP-1"}],
            {"kind": "gift"},
            'kind: "gift" is not a valid choice. lines.0.quantity: This field is required.',
            {"kind": ['"gift" is not a valid choice.'], "lines.0.quantity": ["This field is required."]},
        ),
    ],
)
def test_a_bad_sale_is_refused_with_its_reason_and_nothing_is_written(alpha, shop, lines, extra, message, fields):
    before = written(alpha.tenant)
    response = shop.api.post("sales/", {"client_id": "bad-1", "lines": lines, **extra})
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "invalid", "message": message, "fields": fields}
    assert written(alpha.tenant) == before
    # Nothing was stored under the id either: the till fixes the sale and sends it again.
    fixed = shop.api.post("sales/", {"client_id": "bad-1", "lines": [{"product": "CUP-1", "quantity": "1"}]})
    assert fixed.status_code == 201, fixed.content


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        ({"lines": []}, "client_id: This field is required.", {"client_id": ["This field is required."]}),
        (
            {"client_id": "", "lines": []},
            "client_id: This field may not be blank.",
            {"client_id": ["This field may not be blank."]},
        ),
        (
            {"client_id": "x" * 65, "lines": []},
            "client_id: Ensure this field has no more than 64 characters.",
            {"client_id": ["Ensure this field has no more than 64 characters."]},
        ),
        (
            ["not", "an", "object"],
            "The body must be a JSON object.",
            {"non_field_errors": ["The body must be a JSON object."]},
        ),
    ],
)
def test_every_write_needs_a_client_id(alpha, shop, body, message, fields):
    before = written(alpha.tenant)
    response = shop.api.post("sales/", body)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": message, "fields": fields}
    assert written(alpha.tenant) == before


def test_a_malformed_json_body_is_refused(alpha, shop):
    before = written(alpha.tenant)
    response = shop.api.post("sales/", '{"client_id": "m-1",, "lines": []}')
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_json",
        "message": "The body is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 21 (char 20).",
        "fields": {},
    }
    assert written(alpha.tenant) == before


def test_a_body_that_is_not_json_is_refused(shop):
    response = shop.api.client.post(
        "/api/v1/sales/", {"client_id": "f-1"}, HTTP_AUTHORIZATION=f"Bearer {shop.api.token}"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def _sold(api: TillApi, client_id: str, quantity: str = "2") -> dict:
    response = api.post("sales/", {"client_id": client_id, "lines": [{"product": "TEA-1", "quantity": quantity}]})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_return_of_more_than_was_bought_is_refused_and_nothing_is_written(alpha, shop):
    sale = _sold(shop.api, "s-10")
    line_id = sale["lines"][0]["id"]
    assert (
        shop.api.post(
            "returns/",
            {"client_id": "r-10", "sale_id": sale["id"], "lines": [{"sale_line_id": line_id, "quantity": "1.5"}]},
        ).status_code
        == 201
    )
    before = written(alpha.tenant)
    response = shop.api.post(
        "returns/", {"client_id": "r-11", "sale_id": sale["id"], "lines": [{"sale_line_id": line_id, "quantity": "1"}]}
    )
    assert response.status_code == 400
    message = "Green tea: 1 asked back, but only 0.5 of 2 sold can still be returned."
    assert response.json() == {"code": "invalid", "message": message, "fields": {"lines": [message]}}
    assert written(alpha.tenant) == before


@pytest.mark.parametrize(
    ("lines", "message", "fields"),
    [
        ([{"sale_line_id": None, "quantity": "0"}], "A returned quantity must be more than zero.", None),
        ([{"sale_line_id": 999999999, "quantity": "1"}], "Line 999999999 is not a line of this sale.", None),
        (
            [{"sale_line_id": None, "quantity": "0.0001"}],
            "lines.0.quantity: 0.0001 has more than 3 decimals.",
            {"lines.0.quantity": ["0.0001 has more than 3 decimals."]},
        ),
        ([], "Choose at least one line to return.", None),
    ],
)
def test_a_bad_return_is_refused_and_nothing_is_written(alpha, shop, lines, message, fields):
    sale = _sold(shop.api, "s-20")
    for line in lines:
        line["sale_line_id"] = line["sale_line_id"] or sale["lines"][0]["id"]
    before = written(alpha.tenant)
    response = shop.api.post("returns/", {"client_id": "r-20", "sale_id": sale["id"], "lines": lines})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": message, "fields": fields or {"lines": [message]}}
    assert written(alpha.tenant) == before


def test_a_return_of_a_sale_of_another_retailer_is_not_found(alpha, beta, shop):
    with tenant_context(beta.tenant):
        store = Store.objects.create(name="Beta store", code="B1")
        Product.objects.create(sku="TEA-1", name="Beta tea", list_price="5.00")
        beta_sale = sale_register(store=store, lines=[LineInput("TEA-1", Decimal("3"))])
        beta_line = beta_sale.lines.get()
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.filter(pk=beta_sale.pk).exists()
    before = written(alpha.tenant)
    response = shop.api.post(
        "returns/",
        {"client_id": "r-30", "sale_id": beta_sale.pk, "lines": [{"sale_line_id": beta_line.pk, "quantity": "1"}]},
    )
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": f"No sale with the id {beta_sale.pk}.", "fields": {}}
    assert written(alpha.tenant) == before
    with tenant_context(beta.tenant):
        assert SalesLine.objects.get(pk=beta_line.pk).returned_quantity == 0
        assert Return.objects.count() == 0


# --- authentication ----------------------------------------------------------------------------


def test_without_a_token_or_with_a_wrong_one_the_answer_is_401(alpha, shop, till_api):
    response = till_api(alpha.host, None).post("sales/", {"client_id": "a-1", "lines": []})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
    response = till_api(alpha.host, "not-a-token").get("customers/", {"code": "1"})
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_token", "message": "The token is not valid.", "fields": {}}


def test_a_revoked_token_is_refused_and_nothing_is_written(alpha, shop):
    with tenant_context(alpha.tenant):
        shop.terminal.is_active = False
        shop.terminal.revoked_at = timezone.now()
        shop.terminal.save()
    before = written(alpha.tenant)
    response = shop.api.post("sales/", {"client_id": "t-1", "lines": [{"product": "CUP-1", "quantity": "1"}]})
    assert response.status_code == 401
    assert response.json() == {
        "code": "token_revoked",
        "message": "The terminal's token was revoked; ask the back office for a new one.",
        "fields": {},
    }
    assert written(alpha.tenant) == before


def test_a_token_of_alpha_is_unknown_at_beta(alpha, beta, shop, till_api):
    assert shop.api.get("customers/", {"code": "1"}).status_code == 404  # valid at alpha
    before = written(beta.tenant)
    at_beta = till_api(beta.host, shop.api.token)
    response = at_beta.post("sales/", {"client_id": "x-1", "lines": [{"product": "CUP-1", "quantity": "1"}]})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert at_beta.get("customers/", {"code": "1"}).status_code == 401
    assert written(beta.tenant) == before


def test_last_used_is_written_at_most_once_a_minute(alpha, shop):
    shop.api.get("customers/", {"code": "1"})
    with tenant_context(alpha.tenant):
        shop.terminal.refresh_from_db()
        first = shop.terminal.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        shop.api.get("customers/", {"code": "1"})
    assert not [query for query in queries if "UPDATE" in query["sql"] and "terminal" in query["sql"]]
    with tenant_context(alpha.tenant):
        type(shop.terminal).objects.filter(pk=shop.terminal.pk).update(
            last_used_at=first - datetime.timedelta(minutes=2)
        )
    # As if two minutes had passed for this process too (it remembers its own last write).
    for key in authentication._touched:
        authentication._touched[key] -= datetime.timedelta(minutes=2)
    shop.api.get("customers/", {"code": "1"})
    with tenant_context(alpha.tenant):
        shop.terminal.refresh_from_db()
        assert shop.terminal.last_used_at > first


# --- customers, prices, plan limit ---------------------------------------------------------------


def test_a_customer_past_the_plan_limit_is_refused_with_422_and_can_be_sent_again(alpha, shop):
    TariffPlan.objects.filter(pk=alpha.tenant.plan_id).update(max_active_customers=1)
    with tenant_context(alpha.tenant):
        Customer.objects.create(first_name="Only", status=CustomerStatus.CONTROL)
    before = written(alpha.tenant)
    body = {"client_id": "c-9", "first_name": "Jaan", "phone": "+37255550009"}
    response = shop.api.post("customers/", body)
    assert response.status_code == 422
    assert response.json() == {
        "code": "plan_limit",
        "message": "Active customers: the plan “Business” allows 1 and 1 are in use. "
        "Ask the platform operator for a larger plan.",
        "fields": {},
    }
    assert written(alpha.tenant) == before
    TariffPlan.objects.filter(pk=alpha.tenant.plan_id).update(max_active_customers=10)
    assert shop.api.post("customers/", body).status_code == 201


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"first_name": "Jaan"}, {"phone": ["This field is required."]}),
        ({"first_name": "Jaan", "phone": "12"}, {"phone": ["“12” is not a phone number."]}),
        ({"phone": "+37255550010"}, {"last_name": ["A person needs a first or a last name."]}),
        (
            {"first_name": "Jaan", "phone": "+37255550010", "email": "jaan@"},
            {"email": ["“jaan@” is not an e-mail address."]},
        ),
    ],
)
def test_a_customer_without_name_or_phone_is_refused(alpha, shop, body, fields):
    before = written(alpha.tenant)
    response = shop.api.post("customers/", {"client_id": "c-10", **body})
    assert response.status_code == 400
    assert response.json()["fields"] == fields
    assert written(alpha.tenant) == before


def test_prices_are_what_the_customer_pays_today(alpha, shop):
    with tenant_context(alpha.tenant):
        wholesale = group_create(name="Wholesale")
        price_list = PriceList.objects.create(name="Wholesale prices")
        PriceListItem.objects.create(price_list=price_list, product_group=shop.tea_group, percent_off=Decimal("25"))
        GroupPriceList.objects.create(customer_group=wholesale, price_list=price_list)
        customer = Customer.objects.create(first_name="Big", last_name="Buyer", group=wholesale)
    response = shop.api.post("prices/", {"customer_id": customer.pk, "products": ["4740000000018", "CUP-1"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer_id"] == customer.pk
    assert [
        (
            price["code"],
            price["product"]["sku"],
            price["list_price"],
            price["price"],
            price["discount_source"],
            price["price_list"],
        )
        for price in body["prices"]
    ] == [
        ("4740000000018", "TEA-1", "4.00", "3.00", "price_list", "Wholesale prices"),
        ("CUP-1", "CUP-1", "10.00", "10.00", "", ""),
    ]
    anonymous = shop.api.post("prices/", {"products": ["TEA-1"]}).json()
    assert (anonymous["customer_id"], anonymous["prices"][0]["price"]) == (None, "4.00")
    # The sale charges what the prices said.
    sale = shop.api.post(
        "sales/", {"client_id": "p-1", "customer_id": customer.pk, "lines": [{"product": "TEA-1", "quantity": "2"}]}
    ).json()
    assert (sale["lines"][0]["unit_price"], sale["lines"][0]["discount_source"], sale["total"]) == (
        "3.00",
        "price_list",
        "6.00",
    )
    unknown = shop.api.post("prices/", {"products": ["TEA-1", "NOPE", "OLD-1"]})
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {
        "products": ["No active product with the code “NOPE”.", "No active product with the code “OLD-1”."]
    }
    with tenant_context(alpha.tenant):
        assert IdempotentRequest.objects.filter(client_id__startswith="p-").count() == 1


def test_prices_are_dated_by_the_retailers_local_date_in_the_first_hours_after_midnight(alpha, shop, monkeypatch):
    # 22:30 UTC on 10 March is 00:30 on 11 March in Tallinn (the retailer's zone, UTC+2).
    now = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    with tenant_context(alpha.tenant):
        assert alpha.tenant.time_zone == "Europe/Tallinn"
        wholesale = group_create(name="Wholesale")
        price_list = PriceList.objects.create(name="Spring prices", valid_from=datetime.date(2026, 3, 11))
        PriceListItem.objects.create(price_list=price_list, product_group=shop.tea_group, percent_off=Decimal("25"))
        GroupPriceList.objects.create(customer_group=wholesale, price_list=price_list)
        customer = Customer.objects.create(first_name="Big", last_name="Buyer", group=wholesale)
    body = shop.api.post("prices/", {"customer_id": customer.pk, "products": ["TEA-1"]}).json()
    assert (body["date"], body["prices"][0]["price"], body["prices"][0]["price_list"]) == (
        "2026-03-11",
        "3.00",
        "Spring prices",
    )
    # A sale of the same moment charges what the prices said.
    sale = shop.api.post(
        "sales/", {"client_id": "m-1", "customer_id": customer.pk, "lines": [{"product": "TEA-1", "quantity": "1"}]}
    ).json()
    assert (sale["lines"][0]["unit_price"], sale["total"]) == ("3.00", "3.00")


def test_a_sale_of_five_lines_to_a_customer_with_a_price_list_costs_a_handful_of_queries(alpha, shop):
    with tenant_context(alpha.tenant):
        vip = group_create(name="VIP")
        price_list = PriceList.objects.create(name="VIP prices")
        PriceListItem.objects.create(price_list=price_list, product=shop.cup, fixed_price=Decimal("8.00"))
        GroupPriceList.objects.create(customer_group=vip, price_list=price_list)
        customer = Customer.objects.create(first_name="Vip", group=vip)
        Programme.objects.get_or_create(pk=1)  # a running shop has its programme
    body = {
        "client_id": "q-1",
        "customer_id": customer.pk,
        "lines": [{"product": code, "quantity": "1"} for code in ("TEA-1", "CUP-1", "4740000000018", "CUP-1", "TEA-1")],
    }
    shop.api.get("customers/", {"code": "1"})  # last_used_at is fresh: no write of it below
    # The first sale reads the retailer's settings (prices, points) into the process's cache and
    # makes the customer's points account; the till's every next sale reads neither.
    assert shop.api.post("sales/", {**body, "client_id": "q-0"}).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = shop.api.post("sales/", body)
    assert response.status_code == 201
    assert response.json()["total"] == "28.00"
    # The domain and two search paths (the tenant middleware), the token, the key row, the
    # customer; the settings' version (prices and points from the cache), the products, the sale,
    # its lines, the figures (returning the figures after it); the loyalty step (the account
    # locked, the earned lines, the earning); the cards for the answer, the answer stored; two
    # savepoints of the sales service and two of the API's transaction (a savepoint here, inside
    # the test's transaction; BEGIN and COMMIT in production).
    assert len(queries) <= 20, "\n".join(query["sql"] for query in queries)
    with CaptureQueriesContext(connection) as queries:
        replay = shop.api.post("sales/", body)
    assert replay.status_code == 201
    # The middleware's three, the token, the key row tried and the stored answer read; two savepoints.
    assert len(queries) <= 8, "\n".join(query["sql"] for query in queries)


# --- rate limit, schema, docs ---------------------------------------------------------------------


def test_more_requests_than_the_rate_are_refused_with_429(alpha, shop, monkeypatch, till_api):
    monkeypatch.setattr(TerminalRateThrottle, "rate", "3/day")
    with tenant_context(alpha.tenant):
        TerminalFactory(store=shop.store, name="Till 2", token="alpha-till-token-0002")
    api = till_api(alpha.host, "alpha-till-token-0002")
    assert [api.get("customers/", {"code": "1"}).status_code for _ in range(3)] == [404, 404, 404]
    response = api.post("sales/", {"client_id": "z-1", "lines": [{"product": "CUP-1", "quantity": "1"}]})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["message"].startswith("Request was throttled.")
    assert int(response.headers["Retry-After"]) >= 1
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.exists()
    # Another terminal has its own count.
    assert shop.api.get("customers/", {"code": "1"}).status_code == 404


def test_the_openapi_schema_lists_the_endpoints(alpha, shop, till_api):
    response = till_api(alpha.host, None).client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Regulars POS API"
    assert set(schema["paths"]) == {
        "/api/v1/customers/",
        "/api/v1/customers/{customer_id}/redeemable/",
        "/api/v1/customers/{customer_id}/points-adjustments/",
        "/api/v1/cards/{number}/",
        "/api/v1/cards/{number}/gift-loads/",
        "/api/v1/sales/",
        "/api/v1/returns/",
        "/api/v1/prices/",
    }
    assert set(schema["paths"]["/api/v1/customers/"]) == {"get", "post"}
    assert {param["name"] for param in schema["paths"]["/api/v1/customers/"]["get"]["parameters"]} == {
        "phone",
        "email",
        "code",
        "number",
        "card",
    }
    assert schema["components"]["securitySchemes"]["terminalToken"] == {"type": "http", "scheme": "bearer"}
    assert "client_id" in schema["components"]["schemas"]["SaleInRequest"]["required"]
    assert {"gift_card", "gift_amount"} <= set(schema["components"]["schemas"]["SaleInRequest"]["properties"])
    assert "gift" in schema["components"]["schemas"]["SaleOut"]["properties"]
    assert till_api(alpha.host, None).client.get("/api/schema/").status_code == 200  # YAML


def test_the_docs_page_serves_swagger_ui_from_this_site(alpha, shop, till_api):
    client = till_api(alpha.host, None).client
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/pos/swagger-ui/swagger-ui-bundle.js" in page
    assert "/api/schema/" in page
    assert "cdn" not in page.lower()
    assert client.get("/static/pos/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_an_unknown_api_path_answers_in_json(alpha, shop):
    response = shop.api.get("nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No endpoint at /api/v1/nothing/here/.", "fields": {}}
    response = shop.api.client.delete("/api/v1/sales/", HTTP_AUTHORIZATION=f"Bearer {shop.api.token}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
