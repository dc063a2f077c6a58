"""Coupons at the till: Regulars works out the discount (a value or a percent of the lines of the
product groups the coupon applies to, from its minimum receipt on), records it on the lines with
the source "coupon", counts the use (once, or as many times as its type says) and refuses the
next; a return gives back what was paid, the coupon's part staying off; every refusal named with
nothing written; two retailers apart."""

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from loyalty.models import Card, CardEvent
from loyalty.rules import coupon_off
from reports.registry import report_get
from sales.models import SalesDocument, SalesLine
from tests.factories import CardFactory, CardTypeFactory

pytestmark = pytest.mark.django_db


def _coupon(shop_customer, **values):
    card_type = CardTypeFactory(coupon=True, **{"coupon_percent": None, "coupon_amount": None, **values})
    return CardFactory(card_type=card_type, customer=shop_customer)


def _sale(shop, client_id, card, lines):
    return shop.api.post(
        "sales/",
        {"client_id": client_id, "card": card.number, "lines": [{"product": p, "quantity": q} for p, q in lines]},
    )


def test_the_share_of_a_coupon_is_to_the_cent_and_never_more_than_the_lines():
    percent = CardTypeFactory.build(coupon=True, coupon_percent=Decimal("15"))
    assert coupon_off(
        amounts=[Decimal("10.00"), Decimal("3.33"), Decimal("8.00")], eligible=[True, True, False], card_type=percent
    ) == [Decimal("1.50"), Decimal("0.50"), Decimal("0.00")]
    value = CardTypeFactory.build(coupon=True, coupon_percent=None, coupon_amount=Decimal("10.00"))
    assert coupon_off(amounts=[Decimal("3.00"), Decimal("4.00")], eligible=[True, True], card_type=value) == [
        Decimal("3.00"),
        Decimal("4.00"),
    ]
    thirds = CardTypeFactory.build(coupon=True, coupon_percent=None, coupon_amount=Decimal("1.00"))
    assert coupon_off(amounts=[Decimal("1.00")] * 3, eligible=[True] * 3, card_type=thirds) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]


