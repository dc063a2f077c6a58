"""Points under concurrency, through the till's API on real, committed transactions and threads:
earnings on one customer add up exactly, concurrent redemptions never spend more than the
balance, a sale replayed at once by ten threads earns once, and a single-use coupon (a
campaign's personal one) named on ten sales at once lets exactly one through."""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.models import Card, CardEvent, EarningRule, PointsAccount, PointsEntry, Programme
from loyalty.selectors.points import ledger_sum
from loyalty.services.ledger import points_adjust
from pos.idempotency import REPLAYED_HEADER
from pos.models import IdempotentRequest
from sales.models import Product, SalesDocument, Store
from tariffs.models import TariffPlan
from tenants.services import tenant_create
from tests.factories import CardFactory, CardTypeFactory, TerminalFactory

HOST = "loyalty-race.localhost"


@pytest.fixture(scope="module")
def race(django_db_setup, django_db_blocker):
    """A retailer of its own (rows committed for the threads to see): a programme of a point per
    unit worth 0.01 that may pay half a receipt, tills, a product that earns (1.00) and one that
    earns nothing (2.00)."""
    with django_db_blocker.unblock():
        tenant = tenant_create(
            name="Loyalty race",
            schema_name="loyalty_race",
            plan=TariffPlan.objects.get(name="Business"),
            admin_username="admin",
            admin_email="admin@loyalty-race.example",
            admin_password="x",
            validate_admin_password=False,
        )
        with tenant_context(tenant):
            Programme.objects.update_or_create(
                pk=1,
                defaults={
                    "points_per_unit": Decimal("1"),
                    "point_value": Decimal("0.01"),
                    "max_redeem_percent": Decimal("50"),
                    "negative_policy": Programme.NegativePolicy.CAP,
                },
            )
            store = Store.objects.create(name="Race store", code="RACE")
            tokens = [f"loyalty-race-{number:02d}" for number in range(10)]
            for number, token in enumerate(tokens):
                TerminalFactory(store=store, name=f"Till {number}", token=token)
            Product.objects.create(sku="EARN", name="Earns a point per unit", list_price=Decimal("1.00"))
            free = Product.objects.create(sku="FREE", name="Earns nothing", list_price=Decimal("2.00"))
            EarningRule.objects.create(name="No points on FREE", kind=EarningRule.Kind.EXCLUDED, product=free)
        connection.set_schema_to_public()
    return {"tenant": tenant, "tokens": tokens}


def _fresh_customer(race, name: str, *, points: int = 0) -> Customer:
    with tenant_context(race["tenant"]):
        customer = Customer.objects.create(first_name=name)
        if points:
            points_adjust(customer=customer, points=points, reason="Starting balance of the race", acting_user=None)
    connection.set_schema_to_public()
    return customer


def _run_at_once(bodies: list[tuple[str, dict]]) -> list:
    """POST every (token, body) to /api/v1/sales/ from its own thread, all released together;
    the answers in the order of `bodies`."""
    answers: list = [None] * len(bodies)
    failures: list[BaseException] = []
    start = threading.Barrier(len(bodies), timeout=60)

    def till(index: int, token: str, body: dict) -> None:
        try:
            client = Client(HTTP_HOST=HOST)
            start.wait()
            answers[index] = client.post(
                "/api/v1/sales/",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=till, args=(index, *sent)) for index, sent in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    return answers


def _ledger(race, customer) -> list[tuple[str, int, int]]:
    with tenant_context(race["tenant"]):
        return list(
            PointsEntry.objects.filter(customer=customer).order_by("pk").values_list("kind", "points", "balance_after")
        )


def _assert_running_balance(entries: list[tuple[str, int, int]]) -> None:
    """Each entry's balance is the one before it plus its points: no movement saw a stale balance."""
    running = 0
    for _kind, points, balance_after in entries:
        running += points
        assert balance_after == running


def test_100_concurrent_earnings_on_one_customer_give_exactly_the_sum(committed_db, race):
    customer = _fresh_customer(race, "Earner")
    quantities = [1 + number % 7 for number in range(100)]
    bodies = [
        (
            race["tokens"][number % 10],
            {
                "client_id": f"earn-{number:03d}",
                "customer_id": customer.pk,
                "lines": [{"product": "EARN", "quantity": str(quantity)}],
            },
        )
        for number, quantity in enumerate(quantities)
    ]
    answers = _run_at_once(bodies)

    assert [answer.status_code for answer in answers] == [201] * 100
    assert sorted(answer.json()["points"]["earned"] for answer in answers) == sorted(quantities)
    entries = _ledger(race, customer)
    assert len(entries) == 100
    assert {kind for kind, _points, _balance in entries} == {"earn"}
    _assert_running_balance(entries)
    with tenant_context(race["tenant"]):
        assert PointsAccount.objects.get(pk=customer.pk).balance == sum(quantities) == ledger_sum(customer.pk)
        assert SalesDocument.objects.filter(customer=customer).count() == 100


