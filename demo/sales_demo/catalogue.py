"""The demo's catalogue: three stores, 17 product groups in a tree of two levels, 150 products
with EAN-13 barcodes (list prices in EUR, VAT 24 %), and the price lists "Wholesale −15 %" (for
the customer group Wholesale) and "VIP prices" (for VIP)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from customers.models import CustomerGroup
from sales.models import (
    GroupPriceList,
    PriceList,
    PriceListItem,
    Product,
    ProductGroup,
    Store,
)
from sales.rules import ean_check_digit
from sales.services.stores import terminal_create

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
    # A till at the first store, so that the cashier's screen works in the demo at once (its API
    # token is not kept: a real till gets one from Settings → Stores).
    terminal_create(tenant=connection.tenant, store=next(iter(stores.values())), name="Till 1")
    products, tops, popularity, seasons = _catalogue_create()
    _price_lists_create(products, tops)
    return DemoCatalogue(stores=stores, products=products, popularity=popularity, seasons=seasons)
