"""Who buys what, where and when in the demo's two years: the customers' habits, the seasons,
baskets, invoices of the businesses, returns and document numbers. Cheap, so that the time goes
to registering."""

import datetime
import random
from bisect import bisect
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import accumulate

from django.utils import timezone

from customers.models import Customer, CustomerStatus
from demo.sales_demo.catalogue import PREFERRED, SCHOOL, STORE_WEIGHTS, WHOLESALE_PREFIXES, XMAS
from sales.models import (
    Product,
    SalesDocument,
    Store,
)
from sales.services.sales import LineInput

DAYS = 730
# How the customer groups shop: days between visits, and how many days ago the habit began (a
# range to draw from; None: before the two years). Others come a few times a year.
HABITS = {
    "Weekly": (7, (14, 42)),
    "VIP": (60, (60, 150)),
    "Regulars": (30, (30, 75)),
    "Monthly": (30, (30, 75)),
}
# Anonymous receipts: this share of all receipts.
ANONYMOUS_SHARE = 0.15
# Opening hours and when people come.
HOURS = (9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
HOUR_WEIGHTS = (3, 5, 6, 9, 8, 5, 5, 7, 10, 10, 7, 3)
WEEKDAY_FACTOR = (0.9, 0.9, 1.0, 1.0, 1.2, 1.4, 0.8)


@dataclass
class PlannedSale:
    when: datetime.datetime
    store: Store
    customer: Customer | None
    lines: list[LineInput]
    kind: str = SalesDocument.Kind.RECEIPT
    payment_status: str = SalesDocument.PaymentStatus.PAID
    paid_amount: Decimal | None = None
    returns: list[tuple[int, Decimal]] = field(default_factory=list)  # (line index, quantity)


def season_factor(day: datetime.date) -> float:
    """How busy a day is compared with an ordinary one."""
    factor = WEEKDAY_FACTOR[day.weekday()]
    if day.month == 12:
        factor *= 2.2 if 8 <= day.day <= 23 else 1.5 if day.day < 8 else 0.9
    elif day.month == 11 and day.day >= 20:
        factor *= 1.25
    elif day.month in (1, 2):
        factor *= 0.8
    elif (day.month == 8 and day.day >= 12) or (day.month == 9 and day.day <= 7):
        factor *= 1.35
    return factor


def season_of(day: datetime.date) -> str:
    if (day.month == 11 and day.day >= 20) or (day.month == 12 and day.day <= 24):
        return XMAS
    if (day.month == 8 and day.day >= 10) or (day.month == 9 and day.day <= 14):
        return SCHOOL
    return ""


class Planner:
    """Decides who buys what, where and when; cheap, so that the time goes to registering."""

    def __init__(self, *, rng: random.Random, products: list[Product], popularity: list[float], seasons, stores, now):
        self.rng = rng
        self.now = now
        self.today = timezone.localtime(now).date()
        self.first_day = self.today - datetime.timedelta(days=DAYS - 1)
        self.days = [self.first_day + datetime.timedelta(days=offset) for offset in range(DAYS)]
        self.day_cumulative = list(accumulate(season_factor(day) for day in self.days))
        self.stores = stores
        self.store_list = list(stores.values())
        self.store_cumulative = list(accumulate(STORE_WEIGHTS[store.code] for store in self.store_list))
        self.products = products
        self.wholesale_products = [product for product in products if product.sku[:3] in WHOLESALE_PREFIXES]
        self.list_prices = {product.sku: product.list_price for product in products}
        # Cumulative popularity per season: a season's products sell far more in it, little outside.
        self.product_cumulative = {}
        for season in ("", XMAS, SCHOOL):
            weights = []
            for weight, product_season in zip(popularity, seasons, strict=True):
                if product_season:
                    weight *= 8 if product_season == season else 0.08
                weights.append(weight)
            self.product_cumulative[season] = list(accumulate(weights))
        self.hour_cumulative = list(accumulate(HOUR_WEIGHTS))
        self.zone = timezone.get_current_timezone()

    def moment(self, day: datetime.date) -> datetime.datetime | None:
        hour = HOURS[bisect(self.hour_cumulative, self.rng.random() * self.hour_cumulative[-1])]
        when = datetime.datetime.combine(
            day, datetime.time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=self.zone
        )
        return when if when < self.now - datetime.timedelta(minutes=1) else None

    def random_day(self, start: datetime.date | None = None, stop: datetime.date | None = None) -> datetime.date:
        """A day from `start` to `stop` (the two years by default), busy days more likely."""
        first = (start - self.first_day).days if start else 0
        last = (stop - self.first_day).days if stop else DAYS - 1
        low = self.day_cumulative[first - 1] if first > 0 else 0.0
        high = self.day_cumulative[last]
        index = bisect(self.day_cumulative, low + self.rng.random() * (high - low))
        return self.days[min(max(index, first), last)]

    def store_for(self, home: Store | None) -> Store:
        if home is not None and self.rng.random() < 0.85:
            return home
        return self.store_list[bisect(self.store_cumulative, self.rng.random() * self.store_cumulative[-1])]

    def basket(self, day: datetime.date, *, size: int) -> list[LineInput]:
        season = season_of(day)
        cumulative = self.product_cumulative[season]
        chosen: dict[str, Decimal] = {}
        for _line in range(size):
            product = self.products[bisect(cumulative, self.rng.random() * cumulative[-1])]
            quantity = Decimal(self.rng.choices((1, 2, 3), (80, 15, 5))[0])
            chosen[product.sku] = chosen.get(product.sku, Decimal("0")) + quantity
        return [LineInput(sku, quantity) for sku, quantity in chosen.items()]

    def basket_size(self, day: datetime.date, *, bigger: int = 0) -> int:
        size = self.rng.choices((1, 2, 3, 4, 5, 6), (18, 26, 24, 16, 10, 6))[0] + bigger
        return size + (1 if season_of(day) else 0)

    def visit_days(
        self, *, cadence: int | None, start: datetime.date, stop: datetime.date, per_year: int | None = None
    ) -> list[datetime.date]:
        """The days a customer comes: every `cadence` days (give or take, skipping some, more in
        December), or a few random days a year when there is no cadence."""
        start = max(start, self.first_day)
        if cadence is None:
            per_year = per_year or self.rng.choice((1, 1, 2))
            count = round(per_year * (stop - start).days / 365)
            return sorted(self.random_day(start, stop) for _visit in range(count))
        days = []
        day = start + datetime.timedelta(days=self.rng.randrange(cadence))
        while day <= stop:
            if self.rng.random() < 0.9:
                days.append(day)
            if day.month == 12 and day.day < 24 and self.rng.random() < 0.5:
                days.append(day + datetime.timedelta(days=self.rng.randint(1, 3)))
            day += datetime.timedelta(days=max(1, cadence + self.rng.randint(-1, 1) * max(1, cadence // 7)))
        return [day for day in days if day <= stop]


def customer_sales(planner: Planner, customers: list[Customer], groups: dict[int, str]) -> list[PlannedSale]:
    rng = planner.rng
    sales = []
    for customer in customers:
        habit = HABITS.get(groups.get(customer.group_id, ""))
        roll = rng.random()
        if customer.status == CustomerStatus.ARCHIVED or roll < 0.03:
            # A regular for a while, who stopped buying 6 to 12 months ago.
            stop = planner.today - datetime.timedelta(days=rng.randint(182, 365))
            start = stop - datetime.timedelta(days=rng.randint(45, 100))
            cadence = min(habit[0], 30) if habit else rng.choice((14, 21, 30))
            days = planner.visit_days(cadence=cadence, start=start, stop=stop)
        elif habit is not None:
            cadence, since = habit
            # The habit began some time ago; before it, the customer came now and then.
            began = planner.first_day if since is None else planner.today - datetime.timedelta(days=rng.randint(*since))
            days = []
            if cadence > 7 and rng.random() < 0.35:
                days = planner.visit_days(cadence=None, start=planner.first_day, stop=began, per_year=1)
            days += planner.visit_days(cadence=cadence, start=began, stop=planner.today)
        elif roll < 0.60:
            continue  # signed up, never bought
        elif groups.get(customer.group_id) == "Friends & family":
            days = planner.visit_days(cadence=None, start=planner.first_day, stop=planner.today, per_year=2)
        elif roll < 0.75:
            days = [planner.random_day()]  # bought once
        else:
            start = planner.first_day + datetime.timedelta(days=rng.randrange(DAYS // 2) if rng.random() < 0.4 else 0)
            days = planner.visit_days(cadence=None, start=start, stop=planner.today)
        home_code = PREFERRED.get((customer.properties or {}).get("preferred_store"))
        home = planner.stores.get(home_code) if home_code else None
        if home is None:
            home = planner.store_for(None)
        bigger = 2 if habit is HABITS["VIP"] else 0
        for day in days:
            when = planner.moment(day)
            if when is None:
                continue
            lines = planner.basket(day, size=planner.basket_size(day, bigger=bigger))
            sales.append(PlannedSale(when=when, store=planner.store_for(home), customer=customer, lines=lines))
    return sales


def anonymous_sales(planner: Planner, *, count: int) -> list[PlannedSale]:
    sales = []
    for _sale in range(count):
        day = planner.random_day()
        when = planner.moment(day)
        if when is None:
            continue
        lines = planner.basket(day, size=planner.basket_size(day) - 1 or 1)
        sales.append(PlannedSale(when=when, store=planner.store_for(None), customer=None, lines=lines))
    return sales


def business_sales(planner: Planner, businesses: list[Customer]) -> list[PlannedSale]:
    rng = planner.rng
    sales = []
    tallinn = planner.stores["TLN1"]
    for business in businesses:
        interval = rng.randint(120, 160)
        stop = planner.today
        if rng.random() < 0.1:
            stop -= datetime.timedelta(days=rng.randint(182, 365))
        day = planner.first_day + datetime.timedelta(days=rng.randrange(interval))
        while day <= stop:
            when = planner.moment(day)
            if when is not None:
                products = rng.sample(planner.wholesale_products, rng.randint(3, 7))
                lines = [
                    LineInput(product.sku, Decimal(rng.choice((5, 6, 10, 12, 20, 24, 30)))) for product in products
                ]
                sales.append(_invoice(planner, business, when, lines))
            day += datetime.timedelta(days=interval + rng.randint(-3, 3))
        # Now and then an order or a quote: not purchases, they never count in the figures.
        for kind in (SalesDocument.Kind.ORDER, SalesDocument.Kind.QUOTE):
            if rng.random() < 0.4:
                when = planner.moment(planner.today - datetime.timedelta(days=rng.randint(1, 60)))
                if when is not None:
                    product = rng.choice(planner.wholesale_products)
                    sales.append(
                        PlannedSale(
                            when=when,
                            store=tallinn,
                            customer=business,
                            lines=[LineInput(product.sku, Decimal(rng.choice((10, 20, 50))))],
                            kind=kind,
                            payment_status=SalesDocument.PaymentStatus.UNPAID,
                        )
                    )
    return sales


def _invoice(planner: Planner, business: Customer, when: datetime.datetime, lines: list[LineInput]) -> PlannedSale:
    """An invoice, paid unless recent: of the last two months' invoices a third is unpaid and a
    sixth partly paid (so some are overdue by the customer's terms); a few old ones are unpaid."""
    rng = planner.rng
    age = (planner.today - timezone.localtime(when).date()).days
    roll = rng.random()
    status, paid = SalesDocument.PaymentStatus.PAID, None
    if (age <= 60 and roll < 0.33) or (age > 60 and roll < 0.015):
        status = SalesDocument.PaymentStatus.UNPAID
    elif (age <= 60 and roll < 0.5) or (age > 60 and roll < 0.03):
        # Part of the list price: the price list takes at most 15 % off, so this is less than the total.
        list_total = sum(planner.list_prices[line.product] * line.quantity for line in lines)
        paid = (list_total * Decimal("0.4")).quantize(Decimal("1"), ROUND_DOWN)
        status = SalesDocument.PaymentStatus.PARTLY_PAID if paid > 0 else SalesDocument.PaymentStatus.UNPAID
    return PlannedSale(
        when=when,
        store=planner.stores["TLN1"],
        customer=business,
        lines=lines,
        kind=SalesDocument.Kind.INVOICE,
        payment_status=status,
        paid_amount=paid if status == SalesDocument.PaymentStatus.PARTLY_PAID else None,
    )


def returns_plan(planner: Planner, sales: list[PlannedSale]) -> None:
    """About 3 % of the purchase lines come back, whole or in part."""
    rng = planner.rng
    for sale in sales:
        if sale.kind not in SalesDocument.PURCHASE_KINDS:
            continue
        for index, line in enumerate(sale.lines):
            if rng.random() < 0.03:
                quantity = line.quantity if line.quantity == 1 or rng.random() < 0.6 else Decimal(1)
                sale.returns.append((index, quantity))


def sales_numbers(sales: list[PlannedSale]) -> list[str]:
    """Receipt numbers per store and year ("TLN1-2025-000123"), invoices "INV-2025-00042",
    orders "ORD-…", quotes "QUO-…", in the order of time."""
    prefixes = {
        SalesDocument.Kind.INVOICE: "INV",
        SalesDocument.Kind.ORDER: "ORD",
        SalesDocument.Kind.QUOTE: "QUO",
    }
    counters: dict[tuple[str, int], int] = {}
    numbers = []
    for sale in sales:
        prefix = prefixes.get(sale.kind, sale.store.code)
        year = timezone.localtime(sale.when).year
        counters[prefix, year] = counters.get((prefix, year), 0) + 1
        width = 6 if sale.kind == SalesDocument.Kind.RECEIPT else 5
        numbers.append(f"{prefix}-{year}-{counters[prefix, year]:0{width}d}")
    return numbers
