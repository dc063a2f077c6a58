"""Loyalty's actions on a customer (included at customers/): the card actions of the Marketing
instruments tab; the points actions join this list."""

from loyalty.urls_customer_cards import card_urlpatterns
from loyalty.urls_customer_points import points_urlpatterns

urlpatterns = [*card_urlpatterns, *points_urlpatterns]
