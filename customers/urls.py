"""Every page of the customers app: the directory under customers/, its settings under
settings/customers/ (included at the site's root)."""

from django.urls import path

from customers.views import customers, duplicates, importing, settings

app_name = "customers"

urlpatterns = [
    path("customers/", customers.customer_list_view, name="customer_list"),
    path("customers/bulk/", customers.customer_bulk_view, name="customer_bulk"),
    path("customers/export/", customers.customer_export_view, name="customer_export"),
    path("customers/control/", customers.customer_control_view, name="customer_control"),
    path("customers/new/", customers.customer_quick_create_view, name="customer_quick_create"),
    path("customers/new/<str:kind>/", customers.customer_create_view, name="customer_create"),
    path("customers/import/", importing.import_list_view, name="customer_import"),
    path("customers/import/<int:batch_id>/", importing.import_batch_view, name="customer_import_batch"),
    path("customers/import/<int:batch_id>/mapping/", importing.import_mapping_view, name="customer_import_mapping"),
    path("customers/import/<int:batch_id>/start/", importing.import_start_view, name="customer_import_start"),
    path("customers/import/<int:batch_id>/progress/", importing.import_progress_view, name="customer_import_progress"),
    path("customers/import/<int:batch_id>/refused.xlsx", importing.import_refused_view, name="customer_import_refused"),
    path("customers/duplicates/", duplicates.customer_duplicates_view, name="customer_duplicates"),
    path("customers/duplicates/merge/", duplicates.customer_merge_view, name="customer_merge"),
    path("customers/<int:customer_id>/", customers.customer_detail_view, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", customers.customer_edit_view, name="customer_edit"),
    path("customers/<int:customer_id>/notes/add/", customers.customer_note_add_view, name="customer_note_add"),
    path("customers/<int:customer_id>/<str:tab>/", customers.customer_detail_view, name="customer_detail_tab"),
    path("settings/customers/properties/", settings.property_list_view, name="customer_property_list"),
    path("settings/customers/properties/new/", settings.property_form_view, name="customer_property_create"),
    path(
        "settings/customers/properties/<int:property_id>/", settings.property_form_view, name="customer_property_edit"
    ),
    path(
        "settings/customers/properties/<int:property_id>/archive/",
        settings.property_archive_view,
        name="customer_property_archive",
    ),
    path("settings/customers/groups/", settings.group_list_view, name="customer_group_list"),
    path("settings/customers/groups/new/", settings.group_form_view, name="customer_group_create"),
    path("settings/customers/groups/<int:group_id>/", settings.group_form_view, name="customer_group_edit"),
    path("settings/customers/groups/<int:group_id>/delete/", settings.group_delete_view, name="customer_group_delete"),
]
