"""The till's API under concurrency, on real transactions: sales from many threads land exactly
once, a replay racing its first request waits for it and gets its answer, and a rough rate."""

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import tenant_context

from customers.models import Customer
from pos.idempotency import REPLAYED_HEADER
from pos.models import IdempotentRequest
from pos.throttling import TerminalRateThrottle
from sales import registry
from sales.models import Product, SalesDocument, SalesLine, Store
from tariffs.models import TariffPlan
from tenants.services import tenant_create
from tests.factories import TerminalFactory

HOST = "pos-race.localhost"
PRODUCTS = ["P-1", "P-2", "P-3", "P-4", "P-5"]


@pytest.fixture(scope="module")
def race(django_db_setup, django_db_blocker):
    """A retailer of its own (rows committed for the server's threads to see): a store, tills,
    five products and fifty customers."""
    with django_db_blocker.unblock():
        tenant = tenant_create(
            name="POS race",
            schema_name="pos_race",
            plan=TariffPlan.objects.get(name="Business"),
            admin_username="admin",
            admin_email="admin@pos-race.example",
            admin_password="x",
            validate_admin_password=False,
        )
        with tenant_context(tenant):
            store = Store.objects.create(name="Race store", code="RACE")
            tokens = [f"race-token-{number:02d}" for number in range(18)]
            for number, token in enumerate(tokens):
                TerminalFactory(store=store, name=f"Till {number}", token=token)
            for number, sku in enumerate(PRODUCTS, start=1):
                Product.objects.create(sku=sku, name=f"Product {number}", list_price=Decimal(number))
            customers = [
                Customer.objects.create(first_name=f"Regular {number}", phone=f"+3725555{number:04d}").pk
                for number in range(50)
            ]
        connection.set_schema_to_public()
    return {"tenant": tenant, "tokens": tokens, "customers": customers}


def _post(port: int, token: str, path: str, body: dict, connections: dict) -> tuple[int, bytes, str | None]:
    """POST over a kept-alive loopback connection of this thread (a new one if the server closed it)."""
    conn = connections.get(port)
    if conn is None:
        conn = connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body)
    headers = {
        "Host": HOST,
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Content-Length": str(len(payload)),
    }
    try:
        conn.request("POST", f"/api/v1/{path}", payload, headers)
        response = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        conn.close()
        conn.request("POST", f"/api/v1/{path}", payload, headers)
        response = conn.getresponse()
    content = response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, content, response.getheader(REPLAYED_HEADER)


def test_200_concurrent_sales_from_8_threads_on_2_terminals_land_exactly_once_each(
    committed_db, live_server_port, race
):
    tokens = race["tokens"][:2]
    sales = [
        {
            "client_id": f"race-{number:03d}",
            "customer_id": race["customers"][number % 10] if number % 3 else None,
            "lines": [{"product": PRODUCTS[number % 5], "quantity": str(1 + number % 3)}],
        }
        for number in range(200)
    ]
    # Every sale is sent twice, back to back, so that two threads pick its two copies up at the
    # same moment: the replay races the first request.
    queue = [(number, tokens[number % 2]) for number in range(200) for _copy in range(2)]
    lock = threading.Lock()
    answers: dict[int, list] = {number: [] for number in range(200)}
    failures: list[BaseException] = []
    start = threading.Barrier(8, timeout=120)

    def till() -> None:
        connections: dict = {}
        try:
            start.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    number, token = queue.pop(0)
                status, content, replayed = _post(live_server_port, token, "sales/", sales[number], connections)
                with lock:
                    answers[number].append((status, content, replayed))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            for conn in connections.values():
                conn.close()

    threads = [threading.Thread(target=till) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures

    for number, given in answers.items():
        assert [status for status, _content, _replayed in given] == [201, 201], (number, given)
        assert given[0][1] == given[1][1], number
        assert sorted(str(replayed) for _status, _content, replayed in given) == ["None", "true"], number
    with tenant_context(race["tenant"]):
        race_sales = SalesDocument.objects.filter(client_id__startswith="race-")
        assert race_sales.count() == 200
        assert Counter(race_sales.values_list("terminal__name", flat=True)) == {"Till 0": 100, "Till 1": 100}
        assert sorted(race_sales.values_list("client_id", flat=True)) == [f"race-{n:03d}" for n in range(200)]
        assert SalesLine.objects.filter(document__in=race_sales).count() == 200
        assert IdempotentRequest.objects.filter(client_id__startswith="race-").count() == 200
        for number in range(200):
            body = json.loads(answers[number][0][1])
            assert body["client_id"] == f"race-{number:03d}"
        # The customers' figures saw every sale exactly once.
        for customer in Customer.objects.filter(pk__in=race["customers"][:10]):
            theirs = race_sales.filter(customer=customer)
            assert customer.purchase_count == theirs.count()
            assert customer.purchase_total == (theirs.aggregate(total=Sum("total"))["total"] or 0)


def test_a_replay_racing_the_first_request_waits_for_it_and_gets_its_answer(committed_db, race):
    """The first request is held inside its transaction (by a sale step); the replay and a
    different request under the same id wait on the key row until it commits."""
    entered, release = threading.Event(), threading.Event()

    def slow_step(sale, lines, context):
        if sale.client_id == "slow-1":
            entered.set()
            release.wait(30)

    with registry.sale_steps.registered(slow_step):
        token = race["tokens"][2]
        body = {"client_id": "slow-1", "lines": [{"product": "P-2", "quantity": "1"}]}
        other = {"client_id": "slow-1", "lines": [{"product": "P-3", "quantity": "1"}]}
        answers: dict[str, object] = {}

        def send(name: str, sent: dict) -> None:
            try:
                client = Client(HTTP_HOST=HOST)
                answers[name] = client.post(
                    "/api/v1/sales/", sent, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
                )
            finally:
                connection.close()

        first = threading.Thread(target=send, args=("first", body))
        first.start()
        assert entered.wait(30)
        replay = threading.Thread(target=send, args=("replay", body))
        conflicting = threading.Thread(target=send, args=("conflicting", other))
        replay.start()
        conflicting.start()
        # Both wait for the key row's lock: PostgreSQL shows them blocked.
        deadline = time.monotonic() + 30
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND query LIKE %s AND datname = current_database()",
                    ["%pos_idempotentrequest%"],
                )
                waiting = cursor.fetchone()[0]
            if waiting == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert waiting == 2
        assert replay.is_alive() and conflicting.is_alive()
        release.set()
        for thread in (first, replay, conflicting):
            thread.join(30)

    assert answers["first"].status_code == 201
    assert (answers["replay"].status_code, answers["replay"].content) == (201, answers["first"].content)
    assert answers["replay"].headers[REPLAYED_HEADER] == "true"
    assert answers["conflicting"].status_code == 409
    assert answers["conflicting"].json()["code"] == "client_id_reused"
    with tenant_context(race["tenant"]):
        assert SalesDocument.objects.filter(client_id="slow-1").count() == 1


