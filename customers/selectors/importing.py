"""Reads for the customer import: the uploaded file as rows, the mapping targets, batches, rows,
progress and the workbook of refused rows.

A file is read as a stream of rows of text whatever its format, so that the checks and the
import hold one chunk of rows in memory at a time:

- .csv: UTF-8 (a byte-order mark is dropped), comma or semicolon delimited (csv.Sniffer on the
  first 16 KB decides), one record per spreadsheet row (a quoted value may span lines);
- .xlsx: the first sheet, formulas as their last computed value; numbers, dates and yes/no
  cells are turned into the text a person would type. A sheet of up to CALAMINE_UP_TO bytes
  (its XML unpacked: about 200,000 rows of ten columns) is read by python-calamine, Rust's
  calamine, 30 times as fast as openpyxl; it holds the whole sheet in memory (about 1.7 times
  the XML), so a larger sheet streams through openpyxl's read-only mode in flat memory.

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2.
Rows whose cells are all empty are left out (spreadsheets often end with some).
"""

import codecs
import contextlib
import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from crm.xlsx import xlsx_text_row
from customers.models import EDITABLE_FIELDS, Customer, ImportBatch, ImportRow
from customers.selectors.properties import property_list

CSV, XLSX = "csv", "xlsx"
SNIFF_BYTES = 16 * 1024
PROGRESS_SECONDS = 24 * 60 * 60
IGNORE = ""
GROUP = "group"
STATUS = "status"
# A person's first and last name in one column ("Mari Tamm"), or a business's name.
FULL_NAME = "full_name"
PROPERTY_PREFIX = "property:"
# Fields the import does not write as they are: the group is found by its name, and a contact's
# company is a link to another customer, which a file cannot name reliably.
NOT_IMPORTED_FIELDS = {"company", "group"}
# Header names (normalised) that choose a field besides its name and its label in every language.
FIELD_HEADER_NAMES = {
    "number": frozenset(
        {"customerno", "customernr", "customerid", "kundennr", "clientnumber", "clientno", "kliendinr"}
    ),
}


class FileUnreadable(ValidationError):
    """The file cannot be read as the table it claims to be; the message says why."""


# --- the file as rows --------------------------------------------------------------------------


def import_file_kind(name: str) -> str | None:
    """ "csv" or "xlsx" by the file name's extension; None for any other file."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension if extension in (CSV, XLSX) else None


# The largest sheet (XML bytes, unpacked) read whole by python-calamine; larger ones stream.
CALAMINE_UP_TO = 120 * 1024 * 1024


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a person would type in a CSV file."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_delimiter(sample: str) -> str:
    """Comma or semicolon, as csv.Sniffer reads the first lines; when it cannot tell (a file of
    one column, say), the one the header line holds more of."""
    complete = sample[: sample.rfind("\n") + 1] or sample
    try:
        return csv.Sniffer().sniff(complete, delimiters=",;").delimiter
    except csv.Error:
        header = complete.splitlines()[0] if complete else ""
        return ";" if header.count(";") > header.count(",") else ","


def _csv_lines(binary: IO[bytes]) -> Iterator[str]:
    """The file's lines decoded one by one, so that a byte that is not UTF-8 is found in its row."""
    for number, line in enumerate(iter(binary.readline, b""), start=1):
        yield (line.removeprefix(codecs.BOM_UTF8) if number == 1 else line).decode("utf-8")


def _csv_records(binary: IO[bytes], name: str) -> Iterator[list[str]]:
    start = binary.read(SNIFF_BYTES)
    binary.seek(0)
    # The sample may end inside a character of several bytes: ignore that half character.
    delimiter = _csv_delimiter(start.decode("utf-8-sig", errors="ignore"))
    record = 0
    try:
        for values in csv.reader(_csv_lines(binary), delimiter=delimiter):
            record += 1
            yield values
    except UnicodeDecodeError as error:
        raise FileUnreadable(
            _("“%(name)s” is not UTF-8 text (row %(row)s). Save it as “CSV UTF-8” and upload it again.")
            % {"name": name, "row": record + 1},
            code="encoding",
        ) from error
    except csv.Error as error:
        raise FileUnreadable(
            _("Row %(row)s of “%(name)s” cannot be read: %(error)s.")
            % {"row": record + 1, "name": name, "error": error},
            code="csv",
        ) from error


def _xlsx_unreadable(name: str) -> FileUnreadable:
    return FileUnreadable(_("“%(name)s” cannot be read as an Excel workbook (.xlsx).") % {"name": name}, code="xlsx")


