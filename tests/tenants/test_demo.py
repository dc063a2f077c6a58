"""The demo retailer that `make run` creates."""

import datetime
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q, Sum, Window
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup, CustomProperty
from demo.sales_demo import demo_sales_create
from loyalty.models import (
    Card,
    CardBatch,
    CardEvent,
    CardType,
    EarnedLine,
    EarningRule,
    PointsAccount,
    PointsEntry,
    Programme,
    Tier,
)
from sales.models import (
    GroupPriceList,
    Product,
    ProductGroup,
    Return,
    ReturnLine,
    SalesDocument,
    SalesLine,
    Store,
    purchase_condition,
)
from sales.rules import ean_clean
from staff.models import User
from tenants.models import Tenant


def _figures_from_sales() -> dict[int, tuple]:
    """Every customer's purchase figures recomputed from scratch from the sales and returns:
    (purchases, total net of returns, first, last, returns)."""
    purchases = SalesDocument.objects.purchases().filter(customer__isnull=False)
    figures = {
        row["customer_id"]: [row["count"], row["total"], row["first"], row["last"], 0]
        for row in purchases.values("customer_id").annotate(
            count=Count("pk"), total=Sum("total"), first=Min("occurred_at"), last=Max("occurred_at")
        )
    }
    for row in (
        Return.objects.filter(purchase_condition("sale__"), customer__isnull=False)
        .values("customer_id")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    ):
        figures[row["customer_id"]][1] -= row["amount"]
        figures[row["customer_id"]][4] = row["count"]
    return {customer_id: tuple(values) for customer_id, values in figures.items()}


def _stored_figures() -> dict[int, tuple]:
    return {
        row[0]: tuple(row[1:])
        for row in Customer.objects.values_list(
            "pk", "purchase_count", "purchase_total", "first_purchase_at", "last_purchase_at", "return_count"
        )
    }


def _counts() -> dict[str, int]:
    return {
        "stores": Store.objects.count(),
        "products": Product.objects.count(),
        "sales": SalesDocument.objects.count(),
        "lines": SalesLine.objects.count(),
        "returns": Return.objects.count(),
        "customers": Customer.objects.count(),
        "cards": Card.objects.count(),
        "entries": PointsEntry.objects.count(),
    }


def _per_day(sales, days: list[datetime.date], *, field: str = "occurred_at") -> float:
    return sales.filter(**{f"{field}__date__in": days}).count() / len(days)


