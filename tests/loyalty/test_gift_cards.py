"""Gift cards' money as a ledger: issued with the type's value, spent on a sale through the till's
API (at most the balance and what is left to pay, once however often the till sends it), refunded
by a return to the card that paid in the share returned, moved to a replacing card; every refusal
named with nothing written; the database refuses changing an entry or going below zero; two
retailers apart."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from loyalty.models import Card, GiftEntry, PointsEntry
from loyalty.services.cards import card_assign, card_batch_generate, card_replace
from sales.models import SalesDocument
from tests.factories import CardTypeFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift(alpha, shop, shop_customer):
    """Alpha's gift card type worth 50.00, a batch of three and the first given to Mari."""
    with tenant_context(alpha.tenant):
        card_type = CardTypeFactory(gift=True, name="Gift 50", prefix="2900")
        batch = card_batch_generate(card_type=card_type, quantity=3, acting_user=None)
        cards = list(batch.cards.order_by("number"))
        card = card_assign(customer=shop_customer, number=cards[0].number, acting_user=None)
        return {"type": card_type, "card": card, "stock": cards[1:]}


def _ledger(card) -> list[tuple[str, Decimal, Decimal]]:
    return list(GiftEntry.objects.filter(card=card).order_by("pk").values_list("kind", "amount", "balance_after"))


def _sale(shop, client_id, *, card=None, amount=None, cups=1, points=None, customer=None):
    body = {"client_id": client_id, "lines": [{"product": "CUP-1", "quantity": str(cups)}]}
    if card is not None:
        body["gift_card"] = card
    if amount is not None:
        body["gift_amount"] = amount
    if customer is not None:
        body["customer_id"] = customer.pk
    return shop.api.post("sales/", body)


def test_a_gift_card_is_issued_with_its_value_as_the_first_entry(alpha, gift):
    with tenant_context(alpha.tenant):
        for card in [gift["card"], *gift["stock"]]:
            assert _ledger(card) == [("issued", Decimal("50.00"), Decimal("50.00"))]
            assert Card.objects.get(pk=card.pk).balance == Decimal("50.00")


def test_a_sale_paid_partly_by_a_gift_card_spends_it_once(alpha, shop, gift):
    number = gift["card"].number
    answer = _sale(shop, "gift-1", card=number, amount="12.50", cups=2)
    assert answer.status_code == 201, answer.content
    assert answer.json()["gift"] == {"card": number, "amount": "12.50", "balance": "37.50"}
    again = _sale(shop, "gift-1", card=number, amount="12.50", cups=2)
    assert again.json() == answer.json()
    with tenant_context(alpha.tenant):
        sale = SalesDocument.objects.get(client_id="gift-1")
        assert _ledger(gift["card"])[1:] == [("spent", Decimal("-12.50"), Decimal("37.50"))]
        assert GiftEntry.objects.get(kind="spent").sale_id == sale.pk
        assert Card.objects.get(pk=gift["card"].pk).balance == Decimal("37.50")
    # The whole of a sale, and the balance to the cent.
    answer = _sale(shop, "gift-2", card=number, amount="20.00", cups=2)
    assert answer.json()["gift"]["balance"] == "17.50"


@pytest.mark.parametrize(
    ("card", "amount", "cups", "field", "message"),
    [
        ("{card}", "50.01", 6, "gift_card", "Gift card {card} has 50.00 left; 50.01 cannot be paid with it."),
        ("{card}", "10.01", 1, "gift_card", "The gift card would pay 10.01, more than the 10.00 left to pay."),
        ("{card}", "0", 1, "gift_card", "Give the amount the gift card pays: more than 0, in cents."),
        ("{card}", None, 1, "gift_amount", "Say how much the gift card pays."),
        ("{stock}", "5.00", 1, "gift_card", "Card {stock} has not been given to a customer."),
        ("9999999999999", "5.00", 1, "gift_card", "9999999999999 is not a gift card of this shop."),
    ],
    ids=["over-balance", "over-payable", "zero", "no-amount", "in-stock", "unknown"],
)
def test_a_refused_gift_payment_is_named_and_writes_nothing(alpha, shop, gift, card, amount, cups, field, message):
    names = {"card": gift["card"].number, "stock": gift["stock"][0].number}
    card, message = card.format(**names), message.format(**names)
    with tenant_context(alpha.tenant):
        before = (GiftEntry.objects.count(), SalesDocument.objects.count())
    answer = _sale(shop, "refused-1", card=card, amount=amount, cups=cups)
    assert answer.status_code == 400
    assert answer.json()["fields"] == {field: [message]}
    with tenant_context(alpha.tenant):
        assert (GiftEntry.objects.count(), SalesDocument.objects.count()) == before
        assert Card.objects.get(pk=gift["card"].pk).balance == Decimal("50.00")


