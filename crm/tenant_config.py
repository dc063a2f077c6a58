"""What changes rarely, read once per retailer and kept in the process until it changes.

The till reads the same few things on every sale: the customer and product group trees, which
group has which price list, the loyalty programme, its earning rules and tiers. They change a
few times a month, when someone edits a setting, so each process keeps them per retailer and
rebuilds them only after a change.

A change is noticed by the database, not by the code that makes it: a statement trigger on each
of those tables (`config_version_triggers`, in the owning app's migration) sets the retailer's
one-row `config_version` table to the next value of its sequence, in the changing transaction.
A reader therefore sees the new version exactly when it can see the new rows (after the commit,
or inside the changing transaction itself), whichever path wrote them: a service, a bulk load,
a test's `update()`, a data migration or SQL typed by hand. The sequence never hands out a value
twice, so a rolled-back change leaves no entry that a later one could be mistaken for, and the
table's oid tells a re-created schema from the old one of the same name.

Reading the version is one statement by primary key; a process keeps one value per retailer
and name (the latest), so memory stays at one copy per retailer.
"""

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import connection

T = TypeVar("T")

# Created by customers' migration 0007 in every retailer's schema (the function and the version
# table); each app's migration puts the trigger on its own tables.
FUNCTION_SQL = """
CREATE SEQUENCE config_version_seq;
CREATE TABLE config_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, nextval('config_version_seq'));
CREATE FUNCTION config_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE %1$I.config_version SET version = nextval(%2$L) WHERE id = 1',
        TG_TABLE_SCHEMA, quote_ident(TG_TABLE_SCHEMA) || '.config_version_seq'
    );
    RETURN NULL;
END
$$;
"""
FUNCTION_DROP_SQL = """
DROP FUNCTION IF EXISTS config_version_bump();
DROP TABLE IF EXISTS config_version;
DROP SEQUENCE IF EXISTS config_version_seq;
"""

_kept: dict[tuple[int, str], tuple[int, object]] = {}
_pinned = threading.local()


def config_version_triggers(*tables: str) -> tuple[str, str]:
    """The SQL (forward, backward) that makes every change of `tables` bump the version."""
    forward = "\n".join(
        f"CREATE TRIGGER {table}_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION config_version_bump();"
        for table in tables
    )
    backward = "\n".join(f"DROP TRIGGER IF EXISTS {table}_config_version ON {table};" for table in tables)
    return forward, backward


def config_version() -> tuple[int, int]:
    """(the version table's oid, the version) of the current retailer's schema (the one pinned by
    `config_pinned`, inside it)."""
    pinned = getattr(_pinned, "version", None)
    if pinned is not None and pinned[0] == connection.schema_name:
        return pinned[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::bigint, version FROM config_version WHERE id = 1")
        return cursor.fetchone()


@contextlib.contextmanager
def config_pinned() -> Iterator[None]:
    """Read the version once for the whole block: every cached read inside it (a sale's prices,
    then its points) costs no statement at all. For a block that changes none of the tables;
    nested blocks keep the outer pin."""
    if getattr(_pinned, "version", None) is not None:
        yield
        return
    _pinned.version = (connection.schema_name, config_version())
    try:
        yield
    finally:
        _pinned.version = None


def config_cached(name: str, build: Callable[[], T]) -> T:
    """What `build()` returns for the current retailer, built again only after a change of the
    tables that carry the version trigger. `build` must read nothing else, and callers must not
    change what it returns."""
    table, version = config_version()
    key = (table, name)
    kept = _kept.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = build()
    # The last build wins: a version seen only inside a transaction that then rolled back is
    # replaced by the next reader's.
    _kept[key] = (version, value)
    return value
