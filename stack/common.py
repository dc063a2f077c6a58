"""What every part of the runner shares: the project's folders, the two profiles (ports and
data of `make run` and of `make test`), and running a command."""

from __future__ import annotations

import os
import subprocess
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
    # PostgreSQL settings beyond the runner's own (the benchmark's tuning, documented in README).
    postgres_settings: tuple[str, ...] = ()


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

# The benchmark's PostgreSQL: sized for the L data set on the project's machines (2 cores, 24 GiB),
# durable as in a deployment (fsync and synchronous commit stay on).
BENCH_POSTGRES_SETTINGS = (
    "shared_buffers=4GB",
    "effective_cache_size=16GB",
    "work_mem=32MB",
    "maintenance_work_mem=1GB",
    "max_wal_size=8GB",
    "checkpoint_timeout=15min",
    "random_page_cost=1.1",
)
# `make bench`: data kept under var/bench/ (L takes long to build); the smoke run of `make test`
# gets a throw-away one on ports of its own.
BENCH = Profile(
    "bench",
    postgres_port=54349,
    redis_port=63819,
    database="regulars",
    throw_away=False,
    postgres_settings=BENCH_POSTGRES_SETTINGS,
)
BENCH_SMOKE = Profile(
    f"bench-smoke{_SLOT or ''}",
    postgres_port=54359 + 100 * _SLOT,
    redis_port=63829 + 100 * _SLOT,
    database="regulars",
    throw_away=True,
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


def is_root() -> bool:
    return os.geteuid() == 0
