"""`make bench`: the benchmark of BENCHMARKS.md on a PostgreSQL and Redis of its own.

It installs what the benchmark needs beside the application (.venv-bench: the peers and tools
that are no dependency of Regulars, on top of .venv's packages), starts the services, migrates,
builds the data set once (`manage.py bench_data`, kept under var/bench/ between runs) and hands
over to the `benchmarks` package, which starts gunicorn and a Celery worker as a deployment would
and measures every row.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
from pathlib import Path

from stack.commands import app_environment, manage
from stack.common import BENCH, BENCH_SMOKE, ROOT, VENV_PYTHON, run, say
from stack.install import debian_packages_install, venv_ensure
from stack.services import Postgres, Redis

BENCH_VENV = ROOT / ".venv-bench"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
BENCH_REQUIREMENTS = ROOT / "benchmarks" / "requirements.txt"
SEED = 2026


def bench_venv_ensure() -> None:
    """.venv-bench sees .venv's packages through a .pth file and adds the benchmark's own."""
    stamp = BENCH_VENV / ".requirements"
    wanted = BENCH_REQUIREMENTS.read_text()
    if BENCH_PYTHON.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    if not BENCH_PYTHON.exists():
        say("Creating the benchmark's virtual environment in .venv-bench")
        run([sys.executable, "-m", "venv", str(BENCH_VENV)])
    app_site = subprocess.run(
        [str(VENV_PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    bench_site = subprocess.run(
        [str(BENCH_PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(bench_site) / "regulars-app.pth").write_text(app_site + "\n")
    say("Installing the benchmark's packages (benchmarks/requirements.txt)")
    run([str(BENCH_PYTHON), "-m", "pip", "--disable-pip-version-check", "-q", "install", "-r", str(BENCH_REQUIREMENTS)])
    stamp.write_text(wanted)


def bench_environment(profile) -> dict[str, str]:
    env = app_environment(profile)
    # The benchmark's own services, whatever the calling shell (or `make test`) points at.
    env["REGULARS_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{profile.postgres_port}/{profile.database}"
    env["REGULARS_REDIS_URL"] = f"redis://127.0.0.1:{profile.redis_port}/0"
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.bench"
    env["REGULARS_SECRET_KEY"] = secrets.token_urlsafe(48)
    env["REGULARS_STATIC_ROOT"] = str(ROOT / "var" / profile.name / "static")
    env["REGULARS_MEDIA_ROOT"] = str(ROOT / "var" / profile.name / "media")
    env["PATH"] = f"{BENCH_VENV / 'bin'}:{env['PATH']}"
    return env


def command_bench(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--size", choices=["S", "L"], default="S")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timed row")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--smoke", action="store_true", help="throw-away data, one run: `make test`'s smoke run")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data set, measure nothing")
    parser.add_argument("--only", default="", help="comma-separated row groups to run (pages,exports,till,imports)")
    parser.add_argument("--demo", action="store_true", help="measure the demo retailer instead (a quick look)")
    args = parser.parse_args(argv)
    argv_shown = [arg for arg in argv if arg not in {"--size", args.size}]
    debian_packages_install(with_browser=False, bench=True)
    venv_ensure()
    bench_venv_ensure()
    profile = BENCH_SMOKE if args.smoke else BENCH
    postgres, redis = Postgres(profile), Redis(profile)
    postgres.start()
    redis.start()
    try:
        postgres.database_ensure(profile.database)
        env = bench_environment(profile)
        manage(env, "compilemessages", "--ignore", ".venv", "--ignore", ".venv-bench", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        say("Migrating the database (public schema and every retailer)")
        manage(env, "migrate_schemas", "-v", "0")
        manage(env, "template_migrate", "-v", "0")
        tokens = ROOT / "var" / profile.name / f"tokens-{'demo' if args.demo else args.size}.json"
        if args.demo:
            manage(env, "demo_setup")
            manage(env, "bench_tills", "--schema", "demo", "--tokens-file", str(tokens))
        else:
            data = ["bench_data", "--size", args.size, "--seed", str(SEED), "--tokens-file", str(tokens)]
            manage(env, *data, *(["--rebuild"] if args.rebuild else []))
        if args.build_only:
            return 0
        command = [
            str(BENCH_PYTHON),
            "-m",
            "benchmarks",
            "--size",
            args.size,
            "--runs",
            str(1 if args.smoke else args.runs),
            "--output",
            args.output,
            "--postgres-port",
            str(profile.postgres_port),
            "--web-port",
            str(profile.postgres_port - 46300),
            "--tokens-file",
            str(tokens),
            "--command",
            ("python3 -m stack bench --size S --smoke (the smoke run of make test)" if args.smoke else "make bench")
            + ("" if args.size == "S" or args.smoke else f" SIZE={args.size}")
            + (f' BENCH_ARGS="{" ".join(argv_shown)}"' if argv_shown and not args.smoke else ""),
        ]
        if args.smoke:
            command.append("--smoke")
        if args.demo:
            command += ["--schema", "demo"]
        if args.only:
            command += ["--only", args.only]
        return subprocess.run(command, env=env, cwd=ROOT).returncode
    finally:
        redis.stop()
        postgres.stop()
