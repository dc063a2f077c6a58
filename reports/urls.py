"""Reports (included at reports/)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.report_list_view, name="report_list"),
    path("runs/<int:run_id>/", views.report_run_view, name="report_run"),
    path("runs/<int:run_id>/again/", views.report_run_again_view, name="report_run_again"),
    path("runs/<int:run_id>/download/", views.report_run_download_view, name="report_run_download"),
    path("<slug:code>/", views.report_new_view, name="report_new"),
]
