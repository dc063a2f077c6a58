"""python -m benchmarks --size S|L …: run by `make bench` (stack/bench.py) once the services are up,
the database migrated and the data set built. Starts gunicorn and a Celery worker, measures each
group of rows, writes the size's part of docs/benchmarks.md, stops what it started."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
# Each group is a module with `measure(ctx) -> Section`, run in this order: reads first, then the
# till's writes, then what makes new retailers.
GROUPS = ("pages", "exports", "till", "imports")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--size", choices=["S", "L"], required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--output", required=True)
    parser.add_argument("--postgres-port", type=int, required=True)
    parser.add_argument("--web-port", type=int, required=True)
    parser.add_argument("--tokens-file", required=True)
    parser.add_argument("--schema", default="")
    parser.add_argument("--command", default="make bench")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.conf import settings
    from django.db import connection

    from benchmarks.context import BENCH_LOGINS, DEMO_LOGINS, BenchContext, tokens_load
    from benchmarks.fixture import fixture_read
    from benchmarks.report import machine_read, report_write, size_part
    from benchmarks.results import Row, Section
    from benchmarks.servers import Stack

    schema = args.schema or f"bench_{args.size.lower()}"
    host = f"{schema.replace('_', '-')}.{settings.BASE_DOMAIN}"
    started_at, started = datetime.now().astimezone(), time.monotonic()
    var = ROOT / "var" / ("bench-smoke" if args.smoke else "bench")
    stack = Stack(root=ROOT, env=dict(os.environ), port=args.web_port, host=host, logs=var / "logs")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres_version = "PostgreSQL " + cursor.fetchone()[0].split()[0]
    machine = machine_read(ROOT, postgres_version)
    fixture = fixture_read(schema)
    connection.close()
    stack.start()
    failures = 0
    sections: list[Section] = []
    try:
        ctx = BenchContext(
            size=args.size,
            runs=args.runs,
            smoke=args.smoke,
            root=ROOT,
            schema=schema,
            stack=stack,
            fixture=fixture,
            tokens=tokens_load(Path(args.tokens_file)),
            postgres_port=args.postgres_port,
            artifacts=var / "artifacts",
            admin=(DEMO_LOGINS if schema == "demo" else BENCH_LOGINS)["admin"],
        )
        ctx.artifacts.mkdir(parents=True, exist_ok=True)
        wanted = [name for name in args.only.split(",") if name] or list(GROUPS)
        for name in GROUPS:
            if name not in wanted:
                continue
            print(f"==> benchmark: {name}", flush=True)
            group_started = time.monotonic()
            try:
                module = importlib.import_module(f"benchmarks.{name}")
                sections.append(module.measure(ctx))
            except Exception as error:  # a group that breaks is reported and fails the run
                failures += 1
                traceback.print_exc()
                sections.append(Section(name, targets=[Row(name, "", None, note=f"the run failed: {error!r}")]))
            print(f"    {name} took {time.monotonic() - group_started:.0f} s", flush=True)
    finally:
        stack.stop()
    part = size_part(
        size=args.size,
        machine=machine,
        command=args.command,
        started=started_at,
        seconds=time.monotonic() - started,
        sections=sections,
    )
    report_write(Path(args.output), args.size, part)
    print(f"==> wrote {args.output}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
