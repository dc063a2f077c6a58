"""The registry of reports.

A report is a class with a code, a title and a description, a parameter form, its columns, a
query that yields rows (aggregated in SQL, streamed in batches) and, where a picture says more
than a table, a chart. Each report module in reports/definitions/ registers its classes with
`report_register`; reports/apps.py imports the modules.

A row is a mapping keyed by the columns' keys. The build reads the rows once: the workbook, the
preview and the chart all take them as they stream by (a chart keeps only what it draws, so a
report of 200,000 rows builds in flat memory).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise

from crm.registry import Registry
from staff.roles import Right


@dataclass(frozen=True)
class Column:
    """One column of a report: `kind` decides the cell's type and format in the workbook:
    text, integer, decimal, quantity (up to three decimals), number (the decimals it has), money,
    percent (a fraction: 0.25 is 25 per cent), date, datetime, boolean."""

    key: str
    label: Promise | str
    kind: str = "text"
    width: int = 14


class Chart:
    """A report's chart, gathered from the rows while the build streams them: `add` sees every
    row once and keeps only what the picture draws; `result` is the chart's data, or None:
    {"kind": "bar" | "line" | "heatmap", "labels": [...], "series": [{"name": ..., "values":
    [...]}], "rows": [...] (heatmap row labels), "value_format": "integer" | "money" | "percent"}."""

    def add(self, row: Mapping) -> None:
        raise NotImplementedError

    def result(self) -> dict | None:
        raise NotImplementedError


class Report:
    # The report's place in the list of reports.
    number: int = 0
    code: str = ""
    title: Promise | str = ""
    description: Promise | str = ""
    form_class: type | None = None
    # In the list of reports to start from; an unlisted one starts elsewhere (the customer
    # export, from the customer list) and its runs still show in the list of runs.
    listed: bool = True
    # The right a user needs to start a run, follow it and download its file.
    right: str = Right.USE_MARKETING
    # The table alone (a header row, then the rows) instead of the report's workbook with its
    # banner of title, parameters and build time above the header (reports.xlsx.table_write).
    plain_table: bool = False

    def columns(self, parameters: dict) -> list[Column]:
        """The columns; most reports have fixed ones, some depend on the parameters."""
        raise NotImplementedError

    def rows(self, parameters: dict) -> Iterator[Mapping]:
        """The rows, each a mapping of every column's key to its value, streamed (use
        `.iterator()` or a server-side cursor; aggregate in SQL)."""
        raise NotImplementedError

    def row_estimate(self, parameters: dict) -> int | None:
        """Roughly how many rows `rows` yields (for the progress bar), or None."""
        return None

    def chart(self, parameters: dict) -> Chart | None:
        """A new chart for one build, or None when the report draws none."""
        return None

    def customers(self, parameters: dict) -> Q | None:
        """The customers of the rows as a condition on customers, read on today's data (a run's
        customers open as the customer list and become a segment by it); None where the rows are
        not customers."""
        return None


# Keyed by the report's code; an instance of each class, in the list's order.
reports: Registry[Report] = Registry(
    "reports", key=lambda report: report.code, order=lambda report: (report.number, report.code)
)


def report_register(report_class: type[Report]) -> type[Report]:
    """Register a report class (usable as a class decorator)."""
    registered = reports.get(report_class.code)
    if registered is None or type(registered) is not report_class:
        reports.register(report_class())
    return report_class


def report_get(code: str) -> Report | None:
    return reports.get(code)


def reports_all() -> list[Report]:
    return list(reports)


def reports_listed() -> list[Report]:
    """The reports a user starts from the list of reports."""
    return [report for report in reports if report.listed]
