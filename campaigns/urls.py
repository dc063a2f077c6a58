"""The campaigns app's pages, under segments/."""

from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.segment_list_view, name="segment_list"),
    path("new/", views.segment_builder_view, name="segment_create"),
    path("<int:segment_id>/", views.segment_detail_view, name="segment_detail"),
    path("<int:segment_id>/edit/", views.segment_builder_view, name="segment_edit"),
    path("<int:segment_id>/archive/", views.segment_archive_view, name="segment_archive"),
]
