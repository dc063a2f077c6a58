"""The local service runner behind `make run` and `make test`.

Standard library only: it runs before the virtual environment exists. It installs what the
machine lacks (Debian packages, the virtual environment), starts a private PostgreSQL and Redis
under ./var/, and then either the whole application (`run`) or the test suite (`test`).

    python3 crm/stack.py run      # web server, Celery worker and beat on the demo data
    python3 crm/stack.py test     # every test, on services of their own with throw-away data
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


@dataclass(frozen=True)
class Profile:
    name: str
    postgres_port: int
    redis_port: int
    database: str
    throw_away: bool


RUN = Profile("run", postgres_port=54329, redis_port=63799, database="regulars", throw_away=False)
# REGULARS_TEST_SLOT=N (1-9) runs a second test set-up beside the first, on ports of its own.
_SLOT = int(os.environ.get("REGULARS_TEST_SLOT", "0") or 0)
TEST = Profile(
    f"test{_SLOT or ''}",
    postgres_port=54339 + 100 * _SLOT,
    redis_port=63809 + 100 * _SLOT,
    database="regulars",
    throw_away=True,
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


def is_root() -> bool:
    return os.geteuid() == 0


# --- system packages ---------------------------------------------------------------------------


def postgres_bin_dir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return candidates[-1].parent if candidates else None


def missing_debian_packages(*, with_browser: bool) -> list[str]:
    wanted = {
        "postgresql": postgres_bin_dir() is not None,
        "postgresql-contrib": postgres_bin_dir() is not None
        and any(Path("/usr/share/postgresql").glob("*/extension/pg_trgm.control")),
        "redis-server": shutil.which("redis-server") is not None,
        "gettext": shutil.which("msgfmt") is not None,
    }
    if with_browser:
        wanted["chromium"] = Path("/usr/bin/chromium").exists()
    return [package for package, present in wanted.items() if not present]


def debian_packages_install(*, with_browser: bool) -> None:
    missing = missing_debian_packages(with_browser=with_browser)
    if not missing:
        return
    if not is_root() or shutil.which("apt-get") is None:
        sys.exit(
            "Missing system packages: "
            + " ".join(missing)
            + ". Install them (as root: apt-get install -y "
            + " ".join(missing)
            + ") and run this again."
        )
    say("Installing system packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


# --- the virtual environment -------------------------------------------------------------------


def venv_ensure() -> None:
    """Create .venv and install the project's packages when pyproject.toml changed since."""
    stamp = VENV / ".pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if VENV_PYTHON.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    if not VENV_PYTHON.exists():
        say("Creating the virtual environment in .venv")
        run([sys.executable, "-m", "venv", str(VENV)])
    say("Installing Python packages (pyproject.toml)")
    pip = [str(VENV_PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "--upgrade", "pip"])
    run([*pip, "install", "-e", f"{ROOT}[test]"])
    stamp.write_text(wanted)


# --- PostgreSQL --------------------------------------------------------------------------------


