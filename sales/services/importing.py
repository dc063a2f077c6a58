"""What the product import and the sales history import share: reading an uploaded .csv or
.xlsx file into a table of rows by column (with the customer import's readers), the refusal of
a whole file, and the lock that lets one import of a kind run at a time."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.selectors.importing import (
    header_normalise,
    import_data_rows,
    import_file_kind,
    import_file_records,
    import_headers_clean,
)


@dataclass(frozen=True)
class FileColumn:
    """A column an import reads: its key, the header it is written as in the help, the header
    names (normalised by header_normalise) that choose it, and whether the file must have it."""

    key: str
    header: str
    names: frozenset[str]
    is_required: bool = False


@dataclass
class ImportTable:
    """The data rows of a file, with where each known column is."""

    file_name: str
    headers: list[str]
    columns: dict[str, int]
    ignored: list[str]
    rows: list[tuple[int, list[str]]]

    def value(self, values: list[str], key: str) -> str:
        index = self.columns.get(key)
        return values[index].strip() if index is not None else ""

    def column_name(self, key: str) -> str:
        """The column's header as the file writes it."""
        return self.headers[self.columns[key]] if key in self.columns else key


@dataclass
class ImportStream:
    """A file's header read and its data rows still to come, one at a time (a file of millions of
    lines is never held in memory); `close()` when done."""

    file_name: str
    headers: list[str]
    columns: dict[str, int]
    ignored: list[str]
    rows: Iterator[tuple[int, list[str]]]
    _records: Iterator = field(repr=False, default=iter(()))

    def close(self) -> None:
        close = getattr(self._records, "close", None)
        if close is not None:
            close()

    def table(self, rows: list[tuple[int, list[str]]]) -> ImportTable:
        """Some of the rows as a table of the same columns."""
        return ImportTable(
            file_name=self.file_name, headers=self.headers, columns=self.columns, ignored=self.ignored, rows=rows
        )


def import_stream_open(binary: IO[bytes], *, name: str, columns: Iterable[FileColumn]) -> ImportStream:
    """Open an uploaded .csv or .xlsx file with the customer import's readers: its header row and
    the columns it names, the data rows to be read. A file that cannot be imported at all raises
    a ValidationError naming the problem: another type, unreadable, empty, a required column
    missing or named twice."""
    columns = tuple(columns)
    if import_file_kind(name) is None:
        raise ValidationError(
            _("“%(name)s” is neither a .csv nor an .xlsx file. Save the table as CSV UTF-8 or as an Excel workbook.")
            % {"name": name},
            code="type",
        )
    records = import_file_records(binary, name=name)
    try:
        first = next(records, None)
        headers = import_headers_clean(first or [])
        if not headers:
            raise ValidationError(
                _("The first row of “%(name)s” is empty: it must hold the column names.") % {"name": name},
                code="no_header",
            )
        found: dict[str, int] = {}
        ignored = []
        for index, header in enumerate(headers):
            normalised = header_normalise(header)
            column = next((column for column in columns if normalised in column.names), None)
            if column is None:
                if header:
                    ignored.append(header)
                continue
            if column.key in found:
                raise ValidationError(
                    _("“%(name)s” has two columns for “%(column)s”: “%(first)s” and “%(second)s”.")
                    % {"name": name, "column": column.header, "first": headers[found[column.key]], "second": header},
                    code="column_twice",
                )
            found[column.key] = index
        missing = [column.header for column in columns if column.is_required and column.key not in found]
        if missing:
            raise ValidationError(
                ngettext(
                    "“%(name)s” has no column %(missing)s. The first row must name the columns: %(all)s.",
                    "“%(name)s” has no columns %(missing)s. The first row must name the columns: %(all)s.",
                    len(missing),
                )
                % {
                    "name": name,
                    "missing": ", ".join(f"“{header}”" for header in missing),
                    "all": ", ".join(column.header for column in columns),
                },
                code="columns_missing",
            )
    except BaseException:
        records.close()
        raise
    return ImportStream(
        file_name=name,
        headers=headers,
        columns=found,
        ignored=ignored,
        rows=import_data_rows(records, width=len(headers)),
        _records=records,
    )


def no_rows_error(name: str) -> ValidationError:
    return ValidationError(_("“%(name)s” has column names but no rows below them.") % {"name": name}, code="no_rows")


def import_table_read(binary: IO[bytes], *, name: str, columns: Iterable[FileColumn], max_rows: int) -> ImportTable:
    """The whole file as a table (import_stream_open, then its data rows, at most `max_rows`): a
    file that cannot be imported at all raises a ValidationError naming the problem, as does
    one without rows or with too many."""
    stream = import_stream_open(binary, name=name, columns=columns)
    try:
        rows = []
        for number, values in stream.rows:
            if len(rows) >= max_rows:
                raise ValidationError(
                    _("“%(name)s” has more than %(limit)s rows; split it into smaller files.")
                    % {"name": name, "limit": number_format(max_rows, force_grouping=True)},
                    code="too_many_rows",
                )
            rows.append((number, values))
    finally:
        stream.close()
    if not rows:
        raise no_rows_error(name)
    return stream.table(rows)


class ImportRefused(ValidationError):
    """The import wrote nothing because rows of the file are refused; `result` says which."""

    def __init__(self, message: str, *, result):
        super().__init__(message, code="refused")
        self.result = result


def import_lock(name: str) -> None:
    """Let one import of `name` at a time run in the retailer's schema, until the transaction
    ends: two imports of the same file at once would otherwise both find its rows new."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}:{name}"])
