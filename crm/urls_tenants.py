"""URLs of a retailer's back office (every host that is a retailer's domain)."""

from django.urls import include, path

from reports.views.dashboard import dashboard_view
from tariffs.views import plan_usage_view

urlpatterns = [
    # First: the till's API is the busiest path, and every include before it is tried and fails
    # on each request (a miss builds the list of patterns tried).
    path("api/", include("pos.urls")),
    path("", dashboard_view, name="dashboard"),
    path("", include("staff.urls")),
    path("settings/plan/", plan_usage_view, name="plan_usage"),
    path("", include("tenants.urls")),
    path("", include("customers.urls")),
    path("settings/sales/", include("sales.urls")),
    path("", include("loyalty.urls")),
    path("reports/", include("reports.urls")),
    path("", include("campaigns.urls")),
    path("till/", include("pos.screen_urls")),
]
