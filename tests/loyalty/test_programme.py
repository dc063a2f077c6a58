"""Settings → Loyalty programme: the programme's settings, earning rules, tiers and the "try it"
panel, through the services and the pages; refusals write nothing; tenants stay apart."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup
from loyalty.models import EarnedLine, EarningRule, PointsAccount, PointsEntry, Programme, Tier
from loyalty.services.programme import (
    earning_rule_create,
    earning_rule_delete,
    earning_rule_update,
    programme_update,
    tier_create,
    tier_update,
)
from sales.models import GroupPriceList, PriceList, PriceListItem, SalesDocument, Store
from sales.services.sales import LineInput, sale_register

SETTINGS = {
    "is_enabled": True,
    "points_per_unit": "1,5",
    "rounding": "half_up",
    "point_value": "0.01",
    "max_redeem_percent": "30",
    "expiry_months": "12",
    "welcome_bonus": "100",
    "birthday_bonus": "",
    "negative_policy": "allow",
    "adjustment_cap": "",
    "tiers_enabled": True,
}


def _programme_state() -> tuple:
    programme = Programme.objects.get(pk=1)
    return (
        Programme.objects.filter(pk=1).values().get(),
        sorted(programme.no_earning_groups.values_list("pk", flat=True)),
    )


def _rule_state() -> tuple:
    return (
        list(EarningRule.objects.order_by("pk").values()),
        list(EarningRule.stores.through.objects.order_by("pk").values()),
        list(EarningRule.customer_groups.through.objects.order_by("pk").values()),
    )


def _error_messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- the programme ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_programme_update_saves_every_setting(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        staff = CustomerGroup.objects.create(name="Staff")
        programme = programme_update(**SETTINGS, no_earning_group_ids=[str(staff.pk)], acting_user=None)
        programme.refresh_from_db()
        assert programme.points_per_unit == Decimal("1.5")
        assert programme.rounding == "half_up"
        assert programme.max_redeem_percent == Decimal("30")
        assert (programme.expiry_months, programme.welcome_bonus, programme.birthday_bonus) == (12, 100, 0)
        assert (programme.negative_policy, programme.adjustment_cap, programme.tiers_enabled) == ("allow", None, True)
        assert list(programme.no_earning_groups.all()) == [staff]

        programme_update(
            **{**SETTINGS, "expiry_months": "", "is_enabled": False}, no_earning_group_ids=[], acting_user=None
        )
        programme.refresh_from_db()
        assert (programme.expiry_months, programme.is_enabled) == (None, False)
        assert not programme.no_earning_groups.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"points_per_unit": "-1"}, "points_per_unit", "Points per currency unit cannot be negative."),
        (
            {"points_per_unit": "1.2345"},
            "points_per_unit",
            "“1.2345” has too many decimals: at most 3 are allowed.",
        ),
        ({"points_per_unit": ""}, "points_per_unit", "Give the points a currency unit earns (0 for none)."),
        ({"points_per_unit": "lots"}, "points_per_unit", "“lots” is not a number."),
        ({"point_value": "-0.01"}, "point_value", "The value of a point cannot be negative."),
        ({"point_value": "0.00001"}, "point_value", "“0.00001” has too many decimals: at most 4 are allowed."),
        (
            {"max_redeem_percent": "100.5"},
            "max_redeem_percent",
            "Points cannot pay more than the whole receipt (100 per cent).",
        ),
        ({"max_redeem_percent": "-5"}, "max_redeem_percent", "The share of a receipt cannot be negative."),
        (
            {"max_redeem_percent": "33.333"},
            "max_redeem_percent",
            "“33.333” has too many decimals: at most 2 are allowed.",
        ),
        (
            {"expiry_months": "0"},
            "expiry_months",
            "Points expire after one month at the earliest; leave the field empty if they never do.",
        ),
        ({"expiry_months": "1.5"}, "expiry_months", "“1.5” is not a whole number."),
        ({"welcome_bonus": "-10"}, "welcome_bonus", "A bonus cannot be negative."),
        ({"birthday_bonus": "-1"}, "birthday_bonus", "A bonus cannot be negative."),
        ({"adjustment_cap": "-100"}, "adjustment_cap", "The largest adjustment cannot be negative."),
        ({"rounding": "sideways"}, "rounding", "Choose how the points of a receipt are rounded."),
        (
            {"negative_policy": "forgive"},
            "negative_policy",
            "Choose what a return does when the points were spent already.",
        ),
    ],
)
def test_programme_update_refuses_and_writes_nothing(
    alpha, shop, shop_customer, loyalty_programme, changes, field, message
):
    with tenant_context(alpha.tenant):
        before = _programme_state()
        with pytest.raises(ValidationError) as refused:
            programme_update(**{**SETTINGS, **changes}, no_earning_group_ids=[], acting_user=None)
        assert _error_messages(refused.value) == {field: [message]}
        assert _programme_state() == before


@pytest.mark.django_db
def test_programme_update_names_every_problem_at_once_and_refuses_an_unknown_group(
    alpha, shop, shop_customer, loyalty_programme
):
    with tenant_context(alpha.tenant):
        before = _programme_state()
        missing = (CustomerGroup.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
        with pytest.raises(ValidationError) as refused:
            programme_update(
                **{**SETTINGS, "points_per_unit": "-1", "max_redeem_percent": "150"},
                no_earning_group_ids=[missing],
                acting_user=None,
            )
        assert _error_messages(refused.value) == {
            "points_per_unit": ["Points per currency unit cannot be negative."],
            "max_redeem_percent": ["Points cannot pay more than the whole receipt (100 per cent)."],
            "no_earning_groups": [f"No customer group has the id {missing} here."],
        }
        assert _programme_state() == before


@pytest.mark.django_db
def test_the_programme_page_saves_and_shows_refusals(alpha, shop, shop_customer, loyalty_programme, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    page = client.get("/settings/loyalty/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "The sub-groups of a chosen group earn nothing too." in content
    assert 'name="points_per_unit" value="1"' in content

    form = {**SETTINGS, "is_enabled": "on", "tiers_enabled": "on", "points_per_unit": "1.25"}
    refused = client.post("/settings/loyalty/", {**form, "max_redeem_percent": "101"})
    assert refused.status_code == 200
    assert "Points cannot pay more than the whole receipt (100 per cent)." in refused.content.decode()
    with tenant_context(alpha.tenant):
        assert Programme.objects.get(pk=1).points_per_unit == Decimal("1")

    saved = client.post("/settings/loyalty/", form)
    assert saved.status_code == 302
    assert saved.url == "/settings/loyalty/"
    with tenant_context(alpha.tenant):
        programme = Programme.objects.get(pk=1)
        assert (programme.points_per_unit, programme.expiry_months, programme.is_enabled) == (Decimal("1.25"), 12, True)
    assert 'name="points_per_unit" value="1.25"' in client.get("/settings/loyalty/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "/settings/loyalty/",
        "/settings/loyalty/rules/",
        "/settings/loyalty/rules/new/",
        "/settings/loyalty/tiers/",
        "/settings/loyalty/tiers/new/",
        "/settings/loyalty/try/",
        "/settings/loyalty/try/line/",
        "/settings/loyalty/history/",
    ],
)
def test_the_pages_need_the_settings_right(alpha, address, tenant_client):
    assert tenant_client(alpha, alpha.marketer).get(address).status_code == 403
    assert tenant_client(alpha, alpha.cashier).get(address, HTTP_HX_REQUEST="true").status_code == 403
    assert tenant_client(alpha).get(address).status_code == 302
    assert tenant_client(alpha, alpha.admin).get(address).status_code == 200


# --- earning rules ------------------------------------------------------------------------------


def _missing_pk(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.django_db
def test_an_earning_rule_with_every_condition(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        friends = CustomerGroup.objects.create(name="Friends")
        rule = earning_rule_create(
            name=" Tea weekends ",
            kind="multiplier",
            multiplier="2,5",
            fixed_points="9",  # ignored: not a fixed rule
            product_group_id=str(shop.tea_group.pk),
            min_receipt_amount="15",
            store_ids=[str(shop.store.pk)],
            customer_group_ids=[friends.pk],
            valid_from=datetime.date(2025, 1, 1),
            valid_until=datetime.date(2025, 12, 31),
            weekdays=["7", "6", "6"],
            acting_user=None,
        )
        rule.refresh_from_db()
        assert (rule.name, rule.kind, rule.multiplier, rule.fixed_points) == (
            "Tea weekends",
            "multiplier",
            Decimal("2.5"),
            None,
        )
        assert (rule.product, rule.product_group, rule.min_receipt_amount) == (None, shop.tea_group, Decimal("15"))
        assert list(rule.stores.all()) == [shop.store]
        assert list(rule.customer_groups.all()) == [friends]
        assert rule.weekdays == [6, 7]

        updated = earning_rule_update(
            rule=rule, name="Green tea fixed", kind="fixed", fixed_points="3", product_code=" TEA-1 ", acting_user=None
        )
        updated.refresh_from_db()
        assert (updated.kind, updated.fixed_points, updated.multiplier) == ("fixed", 3, None)
        assert (updated.product, updated.product_group) == (shop.tea, None)
        assert not updated.stores.exists() and not updated.customer_groups.exists()
        assert (updated.valid_from, updated.weekdays) == (None, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"multiplier": "-2"}, "multiplier", "The multiplier cannot be negative."),
        ({"multiplier": ""}, "multiplier", "A multiplier rule needs its multiplier, e.g. 2 for double points."),
        ({"multiplier": "1.555"}, "multiplier", "“1.555” has too many decimals: at most 2 are allowed."),
        ({"kind": "fixed", "multiplier": ""}, "fixed_points", "A fixed-points rule needs its points per item."),
        ({"kind": "fixed", "fixed_points": "-3"}, "fixed_points", "Points per item cannot be negative."),
        ({"kind": "bonus"}, "kind", None),
        ({"name": "  "}, "name", "Give the rule a name: the points' explanation shows it."),
        (
            {"product_code": "TEA-1", "product_group_id": "tea"},
            "product_group",
            "A rule is for one product or one product group, not both: clear the product code or the group.",
        ),
        ({"product_code": "NOPE-9"}, "product_code", "No product has the code “NOPE-9” (SKU or EAN barcode)."),
        (
            {"valid_from": datetime.date(2025, 3, 1), "valid_until": datetime.date(2025, 2, 28)},
            "valid_until",
            "The period ends before it starts: “valid until” must be on or after “valid from”.",
        ),
        ({"min_receipt_amount": "-1"}, "min_receipt_amount", "The minimum receipt amount cannot be negative."),
        ({"weekdays": [0, 8]}, "weekdays", "Days of the week are numbered 1 (Monday) to 7 (Sunday)."),
        ({"store_ids": "missing"}, "stores", "No store has the id {missing} here."),
        ({"customer_group_ids": "missing"}, "customer_groups", "No customer group has the id {missing} here."),
    ],
)
def test_earning_rule_create_refuses_and_writes_nothing(
    alpha, shop, shop_customer, loyalty_programme, changes, field, message
):
    with tenant_context(alpha.tenant):
        arguments = {"name": "Double", "kind": "multiplier", "multiplier": "2", **changes}
        if arguments.get("product_group_id") == "tea":
            arguments["product_group_id"] = shop.tea_group.pk
        if arguments.get("store_ids") == "missing":
            arguments["store_ids"] = [shop.store.pk, _missing_pk(Store)]
            message = message.format(missing=arguments["store_ids"][1])
        if arguments.get("customer_group_ids") == "missing":
            arguments["customer_group_ids"] = [_missing_pk(CustomerGroup)]
            message = message.format(missing=arguments["customer_group_ids"][0])
        before = _rule_state()
        with pytest.raises(ValidationError) as refused:
            earning_rule_create(**arguments, acting_user=None)
        messages = _error_messages(refused.value)
        assert list(messages) == [field]
        if message is not None:
            assert messages[field] == [message]
        assert _rule_state() == before


@pytest.mark.django_db
def test_earning_rule_update_refuses_a_taken_name_and_changes_nothing(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        earning_rule_create(name="Double", kind="multiplier", multiplier="2", acting_user=None)
        other = earning_rule_create(
            name="Triple", kind="multiplier", multiplier="3", store_ids=[shop.store.pk], acting_user=None
        )
        before = _rule_state()
        with pytest.raises(ValidationError) as refused:
            earning_rule_update(rule=other, name="double", kind="multiplier", multiplier="-1", acting_user=None)
        assert _error_messages(refused.value) == {
            "name": ["A rule named “double” already exists."],
            "multiplier": ["The multiplier cannot be negative."],
        }
        assert _rule_state() == before


@pytest.mark.django_db
def test_deleting_a_rule_that_gave_points_only_switches_it_off(alpha, shop, shop_customer, loyalty_programme):
    with tenant_context(alpha.tenant):
        used = earning_rule_create(
            name="Tea ×2", kind="multiplier", multiplier="2", product_group_id=shop.tea_group.pk, acting_user=None
        )
        unused = earning_rule_create(name="No cups", kind="excluded", product_code="CUP-1", acting_user=None)
        sale_register(store=shop.store, customer=shop_customer, lines=[LineInput("TEA-1", 1)])
        assert earning_rule_delete(rule=unused, acting_user=None) is True
        assert not EarningRule.objects.filter(pk=unused.pk).exists()
        assert earning_rule_delete(rule=used, acting_user=None) is False
        used.refresh_from_db()
        assert used.is_active is False
        assert EarnedLine.objects.get().rule == used


@pytest.mark.django_db
def test_the_rule_pages_create_edit_and_delete(alpha, shop, shop_customer, loyalty_programme, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        friends = CustomerGroup.objects.create(name="Friends")
    form = {
        "name": "Tea ×2",
        "kind": "multiplier",
        "multiplier": "2",
        "product_code": "",
        "product_group": str(shop.tea_group.pk),
        "stores": [str(shop.store.pk)],
        "customer_groups": [str(friends.pk)],
        "weekdays": ["1", "3"],
        "valid_from": "2025-01-01",
        "is_active": "on",
    }
    refused = client.post("/settings/loyalty/rules/new/", {**form, "product_code": "TEA-1"})
    assert refused.status_code == 200
    assert "A rule is for one product or one product group, not both" in refused.content.decode()
    refused = client.post("/settings/loyalty/rules/new/", {**form, "multiplier": "-2"})
    assert "The multiplier cannot be negative." in refused.content.decode()
    with tenant_context(alpha.tenant):
        assert not EarningRule.objects.exists()

    created = client.post("/settings/loyalty/rules/new/", form)
    assert created.status_code == 302 and created.url == "/settings/loyalty/rules/"
    with tenant_context(alpha.tenant):
        rule = EarningRule.objects.get()
        assert (rule.product_group, rule.weekdays, rule.valid_from) == (
            shop.tea_group,
            [1, 3],
            datetime.date(2025, 1, 1),
        )
    listing = client.get("/settings/loyalty/rules/").content.decode()
    assert "Tea ×2" in listing and "group “Tea” and its sub-groups" in listing
    assert "Monday, Wednesday" in listing and "Tallinn" in listing and "Friends" in listing

    edit_page = client.get(f"/settings/loyalty/rules/{rule.pk}/").content.decode()
    assert 'value="Tea ×2"' in edit_page
    edited = client.post(f"/settings/loyalty/rules/{rule.pk}/", {**form, "product_group": "", "product_code": "TEA-1"})
    assert edited.status_code == 302
    with tenant_context(alpha.tenant):
        rule.refresh_from_db()
        assert (rule.product, rule.product_group) == (shop.tea, None)

    assert client.get(f"/settings/loyalty/rules/{rule.pk}/delete/").status_code == 405
    deleted = client.post(f"/settings/loyalty/rules/{rule.pk}/delete/", follow=True)
    assert "Earning rule “Tea ×2” deleted." in deleted.content.decode()
    with tenant_context(alpha.tenant):
        assert not EarningRule.objects.exists()


@pytest.mark.django_db
def test_the_rule_list_costs_the_same_few_queries_whatever_the_number_of_rules(
    alpha, shop, shop_customer, loyalty_programme, django_assert_max_num_queries, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        group = CustomerGroup.objects.create(name="Friends")
        for number in range(15):
            earning_rule_create(
                name=f"Rule {number}",
                kind="multiplier",
                multiplier="2",
                product_code="TEA-1" if number % 2 else "",
                product_group_id=None if number % 2 else shop.tea_group.pk,
                store_ids=[shop.store.pk],
                customer_group_ids=[group.pk],
                acting_user=None,
            )
    with django_assert_max_num_queries(12):
        response = client.get("/settings/loyalty/rules/")
    assert response.content.decode().count('data-testid="rule-rule-') == 15


# --- two retailers ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_retailers_rules_and_stores_are_not_anothers(
    alpha, beta, shop, shop_customer, loyalty_programme, tenant_client
):
    with tenant_context(alpha.tenant):
        earning_rule_create(
            name="Alpha tea ×2", kind="multiplier", multiplier="2", product_code="TEA-1", acting_user=None
        )
        free_store_pk, free_group_pk = _missing_pk(Store), _missing_pk(CustomerGroup)
    with tenant_context(beta.tenant):
        # Ids that no store or group of alpha has, so that only the retailer tells them apart.
        beta_store = Store.objects.create(pk=free_store_pk, name="Beta store", code="BETA")
        beta_group = CustomerGroup.objects.create(pk=free_group_pk, name="Beta group")
        assert not EarningRule.objects.exists()
    listing = tenant_client(beta, beta.admin).get("/settings/loyalty/rules/").content.decode()
    assert "Alpha tea" not in listing
    assert "No rules yet" in listing

    with tenant_context(alpha.tenant):
        assert not CustomerGroup.objects.filter(pk=beta_group.pk).exists()
        before = _rule_state()
        with pytest.raises(ValidationError) as refused:
            earning_rule_create(
                name="Beta's store",
                kind="multiplier",
                multiplier="2",
                store_ids=[beta_store.pk],
                customer_group_ids=[beta_group.pk],
                acting_user=None,
            )
        assert _error_messages(refused.value) == {
            "stores": [f"No store has the id {beta_store.pk} here."],
            "customer_groups": [f"No customer group has the id {beta_group.pk} here."],
        }
        assert _rule_state() == before

    client = tenant_client(alpha, alpha.admin)
    response = client.post(
        "/settings/loyalty/rules/new/",
        {"name": "Beta's store", "kind": "multiplier", "multiplier": "2", "stores": [str(beta_store.pk)]},
    )
    assert response.status_code == 200
    assert f"No store has the id {beta_store.pk} here." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert _rule_state() == before
        assert "Beta store" not in client.get("/settings/loyalty/rules/new/").content.decode()


# --- tiers --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tiers_need_their_own_threshold_and_a_multiplier_not_below_zero(alpha):
    with tenant_context(alpha.tenant):
        silver = tier_create(name="Silver", min_spend="100", multiplier="1.5", acting_user=None)
        tier_create(name="Gold", min_spend="500.00", multiplier="2", acting_user=None)
        before = list(Tier.objects.order_by("pk").values())
        refusals = [
            (
                {"name": "Bronze", "min_spend": "100.00", "multiplier": "1.2"},
                {
                    "min_spend": [
                        "The tier “Silver” starts from the same spend: each tier needs a threshold of its own."
                    ]
                },
            ),
            (
                {"name": "Bronze", "min_spend": "50", "multiplier": "-1"},
                {"multiplier": ["The multiplier cannot be negative."]},
            ),
            (
                {"name": "gold", "min_spend": "-50", "multiplier": "1"},
                {
                    "name": ["A tier named “gold” already exists."],
                    "min_spend": ["The spend a tier starts from cannot be negative."],
                },
            ),
            (
                {"name": "Bronze", "min_spend": "50.001", "multiplier": ""},
                {
                    "min_spend": ["“50.001” has too many decimals: at most 2 are allowed."],
                    "multiplier": ["Give the tier's multiplier, e.g. 1.5 for half as many points again."],
                },
            ),
        ]
        for arguments, expected in refusals:
            with pytest.raises(ValidationError) as refused:
                tier_create(**arguments, acting_user=None)
            assert _error_messages(refused.value) == expected
        with pytest.raises(ValidationError):
            tier_update(tier=silver, name="Silver", min_spend="500", multiplier="1.5", acting_user=None)
        assert list(Tier.objects.order_by("pk").values()) == before
        # Its own threshold is not another's.
        tier_update(tier=silver, name="Silver", min_spend="100", multiplier="1.75", acting_user=None)
        silver.refresh_from_db()
        assert silver.multiplier == Decimal("1.75")


@pytest.mark.django_db
def test_the_tier_pages(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    assert "Tiers are switched off" in client.get("/settings/loyalty/tiers/").content.decode()
    refused = client.post("/settings/loyalty/tiers/new/", {"name": "Gold", "min_spend": "300", "multiplier": "-2"})
    assert "The multiplier cannot be negative." in refused.content.decode()
    created = client.post("/settings/loyalty/tiers/new/", {"name": "Gold", "min_spend": "300", "multiplier": "2"})
    assert created.status_code == 302
    with tenant_context(alpha.tenant):
        gold = Tier.objects.get()
    listing = client.get("/settings/loyalty/tiers/").content.decode()
    assert "Gold" in listing and "300.00 EUR" in listing and "× 2" in listing
    assert (
        client.post(
            f"/settings/loyalty/tiers/{gold.pk}/", {"name": "Gold", "min_spend": "250", "multiplier": "2"}
        ).status_code
        == 302
    )
    client.post(f"/settings/loyalty/tiers/{gold.pk}/delete/")
    with tenant_context(alpha.tenant):
        assert not Tier.objects.exists()


# --- the "try it" panel -------------------------------------------------------------------------


def _write_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (SalesDocument, PointsEntry, PointsAccount, EarnedLine, Programme, Customer, EarningRule)
    }


@pytest.mark.django_db
def test_the_try_panel_shows_each_lines_points_and_why_and_writes_nothing(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        wholesale = CustomerGroup.objects.create(name="Wholesale")
        customer = shop_customer
        Customer.objects.filter(pk=customer.pk).update(group=wholesale)
        price_list = PriceList.objects.create(name="Wholesale prices")
        GroupPriceList.objects.create(customer_group=wholesale, price_list=price_list)
        PriceListItem.objects.create(price_list=price_list, product=shop.cup, fixed_price=Decimal("8.00"))
        earning_rule_create(
            name="Tea ×2",
            kind="multiplier",
            multiplier="2",
            product_group_id=shop.drinks.pk,
            acting_user=None,
        )
        Programme.objects.filter(pk=1).update(points_per_unit=Decimal("1.5"))
        before = _write_counts()
    query = {
        "customer": str(customer.pk),
        "store": str(shop.store.pk),
        "when": "2025-06-02T12:00",
        "code": ["TEA-1", "CUP-1", ""],
        "quantity": ["2", "3", "1"],
        "price": ["", "", ""],
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/settings/loyalty/try/", query)
    assert response.status_code == 200
    content = response.content.decode()
    # Tea: 8.00 × 1.5 × 2 = 24; cups at the price list's 8.00: 24.00 × 1.5 = 36.
    assert 'data-testid="try-total">60<' in content
    assert "Tea ×2: × 2" in content
    assert "1.5 points per unit" in content
    assert "price list Wholesale prices" in content
    assert "24.00 EUR" in content
    written = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"} and "django_session" not in query["sql"]
    ]
    assert written == []
    with tenant_context(alpha.tenant):
        assert _write_counts() == before


@pytest.mark.django_db
def test_the_try_panel_without_a_programme_row_creates_none(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        Programme.objects.all().delete()
    response = client.get(
        "/settings/loyalty/try/",
        {"customer": shop_customer.pk, "store": shop.store.pk, "code": "CUP-1", "quantity": "2"},
    )
    assert 'data-testid="try-total">20<' in response.content.decode()
    with tenant_context(alpha.tenant):
        assert not Programme.objects.exists()


@pytest.mark.django_db
def test_the_try_panel_says_why_nothing_is_earned(alpha, shop, shop_customer, loyalty_programme, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        staff = CustomerGroup.objects.create(name="Staff")
        Programme.objects.get(pk=1).no_earning_groups.set([staff])
        Customer.objects.filter(pk=shop_customer.pk).update(group=staff)
        earning_rule_create(name="No tea", kind="excluded", product_code="TEA-1", acting_user=None)
    base = {"store": shop.store.pk, "code": "TEA-1", "quantity": "1"}
    staff_page = client.get("/settings/loyalty/try/", {**base, "customer": shop_customer.pk}).content.decode()
    assert "The customer&#x27;s group earns no points." in staff_page
    assert "Green tea" in staff_page  # the line is still shown, with its amount
    anonymous = client.get("/settings/loyalty/try/", base).content.decode()
    assert "No customer: a sale earns points only for a known customer." in anonymous
    with tenant_context(alpha.tenant):
        Customer.objects.filter(pk=shop_customer.pk).update(group=None)
    excluded = client.get("/settings/loyalty/try/", {**base, "customer": shop_customer.pk}).content.decode()
    assert "No tea: earns nothing" in excluded
    assert "No line earns points: see why on each line." in excluded


@pytest.mark.django_db
def test_the_try_panel_refuses_unknown_codes_customers_and_quantities(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    response = client.get(
        "/settings/loyalty/try/",
        {
            "customer": "999999",
            "store": shop.store.pk,
            "code": ["NOPE", "CUP-1"],
            "quantity": ["1", "-2"],
            "price": ["", "1.234"],
        },
    )
    content = response.content.decode()
    assert "No customer has the id 999999." in content
    assert "No product has the code “NOPE”." in content
    assert "“-2” is not a quantity: it must be more than zero." in content
    assert "“1.234” has more decimals than the currency (2)." in content
    assert 'data-testid="try-result"' not in content
    # What was typed stays in the fields.
    assert 'name="code" value="NOPE"' in content


@pytest.mark.django_db
def test_the_try_panel_finds_a_customer_and_adds_lines(alpha, shop, shop_customer, loyalty_programme, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    customer = shop_customer
    found = client.get(
        "/settings/loyalty/try/",
        {"action": "find", "q": "tamm", "store": shop.store.pk, "code": "TEA-1", "quantity": "2"},
    ).content.decode()
    assert "Mari Tamm" in found
    assert f"customer={customer.pk}" in found and "action=pick" in found
    picked = client.get(
        "/settings/loyalty/try/", {"action": "pick", "customer": customer.pk, "code": "TEA-1", "quantity": "2"}
    ).content.decode()
    assert "Mari Tamm" in picked and 'name="code" value="TEA-1"' in picked
    assert "is-invalid" not in picked and "alert-danger" not in picked  # not checked before "Show points"
    assert 'name="code" value="TEA-1"' in found  # the basket is kept
    assert 'data-testid="try-result"' not in found
    assert (
        "No customer matches." in client.get("/settings/loyalty/try/", {"action": "find", "q": "zzz"}).content.decode()
    )

    by_id = client.get("/settings/loyalty/try/", {"action": "find", "q": str(customer.pk)}).content.decode()
    assert "Mari Tamm" in by_id

    more = client.get(
        "/settings/loyalty/try/", {"action": "add_line", "code": "TEA-1", "quantity": "2", "price": ""}
    ).content.decode()
    assert more.count('data-testid="basket-line"') == 2
    line = client.get("/settings/loyalty/try/line/", HTTP_HX_REQUEST="true").content.decode()
    assert line.count('data-testid="basket-line"') == 1
    assert "<html" not in line
    panel = client.get(
        "/settings/loyalty/try/",
        {"customer": customer.pk, "store": shop.store.pk, "code": "TEA-1", "quantity": "2"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in panel and 'data-testid="try-total">8<' in panel
