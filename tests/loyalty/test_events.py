"""The programme's history: every change of the settings, an earning rule, a tier or a card type
writes exactly one LoyaltyEvent (who, when, old → new) in the change's transaction; a refused
change writes none; the History page shows them to whoever may edit the programme, each retailer
only its own."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from customers.models import CustomerGroup
from loyalty.models import LoyaltyEvent, Programme
from loyalty.services.card_types import card_type_create, card_type_update
from loyalty.services.programme import (
    earning_rule_create,
    earning_rule_delete,
    earning_rule_update,
    programme_update,
    tier_create,
    tier_delete,
    tier_update,
)
from staff.models import User

pytestmark = pytest.mark.django_db

SETTINGS = {
    "is_enabled": True,
    "points_per_unit": "1",
    "rounding": "half_up",
    "point_value": "0.01",
    "max_redeem_percent": "50",
    "expiry_months": "",
    "welcome_bonus": "",
    "birthday_bonus": "",
    "negative_policy": "cap",
    "adjustment_cap": "",
    "tiers_enabled": False,
}


def _events() -> list[tuple]:
    return list(LoyaltyEvent.objects.order_by("pk").values_list("kind", "acting_user__username", "label", "changes"))


@pytest.fixture
def admin_user(alpha):
    with tenant_context(alpha.tenant):
        return User.objects.get(username="admin")


def test_a_programme_change_writes_one_event_with_who_and_old_to_new(
    alpha, shop, shop_customer, loyalty_programme, admin_user
):
    with tenant_context(alpha.tenant):
        programme_update(**SETTINGS, acting_user=admin_user)
        # shop's programme has the same values, but for the rounding.
        assert _events() == [("programme_changed", "admin", "", {"rounding": {"old": "down", "new": "half_up"}})]
        vip = CustomerGroup.objects.create(name="Staff")
        programme_update(
            **{**SETTINGS, "points_per_unit": "1,5", "expiry_months": "12"},
            no_earning_group_ids=[vip.pk],
            acting_user=None,
        )
        assert _events()[1] == (
            "programme_changed",
            None,
            "",
            {
                "points_per_unit": {"old": "1", "new": "1.5"},
                "expiry_months": {"old": None, "new": 12},
                "no_earning_groups": {"old": [], "new": ["Staff"]},
            },
        )
        # Saved again as it is: nothing changed, nothing written.
        programme_update(
            **{**SETTINGS, "points_per_unit": "1.5", "expiry_months": "12"},
            no_earning_group_ids=[vip.pk],
            acting_user=admin_user,
        )
        assert len(_events()) == 2


def test_the_programme_saved_the_first_time_makes_its_row_and_one_event(alpha, admin_user):
    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).delete()
        programme_update(**SETTINGS, acting_user=admin_user)
        assert Programme.objects.get(pk=1).is_enabled is True
        assert [(kind, user) for kind, user, _label, _changes in _events()] == [("programme_changed", "admin")]


def test_rule_changes_write_one_event_each_and_a_deleted_rule_keeps_its_history(
    alpha, shop, shop_customer, loyalty_programme, admin_user
):
    with tenant_context(alpha.tenant):
        rule = earning_rule_create(
            name="Tea ×2", kind="multiplier", multiplier="2", product_code="TEA-1", acting_user=admin_user
        )
        earning_rule_update(
            rule=rule,
            name="Tea ×3",
            kind="multiplier",
            multiplier="3",
            product_code="TEA-1",
            store_ids=[shop.store.pk],
            acting_user=admin_user,
        )
        earning_rule_delete(rule=rule, acting_user=None)
        events = _events()
        assert events == [
            (
                "rule_created",
                "admin",
                "Tea ×2",
                {
                    "name": {"old": None, "new": "Tea ×2"},
                    "kind": {"old": None, "new": "multiplier"},
                    "multiplier": {"old": None, "new": "2"},
                    "product": {"old": None, "new": str(shop.tea)},
                    "is_active": {"old": None, "new": True},
                },
            ),
            (
                "rule_changed",
                "admin",
                "Tea ×3",
                {
                    "name": {"old": "Tea ×2", "new": "Tea ×3"},
                    "multiplier": {"old": "2", "new": "3"},
                    "stores": {"old": [], "new": ["Tallinn"]},
                },
            ),
            ("rule_deleted", None, "Tea ×3", {}),
        ]
        # The rule is gone; its events stay, their link cleared.
        assert list(LoyaltyEvent.objects.values_list("rule_id", flat=True)) == [None, None, None]


def test_tier_changes_write_one_event_each(alpha, shop, shop_customer, loyalty_programme, admin_user):
    with tenant_context(alpha.tenant):
        tier = tier_create(name="Silver", min_spend="100", multiplier="1.5", acting_user=admin_user)
        tier_update(tier=tier, name="Silver", min_spend="150", multiplier="1.5", acting_user=admin_user)
        tier_delete(tier=tier, acting_user=admin_user)
        assert _events() == [
            (
                "tier_created",
                "admin",
                "Silver",
                {
                    "name": {"old": None, "new": "Silver"},
                    "min_spend": {"old": None, "new": "100"},
                    "multiplier": {"old": None, "new": "1.5"},
                },
            ),
            ("tier_changed", "admin", "Silver", {"min_spend": {"old": "100", "new": "150"}}),
            ("tier_deleted", "admin", "Silver", {}),
        ]


def test_card_type_changes_write_one_event_each(alpha, admin_user):
    with tenant_context(alpha.tenant):
        card_type = card_type_create(
            name="Gift card", kind="gift", symbology="ean13", prefix="2002", gift_value="50", acting_user=admin_user
        )
        card_type_update(
            card_type=card_type,
            name="Gift card",
            kind="gift",
            symbology="ean13",
            prefix="2002",
            gift_value="25",
            is_active=False,
            acting_user=admin_user,
        )
        created, changed = _events()
        assert created[:3] == ("card_type_created", "admin", "Gift card")
        assert created[3]["gift_value"] == {"old": None, "new": "50"}
        assert changed == (
            "card_type_changed",
            "admin",
            "Gift card",
            {"gift_value": {"old": "50", "new": "25"}, "is_active": {"old": True, "new": False}},
        )


def test_a_refused_change_writes_no_event(alpha, shop, shop_customer, loyalty_programme, admin_user):
    with tenant_context(alpha.tenant):
        rule = earning_rule_create(name="Double", kind="multiplier", multiplier="2", acting_user=admin_user)
        tier = tier_create(name="Gold", min_spend="500", multiplier="2", acting_user=admin_user)
        card_type = card_type_create(name="Bonus card", kind="bonus", prefix="2001", acting_user=admin_user)
        before = _events()
        refusals = [
            lambda: programme_update(**{**SETTINGS, "max_redeem_percent": "150"}, acting_user=admin_user),
            lambda: earning_rule_create(name="Double", kind="multiplier", multiplier="2", acting_user=admin_user),
            lambda: earning_rule_update(rule=rule, name="Double", kind="multiplier", multiplier="-1", acting_user=None),
            lambda: tier_create(name="Gold", min_spend="600", multiplier="2", acting_user=admin_user),
            lambda: tier_update(tier=tier, name="Gold", min_spend="-1", multiplier="2", acting_user=admin_user),
            lambda: card_type_create(name="Bonus card", kind="bonus", prefix="2009", acting_user=admin_user),
            lambda: card_type_update(
                card_type=card_type, name="", kind="bonus", symbology="ean13", prefix="2001", acting_user=admin_user
            ),
        ]
        for refused in refusals:
            with pytest.raises(ValidationError):
                refused()
        assert _events() == before


def test_the_history_page_shows_who_when_and_old_to_new_for_the_settings_right(
    alpha, shop, shop_customer, loyalty_programme, admin_user, tenant_client
):
    with tenant_context(alpha.tenant):
        programme_update(**{**SETTINGS, "point_value": "0.02"}, acting_user=admin_user)
        tier_create(name="Silver", min_spend="100", multiplier="1.5", acting_user=None)
    client = tenant_client(alpha, alpha.admin)
    page = client.get("/settings/loyalty/history/")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count('data-testid="loyalty-event"') == 2
    # Newest first: the tier, added by no person, then the programme's change by the admin.
    rows = [row.event.kind for row in page.context["page"].object_list]
    assert rows == [LoyaltyEvent.Kind.TIER_CREATED, LoyaltyEvent.Kind.PROGRAMME_CHANGED]
    changes = {change.field: (change.old, change.new) for change in page.context["page"].object_list[1].changes}
    assert changes["value of a point when paying"] == ("0.01", "0.02")
    assert changes["rounding"] == ("Down", "To the nearest")
    assert "Programme settings changed" in content and "Tier added" in content and "Silver" in content
    assert "0.01 → 0.02" in content
    assert 'href="/settings/loyalty/history/"' in client.get("/settings/loyalty/").content.decode()
    assert tenant_client(alpha, alpha.marketer).get("/settings/loyalty/history/").status_code == 403


def test_each_retailer_sees_only_its_own_history(
    alpha, beta, shop, shop_customer, loyalty_programme, admin_user, tenant_client
):
    with tenant_context(alpha.tenant):
        tier_create(name="Alpha gold", min_spend="100", multiplier="2", acting_user=admin_user)
    with tenant_context(beta.tenant):
        tier_create(name="Beta silver", min_spend="50", multiplier="1.5", acting_user=None)
    alpha_page = tenant_client(alpha, alpha.admin).get("/settings/loyalty/history/").content.decode()
    beta_page = tenant_client(beta, beta.admin).get("/settings/loyalty/history/").content.decode()
    assert "Alpha gold" in alpha_page and "Beta silver" not in alpha_page
    assert "Beta silver" in beta_page and "Alpha gold" not in beta_page
    with tenant_context(beta.tenant):
        assert list(LoyaltyEvent.objects.values_list("label", flat=True)) == ["Beta silver"]
    with tenant_context(alpha.tenant):
        assert list(LoyaltyEvent.objects.values_list("label", flat=True)) == ["Alpha gold"]


def test_a_card_type_page_shows_the_types_own_history(alpha, admin_user, tenant_client):
    with tenant_context(alpha.tenant):
        bonus = card_type_create(name="Bonus card", kind="bonus", prefix="2001", acting_user=admin_user)
        card_type_create(name="Other card", kind="bonus", prefix="2003", acting_user=admin_user)
        card_type_update(
            card_type=bonus,
            name="Bonus card",
            kind="bonus",
            symbology="ean13",
            prefix="2001",
            valid_days="365",
            acting_user=admin_user,
        )
    page = tenant_client(alpha, alpha.admin).get(f"/settings/loyalty/cards/types/{bonus.pk}/")
    assert [row.event.kind for row in page.context["history"].object_list] == [
        LoyaltyEvent.Kind.CARD_TYPE_CHANGED,
        LoyaltyEvent.Kind.CARD_TYPE_CREATED,
    ]
    content = page.content.decode()
    assert "Card type changed" in content and "— → 365" in content and "Other card" not in content
