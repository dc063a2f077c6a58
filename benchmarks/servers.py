"""The application as a deployment runs it: gunicorn (DEBUG off, the worker count of
docker-compose.yml) and a Celery worker, started and stopped by the benchmark, with their
processes' memory sampled while a row runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# docker-compose.yml's web command: gunicorn's sync workers, four of them; each keeps its one
# database connection open for REGULARS_DATABASE_CONN_MAX_AGE seconds (60 by default).
# BENCH_WEB_WORKERS and BENCH_WEB_POOL (REGULARS_DATABASE_POOL) try another count or a pool.
GUNICORN_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))
DATABASE_POOL = os.environ.get("BENCH_WEB_POOL", "0")
CELERY_CONCURRENCY = 2


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path

    def processes(self) -> list[psutil.Process]:
        """The master and its children (gunicorn's workers, Celery's pool)."""
        try:
            master = psutil.Process(self.process.pid)
            return [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    """The web server and the worker of one benchmark run."""

    root: Path
    env: dict[str, str]
    port: int
    host: str
    logs: Path
    web: Server | None = None
    worker: Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Server:
        log = self.logs / f"{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            command, env=env or self.env, cwd=self.root, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        return Server(name, process, log)

    def start(self) -> None:
        venv = self.root / ".venv" / "bin"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.web = self._start(
            "gunicorn",
            [
                str(venv / "python"),
                "-m",
                "gunicorn",
                "crm.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(GUNICORN_WORKERS),
                "--access-logfile",
                str(self.logs / "access.log"),
                "--timeout",
                "600",
            ],
            env={**self.env, "REGULARS_DATABASE_POOL": DATABASE_POOL},
        )
        self.worker = self._start(
            "celery",
            [
                str(venv / "celery"),
                "-A",
                "crm.celery",
                "worker",
                "-l",
                "WARNING",
                "--concurrency",
                str(CELERY_CONCURRENCY),
            ],
        )
        if not self._wait_for_web(90):
            self.stop()
            raise RuntimeError(f"gunicorn did not answer; see {self.web.log}")
        # The first group's figures would otherwise share the cores with the worker's start.
        if not self._wait_for_worker(90):
            self.stop()
            raise RuntimeError(f"the Celery worker did not answer; see {self.worker.log}")

    def _wait_for_web(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"{self.base_url}/login/", headers={"Host": self.host})
                with urllib.request.urlopen(request, timeout=5):
                    return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                time.sleep(0.3)
        return False

    def _wait_for_worker(self, seconds: float) -> bool:
        """Until the worker answers a ping (its pool processes started)."""
        from crm.celery import app

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1.0):
                return True
        return False

    def stop(self) -> None:
        for server in (self.web, self.worker):
            if server is not None:
                server.stop()


@dataclass
class PeakMemory:
    """The highest resident memory (MB) of each process of `servers` while the block runs,
    sampled ten times a second."""

    servers: list[Server]
    peaks: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for server in self.servers:
                for process in server.processes():
                    with contextlib.suppress(psutil.Error):
                        megabytes = process.memory_info().rss / 2**20
                        key = f"{server.name} {process.pid}"
                        self.peaks[key] = max(self.peaks.get(key, 0.0), megabytes)
            self._stop.wait(0.1)

    def peak_of(self, server_name: str) -> float:
        """The largest single process of that server (a gunicorn worker, a Celery pool process)."""
        return max((mb for key, mb in self.peaks.items() if key.startswith(server_name + " ")), default=0.0)
