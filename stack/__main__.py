"""The local service runner behind `make run`, `make test` and `make lint`.

Standard library only: it runs before the virtual environment exists. It installs what the
machine lacks (Debian packages, the virtual environment), starts a private PostgreSQL and Redis
under ./var/, and then either the whole application (`run`) or the checks and the test suite
(`test`). Run it from the project's folder:

    python3 -m stack run      # web server, Celery worker and beat on the demo data
    python3 -m stack test     # the checks of `lint`, then every test, on services of their own
    python3 -m stack lint     # the static checks only (ruff's lint rules and format check)
    python3 -m stack bench [--size S|L] [--runs N] [--smoke]   # the benchmark (`make bench`)
    python3 -m stack services run | test    # only PostgreSQL and Redis of a profile
    python3 -m stack stop run | test
"""

from __future__ import annotations

import sys

from stack.commands import command_lint, command_run, command_services, command_test
from stack.common import RUN, TEST
from stack.services import Postgres, Redis


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "lint", "bench", "services", "stop"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return command_run()
    if argv[0] == "test":
        return command_test(argv[1:])
    if argv[0] == "lint":
        return command_lint()
    if argv[0] == "bench":
        from stack.bench import command_bench

        return command_bench(argv[1:])
    profile = TEST if argv[1:] and argv[1].startswith("test") else RUN
    if argv[0] == "services":
        return command_services(profile)
    Redis(profile).stop()
    Postgres(profile).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
