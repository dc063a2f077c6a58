"""INSERT … SELECT for a model: the caller names the columns it computes; every other column gets
what Django would have written (NULL, the field's default, now() for auto dates), so raw SQL
loads honour the same NOT NULL columns as the ORM."""

from django.db import connection
from django.db.models import Model


def _default_sql(field) -> str:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.has_default():
        value = field.get_db_prep_value(field.get_default(), connection, prepared=False)
        if hasattr(value, "dumps"):  # a JSON adapter
            value = value.dumps(value.obj)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    if field.null:
        return "NULL"
    if field.get_internal_type() in {"CharField", "TextField", "EmailField"}:
        return "''"
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def insert_select(model: type[Model], columns: dict[str, str], source: str, params=None) -> int:
    """INSERT INTO model's table the given column expressions FROM `source` (the rest of a SELECT:
    "FROM … WHERE …"); returns the rows written."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in columns:
            names.append(column)
            values.append(columns[column])
        elif field.primary_key:
            continue
        else:
            names.append(column)
            values.append(_default_sql(field))
    unknown = set(columns) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) SELECT {', '.join(values)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def sequence_sync(model: type[Model]) -> None:
    table = model._meta.db_table
    execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")


def secondary_indexes_drop(tables: list[str]) -> list[str]:
    """Drop the tables' indexes that back no constraint (a bulk load then builds each once, in one
    sort, instead of growing it row by row); returns their definitions for secondary_indexes_make."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def secondary_indexes_make(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        for definition in definitions:
            cursor.execute(definition)


def foreign_keys_drop(tables: list[str]) -> list[str]:
    """Drop the tables' foreign keys: Django's are deferred, so every loaded row would queue a check
    that runs one by one at COMMIT; added again by foreign_keys_make, each is validated in one join.
    Returns the statements that add them again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' "
            "AND c.connamespace = current_schema()::regnamespace AND t.relname = ANY(%s) ORDER BY t.relname, c.conname",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in keys]


def foreign_keys_make(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
