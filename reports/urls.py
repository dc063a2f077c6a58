"""Reports (included at reports/)."""

from django.urls import path

from reports.views import runs

app_name = "reports"
urlpatterns = [
    path("", runs.report_list_view, name="list"),
    path("runs/<int:run_id>/", runs.report_run_view, name="run"),
    path("runs/<int:run_id>/again/", runs.report_run_again_view, name="run_again"),
    path("runs/<int:run_id>/download/", runs.report_run_download_view, name="run_download"),
    path("<slug:code>/", runs.report_new_view, name="new"),
]
