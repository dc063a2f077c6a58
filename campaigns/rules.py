"""A segment's definition as data, and its checks: no database, no request.

A definition is a list of groups; a customer is in the segment when they meet every condition of
at least one group (AND inside a group, OR between groups). A condition names a field of the
catalogue (campaigns.selectors.conditions), an operator the field allows and a value; what a
field and its operators are, and how a value is read, is the catalogue's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_GROUPS = 10
MAX_CONDITIONS = 20


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: str = ""
    # A second value where the field takes one: the days of "bought from a group in the last … days".
    extra: str = ""

    def as_data(self) -> dict[str, str]:
        data = {"field": self.field, "operator": self.operator, "value": self.value}
        if self.extra:
            data["extra"] = self.extra
        return data


@dataclass(frozen=True)
class ConditionGroup:
    conditions: tuple[Condition, ...] = ()

    def as_data(self) -> dict:
        return {"conditions": [condition.as_data() for condition in self.conditions]}


@dataclass(frozen=True)
class Definition:
    groups: tuple[ConditionGroup, ...] = field(default_factory=tuple)

    def as_data(self) -> dict:
        return {"groups": [group.as_data() for group in self.groups]}

    @property
    def condition_count(self) -> int:
        return sum(len(group.conditions) for group in self.groups)

    @classmethod
    def of_data(cls, data) -> Definition:
        """The definition stored as `as_data()` wrote it; anything else reads as no groups."""
        if not isinstance(data, dict):
            return cls()
        groups = []
        for group in data.get("groups") or []:
            if not isinstance(group, dict):
                continue
            conditions = tuple(
                Condition(
                    field=str(condition.get("field", "")),
                    operator=str(condition.get("operator", "")),
                    value=str(condition.get("value", "")),
                    extra=str(condition.get("extra", "")),
                )
                for condition in group.get("conditions") or []
                if isinstance(condition, dict)
            )
            groups.append(ConditionGroup(conditions))
        return cls(tuple(groups))

    def without_empty_groups(self) -> Definition:
        return Definition(tuple(group for group in self.groups if group.conditions))
