"""Writing segments: create, change, archive (each with its event), and keep their daily sizes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.events import segment_archived_event, segment_changed_event, segment_created_event
from campaigns.models import Segment, SegmentCount
from campaigns.rules import MAX_CONDITIONS, MAX_GROUPS, Definition
from campaigns.selectors.conditions import condition_fields
from campaigns.selectors.segments import definition_problems, segment_count
from staff.models import User


def _checked(*, name: str, definition: Definition, segment: Segment | None) -> tuple[str, Definition]:
    """The name and definition to store, or ValidationError naming every problem at once."""
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = [_("Give the segment a name.")]
    else:
        taken = Segment.objects.filter(name__iexact=name)
        if segment is not None:
            taken = taken.exclude(pk=segment.pk)
        if taken.exists():
            errors["name"] = [_("A segment named “%(name)s” exists already.") % {"name": name}]
    definition = definition.without_empty_groups()
    if len(definition.groups) > MAX_GROUPS:
        errors["definition"] = [_("A segment has at most %(count)s groups of conditions.") % {"count": MAX_GROUPS}]
    elif any(len(group.conditions) > MAX_CONDITIONS for group in definition.groups):
        errors["definition"] = [
            _("A group has at most %(count)s conditions.") % {"count": MAX_CONDITIONS},
        ]
    else:
        problems = definition_problems(definition, fields=condition_fields())
        if problems:
            errors["definition"] = [problem.message for problem in problems]
    if errors:
        raise ValidationError(errors)
    return name, definition


def _count_keep(segment: Segment, definition: Definition) -> None:
    SegmentCount.objects.update_or_create(
        segment=segment, day=timezone.localdate(), defaults={"count": segment_count(definition)}
    )


@transaction.atomic
def segment_create(*, name: str, description: str = "", definition: Definition, acting_user: User | None) -> Segment:
    """A new segment (with its event and today's size)."""
    name, definition = _checked(name=name, definition=definition, segment=None)
    segment = Segment.objects.create(
        name=name, description=description.strip(), definition=definition.as_data(), created_by=acting_user
    )
    segment_created_event(segment=segment, acting_user=acting_user)
    _count_keep(segment, definition)
    return segment


@transaction.atomic
def segment_update(
    *, segment: Segment, name: str, description: str = "", definition: Definition, acting_user: User | None
) -> Segment:
    """Change the segment's name, description or conditions (an event names what changed)."""
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    name, definition = _checked(name=name, definition=definition, segment=locked)
    new = {"name": name, "description": description.strip(), "definition": definition.as_data()}
    changes = {key: [getattr(locked, key), value] for key, value in new.items() if getattr(locked, key) != value}
    for key, value in new.items():
        setattr(locked, key, value)
    locked.save(update_fields=[*new, "updated_at"])
    segment_changed_event(segment=locked, changes=changes, acting_user=acting_user)
    if "definition" in changes:
        _count_keep(locked, definition)
    return locked


@transaction.atomic
def segment_archive(*, segment: Segment, is_archived: bool, acting_user: User | None) -> Segment:
    """Archive a segment (kept with its sizes, no longer offered) or put it in use again."""
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    if locked.is_archived != is_archived:
        locked.is_archived = is_archived
        locked.save(update_fields=["is_archived", "updated_at"])
        segment_archived_event(segment=locked, is_archived=is_archived, acting_user=acting_user)
    return locked


def segment_sizes_record() -> int:
    """Count every segment in use for today (the nightly job, per retailer): the number counted."""
    counted = 0
    for segment in Segment.objects.filter(is_archived=False).order_by("pk"):
        definition = Definition.of_data(segment.definition)
        try:
            count = segment_count(definition)
        except ValidationError:
            # A condition on something deleted since (a group, a property): the size is unknown.
            continue
        SegmentCount.objects.update_or_create(segment=segment, day=timezone.localdate(), defaults={"count": count})
        counted += 1
    return counted
