"""A report's workbook: a header with the title, the parameters and the build time, then one
header row and the rows with typed cells (numbers as numbers, dates as dates, money in the
retailer's currency), the header frozen, sensible widths. Strings are always text, never a
formula (crm.xlsx). Write-only: rows stream through, memory stays flat.

`table_write` writes a plain table (a header row, then the rows), for the customer export of a
million rows: rustpy-xlsxwriter (rust_xlsxwriter underneath, in constant memory) writes it five
times as fast as XlsxWriter's constant_memory mode and thirteen times as fast as openpyxl's
write-only mode (docs/benchmarks.md). Its strings are always text cells, never formulas.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

import rustpy_xlsxwriter
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}"'


def _typed_cell(sheet, value, column: Column, currency: str) -> WriteOnlyCell:
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if column.kind == "text" or isinstance(value, str):
        return xlsx_text_cell(sheet, str(value))
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the local wall time of the retailer.
        from django.utils import timezone

        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal) and column.kind in ("integer",):
        value = int(value)
    cell = WriteOnlyCell(sheet, value=value)
    if column.kind == "money":
        cell.number_format = money_format(currency)
    elif column.kind in FORMATS:
        cell.number_format = FORMATS[column.kind]
    return cell


class ReportWorkbook:
    """Open a workbook, `append` rows as they come, `save` at the end."""

    def __init__(
        self,
        *,
        title: str,
        parameters_text: list[list[str]],
        built_at: datetime.datetime,
        columns: list[Column],
        currency: str,
        built_label: str,
    ):
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title[:31] or "Report")
        self.columns = columns
        self.currency = currency
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        # The title, the parameters, the build time and a blank line come before the column
        # header; the panes freeze below it (a write-only sheet takes that before any row).
        self.header_row = len(parameters_text) + 4
        self.sheet.freeze_panes = f"A{self.header_row + 1}"
        title_cell = xlsx_text_cell(self.sheet, title)
        title_cell.font = TITLE
        self.sheet.append([title_cell])
        for label, value in parameters_text:
            self.sheet.append([xlsx_text_cell(self.sheet, label), xlsx_text_cell(self.sheet, value)])
        from django.utils import timezone

        built_cell = WriteOnlyCell(self.sheet, value=timezone.localtime(built_at).replace(tzinfo=None))
        built_cell.number_format = FORMATS["datetime"]
        self.sheet.append([xlsx_text_cell(self.sheet, built_label), built_cell])
        self.sheet.append([])
        header = []
        for column in columns:
            cell = xlsx_text_cell(self.sheet, str(column.label))
            cell.font = BOLD
            header.append(cell)
        self.sheet.append(header)

    def append(self, row: Mapping) -> None:
        """One row: a mapping of the columns' keys to their values."""
        self.sheet.append([_typed_cell(self.sheet, row[column.key], column, self.currency) for column in self.columns])

    def save(self, output) -> None:
        self.workbook.save(output)

    def discard(self) -> None:
        """Drop a workbook that will not be saved (its build failed). The write-only sheet streams
        into a temporary file that openpyxl otherwise removes only when the process ends: a
        worker would collect the files of every failed build."""
        writer = self.sheet._writer
        if writer is None:
            return
        if not self.sheet.closed:
            self.sheet.close()
        writer.cleanup()


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


TABLE_FORMATS = {**FORMATS, "decimal": "General"}


def table_write(path: str, *, sheet_name: str, columns: list[Column], rows: Iterable[Mapping], currency: str) -> None:
    """Write `rows` (mappings keyed by the columns' keys) under a bold, frozen header row to an
    .xlsx file at `path`, streaming: typed cells, money in `currency`, dates as dates."""
    labels = _unique_labels(columns)
    keys = [column.key for column in columns]
    formats = {}
    for label, column in zip(labels, columns, strict=True):
        number_format = money_format(currency) if column.kind == "money" else TABLE_FORMATS.get(column.kind)
        if number_format and number_format != "General":
            cell_format = rustpy_xlsxwriter.Format()
            cell_format.set_num_format(number_format)
            formats[label] = cell_format

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        # The writer takes its header from the first row: with none, openpyxl writes the header.
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_name[:31] or "Sheet1")
        header = [xlsx_text_cell(sheet, label) for label in labels]
        for cell in header:
            cell.font = BOLD
        sheet.append(header)
        workbook.save(path)
        return

    def records():
        yield dict(zip(labels, [first[key] for key in keys], strict=True))
        for row in rows:
            yield dict(zip(labels, [row[key] for key in keys], strict=True))

    (
        rustpy_xlsxwriter.FastExcel(path)
        .format(bold_headers=True, datetime_format=FORMATS["datetime"])
        .freeze(row=1)
        .sheet(
            sheet_name[:31] or "Sheet1",
            records(),
            column_widths=[column.width for column in columns],
            column_formats=formats,
        )
        .save()
    )
