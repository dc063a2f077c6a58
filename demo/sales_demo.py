"""Two years of sales for the demo retailer, a delicatessen with three stores.

What it makes (deterministic for a seed; the dates end today):

- stores TLN1, TRT1, PRN1; 17 product groups in a tree of two levels and 150 products with
  EAN-13 barcodes (list prices in EUR, VAT 24 %);
- price lists "Wholesale −15 %" (15 % off coffee and tea, bakery and pantry) for the customer
  group Wholesale and "VIP prices" (fixed prices for a few favourites) for VIP;
- receipts of the customers by how they shop: the Weekly group every week since they became
  regulars in the last weeks, Regulars and Monthly every month and VIP every two months
  (bigger baskets) since some months, some with a visit now and then before; Friends & family
  and other customers a few times a year or once, more than half of them never; some buyers
  (all archived ones among them) came regularly and stopped 6–12 months ago. About 15 % of the
  receipts are anonymous;
- invoices for the businesses (Wholesale) every four to five months, most paid, recent ones
  partly paid or unpaid (some overdue by their payment terms), and a few orders and quotes;
- peaks before Christmas (gift boxes, stollen, mulled wine) and at back-to-school in August
  (lunch boxes and bottles), more on Fridays and Saturdays;
- about 3 % of the lines returned within three weeks, with a reason.

Every sale goes through `sale_register` and every return through `return_register`, so the
customers' purchase figures and any steps later apps join to sales are exactly what the sales
say: with the demo's loyalty programme set up first (demo/loyalty_demo.py), known customers'
sales earn points, returns take them back, and some receipts pay with points
(`points_to_redeem`). That is also what bounds the size: those calls take 4–8 ms each on the
project's two-core machines without the programme (5 queries for an anonymous receipt, up to 10
for a customer with a price list) and about 10 more queries for a customer's sale with it
(account, programme, rules, tier, the entry), so about 6,000 sales and 550 returns, some 20,000
lines, keep the demo set-up near a minute.
"""

import datetime
import logging
import random
import time
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, CustomerGroup, CustomerStatus
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import (
    GroupPriceList,
    PriceList,
    PriceListItem,
    Product,
    ProductGroup,
    SalesDocument,
    SalesLine,
    Store,
)
from sales.rules import ean_check_digit
from sales.services.sales import LineInput, ReturnLineInput, SaleSource, return_register, sale_register
from staff.models import User

logger = logging.getLogger(__name__)

DAYS = 730
VAT_RATE = Decimal("24")

STORES = (
    ("Tallinn Kesklinn", "TLN1", "Viru väljak 4, 10111 Tallinn"),
    ("Tartu Lõunakeskus", "TRT1", "Ringtee 75, 50501 Tartu"),
    ("Pärnu Keskus", "PRN1", "Aia 7, 80011 Pärnu"),
)
# The customers' "preferred store" property (demo/services.py) names these.
PREFERRED = {"Tallinn Kesklinn": "TLN1", "Tartu Lõunakeskus": "TRT1", "Pärnu Keskus": "PRN1"}
STORE_WEIGHTS = {"TLN1": 5, "TRT1": 3, "PRN1": 2}

# Flags of products that sell in a season: "xmas" (late November and December), "school" (from
# the middle of August to the middle of September).
XMAS, SCHOOL = "xmas", "school"

