"""The segment builder's form: a name, a description and the conditions, read from the posted
rows (`g<group>-c<condition>-field|operator|value|extra`) in their order."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.rules import MAX_CONDITIONS, MAX_GROUPS, Condition, ConditionGroup, Definition

ROW = re.compile(r"^g(\d+)-c(\d+)-field$")


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


def definition_of_post(data) -> Definition:
    """The conditions as posted, groups and conditions in the order of their numbers. A row whose
    field differs from the one the builder showed it with (`…-shown`) starts without comparison
    and value: the builder gives it its new field's first ones."""
    rows: dict[int, dict[int, Condition]] = {}
    for key in data:
        match = ROW.match(key)
        if not match:
            continue
        group, index = int(match[1]), int(match[2])
        if group >= MAX_GROUPS * 2 or index >= MAX_CONDITIONS * 2:
            continue
        prefix = f"g{group}-c{index}-"
        field = data.get(prefix + "field", "").strip()
        if data.get(prefix + "shown", field) != field:
            # The field was changed in the builder: its comparison and value start anew.
            rows.setdefault(group, {})[index] = Condition(field=field, operator="")
            continue
        rows.setdefault(group, {})[index] = Condition(
            field=field,
            operator=data.get(prefix + "operator", "").strip(),
            value=data.get(prefix + "value", "").strip(),
            extra=data.get(prefix + "extra", "").strip(),
        )
    groups = []
    for group in sorted(rows):
        groups.append(ConditionGroup(tuple(rows[group][index] for index in sorted(rows[group]))))
    # A group posted only as an empty marker ("add a group") has no rows yet.
    return Definition(tuple(groups))


def definition_changed(definition: Definition, action: str, *, first_field: str) -> Definition:
    """The definition after a builder button: `add:<g>` a condition in group g, `group` a new
    group, `remove:<g>:<c>` one condition (its group goes when it was the last)."""
    groups = [list(group.conditions) for group in definition.groups]
    blank = Condition(field=first_field, operator="")
    if action == "group" and len(groups) < MAX_GROUPS:
        groups.append([blank])
    elif action.startswith("add:"):
        index = _number(action[4:])
        if index is not None and index < len(groups) and len(groups[index]) < MAX_CONDITIONS:
            groups[index].append(blank)
    elif action.startswith("remove:"):
        parts = action[7:].split(":")
        group, condition = (_number(parts[0]), _number(parts[1])) if len(parts) == 2 else (None, None)
        if group is not None and condition is not None and group < len(groups) and condition < len(groups[group]):
            del groups[group][condition]
            if not groups[group]:
                del groups[group]
    if not groups:
        groups = [[blank]]
    return Definition(tuple(ConditionGroup(tuple(conditions)) for conditions in groups))


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None
