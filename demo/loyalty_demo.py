"""The demo retailer's loyalty programme, cards and points.

Set up before the demo's sales are registered (`demo_loyalty_create`), so that every sale earns
and every return takes back its points through the real sale path (loyalty's steps of
sales.registry), and some receipts pay with points (`DemoLoyalty.points_to_redeem`); finished
after them (`demo_loyalty_finish`). Deterministic for a seed, like the rest of the demo.

What it makes:
- the programme: 1 point per euro (rounded down), a point pays 0.01 €, at most 50 % of a receipt;
  points expire after 24 months; welcome bonus 50, birthday bonus 100; a return stops at zero
  (CAP); the Wholesale group earns nothing; tiers Silver (from 300 € in 12 months, × 1.25) and
  Gold (from 1,000 €, × 1.5);
- earning rules: double points on coffee, no points on alcohol (Estonian and German shops do not
  reward alcohol), triple points on gift boxes last Advent, × 1.5 at weekends;
- card types: a bonus card (EAN-13, the retailer's in-store prefix 2900 and range 1), a 10 %
  discount card, a 25 € gift card and a 5 € coupon valid 60 days, each with a batch of stock;
- a bonus card for about 85 % of the people who shop (not businesses nor their contacts), given
  when they became members, each with the welcome bonus; a third of the members from before the
  programme moved here two years ago brought an opening balance from the old card system, which
  expired after 24 months (today's expiry run takes what they did not spend); a few cards lost
  and replaced, a few blocked; discount cards for the VIP group, some gift cards and coupons;
- after the sales: the expiry run of today, a few manual adjustments by the admin with their
  reasons, and today's birthday bonuses.

Speed: the cards, their events and the first ledger entries (opening balances, welcome bonuses)
are written in bulk, in each customer's order so that every entry's balance_after is what the
ledger's insert trigger computes; what happens to single cards and accounts later goes through
the services (card_replace, card_block, card_assign, points_adjust and the scheduled jobs).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerGroup
from demo.sales_demo import DAYS, DemoCatalogue, PlannedSale
from loyalty.models import (
    Card,
    CardEvent,
    CardType,
    EarningRule,
    PointsAccount,
    PointsEntry,
    Programme,
    Symbology,
    Tier,
)
from loyalty.services.cards import card_assign, card_batch_generate, card_block, card_replace
from loyalty.services.jobs import birthday_bonuses_give, points_expire_all
from loyalty.services.ledger import points_adjust
from sales.models import ProductGroup, SalesDocument
from staff.models import User

WELCOME_BONUS = 50
EXPIRY_MONTHS = 24
CARD_SHARE = 0.85
# Of the card holders' receipts, this share tries to pay with points (when the balance allows).
REDEEM_SHARE = 0.15
# A redemption takes at most this share of the receipt at list prices: price lists take up to
# 15 % off, so it stays within the programme's 50 % of what the receipt costs.
REDEEM_LIST_SHARE = Decimal("0.40")
ALCOHOL = (
    "Prosecco DOC 750 ml",
    "Rioja Crianza 750 ml",
    "Riesling Mosel 750 ml",
    "Estonian apple cider 500 ml",
    "Mulled wine 750 ml",
    "Craft lager 500 ml",
)
ADJUSTMENTS = (
    (150, "Goodwill: the order was two days late"),
    (200, "Goodwill: damaged gift box replaced"),
    (100, "Points of a receipt the till did not send (paper receipt shown)"),
    (250, "Winner of the coffee tasting evening"),
    (80, "Points of a receipt registered without the card"),
    (-60, "Correction: a receipt was registered twice"),
    (-40, "Correction: points given by mistake"),
    (-100, "Correction: returned goods paid in cash"),
)


@dataclass
class DemoLoyalty:
    """What the sales and the finishing touches need to know of the set-up."""

    rng: random.Random
    admin: User | None
    holders: set[int]
    list_prices: dict[str, Decimal]
    point_value: Decimal
    stock: dict[str, list[str]] = field(default_factory=dict)

    def points_to_redeem(self, sale: PlannedSale) -> int:
        """Points a card holder pays part of a receipt with, now and then, when the balance allows
        (a round number, at least 100, within the programme's share of the receipt)."""
        if sale.customer is None or sale.kind != SalesDocument.Kind.RECEIPT or sale.customer.pk not in self.holders:
            return 0
        if self.rng.random() >= REDEEM_SHARE:
            return 0
        balance = PointsAccount.objects.filter(pk=sale.customer.pk).values_list("balance", flat=True).first() or 0
        list_total = sum((self.list_prices[line.product] * line.quantity for line in sale.lines), Decimal("0"))
        allowed = int(list_total * REDEEM_LIST_SHARE / self.point_value)
        points = min(balance, allowed) // 50 * 50
        return points if points >= 100 else 0


def _programme_create(today: datetime.date) -> Programme:
    wholesale = CustomerGroup.objects.filter(name="Wholesale", parent=None).first()
    programme, _created = Programme.objects.update_or_create(
        pk=1,
        defaults={
            "is_enabled": True,
            "points_per_unit": Decimal("1"),
            "rounding": Programme.Rounding.DOWN,
            "point_value": Decimal("0.01"),
            "max_redeem_percent": Decimal("50"),
            "expiry_months": EXPIRY_MONTHS,
            "welcome_bonus": WELCOME_BONUS,
            "birthday_bonus": 100,
            "negative_policy": Programme.NegativePolicy.CAP,
            "adjustment_cap": 1000,
            "tiers_enabled": True,
        },
    )
    if wholesale is not None:
        programme.no_earning_groups.set([wholesale])
    Tier.objects.create(name="Silver", min_spend=Decimal("300"), multiplier=Decimal("1.25"))
    Tier.objects.create(name="Gold", min_spend=Decimal("1000"), multiplier=Decimal("1.5"))
    programme.refresh_from_db()
    return programme


def _rules_create(catalogue: DemoCatalogue, today: datetime.date) -> None:
    groups = {group.name: group for group in ProductGroup.objects.all()}
    products = {product.name: product for product in catalogue.products}
    advent = datetime.date(today.year if today.month == 12 and today.day > 24 else today.year - 1, 12, 1)
    rules = [
        EarningRule(
            name="Double points on coffee",
            kind=EarningRule.Kind.MULTIPLIER,
            multiplier=Decimal("2"),
            product_group=groups["Coffee"],
        ),
        EarningRule(
            name="Triple points on gift boxes in Advent",
            kind=EarningRule.Kind.MULTIPLIER,
            multiplier=Decimal("3"),
            product_group=groups["Gift Boxes"],
            valid_from=advent,
            valid_until=advent.replace(day=24),
        ),
        EarningRule(
            name="Weekend points × 1.5",
            kind=EarningRule.Kind.MULTIPLIER,
            multiplier=Decimal("1.5"),
            weekdays=[6, 7],
        ),
        *(
            EarningRule(name=f"No points on alcohol: {name}", kind=EarningRule.Kind.EXCLUDED, product=products[name])
            for name in ALCOHOL
        ),
    ]
    EarningRule.objects.bulk_create(rules)


def _card_types_create() -> dict[str, CardType]:
    return {
        "bonus": CardType.objects.create(name="Bonus card", kind=CardType.Kind.BONUS, prefix="29001"),
        "discount": CardType.objects.create(
            name="Discount card 10 %", kind=CardType.Kind.DISCOUNT, prefix="29002", discount_percent=Decimal("10")
        ),
        "gift": CardType.objects.create(
            name="Gift card 25 €", kind=CardType.Kind.GIFT, prefix="29003", gift_value=Decimal("25")
        ),
        "coupon": CardType.objects.create(
            name="Coupon 5 €",
            kind=CardType.Kind.COUPON,
            symbology=Symbology.CODE128,
            prefix="90005",
            coupon_amount=Decimal("5"),
            valid_days=60,
        ),
    }


def _member_since(customer: Customer, today: datetime.date) -> datetime.date:
    text = (customer.properties or {}).get("member_since")
    try:
        return min(datetime.date.fromisoformat(text), today) if text else today
    except ValueError:
        return today


def _cards_give(
    *, card_type: CardType, customers: list[Customer], admin, today: datetime.date, spare: int
) -> list[str]:
    """A new batch of the type, a card of it for each customer (assigned when they became members,
    as card_assign would: active, with its event), `spare` more left in stock; returns the numbers
    in stock."""
    batch = card_batch_generate(card_type=card_type, quantity=len(customers) + spare, acting_user=admin)
    cards = list(Card.objects.filter(batch=batch).order_by("number").only("pk", "number"))
    zone = timezone.get_current_timezone()
    given = list(zip(cards, customers, strict=False))
    # One UPDATE from arrays: bulk_update's CASE per row takes seconds for a few thousand cards.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Card._meta.db_table)} AS card"
            " SET customer_id = given.customer_id, status = %s, assigned_at = given.assigned_at"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS given(id, customer_id, assigned_at)"
            " WHERE card.id = given.id",
            [
                Card.Status.ACTIVE,
                [card.pk for card, _customer in given],
                [customer.pk for _card, customer in given],
                [
                    datetime.datetime.combine(_member_since(customer, today), datetime.time(12), tzinfo=zone)
                    for _card, customer in given
                ],
            ],
        )
    CardEvent.objects.bulk_create(
        [
            CardEvent(card=card, customer=customer, kind=CardEvent.Kind.ASSIGNED, author=admin)
            for card, customer in given
        ],
        batch_size=1000,
    )
    return [card.number for card in cards[len(given) :]]


