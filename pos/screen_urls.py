"""The till in the browser (pos.screen), under `till/` of a retailer's back office."""

from django.urls import path

from pos import screen

app_name = "till"

urlpatterns = [
    path("", screen.till_view, name="screen"),
    path("terminal/", screen.till_terminal_view, name="terminal"),
    path("work/", screen.till_work_view, name="work"),
    path("receipts/<int:sale_id>/", screen.till_receipt_view, name="receipt"),
    path("returns/", screen.till_returns_view, name="returns"),
    path("gift-cards/load/", screen.till_gift_load_view, name="gift_load"),
]
