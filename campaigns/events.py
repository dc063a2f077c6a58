"""One function per change of a segment someone may ask "who did this?" about, written in the
same transaction as the change."""

from campaigns.models import Segment, SegmentEvent
from staff.models import User


def segment_created_event(*, segment: Segment, acting_user: User | None) -> SegmentEvent:
    return SegmentEvent.objects.create(segment=segment, kind=SegmentEvent.Kind.CREATED, acting_user=acting_user)


def segment_changed_event(*, segment: Segment, changes: dict, acting_user: User | None) -> SegmentEvent | None:
    """`changes` is {setting: [old, new]}; nothing is written when it is empty."""
    if not changes:
        return None
    return SegmentEvent.objects.create(
        segment=segment, kind=SegmentEvent.Kind.CHANGED, changes=changes, acting_user=acting_user
    )


def segment_archived_event(*, segment: Segment, is_archived: bool, acting_user: User | None) -> SegmentEvent:
    kind = SegmentEvent.Kind.ARCHIVED if is_archived else SegmentEvent.Kind.RESTORED
    return SegmentEvent.objects.create(segment=segment, kind=kind, acting_user=acting_user)
