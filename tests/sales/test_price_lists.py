"""Settings → Price lists: periods, items, assignment to customer groups and inheritance."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from sales.models import GroupPriceList, PriceList, PriceListItem
from sales.selectors.pricing import customer_prices
from sales.services.price_lists import price_list_create, price_list_item_add
from tests.factories import CustomerGroupFactory


@dataclass(frozen=True)
class PriceGroups:
    wholesale: CustomerGroup
    big: CustomerGroup  # Big buyers, under Wholesale
    huge: CustomerGroup  # Huge buyers, under Big buyers
    vip: CustomerGroup
    staff: CustomerGroup


@pytest.fixture
def price_groups(alpha) -> PriceGroups:
    with tenant_context(alpha.tenant):
        wholesale = CustomerGroupFactory(name="Wholesale")
        big = CustomerGroupFactory(name="Big buyers", parent=wholesale)
        return PriceGroups(
            wholesale=wholesale,
            big=big,
            huge=CustomerGroupFactory(name="Huge buyers", parent=big),
            vip=CustomerGroupFactory(name="VIP"),
            staff=CustomerGroupFactory(name="Staff"),
        )


@pytest.fixture
def wholesale_list(alpha, shop, price_groups):
    with tenant_context(alpha.tenant):
        price_list = price_list_create(name="Wholesale prices", customer_groups=[price_groups.wholesale])
        price_list_item_add(price_list=price_list, product_group=shop.drinks, percent_off="25")
    return price_list


def item_path(price_list) -> str:
    return f"/settings/sales/price-lists/{price_list.pk}/items/"


@pytest.mark.django_db
def test_the_admin_creates_a_price_list_for_two_groups(alpha, price_groups, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/price-lists/new/",
        {
            "name": "VIP prices",
            "valid_from": "2025-01-01",
            "valid_to": "2025-12-31",
            "customer_groups": [price_groups.vip.pk, price_groups.staff.pk],
        },
    )
    with tenant_context(alpha.tenant):
        price_list = PriceList.objects.get()
        groups = sorted(
            GroupPriceList.objects.filter(price_list=price_list).values_list("customer_group__name", flat=True)
        )
    assert response.url == f"/settings/sales/price-lists/{price_list.pk}/"
    assert (price_list.name, price_list.valid_from, price_list.valid_to) == (
        "VIP prices",
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert groups == ["Staff", "VIP"]


@pytest.mark.django_db
def test_a_period_that_ends_before_it_starts_is_refused(alpha, price_groups, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/price-lists/new/",
        {
            "name": "Backwards",
            "valid_from": "2025-06-01",
            "valid_to": "2025-05-31",
            "customer_groups": [price_groups.vip.pk],
        },
    )
    assert response.context["form"].errors["valid_to"] == [
        "The period ends before it starts: “valid to” must be on or after “valid from”."
    ]
    with tenant_context(alpha.tenant):
        assert PriceList.objects.count() == 0
        assert GroupPriceList.objects.count() == 0


@pytest.mark.django_db
def test_a_price_list_name_is_unique(alpha, wholesale_list, tenant_client):
    response = tenant_client(alpha, alpha.admin).post("/settings/sales/price-lists/new/", {"name": "wholesale PRICES"})
    assert response.context["form"].errors["name"] == ["A price list named “wholesale PRICES” already exists."]
    with tenant_context(alpha.tenant):
        assert PriceList.objects.count() == 1


@pytest.mark.django_db
def test_items_are_added_for_a_product_or_a_group(alpha, shop, price_groups, wholesale_list, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post(item_path(wholesale_list), {"product": shop.cup.pk, "fixed_price": "7.50"})
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        items = sorted(
            PriceListItem.objects.filter(price_list=wholesale_list).values_list(
                "product__sku", "product_group__name", "fixed_price", "percent_off"
            ),
            key=str,
        )
    assert items == [("CUP-1", None, Decimal("7.50"), None), (None, "Drinks", None, Decimal("25.00"))]
    page = client.get(f"/settings/sales/price-lists/{wholesale_list.pk}/").content.decode()
    assert "7.50 EUR" in page and "25 % off" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"product": "mug", "product_group": "tea", "percent_off": "10"},
            "__all__",
            "Choose a product or a product group, not both.",
        ),
        ({"percent_off": "10"}, "__all__", "Choose a product or a product group."),
        (
            {"product": "mug", "fixed_price": "5", "percent_off": "10"},
            "__all__",
            "Give a fixed price or a percentage off, not both.",
        ),
        ({"product": "mug"}, "__all__", "Give a fixed price or a percentage off."),
        (
            {"product": "mug", "percent_off": "0"},
            "percent_off",
            "The percentage off must be more than 0 and at most 100.",
        ),
        (
            {"product": "mug", "percent_off": "150"},
            "percent_off",
            "The percentage off must be more than 0 and at most 100.",
        ),
        ({"product": "mug", "percent_off": "12.345"}, "percent_off", "The percentage off has at most two decimals."),
        ({"product": "mug", "fixed_price": "7.505"}, "fixed_price", "“7.505” has more decimals than the currency (2)."),
        ({"product": "mug", "fixed_price": "-1"}, "fixed_price", "“-1” is negative: a price cannot be."),
        (
            {"product_group": "drinks", "fixed_price": "3"},
            "product_group",
            "The product group “Drinks” is already in this price list.",
        ),
    ],
)
def test_bad_items_are_refused_with_their_message_and_nothing_is_written(
    alpha, shop, price_groups, wholesale_list, data, field, message, tenant_client
):
    named = {"mug": shop.cup, "drinks": shop.drinks, "tea": shop.tea_group}
    posted = {key: named[value].pk if key in ("product", "product_group") else value for key, value in data.items()}
    response = tenant_client(alpha, alpha.admin).post(item_path(wholesale_list), posted)
    assert response.status_code == 200
    assert response.context["item_form"].errors[field] == [message]
    with tenant_context(alpha.tenant):
        assert PriceListItem.objects.count() == 1


@pytest.mark.django_db
def test_a_product_is_in_a_price_list_once(alpha, shop, price_groups, wholesale_list, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post(item_path(wholesale_list), {"product": shop.cup.pk, "fixed_price": "7.50"})
    response = client.post(item_path(wholesale_list), {"product": shop.cup.pk, "percent_off": "5"})
    assert response.context["item_form"].errors["product"] == ["Cup (CUP-1) is already in this price list."]
    with tenant_context(alpha.tenant):
        assert PriceListItem.objects.filter(product=shop.cup).count() == 1


@pytest.mark.django_db
def test_an_item_is_edited_and_removed(alpha, shop, price_groups, wholesale_list, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        item = PriceListItem.objects.get()
    path = f"/settings/sales/price-lists/{wholesale_list.pk}/items/{item.pk}/"
    assert client.get(path).context["form"].initial["percent_off"] == "25"
    refused = client.post(path, {"product_group": shop.drinks.pk, "percent_off": "150"})
    assert refused.context["form"].errors["percent_off"] == ["The percentage off must be more than 0 and at most 100."]
    assert client.post(path, {"product_group": shop.tea_group.pk, "fixed_price": "3.20"}).status_code == 302
    with tenant_context(alpha.tenant):
        assert PriceListItem.objects.values_list("product_group__name", "fixed_price", "percent_off").get() == (
            "Tea",
            Decimal("3.20"),
            None,
        )
    client.post(f"{path}remove/")
    with tenant_context(alpha.tenant):
        assert PriceListItem.objects.count() == 0


@pytest.mark.django_db
def test_a_customer_group_has_one_price_list(alpha, price_groups, wholesale_list, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/price-lists/new/",
        {"name": "Second", "customer_groups": [price_groups.vip.pk, price_groups.wholesale.pk]},
    )
    assert response.context["form"].errors["customer_groups"] == [
        "The customer group “Wholesale” already has the price list “Wholesale prices”; take it off there first."
    ]
    page = response.content.decode()
    assert "Wholesale (has “Wholesale prices”)" in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    with tenant_context(alpha.tenant):
        assert list(PriceList.objects.values_list("name", flat=True)) == ["Wholesale prices"]
        assert list(GroupPriceList.objects.values_list("customer_group__name", "price_list__name")) == [
            ("Wholesale", "Wholesale prices")
        ]


@pytest.mark.django_db
def test_editing_moves_the_assignment_and_keeps_nothing_half_done(alpha, price_groups, wholesale_list, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    path = f"/settings/sales/price-lists/{wholesale_list.pk}/"
    assert client.get(path).context["form"].initial["customer_groups"] == [price_groups.wholesale.pk]
    client.post(path, {"name": "Wholesale 2025", "customer_groups": [price_groups.big.pk]})
    with tenant_context(alpha.tenant):
        assert list(GroupPriceList.objects.values_list("customer_group__name", "price_list__name")) == [
            ("Big buyers", "Wholesale 2025")
        ]
        price_list_create(name="VIP prices", customer_groups=[price_groups.vip])
    refused = client.post(path, {"name": "Renamed", "customer_groups": [price_groups.vip.pk]})
    assert refused.context["form"].errors["customer_groups"] == [
        "The customer group “VIP” already has the price list “VIP prices”; take it off there first."
    ]
    with tenant_context(alpha.tenant):
        assert PriceList.objects.get(pk=wholesale_list.pk).name == "Wholesale 2025"


@pytest.mark.django_db
def test_the_overview_shows_which_list_each_group_gets_and_from_where(
    alpha, price_groups, wholesale_list, tenant_client
):
    with tenant_context(alpha.tenant):
        price_list_create(name="Huge deals", customer_groups=[price_groups.huge])
    response = tenant_client(alpha, alpha.admin).get("/settings/sales/price-lists/")
    rows = [
        (
            row.group.name,
            row.depth,
            row.price_list.name if row.price_list else None,
            getattr(row.inherited_from, "name", None),
        )
        for row in response.context["group_rows"]
    ]
    assert rows == [
        ("Staff", 0, None, None),
        ("VIP", 0, None, None),
        ("Wholesale", 0, "Wholesale prices", None),
        ("Big buyers", 1, "Wholesale prices", "Wholesale"),
        ("Huge buyers", 2, "Huge deals", None),
    ]
    page = response.content.decode()
    assert "inherited from Wholesale" in page
    assert "none: list prices" in page


@pytest.mark.django_db
def test_a_sub_groups_customer_pays_the_inherited_price(alpha, shop, price_groups, wholesale_list):
    with tenant_context(alpha.tenant):
        customer = Customer.objects.create(first_name="Mari", last_name="Tamm", group=price_groups.big)
        prices = customer_prices(customer=customer, products=[shop.tea, shop.cup], today=datetime.date.today())
    assert (prices[shop.tea.pk].price, prices[shop.tea.pk].source) == (Decimal("3.00"), "price_list")
    assert (prices[shop.cup.pk].price, prices[shop.cup.pk].source) == (Decimal("10.00"), "")


@pytest.mark.django_db
def test_deleting_a_price_list_frees_its_groups(alpha, price_groups, wholesale_list, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        f"/settings/sales/price-lists/{wholesale_list.pk}/delete/", follow=True
    )
    assert "Price list “Wholesale prices” deleted." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert (PriceList.objects.count(), PriceListItem.objects.count(), GroupPriceList.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_another_retailer_sees_none_of_the_price_lists(alpha, beta, wholesale_list, tenant_client):
    client = tenant_client(beta, beta.admin)
    assert list(client.get("/settings/sales/price-lists/").context["price_lists"]) == []
    assert client.get(f"/settings/sales/price-lists/{wholesale_list.pk}/").status_code == 404
    assert client.post(f"/settings/sales/price-lists/{wholesale_list.pk}/delete/").status_code == 404
    with tenant_context(alpha.tenant):
        assert PriceList.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["marketer", "cashier"])
def test_only_the_admin_manages_price_lists(alpha, shop, price_groups, wholesale_list, role, tenant_client):
    with tenant_context(alpha.tenant):
        item = PriceListItem.objects.get()
    client = tenant_client(alpha, getattr(alpha, role))
    base = f"/settings/sales/price-lists/{wholesale_list.pk}/"
    for path in ("/settings/sales/price-lists/", "/settings/sales/price-lists/new/", base, f"{base}items/{item.pk}/"):
        assert client.get(path).status_code == 403, path
    posts = {
        "/settings/sales/price-lists/new/": {"name": "X"},
        base: {"name": "X", "customer_groups": [price_groups.vip.pk]},
        f"{base}delete/": {},
        f"{base}items/": {"product": shop.cup.pk, "fixed_price": "1"},
        f"{base}items/{item.pk}/": {"product": shop.cup.pk, "fixed_price": "1"},
        f"{base}items/{item.pk}/remove/": {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    with tenant_context(alpha.tenant):
        assert list(PriceList.objects.values_list("name", flat=True)) == ["Wholesale prices"]
        assert list(PriceListItem.objects.values_list("product_group__name", "percent_off")) == [
            ("Drinks", Decimal("25.00"))
        ]
        assert GroupPriceList.objects.count() == 1