@contextlib.contextmanager
def gunicorn_port(workers: int, *, project_root):
    """gunicorn with `workers` processes on the test database and Redis, with the deployment's
    settings (persistent database connections), on a free port of the loopback."""
    settings_dict = connection.settings_dict
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="crm.settings.base",
        REGULARS_DATABASE_URL=(
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
        ),
        REGULARS_REDIS_URL=settings.CACHES["default"]["LOCATION"],
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crm.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", "sync"],
        cwd=project_root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_a_rough_rate_of_sales_with_16_tills_on_loopback(
    committed_db, live_server_port, race, monkeypatch, artifacts_dir, project_root
):
    """Not a benchmark (the server shares this process's interpreter lock with the clients): a
    rough figure, written to test-artifacts/pos-sale-rate.txt. Nothing about speed is asserted."""
    monkeypatch.setattr(TerminalRateThrottle, "rate", "1000000/min")
    seconds = float(os.environ.get("REGULARS_POS_RATE_SECONDS", "10"))
    # REGULARS_POS_RATE_WORKERS=N measures gunicorn with N processes instead (16 tills at 600
    # requests a minute each stay under their limit for a run of ten seconds below 960 sales/s).
    workers = int(os.environ.get("REGULARS_POS_RATE_WORKERS", "0"))
    with (
        gunicorn_port(workers, project_root=project_root)
        if workers
        else contextlib.nullcontext(live_server_port) as port
    ):
        server = f"gunicorn, {workers} sync workers" if workers else "Django's threaded test server in this process"
        _rate_measure(race, port, seconds, server, artifacts_dir=artifacts_dir)


def _rate_measure(race, port: int, seconds: float, server: str, *, artifacts_dir) -> None:
    tokens = race["tokens"][2:18]
    latencies: list[float] = []
    statuses: Counter = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(tokens) + 1, timeout=120)

    def till(index: int, token: str) -> None:
        connections: dict = {}
        number = 0
        try:
            # Warm up (a new server process loads its code on its first requests), untimed.
            for warm_up in range(2):
                warm_up_body = {"client_id": f"warm-{index}-{warm_up}", "lines": [{"product": "P-1", "quantity": "1"}]}
                _post(port, token, "sales/", warm_up_body, connections)
            start.wait()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                number += 1
                body = {
                    "client_id": f"rate-{index}-{number}",
                    "customer_id": race["customers"][(index * 7 + number) % 50],
                    "lines": [{"product": sku, "quantity": "1"} for sku in PRODUCTS],
                }
                began = time.perf_counter()
                status, _content, _replayed = _post(port, token, "sales/", body, connections)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            for conn in connections.values():
                conn.close()

    threads = [threading.Thread(target=till, args=(index, token)) for index, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - began
    assert not failures, failures
    assert set(statuses) == {201}, statuses
    with tenant_context(race["tenant"]):
        assert SalesDocument.objects.filter(client_id__startswith="rate-").count() == statuses[201]

    latencies.sort()
    rate = len(latencies) / elapsed
    report = (
        f"{len(latencies)} sales of 5 lines with a customer, {len(tokens)} tills, {elapsed:.1f} s: "
        f"{rate:.0f} sales/s; latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms "
        f"({server}; http.client on loopback)"
    )
    print(report)
    artifacts_dir.mkdir(exist_ok=True)
    (artifacts_dir / "pos-sale-rate.txt").write_text(report + "\n")