def _bonus_cards_give(
    *, rng: random.Random, people: list[Customer], card_type: CardType, admin, today: datetime.date
) -> tuple[set[int], list[str]]:
    """Bonus cards for about 85 % of the people, each with the welcome bonus, some with an opening
    balance from the old system first; returns the holders and the cards left in stock."""
    holders = [customer for customer in people if rng.random() < CARD_SHARE]
    stock = _cards_give(card_type=card_type, customers=holders, admin=admin, today=today, spare=200)

    # Members from before the move brought their points; the opening balances expired 24 months
    # after the move. Then the welcome bonus of the new card. Each customer's entries in order.
    moved_on = today - datetime.timedelta(days=DAYS)
    opening_expires = min(moved_on + relativedelta(months=EXPIRY_MONTHS), today) - datetime.timedelta(days=1)
    welcome_expires = today + relativedelta(months=EXPIRY_MONTHS)
    entries = []
    for customer in holders:
        balance = 0
        if _member_since(customer, today) < moved_on and rng.random() < 0.33:
            balance = rng.randrange(100, 800, 10)
            entries.append(
                PointsEntry(
                    customer=customer,
                    kind=PointsEntry.Kind.OPENING,
                    points=balance,
                    balance_after=balance,
                    source=PointsEntry.Source.IMPORT,
                    reason=_("Opening balance imported from “%(name)s”") % {"name": "old-card-system.xlsx"},
                    author=admin,
                    once_key="opening",
                    expires_on=opening_expires,
                )
            )
        entries.append(
            PointsEntry(
                customer=customer,
                kind=PointsEntry.Kind.BONUS,
                points=WELCOME_BONUS,
                balance_after=balance + WELCOME_BONUS,
                source=PointsEntry.Source.BACK_OFFICE,
                reason=_("Welcome bonus"),
                once_key="welcome",
                expires_on=welcome_expires,
            )
        )
    PointsEntry.objects.bulk_create(entries, batch_size=1000)
    return {customer.pk for customer in holders}, stock


