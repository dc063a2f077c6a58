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
