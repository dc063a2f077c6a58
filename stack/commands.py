"""The runner's commands: `run` (the whole application on the demo data), `test` (the checks
of `lint`, then every test, on services of their own), `lint`, `services` and `stop`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from stack.common import ROOT, RUN, TEST, VAR, VENV, VENV_PYTHON, Profile, run, say
from stack.install import debian_packages_install, venv_ensure
from stack.services import Postgres, Redis


def app_environment(profile: Profile) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("REGULARS_DATABASE_URL", f"postgres://postgres@127.0.0.1:{profile.postgres_port}/{profile.database}")
    env.setdefault("REGULARS_REDIS_URL", f"redis://127.0.0.1:{profile.redis_port}/0")
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    if profile is RUN:
        env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
        env.setdefault("REGULARS_DEBUG", "1")
        # Links in the demo's messages point at this server, not at https on port 443.
        env.setdefault("REGULARS_SITE_SCHEME", "http")
        env.setdefault("REGULARS_SITE_PORT", env.get("REGULARS_RUN_PORT", "8000"))
    else:
        env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    return env


def manage(env: dict[str, str], *args: str) -> None:
    run([str(VENV_PYTHON), str(ROOT / "manage.py"), *args], env=env, cwd=ROOT)


def wait_for_http(url: str, host: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"Host": host})
            with urllib.request.urlopen(request, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.2)
    return False


def command_run() -> int:
    started = time.monotonic()
    debian_packages_install(with_browser=False)
    venv_ensure()
    postgres, redis = Postgres(RUN), Redis(RUN)
    postgres.start()
    redis.start()
    postgres.database_ensure(RUN.database)
    env = app_environment(RUN)
    address = env.get("REGULARS_RUN_ADDRESS", "127.0.0.1")
    port = env.get("REGULARS_RUN_PORT", "8000")
    manage(env, "compilemessages", "--ignore", ".venv", "-v", "0")
    say("Migrating the database (public schema and every retailer)")
    manage(env, "migrate_schemas", "-v", "0")
    manage(env, "template_migrate", "-v", "0")
    logins = subprocess.run(
        [str(VENV_PYTHON), str(ROOT / "manage.py"), "demo_setup", "--port", port],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    children = [
        subprocess.Popen(
            [str(VENV / "bin" / "celery"), "-A", "crm.celery", "worker", "-l", "INFO", "--concurrency", "2"],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                str(VENV / "bin" / "celery"),
                "-A",
                "crm.celery",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(VAR / "run" / "celerybeat-schedule"),
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        ),
        # The development server answers each request in a thread of its own: a pool keeps a
        # burst of them from opening more connections than PostgreSQL allows.
        subprocess.Popen(
            [str(VENV_PYTHON), "manage.py", "runserver", f"{address}:{port}"],
            env={"REGULARS_DATABASE_POOL": "8", **env},
            cwd=ROOT,
            start_new_session=True,
        ),
    ]

    def shutdown(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    # Explicitly: a shell that starts `make run` in the background makes it ignore SIGINT.
    signal.signal(signal.SIGINT, shutdown)
    try:
        base = env.get("REGULARS_BASE_DOMAIN", "localhost")
        if wait_for_http(f"http://127.0.0.1:{port}/login/", f"demo.{base}", 60):
            ready_in = time.monotonic() - started
            say(f"Regulars is running at http://demo.{base}:{port}/ (ready in {ready_in:.0f} s).")
            print(logins, flush=True)
            say("Ctrl-C stops everything.")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("A process ended on its own; stopping the rest")
        return 1
    except KeyboardInterrupt:
        say("Stopping")
        return 0
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        redis.stop()
        postgres.stop()


def command_lint() -> int:
    """Every static check, the same for `make lint` and `make test`: ruff's lint rules and its
    format check. Non-zero when one of them finds something."""
    venv_ensure()
    say("ruff: lint and format check")
    found = subprocess.run([str(VENV_PYTHON), "-m", "ruff", "check", "."], cwd=ROOT).returncode
    found |= subprocess.run([str(VENV_PYTHON), "-m", "ruff", "format", "--check", "--quiet", "."], cwd=ROOT).returncode
    return found


def command_test(pytest_args: list[str]) -> int:
    debian_packages_install(with_browser=True)
    venv_ensure()
    postgres, redis = Postgres(TEST), Redis(TEST)
    postgres.start()
    redis.start()
    env = app_environment(TEST)
    try:
        manage(env, "compilemessages", "--ignore", ".venv", "-v", "0")
        lint = command_lint()
        tests = subprocess.run([str(VENV_PYTHON), "-m", "pytest", *pytest_args], env=env, cwd=ROOT).returncode
        return tests or lint
    finally:
        redis.stop()
        postgres.stop()


def command_services(profile: Profile) -> int:
    """Start only PostgreSQL and Redis (for a developer running pytest or manage.py by hand)."""
    debian_packages_install(with_browser=False)
    Postgres(profile).start()
    Redis(profile).start()
    return 0
