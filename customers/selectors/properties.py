from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from customers.models import CustomProperty, PropertyEvent


def property_list(*, include_archived: bool = True) -> list[CustomProperty]:
    properties = CustomProperty.objects.all()
    if not include_archived:
        properties = properties.filter(is_archived=False)
    return list(properties)


def property_queryset() -> QuerySet[CustomProperty]:
    return CustomProperty.objects.all()


@dataclass(frozen=True)
class PropertyChange:
    setting: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class PropertyHistoryEntry:
    event: PropertyEvent
    changes: list[PropertyChange]


def _setting_display(text: str) -> str:
    return {"True": _("yes"), "False": _("no")}.get(text, text)


def property_history(*, prop: CustomProperty, limit: int = 100) -> list[PropertyHistoryEntry]:
    """Who created, changed, archived or restored the property, newest first, each changed
    setting named as the form names it."""
    entries = []
    for event in PropertyEvent.objects.filter(custom_property=prop).select_related("acting_user")[:limit]:
        changes = [
            PropertyChange(
                capfirst(CustomProperty._meta.get_field(name).verbose_name),
                _setting_display(old),
                _setting_display(new),
            )
            for name, (old, new) in event.changes.items()
        ]
        entries.append(PropertyHistoryEntry(event, changes))
    return entries