class Postgres:
    """A private cluster under var/<profile>/pg, run as the `postgres` user when we are root
    (PostgreSQL refuses to run as root)."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.bin = postgres_bin_dir()
        self.home = VAR / profile.name
        self.data = self.home / "pg"
        self.log = self.home / "postgres.log"

    @property
    def cluster(self) -> Path:
        """The cluster's real folder (var/<profile>/pg, or where that link points)."""
        return self.data.resolve()

    def _as_owner(self, command: list[str]) -> list[str]:
        # From "/": the postgres user may not be allowed into the current folder.
        return ["runuser", "-u", "postgres", "--", "env", "-C", "/", *command] if is_root() else command

    def _reachable_by_owner(self, path: Path) -> bool:
        if not is_root():
            return True
        return subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(path)]).returncode == 0

    def _prepare_data_dir(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.data.is_symlink() or self.data.exists():
            return
        if is_root():
            shutil.chown(self.home, user="postgres")
            if not self._reachable_by_owner(self.home):
                # A parent folder is closed to other users (a private temporary folder, say):
                # keep the cluster where the postgres user can reach it, linked from var/.
                shutil.chown(self.home, user="root")
                outside = Path("/var/tmp") / f"regulars-{hashlib.sha256(str(self.home).encode()).hexdigest()[:12]}"
                outside.mkdir(parents=True, exist_ok=True)
                shutil.chown(outside, user="postgres")
                (outside / "pg").mkdir(exist_ok=True)
                shutil.chown(outside / "pg", user="postgres")
                self.data.symlink_to(outside / "pg")
                self.log = outside / "postgres.log"
                say(f"PostgreSQL data lives in {outside}, linked from {self.data}:")
                say(f"{self.home} is closed to the postgres user")
                return
        self.data.mkdir()
        if is_root():
            shutil.chown(self.data, user="postgres")

    def start(self) -> None:
        if self.bin is None:
            sys.exit("PostgreSQL's server binaries were not found under /usr/lib/postgresql.")
        if self.profile.throw_away:
            self.stop(quiet=True)
            self._remove_data()
        self._prepare_data_dir()
        if self.data.is_symlink():
            self.log = self.data.resolve().parent / "postgres.log"
        if not (self.data / "PG_VERSION").exists():
            say(f"Creating a PostgreSQL cluster in {self.data}")
            run(
                self._as_owner(
                    [
                        str(self.bin / "initdb"),
                        "-D",
                        str(self.cluster),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )
        if self.is_running():
            say(f"PostgreSQL already running on port {self.profile.postgres_port}")
            return
        options = [
            f"-p {self.profile.postgres_port}",
            "-c listen_addresses=127.0.0.1",
            "-c unix_socket_directories=''",
            "-c max_connections=200",
        ]
        if self.profile.throw_away:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        if is_root():
            self.log.touch()
            shutil.chown(self.log, user="postgres")
        run(
            self._as_owner(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.cluster),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    " ".join(options),
                    "start",
                ]
            ),
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        say(f"PostgreSQL listening on 127.0.0.1:{self.profile.postgres_port}")

    def is_running(self) -> bool:
        if self.bin is None or not (self.data / "PG_VERSION").exists():
            return False
        status = subprocess.run(
            self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.cluster), "status"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return status.returncode == 0

    def database_ensure(self, name: str) -> None:
        exists = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.profile.postgres_port),
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            run(
                [
                    str(self.bin / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.profile.postgres_port),
                    "-U",
                    "postgres",
                    name,
                ]
            )

    def stop(self, *, quiet: bool = False) -> None:
        if not self.is_running():
            return
        subprocess.run(
            self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.cluster), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not quiet:
            say("PostgreSQL stopped")

    def _remove_data(self) -> None:
        if self.data.is_symlink():
            shutil.rmtree(self.data.resolve(), ignore_errors=True)
            self.data.unlink()
        elif self.data.exists():
            shutil.rmtree(self.data)


# --- Redis -------------------------------------------------------------------------------------


class Redis:
    def __init__(self, profile: Profile):
        self.profile = profile
        self.home = VAR / profile.name / "redis"

    def start(self) -> None:
        if self.profile.throw_away:
            self.stop(quiet=True)
            shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True, exist_ok=True)
        if self.is_running():
            say(f"Redis already running on port {self.profile.redis_port}")
            return
        persistence = ["--save", ""] if self.profile.throw_away else ["--appendonly", "yes"]
        run(
            [
                "redis-server",
                "--port",
                str(self.profile.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.home),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.home / "redis.pid"),
                "--logfile",
                str(self.home / "redis.log"),
                *persistence,
            ],
            start_new_session=True,
        )
        for _attempt in range(100):
            if self.is_running():
                say(f"Redis listening on 127.0.0.1:{self.profile.redis_port}")
                return
            time.sleep(0.05)
        sys.exit(f"Redis did not start; see {self.home / 'redis.log'}")

    def _cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["redis-cli", "-p", str(self.profile.redis_port), *args], capture_output=True, text=True)

    def is_running(self) -> bool:
        return self._cli("ping").stdout.strip() == "PONG"

    def stop(self, *, quiet: bool = False) -> None:
        if self.is_running():
            self._cli("shutdown", "nosave" if self.profile.throw_away else "save")
            if not quiet:
                say("Redis stopped")


# --- the application ---------------------------------------------------------------------------


def app_environment(profile: Profile) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("REGULARS_DATABASE_URL", f"postgres://postgres@127.0.0.1:{profile.postgres_port}/{profile.database}")
    env.setdefault("REGULARS_REDIS_URL", f"redis://127.0.0.1:{profile.redis_port}/0")
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    if profile is RUN:
        env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.base")
        env.setdefault("REGULARS_DEBUG", "1")
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
        subprocess.Popen(
            [str(VENV_PYTHON), "manage.py", "runserver", f"{address}:{port}"], env=env, cwd=ROOT, start_new_session=True
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


def command_test(pytest_args: list[str]) -> int:
    debian_packages_install(with_browser=True)
    venv_ensure()
    postgres, redis = Postgres(TEST), Redis(TEST)
    postgres.start()
    redis.start()
    env = app_environment(TEST)
    try:
        manage(env, "compilemessages", "--ignore", ".venv", "-v", "0")
        say("ruff: lint and format check")
        lint = subprocess.run([str(VENV_PYTHON), "-m", "ruff", "check", "."], cwd=ROOT).returncode
        lint |= subprocess.run(
            [str(VENV_PYTHON), "-m", "ruff", "format", "--check", "--quiet", "."], cwd=ROOT
        ).returncode
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "services", "stop"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return command_run()
    if argv[0] == "test":
        return command_test(argv[1:])
    profile = TEST if argv[1:] and argv[1].startswith("test") else RUN
    if argv[0] == "services":
        return command_services(profile)
    Redis(profile).stop()
    Postgres(profile).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
