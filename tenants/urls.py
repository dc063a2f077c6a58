"""Settings → Retailer (included in the retailer's back office at the root)."""

from django.urls import path

from tenants import views

app_name = "tenants"

urlpatterns = [
    path("settings/retailer/", views.retailer_settings_view, name="retailer_settings"),
]
