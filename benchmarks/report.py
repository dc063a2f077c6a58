"""docs/benchmarks.md: for each size, the machine, the date, the command, and the two tables of
BENCHMARKS.md with each row's figure beside its target, peer or limit. A run replaces the part of
its own size and keeps the other's."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.results import Row, Section, Stat

HEADER = """# Benchmarks

Measured by `make bench` (size S) and `make bench SIZE=L` on the data sets and targets of
BENCHMARKS.md; how the benchmark works is in the README's "Benchmark" section. Each figure is the
median and p95 of the runs named in its row; a peer's or limit's figure comes from the same run.
A row that misses its target says so; nothing here is tuned beyond what measuring needs.
"""


@dataclass(frozen=True)
class Machine:
    cores: int
    memory_gib: float
    cpu: str
    postgres: str
    python: str
    commit: str

    def describe(self) -> str:
        return (
            f"{self.cores} cores ({self.cpu}), {self.memory_gib:.0f} GiB memory, {self.postgres}, "
            f"Python {self.python}, commit {self.commit}"
        )


def machine_read(root: Path, postgres_version: str) -> Machine:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    return Machine(
        cores=os.cpu_count() or 0,
        memory_gib=psutil.virtual_memory().total / 2**30,
        cpu=cpu,
        postgres=postgres_version,
        python=platform.python_version(),
        commit=commit or "unknown",
    )


def number(value: float, unit: str) -> str:
    if unit in {"/s", "rows/s", "lines/s", "sales/s", "requests/s"}:
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s" if value < 10 else f"{value:,.1f} s"
    return f"{value:,.1f} {unit}"


def figure_text(stat: Stat | None) -> str:
    if stat is None:
        return "—"
    if stat.count == 1:
        return number(stat.samples[0], stat.unit) + " (1 run)"
    return f"{number(stat.median, stat.unit)} · p95 {number(stat.p95, stat.unit)} ({stat.count} runs)"


def verdict(row: Row) -> str:
    if row.met is None:
        # A target that asks for a figure and no bound ("report time per schema") is met by the figure.
        return "not measured" if row.figure is None else "reported"
    return "met" if row.met else "**missed**"


def ratio_text(row: Row) -> str:
    if row.ratio is not None:
        return f"{row.ratio:.2f}×"
    if row.figure is not None and row.limit is not None and row.limit.value:
        return f"{row.figure.value(row.limit.measure) / row.limit.value:.2f}× the target"
    return "—"


def escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def targets_table(rows: list[Row]) -> list[str]:
    lines = [
        "| operation | target | Regulars | ratio | verdict | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {escape(row.operation)} | {escape(row.target)} | {figure_text(row.figure)} | {ratio_text(row)} "
            f"| {verdict(row)} | {escape(row.note)} |"
        )
    return lines


def side_table(rows: list[Row]) -> list[str]:
    lines = [
        "| what | peer or limit | Regulars | peer or limit, same run | ratio | target | verdict | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {escape(row.operation)} | {escape(row.reference_name)} | {figure_text(row.figure)} "
            f"| {figure_text(row.reference)} | {ratio_text(row)} | {escape(row.target)} | {verdict(row)} "
            f"| {escape(row.note)} |"
        )
    return lines


def size_part(
    *, size: str, machine: Machine, command: str, started: datetime, seconds: float, sections: list[Section]
) -> str:
    targets = [row for section in sections for row in section.targets]
    side = [row for section in sections for row in section.side_by_side]
    missed = [row.operation for row in targets + side if row.met is False]
    lines = [
        f"<!-- bench:{size} -->",
        f"## Size {size}",
        "",
        f"- Command: `{command}`",
        f"- Date: {started.astimezone(UTC):%Y-%m-%d %H:%M} UTC; the run took {seconds / 60:.1f} min",
        f"- Machine: {machine.describe()}",
        f"- Targets missed: {len(missed)} of {sum(1 for row in targets + side if row.met is not None)} measured",
        "",
        "### Targets",
        "",
        *targets_table(targets),
        "",
        "### Side by side",
        "",
        *side_table(side),
        "",
    ]
    for section in sections:
        if section.details:
            lines += [f"### {section.name}: detail", ""]
            for detail in section.details:  # a blank line after each: a table must end before the next
                lines += [detail.rstrip("\n"), ""]
    lines.append(f"<!-- /bench:{size} -->")
    return "\n".join(lines) + "\n"


def report_write(path: Path, size: str, part: str) -> None:
    """Replace the size's part of the file (or add it), keeping the other size's."""
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{size} -->.*?<!-- /bench:{size} -->\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _match: part, text)
    else:
        parts = {
            name: re.search(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->\n?", text, re.S) for name in ("L", "S")
        }
        head = pattern.split(text)[0]
        for name in ("L", "S"):
            if parts[name]:
                head = head.replace(parts[name].group(0), "")
        ordered = [part if name == size else (parts[name].group(0) if parts[name] else "") for name in ("L", "S")]
        text = head.rstrip() + "\n\n" + "\n".join(chunk for chunk in ordered if chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
