"""A segment's conditions in words, as its page and the customer list's filter line show them."""

from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from campaigns.rules import Condition, Definition
from campaigns.selectors.conditions import ConditionField, Kind


def condition_words(condition: Condition, field: ConditionField | None) -> str:
    if field is None:
        return _("(a condition on something that no longer exists)")
    operators = dict(field.operators)
    operator = operators.get(condition.operator, condition.operator)
    choices = dict(field.choices)
    if field.kind == Kind.ACTIVITY:
        return _("%(field)s %(group)s: %(answer)s, in the last %(days)s days") % {
            "field": field.label,
            "group": choices.get(condition.value, condition.value),
            "answer": operator,
            "days": condition.extra,
        }
    if field.kind == Kind.DAYS:
        return _("%(field)s: %(answer)s, in the last %(days)s days") % {
            "field": field.label,
            "answer": operator,
            "days": condition.value,
        }
    value = choices.get(condition.value, condition.value)
    if field.kind == Kind.NUMBER:
        value = formats.localize(condition.value)
    elif field.kind == Kind.DATE:
        try:
            value = formats.date_format(datetime.date.fromisoformat(condition.value), "SHORT_DATE_FORMAT")
        except ValueError:
            value = condition.value
    text = f"{field.label} {operator} {value}"
    return f"{text} {field.unit}".strip() if field.kind == Kind.NUMBER and field.unit else text


def definition_words(definition: Definition, *, fields: dict[str, ConditionField]) -> list[list[str]]:
    """Per group (any of which a customer may meet), its conditions (all of which they meet)."""
    return [
        [condition_words(condition, fields.get(condition.field)) for condition in group.conditions]
        for group in definition.groups
        if group.conditions
    ]
