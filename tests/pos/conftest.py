"""A till of alpha: a store, a terminal with a known token, products, and an HTTP client for the API."""

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from sales.models import Product, ProductGroup, Store, Terminal

TOKEN = "alpha-till-token-0001"


def terminal_make(store: Store, name: str, token: str) -> Terminal:
    return Terminal.objects.create(
        store=store, name=name, token_hash=Terminal.hash_token(token), token_prefix=token[:8]
    )


@dataclass
class Api:
    """The test client of one tenant's host, sending one terminal's token."""

    host: str
    token: str | None

    def __post_init__(self):
        self.client = Client(HTTP_HOST=self.host)

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1/{path}", params or {}, **self._headers())

    def post(self, path: str, body):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(f"/api/v1/{path}", data, content_type="application/json", **self._headers())


@dataclass
class Shop:
    store: Store
    terminal: Terminal
    green_tea: Product
    cup: Product
    tea_group: ProductGroup
    api: Api


@pytest.fixture
def shop(alpha, db):
    with tenant_context(alpha.tenant):
        store = Store.objects.create(name="Tallinn", code="TLN")
        terminal = terminal_make(store, "Till 1", TOKEN)
        drinks = ProductGroup.objects.create(name="Drinks")
        tea = ProductGroup.objects.create(name="Tea", parent=drinks)
        green = Product.objects.create(sku="TEA-1", ean="4740000000011", name="Green tea", group=tea, list_price="4.00")
        cup = Product.objects.create(sku="CUP-1", name="Cup", list_price="10.00")
        Product.objects.create(sku="OLD-1", name="Old stock", list_price="1.00", is_active=False)
    return Shop(store, terminal, green, cup, tea, Api(alpha.host, TOKEN))
