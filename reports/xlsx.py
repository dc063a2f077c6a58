"""A report's workbook: a banner with the title, the parameters and the build time, then one
header row and the rows with typed cells (numbers as numbers, dates as dates, money in the
retailer's currency), the header bold and frozen, sensible widths. Strings are always text cells,
never formulas. The customer export writes the table alone, without a banner.

rustpy-xlsxwriter (rust_xlsxwriter underneath, in constant memory) writes the rows as they
stream by: five times as fast as XlsxWriter's constant_memory mode and thirteen times as fast as
openpyxl's write-only mode (docs/benchmarks.md), in flat memory. Its banner lines are merged
cells across the table's width (it writes no single cell above the header), each "label: value".
"""

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping

import rustpy_xlsxwriter
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from crm.xlsx import xlsx_text_cell
from reports.registry import Column

FORMATS = {
    "integer": "#,##0",
    "decimal": "#,##0.00",
    "quantity": "#,##0.###",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
# Characters Excel refuses in a sheet's name.
SHEET_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")
# A banner line spans at least this many columns (a merge of one cell is not allowed).
BANNER_WIDTH = 2


def money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}"'


def _unique_labels(columns: list[Column]) -> list[str]:
    """The header's labels, each once: the writer keys a row by its header, and a custom property
    may carry the label of a standard column ("Name (2)")."""
    labels, seen = [], set()
    for column in columns:
        label, number = str(column.label), 1
        while label in seen:
            number += 1
            label = f"{column.label} ({number})"
        seen.add(label)
        labels.append(label)
    return labels


def _number_format(column: Column, currency: str) -> str | None:
    """The cell format of the column's kind; none (Excel's general format) for a number that keeps
    the decimals it has (kind "number")."""
    if column.kind == "money":
        return money_format(currency)
    return FORMATS.get(column.kind)


def _cells(rows: Iterable[Mapping], columns: list[Column], labels: list[str]) -> Iterator[dict]:
    """The rows keyed by the header's labels, each value as its cell takes it: text columns as text
    whatever the value, aware times as the retailer's wall time (Excel knows no time zones).
    Numbers (int, Decimal) are numbers; an integer column's format shows no decimals."""
    keys = [column.key for column in columns]
    text = [index for index, column in enumerate(columns) if column.kind == "text"]
    times = [index for index, column in enumerate(columns) if column.kind == "datetime"]
    for row in rows:
        values = [row[key] for key in keys]
        for index in text:
            value = values[index]
            if value is not None and value.__class__ is not str:
                values[index] = str(value)
        for index in times:
            value = values[index]
            if isinstance(value, datetime.datetime) and timezone.is_aware(value):
                values[index] = timezone.localtime(value).replace(tzinfo=None)
        yield dict(zip(labels, values, strict=True))


def _header_only(path: str, sheet_name: str, labels: list[str], banner: list[str]) -> None:
    """A file with the banner and the header and no row: rustpy-xlsxwriter takes its header from
    the first row, so openpyxl writes this one."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    # Frozen below the header, as the other files (a write-only sheet takes it before any row).
    sheet.freeze_panes = f"A{len(banner) + 3 if banner else 2}"
    for index, line in enumerate(banner):
        cell = xlsx_text_cell(sheet, line)
        if index == 0:
            cell.font = TITLE
        sheet.append([cell])
    if banner:
        sheet.append([])
    header = [xlsx_text_cell(sheet, label) for label in labels]
    for cell in header:
        cell.font = BOLD
    sheet.append(header)
    workbook.save(path)


def table_write(
    path: str,
    *,
    sheet_name: str,
    columns: list[Column],
    rows: Iterable[Mapping],
    currency: str,
    banner: list[str] | None = None,
) -> None:
    """Write `rows` (mappings keyed by the columns' keys) to an .xlsx file at `path`, streaming:
    the `banner` lines (the first one the title) and a blank line, then the bold header row,
    frozen, then the rows, typed, money in `currency`."""
    banner = banner or []
    sheet_name = SHEET_NAME_REFUSED.sub("-", sheet_name)[:31] or "Sheet1"
    labels = _unique_labels(columns)
    cells = _cells(rows, columns, labels)
    first = next(cells, None)
    if first is None:
        _header_only(path, sheet_name, labels, banner)
        return

    def records() -> Iterator[dict]:
        yield first
        yield from cells

    formats = {}
    for label, column in zip(labels, columns, strict=True):
        number_format = _number_format(column, currency)
        if number_format:
            cell_format = rustpy_xlsxwriter.Format()
            cell_format.set_num_format(number_format)
            formats[label] = cell_format
    header_row = len(banner) + 1 if banner else 0
    last_column = max(len(columns), BANNER_WIDTH) - 1
    merges = []
    for index, line in enumerate(banner):
        line_format = rustpy_xlsxwriter.Format()
        if index == 0:
            line_format.set_bold()
            line_format.set_font_size(14)
        merges.append((index, 0, index, last_column, line, line_format))
    (
        rustpy_xlsxwriter.FastExcel(path)
        .format(bold_headers=True, datetime_format=FORMATS["datetime"])
        .freeze(row=header_row + 1)
        .sheet(
            sheet_name,
            records(),
            column_widths=[column.width for column in columns],
            column_formats=formats,
            header_row=header_row,
            merge_ranges=merges or None,
        )
        .save()
    )
