"""Rows, figures and the report: one Markdown table (one line per figure, next to its baseline from the same run)
and the same data as JSON."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .processes import SHORT_COMMAND_TIMEOUT_S, HarnessError, first_line, run_command


@dataclass
class Figure:
    """One measured figure and its baseline. Numbers are kept for the JSON, texts for the table."""
    label: str  # what is measured, with its unit: "p99 latency (ms)"
    dropbolt: float | None
    dropbolt_text: str
    baseline_name: str = "—"  # "inotifywait", "l402kit L402Client", "idle before the drop"
    baseline: float | None = None
    baseline_text: str = "—"
    comparison: str = "—"  # "0.31×", "+1.2 ms"
    ratio: float | None = None  # dropbolt / baseline where that means something
    goal: str = "—"
    verdict: str = "—"  # PASS, FAIL, — (reported only), INVALID, ERROR


@dataclass
class Row:
    key: str
    title: str
    method: str = ""
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    invalid: bool = False  # the harness broke or a measurement cannot be trusted
    error: str | None = None

    def add(self, figure: Figure) -> Figure:
        if self.invalid and figure.verdict in ("PASS", "FAIL"):
            figure.verdict = "INVALID"
        self.figures.append(figure)
        return figure

    def mark_invalid(self, reason: str) -> None:
        self.invalid = True
        self.details.append(f"INVALID: {reason}")
        for figure in self.figures:
            if figure.verdict in ("PASS", "FAIL"):
                figure.verdict = "INVALID"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def machine_facts(repo: Path, binary: Path, bench_python: Path) -> dict[str, str]:
    swift = os.environ.get("SWIFT", "swift")
    # The work tree the binary was built in (.build/release may be a link into another checkout).
    source = Path(os.path.realpath(binary)).parent
    while source != source.parent and not (source / ".git").exists():
        source = source.parent
    if not (source / ".git").exists():
        source = repo
    commit = first_line(["git", "-C", str(source), "rev-parse", "--short", "HEAD"])
    try:
        dirty = run_command(["git", "-C", str(source), "status", "--porcelain", "--", "Sources", "Package.swift"],
                            SHORT_COMMAND_TIMEOUT_S).stdout.strip()
    except (OSError, HarnessError):
        dirty = b""
    tmp_fs = first_line(["findmnt", "-n", "-o", "FSTYPE", "--target", tempfile.gettempdir()])
    l402kit = "not installed (make bench-deps)"
    if os.access(bench_python, os.X_OK):
        l402kit = "l402kit " + first_line([str(bench_python), "-c", "import importlib.metadata as m; "
                                           "print(m.version('l402kit'), 'httpx', m.version('httpx'))"])
    lnbits = repo / ".build-lnbits" / "venv" / "bin" / "python"
    tools = [first_line(["hyperfine", "--version"]), first_line(["inotifywait", "--help"]),
             first_line(["curl", "--version"]).split(" (")[0], first_line(["jq", "--version"]),
             "sqlite3 " + first_line(["sqlite3", "--version"]).split(" ")[0], f"python {platform.python_version()}",
             l402kit]
    if os.access(lnbits, os.X_OK):
        tools.append("lnbits " + first_line([str(lnbits), "-c", "import importlib.metadata as m; "
                                             "print(m.version('lnbits'))"]))
    shown = binary.relative_to(repo) if binary.is_relative_to(repo) else binary
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": _cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "load average at start": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "kernel": platform.release(),
        "swift": first_line([swift, "--version"]),
        "dropbolt": f"{shown} at {commit}" + (f" in {source}" if source != repo else "")
        + (" (Sources modified)" if dirty else ""),
        "temp filesystem": f"{tempfile.gettempdir()} ({tmp_fs})",
        "tools": ", ".join(tools),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(facts: dict[str, str], rows: list[Row], wall_s: float, quick: bool) -> str:
    lines = ["# dropbolt benchmark" + (" (--quick: reduced counts, not for comparison)" if quick else ""), ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += ["", "| row | figure | dropbolt | baseline (same run) | comparison | goal | verdict |",
              "|---|---|---|---|---|---|---|"]
    for row in rows:
        if not row.figures:
            state = "ERROR" if row.error else "INVALID"
            lines.append(f"| {_cell(row.title)} | — | — | — | — | — | {state} |")
        for i, f in enumerate(row.figures):
            name = row.title if i == 0 else ""
            baseline = f.baseline_text if f.baseline_name == "—" else f"{f.baseline_name}: {f.baseline_text}"
            lines.append(f"| {_cell(name)} | {_cell(f.label)} | {_cell(f.dropbolt_text)} | {_cell(baseline)} | "
                         f"{_cell(f.comparison)} | {_cell(f.goal)} | {f.verdict} |")
    lines += ["", "Details:", ""]
    for row in rows:
        lines.append(f"- {row.title}" + (f" — {row.method}" if row.method else ""))
        if row.error:
            lines.append(f"  - ERROR: {row.error}")
        lines += [f"  - {detail}" for detail in row.details]
    lines += ["", f"Harness wall time: {wall_s:.0f} s", ""]
    return "\n".join(lines)


def _finite(value):
    """NaN and infinities are not JSON: null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def render_json(facts: dict[str, str], rows: list[Row], wall_s: float, quick: bool) -> str:
    data = {"machine": facts, "quick": quick, "wall_s": round(wall_s, 1), "rows": [asdict(row) for row in rows]}
    return json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_results(results_dir: Path, staged: Path, markdown: str, json_text: str) -> None:
    """Replaces everything in `results_dir` with this run's report and the raw files staged under `staged`."""
    results_dir.mkdir(parents=True, exist_ok=True)
    for entry in results_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if staged.is_dir():
        for entry in staged.iterdir():
            shutil.copy(entry, results_dir / entry.name)
    (results_dir / "results.md").write_text(markdown)
    (results_dir / "results.json").write_text(json_text)
