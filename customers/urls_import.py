from django.urls import path

from customers.views import importing

urlpatterns = [
    path("", importing.import_list_view, name="customer_import"),
    path("<int:batch_id>/", importing.import_batch_view, name="customer_import_batch"),
    path("<int:batch_id>/mapping/", importing.import_mapping_view, name="customer_import_mapping"),
    path("<int:batch_id>/start/", importing.import_start_view, name="customer_import_start"),
    path("<int:batch_id>/progress/", importing.import_progress_view, name="customer_import_progress"),
    path("<int:batch_id>/refused.xlsx", importing.import_refused_view, name="customer_import_refused"),
]
