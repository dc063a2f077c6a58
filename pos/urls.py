"""The till's API, included by the retailers' URLconf under `api/`: `/api/v1/…`, `/api/schema/`,
`/api/docs/`."""

from django.urls import path, re_path

from pos import views

app_name = "pos"

# What the OpenAPI schema describes.
api_v1_patterns = [
    path("v1/customers/", views.CustomersView.as_view(), name="customers"),
    path("v1/customers/<int:customer_id>/redeemable/", views.RedeemableView.as_view(), name="customer_redeemable"),
    path(
        "v1/customers/<int:customer_id>/points-adjustments/",
        views.PointsAdjustmentsView.as_view(),
        name="points_adjustments",
    ),
    path("v1/cards/<str:number>/", views.CardView.as_view(), name="card"),
    path("v1/cards/<str:number>/gift-loads/", views.GiftLoadsView.as_view(), name="gift_loads"),
    path("v1/sales/", views.SalesView.as_view(), name="sales"),
    path("v1/returns/", views.ReturnsView.as_view(), name="returns"),
    path("v1/prices/", views.PricesView.as_view(), name="prices"),
]

urlpatterns = [
    *api_v1_patterns,
    path("schema/", views.PosSchemaView.as_view(), name="schema"),
    path("docs/", views.PosDocsView.as_view(url_name="pos:schema"), name="docs"),
    re_path(r"^.*$", views.not_found_view),
]
