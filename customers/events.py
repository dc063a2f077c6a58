"""The customers app's events about its settings: one function per change someone may ask "who
did this?" about, written in the same transaction as the change.

(The history of each customer, CustomerEvent and ConsentEvent, is written by the customer
services with the change itself.)
"""

from customers.models import CustomProperty, PropertyEvent
from staff.models import User


def property_created_event(*, prop: CustomProperty, acting_user: User | None) -> PropertyEvent:
    return PropertyEvent.objects.create(custom_property=prop, kind=PropertyEvent.Kind.CREATED, acting_user=acting_user)


def property_changed_event(
    *, prop: CustomProperty, changes: dict[str, list[str]], acting_user: User | None
) -> PropertyEvent | None:
    """`changes` is {setting: [old, new]}; nothing is written when it is empty."""
    if not changes:
        return None
    return PropertyEvent.objects.create(
        custom_property=prop, kind=PropertyEvent.Kind.CHANGED, changes=changes, acting_user=acting_user
    )


def property_archived_event(*, prop: CustomProperty, is_archived: bool, acting_user: User | None) -> PropertyEvent:
    kind = PropertyEvent.Kind.ARCHIVED if is_archived else PropertyEvent.Kind.RESTORED
    return PropertyEvent.objects.create(custom_property=prop, kind=kind, acting_user=acting_user)
