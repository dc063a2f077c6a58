"""The factories of tests/factories and the fixtures built from them: valid rows in the caller's
tenant, sales that the application itself registers, sequences that never collide."""

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.rules import email_clean, phone_clean
from loyalty.barcodes import number_clean
from loyalty.models import Card, CardType, PointsAccount, PointsEntry, Programme
from sales.models import PriceListItem, Product, SalesDocument, Store, Terminal
from sales.rules import ean_check_digit, ean_clean
from sales.services.sales import LineInput, ReturnLineInput
from staff.roles import Right, Role, perm
from tests.factories import (
    CardFactory,
    CardTypeFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerNoteFactory,
    CustomPropertyFactory,
    EarningRuleFactory,
    GroupPriceListFactory,
    PriceListFactory,
    PriceListItemFactory,
    ProductFactory,
    ProductGroupFactory,
    ProgrammeFactory,
    ReportRunFactory,
    ReturnFactory,
    SaleFactory,
    StaffUserFactory,
    StoreFactory,
    TerminalFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

EVERY_FACTORY = [
    CustomerFactory,
    CustomerGroupFactory,
    CustomPropertyFactory,
    CustomerNoteFactory,
    StoreFactory,
    TerminalFactory,
    ProductGroupFactory,
    ProductFactory,
    PriceListFactory,
    PriceListItemFactory,
    GroupPriceListFactory,
    SaleFactory,
    ReturnFactory,
    ProgrammeFactory,
    TierFactory,
    EarningRuleFactory,
    CardTypeFactory,
    CardFactory,
    StaffUserFactory,
    ReportRunFactory,
]
# A run as the reaper's and the purge's tests make it has no parameters and no preview yet: the
# model keeps them as empty JSON, which full_clean() calls blank.
NOT_CLEANED = {ReportRunFactory: ["parameters", "parameters_text", "preview"]}


@pytest.mark.parametrize("factory_class", EVERY_FACTORY, ids=lambda factory_class: factory_class.__name__)
def test_each_factory_writes_a_valid_row_in_the_callers_tenant(alpha, factory_class):
    with tenant_context(alpha.tenant):
        made = factory_class()
        assert connection.schema_name == "alpha"
        made.full_clean(exclude=NOT_CLEANED.get(factory_class))
        assert type(made).objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize(
    "traits",
    [{"business": True}, {"control": True}, {"archived": True}, {"reachable": True}, {"consenting": True}],
    ids=lambda traits: next(iter(traits)),
)
def test_every_customer_trait_is_a_valid_customer(alpha, traits):
    with tenant_context(alpha.tenant):
        customer = CustomerFactory(**traits)
        customer.full_clean()
    if customer.phone:
        assert phone_clean(customer.phone, region="EE") == customer.phone
        assert email_clean(customer.email) == customer.email


def test_customer_traits_set_what_they_say(alpha):
    with tenant_context(alpha.tenant):
        business = CustomerFactory(business=True)
        consenting = CustomerFactory(consenting=True, group=CustomerGroupFactory(parent=CustomerGroupFactory()))
    assert (business.kind, business.first_name, business.last_name) == (Customer.Kind.BUSINESS, "", "")
    assert business.company_name.endswith(" Ltd")
    assert (consenting.email_consent, consenting.sms_consent) == (True, True)
    assert consenting.phone and consenting.email
    assert consenting.group.parent is not None


@pytest.mark.parametrize("traits", [{}, {"discount": True}, {"gift": True}, {"coupon": True}, {"code128": True}])
def test_every_card_type_trait_is_valid_and_its_cards_carry_valid_numbers(alpha, traits):
    with tenant_context(alpha.tenant):
        card_type = CardTypeFactory(**traits)
        card_type.full_clean()
        cards = [CardFactory(card_type=card_type), CardFactory(card_type=card_type, stock=True)]
        for card in cards:
            card.full_clean()
            assert number_clean(card.number, symbology=card_type.symbology) == card.number
            assert card.number.startswith(card_type.prefix)
    assert [(card.status, card.customer is None) for card in cards] == [
        (Card.Status.ACTIVE, False),
        (Card.Status.STOCK, True),
    ]


def test_a_price_list_item_is_for_a_product_or_a_group_with_a_percentage_or_a_fixed_price(alpha):
    with tenant_context(alpha.tenant):
        group = CustomerGroupFactory()
        price_list = PriceListFactory(customer_groups=[group])
        for_product = PriceListItemFactory(price_list=price_list)
        for_group = PriceListItemFactory(price_list=price_list, product_group=ProductGroupFactory())
        fixed = PriceListItemFactory(price_list=price_list, fixed_price=Decimal("2.50"))
        rows = list(
            PriceListItem.objects.filter(price_list=price_list)
            .order_by("pk")
            .values_list("product_id", "product_group_id", "percent_off", "fixed_price")
        )
        assert list(price_list.assignments.values_list("customer_group", flat=True)) == [group.pk]
    assert rows == [
        (for_product.product_id, None, Decimal("10.00"), None),
        (None, for_group.product_group_id, Decimal("10.00"), None),
        (fixed.product_id, None, None, Decimal("2.50")),
    ]


def test_a_terminal_authenticates_with_the_token_it_was_made_with(alpha, till_api):
    with tenant_context(alpha.tenant):
        terminal = TerminalFactory(token="factory-test-token-42")
        other = TerminalFactory()
    assert terminal.token_hash == Terminal.hash_token("factory-test-token-42")
    assert terminal.token_prefix == "factory-"
    assert other.token_hash != terminal.token_hash
    assert till_api(alpha.host, "factory-test-token-42").get("customers/", {"code": "0"}).status_code == 404
    assert till_api(alpha.host, "not-the-token").get("customers/", {"code": "0"}).status_code == 401


def test_a_staff_user_has_the_role_and_rights_asked_for_and_logs_in(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        cashier = StaffUserFactory()
        marketer = StaffUserFactory(role=Role.MARKETER)
        viewer = StaffUserFactory(role="", rights=[Right.VIEW_CUSTOMERS])
        assert (cashier.role, marketer.role, viewer.role) == (Role.CASHIER, Role.MARKETER, None)
        assert viewer.has_perm(perm(Right.VIEW_CUSTOMERS))
        assert not viewer.has_perm(perm(Right.MANAGE_CARDS))
    assert tenant_client(alpha, marketer).get("/").status_code == 200
    assert tenant_client(alpha).get("/").status_code == 302  # to the login page


def test_the_programme_factory_writes_over_the_one_programme_row(alpha):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(welcome_bonus=50, expiry_months=24, no_earning_groups=[CustomerGroupFactory()])
        programme = ProgrammeFactory()
        assert list(Programme.objects.values_list("pk", "welcome_bonus", "expiry_months")) == [(1, 0, None)]
        assert programme.pk == 1
        assert not programme.no_earning_groups.exists()


# --- sales and returns through the services ---------------------------------------------------


def test_a_sale_adds_exactly_its_total_to_the_customers_purchase_figures(alpha):
    with tenant_context(alpha.tenant):
        customer = CustomerFactory()
        first = SaleFactory(customer=customer, lines=3)
        second = SaleFactory(
            customer=customer,
            store=first.store,
            lines=[
                LineInput(product=ProductFactory(list_price=Decimal("4.00")).sku, quantity=Decimal("2")),
                LineInput(product=ProductFactory().sku, quantity=Decimal("1"), unit_price=Decimal("7.25")),
            ],
        )
        SaleFactory(customer=customer, kind=SalesDocument.Kind.ORDER)
        customer.refresh_from_db()
        assert (first.total, first.lines.count()) == (Decimal("30.00"), 3)
        assert second.total == Decimal("15.25")
        assert (customer.purchase_count, customer.purchase_total) == (2, Decimal("45.25"))
        assert (customer.first_purchase_at, customer.last_purchase_at) == (first.occurred_at, second.occurred_at)


def test_a_return_takes_its_amount_off_the_customers_figures(alpha):
    with tenant_context(alpha.tenant):
        customer = CustomerFactory()
        sale = SaleFactory(customer=customer, lines=2)
        first_line = sale.lines.order_by("pk").first()
        partly = ReturnFactory(sale=sale, lines=[ReturnLineInput(sale_line_id=first_line.pk, quantity=Decimal("1"))])
        rest = ReturnFactory(sale=sale)
        customer.refresh_from_db()
        sale.refresh_from_db()
        assert (partly.amount, rest.amount) == (Decimal("10.00"), Decimal("10.00"))
        assert (customer.purchase_count, customer.purchase_total, customer.return_count) == (1, Decimal("0.00"), 2)
        assert sale.returned_total == Decimal("20.00")


def test_a_sale_earns_points_when_the_programme_runs_and_a_return_takes_them_back(alpha):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(points_per_unit=Decimal("2"))
        customer = CustomerFactory()
        sale = SaleFactory(customer=customer, lines=3)
        assert PointsAccount.objects.get(customer=customer).balance == 60
        assert list(PointsEntry.objects.filter(sale=sale).values_list("kind", "points")) == [("earn", 60)]
        ReturnFactory(sale=sale)
        assert PointsAccount.objects.get(customer=customer).balance == 0


def test_a_sale_earns_nothing_when_the_programme_is_switched_off(alpha):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(is_enabled=False)
        customer = CustomerFactory()
        SaleFactory(customer=customer, lines=3)
        assert not PointsEntry.objects.filter(customer=customer).exists()
        customer.refresh_from_db()
        assert customer.purchase_total == Decimal("30.00")


# --- sequences --------------------------------------------------------------------------------


def test_sequences_never_collide_within_a_factory_or_across_factories(alpha):
    with tenant_context(alpha.tenant):
        products = ProductFactory.create_batch(30)
        stores = StoreFactory.create_batch(30)
        terminals = TerminalFactory.create_batch(5, store=stores[0])
        ean_types = [CardTypeFactory(), CardTypeFactory()]
        cards = [CardFactory(card_type=card_type) for card_type in ean_types for _ in range(15)]
        groups = CustomerGroupFactory.create_batch(10)
        users = StaffUserFactory.create_batch(5)
    skus = {product.sku for product in products}
    eans = {product.ean for product in products}
    numbers = {card.number for card in cards}
    assert len(skus) == len(eans) == len(products)
    assert all(ean_clean(ean) == ean and int(ean[-1]) == ean_check_digit(ean[:-1]) for ean in eans)
    assert len(numbers) == len(cards)
    assert not numbers & eans  # a code at the till is a card or a product, never both
    assert len({store.code.upper() for store in stores}) == len(stores)
    assert len({terminal.token_hash for terminal in terminals}) == len(terminals)
    assert len({group.name.upper() for group in groups}) == len(groups)
    assert len({user.username for user in users}) == len({user.email for user in users}) == len(users)
    assert len({card_type.prefix for card_type in ean_types}) == 2


def test_factories_never_take_the_codes_of_the_shop(alpha, shop):
    with tenant_context(alpha.tenant):
        made = ProductFactory.create_batch(5)
        StoreFactory.create_batch(5)
        TerminalFactory.create_batch(2, store=shop.store)
        assert Product.objects.filter(pk__in=[product.pk for product in made]).count() == 5
        assert Store.objects.filter(code="TLN").get() == shop.store


# --- the fixtures built from the factories ----------------------------------------------------


def test_the_shop_holds_what_it_says(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        assert (shop.store.name, shop.store.code) == ("Tallinn", "TLN")
        assert (shop.tea_group.name, shop.tea_group.parent) == ("Tea", shop.drinks)
        assert list(Product.objects.order_by("sku").values_list("sku", "ean", "name", "list_price", "is_active")) == [
            ("CUP-1", None, "Cup", Decimal("10.00"), True),
            ("OLD-1", None, "Old tea", Decimal("3.00"), False),
            ("TEA-1", "4740000000018", "Green tea", Decimal("4.00"), True),
        ]
        assert shop.tea.group == shop.tea_group and ean_clean(shop.tea.ean) == shop.tea.ean
        assert shop.admin.role == Role.ADMIN
        assert str(shop_customer) == "Mari Tamm"
        assert loyalty_programme.is_enabled and loyalty_programme.pk == 1
        assert list(CardType.objects.all()) == []
    assert shop.terminal.token_hash == Terminal.hash_token(shop.token)
    assert shop.api.get("customers/", {"code": str(shop_customer.pk)}).json()["name"] == "Mari Tamm"


def test_a_sale_in_the_shop_through_its_till(alpha, shop, shop_customer, loyalty_programme):
    response = shop.api.post(
        "sales/",
        {
            "client_id": "factories-1",
            "customer_id": shop_customer.pk,
            "lines": [{"product": shop.tea.ean, "quantity": "2"}, {"product": "CUP-1", "quantity": "1"}],
        },
    )
    assert response.status_code == 201, response.content
    with tenant_context(alpha.tenant):
        shop_customer.refresh_from_db()
        assert (shop_customer.purchase_count, shop_customer.purchase_total) == (1, Decimal("18.00"))
        assert PointsAccount.objects.get(customer=shop_customer).balance == 18


def test_tenant_client_takes_a_host_name_and_a_login(alpha, tenant_client):
    assert tenant_client("nobody.localhost").get("/").status_code == 404
    assert tenant_client(alpha.host, alpha.admin).get("/").status_code == 200


def test_the_file_fixtures_point_into_the_project(project_root, artifacts_dir, save_screenshot):
    assert (project_root / "manage.py").is_file()
    assert artifacts_dir == project_root / "test-artifacts"
    assert callable(save_screenshot)
