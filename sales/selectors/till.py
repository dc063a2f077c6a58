"""The till's reads of products and prices: products by the code a till names them by, and what a
customer pays for them today."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from sales.models import Product
from sales.selectors.pricing import customer_prices


def products_by_code(codes: list[str]) -> dict[str, Product]:
    """Active products by the SKU or EAN a till sends, in one query."""
    found: dict[str, Product] = {}
    for product in Product.objects.by_codes(codes).filter(is_active=True):
        found[product.sku] = product
        if product.ean:
            found[product.ean] = product
    return found


@dataclass(frozen=True)
class TillPrice:
    code: str
    product: Product
    list_price: Decimal
    price: Decimal
    discount_source: str
    price_list: str


@dataclass(frozen=True)
class TillPrices:
    customer_id: int | None
    date: datetime.date
    prices: tuple[TillPrice, ...]


def till_prices(*, customer: Customer | None, codes: list[str]) -> TillPrices:
    """What the customer (None: an anonymous buyer) pays today for each product a till names, in
    the order asked (a code asked twice answered once). Dated by the retailer's local date, the
    date `sale_register` prices a sale of now by. A ValidationError names every code that is no
    active product."""
    codes = list(dict.fromkeys(codes))
    products = products_by_code(codes)
    unknown = [code for code in codes if code not in products]
    if unknown:
        raise ValidationError(
            {"products": [_("No active product with the code “%(code)s”.") % {"code": code} for code in unknown]}
        )
    today = timezone.localdate()
    prices = customer_prices(
        customer=customer, products=list({product.pk: product for product in products.values()}.values()), today=today
    )
    return TillPrices(
        customer_id=customer.pk if customer else None,
        date=today,
        prices=tuple(
            TillPrice(
                code=code,
                product=products[code],
                list_price=prices[products[code].pk].list_price,
                price=prices[products[code].pk].price,
                discount_source=prices[products[code].pk].source,
                price_list=prices[products[code].pk].price_list,
            )
            for code in codes
        ),
    )