def test_a_percent_coupon_of_a_product_group_takes_its_share_off_those_lines_once(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        coupon = _coupon(shop_customer, coupon_percent=Decimal("25"))
        coupon.card_type.coupon_product_groups.set([shop.drinks])
    answer = _sale(shop, "cp-1", coupon, [("TEA-1", "2"), ("CUP-1", "1")])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    lines = {line["product"]["sku"]: line for line in body["lines"]}
    # Tea is in Drinks (through Tea): 25 % of 8.00; the cup is not.
    assert (lines["TEA-1"]["line_total"], lines["TEA-1"]["discount"], lines["TEA-1"]["discount_source"]) == (
        "6.00",
        "2.00",
        "coupon",
    )
    assert (lines["CUP-1"]["line_total"], lines["CUP-1"]["discount_source"]) == ("10.00", "")
    assert (body["total"], body["discount_total"]) == ("16.00", "2.00")
    with tenant_context(alpha.tenant):
        card = Card.objects.get(pk=coupon.pk)
        assert (card.status, card.uses) == ("used", 1)
        assert CardEvent.objects.filter(card=card, kind="used").count() == 1
        before = SalesDocument.objects.count()
    again = _sale(shop, "cp-2", coupon, [("TEA-1", "1")])
    assert again.status_code == 400
    assert again.json()["fields"] == {"card": [f"Coupon {coupon.number} was used already."]}
    with tenant_context(alpha.tenant):
        assert SalesDocument.objects.count() == before


def test_a_coupon_of_several_uses_is_used_up_at_the_last(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        coupon = _coupon(shop_customer, coupon_amount=Decimal("1.00"), coupon_uses=2)
    assert _sale(shop, "cu-1", coupon, [("CUP-1", "1")]).json()["total"] == "9.00"
    with tenant_context(alpha.tenant):
        assert (Card.objects.get(pk=coupon.pk).status, Card.objects.get(pk=coupon.pk).uses) == ("active", 1)
    assert _sale(shop, "cu-2", coupon, [("CUP-1", "1")]).json()["total"] == "9.00"
    assert _sale(shop, "cu-3", coupon, [("CUP-1", "1")]).status_code == 400
    with tenant_context(alpha.tenant):
        assert (Card.objects.get(pk=coupon.pk).status, Card.objects.get(pk=coupon.pk).uses) == ("used", 2)


@pytest.mark.parametrize(
    ("values", "lines", "message"),
    [
        (
            {"coupon_amount": Decimal("5.00"), "coupon_min_receipt": Decimal("20.00")},
            [("CUP-1", "1")],
            "Coupon {number} applies from a receipt of 20.00; this one comes to 10.00.",
        ),
        (
            {"coupon_percent": Decimal("10"), "groups": True},
            [("CUP-1", "2")],
            "Coupon {number} applies to Drinks only; nothing on this receipt is.",
        ),
    ],
    ids=["below-minimum", "no-product-of-its-groups"],
)
def test_a_coupon_that_does_not_apply_is_named_and_nothing_is_written(
    alpha, shop, shop_customer, values, lines, message
):
    with tenant_context(alpha.tenant):
        groups = values.pop("groups", False)
        coupon = _coupon(shop_customer, **values)
        if groups:
            coupon.card_type.coupon_product_groups.set([shop.drinks])
        before = (SalesDocument.objects.count(), SalesLine.objects.count())
    answer = _sale(shop, "cx-1", coupon, lines)
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"card": [message.format(number=coupon.number)]}
    with tenant_context(alpha.tenant):
        assert (SalesDocument.objects.count(), SalesLine.objects.count()) == before
        assert (Card.objects.get(pk=coupon.pk).status, Card.objects.get(pk=coupon.pk).uses) == ("active", 0)


def test_a_return_gives_back_what_was_paid_with_the_coupons_part_kept_off(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        coupon = _coupon(shop_customer, coupon_amount=Decimal("5.00"))
    sale = _sale(shop, "cr-1", coupon, [("CUP-1", "3")]).json()
    line = sale["lines"][0]
    assert (line["line_total"], line["discount"]) == ("25.00", "5.00")
    first = shop.api.post(
        "returns/",
        {"client_id": "crr-1", "sale_id": sale["id"], "lines": [{"sale_line_id": line["id"], "quantity": "1"}]},
    )
    assert first.json()["amount"] == "8.33"
    # The discounts report counts the coupon as a source of its own, net of the return.
    with tenant_context(alpha.tenant):
        today = timezone.localdate().isoformat()
        (row,) = report_get("sales-discounts").rows({"date_from": today, "date_to": today})
    assert (row["quantity"], row["list_value"], row["paid"]) == (Decimal("2"), Decimal("20.00"), Decimal("16.67"))
    assert (row["discount"], row["coupon_discount"], row["manual_discount"]) == (
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("0.00"),
    )
    rest = shop.api.post(
        "returns/",
        {"client_id": "crr-2", "sale_id": sale["id"], "lines": [{"sale_line_id": line["id"], "quantity": "2"}]},
    )
    assert rest.json()["amount"] == "16.67"


def test_another_retailers_coupon_is_unknown(alpha, beta, shop, shop_customer):
    with tenant_context(beta.tenant):
        beta_coupon = CardFactory(card_type=CardTypeFactory(coupon=True, name="Beta coupon", prefix="88"))
    answer = _sale(shop, "cb-1", beta_coupon, [("CUP-1", "1")])
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"card": [f"No card with the number “{beta_coupon.number}”."]}
    with tenant_context(beta.tenant):
        assert Card.objects.get(pk=beta_coupon.pk).uses == 0


def test_the_price_call_says_what_a_coupon_would_take_off_and_writes_nothing(alpha, shop, shop_customer):
    with tenant_context(alpha.tenant):
        coupon = _coupon(shop_customer, coupon_percent=Decimal("25"))
        coupon.card_type.coupon_product_groups.set([shop.drinks])
    answer = shop.api.post("prices/", {"products": ["TEA-1", "CUP-1"], "coupon": coupon.number})
    assert answer.status_code == 200, answer.content
    assert answer.json()["coupon"] == {
        "card": coupon.number,
        "percent": "25.00",
        "amount": None,
        "min_receipt": None,
        "uses_left": 1,
        "off": [{"code": "TEA-1", "off": "1.00"}, {"code": "CUP-1", "off": "0.00"}],
        "refusal": "",
    }
    unknown = shop.api.post("prices/", {"products": ["CUP-1"], "coupon": "123"}).json()["coupon"]
    assert (unknown["refusal"], unknown["off"]) == ("123 is no coupon of this shop.", [])
    assert shop.api.post("prices/", {"products": ["CUP-1"]}).json()["coupon"] is None
    with tenant_context(alpha.tenant):
        assert (Card.objects.get(pk=coupon.pk).uses, CardEvent.objects.filter(card=coupon).count()) == (0, 0)


def test_the_admin_sets_a_coupons_terms_and_each_problem_is_named(alpha, shop, tenant_client):
    from loyalty.models import CardType, LoyaltyEvent

    client = tenant_client(alpha, alpha.admin)
    form = {"name": "Tea days", "kind": "coupon", "symbology": "ean13", "prefix": "771", "coupon_percent": "20"}
    with tenant_context(alpha.tenant):
        events = LoyaltyEvent.objects.count()
    bad = client.post(
        "/settings/loyalty/cards/types/new/",
        {**form, "coupon_uses": "0", "coupon_min_receipt": "-1", "is_active": "on"},
    )
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "A coupon is used from 1 to 1000 times." in page
    with tenant_context(alpha.tenant):
        assert not CardType.objects.exists() and LoyaltyEvent.objects.count() == events
    good = client.post(
        "/settings/loyalty/cards/types/new/",
        {
            **form,
            "coupon_uses": "3",
            "coupon_min_receipt": "20",
            "coupon_product_groups": [shop.drinks.pk],
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    with tenant_context(alpha.tenant):
        coupon = CardType.objects.get()
        assert (coupon.coupon_percent, coupon.coupon_min_receipt, coupon.coupon_uses) == (
            Decimal("20.00"),
            Decimal("20.00"),
            3,
        )
        assert list(coupon.coupon_product_groups.values_list("name", flat=True)) == ["Drinks"]
    # A kind that is no coupon keeps none of the coupon's terms.
    changed = client.post(
        f"/settings/loyalty/cards/types/{coupon.pk}/",
        {**form, "kind": "bonus", "coupon_uses": "3", "coupon_product_groups": [shop.drinks.pk], "is_active": "on"},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    with tenant_context(alpha.tenant):
        coupon.refresh_from_db()
        assert (coupon.kind, coupon.coupon_min_receipt, coupon.coupon_uses) == ("bonus", None, 1)
        assert not coupon.coupon_product_groups.exists()
