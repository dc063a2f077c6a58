"""What every group of rows is given: the size, the running stack, a logged-in back office, the
tills' tokens, examples drawn from the data set, and where to put artifacts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from benchmarks.client import BackOffice
from benchmarks.fixture import BenchFixture
from benchmarks.servers import Stack


@dataclass(frozen=True)
class Login:
    username: str
    password: str


# The logins bench_data gives the benchmark's retailer (and the demo retailer's, for a quick run).
BENCH_LOGINS = {"admin": Login("bench-admin", "bench-password-2026")}
DEMO_LOGINS = {"admin": Login("admin", "regulars-admin")}


@dataclass
class BenchContext:
    size: str  # "S" or "L"
    runs: int  # repetitions of each timed row
    smoke: bool  # `make test`'s smoke run: one run, bounded counts, nothing asserted
    root: Path
    schema: str  # the retailer's schema: bench_s, bench_l (or demo)
    stack: Stack
    fixture: BenchFixture
    tokens: list[str]  # the 16 tills' API tokens
    postgres_port: int
    artifacts: Path  # profiles, captured SQL, downloaded files (under var/, not committed)
    admin: Login

    @property
    def host(self) -> str:
        return self.stack.host

    def back_office(self) -> BackOffice:
        """A new logged-in session of the retailer's admin."""
        client = BackOffice(self.stack.base_url, self.host)
        client.log_in(self.admin.username, self.admin.password)
        return client

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.postgres_port}/regulars"


def tokens_load(path: Path) -> list[str]:
    """The plain tokens bench_data wrote: a list of strings, or of objects with a "token"."""
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("terminals", data.get("tokens", []))
    return [item if isinstance(item, str) else item["token"] for item in data]
