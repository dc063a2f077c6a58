"""Columns later apps add to the customer import.

The customer import knows the customers app's fields only. A later app that keeps something per
customer which an old system's export carries (the loyalty app: an opening points balance, a
card number) registers a column here in its AppConfig.ready():

    import_columns.register(ImportColumn(code="card_number", label=…, help=…, check=…, write=…))

The column then shows on the mapping page, a file's column can be mapped to it, and each run of
the import calls the column's two functions over a chunk of rows at a time:

- `check(cells, run)` in the dry run and again in the import, for the rows the customers app
  found nothing wrong with, before it decides each row's outcome (a row whose customer exists is
  left out when the batch skips existing customers: nothing is written for it). It returns
  {row number: [problems]}; a row with a problem is refused with it, its column named, and
  nothing of it is written;
- `write(cells, run)` in the import only, after the chunk's customers are written, inside the
  import's one transaction: an error fails the whole import and nothing of it stays.

An explicit list rather than signals (see ARCHITECTURE.md, "Imports run one way"): the columns
are named in one place and run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from crm.registry import Registry

if TYPE_CHECKING:
    from customers.models import Customer, ImportBatch
    from customers.selectors.importing import ImportTarget
    from staff.models import User


@dataclass(frozen=True)
class ImportCell:
    """One row's value of a registered column."""

    row_number: int
    # The cell's text, stripped; never empty (an empty cell is no value for the column).
    text: str
    # In `check`: the existing customer the row updates, None for a new one. In `write`: the
    # customer as written, with its primary key.
    customer: Customer | None


@dataclass
class ImportColumnRun:
    """A column's part in one run (dry or real) of a batch."""

    batch: ImportBatch
    # The person who started the import: the author of what the column writes.
    acting_user: User | None
    write: bool
    # What the column remembers between the chunks of the run (values seen in earlier rows, say).
    state: dict = field(default_factory=dict)


CheckFunction = Callable[[list[ImportCell], ImportColumnRun], dict[int, list[str]]]
WriteFunction = Callable[[list[ImportCell], ImportColumnRun], None]


@dataclass(frozen=True)
class ImportColumn:
    code: str
    label: str
    help: str
    check: CheckFunction
    write: WriteFunction
    # The heading the column's choice is listed under on the mapping page (the app's name).
    section: str = ""
    # Header names (besides the code and the label in every language) that choose the column
    # by default, normalised as customers.selectors.importing.header_normalise does.
    names: frozenset[str] = frozenset()


class ImportColumns(Registry[ImportColumn]):
    """The registered columns, in the order they were registered, by code. Besides what every
    registry refuses, a code of the customers app's own targets (a field, the group, the status,
    a property) is a mistake too."""

    def register(self, item: ImportColumn) -> ImportColumn:
        from customers.models import EDITABLE_FIELDS
        from customers.selectors.importing import FULL_NAME, GROUP, PROPERTY_PREFIX, STATUS

        if (
            item.code in {*EDITABLE_FIELDS, GROUP, STATUS, FULL_NAME}
            or item.code.startswith(PROPERTY_PREFIX)
            or not item.code
        ):
            raise ImproperlyConfigured(f"the customer import has a column “{item.code}” already")
        return super().register(item)


import_columns = ImportColumns("customer import columns", key=lambda column: column.code)


def import_column_targets() -> list[ImportTarget]:
    """The registered columns as targets of the mapping page, after the customers app's own."""
    from customers.selectors.importing import ImportTarget, header_normalise

    targets = []
    for column in import_columns:
        names = {header_normalise(column.code), *column.names}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.add(header_normalise(str(column.label)))
        targets.append(ImportTarget(column.code, str(column.label), frozenset(names)))
    return targets
