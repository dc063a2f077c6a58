"""The segments' pages: the list, the builder (htmx: every change counts again and shows the first
rows), a segment's page with its size over time, and archiving."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from campaigns.forms import SegmentForm, definition_changed, definition_of_post
from campaigns.from_list import definition_of_list_query
from campaigns.models import Segment
from campaigns.rules import Condition, ConditionGroup, Definition
from campaigns.selectors.conditions import Kind, condition_fields
from campaigns.selectors.segments import (
    definition_problems,
    segment_count,
    segment_customers,
    segment_list,
    segment_preview,
    segment_sizes,
)
from campaigns.services.segments import segment_archive, segment_create, segment_update
from campaigns.wording import definition_words
from crm.permissions import right_required
from customers.selectors.customers import customer_filterset
from staff.roles import Right


@dataclass(frozen=True)
class BuilderRow:
    """One condition as the builder shows it."""

    group: int
    index: int
    condition: Condition
    field: object  # the ConditionField, or None before one is chosen
    problem: str

    @property
    def prefix(self) -> str:
        return f"g{self.group}-c{self.index}-"


def _normalised(definition: Definition, fields: dict) -> Definition:
    """Each condition left without an operator (or, for a choice, a value) gets its field's
    first one: what a field chosen anew starts with. A value given stays as it is, so that one
    the field does not allow is named as a problem, never replaced."""
    groups = []
    for group in definition.groups:
        conditions = []
        for condition in group.conditions:
            field = fields.get(condition.field)
            if field is None:
                conditions.append(condition)
                continue
            operator = condition.operator or field.operators[0][0]
            value = condition.value
            if not value and field.kind in (Kind.CHOICE, Kind.ACTIVITY) and field.choices:
                value = field.choices[0][0]
            conditions.append(Condition(condition.field, operator, value, condition.extra))
        groups.append(ConditionGroup(tuple(conditions)))
    return Definition(tuple(groups))


def _complete(condition: Condition, field) -> bool:
    """Whether the person has filled the condition in (an unfinished row is not counted yet)."""
    if field is None:
        return False
    if field.kind == Kind.ACTIVITY:
        return bool(condition.extra)
    if field.kind == Kind.PRODUCT:
        return bool(condition.value and condition.extra)
    return field.kind == Kind.CHOICE or bool(condition.value)


def _builder_context(
    request, *, segment: Segment | None, form: SegmentForm, definition: Definition, saving: bool, fields: dict
):
    definition = _normalised(definition, fields)
    problems = {
        (problem.group, problem.condition): problem.message
        for problem in definition_problems(definition, fields=fields)
    }
    rows, counted = [], []
    for group_index, group in enumerate(definition.groups):
        group_rows, group_counted = [], []
        for index, condition in enumerate(group.conditions):
            field = fields.get(condition.field)
            complete = _complete(condition, field)
            shown = problems.get((group_index, index), "") if (complete or saving) else ""
            group_rows.append(BuilderRow(group_index, index, condition, field, shown))
            if complete and (group_index, index) not in problems:
                group_counted.append(condition)
        rows.append(group_rows)
        if group_counted:
            counted.append(ConditionGroup(tuple(group_counted)))
    live = Definition(tuple(counted))
    customers = segment_customers(live, fields=fields)
    sections: dict[str, list] = {}
    for field in fields.values():
        sections.setdefault(str(field.section), []).append(field)
    return {
        "segment": segment,
        "form": form,
        "groups": rows,
        "sections": sections,
        "count": customers.order_by().count(),
        "preview": segment_preview(customers),
        "incomplete": live.condition_count < definition.condition_count,
        "Kind": Kind,
        "title": segment.name if segment else _("New segment"),
    }


@right_required(Right.USE_MARKETING)
def segment_list_view(request):
    archived = request.GET.get("archived") == "1"
    return render(
        request, "campaigns/segment_list.html", {"segments": segment_list(archived=archived), "archived": archived}
    )


@right_required(Right.USE_MARKETING)
def segment_builder_view(request, segment_id: int | None = None):
    segment = get_object_or_404(Segment, pk=segment_id) if segment_id else None
    # The retailer's catalogue of fields (groups, product groups, card types, properties), once.
    fields = condition_fields()
    fields_first = next(iter(fields))
    if request.method != "POST":
        initial = {"name": segment.name, "description": segment.description} if segment else {}
        form = SegmentForm(initial=initial)
        definition = Definition.of_data(segment.definition) if segment else Definition()
        left_out: list[str] = []
        if segment is None and "from_list" in request.GET:
            # "Save as segment" on the customer list: its filter as the conditions.
            filters = customer_filterset()
            labels = {name: str(field.label) for name, field in filters.form.fields.items()}
            definition, left_out = definition_of_list_query(
                QueryDict(request.GET["from_list"]), properties=filters.properties, labels=labels
            )
        if not definition.groups:
            definition = definition_changed(definition, "group", first_field=fields_first)
        context = _builder_context(
            request, segment=segment, form=form, definition=definition, saving=False, fields=fields
        )
        context["left_out"] = left_out
        return render(request, "campaigns/segment_builder.html", context)

    action = request.POST.get("action", "")
    # Checked when saving only: a name not given yet is no error while conditions are built.
    form = (
        SegmentForm(request.POST)
        if action == "save"
        else SegmentForm(initial={name: request.POST.get(name, "") for name in ("name", "description")})
    )
    definition = _normalised(definition_of_post(request.POST), fields)
    if action == "save":
        if form.is_valid():
            try:
                if segment is None:
                    segment = segment_create(
                        name=form.cleaned_data["name"],
                        description=form.cleaned_data["description"],
                        definition=definition,
                        acting_user=request.user,
                    )
                else:
                    segment = segment_update(
                        segment=segment,
                        name=form.cleaned_data["name"],
                        description=form.cleaned_data["description"],
                        definition=definition,
                        acting_user=request.user,
                    )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
                url = reverse("campaigns:segment_detail", args=[segment.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    elif action:
        definition = definition_changed(definition, action, first_field=fields_first)
    context = _builder_context(
        request, segment=segment, form=form, definition=definition, saving=action == "save", fields=fields
    )
    if request.htmx:
        return render(request, "campaigns/segment_builder.html#builder", context)
    return render(request, "campaigns/segment_builder.html", context)


@right_required(Right.USE_MARKETING)
def segment_detail_view(request, segment_id: int):
    segment = get_object_or_404(Segment.objects.select_related("created_by"), pk=segment_id)
    definition = Definition.of_data(segment.definition)
    fields = condition_fields()
    problems = definition_problems(definition, fields=fields)
    count = None if problems else segment_count(definition, fields=fields)
    sizes = segment_sizes(segment=segment)
    return render(
        request,
        "campaigns/segment_detail.html",
        {
            "segment": segment,
            "words": definition_words(definition, fields=fields),
            "problems": problems,
            "count": count,
            "sizes": sizes,
            "largest": max((size.count for size in sizes), default=0),
            "events": segment.events.select_related("acting_user")[:20],
            "list_url": f"{reverse('customers:customer_list')}?segment_id={segment.pk}",
        },
    )


@require_POST
@right_required(Right.USE_MARKETING)
def segment_archive_view(request, segment_id: int):
    segment = get_object_or_404(Segment, pk=segment_id)
    is_archived = request.POST.get("archive") == "1"
    segment_archive(segment=segment, is_archived=is_archived, acting_user=request.user)
    if is_archived:
        messages.success(request, _("Segment “%(name)s” archived.") % {"name": segment.name})
    else:
        messages.success(request, _("Segment “%(name)s” is in use again.") % {"name": segment.name})
    return redirect("campaigns:segment_detail", segment.pk)
