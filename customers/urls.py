from django.urls import include, path

from customers.views import customers, settings

urlpatterns = [
    path("", customers.customer_list_view, name="customer_list"),
    path("bulk/", customers.customer_bulk_view, name="customer_bulk"),
    path("export/", customers.customer_export_view, name="customer_export"),
    path("control/", customers.customer_control_view, name="customer_control"),
    path("new/", customers.customer_quick_create_view, name="customer_quick_create"),
    path("new/<str:kind>/", customers.customer_create_view, name="customer_create"),
    path("<int:customer_id>/", customers.customer_detail_view, name="customer_detail"),
    path("<int:customer_id>/edit/", customers.customer_edit_view, name="customer_edit"),
    path("<int:customer_id>/notes/add/", customers.customer_note_add_view, name="customer_note_add"),
    path("<int:customer_id>/<str:tab>/", customers.customer_detail_view, name="customer_detail_tab"),
    path("import/", include("customers.urls_import")),
    path("duplicates/", include("customers.urls_duplicates")),
]

settings_urlpatterns = [
    path("properties/", settings.property_list_view, name="customer_property_list"),
    path("properties/new/", settings.property_form_view, name="customer_property_create"),
    path("properties/<int:property_id>/", settings.property_form_view, name="customer_property_edit"),
    path("properties/<int:property_id>/archive/", settings.property_archive_view, name="customer_property_archive"),
    path("groups/", settings.group_list_view, name="customer_group_list"),
    path("groups/new/", settings.group_form_view, name="customer_group_create"),
    path("groups/<int:group_id>/", settings.group_form_view, name="customer_group_edit"),
    path("groups/<int:group_id>/delete/", settings.group_delete_view, name="customer_group_delete"),
]
