"""Settings → Cards: card types, batches of numbered cards with their print sheets, the cards list
(included at settings/loyalty/cards/)."""

from django.urls import path

from loyalty.views import cards

urlpatterns = [
    path("", cards.card_type_list_view, name="card_type_list"),
    path("types/new/", cards.card_type_form_view, name="card_type_create"),
    path("types/<int:card_type_id>/", cards.card_type_form_view, name="card_type_edit"),
    path("types/<int:card_type_id>/batches/new/", cards.card_batch_create_view, name="card_batch_create"),
    path("batches/<int:batch_id>/sheet/", cards.card_batch_sheet_view, name="card_batch_sheet"),
    path("all/", cards.card_list_view, name="card_list"),
    path("<int:card_id>/sheet/", cards.card_sheet_view, name="card_sheet"),
]