def test_a_blocked_gift_card_pays_nothing(alpha, shop, gift):
    from loyalty.services.cards import card_block

    with tenant_context(alpha.tenant):
        card_block(card=gift["card"], acting_user=None)
    answer = _sale(shop, "blocked-1", card=gift["card"].number, amount="5.00")
    assert answer.status_code == 400
    assert answer.json()["fields"]["gift_card"] == [f"Card {gift['card'].number} is blocked; it cannot be used."]


def test_a_return_refunds_the_card_that_paid_in_the_share_returned(alpha, shop, gift):
    number = gift["card"].number
    sale = _sale(shop, "gift-r", card=number, amount="30.00", cups=4).json()
    line = sale["lines"][0]["id"]
    first = shop.api.post(
        "returns/", {"client_id": "ret-1", "sale_id": sale["id"], "lines": [{"sale_line_id": line, "quantity": "1"}]}
    )
    assert first.status_code == 201, first.content
    # A quarter of 40.00 returned: a quarter of the 30.00 the card paid.
    assert first.json()["gift"] == {"card": number, "amount": "7.50", "balance": "27.50"}
    rest = shop.api.post(
        "returns/", {"client_id": "ret-2", "sale_id": sale["id"], "lines": [{"sale_line_id": line, "quantity": "3"}]}
    )
    assert rest.json()["gift"] == {"card": number, "amount": "22.50", "balance": "50.00"}
    with tenant_context(alpha.tenant):
        kinds = [(kind, amount) for kind, amount, _balance in _ledger(gift["card"])]
        assert kinds == [
            ("issued", Decimal("50.00")),
            ("spent", Decimal("-30.00")),
            ("refunded", Decimal("7.50")),
            ("refunded", Decimal("22.50")),
        ]


def test_a_replacing_card_takes_over_the_money_through_the_ledger(alpha, shop, gift):
    _sale(shop, "gift-x", card=gift["card"].number, amount="8.00")
    with tenant_context(alpha.tenant):
        new = card_replace(card=gift["card"], number=gift["stock"][0].number, acting_user=None, reason="Lost")
        assert Card.objects.get(pk=gift["card"].pk).balance == Decimal("0.00")
        assert Card.objects.get(pk=new.pk).balance == Decimal("42.00")
        assert _ledger(gift["card"])[-1] == ("moved_out", Decimal("-42.00"), Decimal("0.00"))
        assert _ledger(new) == [
            ("issued", Decimal("50.00"), Decimal("50.00")),
            ("voided", Decimal("-50.00"), Decimal("0.00")),
            ("moved_in", Decimal("42.00"), Decimal("42.00")),
        ]


def test_the_database_refuses_changing_an_entry_or_going_below_zero(alpha, gift):
    with tenant_context(alpha.tenant):
        entry = GiftEntry.objects.get(card=gift["card"])
        with pytest.raises(IntegrityError), transaction.atomic():
            GiftEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99.00"))
        with pytest.raises(IntegrityError), transaction.atomic():
            GiftEntry.objects.filter(pk=entry.pk).delete()
        with pytest.raises(IntegrityError), transaction.atomic():
            GiftEntry.objects.create(
                card=gift["card"], kind="spent", amount=Decimal("-50.01"), balance_after=Decimal("-0.01")
            )
        assert _ledger(gift["card"]) == [("issued", Decimal("50.00"), Decimal("50.00"))]


def test_another_retailers_gift_card_is_unknown(alpha, beta, shop, gift):
    with tenant_context(beta.tenant):
        beta_type = CardTypeFactory(gift=True, name="Beta gift", prefix="2950")
        beta_card = card_batch_generate(card_type=beta_type, quantity=1, acting_user=None).cards.get()
        card_assign(customer=CustomerFactory(), number=beta_card.number, acting_user=None)
    answer = _sale(shop, "cross-1", card=beta_card.number, amount="5.00")
    assert answer.status_code == 400
    assert answer.json()["fields"]["gift_card"] == [f"{beta_card.number} is not a gift card of this shop."]
    with tenant_context(beta.tenant):
        assert Card.objects.get(pk=beta_card.pk).balance == Decimal("50.00")