def _cards_life(*, rng: random.Random, holders: set[int], stock: list[str], admin) -> None:
    """A few lost cards replaced by a new one, a few blocked (through the services, with events)."""
    active = list(
        Card.objects.filter(customer_id__in=holders, status=Card.Status.ACTIVE)
        .select_related("customer")
        .order_by("pk")
    )
    chosen = rng.sample(active, 20)
    for card in chosen[:12]:
        card_replace(
            card=card, number=stock.pop(0), acting_user=admin, reason=rng.choice(("Lost", "Damaged", "Stolen"))
        )
    for card in chosen[12:]:
        card_block(card=card, acting_user=admin, reason=rng.choice(("Reported stolen", "Suspicious use")))


def demo_loyalty_create(*, catalogue: DemoCatalogue, seed: int = 2026) -> DemoLoyalty:
    """Set up the programme, its rules and tiers, the card types with stock, and the customers'
    cards and first points, in the current schema; before the demo's sales."""
    rng = random.Random(seed + 1)
    today = timezone.localdate()
    admin = User.objects.filter(username="admin").first()
    programme = _programme_create(today)
    _rules_create(catalogue, today)
    types = _card_types_create()
    people = list(
        Customer.objects.filter(kind=Customer.Kind.PERSON, company__isnull=True).select_related("group").order_by("pk")
    )
    holders, stock = _bonus_cards_give(rng=rng, people=people, card_type=types["bonus"], admin=admin, today=today)
    _cards_life(rng=rng, holders=holders, stock=stock, admin=admin)

    vip = [customer for customer in people if customer.group is not None and customer.group.name == "VIP"]
    _cards_give(card_type=types["discount"], customers=vip, admin=admin, today=today, spare=50)
    gift = card_batch_generate(card_type=types["gift"], quantity=60, acting_user=admin)
    coupon = card_batch_generate(card_type=types["coupon"], quantity=200, acting_user=admin)
    numbers = {
        batch: list(Card.objects.filter(batch=batch).order_by("number").values_list("number", flat=True))
        for batch in (gift, coupon)
    }
    # A few gift cards sold and coupons handed out at the till, through the card service.
    for batch, count in ((gift, 12), (coupon, 25)):
        for customer, number in zip(rng.sample(people, count), numbers[batch], strict=False):
            card_assign(customer=customer, number=number, acting_user=admin)
    return DemoLoyalty(
        rng=rng,
        admin=admin,
        holders=holders,
        list_prices={product.sku: product.list_price for product in catalogue.products},
        point_value=programme.point_value,
        stock={"bonus": stock},
    )


def demo_loyalty_finish(loyalty: DemoLoyalty) -> None:
    """After the sales: today's expiry run, a few manual adjustments, today's birthday bonuses."""
    today = timezone.localdate()
    points_expire_all(today=today)
    rng = loyalty.rng
    balances = dict(
        PointsAccount.objects.filter(pk__in=loyalty.holders, balance__gte=200)
        .order_by("pk")
        .values_list("customer_id", "balance")
    )
    customers = Customer.objects.in_bulk(rng.sample(sorted(balances), min(len(ADJUSTMENTS), len(balances))))
    for (points, reason), customer in zip(ADJUSTMENTS, customers.values(), strict=False):
        points_adjust(customer=customer, points=points, reason=reason, acting_user=loyalty.admin)
    birthday_bonuses_give(today=today)
