"""Which points a basket earns: rule specificity, conditions, kinds of rules, excluded customer
groups, tiers, rounding, and earning on the money part of a receipt partly paid with points."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from loyalty.models import EarnedLine, EarningRule, PointsAccount, PointsEntry, Programme, Tier
from loyalty.selectors.earning import BasketLine, points_quote
from loyalty.services.ledger import account_lock, entry_write
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import Store
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register

TALLINN = ZoneInfo("Europe/Tallinn")
# A Monday at noon, in the past (sales may not be dated in the future).
MONDAY = datetime.datetime(2025, 6, 2, 12, 0, tzinfo=TALLINN)


def _rule(name: str, kind: str = EarningRule.Kind.MULTIPLIER, *, stores=(), customer_groups=(), **fields):
    if kind == EarningRule.Kind.MULTIPLIER:
        fields.setdefault("multiplier", Decimal("2"))
    rule = EarningRule.objects.create(name=name, kind=kind, **fields)
    rule.stores.set(stores)
    rule.customer_groups.set(customer_groups)
    return rule


def _quote(shop, shop_customer, *lines, customer=None, store=None, when=MONDAY):
    return points_quote(
        customer=customer or shop_customer,
        store=store or shop.store,
        lines=[
            BasketLine(product=product, quantity=Decimal(quantity), amount=Decimal(amount))
            for product, quantity, amount in lines
        ],
        when=when,
    )


def _programme(**fields) -> None:
    Programme.objects.filter(pk=1).update(**fields)


# --- specificity --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_most_specific_rule_wins_product_then_group_then_parent_group_then_every_product(
    alpha, shop, shop_customer, loyalty_programme
):
    with tenant_context(alpha.tenant):
        every = _rule("Every product ×2", multiplier=Decimal("2"))
        drinks = _rule("Drinks ×3", product_group=shop.drinks, multiplier=Decimal("3"))
        tea = _rule("Tea ×4", product_group=shop.tea_group, multiplier=Decimal("4"))
        green = _rule("Green tea ×5", product=shop.tea, multiplier=Decimal("5"))
        tea_line = (shop.tea, "1", "4.00")

        for expected_rule, expected_points in ((green, 20), (tea, 16), (drinks, 12), (every, 8)):
            quote = _quote(shop, shop_customer, tea_line)
            assert quote.lines[0].rule == expected_rule
            assert quote.total == expected_points
            assert quote.lines[0].explanation == f"{expected_rule.name}: × {expected_rule.multiplier.normalize()}"
            EarningRule.objects.filter(pk=expected_rule.pk).update(is_active=False)

        quote = _quote(shop, shop_customer, tea_line)
        assert (quote.lines[0].rule, quote.total, quote.lines[0].explanation) == (None, 4, "1 points per unit")


@pytest.mark.django_db
def test_a_product_outside_the_groups_gets_the_every_product_rule(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _rule("Tea ×4", product_group=shop.tea_group, multiplier=Decimal("4"))
        every = _rule("Every product ×2")
        quote = _quote(shop, shop_customer, (shop.cup, "1", "10.00"), (shop.tea, "1", "4.00"))
        assert [line.rule for line in quote.lines] == [every, EarningRule.objects.get(name="Tea ×4")]
        assert [line.points for line in quote.lines] == [Decimal("20.0000"), Decimal("16.0000")]
        assert quote.total == 36


@pytest.mark.django_db
def test_a_more_specific_rule_whose_condition_fails_gives_way_and_says_why(
    alpha, shop, shop_customer, loyalty_programme
):
    with tenant_context(alpha.tenant):
        _rule("Tea weekends ×4", product_group=shop.tea_group, multiplier=Decimal("4"), weekdays=[6, 7])
        drinks = _rule("Drinks ×3", product_group=shop.drinks, multiplier=Decimal("3"))
        quote = _quote(shop, shop_customer, (shop.tea, "1", "4.00"))
        assert quote.lines[0].rule == drinks
        assert quote.total == 12
        assert quote.lines[0].explanation == "Drinks ×3: × 3 (Tea weekends ×4: not on this day of the week)"


# --- conditions ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_minimum_receipt_amount_counts_the_whole_receipt(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        rule = _rule("Big baskets ×2", min_receipt_amount=Decimal("20.00"))
        cup, tea = shop.cup, shop.tea
        below = _quote(shop, shop_customer, (cup, "1", "10.00"), (tea, "2", "8.00"))
        assert below.total == 18
        assert below.lines[0].rule is None
        assert "Big baskets ×2: receipt below 20.00" in below.lines[0].explanation
        reached = _quote(shop, shop_customer, (cup, "1", "10.00"), (tea, "2.5", "10.00"))
        assert [line.rule for line in reached.lines] == [rule, rule]
        assert reached.total == 40


@pytest.mark.django_db
def test_a_store_condition(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        other = Store.objects.create(name="Tartu", code="TRT")
        _rule("Tartu ×3", multiplier=Decimal("3"), stores=[other])
        cup_line = (shop.cup, "1", "10.00")
        assert _quote(shop, shop_customer, cup_line, store=other).total == 30
        at_tallinn = _quote(shop, shop_customer, cup_line)
        assert at_tallinn.total == 10
        assert "Tartu ×3: not at this store" in at_tallinn.lines[0].explanation


@pytest.mark.django_db
def test_a_customer_group_condition_includes_its_sub_groups(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        friends = CustomerGroup.objects.create(name="Friends")
        close_friends = CustomerGroup.objects.create(name="Close friends", parent=friends)
        others = CustomerGroup.objects.create(name="Others")
        _rule("Friends ×2", customer_groups=[friends])
        cup_line = (shop.cup, "1", "10.00")
        for group, expected in ((friends, 20), (close_friends, 20), (others, 10), (None, 10)):
            customer = Customer.objects.create(
                first_name="Test", last_name=str(group), status="introduced", group=group
            )
            assert _quote(shop, shop_customer, cup_line, customer=customer).total == expected, group
        customer = Customer.objects.create(first_name="Ott", last_name="Other", status="introduced", group=others)
        assert (
            "Friends ×2: not for the customer's group"
            in _quote(shop, shop_customer, cup_line, customer=customer).lines[0].explanation
        )


@pytest.mark.django_db
def test_a_period_of_validity_includes_both_ends(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _rule("June ×2", valid_from=datetime.date(2025, 6, 1), valid_until=datetime.date(2025, 6, 30))
        cup_line = (shop.cup, "1", "10.00")
        for day, expected in (((5, 31), 10), ((6, 1), 20), ((6, 30), 20), ((7, 1), 10)):
            when = datetime.datetime(2025, *day, 23, 30, tzinfo=TALLINN)
            assert _quote(shop, shop_customer, cup_line, when=when).total == expected, day
        assert (
            "June ×2: starts on 2025-06-01"
            in _quote(shop, shop_customer, cup_line, when=datetime.datetime(2025, 5, 31, 23, 59, tzinfo=TALLINN))
            .lines[0]
            .explanation
        )
        assert (
            "June ×2: ended on 2025-06-30"
            in _quote(shop, shop_customer, cup_line, when=datetime.datetime(2025, 7, 1, 0, 1, tzinfo=TALLINN))
            .lines[0]
            .explanation
        )


@pytest.mark.django_db
def test_days_of_the_week_in_the_shops_time_zone(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _rule("Mondays ×2", weekdays=[1])
        cup_line = (shop.cup, "1", "10.00")
        assert _quote(shop, shop_customer, cup_line, when=MONDAY).total == 20
        assert _quote(shop, shop_customer, cup_line, when=MONDAY + datetime.timedelta(days=1)).total == 10
        # 23:30 UTC on Sunday is already Monday in Tallinn.
        sunday_utc = datetime.datetime(2025, 6, 1, 23, 30, tzinfo=datetime.UTC)
        assert _quote(shop, shop_customer, cup_line, when=sunday_utc).total == 20


# --- kinds of rules -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_multiplier_fixed_per_item_and_excluded(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _rule("Tea ×1.5", product_group=shop.tea_group, multiplier=Decimal("1.5"))
        _rule("Cup 7 per item", EarningRule.Kind.FIXED, product=shop.cup, fixed_points=7)
        quote = _quote(shop, shop_customer, (shop.tea, "3", "12.00"), (shop.cup, "3", "30.00"))
        assert [line.points for line in quote.lines] == [Decimal("18.0000"), Decimal("21.0000")]
        assert [line.explanation for line in quote.lines] == ["Tea ×1.5: × 1.5", "Cup 7 per item: 7 points per item"]
        assert quote.total == 39

        _rule("No cups", EarningRule.Kind.EXCLUDED, product=shop.cup)
        EarningRule.objects.filter(name="Cup 7 per item").update(is_active=False)
        quote = _quote(shop, shop_customer, (shop.tea, "3", "12.00"), (shop.cup, "3", "30.00"))
        assert [line.points for line in quote.lines] == [Decimal("18.0000"), Decimal("0.0000")]
        assert quote.lines[1].explanation == "No cups: earns nothing"
        assert quote.total == 18


@pytest.mark.django_db
def test_a_sale_records_the_rule_each_line_earned_by(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        tea_rule = _rule("Tea ×2", product_group=shop.tea_group)
        _rule("No cups", EarningRule.Kind.EXCLUDED, product=shop.cup)
        sale = sale_register(
            store=shop.store,
            customer=shop_customer,
            lines=[LineInput("TEA-1", Decimal("2")), LineInput("CUP-1", Decimal("1"))],
        )
        assert list(EarnedLine.objects.filter(sale_line__document=sale).values_list("rule", "points")) == [
            (tea_rule.pk, Decimal("16.0000"))
        ]
        assert PointsEntry.objects.get(sale=sale, kind="earn").points == 16


# --- who earns ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_groups_that_earn_nothing_include_their_sub_groups(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        staff = CustomerGroup.objects.create(name="Staff")
        interns = CustomerGroup.objects.create(name="Interns", parent=staff)
        Programme.objects.get(pk=1).no_earning_groups.set([staff])
        intern = Customer.objects.create(first_name="Ivo", last_name="Intern", status="introduced", group=interns)
        quote = _quote(shop, shop_customer, (shop.cup, "1", "10.00"), customer=intern)
        assert (quote.total, quote.lines, quote.reason) == (0, [], "The customer's group earns no points.")
        sale_register(store=shop.store, customer=intern, lines=[LineInput("CUP-1", Decimal("1"))])
        assert not PointsEntry.objects.filter(customer=intern).exists()
        assert _quote(shop, shop_customer, (shop.cup, "1", "10.00")).total == 10


@pytest.mark.django_db
def test_no_points_without_a_customer_or_when_the_programme_is_off(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        cup_line = [BasketLine(product=shop.cup, quantity=Decimal("1"), amount=Decimal("10.00"))]
        anonymous = points_quote(customer=None, store=shop.store, lines=cup_line, when=MONDAY)
        assert (anonymous.total, anonymous.reason) == (0, "No customer: a sale earns points only for a known customer.")
        _programme(is_enabled=False)
        off = _quote(shop, shop_customer, (shop.cup, "1", "10.00"))
        assert (off.total, off.reason) == (0, "The loyalty programme is switched off.")


# --- tiers --------------------------------------------------------------------------------------


def _past_sale(shop, customer, amount: str, *, days_ago: int):
    return sale_register(
        store=shop.store,
        customer=customer,
        lines=[LineInput("CUP-1", Decimal("1"), Decimal(amount))],
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        extensions=[LoyaltyAtSale(earns=False)],
    )


@pytest.mark.django_db
def test_tiers_by_spend_over_the_last_twelve_months_less_returns(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _programme(tiers_enabled=True)
        silver = Tier.objects.create(name="Silver", min_spend=Decimal("100.00"), multiplier=Decimal("1.5"))
        gold = Tier.objects.create(name="Gold", min_spend=Decimal("300.00"), multiplier=Decimal("2"))
        customer = shop_customer
        now = timezone.now()
        cup_line = (shop.cup, "1", "10.00")

        _past_sale(shop, customer, "500.00", days_ago=400)  # too long ago
        quote = _quote(shop, shop_customer, cup_line, when=now)
        assert (quote.tier, quote.total) == (None, 10)

        _past_sale(shop, customer, "150.00", days_ago=200)
        quote = _quote(shop, shop_customer, cup_line, when=now)
        assert (quote.tier, quote.total) == (silver, 15)
        assert quote.lines[0].explanation == "1 points per unit · tier Silver × 1.5"

        big = _past_sale(shop, customer, "200.00", days_ago=10)
        assert _quote(shop, shop_customer, cup_line, when=now).tier == gold
        return_register(sale=big, lines=[ReturnLineInput(big.lines.get().pk, Decimal("1"))])
        assert _quote(shop, shop_customer, cup_line, when=now).tier == silver

        # A fixed rule gives its points whatever the tier; a multiplier rule multiplies the tier's.
        _rule("Cup ×2", product=shop.cup)
        assert _quote(shop, shop_customer, cup_line, when=now).total == 30
        EarningRule.objects.filter(name="Cup ×2").update(kind="fixed", fixed_points=4, multiplier=None)
        assert _quote(shop, shop_customer, cup_line, when=now).total == 4

        _programme(tiers_enabled=False)
        quote = _quote(shop, shop_customer, cup_line, when=now)
        assert quote.tier is None


@pytest.mark.django_db
def test_a_sale_does_not_count_towards_its_own_tier(alpha, shop, shop_customer, loyalty_programme):
    """A sale earns by the tier its customer had before it, as the "try it" panel shows."""
    with tenant_context(alpha.tenant):
        _programme(tiers_enabled=True)
        Tier.objects.create(name="Gold", min_spend=Decimal("100.00"), multiplier=Decimal("2"))
        customer = shop_customer
        preview = _quote(shop, shop_customer, (shop.cup, "15", "150.00"), when=timezone.now())
        sale = sale_register(store=shop.store, customer=customer, lines=[LineInput("CUP-1", Decimal("15"))])
        assert preview.total == 150 == PointsEntry.objects.get(sale=sale, kind="earn").points
        # The next one does reach Gold.
        second = sale_register(store=shop.store, customer=customer, lines=[LineInput("CUP-1", Decimal("1"))])
        assert PointsEntry.objects.get(sale=second, kind="earn").points == 20


# --- rounding -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rounding", "amount", "expected"),
    [
        (Programme.Rounding.DOWN, "2.90", 4),  # 4.35 points
        (Programme.Rounding.HALF_UP, "2.90", 4),
        (Programme.Rounding.UP, "2.90", 5),
        (Programme.Rounding.DOWN, "3.00", 4),  # 4.5 points
        (Programme.Rounding.HALF_UP, "3.00", 5),
        (Programme.Rounding.UP, "3.00", 5),
        (Programme.Rounding.UP, "4.00", 6),  # exactly 6
    ],
)
def test_the_receipt_total_is_rounded_once_by_the_programmes_rounding(
    alpha, shop, shop_customer, loyalty_programme, rounding, amount, expected
):
    with tenant_context(alpha.tenant):
        _programme(points_per_unit=Decimal("1.5"), rounding=rounding)
        quote = _quote(shop, shop_customer, (shop.cup, "1", amount))
        assert quote.total == expected


@pytest.mark.django_db
def test_lines_are_added_unrounded_before_the_total_is_rounded(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        _programme(points_per_unit=Decimal("1.5"), rounding=Programme.Rounding.DOWN)
        # Each line earns 1.5; rounded one by one they would make 3, together they make 4.
        lines = [(shop.cup, "1", "1.00")] * 3
        quote = _quote(shop, shop_customer, *lines)
        assert [line.points for line in quote.lines] == [Decimal("1.5000")] * 3
        assert quote.total == 4


# --- points paying part of a receipt ------------------------------------------------------------


@pytest.mark.django_db
def test_a_receipt_partly_paid_with_points_earns_only_on_the_money_part(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        account = account_lock(customer.pk)
        entry_write(account=account, kind=PointsEntry.Kind.OPENING, points=500, source=PointsEntry.Source.IMPORT)
        _rule("Tea ×2", product_group=shop.tea_group)
        sale = sale_register(
            store=shop.store,
            customer=customer,
            # 10.00 for the cup and 10.00 for the tea: 5.00 of the 20.00 paid with 500 points.
            lines=[LineInput("CUP-1", Decimal("1")), LineInput("TEA-1", Decimal("2.5"))],
            extensions=[LoyaltyAtSale(points_to_redeem=500)],
        )
        entries = list(
            PointsEntry.objects.filter(sale=sale).order_by("pk").values_list("kind", "points", "money_value")
        )
        # Three quarters of each line is paid in money: 7.50 × 1 + 7.50 × 2 = 22.5, rounded down.
        assert entries == [("redeem", -500, Decimal("5.00")), ("earn", 22, None)]
        assert PointsAccount.objects.get(pk=customer.pk).balance == 22
        assert sorted(EarnedLine.objects.filter(sale_line__document=sale).values_list("points", flat=True)) == [
            Decimal("7.5000"),
            Decimal("15.0000"),
        ]


@pytest.mark.django_db
def test_a_fixed_rule_on_a_receipt_partly_paid_with_points_gives_its_share(
    alpha, shop, shop_customer, loyalty_programme
):
    with tenant_context(alpha.tenant):
        customer = shop_customer
        entry_write(
            account=account_lock(customer.pk),
            kind=PointsEntry.Kind.OPENING,
            points=200,
            source=PointsEntry.Source.IMPORT,
        )
        _rule("Cup 10 per item", EarningRule.Kind.FIXED, product=shop.cup, fixed_points=10)
        sale = sale_register(
            store=shop.store,
            customer=customer,
            lines=[LineInput("CUP-1", Decimal("1"))],
            extensions=[LoyaltyAtSale(points_to_redeem=200)],  # 2.00 of 10.00
        )
        assert PointsEntry.objects.get(sale=sale, kind="earn").points == 8
