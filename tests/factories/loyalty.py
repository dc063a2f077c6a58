"""The loyalty programme, tiers, earning rules, card types and cards."""

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from loyalty.models import Card, CardType, EarningRule, Programme, Symbology, Tier
from sales.rules import ean_check_digit
from tests.factories.customers import CustomerFactory


class ProgrammeFactory(DjangoModelFactory):
    """The tenant's one programme row (pk 1), written over whatever it held: running, a point per
    currency unit rounded down, a point worth 0.01, at most half a receipt paid by points, a return
    of spent points stopping at zero, no expiry, no bonuses, no tiers, no adjustment cap.
    `no_earning_groups=[…]` sets the groups that earn nothing."""

    class Meta:
        model = Programme
        skip_postgeneration_save = True

    is_enabled = True
    points_per_unit = Decimal("1")
    rounding = Programme.Rounding.DOWN
    point_value = Decimal("0.01")
    max_redeem_percent = Decimal("50")
    expiry_months = None
    welcome_bonus = 0
    birthday_bonus = 0
    negative_policy = Programme.NegativePolicy.CAP
    adjustment_cap = None
    tiers_enabled = False

    @classmethod
    def _create(cls, model_class, **fields):
        programme, _created = model_class.objects.update_or_create(pk=1, defaults=fields)
        return programme

    @factory.post_generation
    def no_earning_groups(programme, create, extracted, **kwargs):
        if create:
            programme.no_earning_groups.set(extracted or [])


class TierFactory(DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    min_spend = factory.Sequence(lambda n: Decimal(100 * (n + 1)))
    multiplier = Decimal("1.5")


class EarningRuleFactory(DjangoModelFactory):
    """A rule doubling the points of every product (`product=` / `product_group=` to narrow it,
    `kind=` with `fixed_points=` for another kind); `stores=[…]` and `customer_groups=[…]` limit
    where and for whom."""

    class Meta:
        model = EarningRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Earning rule {n}")
    kind = EarningRule.Kind.MULTIPLIER
    multiplier = factory.Maybe(
        factory.LazyAttribute(lambda rule: rule.kind == EarningRule.Kind.MULTIPLIER),
        yes_declaration=Decimal("2"),
        no_declaration=None,
    )

    @factory.post_generation
    def stores(rule, create, extracted, **kwargs):
        if create and extracted:
            rule.stores.set(extracted)

    @factory.post_generation
    def customer_groups(rule, create, extracted, **kwargs):
        if create and extracted:
            rule.customer_groups.set(extracted)


class CardTypeFactory(DjangoModelFactory):
    """A bonus card type with EAN-13 numbers and a prefix of its own.

    Traits: `discount` (5 % off), `gift` (worth 50.00), `coupon` (15 % off, valid 30 days),
    `code128` (numbers that are not EANs)."""

    class Meta:
        model = CardType

    name = factory.Sequence(lambda n: f"Card type {n}")
    kind = CardType.Kind.BONUS
    symbology = Symbology.EAN13
    prefix = factory.Sequence(lambda n: f"9{n:03d}")

    class Params:
        discount = factory.Trait(kind=CardType.Kind.DISCOUNT, discount_percent=Decimal("5.00"))
        gift = factory.Trait(kind=CardType.Kind.GIFT, gift_value=Decimal("50.00"))
        coupon = factory.Trait(kind=CardType.Kind.COUPON, coupon_percent=Decimal("15.00"), valid_days=30)
        code128 = factory.Trait(symbology=Symbology.CODE128)


def card_number(card_type: CardType, n: int) -> str:
    """The n-th factory number of a card type: its prefix, a 9 (above the serials that batches
    hand out from 1), n, and for an EAN the check digit."""
    if card_type.symbology == Symbology.CODE128:
        return f"{card_type.prefix}9{n:06d}"
    length = 13 if card_type.symbology == Symbology.EAN13 else 8
    width = length - 2 - len(card_type.prefix)
    body = f"{card_type.prefix}9{n:0{width}d}"
    return f"{body}{ean_check_digit(body)}"


class CardFactory(DjangoModelFactory):
    """An active card of a new customer (trait `stock`: unassigned, in stock), numbered in its
    type's range with a valid check digit."""

    class Meta:
        model = Card

    card_type = factory.SubFactory(CardTypeFactory)
    number = factory.LazyAttributeSequence(lambda card, n: card_number(card.card_type, n))
    customer = factory.SubFactory(CustomerFactory)
    status = Card.Status.ACTIVE
    assigned_at = factory.LazyFunction(timezone.now)

    class Params:
        stock = factory.Trait(customer=None, status=Card.Status.STOCK, assigned_at=None)