def _xlsx_sheet_size(binary: IO[bytes]) -> int | None:
    """The largest worksheet's XML size, unpacked (from the zip's directory: nothing is
    unpacked), or None when the file is no zip archive."""
    try:
        with zipfile.ZipFile(binary) as archive:
            sizes = [info.file_size for info in archive.infolist() if info.filename.startswith("xl/worksheets/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        binary.seek(0)
    return max(sizes, default=0)


def _xlsx_records(binary: IO[bytes], name: str) -> Iterator[list[str]]:
    size = _xlsx_sheet_size(binary)
    if size is not None and size <= CALAMINE_UP_TO:
        return _xlsx_records_calamine(binary, name)
    return _xlsx_records_openpyxl(binary, name)


def _xlsx_records_calamine(binary: IO[bytes], name: str) -> Iterator[list[str]]:
    try:
        workbook = CalamineWorkbook.from_filelike(binary)
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as error:  # any failure of a damaged file means the same to the uploader
        raise _xlsx_unreadable(name) from error
    try:
        # calamine gives the rows from the first one, but each from the first column in use:
        # the columns before it are given back empty, as openpyxl gives them.
        _first_row, first_column = sheet.start or (0, 0)
        padding = [""] * first_column
        for values in rows:
            yield padding + [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _xlsx_records_openpyxl(binary: IO[bytes], name: str) -> Iterator[list[str]]:
    # A damaged or foreign file can make openpyxl fail in many ways; each means the same to the
    # person who uploaded it.
    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except Exception as error:
        raise _xlsx_unreadable(name) from error
    try:
        if not workbook.worksheets:
            raise _xlsx_unreadable(name)
        sheet = workbook.worksheets[0]
        # Some programs write a wrong size into the file; read every row there is instead.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:
                raise _xlsx_unreadable(name) from error
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def import_file_records(binary: IO[bytes], *, name: str) -> Iterator[list[str]]:
    """Every row of the file (header first, empty rows included) as a list of texts.

    Raises FileUnreadable with a message naming the problem when the file is not what its
    name says."""
    kind = import_file_kind(name)
    if kind == CSV:
        return _csv_records(binary, name)
    if kind == XLSX:
        return _xlsx_records(binary, name)
    raise FileUnreadable(_("“%(name)s” is neither a .csv nor an .xlsx file.") % {"name": name}, code="type")


def import_headers_clean(values: list[str]) -> list[str]:
    """The column names of a header row, up to its last named column."""
    headers = [str(value).strip() for value in values]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def import_data_rows(records: Iterator[list[str]], *, width: int) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, values) for the rows after the header, each cut or padded to
    `width` columns; rows with nothing in them are left out."""
    for row_number, values in enumerate(records, start=2):
        values = list(values[:width])
        if not any(value.strip() for value in values):
            continue
        values.extend([""] * (width - len(values)))
        yield row_number, values


@contextlib.contextmanager
def import_batch_rows(batch: ImportBatch) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """The data rows of the batch's stored file, streamed (see `import_data_rows`)."""
    with batch.file.open("rb") as binary:
        records = import_file_records(binary, name=batch.original_name)
        next(records, None)  # the header, read at the upload
        yield import_data_rows(records, width=len(batch.headers))


def import_column_name(batch_or_headers, index: int) -> str:
    """A column's name as the file has it, or "Column C" when its header cell is empty."""
    headers = batch_or_headers.headers if isinstance(batch_or_headers, ImportBatch) else batch_or_headers
    header = headers[index] if index < len(headers) else ""
    return header or _("Column %(letter)s") % {"letter": get_column_letter(index + 1)}


def import_sample_values(*, batch: ImportBatch, count: int = 3) -> list[list[str]]:
    """The first `count` data rows' values per column (for the mapping page), [] if unreadable."""
    samples: list[list[str]] = [[] for _header in batch.headers]
    try:
        with import_batch_rows(batch) as rows:
            for _number, values in rows:
                for index, value in enumerate(values):
                    samples[index].append(value)
                if len(samples[0]) >= count:
                    break
    except (OSError, ValidationError):
        return [[] for _header in batch.headers]
    return samples


# --- what a column can be imported into --------------------------------------------------------


@dataclass(frozen=True)
class ImportTarget:
    key: str  # a Customer field name, "status", "group" or "property:<code>"
    label: str
    names: frozenset[str]  # normalised header names that choose it by default
    is_property: bool = False


def header_normalise(text: str) -> str:
    """A header or a field name reduced to letters and digits, case-folded: "E-mail",
    "email" and "E_MAIL" all become "email"."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


def _names_in_every_language(label) -> set[str]:
    names = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.add(header_normalise(str(label)))
    return names


def import_targets() -> list[ImportTarget]:
    """What a column can be imported into: the editable customer fields, a person's whole name
    (split into first and last name), the status, the group (by name) and every live custom
    property, in the order the mapping page shows them."""
    targets = []
    for name in (*EDITABLE_FIELDS, STATUS):
        if name in NOT_IMPORTED_FIELDS:
            continue
        field = Customer._meta.get_field(name)
        names = {
            header_normalise(name),
            *_names_in_every_language(field.verbose_name),
            *FIELD_HEADER_NAMES.get(name, ()),
        }
        targets.append(ImportTarget(name, capfirst(field.verbose_name), frozenset(names)))
    after_last_name = next(index for index, target in enumerate(targets) if target.key == "last_name") + 1
    targets.insert(
        after_last_name,
        ImportTarget(
            FULL_NAME,
            _("Name (first and last name in one)"),
            frozenset({"name", "fullname", *_names_in_every_language(gettext_lazy("full name"))}),
        ),
    )
    group_label = gettext_lazy("group")
    targets.append(
        ImportTarget(
            GROUP,
            _("Group (by its name)"),
            frozenset({header_normalise(GROUP), *_names_in_every_language(group_label)}),
        )
    )
    for prop in property_list(include_archived=False):
        names = {header_normalise(text) for text in (prop.code, prop.label_en, prop.label_de, prop.label_et) if text}
        targets.append(ImportTarget(f"{PROPERTY_PREFIX}{prop.code}", prop.label, frozenset(names), is_property=True))
    return targets


def import_default_mapping(*, headers: list[str], targets: list[ImportTarget]) -> dict[int, str]:
    """The target each column gets before a person chooses: the first target whose field name,
    English (or German, Estonian) label, or property code or label is the header, compared
    without case, spaces and punctuation. A target goes to the first column that names it."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        name = header_normalise(header)
        if not name:
            continue
        for target in targets:
            if target.key not in taken and name in target.names:
                mapping[index] = target.key
                taken.add(target.key)
                break
    return mapping


# --- batches, rows and progress ----------------------------------------------------------------


def import_batch_list() -> QuerySet[ImportBatch]:
    """Every import of the retailer, the most recent first."""
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_batch_get(*, batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_related("created_by").get(pk=batch_id)


def import_row_list(*, batch: ImportBatch, outcome: str | None = None) -> QuerySet[ImportRow]:
    """The batch's rows in file order, only those with `outcome` when one is given."""
    rows = ImportRow.objects.filter(batch=batch).order_by("row_number")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows


def import_progress_key(batch_id: int) -> str:
    # The cache's key function adds the retailer's schema to every key.
    return f"customers:import:{batch_id}:progress"


def import_progress(*, batch: ImportBatch) -> dict:
    """How far the running check or import is: {"done", "total", "percent"}. Written to the
    cache by the task after every chunk, so it shows while the import's transaction is open."""
    progress = cache.get(import_progress_key(batch.pk)) or {}
    total = progress.get("total", batch.total_rows) or 0
    done = min(progress.get("done", 0), total)
    percent = round(done * 100 / total) if total else 0
    return {"done": done, "total": total, "percent": percent}


def import_refused_xlsx_write(*, batch: ImportBatch, output: IO[bytes]) -> None:
    """Write the refused rows to `output` as an .xlsx workbook: the file's own columns with each
    row's original values (as text), then "Reason" and the row's number in the uploaded file.
    Fixed, the workbook can be imported again: neither extra column is mapped by default."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Refused rows")[:31])
    width = len(batch.headers)
    columns = [import_column_name(batch, index) for index in range(width)]
    sheet.append(xlsx_text_row(sheet, [*columns, _("Reason"), _("Row")]))
    refused = import_row_list(batch=batch, outcome=ImportRow.Outcome.REFUSE).only("row_number", "values", "reason")
    for row in refused.iterator(chunk_size=2000):
        values = [value or None for value in (list(row.values) + [""] * width)[:width]]
        sheet.append(xlsx_text_row(sheet, [*values, row.reason, row.row_number]))
    workbook.save(output)
