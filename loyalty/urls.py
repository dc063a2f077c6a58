"""The loyalty app's back-office pages: the settings of cards and the programme under
/settings/loyalty/, the card and points actions on a customer under /customers/<id>/."""

from django.urls import include, path

urlpatterns = [
    path("settings/loyalty/cards/", include("loyalty.urls_cards")),
    path("settings/loyalty/", include("loyalty.urls_programme")),
    path("customers/", include("loyalty.urls_customer")),
]