# (top group, sub-group or "", SKU prefix, popularity, [(name, price, season flag)])
CATALOGUE = (
    (
        "Coffee & Tea",
        "Coffee",
        "COF",
        6,
        [
            ("Espresso Classico beans 1 kg", "24.90", ""),
            ("Colombia Huila beans 250 g", "8.90", ""),
            ("Ethiopia Yirgacheffe beans 250 g", "10.50", ""),
            ("Brazil Santos ground 500 g", "9.80", ""),
            ("Decaf Swiss Water beans 250 g", "9.40", ""),
            ("House Blend ground 250 g", "6.90", ""),
            ("Guatemala Antigua beans 250 g", "9.90", ""),
            ("Espresso capsules, 10 pcs", "4.20", ""),
            ("Cold brew coffee 250 ml", "3.50", ""),
            ("Kenya AA beans 250 g", "11.20", ""),
            ("Moka pot blend ground 250 g", "7.40", ""),
            ("Coffee filter papers No. 4, 80 pcs", "2.90", ""),
        ],
    ),
    (
        "Coffee & Tea",
        "Tea",
        "TEA",
        3,
        [
            ("Earl Grey loose leaf 100 g", "6.50", ""),
            ("Sencha green tea 100 g", "7.90", ""),
            ("English Breakfast, 20 bags", "4.40", ""),
            ("Chamomile herbal tea, 20 bags", "3.90", ""),
            ("Rooibos vanilla 100 g", "5.90", ""),
            ("Jasmine pearls 50 g", "9.80", ""),
            ("Estonian forest herbs tea 50 g", "4.90", ""),
            ("Masala chai blend 100 g", "6.90", ""),
            ("Peppermint tea, 20 bags", "3.60", ""),
            ("Matcha ceremonial grade 30 g", "16.90", ""),
            ("Darjeeling first flush 100 g", "12.90", ""),
            ("Milk oolong 50 g", "8.90", ""),
        ],
    ),
    (
        "Bakery",
        "",
        "BAK",
        11,
        [
            ("Sourdough rye bread 800 g", "3.90", ""),
            ("Country wheat sourdough 600 g", "4.20", ""),
            ("Kama bread 400 g", "2.80", ""),
            ("Rye bread with sunflower seeds 500 g", "3.10", ""),
            ("Butter croissant", "1.90", ""),
            ("Cinnamon bun", "2.20", ""),
            ("Cardamom bun", "2.30", ""),
            ("Baguette tradition", "2.10", ""),
            ("Seeded rye crispbread 250 g", "3.40", ""),
            ("Focaccia with rosemary", "3.60", ""),
            ("Pain au chocolat", "2.20", ""),
            ("Carrot cake slice", "3.80", ""),
            ("Blueberry pie slice", "3.50", ""),
            ("Christmas stollen 750 g", "12.90", XMAS),
        ],
    ),
    (
        "Cheese & Charcuterie",
        "Cheese",
        "CHE",
        6,
        [
            ("Parmigiano Reggiano 24 months 200 g", "7.90", ""),
            ("Comté 18 months 200 g", "6.90", ""),
            ("Gruyère AOP 200 g", "6.40", ""),
            ("Manchego curado 150 g", "5.60", ""),
            ("Brie de Meaux 200 g", "6.20", ""),
            ("Roquefort AOP 100 g", "4.90", ""),
            ("Buffalo mozzarella 125 g", "3.20", ""),
            ("Saaremaa aged cheese 250 g", "4.50", ""),
            ("Goat's cheese log 150 g", "4.30", ""),
            ("Halloumi 225 g", "3.90", ""),
            ("Aged Gouda 12 months 200 g", "4.80", ""),
            ("Taleggio 200 g", "5.70", ""),
            ("Cheese board selection 400 g", "16.90", XMAS),
            ("Burrata 150 g", "4.60", ""),
        ],
    ),
    (
        "Cheese & Charcuterie",
        "Charcuterie",
        "CHA",
        5,
        [
            ("Prosciutto di Parma 24 months 100 g", "5.90", ""),
            ("Jamón Serrano 100 g", "4.90", ""),
            ("Salame Milano 100 g", "3.60", ""),
            ("Chorizo picante 200 g", "4.80", ""),
            ("Bresaola 80 g", "5.40", ""),
            ("Smoked duck breast 100 g", "6.20", ""),
            ("Smoked pork loin 150 g", "3.90", ""),
            ("Mortadella with pistachio 100 g", "2.90", ""),
            ("Elk salami 150 g", "7.80", ""),
            ("Duck liver pâté 120 g", "4.40", ""),
            ("Fuet 150 g", "4.20", ""),
            ("Pancetta cubes 125 g", "2.70", ""),
        ],
    ),
    (
        "Pantry",
        "Oils & Vinegars",
        "OIL",
        2,
        [
            ("Extra virgin olive oil, Puglia 500 ml", "11.90", ""),
            ("Extra virgin olive oil, Crete 1 l", "17.90", ""),
            ("Balsamic vinegar of Modena IGP 250 ml", "6.90", ""),
            ("Aged balsamic 12 years 100 ml", "19.90", ""),
            ("Cold-pressed rapeseed oil 500 ml", "5.40", ""),
            ("Truffle oil 100 ml", "9.90", ""),
            ("Apple cider vinegar 500 ml", "3.80", ""),
            ("Toasted sesame oil 250 ml", "4.90", ""),
            ("Chilli oil 250 ml", "5.50", ""),
            ("Walnut oil 250 ml", "8.40", ""),
        ],
    ),
    (
        "Pantry",
        "Preserves & Honey",
        "PRE",
        3,
        [
            ("Forest honey 450 g", "8.90", ""),
            ("Buckwheat honey 450 g", "9.50", ""),
            ("Lingonberry jam 300 g", "4.20", ""),
            ("Sea buckthorn jam 250 g", "4.90", ""),
            ("Bitter orange marmalade 340 g", "4.60", ""),
            ("Fig chutney 220 g", "4.40", ""),
            ("Pickled cucumbers 680 g", "3.90", ""),
            ("Sun-dried tomatoes in oil 280 g", "4.80", ""),
            ("Kalamata olives 300 g", "4.60", ""),
            ("Basil pesto Genovese 190 g", "4.30", ""),
            ("Raspberry jam 300 g", "4.10", ""),
            ("Onion confit 200 g", "3.90", ""),
            ("Dijon mustard 200 g", "2.90", ""),
        ],
    ),
    (
        "Pantry",
        "Pasta & Grains",
        "PAS",
        3,
        [
            ("Spaghetti di Gragnano 500 g", "3.40", ""),
            ("Paccheri 500 g", "3.90", ""),
            ("Egg tagliatelle 250 g", "3.60", ""),
            ("Carnaroli risotto rice 1 kg", "5.90", ""),
            ("Pearl barley 1 kg", "2.20", ""),
            ("Red lentils 500 g", "2.60", ""),
            ("Buckwheat groats 800 g", "2.90", ""),
            ("Polenta 500 g", "2.80", ""),
            ("Whole grain oat flakes 500 g", "1.90", ""),
            ("Orecchiette 500 g", "3.50", ""),
        ],
    ),
    (
        "Sweets & Drinks",
        "Chocolate & Sweets",
        "CHO",
        4,
        [
            ("Dark chocolate 70 % 100 g", "3.90", ""),
            ("Milk chocolate with sea salt 100 g", "3.60", ""),
            ("Marzipan figures, 6 pcs", "6.90", XMAS),
            ("Salted caramel truffles 150 g", "8.90", ""),
            ("Italian nougat 150 g", "5.40", ""),
            ("Liquorice mix 200 g", "3.90", ""),
            ("Gingerbread cookies 300 g", "4.50", XMAS),
            ("Almond cantuccini 200 g", "4.20", ""),
            ("Hazelnut pralines 200 g", "9.90", ""),
            ("Dark chocolate orange peel 150 g", "5.20", ""),
            ("Butter cookies tin 500 g", "8.40", XMAS),
            ("Fruit jellies 200 g", "3.80", ""),
            ("Chocolate advent calendar", "12.90", XMAS),
            ("Kama chocolate bar 100 g", "3.40", ""),
        ],
    ),
    (
        "Sweets & Drinks",
        "Drinks",
        "DRI",
        6,
        [
            ("Pressed apple juice 1 l", "3.60", ""),
            ("Black currant nectar 1 l", "3.80", ""),
            ("Rhubarb lemonade 330 ml", "2.20", ""),
            ("Birch sap 330 ml", "2.40", ""),
            ("Sparkling mineral water 750 ml", "1.90", ""),
            ("Ginger beer 330 ml", "2.30", ""),
            ("Raspberry kombucha 330 ml", "3.10", ""),
            ("Elderflower cordial 500 ml", "5.60", ""),
            ("Tomato juice 1 l", "2.90", ""),
            ("Prosecco DOC 750 ml", "11.90", ""),
            ("Rioja Crianza 750 ml", "13.50", ""),
            ("Riesling Mosel 750 ml", "12.90", ""),
            ("Estonian apple cider 500 ml", "3.40", ""),
            ("Mulled wine 750 ml", "7.90", XMAS),
            ("Barista oat drink 1 l", "2.80", ""),
            ("Fresh orange juice 1 l", "4.90", ""),
            ("Sea buckthorn juice 1 l", "5.90", ""),
            ("Craft lager 500 ml", "2.90", ""),
        ],
    ),
    (
        "Gifts & Kitchen",
        "Gift Boxes",
        "GFT",
        0.4,
        [
            ("Gift box “Italian evening”", "39.00", XMAS),
            ("Gift box “Estonian flavours”", "34.00", XMAS),
            ("Gift box “Coffee lover”", "29.00", XMAS),
            ("Gift box “Cheese and wine”", "59.00", XMAS),
            ("Christmas hamper, large", "89.00", XMAS),
            ("Christmas hamper, small", "45.00", XMAS),
            ("Wooden gift crate", "6.50", ""),
            ("Tea tasting set", "24.00", ""),
            ("Gift box “Sweet tooth”", "27.00", XMAS),
            ("Olive oil tasting set", "32.00", ""),
        ],
    ),
    (
        "Gifts & Kitchen",
        "Lunch & On the Go",
        "LUN",
        0.8,
        [
            ("Stainless steel lunch box", "19.90", SCHOOL),
            ("Kids' lunch box with compartments", "12.90", SCHOOL),
            ("Insulated water bottle 500 ml", "17.90", SCHOOL),
            ("Kids' water bottle 350 ml", "9.90", SCHOOL),
            ("Food thermos 400 ml", "22.90", SCHOOL),
            ("Reusable sandwich wrap", "6.90", SCHOOL),
            ("Snack bag set", "8.50", SCHOOL),
            ("Muesli bars, 6 pcs", "4.90", SCHOOL),
            ("Trail mix 200 g", "3.90", ""),
            ("Bamboo bento box", "15.90", SCHOOL),
            ("Fruit pouches, 4 pcs", "4.40", SCHOOL),
        ],
    ),
)
WHOLESALE_GROUPS = ("Coffee & Tea", "Bakery", "Pantry")
# What businesses (cafés, hotels, bakeries) buy, by SKU prefix.
WHOLESALE_PREFIXES = ("COF", "TEA", "BAK", "CHE", "CHA", "OIL", "PRE", "PAS", "DRI")
VIP_PRICES = {
    "COF-001": "21.90",
    "COF-003": "9.20",
    "CHE-001": "6.90",
    "CHA-001": "5.20",
    "PRE-001": "7.90",
    "DRI-010": "10.50",
}
RETURN_REASONS = (
    "Damaged packaging",
    "Past its best-before date",
    "Wrong item picked",
    "Changed their mind",
    "Bought twice by mistake",
    "Not as described",
    "Gift not needed",
)
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


