"""The points ledger under random sequences of everything that moves points (Hypothesis stateful).

A rule-based state machine registers sales (some paying with points, some from a till with a
client id), partial and full returns, manual adjustments, expiry runs on an advancing day and
replays of till sales, on one customer per example. The test keeps its own model of the account,
computed from the programme's rules as written in the docstrings (loyalty/selectors/earning.py,
sale_points.py, jobs.py), and after every step checks: the account's balance equals the sum of
its entries equals the model's balance; under the CAP policy no balance is ever below zero, under
ALLOW only a return taking back spent points takes it below zero. Every refused operation (a
redemption beyond the balance or the allowed share, an adjustment beyond the cap or the balance,
a replayed sale) must leave everything as it was.

It runs inside the `db` fixture's transaction: each example works in a savepoint of its own,
rolled back when the example ends (ledger entries cannot be deleted otherwise).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from customers.models import Customer
from loyalty.models import EarnedLine, PointsAccount, PointsEntry, Programme
from loyalty.services.jobs import customer_points_expire
from loyalty.services.ledger import points_adjust
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import Product, Return, SalesDocument, Terminal
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from staff.models import User

CENT = Decimal("0.01")
POINT_VALUE = Decimal("0.01")
REDEEM_PERCENT = Decimal("50")
EXPIRY_MONTHS = 12
ADJUSTMENT_CAP = 1000
PRICES = [Decimal(price) for price in ("0.99", "1.50", "4.00", "9.95", "23.45")]
SKUS = ["SM-1", "SM-2", "SM-3"]

SETTINGS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@dataclass
class ModelLine:
    pk: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    # The unrounded points the line earned (its EarnedLine), None when it earned none.
    points: Decimal | None
    returned: int = 0

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned


@dataclass
class ModelSale:
    document: SalesDocument
    lines: list[ModelLine]
    total: Decimal
    earned: int
    redeemed: int
    restored: int = 0
    taken_back: int = 0
    shortfall: int = 0
    returned_total: Decimal = Decimal("0")

    @property
    def is_returnable(self) -> bool:
        return any(line.returnable for line in self.lines)


@dataclass
class World:
    """What every example shares: made once in the test function, before the machine runs."""

    policy: str
    store: object
    terminal: Terminal
    admin: User
    today: datetime.date
    client_ids: list[str] = field(default_factory=list)


def _share(whole: int, part: Decimal, of: Decimal) -> int:
    if of <= 0 or whole == 0:
        return 0
    if part >= of:
        return whole
    return int((Decimal(whole) * part / of).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _expires(day: datetime.date) -> datetime.date:
    return day + relativedelta(months=EXPIRY_MONTHS)


class LedgerMachine(RuleBasedStateMachine):
    world: World

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.customer = Customer.objects.create(first_name="State", last_name="Machine", status="introduced")
        # The model: the balance, every credit with its expiry day, the sum of the debits.
        self.balance = 0
        self.credits: list[tuple[datetime.date | None, int]] = []
        self.debits = 0
        self.sales: list[ModelSale] = []
        self.client_ids: list[str] = []
        # The day the expiry job runs as; it only moves on.
        self.day = self.world.today - datetime.timedelta(days=100)

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # -- helpers --

    def snapshot(self) -> tuple:
        return (
            PointsAccount.objects.filter(pk=self.customer.pk).values_list("balance", flat=True).first(),
            PointsEntry.objects.filter(customer=self.customer).count(),
            SalesDocument.objects.filter(customer=self.customer).count(),
            EarnedLine.objects.filter(sale_line__document__customer=self.customer).count(),
            Return.objects.filter(customer=self.customer).count(),
        )

    def last_entry_pk(self) -> int:
        return (
            PointsEntry.objects.filter(customer=self.customer).order_by("-pk").values_list("pk", flat=True).first() or 0
        )

    def entries_since(self, pk: int) -> list[tuple]:
        return list(
            PointsEntry.objects.filter(customer=self.customer, pk__gt=pk)
            .order_by("pk")
            .values_list("kind", "points", "shortfall")
        )

    def due(self, on: datetime.date) -> int:
        credits = sum(points for expires_on, points in self.credits if expires_on is not None and expires_on <= on)
        return max(0, credits + self.debits)

    def credit(self, points: int, *, expires_on: datetime.date) -> None:
        self.balance += points
        self.credits.append((expires_on, points))

    def debit(self, points: int) -> None:
        self.balance -= points
        self.debits -= points

    def redeem_refused(self, points: int, total: Decimal) -> bool:
        if points == 0:
            return False
        if points > self.balance:
            return True
        allowed = max(0, min(self.balance, self.allowed_by_share(total))) if self.balance > 0 else 0
        return points > allowed

    @staticmethod
    def allowed_by_share(total: Decimal) -> int:
        """The most points the programme's share of the receipt allows."""
        allowed_value = (total * REDEEM_PERCENT / 100).quantize(CENT)
        return int((allowed_value / POINT_VALUE).to_integral_value(rounding=ROUND_FLOOR))

    # -- rules --

    @rule(
        lines=st.lists(
            st.tuples(st.sampled_from(SKUS), st.integers(1, 4), st.sampled_from(PRICES)),
            min_size=1,
            max_size=3,
            unique_by=lambda line: line[0],
        ),
        days_ago=st.integers(0, 700),
        from_till=st.booleans(),
        data=st.data(),
    )
    def sell(self, lines, days_ago, from_till, data):
        occurred_at = timezone.now() - datetime.timedelta(days=days_ago, minutes=1)
        totals = [(unit_price * quantity).quantize(CENT) for _sku, quantity, unit_price in lines]
        total = sum(totals, Decimal("0"))
        # No points, points the receipt allows (when there are any), or any number up to well
        # beyond the balance (mostly refused).
        allowed = max(1, min(self.balance, self.allowed_by_share(total)))
        redeem = data.draw(
            st.one_of(st.just(0), st.integers(1, allowed), st.integers(1, max(self.balance, 0) + 200)), label="redeem"
        )
        client_id = f"sale-{len(self.world.client_ids) + 1}" if from_till else None
        before, last = self.snapshot(), self.last_entry_pk()

        def register():
            return sale_register(
                store=self.world.store,
                customer=self.customer,
                lines=[LineInput(sku, Decimal(quantity), unit_price) for sku, quantity, unit_price in lines],
                occurred_at=occurred_at,
                terminal=self.world.terminal if from_till else None,
                client_id=client_id,
                extensions=[LoyaltyAtSale(points_to_redeem=redeem)],
            )

        if self.redeem_refused(redeem, total):
            with pytest.raises(ValidationError):
                register()
            assert self.snapshot() == before
            return
        document = register()
        if client_id:
            self.world.client_ids.append(client_id)
            self.client_ids.append(client_id)
        # What the sale must earn, as earning.py says: each line's amount less its share of what
        # points paid, times the rate (1 point per unit), unrounded; the receipt's sum rounded down.
        value = (POINT_VALUE * redeem).quantize(CENT)
        share = max(Decimal("0"), (total - value) / total) if value and total > 0 else Decimal("1")
        points = [
            max(amount * share * Decimal("1.000") * Decimal("1"), 0).quantize(Decimal("0.0001")) for amount in totals
        ]
        earned = int(sum(points, Decimal("0")).quantize(Decimal("1"), rounding=ROUND_FLOOR))
        expected = []
        if redeem:
            self.debit(redeem)
            expected.append(("redeem", -redeem, 0))
        if earned > 0:
            self.credit(earned, expires_on=_expires(timezone.localtime(occurred_at).date()))
            expected.append(("earn", earned, 0))
        assert self.entries_since(last) == expected
        sale_lines = list(document.lines.order_by("pk"))
        self.sales.append(
            ModelSale(
                document=document,
                lines=[
                    ModelLine(
                        pk=sale_line.pk,
                        quantity=quantity,
                        unit_price=unit_price,
                        line_total=line_total,
                        points=line_points if earned > 0 and line_points > 0 else None,
                    )
                    for sale_line, (_sku, quantity, unit_price), line_total, line_points in zip(
                        sale_lines, lines, totals, points, strict=True
                    )
                ],
                total=total,
                earned=earned,
                redeemed=redeem,
            )
        )

    @precondition(lambda self: any(sale.is_returnable for sale in self.sales))
    @rule(whole=st.booleans(), data=st.data())
    def give_back(self, whole, data):
        sale = data.draw(st.sampled_from([sale for sale in self.sales if sale.is_returnable]), label="sale")
        wanted = {}
        for line in sale.lines:
            if line.returnable:
                wanted[line.pk] = line.returnable if whole else data.draw(st.integers(0, line.returnable))
        if not any(wanted.values()):
            first = next(line for line in sale.lines if line.returnable)
            wanted[first.pk] = 1
        last = self.last_entry_pk()
        return_register(
            sale=sale.document,
            lines=[ReturnLineInput(pk, Decimal(quantity)) for pk, quantity in wanted.items() if quantity],
        )
        for line in sale.lines:
            quantity = wanted.get(line.pk, 0)
            if not quantity:
                continue
            if quantity == line.returnable:
                amount = line.line_total - (line.unit_price * line.returned).quantize(CENT)
            else:
                amount = (line.unit_price * quantity).quantize(CENT)
            sale.returned_total += amount
            line.returned += quantity
        expected = []
        # Redeemed points come back in proportion to the money returned (over all returns so far).
        give = _share(sale.redeemed, sale.returned_total, sale.total) - sale.restored if sale.redeemed else 0
        if give > 0:
            sale.restored += give
            self.credit(give, expires_on=_expires(timezone.localdate()))
            expected.append(("restore", give, 0))
        # Earned points go back in proportion to the earning lines' quantity returned.
        if sale.earned:
            earning = [line for line in sale.lines if line.points is not None]
            line_points = sum((line.points for line in earning), Decimal("0"))
            returned_points = sum(
                (line.points * Decimal(line.returned) / Decimal(line.quantity) for line in earning), Decimal("0")
            )
            take = _share(sale.earned, returned_points, line_points) - sale.taken_back - sale.shortfall
            if take > 0:
                shortfall = 0
                if self.world.policy == Programme.NegativePolicy.CAP and take > max(self.balance, 0):
                    shortfall = take - max(self.balance, 0)
                    take = max(self.balance, 0)
                sale.taken_back += take
                sale.shortfall += shortfall
                self.debit(take)
                expected.append(("reverse", -take, shortfall))
        assert self.entries_since(last) == expected

    @rule(data=st.data())
    def adjust(self, data):
        # Mostly within the cap and the balance, sometimes beyond either (refused).
        choices = [st.integers(1, 300), st.integers(-max(self.balance, 0) - 20, -1), st.integers(-1500, 1500)]
        if 0 < self.balance <= ADJUSTMENT_CAP:
            choices.append(st.just(-self.balance))  # all of it: a later return finds its points spent
        points = data.draw(st.one_of(choices), label="points")
        before, last = self.snapshot(), self.last_entry_pk()
        refused = points == 0 or abs(points) > ADJUSTMENT_CAP or (points < 0 and self.balance + points < 0)
        if refused:
            with pytest.raises(ValidationError):
                points_adjust(
                    customer=self.customer, points=points, reason="Stateful test", acting_user=self.world.admin
                )
            assert self.snapshot() == before
            return
        points_adjust(customer=self.customer, points=points, reason="Stateful test", acting_user=self.world.admin)
        if points > 0:
            self.credit(points, expires_on=_expires(timezone.localdate()))
        else:
            self.debit(-points)
        assert self.entries_since(last) == [("adjust", points, 0)]

    @rule(days=st.integers(0, 90))
    def expire(self, days):
        self.day += datetime.timedelta(days=days)
        due = min(self.due(self.day), max(self.balance, 0))
        entry = customer_points_expire(customer_id=self.customer.pk, today=self.day)
        if due <= 0:
            assert entry is None
            return
        assert (entry.kind, entry.points) == ("expire", -due)
        self.debit(due)

    @precondition(lambda self: self.client_ids)
    @rule(data=st.data())
    def replay(self, data):
        client_id = data.draw(st.sampled_from(self.client_ids), label="client id")
        before = self.snapshot()
        with pytest.raises(IntegrityError):
            sale_register(
                store=self.world.store,
                customer=self.customer,
                lines=[LineInput(SKUS[0], Decimal("1"))],
                terminal=self.world.terminal,
                client_id=client_id,
            )
        assert self.snapshot() == before

    # -- after every step --

    @invariant()
    def ledger_is_consistent(self):
        account = PointsAccount.objects.filter(pk=self.customer.pk).values_list("balance", flat=True).first() or 0
        total = PointsEntry.objects.filter(customer=self.customer).aggregate(total=Sum("points"))["total"] or 0
        assert account == total == self.balance
        below_zero = PointsEntry.objects.filter(customer=self.customer, balance_after__lt=0, points__lt=0)
        if self.world.policy == Programme.NegativePolicy.CAP:
            assert account >= 0
            assert not PointsEntry.objects.filter(customer=self.customer, balance_after__lt=0).exists()
        else:
            assert set(below_zero.values_list("kind", flat=True)) <= {PointsEntry.Kind.REVERSE}


