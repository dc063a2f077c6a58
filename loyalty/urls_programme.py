"""Loyalty pages (filled by the views of this part)."""

urlpatterns: list = []