@dataclass(frozen=True)
class DemoSalesSummary:
    stores: int
    products: int
    sales: int
    lines: int
    returns: int


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


def _season(day: datetime.date) -> str:
    if (day.month == 11 and day.day >= 20) or (day.month == 12 and day.day <= 24):
        return XMAS
    if (day.month == 8 and day.day >= 10) or (day.month == 9 and day.day <= 14):
        return SCHOOL
    return ""


def _ean(number: int) -> str:
    digits = f"474000{number:06d}"
    return digits + str(ean_check_digit(digits))


def _catalogue_create() -> tuple[list[Product], dict[str, ProductGroup], list[float], list[str]]:
    """The product groups and products; returns the products, the top groups by name, and each
    product's popularity and season."""
    tops: dict[str, ProductGroup] = {}
    products, popularity, flags = [], [], []
    number = 0
    for top_name, sub_name, prefix, weight, items in CATALOGUE:
        top = tops.get(top_name) or tops.setdefault(top_name, ProductGroup.objects.create(name=top_name))
        group = ProductGroup.objects.create(name=sub_name, parent=top) if sub_name else top
        for index, (name, price, flag) in enumerate(items, start=1):
            number += 1
            products.append(
                Product(
                    sku=f"{prefix}-{index:03d}",
                    ean=_ean(number),
                    name=name,
                    group=group,
                    list_price=Decimal(price),
                    vat_rate=VAT_RATE,
                )
            )
            popularity.append(weight)
            flags.append(flag)
    return Product.objects.bulk_create(products), tops, popularity, flags


