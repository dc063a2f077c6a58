"""A shop with a loyalty programme: one store, a product group tree, products, a customer."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer
from loyalty.models import Programme
from sales.models import Product, ProductGroup, Store


@pytest.fixture
def loyalty_shop(alpha):
    with tenant_context(alpha.tenant):
        Programme.objects.update_or_create(
            pk=1,
            defaults={
                "points_per_unit": Decimal("1"),
                "point_value": Decimal("0.01"),
                "max_redeem_percent": Decimal("50"),
                "negative_policy": Programme.NegativePolicy.CAP,
            },
        )
        store = Store.objects.create(name="Tallinn", code="TLN")
        drinks = ProductGroup.objects.create(name="Drinks")
        tea = ProductGroup.objects.create(name="Tea", parent=drinks)
        tea_product = Product.objects.create(sku="TEA-1", name="Green tea", group=tea, list_price="4.00")
        cup = Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
        customer = Customer.objects.create(first_name="Mari", last_name="Tamm", status="introduced")
        yield {
            "store": store,
            "drinks": drinks,
            "tea": tea,
            "tea_product": tea_product,
            "cup": cup,
            "customer": customer,
        }
