import datetime
import tempfile

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook

from crm.xlsx import xlsx_text_row
from customers.models import Customer
from customers.selectors.columns import Column

CHUNK = 2000


def _plain(value):
    """What a cell can hold: local time without a zone (Excel has none), text for lazy labels."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Promise):
        return str(value)
    return value


def customer_export_xlsx(*, queryset: QuerySet[Customer], columns: list[Column]) -> tempfile.SpooledTemporaryFile:
    """Write the customers of `queryset` (the list's filter) with `columns` to an .xlsx file,
    streaming rows from the database so memory stays flat; returns the file, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(xlsx_text_row(sheet, [str(column.label) for column in columns]))
    for customer in queryset.iterator(chunk_size=CHUNK):
        sheet.append(xlsx_text_row(sheet, [_plain(column.value(customer)) for column in columns]))
    output = tempfile.SpooledTemporaryFile(max_size=50 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output
