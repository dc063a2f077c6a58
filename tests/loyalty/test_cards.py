"""Marketing instruments: barcodes, card types, batches and their print sheets, a customer's cards
(assign, replace, block, unblock, remove) on the card's tab, the cards list, search by a card's
number, two retailers kept apart and the query budgets of the pages.

Every refusal asserts its message and that nothing changed.
"""

import html
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.selectors.search import search_q
from loyalty.barcodes import barcode_svg, number_clean, number_make, range_capacity
from loyalty.models import Card, CardBatch, CardEvent, CardType
from loyalty.services.card_types import card_type_create, card_type_update
from loyalty.services.cards import (
    card_assign,
    card_batch_generate,
    card_block,
    card_for_sale,
    card_remove,
    card_replace,
    card_unblock,
    cards_assign_bulk,
)
from sales.rules import ean_check_digit
from staff.models import User
from staff.roles import Right
from tests.factories import CardTypeFactory, CustomerFactory, StaffUserFactory

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-content"}


def ean13(body: str) -> str:
    return body + str(ean_check_digit(body))


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def snapshot() -> dict:
    """What a refused operation must leave as it was: row counts and every card's state."""
    return {
        "cards": Card.objects.count(),
        "batches": CardBatch.objects.count(),
        "events": CardEvent.objects.count(),
        "states": list(
            Card.objects.order_by("pk").values_list("number", "status", "customer_id", "balance", "replaced_by_id")
        ),
        "serials": list(CardType.objects.order_by("pk").values_list("name", "last_serial")),
    }


def refused(call, **kwargs) -> ValidationError:
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    assert snapshot() == before
    return caught.value


@dataclass(frozen=True)
class CardShop:
    """Alpha's card types and two customers."""

    bonus: CardType
    gift: CardType
    coupon: CardType
    mari: Customer
    jaan: Customer


@pytest.fixture
def card_shop(alpha) -> CardShop:
    """Alpha's card types (bonus 2001…, gift 2002… worth 50.00, coupon 77… of 15 % for 30 days,
    Code 128), Mari Tamm and Jaan Saar; each test's rows are rolled back afterwards."""
    with tenant_context(alpha.tenant):
        return CardShop(
            bonus=CardTypeFactory(name="Bonus card", prefix="2001"),
            gift=CardTypeFactory(gift=True, name="Gift card", prefix="2002"),
            coupon=CardTypeFactory(coupon=True, code128=True, name="Coupon", prefix="77"),
            mari=CustomerFactory(first_name="Mari", last_name="Tamm"),
            jaan=CustomerFactory(first_name="Jaan", last_name="Saar"),
        )


# --- barcodes ---------------------------------------------------------------------------------


def test_ean13_and_ean8_numbers_are_checked_by_their_check_digit():
    assert number_clean("4006381333931", symbology="ean13") == "4006381333931"
    assert number_clean(" 4006 3813 33931 ", symbology="ean13") == "4006381333931"
    assert number_clean("96385074", symbology="ean8") == "96385074"
    cases = [
        ("4006381333932", "ean13", "“4006381333932” is not a valid EAN-13 number: its check digit should be 1."),
        ("96385075", "ean8", "“96385075” is not a valid EAN-8 number: its check digit should be 4."),
        ("400638133393", "ean13", "An EAN-13 number has 13 digits; “400638133393” has 12."),
        ("9638507X", "ean8", "An EAN-8 number has only digits; “9638507X” has others."),
        ("", "ean13", "Type or scan the card's number."),
    ]
    for number, symbology, message in cases:
        with pytest.raises(ValidationError) as caught:
            number_clean(number, symbology=symbology)
        assert caught.value.messages == [message]


def test_code128_takes_printable_characters_up_to_forty():
    assert number_clean("AB-12/x", symbology="code128") == "AB-12/x"
    for number in ("Å123", "1" * 41):
        with pytest.raises(ValidationError) as caught:
            number_clean(number, symbology="code128")
        assert caught.value.messages == [f"“{number}” cannot be a Code 128 number (at most 40 printable characters)."]


