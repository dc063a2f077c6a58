import datetime
import tempfile
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from customers.columns import Column
from customers.models import Customer

CHUNK = 2000


def _cell(sheet, value):
    """A write-only cell; text stays text (a leading = + - @ never makes a formula)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).replace(tzinfo=None)
    elif isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def customer_export_xlsx(*, queryset: QuerySet[Customer], columns: list[Column]) -> tempfile.SpooledTemporaryFile:
    """Write the customers of `queryset` (the list's filter) with `columns` to an .xlsx file,
    streaming rows from the database so memory stays flat; returns the file, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append([_cell(sheet, str(column.label)) for column in columns])
    for customer in queryset.iterator(chunk_size=CHUNK):
        sheet.append([_cell(sheet, column.value(customer)) for column in columns])
    output = tempfile.SpooledTemporaryFile(max_size=50 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output
