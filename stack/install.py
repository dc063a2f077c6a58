"""What the machine must have before anything starts: Debian's packages (as root) and the
project's virtual environment (created again when pyproject.toml changed)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from stack.common import ROOT, VENV, VENV_PYTHON, is_root, run, say


def postgres_bin_dir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return candidates[-1].parent if candidates else None


def missing_debian_packages(*, with_browser: bool, bench: bool = False) -> list[str]:
    wanted = {
        "postgresql": postgres_bin_dir() is not None,
        "postgresql-contrib": postgres_bin_dir() is not None
        and any(Path("/usr/share/postgresql").glob("*/extension/pg_trgm.control")),
        "redis-server": shutil.which("redis-server") is not None,
        "gettext": shutil.which("msgfmt") is not None,
    }
    if with_browser:
        wanted["chromium"] = Path("/usr/bin/chromium").exists()
    if bench:
        # The benchmark's HTTP load tool.
        wanted["wrk"] = shutil.which("wrk") is not None
    return [package for package, present in wanted.items() if not present]


def debian_packages_install(*, with_browser: bool, bench: bool = False) -> None:
    missing = missing_debian_packages(with_browser=with_browser, bench=bench)
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
