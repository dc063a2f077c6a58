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
    NavEntry(_("Staff"), "staff_list", right="manage_staff", section="settings"),
    NavEntry(_("Plan and usage"), "plan_usage", right="manage_staff", section="settings"),
)


def navigation_for(user, current_path: str) -> dict[str, list[dict]]:
    """The entries `user` may open, grouped by section, the current one marked."""
    sections: dict[str, list[dict]] = {"main": [], "settings": []}
    for entry in NAVIGATION:
        if entry.right and not user.has_perm(f"staff.{entry.right}"):
            continue
        url = reverse(entry.url_name)
        is_current = current_path == url if url == "/" else current_path.startswith(url)
        sections[entry.section].append({"label": entry.label, "url": url, "is_current": is_current})
    return sections
