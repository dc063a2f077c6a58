from django.urls import path

from customers.views import duplicates

urlpatterns = [
    path("", duplicates.customer_duplicates_view, name="customer_duplicates"),
    path("merge/", duplicates.customer_merge_view, name="customer_merge"),
]
