"""The campaigns app's pages: segments under segments/, campaigns under campaigns/, and the
customers' unsubscribe link."""

from django.urls import path

from campaigns.views import campaigns, segments

app_name = "campaigns"

urlpatterns = [
    path("segments/", segments.segment_list_view, name="segment_list"),
    path("segments/new/", segments.segment_builder_view, name="segment_create"),
    path("segments/<int:segment_id>/", segments.segment_detail_view, name="segment_detail"),
    path("segments/<int:segment_id>/edit/", segments.segment_builder_view, name="segment_edit"),
    path("segments/<int:segment_id>/archive/", segments.segment_archive_view, name="segment_archive"),
    path("campaigns/", campaigns.campaign_list_view, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_form_view, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail_view, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/edit/", campaigns.campaign_form_view, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/schedule/", campaigns.campaign_schedule_view, name="campaign_schedule"),
    path("campaigns/<int:campaign_id>/cancel/", campaigns.campaign_cancel_view, name="campaign_cancel"),
    path("u/<str:token>/", campaigns.unsubscribe_view, name="unsubscribe"),
]
