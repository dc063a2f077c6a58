"""Settings → Stores and terminals, Products, Price lists and the imports of products and of
sales history (included at settings/sales/)."""

from django.urls import path

from sales.views import importing, price_lists, products, stores

app_name = "sales"

urlpatterns = [
    path("stores/", stores.store_list_view, name="store_list"),
    path("stores/new/", stores.store_form_view, name="store_create"),
    path("stores/<int:store_id>/", stores.store_form_view, name="store_edit"),
    path("stores/<int:store_id>/terminals/new/", stores.terminal_create_view, name="terminal_create"),
    path("terminals/<int:terminal_id>/rotate/", stores.terminal_rotate_view, name="terminal_rotate"),
    path("terminals/<int:terminal_id>/revoke/", stores.terminal_revoke_view, name="terminal_revoke"),
    path("products/", products.product_list_view, name="product_list"),
    path("products/new/", products.product_form_view, name="product_create"),
    path("products/<int:product_id>/", products.product_form_view, name="product_edit"),
    path("products/groups/", products.product_group_list_view, name="product_group_list"),
    path("products/groups/new/", products.product_group_form_view, name="product_group_create"),
    path("products/groups/<int:group_id>/", products.product_group_form_view, name="product_group_edit"),
    path("products/groups/<int:group_id>/delete/", products.product_group_delete_view, name="product_group_delete"),
    path("price-lists/", price_lists.price_list_list_view, name="price_list_list"),
    path("price-lists/new/", price_lists.price_list_form_view, name="price_list_create"),
    path("price-lists/<int:price_list_id>/", price_lists.price_list_form_view, name="price_list_edit"),
    path("price-lists/<int:price_list_id>/delete/", price_lists.price_list_delete_view, name="price_list_delete"),
    path("price-lists/<int:price_list_id>/items/", price_lists.price_list_item_add_view, name="price_list_item_add"),
    path(
        "price-lists/<int:price_list_id>/items/<int:item_id>/",
        price_lists.price_list_item_edit_view,
        name="price_list_item_edit",
    ),
    path(
        "price-lists/<int:price_list_id>/items/<int:item_id>/remove/",
        price_lists.price_list_item_remove_view,
        name="price_list_item_remove",
    ),
    path("import/products/", importing.product_import_view, name="product_import"),
    path("import/products/<str:token>/", importing.product_import_check_view, name="product_import_check"),
    path("import/products/<str:token>/import/", importing.product_import_run_view, name="product_import_run"),
    path("import/history/", importing.sales_history_import_view, name="sales_history_import"),
    path(
        "import/history/<int:import_id>/",
        importing.sales_history_import_detail_view,
        name="sales_history_import_detail",
    ),
    path(
        "import/history/<int:import_id>/import/",
        importing.sales_history_import_run_view,
        name="sales_history_import_run",
    ),
    path(
        "import/history/<int:import_id>/refused.csv",
        importing.sales_history_import_refused_view,
        name="sales_history_import_refused",
    ),
]