def _price_lists_create(products: list[Product], tops: dict[str, ProductGroup]) -> None:
    groups = {group.name: group for group in CustomerGroup.objects.filter(name__in=("Wholesale", "VIP"), parent=None)}
    wholesale = PriceList.objects.create(name="Wholesale −15 %")
    for name in WHOLESALE_GROUPS:
        PriceListItem.objects.create(price_list=wholesale, product_group=tops[name], percent_off=Decimal("15"))
    vip = PriceList.objects.create(name="VIP prices")
    by_sku = {product.sku: product for product in products}
    for sku, price in VIP_PRICES.items():
        PriceListItem.objects.create(price_list=vip, product=by_sku[sku], fixed_price=Decimal(price))
    if "Wholesale" in groups:
        GroupPriceList.objects.create(customer_group=groups["Wholesale"], price_list=wholesale)
    if "VIP" in groups:
        GroupPriceList.objects.create(customer_group=groups["VIP"], price_list=vip)


class _Planner:
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
        season = _season(day)
        cumulative = self.product_cumulative[season]
        chosen: dict[str, Decimal] = {}
        for _line in range(size):
            product = self.products[bisect(cumulative, self.rng.random() * cumulative[-1])]
            quantity = Decimal(self.rng.choices((1, 2, 3), (80, 15, 5))[0])
            chosen[product.sku] = chosen.get(product.sku, Decimal("0")) + quantity
        return [LineInput(sku, quantity) for sku, quantity in chosen.items()]

    def basket_size(self, day: datetime.date, *, bigger: int = 0) -> int:
        size = self.rng.choices((1, 2, 3, 4, 5, 6), (18, 26, 24, 16, 10, 6))[0] + bigger
        return size + (1 if _season(day) else 0)

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


