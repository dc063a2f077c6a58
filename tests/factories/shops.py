"""A whole shop built from the factories, and the client of the till's API its terminal uses."""

from dataclasses import dataclass
from decimal import Decimal

from django.test import Client

from sales.models import Product, ProductGroup, Store, Terminal
from staff.models import User
from tests.factories.sales import ProductFactory, ProductGroupFactory, StoreFactory, TerminalFactory

SHOP_TOKEN = "alpha-till-token-0001"
SHOP_TEA_EAN = "4740000000018"


@dataclass
class TillApi:
    """The test client of one tenant's host, sending one terminal's token (none: unauthenticated).
    A body that is not text is sent as JSON."""

    host: str
    token: str | None

    def __post_init__(self):
        self.client = Client(HTTP_HOST=self.host)

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1/{path}", params or {}, **self._headers())

    def post(self, path: str, body):
        return self.client.post(f"/api/v1/{path}", body, content_type="application/json", **self._headers())


@dataclass(frozen=True)
class Shop:
    """A store with a till, a product group tree and three products, and the tenant's admin."""

    store: Store  # Tallinn, code TLN
    terminal: Terminal  # "Till 1" of Tallinn, whose token is `token`
    token: str
    api: TillApi  # the till's API on the tenant's host, sending `token`
    drinks: ProductGroup  # Drinks
    tea_group: ProductGroup  # Tea, under Drinks
    tea: Product  # TEA-1 "Green tea", EAN 4740000000018, 4.00, in Tea
    cup: Product  # CUP-1 "Cup", 10.00, no group, no EAN
    old_stock: Product  # OLD-1 "Old tea", 3.00, inactive
    admin: User  # the tenant's admin (made with the tenant)


def shop_build(*, host: str, admin_username: str) -> Shop:
    """Build the shop in the current tenant, whose host and admin are given."""
    store = StoreFactory(name="Tallinn", code="TLN")
    drinks = ProductGroupFactory(name="Drinks")
    tea_group = ProductGroupFactory(name="Tea", parent=drinks)
    return Shop(
        store=store,
        terminal=TerminalFactory(store=store, name="Till 1", token=SHOP_TOKEN),
        token=SHOP_TOKEN,
        api=TillApi(host, SHOP_TOKEN),
        drinks=drinks,
        tea_group=tea_group,
        tea=ProductFactory(
            sku="TEA-1", ean=SHOP_TEA_EAN, name="Green tea", group=tea_group, list_price=Decimal("4.00")
        ),
        cup=ProductFactory(sku="CUP-1", ean=None, name="Cup", list_price=Decimal("10.00")),
        old_stock=ProductFactory(sku="OLD-1", ean=None, name="Old tea", list_price=Decimal("3.00"), is_active=False),
        admin=User.objects.get(username=admin_username),
    )
