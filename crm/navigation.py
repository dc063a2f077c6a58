"""The back office's navigation, in one list.

Each entry names a URL and the right it needs; an entry appears for users who hold that right.
An app adds its entries here when it delivers its pages, so the menu never links to a page that
does not exist.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    label: Promise
    url_name: str
    right: str | None = None
    section: str = "main"


NAVIGATION = (
    NavEntry(_("Dashboard"), "dashboard"),
    NavEntry(_("Till"), "till:screen", right="view_customers"),
    NavEntry(_("Customers"), "customers:customer_list", right="view_customers"),
    NavEntry(_("Control"), "customers:customer_control", right="edit_customers"),
    NavEntry(_("Segments"), "campaigns:segment_list", right="use_marketing"),
    NavEntry(_("Campaigns"), "campaigns:campaign_list", right="use_marketing"),
    NavEntry(_("Reports"), "reports:list", right="use_marketing"),
    NavEntry(_("Retailer"), "tenants:retailer_settings", right="manage_settings", section="settings"),
    NavEntry(_("Customer properties"), "customers:customer_property_list", right="manage_settings", section="settings"),
    NavEntry(_("Customer groups"), "customers:customer_group_list", right="manage_settings", section="settings"),
    NavEntry(_("Stores and terminals"), "sales:store_list", right="manage_settings", section="settings"),
    NavEntry(_("Products"), "sales:product_list", right="manage_settings", section="settings"),
    NavEntry(_("Price lists"), "sales:price_list_list", right="manage_settings", section="settings"),
    NavEntry(_("Loyalty programme"), "loyalty:programme", right="manage_settings", section="settings"),
    NavEntry(_("Cards"), "loyalty:card_type_list", right="manage_settings", section="settings"),
    NavEntry(_("Import products"), "sales:product_import", right="manage_settings", section="settings"),
    NavEntry(_("Import sales history"), "sales:sales_history_import", right="manage_settings", section="settings"),
    NavEntry(_("Staff"), "staff_list", right="manage_staff", section="settings"),
    NavEntry(_("Plan and usage"), "plan_usage", right="manage_staff", section="settings"),
)


def navigation_for(user, current_path: str) -> dict[str, list[dict]]:
    """The entries `user` may open, grouped by section, the current one marked."""
    sections: dict[str, list[dict]] = {"main": [], "settings": []}
    items = []
    for entry in NAVIGATION:
        if entry.right and not user.has_perm(f"staff.{entry.right}"):
            continue
        item = {"label": entry.label, "url": reverse(entry.url_name), "is_current": False}
        sections[entry.section].append(item)
        items.append(item)
    # The entry whose address is the longest start of the current one is the current entry.
    matching = [
        item
        for item in items
        if current_path == item["url"] or item["url"] != "/" and current_path.startswith(item["url"])
    ]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["is_current"] = True
    return sections
