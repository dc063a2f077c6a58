"""What a measurement gives: a statistic over repeated runs, and a row of the report beside its
target, peer or limit."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from enum import Enum


class Better(Enum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Stat:
    """Samples of one quantity (ms, s, MB, per second …) and their median, p95 and p99."""

    unit: str
    samples: tuple[float, ...]

    @classmethod
    def of(cls, unit: str, samples) -> Stat:
        values = tuple(float(value) for value in samples)
        if not values:
            raise ValueError("a statistic needs at least one sample")
        return cls(unit, values)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile (share in 0..100)."""
        ordered = sorted(self.samples)
        rank = max(1, math.ceil(share / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def count(self) -> int:
        return len(self.samples)

    def value(self, measure: str) -> float:
        return {"median": self.median, "p95": self.p95, "p99": self.p99, "max": max(self.samples)}[measure]


@dataclass(frozen=True)
class Limit:
    """A target of BENCHMARKS.md: `measure` of the figure (median, p95, p99, max) against `value`."""

    value: float
    better: Better
    measure: str = "p95"

    def met_by(self, stat: Stat) -> bool:
        figure = stat.value(self.measure)
        return figure <= self.value if self.better is Better.LOWER else figure >= self.value


@dataclass
class Row:
    """One line of a table in docs/benchmarks.md.

    `figure` is Regulars' own; `reference` is the peer's or limit's figure from the same run (or
    None when the row is judged against a fixed target only); `ratio` is figure / reference as
    the target states it (e.g. "≥ 5× faster" is reference time / Regulars time). `met` is None
    when the row could not be measured, and `note` then says why.
    """

    operation: str
    target: str
    figure: Stat | None
    limit: Limit | None = None
    reference_name: str = ""
    reference: Stat | None = None
    ratio: float | None = None
    met: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.met is None and self.figure is not None and self.limit is not None and self.ratio is None:
            self.met = self.limit.met_by(self.figure)


@dataclass
class Section:
    """A group of rows measured together, with the detail that explains them (EXPLAIN output,
    a profile's top functions …) as Markdown paragraphs."""

    name: str
    targets: list[Row] = field(default_factory=list)
    side_by_side: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
