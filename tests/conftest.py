"""Shared fixtures: retailers made once per session, a live server, a real Celery worker.

The session's retailers (alpha, beta, browser) are committed before any test runs; a test that
uses `db` runs in a transaction on top of them that is rolled back. Tests that need other
processes or threads to see their rows (the Celery worker, the live server, concurrency tests)
use `committed_db` and write rows that no other test depends on.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there
# unless told that this thread is synchronous code (it is).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@dataclass(frozen=True)
class Login:
    username: str
    password: str


@dataclass
class TenantSetup:
    tenant: object
    host: str
    admin: Login
    marketer: Login
    cashier: Login


def _tenant_setup(schema_name: str, *, plan_name: str = "Business") -> TenantSetup:
    from staff.roles import Role
    from staff.services import staff_create
    from tariffs.models import TariffPlan
    from tenants.services import tenant_create

    admin = Login("admin", f"{schema_name}-admin-password")
    marketer = Login("marketer", f"{schema_name}-marketer-password")
    cashier = Login("cashier", f"{schema_name}-cashier-password")
    tenant = tenant_create(
        name=f"{schema_name.capitalize()} Shop",
        schema_name=schema_name,
        plan=TariffPlan.objects.get(name=plan_name),
        admin_username=admin.username,
        admin_email=f"admin@{schema_name}.example",
        admin_password=admin.password,
        validate_admin_password=False,
    )
    with tenant_context(tenant):
        for login, role in ((marketer, Role.MARKETER), (cashier, Role.CASHIER)):
            staff_create(
                tenant=tenant,
                username=login.username,
                email=f"{login.username}@{schema_name}.example",
                first_name=login.username.capitalize(),
                last_name=schema_name.capitalize(),
                role=role,
                password=login.password,
            )
    return TenantSetup(tenant, f"{schema_name}.localhost", admin, marketer, cashier)


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """The test database, always created (pytest-django's own skips it when only tests that
    use the live server run), with the platform and the session's retailers in it."""
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import platform_setup

    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=request.config.option.verbose, interactive=False, aliases={"default"})
        platform_setup(public_domain="localhost")
        tenants = {name: _tenant_setup(name) for name in ("alpha", "beta", "browser")}
        connection.set_schema_to_public()
    yield tenants
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        # The live server's handler threads are daemons that may still hold an idle connection
        # (a browser's keep-alive socket); end them so that the test database can be dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(databases, verbosity=request.config.option.verbose)


@pytest.fixture(scope="session")
def tenants(django_db_setup):
    return django_db_setup


@pytest.fixture
def alpha(tenants) -> TenantSetup:
    return tenants["alpha"]


@pytest.fixture
def beta(tenants) -> TenantSetup:
    return tenants["beta"]


@pytest.fixture(autouse=True)
def _public_schema_at_start():
    """Every test starts in the public schema and in English, whatever the last request left
    behind in this thread."""
    connection.set_schema_to_public()
    translation.activate("en")
    yield
    connection.set_schema_to_public()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access without the test transaction: rows are committed for others to see."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


def client_for(setup: TenantSetup, login: Login | None = None) -> Client:
    client = Client(HTTP_HOST=setup.host)
    if login is not None:
        response = client.post("/login/", {"username": login.username, "password": login.password})
        assert response.status_code == 302, response.content.decode()[:2000]
    return client


# --- a real Celery worker ----------------------------------------------------------------------


def worker_start(
    *, queue: str = "", name: str = "tests", pool: str = "solo", environment: dict | None = None
) -> subprocess.Popen:
    """A Celery worker in its own process (and process group), on the test database and the test
    Redis, consuming `queue` (else the default queue); returns once it answers a ping. `pool`
    "prefork" runs the tasks in one child process, as deployments do (two there); `environment`
    adds variables (an SMTP server's address, say)."""
    from crm.celery import app

    settings_dict = connection.settings_dict
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    env["REGULARS_DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    )
    env.update(environment or {})
    hostname = f"{name}-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm.celery",
            "worker",
            "--pool",
            pool,
            *(["--concurrency", "1"] if pool == "prefork" else []),
            "-l",
            "WARNING",
            "--hostname",
            hostname,
            *(["-Q", queue] if queue else []),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname.replace("%h", socket.gethostname())], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")
    return worker


