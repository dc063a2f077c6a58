"""The private PostgreSQL cluster and Redis server of a profile, under var/<profile>/."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

from stack.common import VAR, Profile, is_root, run, say
from stack.install import postgres_bin_dir


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
        options += [f"-c {setting}" for setting in self.profile.postgres_settings]
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