def test_numbers_of_a_range_and_their_barcodes():
    assert number_make(symbology="ean13", prefix="2001", serial=7) == ean13("200100000007")
    assert number_make(symbology="ean8", prefix="123", serial=42) == "1230042" + str(ean_check_digit("1230042"))
    assert number_make(symbology="code128", prefix="77", serial=5) == "7700000005"
    assert range_capacity(symbology="ean8", prefix="123") == 9_999
    assert range_capacity(symbology="code128", prefix="77") is None
    svg = barcode_svg(number="4006381333931", symbology="ean13")
    assert svg.startswith("<svg") and "4006381333931</text>" in svg
    assert "<?xml" not in svg and "id=" not in svg
    assert "7700000005</text>" in barcode_svg(number="7700000005", symbology="code128")


# --- card types -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_card_type_says_what_is_missing_for_its_kind(alpha):
    with tenant_context(alpha.tenant):
        cases = [
            ({"kind": "discount"}, {"discount_percent": ["A discount card needs its discount in per cent."]}),
            (
                {"kind": "discount", "discount_percent": "120"},
                {"discount_percent": ["The discount must be more than 0 and at most 100."]},
            ),
            ({"kind": "coupon"}, {"coupon_amount": ["A coupon needs a value or a discount in per cent."]}),
            (
                {"kind": "coupon", "coupon_amount": "5", "coupon_percent": "10"},
                {"coupon_amount": ["Give a coupon either a value or a discount in per cent, not both."]},
            ),
            ({"kind": "gift"}, {"gift_value": ["A gift card needs the value it is loaded with."]}),
            ({"kind": "gift", "gift_value": "0"}, {"gift_value": ["The gift card's value must be more than 0."]}),
            ({"kind": "bonus", "prefix": "20A1"}, {"prefix": ["A prefix has only digits; “20A1” has others."]}),
            (
                {"kind": "bonus", "prefix": "123456789"},
                {
                    "prefix": [
                        "An EAN-13 prefix has at most 8 digits, so that 4 digits are left for the card's serial "
                        "number and one for the check digit; “123456789” has 9."
                    ]
                },
            ),
            (
                {"kind": "bonus", "symbology": "ean8", "prefix": "1234"},
                {
                    "prefix": [
                        "An EAN-8 prefix has at most 3 digits, so that 4 digits are left for the card's serial "
                        "number and one for the check digit; “1234” has 4."
                    ]
                },
            ),
            (
                {"kind": "bonus", "valid_days": "0"},
                {"valid_days": ["Give the days a card stays valid as a whole number from 1 to 36600."]},
            ),
            (
                {"kind": "", "name": ""},
                {"name": ["Give the card type a name."], "kind": ["Choose what kind of card this is."]},
            ),
        ]
        for values, errors in cases:
            with pytest.raises(ValidationError) as caught:
                card_type_create(**{"name": "Card", "symbology": "ean13", **values}, acting_user=None)
            assert caught.value.message_dict == errors, values
        assert CardType.objects.count() == 0


