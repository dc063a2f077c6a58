"""The retailer of a host name and the terminal of a token, kept by the web process between
requests (crm.request_cache): read once, and read again after every committed change, however it
was made, as PostgreSQL's notification arrives. Committed rows: the notifications are real."""

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from crm import request_cache
from sales.models import Store, Terminal
from sales.services.stores import terminal_revoke
from tenants.models import Tenant
from tenants.selectors import tenant_of_hostname
from tenants.services import tenant_reactivate, tenant_suspend
from tests.factories import StoreFactory, TerminalFactory
from tests.factories.shops import TillApi

TOKEN = "alpha-request-cache-token"


@pytest.fixture
def till(alpha, committed_db, settings):
    """A committed terminal of alpha and its API client, with the request cache on and listening."""
    settings.REQUEST_CACHE = True
    request_cache.begin()
    request_cache.end()
    assert request_cache._listening.wait(10), "the request cache's listener did not start"
    with tenant_context(alpha.tenant):
        store = StoreFactory(name="Cache street", code="CACHE")
        terminal = TerminalFactory(store=store, name="Cache till", token=TOKEN)
    yield TillApi(alpha.host, TOKEN), terminal
    with tenant_context(alpha.tenant):
        Terminal.objects.filter(pk=terminal.pk).delete()
        Store.objects.filter(pk=store.pk).delete()
    request_cache._forget()


def _settled() -> None:
    """Until no notification has come for a fifth of a second (those of the rows just written)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        count = request_cache._notified
        time.sleep(0.2)
        if request_cache._notified == count:
            return
    raise AssertionError("notifications kept coming for ten seconds")


def _notified_after(count: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if request_cache._notified != count:
            return True
        time.sleep(0.01)
    return False


def _tables_read(api) -> tuple[int, list[str]]:
    """A request's status and the retailer / terminal tables its SQL read."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get("customers/", {"code": "1"})
    tables = [
        table
        for query in queries.captured_queries
        for table in ("tenants_tenant", "sales_terminal")
        if f'"{table}"' in query["sql"] and query["sql"].lstrip().upper().startswith("SELECT")
    ]
    return response.status_code, tables


BOTH = ["tenants_tenant", "sales_terminal"]


def _kept(api) -> None:
    """Read once more so that the rows are kept, and check they are."""
    _settled()
    _tables_read(api)
    assert _tables_read(api) == (404, [])


def test_the_second_request_reads_neither_the_retailer_nor_the_terminal(till):
    api, _terminal = till
    _settled()
    assert _tables_read(api) == (404, BOTH)
    assert _tables_read(api) == (404, [])


def test_each_request_gets_objects_of_its_own(alpha, till):
    api, _terminal = till
    _kept(api)
    request_cache.begin()
    try:
        one, two = tenant_of_hostname(hostname=alpha.host), tenant_of_hostname(hostname=alpha.host)
    finally:
        request_cache.end()
    assert one is not two and one.pk == two.pk == alpha.tenant.pk
    one.name = "Changed in a request"
    assert two.name == alpha.tenant.name


def test_a_revoked_token_is_refused_once_the_change_is_committed(alpha, till):
    api, terminal = till
    _kept(api)
    notified = request_cache._notified
    with tenant_context(alpha.tenant):
        terminal_revoke(terminal=terminal)
    assert _notified_after(notified)
    response = api.get("customers/", {"code": "1"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_a_suspended_retailer_is_refused_and_opens_again(alpha, till):
    api, _terminal = till
    _kept(api)
    notified = request_cache._notified
    try:
        tenant_suspend(tenant=alpha.tenant, reason="Unpaid invoice", acting_user=None)
        assert _notified_after(notified)
        assert api.get("customers/", {"code": "1"}).status_code == 403
    finally:
        notified = request_cache._notified
        tenant_reactivate(tenant=alpha.tenant, acting_user=None)
    assert _notified_after(notified)
    assert api.get("customers/", {"code": "1"}).status_code == 404


def test_a_change_made_with_sql_and_no_signal_is_seen_too(alpha, till):
    api, _terminal = till
    _kept(api)
    zone = Tenant.objects.get(pk=alpha.tenant.pk).time_zone
    notified = request_cache._notified
    try:
        Tenant.objects.filter(pk=alpha.tenant.pk).update(time_zone="Pacific/Kiritimati")
        assert _notified_after(notified)
        request_cache.begin()
        try:
            assert tenant_of_hostname(hostname=alpha.host).time_zone == "Pacific/Kiritimati"
        finally:
            request_cache.end()
    finally:
        Tenant.objects.filter(pk=alpha.tenant.pk).update(time_zone=zone)


def test_a_rolled_back_change_and_the_tills_last_used_time_notify_nothing(alpha, till):
    api, terminal = till
    _kept(api)
    notified = request_cache._notified
    with tenant_context(alpha.tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            Terminal.objects.filter(pk=terminal.pk).update(name="Never committed")
            raise RuntimeError("rolled back")
        Terminal.objects.filter(pk=terminal.pk).update(last_used_at=None)
        # Notifications of one session arrive in order: once this one is in, nothing else came.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, 'sentinel')", [request_cache.CHANNEL])
    assert _notified_after(notified)
    time.sleep(0.2)
    assert request_cache._notified == notified + 1


def test_every_column_of_a_terminal_but_its_last_use_notifies():
    from importlib import import_module

    migration = import_module("sales.migrations.0009_request_cache_notify")
    columns = {field.column for field in Terminal._meta.concrete_fields} - {"last_used_at"}
    assert set(migration.TERMINAL_COLUMNS) == columns


def test_while_the_listener_is_away_every_request_reads_and_after_it_rows_are_kept_again(till, monkeypatch):
    api, _terminal = till
    _kept(api)
    # The listener waits this long (doubled) before it connects again: time to look meanwhile.
    monkeypatch.setattr(request_cache, "RECONNECT_SECONDS", 3.0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [request_cache.listener_backend_pid])
        assert cursor.fetchone() == (True,)
    deadline = time.monotonic() + 5
    while request_cache._listening.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not request_cache._listening.is_set()
    assert _tables_read(api) == (404, BOTH)
    assert _tables_read(api) == (404, BOTH)
    assert request_cache._listening.wait(15), "the listener did not come back"
    _kept(api)


def test_a_listener_that_no_longer_hears_its_ping_keeps_nothing(till, monkeypatch):
    api, _terminal = till
    _kept(api)
    monkeypatch.setattr(request_cache, "_heard_at", time.monotonic() - request_cache.HEARD_WITHIN - 1)
    assert _tables_read(api) == (404, BOTH)


def test_rows_older_than_a_minute_are_read_again(till, monkeypatch):
    api, _terminal = till
    _kept(api)
    monkeypatch.setattr(request_cache, "MAX_AGE", 0.0)
    assert _tables_read(api) == (404, BOTH)


def test_an_unknown_host_or_token_is_not_kept(alpha, till):
    TillApi("nobody.localhost", None).get("customers/")
    TillApi(alpha.host, "not-a-token").get("customers/")
    assert not any(
        key[0] == "terminal-of-token" and key[2] != Terminal.hash_token(TOKEN) for key in request_cache._entries
    )
    assert ("tenant-of-host", "nobody.localhost") not in request_cache._entries


def test_switched_off_nothing_is_kept(till, settings):
    api, _terminal = till
    _settled()
    settings.REQUEST_CACHE = False
    assert _tables_read(api) == (404, BOTH)
    assert _tables_read(api) == (404, BOTH)
