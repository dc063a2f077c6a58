"""Settings → Products: the product group tree, product forms that refuse bad input, search."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from sales.models import Product, ProductGroup
from sales.services.products import product_create, product_group_create

GOOD = {
    "sku": "TEA-2",
    "ean": "4006381333931",
    "name": "Black tea",
    "list_price": "3.90",
    "vat_rate": "9",
    "is_active": "on",
}


@pytest.fixture
def catalogue(alpha):
    with tenant_context(alpha.tenant):
        drinks = product_group_create(name="Drinks")
        tea = product_group_create(name="Tea", parent=drinks)
        green = product_group_create(name="Green", parent=tea)
        cups = product_group_create(name="Cups")
        products = {
            "sencha": product_create(
                sku="TEA-1", ean="4740000000018", name="Sencha", group=green, list_price="4.00", vat_rate="9"
            ),
            "juice": product_create(sku="JUI-1", name="Apple juice", group=drinks, list_price="2.50"),
            "mug": product_create(sku="CUP-1", ean="96385074", name="Mug", group=cups, list_price="10.00"),
        }
    return {"drinks": drinks, "tea": tea, "green": green, "cups": cups, **products}


@pytest.mark.django_db
def test_the_admin_creates_a_product_with_every_field(alpha, catalogue, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/products/new/", {**GOOD, "ean": "4006 3813 3393 1", "group": catalogue["tea"].pk}
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        product = Product.objects.get(sku="TEA-2")
    assert (product.ean, product.name, product.group_id, product.list_price, product.vat_rate, product.is_active) == (
        "4006381333931",
        "Black tea",
        catalogue["tea"].pk,
        Decimal("3.90"),
        Decimal("9"),
        True,
    )


@pytest.mark.django_db
def test_a_product_without_an_ean_and_with_a_decimal_comma_is_fine(alpha, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/products/new/", {**GOOD, "ean": "", "list_price": "4,50", "vat_rate": "22"}
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        assert Product.objects.values_list("ean", "list_price").get(sku="TEA-2") == (None, Decimal("4.50"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ean": "4740000000012"},
            "ean",
            "“4740000000012” is not a valid EAN barcode: its check digit is 2, it should be 8.",
        ),
        (
            {"ean": "474000000001"},
            "ean",
            "“474000000001” is not an EAN barcode: it has 12 digits, an EAN has 8 or 13.",
        ),
        ({"ean": "47400A0000011"}, "ean", "“47400A0000011” is not an EAN barcode: it may hold digits only."),
        ({"ean": "4740000000018"}, "ean", "The EAN barcode “4740000000018” is already used by Sencha (TEA-1)."),
        ({"sku": "TEA-1"}, "sku", "A product with the code (SKU) “TEA-1” already exists."),
        ({"sku": "tea-1"}, "sku", "A product with the code (SKU) “tea-1” already exists."),
        ({"list_price": "3.999"}, "list_price", "“3.999” has more decimals than the currency (2)."),
        ({"list_price": "-1.00"}, "list_price", "“-1.00” is negative: a price cannot be."),
        ({"list_price": "cheap"}, "list_price", "“cheap” is not a number."),
        ({"vat_rate": "120"}, "vat_rate", "“120” is not a VAT rate: it must be from 0 to 100 (per cent)."),
        ({"vat_rate": "-1"}, "vat_rate", "“-1” is not a VAT rate: it must be from 0 to 100 (per cent)."),
    ],
)
def test_bad_product_input_is_refused_with_its_message_and_nothing_is_written(
    alpha, catalogue, changes, field, message, tenant_client
):
    response = tenant_client(alpha, alpha.admin).post("/settings/sales/products/new/", {**GOOD, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    with tenant_context(alpha.tenant):
        assert Product.objects.count() == 3
        assert not Product.objects.filter(name="Black tea").exists()


@pytest.mark.django_db
def test_every_problem_of_a_form_is_shown_at_once(alpha, catalogue, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/sales/products/new/", {**GOOD, "sku": "TEA-1", "list_price": "-2", "vat_rate": "101"}
    )
    assert set(response.context["form"].errors) == {"sku", "list_price", "vat_rate"}


@pytest.mark.django_db
def test_editing_keeps_its_own_codes_and_refuses_another_products(alpha, catalogue, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    path = f"/settings/sales/products/{catalogue['mug'].pk}/"
    assert client.get(path).context["form"].initial["vat_rate"] == "22"
    data = {"sku": "CUP-1", "ean": "96385074", "name": "Big mug", "list_price": "12.00", "vat_rate": "22"}
    assert client.post(path, data).status_code == 302
    refused = client.post(path, {**data, "ean": "4740000000018"})
    assert refused.context["form"].errors["ean"] == [
        "The EAN barcode “4740000000018” is already used by Sencha (TEA-1)."
    ]
    with tenant_context(alpha.tenant):
        mug = Product.objects.get(pk=catalogue["mug"].pk)
    assert (mug.name, mug.ean, mug.list_price, mug.is_active) == ("Big mug", "96385074", Decimal("12.00"), False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Apple juice", "Mug", "Sencha"]),
        ("tea-1", ["Sencha"]),
        ("4740", ["Sencha"]),
        ("9638 5074", ["Mug"]),
        ("juice", ["Apple juice"]),
        ("nothing", []),
    ],
)
def test_the_list_searches_sku_ean_and_name(alpha, catalogue, query, expected, tenant_client):
    response = tenant_client(alpha, alpha.admin).get("/settings/sales/products/", {"q": query})
    assert [product.name for product in response.context["page"].object_list] == expected


@pytest.mark.django_db
def test_filtering_by_a_group_includes_its_sub_groups(alpha, catalogue, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    by_drinks = client.get("/settings/sales/products/", {"group": catalogue["drinks"].pk})
    assert [product.name for product in by_drinks.context["page"].object_list] == ["Apple juice", "Sencha"]
    by_tea = client.get("/settings/sales/products/", {"group": catalogue["tea"].pk, "q": "sen"})
    assert [product.name for product in by_tea.context["page"].object_list] == ["Sencha"]
    partial = client.get("/settings/sales/products/", {"group": catalogue["cups"].pk}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "Mug" in partial.content.decode()


@pytest.mark.django_db
def test_the_list_is_paginated(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        Product.objects.bulk_create(
            Product(sku=f"P{number:03}", name=f"Product {number:03}", list_price="1.00") for number in range(55)
        )
    client = tenant_client(alpha, alpha.admin)
    first = client.get("/settings/sales/products/")
    assert len(first.context["page"].object_list) == 50
    assert "55 products" in first.content.decode()
    second = client.get("/settings/sales/products/", {"page": 2})
    assert [product.sku for product in second.context["page"].object_list] == [f"P{n:03}" for n in range(50, 55)]


@pytest.mark.django_db
def test_the_group_tree_lists_groups_under_their_parents(alpha, catalogue, tenant_client):
    response = tenant_client(alpha, alpha.admin).get("/settings/sales/products/groups/")
    nodes = [(node.group.name, node.depth, node.product_count) for node in response.context["nodes"]]
    assert nodes == [("Cups", 0, 1), ("Drinks", 0, 1), ("Tea", 1, 0), ("Green", 2, 1)]


@pytest.mark.django_db
def test_groups_are_created_renamed_and_moved_on_screen(alpha, catalogue, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    assert client.post("/settings/sales/products/groups/new/", {"name": "Herbal", "parent": catalogue["tea"].pk})
    client.post(f"/settings/sales/products/groups/{catalogue['green'].pk}/", {"name": "Green teas", "parent": ""})
    with tenant_context(alpha.tenant):
        assert ProductGroup.objects.get(name="Herbal").parent_id == catalogue["tea"].pk
        assert ProductGroup.objects.get(pk=catalogue["green"].pk).parent_id is None
        assert ProductGroup.objects.get(pk=catalogue["green"].pk).name == "Green teas"


@pytest.mark.django_db
def test_a_group_cannot_move_below_itself_and_siblings_have_distinct_names(alpha, catalogue, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    moved = client.post(
        f"/settings/sales/products/groups/{catalogue['drinks'].pk}/",
        {"name": "Drinks", "parent": catalogue["green"].pk},
    )
    assert moved.context["form"].errors["parent"] == [
        f"Select a valid choice. {catalogue['green'].pk} is not one of the available choices."
    ]
    twin = client.post("/settings/sales/products/groups/new/", {"name": "tea", "parent": catalogue["drinks"].pk})
    assert twin.context["form"].errors["name"] == ["A group with this name already exists at this place in the tree."]
    with tenant_context(alpha.tenant):
        assert ProductGroup.objects.get(pk=catalogue["drinks"].pk).parent_id is None
        assert ProductGroup.objects.count() == 4


@pytest.mark.django_db
def test_only_an_empty_group_can_be_deleted(alpha, catalogue, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    drinks = client.post(f"/settings/sales/products/groups/{catalogue['drinks'].pk}/delete/", follow=True)
    assert "The group “Drinks” holds 1 product and 1 sub-group: move or delete them first." in drinks.content.decode()
    tea = client.post(f"/settings/sales/products/groups/{catalogue['tea'].pk}/delete/", follow=True)
    assert "The group “Tea” holds 1 sub-group: move or delete them first." in tea.content.decode()
    with tenant_context(alpha.tenant):
        assert ProductGroup.objects.count() == 4
        product_create(sku="CUP-2", name="Cup", group=catalogue["cups"], list_price="5.00")
    cups = client.post(f"/settings/sales/products/groups/{catalogue['cups'].pk}/delete/", follow=True)
    assert "The group “Cups” holds 2 products: move or delete them first." in cups.content.decode()
    with tenant_context(alpha.tenant):
        empty = product_group_create(name="Seasonal")
    deleted = client.post(f"/settings/sales/products/groups/{empty.pk}/delete/", follow=True)
    assert "Product group “Seasonal” deleted." in deleted.content.decode()
    with tenant_context(alpha.tenant):
        assert ProductGroup.objects.count() == 4


@pytest.mark.django_db
def test_another_retailer_sees_none_of_the_products(alpha, beta, catalogue, tenant_client):
    client = tenant_client(beta, beta.admin)
    assert list(client.get("/settings/sales/products/").context["page"].object_list) == []
    assert client.get("/settings/sales/products/groups/").context["nodes"] == []
    assert client.get(f"/settings/sales/products/{catalogue['mug'].pk}/").status_code == 404
    assert client.post(f"/settings/sales/products/groups/{catalogue['cups'].pk}/delete/").status_code == 404
    # The same SKU is free in another retailer's catalogue.
    assert (
        client.post("/settings/sales/products/new/", {**GOOD, "sku": "TEA-1", "ean": "4740000000018"}).status_code
        == 302
    )
    with tenant_context(alpha.tenant):
        assert Product.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["marketer", "cashier"])
def test_only_the_admin_manages_products(alpha, catalogue, role, tenant_client):
    client = tenant_client(alpha, getattr(alpha, role))
    pages = [
        "/settings/sales/products/",
        "/settings/sales/products/new/",
        f"/settings/sales/products/{catalogue['mug'].pk}/",
        "/settings/sales/products/groups/",
        "/settings/sales/products/groups/new/",
        f"/settings/sales/products/groups/{catalogue['cups'].pk}/",
    ]
    for path in pages:
        assert client.get(path).status_code == 403, path
    posts = {
        "/settings/sales/products/new/": GOOD,
        f"/settings/sales/products/{catalogue['mug'].pk}/": {**GOOD, "sku": "CUP-1"},
        "/settings/sales/products/groups/new/": {"name": "X"},
        f"/settings/sales/products/groups/{catalogue['cups'].pk}/": {"name": "X"},
        f"/settings/sales/products/groups/{catalogue['cups'].pk}/delete/": {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    with tenant_context(alpha.tenant):
        assert Product.objects.count() == 3
        assert Product.objects.get(pk=catalogue["mug"].pk).name == "Mug"
        assert sorted(ProductGroup.objects.values_list("name", flat=True)) == ["Cups", "Drinks", "Green", "Tea"]
