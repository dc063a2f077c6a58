"""The customer list's filter as a segment's conditions: what "Save as segment" on the list starts
the builder with. Each filter of the list has a condition that selects the same customers; the
few that have none (a search text, birthdays in the next days, another segment) are named, so
that the marketer knows what was left out."""

from __future__ import annotations

import datetime

from django.http import QueryDict
from django.utils.translation import gettext as _

from campaigns.rules import Condition, ConditionGroup, Definition
from customers.models import CustomProperty

# List parameter → (condition field, operator); the value goes over as it is.
SAME_VALUE = {
    "group": ("group", "is"),
    "kind": ("kind", "is"),
    "gender": ("gender", "is"),
    "email_consent": ("email_consent", "is"),
    "sms_consent": ("sms_consent", "is"),
    "age_min": ("age", "gte"),
    "age_max": ("age", "lte"),
    "last_purchase_after": ("last_purchase", "gte"),
    "purchases_min": ("purchase_count", "gte"),
    "purchases_max": ("purchase_count", "lte"),
    "total_min": ("purchase_total", "gte"),
    "total_max": ("purchase_total", "lte"),
    "segment": ("rfm_segment", "is"),
    "report_run": ("report_run", "is"),
}
# Parameters of the list that choose no customers (order, columns, the page).
NOT_FILTERS = {"sort", "cols", "page", "go"}


def definition_of_list_query(
    query: QueryDict, *, properties: list[CustomProperty], labels: dict[str, str]
) -> tuple[Definition, list[str]]:
    """(the conditions, the labels of the filters that have no condition). `labels` names the
    list's filters as its form shows them."""
    conditions: list[Condition] = []
    left_out: list[str] = []
    by_code = {prop.code: prop for prop in properties}
    for name, value in query.items():
        value = value.strip()
        if not value or name in NOT_FILTERS:
            continue
        if name in SAME_VALUE:
            field, operator = SAME_VALUE[name]
            conditions.append(Condition(field, operator, value))
        elif name == "status":
            if value in ("introduced", "control"):
                conditions.append(Condition("status", "is", value))
            elif value not in ("active", "all"):
                left_out.append(_("Status: archived customers are never in a segment"))
        elif name == "last_purchase_before":
            try:
                day = datetime.date.fromisoformat(value) - datetime.timedelta(days=1)
            except ValueError:
                left_out.append(labels.get(name, name))
                continue
            conditions.append(Condition("last_purchase", "lte", day.isoformat()))
        elif name.startswith("p_") and _property_condition(name[2:], value, by_code) is not None:
            conditions.append(_property_condition(name[2:], value, by_code))
        else:
            left_out.append(labels.get(name, name))
    groups = (ConditionGroup(tuple(conditions)),) if conditions else ()
    return Definition(groups), left_out


def _property_condition(rest: str, value: str, by_code: dict[str, CustomProperty]) -> Condition | None:
    """The condition of a custom property's filter (`p_<code>`, `p_<code>_min`, …), or None."""
    if rest in by_code:
        prop = by_code[rest]
        operator = "contains" if prop.type == CustomProperty.Type.TEXT else "is"
        return Condition(f"p:{rest}", operator, value)
    code, _separator, suffix = rest.rpartition("_")
    operators = {"min": "gte", "max": "lte", "from": "gte", "to": "lte"}
    if code in by_code and suffix in operators:
        return Condition(f"p:{code}", operators[suffix], value)
    return None