def test_50_concurrent_redemptions_of_100_against_1000_let_exactly_10_through(committed_db, race):
    customer = _fresh_customer(race, "Spender", points=1000)
    bodies = [
        (
            race["tokens"][number % 10],
            {
                "client_id": f"redeem-{number:03d}",
                "customer_id": customer.pk,
                "points_redeemed": 100,
                # 2.00 of a product that earns nothing: 100 points (1.00) is the half allowed,
                # and the balance only goes down.
                "lines": [{"product": "FREE", "quantity": "1"}],
            },
        )
        for number in range(50)
    ]
    answers = _run_at_once(bodies)

    accepted = [answer for answer in answers if answer.status_code == 201]
    refused = [answer for answer in answers if answer.status_code != 201]
    assert len(accepted) == 10
    assert sorted(answer.json()["points"]["balance"] for answer in accepted) == list(range(0, 1000, 100))
    assert {answer.status_code for answer in refused} == {400}
    assert {json.dumps(answer.json(), ensure_ascii=False) for answer in refused} == {
        json.dumps(
            {
                "code": "invalid",
                "fields": {"points_redeemed": ["The customer has 0 points; 100 cannot be redeemed."]},
                "message": "The customer has 0 points; 100 cannot be redeemed.",
            },
            ensure_ascii=False,
        )
    }
    entries = _ledger(race, customer)
    assert [(kind, points) for kind, points, _balance in entries] == [("adjust", 1000)] + [("redeem", -100)] * 10
    _assert_running_balance(entries)
    with tenant_context(race["tenant"]):
        assert PointsAccount.objects.get(pk=customer.pk).balance == 0 == ledger_sum(customer.pk)
        # A refused sale leaves nothing: no sale, no stored answer.
        assert SalesDocument.objects.filter(customer=customer).count() == 10
        assert IdempotentRequest.objects.filter(client_id__startswith="redeem-").count() == 10


def test_one_sale_replayed_10_times_at_once_earns_once(committed_db, race):
    customer = _fresh_customer(race, "Replayer", points=500)
    body = {
        "client_id": "replayed-1",
        "customer_id": customer.pk,
        "points_redeemed": 200,
        "lines": [{"product": "EARN", "quantity": "10"}],
    }
    token = race["tokens"][0]
    answers = _run_at_once([(token, body)] * 10)

    assert [answer.status_code for answer in answers] == [201] * 10
    assert len({answer.content for answer in answers}) == 1
    assert sorted(str(answer.headers.get(REPLAYED_HEADER)) for answer in answers) == ["None"] + ["true"] * 9
    # 10.00 less 2.00 paid with points earns 8.
    assert answers[0].json()["points"] == {"earned": 8, "redeemed": 200, "redeemed_value": "2.00", "balance": 308}
    entries = _ledger(race, customer)
    assert [(kind, points) for kind, points, _balance in entries] == [("adjust", 500), ("redeem", -200), ("earn", 8)]
    with tenant_context(race["tenant"]):
        assert SalesDocument.objects.filter(client_id="replayed-1").count() == 1
        assert PointsAccount.objects.get(pk=customer.pk).balance == 308 == ledger_sum(customer.pk)


def test_a_coupon_named_on_10_sales_at_once_is_used_by_exactly_one(committed_db, race):
    customer = _fresh_customer(race, "Coupon holder")
    with tenant_context(race["tenant"]):
        coupon = CardFactory(card_type=CardTypeFactory(coupon=True, name="Come back coupon"), customer=customer)
    connection.set_schema_to_public()
    bodies = [
        (
            race["tokens"][number],
            {
                "client_id": f"coupon-{number:02d}",
                "card": coupon.number,
                "lines": [{"product": "EARN", "quantity": "1"}],
            },
        )
        for number in range(10)
    ]
    answers = _run_at_once(bodies)

    accepted = [answer for answer in answers if answer.status_code == 201]
    refused = [answer for answer in answers if answer.status_code != 201]
    assert len(accepted) == 1 and accepted[0].json()["customer"]["id"] == customer.pk
    message = f"Coupon {coupon.number} was used already."
    assert {answer.status_code for answer in refused} == {400}
    assert {answer.json()["message"] for answer in refused} == {message}
    with tenant_context(race["tenant"]):
        assert Card.objects.get(pk=coupon.pk).status == Card.Status.USED
        assert CardEvent.objects.filter(card=coupon, kind=CardEvent.Kind.USED).count() == 1
        assert SalesDocument.objects.filter(client_id__startswith="coupon-").count() == 1
        assert IdempotentRequest.objects.filter(client_id__startswith="coupon-").count() == 1


def test_50_concurrent_spends_of_10_from_a_gift_card_of_100_let_exactly_10_through(committed_db, race):
    from decimal import Decimal as D

    from loyalty.models import GiftEntry
    from loyalty.services.cards import card_assign, card_batch_generate

    customer = _fresh_customer(race, "Gift holder")
    with tenant_context(race["tenant"]):
        card_type = CardTypeFactory(gift=True, gift_value=D("100.00"), name=f"Gift race {customer.pk}")
        card = card_batch_generate(card_type=card_type, quantity=1, acting_user=None).cards.get()
        card_assign(customer=customer, number=card.number, acting_user=None)
    connection.set_schema_to_public()
    bodies = [
        (
            race["tokens"][number % 10],
            {
                "client_id": f"gift-{number:02d}",
                "gift_card": card.number,
                "gift_amount": "10.00",
                "lines": [{"product": "EARN", "quantity": "10"}],
            },
        )
        for number in range(50)
    ]
    answers = _run_at_once(bodies)

    accepted = [answer for answer in answers if answer.status_code == 201]
    refused = [answer for answer in answers if answer.status_code != 201]
    assert len(accepted) == 10
    assert sorted(answer.json()["gift"]["balance"] for answer in accepted) == [f"{n}.00" for n in range(0, 100, 10)]
    assert {answer.json()["message"] for answer in refused} == {
        f"Gift card {card.number} has 0.00 left; 10.00 cannot be paid with it."
    }
    with tenant_context(race["tenant"]):
        entries = list(GiftEntry.objects.filter(card_id=card.pk).order_by("pk").values_list("amount", "balance_after"))
        assert entries[0] == (D("100.00"), D("100.00"))
        assert [amount for amount, _balance in entries[1:]] == [D("-10.00")] * 10
        assert Card.objects.get(pk=card.pk).balance == D("0.00")
        assert SalesDocument.objects.filter(client_id__startswith="gift-").count() == 10
