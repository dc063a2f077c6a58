"""Reading segments: the customers a definition selects (one SQL query, however many
conditions), its count and first rows, the kept daily sizes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Segment, SegmentCount
from campaigns.rules import Definition
from campaigns.selectors.conditions import POINTS_NOW, ConditionField, condition_fields, property_aliases
from crm.tenant_config import config_cached
from customers.models import Customer, CustomerStatus
from customers.selectors.properties import property_list

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class SegmentProblem:
    """A condition that cannot be read: where it is (group and condition, from 0) and why."""

    group: int
    condition: int
    message: str


def definition_problems(definition: Definition, *, fields: dict[str, ConditionField]) -> list[SegmentProblem]:
    """Every condition of the definition that cannot be read, each with its message (all at
    once, not the first only)."""
    problems = []
    for group_index, group in enumerate(definition.groups):
        for index, condition in enumerate(group.conditions):
            field = fields.get(condition.field)
            if field is None:
                problems.append(SegmentProblem(group_index, index, _("Choose what the condition is about.")))
                continue
            try:
                field.read(condition)
            except ValidationError as error:
                problems.append(SegmentProblem(group_index, index, " ".join(error.messages)))
    return problems


def segment_customers(
    definition: Definition, *, fields: dict[str, ConditionField] | None = None, today: datetime.date | None = None
) -> QuerySet[Customer]:
    """The customers in the segment: every one not archived who meets all conditions of at least
    one group (all customers not archived when there is no condition). Raises ValidationError
    when a condition cannot be read."""
    properties = property_list(include_archived=False)
    fields = condition_fields(properties=properties) if fields is None else fields
    today = today or timezone.localdate()
    problems = definition_problems(definition, fields=fields)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    customers = Customer.objects.exclude(status=CustomerStatus.ARCHIVED)
    groups = [group for group in definition.groups if group.conditions]
    if not groups:
        return customers
    names = {condition.field for group in groups for condition in group.conditions}
    aliases = {name: value for name, value in property_aliases(properties).items() if f"p:{name[9:]}" in names}
    if "points_balance" in names:
        aliases["points_now"] = POINTS_NOW
    if aliases:
        customers = customers.alias(**aliases)
    matches = Q()
    for group in groups:
        all_of = Q()
        for condition in group.conditions:
            all_of &= fields[condition.field].q(condition, today)
        matches |= all_of
    return customers.filter(matches)


def segment_count(definition: Definition, **kwargs) -> int:
    return segment_customers(definition, **kwargs).order_by().count()


def segment_preview(customers: QuerySet[Customer], *, rows: int = PREVIEW_ROWS) -> list[Customer]:
    """The first customers of a segment's queryset (`segment_customers`), newest first, with
    their group."""
    return list(customers.select_related("group").order_by("-created_at", "-pk")[:rows])


def segment_list(*, archived: bool = False) -> QuerySet[Segment]:
    """The segments in use (or the archived ones) by name, each with its last kept size and day."""
    latest = SegmentCount.objects.filter(segment=OuterRef("pk")).order_by("-day")
    return (
        Segment.objects.filter(is_archived=archived)
        .select_related("created_by")
        .annotate(size=Subquery(latest.values("count")[:1]), size_day=Subquery(latest.values("day")[:1]))
        .order_by("name")
    )


def segment_sizes(*, segment: Segment, days: int = 90) -> list[SegmentCount]:
    """The segment's kept daily sizes over the last `days` days, oldest first."""
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return list(SegmentCount.objects.filter(segment=segment, day__gte=since).order_by("day"))


def segment_choices() -> list[tuple[str, str]]:
    """The segments in use, for the customer list's select box (built again after a change of
    the segments: crm.tenant_config)."""
    return config_cached("campaigns.segment_choices", _segment_choices_build)


def _segment_choices_build() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Segment.objects.filter(is_archived=False).values_list("pk", "name")]


def segment_list_condition(value: str) -> Q:
    """The customer list narrowed to a segment: its customers now; nobody for an unknown segment
    or one whose conditions no longer work (its page says why)."""
    segment = Segment.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if segment is None:
        return Q(pk__in=[])
    try:
        customers = segment_customers(Definition.of_data(segment.definition))
    except ValidationError:
        return Q(pk__in=[])
    return Q(pk__in=customers.values("pk"))