def _customer_sales(planner: _Planner, customers: list[Customer], groups: dict[int, str]) -> list[PlannedSale]:
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


def _anonymous_sales(planner: _Planner, *, count: int) -> list[PlannedSale]:
    sales = []
    for _sale in range(count):
        day = planner.random_day()
        when = planner.moment(day)
        if when is None:
            continue
        lines = planner.basket(day, size=planner.basket_size(day) - 1 or 1)
        sales.append(PlannedSale(when=when, store=planner.store_for(None), customer=None, lines=lines))
    return sales


def _business_sales(planner: _Planner, businesses: list[Customer]) -> list[PlannedSale]:
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


def _invoice(planner: _Planner, business: Customer, when: datetime.datetime, lines: list[LineInput]) -> PlannedSale:
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


def _returns_plan(planner: _Planner, sales: list[PlannedSale]) -> None:
    """About 3 % of the purchase lines come back, whole or in part."""
    rng = planner.rng
    for sale in sales:
        if sale.kind not in SalesDocument.PURCHASE_KINDS:
            continue
        for index, line in enumerate(sale.lines):
            if rng.random() < 0.03:
                quantity = line.quantity if line.quantity == 1 or rng.random() < 0.6 else Decimal(1)
                sale.returns.append((index, quantity))


def _numbers(sales: list[PlannedSale]) -> list[str]:
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


@dataclass(frozen=True)
class DemoCatalogue:
    stores: dict[str, Store]
    products: list[Product]
    popularity: list[float]
    seasons: list[str]


def demo_catalogue_create() -> DemoCatalogue | None:
    """Create the demo's stores, product groups, products and price lists in the current schema;
    None (and nothing made) when it has stores already."""
    if Store.objects.exists():
        return None
    stores = {code: Store.objects.create(name=name, code=code, address=address) for name, code, address in STORES}
    products, tops, popularity, seasons = _catalogue_create()
    _price_lists_create(products, tops)
    return DemoCatalogue(stores=stores, products=products, popularity=popularity, seasons=seasons)


