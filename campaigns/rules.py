"""A segment's definition as data, and its checks: no database, no request.

A definition is a list of groups; a customer is in the segment when they meet every condition of
at least one group (AND inside a group, OR between groups). A condition names a field of the
catalogue (campaigns.selectors.conditions), an operator the field allows and a value; what a
field and its operators are, and how a value is read, is the catalogue's.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MAX_GROUPS = 10
MAX_CONDITIONS = 20
# "Points expiring": those that expire within this many days unless spent first (the placeholder
# and the segment condition read the same window).
EXPIRING_DAYS = 30


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


# Campaigns: the texts' placeholders, the hold-out draw and the effect's statistics.

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
# Every placeholder a text may use; `coupon_code` only with a coupon offer.
PLACEHOLDERS = ("first_name", "points", "points_expiring", "expiring_on", "card_number", "coupon_code")
# A normal distribution's two-sided 95 per cent quantile.
Z_95 = 1.959963984540054


def placeholders_unknown(text: str, *, allowed: tuple[str, ...] = PLACEHOLDERS) -> list[str]:
    """The placeholders of `text` that are not allowed, in the order they first appear."""
    unknown = []
    for name in PLACEHOLDER.findall(text):
        if name not in allowed and name not in unknown:
            unknown.append(name)
    return unknown


def text_render(text: str, values: Mapping[str, str]) -> str:
    """The text with each {{ placeholder }} replaced by its value (empty when it has none)."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), text)


def holdout_size(eligible: int, percent: Decimal) -> int:
    """How many of the eligible customers are held out: the share, rounded half up."""
    return int((Decimal(eligible) * Decimal(percent) / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def holdout_draw(customer_ids: list[int], *, percent: Decimal, seed: int) -> set[int]:
    """The customers held out: a uniform random sample of `holdout_size`, drawn by a generator
    seeded with `seed` from the ids in ascending order, so that the same seed draws the same."""
    ordered = sorted(customer_ids)
    return set(random.Random(seed).sample(ordered, holdout_size(len(ordered), percent)))


@dataclass(frozen=True)
class GroupFigures:
    """One group's figure per customer over the window: how many customers, the sum of the figure
    and the sum of its squares (a customer who bought nothing counts with 0)."""

    customers: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.customers if self.customers else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n − 1), None for fewer than two customers."""
        if self.customers < 2:
            return None
        return max(0.0, (self.squares - self.total * self.total / self.customers) / (self.customers - 1))


@dataclass(frozen=True)
class Uplift:
    """Recipients' mean less the hold-out's, with its 95 per cent confidence interval (None where
    a group is too small to say)."""

    recipients: float | None
    holdout: float | None
    difference: float | None
    low: float | None
    high: float | None


def uplift(recipients: GroupFigures, holdout: GroupFigures) -> Uplift:
    """The difference of the two groups' means with a 95 per cent interval by the normal
    approximation and Welch's standard error (each group's own variance). For a 0/1 figure (did
    the customer buy) the sample variance makes it the usual interval of two proportions, up to
    the n − 1."""
    mean_r, mean_h = recipients.mean, holdout.mean
    if mean_r is None or mean_h is None:
        return Uplift(mean_r, mean_h, None, None, None)
    difference = mean_r - mean_h
    var_r, var_h = recipients.variance, holdout.variance
    if var_r is None or var_h is None:
        return Uplift(mean_r, mean_h, difference, None, None)
    margin = Z_95 * math.sqrt(var_r / recipients.customers + var_h / holdout.customers)
    return Uplift(mean_r, mean_h, difference, difference - margin, difference + margin)
