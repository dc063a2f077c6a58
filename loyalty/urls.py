"""The loyalty app's back-office pages (included at the site's root, names under `loyalty:`):
Settings → Cards under /settings/loyalty/cards/, Settings → Loyalty programme under
/settings/loyalty/, and the card and points actions on a customer under /customers/<id>/."""

from django.urls import path

from loyalty.views import cards, points, programme

app_name = "loyalty"

urlpatterns = [
    # Settings → Cards: card types, batches of numbered cards with their print sheets, the cards list.
    path("settings/loyalty/cards/", cards.card_type_list_view, name="card_type_list"),
    path("settings/loyalty/cards/types/new/", cards.card_type_form_view, name="card_type_create"),
    path("settings/loyalty/cards/types/<int:card_type_id>/", cards.card_type_form_view, name="card_type_edit"),
    path(
        "settings/loyalty/cards/types/<int:card_type_id>/batches/new/",
        cards.card_batch_create_view,
        name="card_batch_create",
    ),
    path("settings/loyalty/cards/batches/<int:batch_id>/sheet/", cards.card_batch_sheet_view, name="card_batch_sheet"),
    path("settings/loyalty/cards/all/", cards.card_list_view, name="card_list"),
    path("settings/loyalty/cards/<int:card_id>/sheet/", cards.card_sheet_view, name="card_sheet"),
    # Settings → Loyalty programme: settings, earning rules, tiers, the history and the "try it" panel.
    path("settings/loyalty/", programme.programme_view, name="programme"),
    path("settings/loyalty/history/", programme.programme_history_view, name="programme_history"),
    path("settings/loyalty/rules/", programme.earning_rule_list_view, name="earning_rule_list"),
    path("settings/loyalty/rules/new/", programme.earning_rule_form_view, name="earning_rule_create"),
    path("settings/loyalty/rules/<int:rule_id>/", programme.earning_rule_form_view, name="earning_rule_edit"),
    path(
        "settings/loyalty/rules/<int:rule_id>/delete/", programme.earning_rule_delete_view, name="earning_rule_delete"
    ),
    path("settings/loyalty/tiers/", programme.tier_list_view, name="tier_list"),
    path("settings/loyalty/tiers/new/", programme.tier_form_view, name="tier_create"),
    path("settings/loyalty/tiers/<int:tier_id>/", programme.tier_form_view, name="tier_edit"),
    path("settings/loyalty/tiers/<int:tier_id>/delete/", programme.tier_delete_view, name="tier_delete"),
    path("settings/loyalty/try/", programme.try_view, name="try"),
    path("settings/loyalty/try/line/", programme.try_line_view, name="try_line"),
    # A customer's Marketing instruments tab: add, replace, block, unblock and remove a card.
    path("customers/<int:customer_id>/cards/add/", cards.customer_card_add_view, name="customer_card_add"),
    path(
        "customers/<int:customer_id>/cards/<int:card_id>/replace/",
        cards.customer_card_replace_view,
        name="customer_card_replace",
    ),
    path(
        "customers/<int:customer_id>/cards/<int:card_id>/block/",
        cards.customer_card_block_view,
        name="customer_card_block",
    ),
    path(
        "customers/<int:customer_id>/cards/<int:card_id>/unblock/",
        cards.customer_card_unblock_view,
        name="customer_card_unblock",
    ),
    path(
        "customers/<int:customer_id>/cards/<int:card_id>/remove/",
        cards.customer_card_remove_view,
        name="customer_card_remove",
    ),
    # A customer's Points tab: its ledger (filters, pages) and adjustments.
    path(
        "customers/<int:customer_id>/points/ledger/",
        points.customer_points_ledger_view,
        name="customer_points_ledger",
    ),
    path(
        "customers/<int:customer_id>/points/adjust/",
        points.customer_points_adjust_view,
        name="customer_points_adjust",
    ),
]