def _source(kind: str) -> SaleSource:
    """Where a demo document was registered: receipts at the tills, the rest in the back office."""
    return SaleSource.TILL if kind == SalesDocument.Kind.RECEIPT else SaleSource.BACK_OFFICE


@transaction.atomic
def demo_sales_create(
    *,
    tenant,
    seed: int = 2026,
    catalogue: DemoCatalogue | None = None,
    points_to_redeem: Callable[[PlannedSale], int] | None = None,
) -> DemoSalesSummary | None:
    """Create two years of sales and returns in the current schema (that of `tenant`), ending
    today, on the demo's catalogue: the one given (made by `demo_catalogue_create` before, so that
    other parts of the demo can refer to its products), or one made here. Without a catalogue,
    does nothing when the schema has stores already (returns None then), so running it again adds
    nothing. `points_to_redeem(sale)`, when given, says how many points a receipt pays with."""
    catalogue = catalogue or demo_catalogue_create()
    if catalogue is None:
        return None
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    stores, products = catalogue.stores, catalogue.products
    planner = _Planner(
        rng=rng, products=products, popularity=catalogue.popularity, seasons=catalogue.seasons, stores=stores, now=now
    )
    groups = dict(CustomerGroup.objects.values_list("pk", "name"))
    buyers = list(Customer.objects.filter(company__isnull=True).order_by("pk"))
    people = [customer for customer in buyers if customer.kind == Customer.Kind.PERSON]
    businesses = [customer for customer in buyers if customer.kind == Customer.Kind.BUSINESS]
    sales = _customer_sales(planner, people, groups) + _business_sales(planner, businesses)
    sales += _anonymous_sales(planner, count=round(len(sales) * ANONYMOUS_SHARE / (1 - ANONYMOUS_SHARE)))
    sales.sort(key=lambda sale: sale.when)
    _returns_plan(planner, sales)
    cashier = User.objects.filter(username="cashier").first()
    admin = User.objects.filter(username="admin").first()
    line_count = 0
    returning: list[tuple[PlannedSale, SalesDocument]] = []
    for sale, number in zip(sales, _numbers(sales), strict=True):
        redeem = points_to_redeem(sale) if points_to_redeem is not None else 0
        document = sale_register(
            store=sale.store,
            customer=sale.customer,
            lines=sale.lines,
            kind=sale.kind,
            occurred_at=sale.when,
            number=number,
            acting_user=cashier if sale.kind == SalesDocument.Kind.RECEIPT else admin,
            payment_status=sale.payment_status,
            paid_amount=sale.paid_amount,
            source=_source(sale.kind),
            extensions=[LoyaltyAtSale(points_to_redeem=redeem)] if redeem else [],
        )
        line_count += len(sale.lines)
        if sale.returns:
            returning.append((sale, document))
    return_count = _returns_register(planner, returning, cashier)
    summary = DemoSalesSummary(
        stores=len(stores), products=len(products), sales=len(sales), lines=line_count, returns=return_count
    )
    logger.info("demo sales: %s in %.1f s", summary, time.monotonic() - started)
    return summary


def _returns_register(
    planner: _Planner, returning: list[tuple[PlannedSale, SalesDocument]], acting_user: User | None
) -> int:
    rng = planner.rng
    lines: dict[int, list[int]] = {}
    for document_id, line_id in (
        SalesLine.objects.filter(document__in=[document for _sale, document in returning])
        .order_by("document_id", "pk")
        .values_list("document_id", "pk")
    ):
        lines.setdefault(document_id, []).append(line_id)
    count = 0
    for sale, document in returning:
        when = sale.when + datetime.timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 5))
        if when >= planner.now:
            continue
        line_ids = lines[document.pk]
        return_register(
            sale=document,
            lines=[ReturnLineInput(line_ids[index], quantity) for index, quantity in sale.returns],
            reason=rng.choice(RETURN_REASONS),
            acting_user=acting_user,
            occurred_at=when,
            source=_source(SalesDocument.Kind.RECEIPT),
        )
        count += 1
    return count