def _assert_demo_sales(today: datetime.date) -> None:
    now = timezone.now()
    assert sorted(Store.objects.values_list("code", "name")) == [
        ("PRN1", "Pärnu Keskus"),
        ("TLN1", "Tallinn Kesklinn"),
        ("TRT1", "Tartu Lõunakeskus"),
    ]
    assert ProductGroup.objects.count() == 17
    assert ProductGroup.objects.filter(parent__isnull=True).count() == 6
    assert Product.objects.count() == 150
    assert all(ean_clean(ean) == ean for ean in Product.objects.values_list("ean", flat=True))
    assert dict(GroupPriceList.objects.values_list("customer_group__name", "price_list__name")) == {
        "Wholesale": "Wholesale −15 %",
        "VIP": "VIP prices",
    }

    # Two years of sales ending today, of every kind; about 6,000 (the dates move with today).
    sales = SalesDocument.objects.all()
    assert 5_000 <= sales.count() <= 7_500, sales.count()
    span = sales.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert now - datetime.timedelta(days=731) <= span["first"] <= now - datetime.timedelta(days=700)
    assert now - datetime.timedelta(days=3) <= span["last"] <= now
    assert set(sales.values_list("kind", flat=True)) == {"receipt", "invoice", "order", "quote"}
    receipts = sales.filter(kind="receipt")
    anonymous_share = receipts.filter(customer__isnull=True).count() / receipts.count()
    assert 0.10 <= anonymous_share <= 0.25, anonymous_share
    assert set(receipts.values_list("store__code", flat=True)) == {"TLN1", "TRT1", "PRN1"}
    assert sales.filter(kind="invoice").exclude(customer__kind="business").count() == 0
    invoices = sales.filter(kind="invoice")
    assert set(invoices.values_list("payment_status", flat=True)) == {"paid", "partly_paid", "unpaid"}
    assert invoices.filter(payment_status="paid").count() > invoices.exclude(payment_status="paid").count()
    assert invoices.exclude(payment_status="paid").filter(due_date__lt=today).exists()  # overdue
    partly = invoices.filter(payment_status="partly_paid")
    assert all(0 < sale.paid_amount < sale.total for sale in partly)

    # Price lists at work: wholesale on invoices, VIP fixed prices on receipts.
    discounted = SalesLine.objects.filter(discount_source="price_list")
    assert discounted.filter(document__customer__group__name="Wholesale").exists()
    assert discounted.filter(document__customer__group__name="VIP").exists()
    assert not discounted.filter(document__customer__isnull=True).exists()

    # Regulars buy every week; others stopped 6-12 months ago.
    weekly = Customer.objects.filter(group__name="Weekly", status__in=("introduced", "control"))
    recent = weekly.filter(last_purchase_at__gte=now - datetime.timedelta(days=14))
    assert recent.count() >= weekly.count() * 0.7
    assert recent.filter(purchase_count__gte=3).count() >= recent.count() * 0.6
    stopped = Customer.objects.filter(
        purchase_count__gte=3,
        last_purchase_at__lt=now - datetime.timedelta(days=180),
        last_purchase_at__gte=now - datetime.timedelta(days=366),
    )
    assert stopped.count() >= 100
    assert Customer.objects.filter(purchase_count=0, company__isnull=True).count() >= 300

    # Seasons: December's days are busier than ordinary ones (the walk-in receipts show it best,
    # regulars come on their days), and lunch boxes sell at back-to-school.
    days = [today - datetime.timedelta(days=offset) for offset in range(730)]
    december = [day for day in days if day.month == 12]
    school = [day for day in days if (day.month == 8 and day.day >= 12) or (day.month == 9 and day.day <= 7)]
    ordinary = [day for day in days if day.month in (3, 4, 5, 6, 10)]
    walk_ins = receipts.filter(customer__isnull=True)
    assert _per_day(walk_ins, december) > 1.3 * _per_day(walk_ins, ordinary)
    lunch = SalesLine.objects.filter(product__group__name="Lunch & On the Go")
    field = "document__occurred_at"
    assert _per_day(lunch, school, field=field) > 3 * _per_day(lunch, ordinary, field=field)

    # About 3 % of the lines came back later, with a reason.
    returned_lines = ReturnLine.objects.values("sale_line").distinct().count()
    assert 0.02 <= returned_lines / SalesLine.objects.count() <= 0.04
    assert not Return.objects.filter(reason="").exists()
    assert not Return.objects.filter(sale__kind__in=("order", "quote")).exists()
    late = Return.objects.filter(occurred_at__lte=now).select_related("sale")
    assert all(ret.sale.occurred_at < ret.occurred_at for ret in late[:500])

    # The purchase figures are exactly what the sales and returns say, for every customer.
    recomputed = _figures_from_sales()
    stored = _stored_figures()
    for customer_id, figures in stored.items():
        assert figures == recomputed.get(customer_id, (0, Decimal("0"), None, None, 0)), customer_id
    assert sum(figures[4] for figures in recomputed.values()) > 0


