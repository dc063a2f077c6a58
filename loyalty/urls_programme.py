"""Settings → Loyalty programme: settings, earning rules, tiers and the "try it" panel (included at
settings/loyalty/)."""

from django.urls import path

from loyalty.views import programme

urlpatterns = [
    path("", programme.programme_view, name="loyalty_programme"),
    path("rules/", programme.earning_rule_list_view, name="earning_rule_list"),
    path("rules/new/", programme.earning_rule_form_view, name="earning_rule_create"),
    path("rules/<int:rule_id>/", programme.earning_rule_form_view, name="earning_rule_edit"),
    path("rules/<int:rule_id>/delete/", programme.earning_rule_delete_view, name="earning_rule_delete"),
    path("tiers/", programme.tier_list_view, name="tier_list"),
    path("tiers/new/", programme.tier_form_view, name="tier_create"),
    path("tiers/<int:tier_id>/", programme.tier_form_view, name="tier_edit"),
    path("tiers/<int:tier_id>/delete/", programme.tier_delete_view, name="tier_delete"),
    path("try/", programme.try_view, name="loyalty_try"),
    path("try/line/", programme.try_line_view, name="loyalty_try_line"),
]
