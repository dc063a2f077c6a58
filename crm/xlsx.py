"""Rows for write-only openpyxl workbooks in which text always stays text.

openpyxl turns a string that starts with "=" into a formula, and Excel runs cells starting with
"=", "+", "-" or "@" that a person edits. Every string cell written here has its data type
forced to "s" (an inline string), so a customer called "=1+1" is written, and read back, as the
text "=1+1". Characters that XML cannot hold (control characters) are dropped instead of making
openpyxl refuse the whole file.

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(xlsx_text_row(sheet, ["Name", "Born", "Points"]))
    sheet.append(xlsx_text_row(sheet, ["=1+1", datetime.date(1990, 1, 2), 15]))
    workbook.save(output)
"""

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_text_cell(sheet, value) -> WriteOnlyCell:
    """One write-only cell of `sheet`: a string is always text; other values (numbers, dates,
    booleans, None) are written as openpyxl writes them."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return WriteOnlyCell(sheet, value=value)


def xlsx_text_row(sheet, values: Iterable) -> list[WriteOnlyCell]:
    """The cells for `sheet.append(...)` of one row: see `xlsx_text_cell`."""
    return [xlsx_text_cell(sheet, value) for value in values]