def _assert_demo_loyalty(today: datetime.date) -> None:
    programme = Programme.objects.get(pk=1)
    assert (
        programme.is_enabled,
        programme.points_per_unit,
        programme.point_value,
        programme.max_redeem_percent,
        programme.expiry_months,
        programme.welcome_bonus,
        programme.birthday_bonus,
        programme.negative_policy,
        programme.tiers_enabled,
    ) == (True, Decimal("1"), Decimal("0.01"), Decimal("50"), 24, 50, 100, "cap", True)
    assert list(programme.no_earning_groups.values_list("name", flat=True)) == ["Wholesale"]
    assert list(Tier.objects.values_list("name", "min_spend", "multiplier")) == [
        ("Silver", Decimal("300"), Decimal("1.25")),
        ("Gold", Decimal("1000"), Decimal("1.5")),
    ]
    rules = EarningRule.objects.all()
    assert rules.filter(kind="multiplier", product_group__name="Coffee", multiplier=2).exists()
    assert rules.filter(kind="multiplier", weekdays=[6, 7], product__isnull=True, product_group__isnull=True).exists()
    assert rules.filter(kind="excluded", product__name="Prosecco DOC 750 ml").exists()

    # The ledgers are consistent: every account's balance is the sum of its entries, each entry's
    # balance_after is the running sum of its customer's entries, and none is below zero (CAP).
    entries = PointsEntry.objects.all()
    sums = dict(entries.values("customer_id").annotate(total=Sum("points")).values_list("customer_id", "total"))
    balances = dict(PointsAccount.objects.values_list("customer_id", "balance"))
    # (The accounts of customers who bought but earn nothing stay at zero, with no entry.)
    assert balances == {customer_id: sums.get(customer_id, 0) for customer_id in balances}
    assert set(sums) <= set(balances)
    assert min(balances.values()) >= 0
    running = entries.annotate(running=Window(Sum("points"), partition_by=F("customer_id"), order_by=F("pk").asc()))
    assert not running.exclude(running=F("balance_after")).exists()
    assert not entries.filter(Q(balance_after__lt=0) | Q(source="demo")).exists()

    # Sales of known customers earn through the sale path, but for the group that earns nothing;
    # walk-in sales, orders and quotes earn nothing.
    earned = entries.filter(kind="earn")
    purchases = SalesDocument.objects.purchases().filter(customer__isnull=False)
    earning = purchases.exclude(customer__group__name="Wholesale")
    with_points = earning.filter(points_entries__kind="earn").count()
    assert with_points >= 0.99 * earning.count() > 3_000
    assert earned.count() == with_points
    assert not earned.filter(Q(sale__customer__group__name="Wholesale") | ~Q(sale__kind__in=("receipt", "invoice")))
    assert not earned.exclude(customer_id=F("sale__customer_id")).exists()
    assert EarnedLine.objects.filter(rule__name="Double points on coffee").exists()
    assert EarnedLine.objects.filter(sale_line__document__in=earning).exists()
    # Some receipts paid with points; returns took points back (or gave back what was paid).
    redeemed = entries.filter(kind="redeem")
    assert redeemed.count() >= 50
    assert not redeemed.filter(Q(money_value__lte=0) | Q(sale__kind__in=("invoice", "order", "quote"))).exists()
    assert entries.filter(kind="reverse", return_document__isnull=False).count() >= 100
    # Opening balances from the old system; what was left of them expired today.
    openings = entries.filter(kind="opening", once_key="opening", source="import")
    expired = entries.filter(kind="expire")
    assert openings.count() >= 100 and expired.count() >= 20
    assert set(expired.values_list("customer_id", flat=True)) <= set(openings.values_list("customer_id", flat=True))
    adjusted = entries.filter(kind="adjust")
    assert adjusted.count() == 8
    assert not adjusted.filter(Q(reason="") | ~Q(author__username="admin")).exists()
    birthdays = Q(birth_date__month=today.month, birth_date__day=today.day)
    is_leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    if (today.month, today.day) == (2, 28) and not is_leap:
        birthdays |= Q(birth_date__month=2, birth_date__day=29)
    born_today = Customer.objects.filter(birthdays).exclude(status="archived")
    assert sorted(entries.filter(once_key=f"birthday:{today.year}").values_list("customer_id", flat=True)) == sorted(
        born_today.values_list("pk", flat=True)
    )

    # Cards: four types with stock; bonus cards for about 85 % of the people, each with one
    # welcome bonus; a few replaced and blocked; discount cards for VIPs, some gift cards, coupons.
    assert sorted(CardType.objects.values_list("kind", flat=True)) == ["bonus", "coupon", "discount", "gift"]
    assert CardBatch.objects.count() == 4
    assert Card.objects.filter(status="stock").count() >= 400
    people = Customer.objects.filter(kind="person", company__isnull=True)
    bonus = Card.objects.filter(card_type__kind="bonus")
    holders = set(bonus.exclude(customer=None).values_list("customer_id", flat=True))
    assert 0.80 <= len(holders) / people.count() <= 0.90
    assert sorted(entries.filter(once_key="welcome").values_list("customer_id", flat=True)) == sorted(holders)
    assert bonus.filter(status="replaced", replaced_by__status="active").count() == 12
    assert bonus.filter(status="blocked").count() == 8
    assert CardEvent.objects.filter(kind="assigned").count() >= len(holders)
    vip = Card.objects.filter(card_type__kind="discount", status="active")
    assert vip.count() == people.filter(group__name="VIP").count() > 0
    assert Card.objects.filter(card_type__kind="gift", status="active", balance=25).count() == 12
    assert Card.objects.filter(card_type__kind="coupon", status="active").count() == 25


def test_demo_setup_creates_the_demo_once_and_prints_the_logins(committed_db, capsys):
    call_command("demo_setup", "--port", "8000")
    output = capsys.readouterr().out
    assert "Created the demo retailer “Demo Market”." in output
    assert "http://demo.localhost:8000/" in output
    assert "admin     user admin     password regulars-admin" in output
    demo = Tenant.objects.get(schema_name="demo")
    with tenant_context(demo):
        assert {user.username: user.role for user in User.objects.prefetch_related("groups")} == {
            "admin": "admin",
            "marketer": "marketer",
            "cashier": "cashier",
        }
        assert User.objects.get(username="cashier").check_password("regulars-cashier")
        # 3,000 customers, 109 of them businesses with two contact persons each (a fixed seed).
        assert Customer.objects.count() == 3218
        assert Customer.objects.filter(kind="business").count() == 109
        assert CustomProperty.objects.count() == 5
        assert CustomerGroup.objects.filter(parent__isnull=False).count() == 2
        _assert_demo_sales(timezone.localdate())
        _assert_demo_loyalty(timezone.localdate())
        counts = _counts()
    call_command("demo_setup", "--port", "8000")
    assert "Kept the demo retailer “Demo Market”." in capsys.readouterr().out
    with tenant_context(demo):
        assert _counts() == counts
        # Asked directly, the sales demo sees its stores and adds nothing either.
        assert demo_sales_create(tenant=demo) is None
        assert _counts() == counts
    assert User.objects.get(username="operator").is_superuser
