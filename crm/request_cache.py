"""What nearly every request reads and what rarely changes — the retailer of the host name, the
terminal of a till's token — kept in the web process between requests.

A change is told by the database, not by the code that makes it: a statement trigger on each of
those tables (`notify_triggers`, in the owning app's migration: retailers, domains, plans,
stores, terminals) sends a `NOTIFY`, which PostgreSQL delivers when the changing transaction
commits, whichever path wrote the rows (a service, a queryset `update()`, SQL by hand). Each web
process listens on its own connection in a thread; a notification drops everything the process
kept. A suspension or a revoked token is therefore refused by every process as soon as the
notification arrives (milliseconds after the commit), and a rolled-back change costs nothing.

A row is kept with the count of notifications seen when its read began, and used only while
that count stands, so a row read while a change was committing is never used. While the
listening connection is down (a database restart), or has not heard its own ping for
`HEARD_WITHIN` seconds, nothing is kept and every look-up reads the database; rows are also read
again after `MAX_AGE` seconds, whatever happens. Only requests use
the cache (`begin()` / `end()` in crm.middleware.TenantMiddleware; a task or a command reads the
database), only rows that exist are kept (an unknown host or token is read each time), and
settings.REQUEST_CACHE switches it off (the tests' rolled-back transactions never notify).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

import psycopg
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "regulars_request_cache"
MAX_AGE = 60.0
MAX_ENTRIES = 50_000
# How long the listener waits for a notification before it pings itself; rows are used only
# while its last ping came back within HEARD_WITHIN.
LISTEN_CHECK_SECONDS = 10.0
HEARD_WITHIN = 3 * LISTEN_CHECK_SECONDS
RECONNECT_SECONDS = 0.5
PING = "ping"

Row = TypeVar("Row")

_entries: dict[Hashable, tuple[int, float, object]] = {}
_notified = 0  # notifications seen (and listener restarts): what a kept row must still match
_listening = threading.Event()
_heard_at = 0.0
_listener_pid: int | None = None
# The listening connection's server process (tests stop it to see the cache go and come back).
listener_backend_pid: int | None = None
_start_lock = threading.Lock()
_request = threading.local()

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION request_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    RETURN NULL;
END
$$;
"""
FUNCTION_DROP_SQL = "DROP FUNCTION IF EXISTS request_cache_notify();"


def notify_triggers(table: str, *, update_of: tuple[str, ...] = ()) -> tuple[str, str]:
    """The SQL (forward, backward) that makes every change of `table` notify the web processes.
    `update_of` limits updates to those columns (a terminal's `last_used_at`, written by the
    till once a minute, changes nothing that is kept)."""
    update = f"UPDATE OF {', '.join(update_of)}" if update_of else "UPDATE"
    forward = (
        f"CREATE TRIGGER {table}_request_cache AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION request_cache_notify();"
    )
    return forward, f"DROP TRIGGER IF EXISTS {table}_request_cache ON {table};"


def _forget() -> None:
    global _notified
    _notified += 1
    _entries.clear()


def _fresh() -> bool:
    """Whether the listener heard its own last ping lately: a connection gone quiet (a
    half-open socket, a pooler that never delivers notifications) stops the cache within
    `HEARD_WITHIN` seconds."""
    return _listening.is_set() and time.monotonic() - _heard_at < HEARD_WITHIN


def _listen(database: dict) -> None:
    """The listener thread: drops the kept rows at every notification, pings itself to know it
    still hears, reconnects after a loss (waiting longer after each failure in a row); ends
    when the cache is switched off."""
    global _heard_at, _listener_pid, listener_backend_pid
    params = {
        "dbname": database["NAME"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "host": database["HOST"],
        "port": database["PORT"],
        "application_name": "regulars request cache",
        "connect_timeout": 5,
        # A peer that vanished without closing is noticed in seconds, not minutes.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    failures = 0
    while settings.REQUEST_CACHE:
        try:
            with psycopg.connect(autocommit=True, **{key: value for key, value in params.items() if value}) as conn:
                listener_backend_pid = conn.info.backend_pid
                conn.execute(f"LISTEN {CHANNEL}")
                conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, PING])
                _forget()  # what was read before listening began
                while settings.REQUEST_CACHE:
                    for notice in conn.notifies(timeout=LISTEN_CHECK_SECONDS):
                        if notice.payload == PING and notice.pid == conn.info.backend_pid:
                            _heard_at = time.monotonic()
                            _listening.set()
                            failures = 0
                        else:
                            _forget()
                    conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, PING])
        except Exception as error:  # whatever breaks, the loop goes on: never a dead listener that seems alive
            if failures == 0:
                logger.warning("The request cache stopped listening (%s); reading the database meanwhile.", error)
            failures += 1
        finally:
            _listening.clear()
            _forget()
        time.sleep(min(RECONNECT_SECONDS * 2 ** min(failures, 5), 30.0))
    with _start_lock:
        _listener_pid = None


def _listener_ready() -> bool:
    """Whether this process listens (starting its thread on first use, again after a fork)."""
    global _listener_pid
    pid = os.getpid()
    if _listener_pid != pid:
        with _start_lock:
            if _listener_pid != pid:
                _listening.clear()
                _forget()
                database = dict(connections["default"].settings_dict)
                threading.Thread(target=_listen, args=(database,), name="request-cache", daemon=True).start()
                _listener_pid = pid
    return _fresh()


def begin() -> None:
    """At the start of a request: whether its look-ups may use what this process kept."""
    _request.on = bool(settings.REQUEST_CACHE) and _listener_ready()


def end() -> None:
    _request.on = False


def cached(key: Hashable, read: Callable[[], Row | None]) -> Row | None:
    """The row kept under `key`, else `read()` (kept when not None); in a request only."""
    if not getattr(_request, "on", False) or not _fresh():
        return read()
    now = time.monotonic()
    notified = _notified
    entry = _entries.get(key)
    if entry is not None and entry[0] == notified and now - entry[1] < MAX_AGE:
        return entry[2]
    row = read()
    if row is not None:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (notified, now, row)
    return row