def test_the_customers_cards_tab_shows_the_gift_cards_history(alpha, shop, gift, shop_customer, tenant_client):
    _sale(shop, "gift-h", card=gift["card"].number, amount="4.00")
    response = tenant_client(alpha, alpha.marketer).get(f"/customers/{shop_customer.pk}/cards/")
    html = response.content.decode()
    assert html.count('data-testid="gift-entry"') == 2
    assert "Gift card history: 2 movements" in html
    rows = html.split('data-testid="gift-entry"')[1:]
    assert "Spent" in rows[0] and "−4.00" in rows[0].replace("-", "−") and "46.00" in rows[0]
    assert "Issued" in rows[1] and "50.00" in rows[1]


def test_a_gift_card_is_loaded_at_the_till_once_and_earns_nothing(alpha, shop, gift, loyalty_programme):
    number = gift["card"].number
    body = {"client_id": "load-1", "amount": "25.00"}
    answer = shop.api.post(f"cards/{number}/gift-loads/", body)
    assert answer.status_code == 201, answer.content
    assert answer.json() == {"card": number, "amount": "25.00", "balance": "75.00"}
    assert shop.api.post(f"cards/{number}/gift-loads/", body).json() == answer.json()
    with tenant_context(alpha.tenant):
        assert _ledger(gift["card"])[-1] == ("loaded", Decimal("25.00"), Decimal("75.00"))
        entry = GiftEntry.objects.get(kind="loaded")
        assert (entry.terminal_id, entry.store_id) == (shop.terminal.pk, shop.store.pk)
        assert not SalesDocument.objects.exists()
        assert not PointsEntry.objects.exists()


@pytest.mark.parametrize(
    ("number", "amount", "field", "message"),
    [
        ("{card}", "0", "amount", "Give the amount to load: more than 0, in cents."),
        ("{card}", "10000.01", "amount", "At most 10000.00 is loaded at a time."),
        ("{stock}", "5.00", "card", "Card {stock} has not been given to a customer."),
        ("123", "5.00", "card", "123 is not a gift card of this shop."),
    ],
    ids=["zero", "too-much", "in-stock", "unknown"],
)
def test_a_refused_load_is_named_and_writes_nothing(alpha, shop, gift, number, amount, field, message):
    names = {"card": gift["card"].number, "stock": gift["stock"][0].number}
    number, message = number.format(**names), message.format(**names)
    with tenant_context(alpha.tenant):
        before = GiftEntry.objects.count()
    answer = shop.api.post(f"cards/{number}/gift-loads/", {"client_id": "load-x", "amount": amount})
    assert answer.status_code == 400
    assert answer.json()["fields"] == {field: [message]}
    with tenant_context(alpha.tenant):
        assert GiftEntry.objects.count() == before


def test_the_money_of_an_expired_gift_card_is_written_off_once(alpha, beta, gift):
    import datetime

    from loyalty.services.gift import gift_cards_expire

    with tenant_context(beta.tenant):
        beta_type = CardTypeFactory(gift=True, name="Beta gift", prefix="2950")
        beta_card = card_batch_generate(card_type=beta_type, quantity=1, acting_user=None).cards.get()
        Card.objects.filter(pk=beta_card.pk).update(valid_until=datetime.date(2020, 1, 1))
    with tenant_context(alpha.tenant):
        Card.objects.filter(pk=gift["card"].pk).update(valid_until=datetime.date(2020, 1, 1))
        assert gift_cards_expire(today=datetime.date(2020, 1, 2)) == 1
        assert gift_cards_expire(today=datetime.date(2020, 1, 3)) == 0
        assert _ledger(gift["card"])[-1] == ("expired", Decimal("-50.00"), Decimal("0.00"))
        assert [Card.objects.get(pk=card.pk).balance for card in gift["stock"]] == [Decimal("50.00")] * 2
    with tenant_context(beta.tenant):
        assert Card.objects.get(pk=beta_card.pk).balance == Decimal("50.00")


def test_a_gift_cards_sheet_shows_its_history_by_number(alpha, shop, gift, tenant_client):
    _sale(shop, "gift-s", card=gift["card"].number, amount="6.00")
    client = tenant_client(alpha, alpha.admin)
    found = client.get("/settings/loyalty/cards/all/", {"q": gift["card"].number}).content.decode()
    assert f"/settings/loyalty/cards/{gift['card'].pk}/sheet/" in found
    sheet = client.get(f"/settings/loyalty/cards/{gift['card'].pk}/sheet/").content.decode()
    assert sheet.count('data-testid="sheet-gift-entry"') == 2
    assert "Spent" in sheet and "Tallinn" in sheet