def _run(alpha, shop, *, policy: str) -> None:
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(
            negative_policy=policy,
            expiry_months=EXPIRY_MONTHS,
            adjustment_cap=ADJUSTMENT_CAP,
            point_value=POINT_VALUE,
            max_redeem_percent=REDEEM_PERCENT,
            rounding=Programme.Rounding.DOWN,
            tiers_enabled=False,
            welcome_bonus=0,
        )
        for sku in SKUS:
            Product.objects.create(sku=sku, name=f"Product {sku}", list_price="25.00")
        world = World(
            policy=policy,
            store=shop.store,
            terminal=Terminal.objects.create(
                store=shop.store, name="Till 1", token_hash=Terminal.hash_token("state"), token_prefix="state"
            ),
            admin=User.objects.get(username="admin"),
            today=timezone.localdate(),
        )

        class Machine(LedgerMachine):
            pass

        Machine.world = world
        run_state_machine_as_test(Machine, settings=SETTINGS)


@pytest.mark.django_db
def test_the_ledger_stays_consistent_and_never_below_zero_when_the_programme_stops_at_zero(
    alpha, shop, shop_customer, loyalty_programme
):
    _run(alpha, shop, policy=Programme.NegativePolicy.CAP)


@pytest.mark.django_db
def test_only_returns_take_the_ledger_below_zero_when_the_programme_allows_it(
    alpha, shop, shop_customer, loyalty_programme
):
    _run(alpha, shop, policy=Programme.NegativePolicy.ALLOW)
