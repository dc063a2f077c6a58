"""The small parts, made through the ORM: stores, groups, properties, price lists, card types and
the programme."""

from dataclasses import dataclass
from decimal import Decimal

from customers.models import CustomerGroup, CustomProperty
from demo.bench_data import BenchSize
from demo.bench_data.inserts import execute, insert_select, sequence_sync
from loyalty.models import CardType, Programme
from sales.models import GroupPriceList, PriceList, PriceListItem, ProductGroup, Store

PROPERTIES = (
    ("shoe_size", "Shoe size", "Schuhgröße", "Jalanõu suurus", CustomProperty.Type.NUMBER, []),
    (
        "channel",
        "Preferred channel",
        "Bevorzugter Kanal",
        "Eelistatud kanal",
        CustomProperty.Type.CHOICE,
        ["store", "web", "phone"],
    ),
    ("pet_owner", "Has a pet", "Hat ein Haustier", "Lemmikloom", CustomProperty.Type.BOOLEAN, []),
)


@dataclass(frozen=True)
class Catalogue:
    store_ids: list[int]
    private_group_ids: list[int]  # a price list's groups (a parent and its sub-groups): 5 % off
    business_group_ids: list[int]  # 12 % off
    group_ids: list[int]  # every customer group
    bonus_type: CardType
    discount_type: CardType


def _group_tree(name: str, children: list[str]) -> list[int]:
    parent = CustomerGroup.objects.create(name=name)
    return [parent.pk, *(CustomerGroup.objects.create(name=child, parent=parent).pk for child in children)]


def catalogue_create(size: BenchSize) -> Catalogue:
    stores = [
        Store.objects.create(name=f"Store {number:02d}", code=f"S{number:02d}", address=f"Main street {number}")
        for number in range(1, size.stores + 1)
    ]
    private = _group_tree("Private", ["Students", "Seniors", "Families"])
    business = _group_tree("Business", ["Wholesale", "Partners"])
    staff = _group_tree("Staff", [])
    for position, (code, en, de, et, kind, choices) in enumerate(PROPERTIES):
        CustomProperty.objects.create(
            code=code,
            label_en=en,
            label_de=de,
            label_et=et,
            type=kind,
            choices=choices,
            is_shown_in_list=position == 1,
            position=position,
        )
    tops = max(1, size.product_groups // 10)
    departments = [ProductGroup.objects.create(name=f"Department {number}") for number in range(1, tops + 1)]
    ProductGroup.objects.bulk_create(
        ProductGroup(name=f"Category {number}", parent=departments[(number - 1) % tops])
        for number in range(tops + 1, size.product_groups + 1)
    )
    members = PriceList.objects.create(name="Members")
    wholesale = PriceList.objects.create(name="Wholesale prices")
    for group in ProductGroup.objects.filter(parent__isnull=True):
        PriceListItem.objects.create(price_list=members, product_group=group, percent_off=Decimal("5"))
        PriceListItem.objects.create(price_list=wholesale, product_group=group, percent_off=Decimal("12"))
    GroupPriceList.objects.create(customer_group_id=private[0], price_list=members)
    GroupPriceList.objects.create(customer_group_id=business[0], price_list=wholesale)
    Programme.objects.update_or_create(
        pk=1,
        defaults={
            "is_enabled": True,
            "points_per_unit": Decimal("1"),
            "rounding": Programme.Rounding.DOWN,
            "negative_policy": Programme.NegativePolicy.CAP,
        },
    )
    bonus = CardType.objects.create(name="Bonus card", kind=CardType.Kind.BONUS, prefix="29001")
    discount = CardType.objects.create(
        name="Discount card 10 %", kind=CardType.Kind.DISCOUNT, prefix="29002", discount_percent=Decimal("10")
    )
    return Catalogue(
        store_ids=[store.pk for store in stores],
        private_group_ids=private,
        business_group_ids=business,
        group_ids=private + business + staff,
        bonus_type=bonus,
        discount_type=discount,
    )


EAN13_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.ean13(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT digits || ((10 - (SELECT sum(substr(digits, i, 1)::int * CASE WHEN i % 2 = 0 THEN 3 ELSE 1 END)
                             FROM generate_series(1, 12) i) % 10) % 10)::text
$$
"""


def products_create(size: BenchSize) -> None:
    from sales.models import Product

    execute(EAN13_FUNCTION)
    leaves = list(ProductGroup.objects.filter(parent__isnull=False).order_by("id").values_list("id", flat=True))
    insert_select(
        Product,
        {
            "sku": "'SKU' || lpad(i::text, 6, '0')",
            "ean": "pg_temp.ean13('20' || lpad(i::text, 10, '0'))",
            "name": "(ARRAY['Fresh','Classic','Organic','Premium','Everyday','Local','Crunchy','Soft'])"
            "[1 + mod(i, 8)] || ' ' || (ARRAY['bread','cheese','apples','coffee','tea','soap','socks','juice','pasta',"
            "'yoghurt','rice','candles'])[1 + mod(i / 8, 12)] || ' ' || i",
            "group_id": "(%s::bigint[])[1 + mod(i * 7919, %s)]",
            "list_price": "round((0.5 + power(random(), 2) * 60)::numeric, 2)",
            "vat_rate": "22",
            "is_active": "true",
        },
        "FROM generate_series(1, %s) i",
        [leaves, len(leaves), size.products],
    )
    sequence_sync(Product)