@pytest.mark.django_db
def test_a_card_type_keeps_the_values_of_its_kind_and_its_numbering_once_it_has_cards(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        eight = card_type_create(
            name="Short", kind="discount", symbology="ean8", prefix="123", discount_percent="7,5", acting_user=None
        )
        assert (eight.prefix, eight.discount_percent) == ("123", Decimal("7.5"))
        gift = card_type_create(
            name="Gift 2",
            kind="gift",
            symbology="ean13",
            prefix="2003",
            gift_value="25,50",
            discount_percent="10",
            acting_user=None,
        )
        gift.refresh_from_db()
        assert (gift.gift_value, gift.discount_percent) == (Decimal("25.50"), None)
        # The same barcode and prefix as another type would give both the same numbers.
        with pytest.raises(ValidationError) as caught:
            card_type_create(name="Bonus again", kind="bonus", symbology="ean13", prefix="2001", acting_user=None)
        assert caught.value.message_dict == {
            "prefix": [
                "The card type “Bonus card” has the same barcode and prefix; give this one another prefix so that "
                "their numbers differ."
            ]
        }
        with pytest.raises(ValidationError) as caught:
            card_type_create(name="bonus CARD", kind="bonus", symbology="ean8", prefix="9", acting_user=None)
        assert caught.value.message_dict == {"name": ["A card type named “bonus CARD” exists already."]}

        card_batch_generate(card_type=card_shop.bonus, quantity=2, acting_user=shop.admin)
        fields = {"name": "Bonus card", "kind": "bonus", "symbology": "ean13", "prefix": "2001"}
        with pytest.raises(ValidationError) as caught:
            card_type_update(card_type=card_shop.bonus, **{**fields, "prefix": "2009"}, acting_user=None)
        assert caught.value.message_dict == {
            "prefix": ["The type has cards already, so its kind, barcode and prefix can no longer change."]
        }
        renamed = card_type_update(card_type=card_shop.bonus, **{**fields, "name": "Regulars card"}, acting_user=None)
        assert CardType.objects.get(pk=renamed.pk).name == "Regulars card"


@pytest.mark.django_db
def test_the_admin_creates_a_card_type_and_sees_each_problem_beside_its_field(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post(
        "/settings/loyalty/cards/types/new/",
        {"name": "Coupons", "kind": "coupon", "symbology": "ean8", "prefix": "12345", "is_active": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A coupon needs a value or a discount in per cent." in page
    assert "An EAN-8 prefix has at most 3 digits" in page
    assert 'id="id_prefix_errors"' in page and 'id="id_coupon_amount_errors"' in page
    with tenant_context(alpha.tenant):
        assert CardType.objects.count() == 0
    response = client.post(
        "/settings/loyalty/cards/types/new/",
        {
            "name": "Coupons",
            "kind": "coupon",
            "symbology": "ean8",
            "prefix": "123",
            "coupon_amount": "5,00",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        coupon = CardType.objects.get()
    assert (coupon.kind, coupon.symbology, coupon.prefix, coupon.coupon_amount) == (
        "coupon",
        "ean8",
        "123",
        Decimal("5.00"),
    )
    assert response["Location"] == f"/settings/loyalty/cards/types/{coupon.pk}/"
    listing = client.get("/settings/loyalty/cards/").content.decode()
    assert "Coupons" in listing and "5.00 EUR" in listing
    assert tenant_client(alpha, alpha.marketer).get("/settings/loyalty/cards/").status_code == 403


# --- batches ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_batches_continue_the_range_and_never_overlap(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        first = card_batch_generate(card_type=card_shop.bonus, quantity=3, acting_user=shop.admin)
        second = card_batch_generate(card_type=card_shop.bonus, quantity=2, acting_user=shop.admin)
        assert (first.first_number, first.last_number) == (ean13("200100000001"), ean13("200100000003"))
        assert (second.first_number, second.last_number) == (ean13("200100000004"), ean13("200100000005"))
        assert sorted(Card.objects.filter(batch=first).values_list("number", flat=True)) == [
            ean13(f"20010000000{serial}") for serial in (1, 2, 3)
        ]
        assert not set(first.cards.values_list("number", flat=True)) & set(
            second.cards.values_list("number", flat=True)
        )
        assert CardType.objects.get(pk=card_shop.bonus.pk).last_serial == 5
        assert set(Card.objects.values_list("status", flat=True)) == {"stock"}
        assert CardEvent.objects.filter(kind="issued").count() == 5
        gift = card_batch_generate(card_type=card_shop.gift, quantity=1, acting_user=shop.admin)
        assert gift.cards.get().balance == Decimal("50.00")
        coupon = card_batch_generate(card_type=card_shop.coupon, quantity=1, acting_user=shop.admin).cards.get()
        assert coupon.number == "7700000001" and coupon.valid_until is not None


@pytest.mark.django_db
def test_a_used_up_range_says_how_many_numbers_are_left_and_makes_nothing(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        short = card_type_create(name="Short", kind="bonus", symbology="ean8", prefix="123", acting_user=None)
        CardType.objects.filter(pk=short.pk).update(last_serial=9_990)
        error = refused(card_batch_generate, card_type=short, quantity=20, acting_user=shop.admin)
        assert error.message_dict == {"quantity": ["The number range of Short has 9 numbers left."]}
        assert card_batch_generate(card_type=short, quantity=9, acting_user=shop.admin).last_number.startswith(
            "1239999"
        )
        error = refused(card_batch_generate, card_type=short, quantity=1, acting_user=shop.admin)
        assert error.message_dict == {"quantity": ["The number range of Short has 0 numbers left."]}
        for quantity, message in (
            (0, "Give how many cards to make (at least 1)."),
            (10_001, "At most 10000 cards are made at a time."),
        ):
            error = refused(card_batch_generate, card_type=card_shop.bonus, quantity=quantity, acting_user=shop.admin)
            assert error.message_dict == {"quantity": [message]}


@pytest.mark.django_db
def test_a_batch_made_on_screen_prints_200_cards_a_page(alpha, card_shop, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post(f"/settings/loyalty/cards/types/{card_shop.bonus.pk}/batches/new/", {"batch-quantity": "0"})
    assert "Give how many cards to make (at least 1)." in response.content.decode()
    response = client.post(
        f"/settings/loyalty/cards/types/{card_shop.bonus.pk}/batches/new/", {"batch-quantity": "250"}
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        batch = CardBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f"250 cards made: {ean13('200100000001')} … {ean13('200100000250')}." in page
    assert f"/settings/loyalty/cards/batches/{batch.pk}/sheet/" in page
    first = client.get(f"/settings/loyalty/cards/batches/{batch.pk}/sheet/").content.decode()
    assert first.count('data-testid="sheet-card"') == 200
    assert first.count("<svg") == 200
    assert f'data-number="{ean13("200100000001")}"' in first and f'data-number="{ean13("200100000201")}"' not in first
    assert "@media print" in first and "Page 1 of 2" in first
    second = client.get(f"/settings/loyalty/cards/batches/{batch.pk}/sheet/?page=2").content.decode()
    assert second.count('data-testid="sheet-card"') == 50
    assert f'data-number="{ean13("200100000250")}"' in second
    with tenant_context(alpha.tenant):
        card = Card.objects.get(number=ean13("200100000007"))
    single = client.get(f"/settings/loyalty/cards/{card.pk}/sheet/").content.decode()
    assert single.count("<svg") == 1 and f"{card.number}</text>" in single


# --- a customer's cards -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_number_with_a_wrong_check_digit_is_refused_and_nothing_is_written(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        number = wrong_check_digit(ean13("200100000042"))
        error = refused(card_assign, customer=card_shop.mari, number=number, acting_user=shop.admin)
        assert error.message_dict == {
            "number": [
                f"“{number}” is not a valid EAN-13 number: its check digit should be {ean13('200100000042')[-1]}."
            ]
        }


@pytest.mark.django_db
def test_a_card_active_on_another_customer_is_refused(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        number = ean13("200100000042")
        card = card_assign(customer=card_shop.jaan, number=number, acting_user=shop.admin)
        assert (card.status, card.customer_id, card.batch_id) == ("active", card_shop.jaan.pk, None)
        error = refused(card_assign, customer=card_shop.mari, number=number, acting_user=shop.admin)
        assert error.message_dict == {"number": [f"Card {number} is already active on another customer (Jaan Saar)."]}
        error = refused(card_assign, customer=card_shop.jaan, number=number, acting_user=shop.admin)
        assert error.message_dict == {"number": [f"Card {number} is already this customer's."]}


@pytest.mark.django_db
def test_many_cards_are_given_at_once_as_one_by_one(alpha, shop, card_shop):
    from loyalty.models import PointsEntry
    from tests.factories import ProgrammeFactory

    with tenant_context(alpha.tenant):
        ProgrammeFactory(welcome_bonus=25)
        stock = card_batch_generate(card_type=card_shop.bonus, quantity=1, acting_user=shop.admin).first_number
        anu = CustomerFactory(first_name="Anu", last_name="Sepp")
        new, gift = ean13("200100000900"), ean13("200200000900")
        cards = cards_assign_bulk(
            assignments=[(card_shop.mari, f" {stock} "), (card_shop.jaan, new), (anu, gift)], acting_user=shop.admin
        )
        assert sorted(
            (c.number, c.customer.first_name, c.status, c.card_type.name, c.balance) for c in cards
        ) == sorted(
            [
                (stock, "Mari", "active", "Bonus card", None),
                (new, "Jaan", "active", "Bonus card", None),
                (gift, "Anu", "active", "Gift card", Decimal("50.00")),
            ]
        )
        assert set(Card.objects.filter(status="active").values_list("number", "customer__first_name")) == {
            (stock, "Mari"),
            (new, "Jaan"),
            (gift, "Anu"),
        }
        events = CardEvent.objects.filter(kind="assigned").values_list("card__number", "author_id")
        assert sorted(events) == sorted([(stock, shop.admin.pk), (new, shop.admin.pk), (gift, shop.admin.pk)])
        # The welcome bonus once per customer of a bonus card (not for the gift card), as card_assign gives it.
        welcome = PointsEntry.objects.filter(once_key="welcome").values_list("customer__first_name", "points")
        assert sorted(welcome) == [("Jaan", 25), ("Mari", 25)]
        again = ean13("200100000901")
        cards_assign_bulk(assignments=[(card_shop.mari, again)], acting_user=shop.admin)
        assert PointsEntry.objects.filter(once_key="welcome", customer=card_shop.mari).count() == 1


@pytest.mark.django_db
def test_many_cards_at_once_refuse_as_one_by_one_and_write_nothing(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        taken = ean13("200100000042")
        card_assign(customer=card_shop.jaan, number=taken, acting_user=shop.admin)
        fine = ean13("200100000043")
        error = refused(
            cards_assign_bulk, assignments=[(card_shop.mari, fine), (card_shop.mari, taken)], acting_user=shop.admin
        )
        assert error.messages == [f"Card {taken} is already active on another customer (Jaan Saar)."]
        error = refused(
            cards_assign_bulk, assignments=[(card_shop.mari, fine), (card_shop.jaan, fine)], acting_user=shop.admin
        )
        assert error.messages == [f"Card {fine} is given twice."]
        wrong = wrong_check_digit(fine)
        error = refused(cards_assign_bulk, assignments=[(card_shop.mari, wrong)], acting_user=shop.admin)
        assert error.messages == [f"“{wrong}” is not a valid EAN-13 number: its check digit should be {fine[-1]}."]
        error = refused(cards_assign_bulk, assignments=[(card_shop.mari, "9990001")], acting_user=shop.admin)
        assert error.messages == [
            "No card type of this retailer has numbers like “9990001”; it may be another retailer's card or mistyped."
        ]


@pytest.mark.django_db
def test_another_retailers_card_is_refused_and_nothing_is_written(alpha, beta, shop, card_shop):
    with tenant_context(beta.tenant):
        beta_type = card_type_create(name="Beta card", kind="bonus", symbology="ean13", prefix="2999", acting_user=None)
        batch = card_batch_generate(card_type=beta_type, quantity=1, acting_user=User.objects.get(username="admin"))
        number = batch.first_number
    with tenant_context(alpha.tenant):
        error = refused(card_assign, customer=card_shop.mari, number=number, acting_user=shop.admin)
        assert error.message_dict == {
            "number": [
                f"No card type of this retailer has numbers like “{number}”; it may be another retailer's card "
                "or mistyped."
            ]
        }
        assert not Card.objects.filter(number=number).exists()
    with tenant_context(beta.tenant):
        assert Card.objects.get(number=number).status == "stock"


@pytest.mark.django_db
def test_blocked_replaced_and_removed_cards_cannot_be_used(alpha, shop, card_shop):
    with tenant_context(alpha.tenant):
        author = shop.admin
        blocked = card_assign(customer=card_shop.mari, number=ean13("200100000001"), acting_user=author)
        assert card_for_sale(number=blocked.number, customer=card_shop.mari).pk == blocked.pk
        card_block(card=blocked, acting_user=author, reason="Lost in the shop")
        error = refused(card_for_sale, number=blocked.number, customer=card_shop.mari)
        assert error.message_dict == {"card": [f"Card {blocked.number} is blocked; it cannot be used."]}
        error = refused(card_block, card=blocked, acting_user=author)
        assert error.messages == [f"Card {blocked.number} is blocked; this cannot be done with it."]
        card_unblock(card=blocked, acting_user=author)
        assert card_for_sale(number=blocked.number, customer=card_shop.mari).status == "active"

        replaced = blocked
        successor = card_replace(card=replaced, number=ean13("200100000002"), acting_user=author, reason="Damaged")
        error = refused(card_for_sale, number=replaced.number, customer=card_shop.mari)
        assert error.message_dict == {
            "card": [f"Card {replaced.number} was replaced by another card; it cannot be used."]
        }
        error = refused(card_assign, customer=card_shop.jaan, number=replaced.number, acting_user=author)
        assert error.message_dict == {
            "number": [f"Card {replaced.number} was replaced by another card; it cannot be used."]
        }

        card_remove(card=successor, acting_user=author, reason="Customer left")
        error = refused(card_for_sale, number=successor.number, customer=card_shop.mari)
        assert error.message_dict == {"card": [f"Card {successor.number} was removed; it cannot be used."]}
        error = refused(card_assign, customer=card_shop.mari, number=successor.number, acting_user=author)
        assert error.message_dict == {"number": [f"Card {successor.number} was removed; it cannot be used."]}
        error = refused(card_replace, card=successor, number=ean13("200100000003"), acting_user=author)
        assert error.messages == [f"Card {successor.number} is removed; this cannot be done with it."]
        assert list(
            CardEvent.objects.filter(customer=card_shop.mari).order_by("pk").values_list("card__number", "kind", "note")
        ) == [
            (blocked.number, "assigned", ""),
            (blocked.number, "blocked", "Lost in the shop"),
            (blocked.number, "unblocked", ""),
            (blocked.number, "replaced", f"by {successor.number} · Damaged"),
            (successor.number, "assigned", f"replaces {blocked.number}"),
            (successor.number, "removed", "Customer left"),
        ]


@pytest.mark.django_db
def test_a_replacement_takes_over_the_gift_balance_and_the_old_card_stays_as_replaced(
    alpha, shop, card_shop, tenant_client
):
    with tenant_context(alpha.tenant):
        author = shop.admin
        card_batch_generate(card_type=card_shop.gift, quantity=2, acting_user=author)
        old_number, new_number = ean13("200200000001"), ean13("200200000002")
        old = card_assign(customer=card_shop.mari, number=old_number, acting_user=author)
        Card.objects.filter(pk=old.pk).update(balance=Decimal("12.30"))
        # Another kind cannot take a gift card's place; nothing changes.
        error = refused(card_replace, card=old, number=ean13("200100000009"), acting_user=author)
        assert error.message_dict == {
            "number": [
                f"Card {ean13('200100000009')} is a bonus card; a gift card can only be replaced by the same kind."
            ]
        }
        new = card_replace(card=old, number=new_number, acting_user=author, reason="Lost")
        old.refresh_from_db()
        new.refresh_from_db()
        assert (new.status, new.customer_id, new.balance) == ("active", card_shop.mari.pk, Decimal("12.30"))
        assert (old.status, old.customer_id, old.balance, old.replaced_by_id) == (
            "replaced",
            card_shop.mari.pk,
            Decimal("0.00"),
            new.pk,
        )

    response = tenant_client(alpha, alpha.cashier).get(f"/customers/{card_shop.mari.pk}/cards/")
    assert [card.number for card in response.context["current_cards"]] == [new_number]
    assert [(card.number, card.replaced_by.number) for card in response.context["former_cards"]] == [
        (old_number, new_number)
    ]
    assert response.context["former_cards"][0].ended_at is not None
    page = response.content.decode()
    assert "12.30 EUR" in page and 'data-testid="former-card"' in page


@pytest.mark.django_db
def test_the_cashier_scans_a_card_on_the_tab_and_sees_the_refusal_beside_the_field(alpha, card_shop, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    url = f"/customers/{card_shop.mari.pk}/cards/add/"
    number = ean13("200100000077")
    bad = wrong_check_digit(number)
    with tenant_context(alpha.tenant):
        before = snapshot()
    response = client.post(url, {"number": bad}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="id_number_errors"' in page
    assert f"“{bad}” is not a valid EAN-13 number: its check digit should be {number[-1]}." in page
    with tenant_context(alpha.tenant):
        assert snapshot() == before

    response = client.post(url, {"number": number}, **HTMX)
    page = response.content.decode()
    assert f"Card {number} added." in page
    assert [card.number for card in response.context["current_cards"]] == [number]
    assert "autofocus" in page

    # The same number on another customer: refused beside the field.
    response = client.post(f"/customers/{card_shop.jaan.pk}/cards/add/", {"number": number}, **HTMX)
    assert f"Card {number} is already active on another customer (Mari Tamm)." in response.content.decode()

    with tenant_context(alpha.tenant):
        card = Card.objects.get(number=number)
    base = f"/customers/{card_shop.mari.pk}/cards/{card.pk}"
    response = client.post(f"{base}/block/", {"reason": "Stolen"}, **HTMX)
    assert f"Card {number} blocked." in response.content.decode()
    response = client.post(f"{base}/unblock/", {}, **HTMX)
    assert f"Card {number} unblocked." in response.content.decode()
    response = client.post(f"{base}/replace/", {"number": number, "reason": "Lost"}, **HTMX)
    page = response.content.decode()
    assert f'id="id_card{card.pk}_replace_number_errors"' in page
    assert f"Card {number} is already this customer's." in html.unescape(page)
    new_number = ean13("200100000078")
    response = client.post(f"{base}/replace/", {"number": new_number, "reason": "Lost"}, **HTMX)
    assert f"Card {number} replaced by {new_number}." in response.content.decode()
    assert [card.number for card in response.context["former_cards"]] == [number]
    with tenant_context(alpha.tenant):
        new = Card.objects.get(number=new_number)
    response = client.post(f"/customers/{card_shop.mari.pk}/cards/{new.pk}/remove/", {"reason": "Moved away"}, **HTMX)
    assert f"Card {new_number} removed." in response.content.decode()
    assert response.context["current_cards"] == []
    # A second click on the removed card says why nothing happens.
    response = client.post(f"/customers/{card_shop.mari.pk}/cards/{new.pk}/remove/", {}, **HTMX)
    assert f"Card {new_number} is removed; this cannot be done with it." in response.content.decode()
    assert [event.get_kind_display() for event in response.context["card_events_page"].object_list] == [
        "Removed",
        "Assigned",
        "Replaced",
        "Unblocked",
        "Blocked",
        "Assigned",
    ]

    # Without htmx the post goes back to the tab with a message.
    response = client.post(url, {"number": bad})
    assert response.status_code == 302 and response["Location"] == f"/customers/{card_shop.mari.pk}/cards/"
    assert "is not a valid EAN-13 number" in client.get(response["Location"]).content.decode()


@pytest.fixture
def viewer(alpha):
    """A staff user who may see customers but not manage their cards."""
    with tenant_context(alpha.tenant):
        return StaffUserFactory(username="viewer", role="", rights=[Right.VIEW_CUSTOMERS])


@pytest.mark.django_db
def test_without_the_right_to_manage_cards_there_are_no_actions_and_posts_are_refused(
    alpha, shop, card_shop, viewer, tenant_client
):
    with tenant_context(alpha.tenant):
        card = card_assign(customer=card_shop.mari, number=ean13("200100000005"), acting_user=shop.admin)
        before = snapshot()
    client = tenant_client(alpha, viewer)
    page = client.get(f"/customers/{card_shop.mari.pk}/cards/").content.decode()
    assert card.number in page
    assert 'data-testid="card-add-form"' not in page and "card-replace-form" not in page
    posts = [
        (f"/customers/{card_shop.mari.pk}/cards/add/", {"number": ean13("200100000006")}),
        (f"/customers/{card_shop.mari.pk}/cards/{card.pk}/replace/", {"number": ean13("200100000006")}),
        (f"/customers/{card_shop.mari.pk}/cards/{card.pk}/block/", {}),
        (f"/customers/{card_shop.mari.pk}/cards/{card.pk}/unblock/", {}),
        (f"/customers/{card_shop.mari.pk}/cards/{card.pk}/remove/", {}),
    ]
    for path, data in posts:
        assert client.post(path, data, **HTMX).status_code == 403
    with tenant_context(alpha.tenant):
        assert snapshot() == before
    assert client.get("/settings/loyalty/cards/all/").status_code == 403
    # Another customer's card cannot be acted on through this customer's address.
    admin = tenant_client(alpha, alpha.admin)
    assert admin.post(f"/customers/{card_shop.jaan.pk}/cards/{card.pk}/remove/", {}, **HTMX).status_code == 404
    with tenant_context(alpha.tenant):
        assert snapshot() == before


# --- lists, search, isolation -----------------------------------------------------------------


@pytest.mark.django_db
def test_customers_are_found_by_a_current_cards_number_only(alpha, shop, card_shop, tenant_client):
    with tenant_context(alpha.tenant):
        author = shop.admin
        first = card_assign(customer=card_shop.mari, number=ean13("200100000011"), acting_user=author)
        jaans = card_assign(customer=card_shop.jaan, number=ean13("200100000012"), acting_user=author)
        card_block(card=jaans, acting_user=author)

        def found(term: str) -> list[str]:
            return sorted(customer.first_name for customer in Customer.objects.filter(search_q(term)))

        assert found(first.number) == ["Mari"]
        assert found(" ".join([first.number[:4], first.number[4:]])) == ["Mari"]
        assert found(jaans.number) == ["Jaan"]  # a blocked card still names its customer
        second = card_replace(card=first, number=ean13("200100000013"), acting_user=author)
        assert found(first.number) == []
        assert found(second.number) == ["Mari"]
        card_remove(card=second, acting_user=author)
        assert found(second.number) == []
        assert found("Mari") == ["Mari"]
    client = tenant_client(alpha, alpha.marketer)
    rows = client.get("/customers/", {"q": jaans.number}).context["page"].object_list
    assert [customer.pk for customer in rows] == [card_shop.jaan.pk]


@pytest.mark.django_db
def test_the_cards_list_searches_and_filters_and_shows_only_the_retailers_own_cards(
    alpha, beta, shop, card_shop, tenant_client
):
    with tenant_context(beta.tenant):
        beta_type = card_type_create(name="Beta card", kind="bonus", symbology="ean13", prefix="2005", acting_user=None)
        beta_batch = card_batch_generate(
            card_type=beta_type, quantity=3, acting_user=User.objects.get(username="admin")
        )
        beta_numbers = set(beta_batch.cards.values_list("number", flat=True))
    with tenant_context(alpha.tenant):
        card_batch_generate(card_type=card_shop.bonus, quantity=2, acting_user=shop.admin)
        card_batch_generate(card_type=card_shop.gift, quantity=2, acting_user=shop.admin)
        active = card_assign(customer=card_shop.mari, number=ean13("200100000001"), acting_user=shop.admin)
    client = tenant_client(alpha, alpha.admin)

    def numbers(query: dict) -> list[str]:
        response = client.get("/settings/loyalty/cards/all/", query)
        assert response.status_code == 200
        return sorted(card.number for card in response.context["page"].object_list)

    everything = numbers({})
    assert len(everything) == 4 and not set(everything) & beta_numbers
    assert numbers({"q": "00000001"}) == [ean13("200100000001"), ean13("200200000001")]
    assert numbers({"card_type": card_shop.gift.pk}) == [ean13("200200000001"), ean13("200200000002")]
    assert numbers({"status": "active"}) == [active.number]
    assert numbers({"q": "2005"}) == []
    partial = client.get("/settings/loyalty/cards/all/", {"status": "active"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Mari Tamm" in partial and 'data-testid="card-count">1 card<' in partial
    beta_page = tenant_client(beta, beta.admin).get("/settings/loyalty/cards/all/")
    assert sorted(card.number for card in beta_page.context["page"].object_list) == sorted(beta_numbers)


# --- query budgets ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cards_list_costs_the_same_queries_however_many_cards(
    alpha, shop, card_shop, django_assert_max_num_queries, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    counts = []
    for quantity in (2, 40):
        with tenant_context(alpha.tenant):
            batch = card_batch_generate(card_type=card_shop.bonus, quantity=quantity, acting_user=shop.admin)
            for card in batch.cards.order_by("pk")[:2]:
                card_assign(customer=card_shop.mari, number=card.number, acting_user=shop.admin)
        connection.set_schema_to_public()
        with django_assert_max_num_queries(11) as captured:
            response = client.get("/settings/loyalty/cards/all/")
        assert response.status_code == 200
        counts.append(len(captured))
    assert response.content.decode().count('data-testid="card-row"') == 42
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_cards_tab_costs_the_same_queries_however_many_cards(
    alpha, shop, card_shop, django_assert_max_num_queries, tenant_client
):
    client = tenant_client(alpha, alpha.cashier)
    counts = []
    serial = 100
    for added in (1, 6):
        with tenant_context(alpha.tenant):
            for _ in range(added):
                serial += 1
                card = card_assign(
                    customer=card_shop.mari, number=ean13(f"2002000{serial:05d}"), acting_user=shop.admin
                )
                serial += 1
                card = card_replace(card=card, number=ean13(f"2002000{serial:05d}"), acting_user=shop.admin)
                card_block(card=card, acting_user=shop.admin, reason="Check")
        connection.set_schema_to_public()
        with django_assert_max_num_queries(14) as captured:
            response = client.get(f"/customers/{card_shop.mari.pk}/cards/")
        assert response.status_code == 200
        counts.append(len(captured))
    page = response.content.decode()
    assert page.count('data-testid="current-card"') == 7 and page.count('data-testid="former-card"') == 7
    assert page.count('data-testid="card-event"') == 20
    assert counts[0] == counts[1]
