"""Settings → imports of products and of sales history (included at settings/sales/import/)."""

from django.urls import path

from sales import views_import

urlpatterns = [
    path("products/", views_import.product_import_view, name="product_import"),
    path("products/<str:token>/", views_import.product_import_check_view, name="product_import_check"),
    path("products/<str:token>/import/", views_import.product_import_run_view, name="product_import_run"),
    path("history/", views_import.sales_history_import_view, name="sales_history_import"),
    path("history/<str:token>/", views_import.sales_history_import_check_view, name="sales_history_import_check"),
    path("history/<str:token>/import/", views_import.sales_history_import_run_view, name="sales_history_import_run"),
]
