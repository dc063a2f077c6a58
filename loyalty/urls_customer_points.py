"""The customer card's Points tab: its ledger (filters, pages) and adjustments, under
/customers/<id>/points/. `loyalty.urls_customer` includes `points_urlpatterns`."""

from django.urls import path

from loyalty.views import points

points_urlpatterns = [
    path("<int:customer_id>/points/ledger/", points.customer_points_ledger_view, name="customer_points_ledger"),
    path("<int:customer_id>/points/adjust/", points.customer_points_adjust_view, name="customer_points_adjust"),
]
