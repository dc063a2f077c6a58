"""The registry of reports.

A report is a class with a code, a title and a description, a parameter form, its columns, a
query that yields rows (aggregated in SQL, streamed in batches) and, where a picture says more
than a table, a chart. Each report module in reports/definitions/ registers its classes with
`report_register`; reports/apps.py imports the modules.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Column:
    """One column of a report: `kind` decides the cell's type and format in the workbook:
    text, integer, decimal, quantity (up to three decimals), money, percent (a fraction: 0.25 is 25
    per cent), date, datetime."""

    key: str
    label: Promise | str
    kind: str = "text"
    width: int = 14


class Report:
    # The report's place in the list of reports.
    number: int = 0
    code: str = ""
    title: Promise | str = ""
    description: Promise | str = ""
    form_class: type | None = None

    def columns(self, parameters: dict) -> list[Column]:
        """The columns; most reports have fixed ones, some depend on the parameters."""
        raise NotImplementedError

    def rows(self, parameters: dict) -> Iterator[tuple]:
        """The rows in the order of `columns`, streamed (use `.iterator()` or a server-side
        cursor; aggregate in SQL)."""
        raise NotImplementedError

    def row_estimate(self, parameters: dict) -> int | None:
        """Roughly how many rows `rows` yields (for the progress bar), or None."""
        return None

    def chart(self, parameters: dict) -> dict | None:
        """The chart's data, or None: {"kind": "bar" | "line" | "heatmap", "labels": [...],
        "series": [{"name": ..., "values": [...]}], "rows": [...] (heatmap row labels),
        "value_format": "integer" | "money" | "percent"}."""
        return None


_reports: dict[str, Report] = {}


def report_register(report_class: type[Report]) -> type[Report]:
    """Register a report class (usable as a class decorator)."""
    _reports[report_class.code] = report_class()
    return report_class


def report_get(code: str) -> Report | None:
    return _reports.get(code)


def reports_all() -> list[Report]:
    return sorted(_reports.values(), key=lambda report: (report.number, report.code))