def worker_children(worker: subprocess.Popen) -> list[int]:
    """The worker's pool processes: the processes whose parent it is."""
    children = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == worker.pid:
                children.append(int(stat))
    return children


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, session_smtp, live_server_port):
    """A Celery worker in its own process, on the test database and the test Redis; its e-mail
    goes to the session's SMTP server on loopback and its links point at the live server."""
    from crm.celery import app

    worker = worker_start(
        environment={
            "REGULARS_EMAIL_HOST": "127.0.0.1",
            "REGULARS_EMAIL_PORT": str(session_smtp.port),
            "REGULARS_EMAIL_USE_TLS": "0",
            "REGULARS_SITE_PORT": str(live_server_port),
        }
    )
    yield app
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)


# --- a live server and a real browser ----------------------------------------------------------


@pytest.fixture(scope="session")
def live_server_port(django_db_setup, django_db_blocker):
    """The WSGI application served on a free port of the loopback, in a thread of this process."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    blocker = django_db_blocker.unblock()
    blocker.__enter__()
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    blocker.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def expected_http_errors() -> set[int]:
    """HTTP statuses a browser test opens on purpose (the 403 page of a refused right, the 429 of a
    locked login): the browser's console line for such a page is expected, not a fault."""
    return set()


HTTP_ERROR_LINE = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})\b")


@pytest.fixture
def page(browser, live_server_port, expected_http_errors):
    """A fresh browser tab; the test fails if any page it opened logged a console error or threw
    (an htmx syntax error, a script refused by the CSP, a missing asset), but for the HTTP error
    pages the test named in `expected_http_errors`."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console_errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        status = HTTP_ERROR_LINE.match(message.text)
        if status and int(status.group(1)) in expected_http_errors:
            return
        console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert not console_errors, "the browser console logged errors:\n" + "\n".join(console_errors)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of a key page under test-artifacts/screenshots/ (kept by CI)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# --- fixtures built from tests/factories (used by name, never imported) ------------------------


@pytest.fixture
def tenant_client():
    """Make a test client of a retailer's host: `tenant_client(alpha)`, `tenant_client(alpha,
    alpha.admin)` or `tenant_client("mokka.localhost", login)`. A login is a `Login` (anything with
    a user name and a password) or a staff user made by `StaffUserFactory`, who has its password."""
    from staff.models import User
    from tests.factories import STAFF_PASSWORD

    def make(setup: TenantSetup | str, login=None) -> Client:
        if isinstance(login, User):
            login = Login(login.username, STAFF_PASSWORD)
        return client_for(TenantSetup(None, setup, None, None, None) if isinstance(setup, str) else setup, login)

    return make


@pytest.fixture
def save_screenshot():
    """Save a screenshot of a key page: `save_screenshot(page, "name")` writes
    test-artifacts/screenshots/name.png (kept by CI) and returns its path."""
    return screenshot


@pytest.fixture
def artifacts_dir() -> Path:
    """test-artifacts/ at the project's root: what CI keeps of a run (screenshots, measurements)."""
    return ARTIFACTS


@pytest.fixture
def project_root() -> Path:
    """The project's root folder (where manage.py is)."""
    return ROOT


@pytest.fixture
def till_api():
    """Make a client of the till's API: `till_api(alpha.host, token)`; `till_api(alpha.host, None)`
    sends no token."""
    from tests.factories.shops import TillApi

    return TillApi


@pytest.fixture
def shop(alpha):
    """Alpha's shop that sales, till and loyalty tests start from (`tests.factories.shops.Shop`
    says what is in it)."""
    from tests.factories.shops import shop_build

    with tenant_context(alpha.tenant):
        return shop_build(host=alpha.host, admin_username=alpha.admin.username)


@pytest.fixture
def shop_customer(alpha):
    """Mari Tamm, an introduced private customer of alpha with no contacts and no purchases."""
    from tests.factories import CustomerFactory

    with tenant_context(alpha.tenant):
        return CustomerFactory(first_name="Mari", last_name="Tamm")


@pytest.fixture
def loyalty_programme(alpha):
    """Alpha's programme row with the factory's settings: running, a point per unit worth 0.01, at
    most half a receipt in points, stopping at zero, no expiry and no bonuses."""
    from tests.factories import ProgrammeFactory

    with tenant_context(alpha.tenant):
        return ProgrammeFactory()


# --- a real SMTP server on loopback ------------------------------------------------------------


class Inbox:
    """What the loopback SMTP server received, each message parsed; an address with "refused" in
    it is refused at RCPT, as a real server refuses an unknown mailbox."""

    def __init__(self, port: int):
        self.port = port
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "refused" in address:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def session_smtp():
    """An SMTP server on loopback for the whole session (the session's Celery worker sends to it)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_server():
    """An SMTP server (aiosmtpd) on a loopback port, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller
    from django.test import override_settings

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=inbox.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            yield inbox
    finally:
        controller.stop()
