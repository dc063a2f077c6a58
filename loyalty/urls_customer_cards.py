"""The card actions of a customer's Marketing instruments tab (joined into loyalty.urls_customer,
itself included at customers/): add, replace, block, unblock and remove a card."""

from django.urls import path

from loyalty.views import cards

card_urlpatterns = [
    path("<int:customer_id>/cards/add/", cards.customer_card_add_view, name="customer_card_add"),
    path(
        "<int:customer_id>/cards/<int:card_id>/replace/", cards.customer_card_replace_view, name="customer_card_replace"
    ),
    path("<int:customer_id>/cards/<int:card_id>/block/", cards.customer_card_block_view, name="customer_card_block"),
    path(
        "<int:customer_id>/cards/<int:card_id>/unblock/", cards.customer_card_unblock_view, name="customer_card_unblock"
    ),
    path("<int:customer_id>/cards/<int:card_id>/remove/", cards.customer_card_remove_view, name="customer_card_remove"),
]
