#!/usr/bin/env python3
"""dropbolt benchmark harness (Python 3, standard library only).

Runs the rows in bench/rows/ (one module each), every figure next to a baseline measured in the same run, prints a
Markdown table to stdout (progress goes to stderr) and writes bench/results/results.md and results.json (the folder
holds only the latest run). See bench/README.md for what each row measures and how.

  (a) detection      detection latency vs inotifywait
  (b) reconcile      reconcile of an unchanged 100,000-file tree vs find
  (c) idle           idle RSS and CPU with 1,000 watched folders
  (d) paid           paid analyze jobs: jobs/s and CPU per job vs l402kit's L402Client, a shell pipeline, curl
  (e) big-image      peak RSS sending a 20 MB image vs the idle RSS
  (f) scan           scan --dry-run of a 40,000-file archive vs find
  (g) growth         1k / 10k / 100k files: scan time, state size, memory vs linear growth
  (h) backlog        RSS with a backlog of 10,000 queued jobs

Exit status: 0 when every row was measured (whether it met its goal or not), 1 when the harness broke (ERROR) or a
measurement could not be trusted (INVALID).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.context import Context  # noqa: E402
from harness.fakes import kill_stray_lnbits  # noqa: E402
from harness.processes import HarnessError, log, run_command, stop_all_children  # noqa: E402
from harness.report import Row, machine_facts, render_json, render_markdown, write_results  # noqa: E402
from rows import ROWS  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def select_rows(spec: str) -> list:
    """`--only`: row letters ("ade"), names ("paid,growth") or both, comma-separated; canonical order."""
    by_key = {row.KEY: row for row in ROWS}
    by_name = {row.NAME: row for row in ROWS}
    wanted = set()
    for token in filter(None, (t.strip() for t in spec.split(","))):
        if token in by_name:
            wanted.add(by_name[token])
        elif set(token) <= set(by_key):
            wanted |= {by_key[letter] for letter in token}
        else:
            raise ValueError(f"unknown row {token!r}; rows: "
                             + ", ".join(f"{row.KEY} ({row.NAME})" for row in ROWS))
    return [row for row in ROWS if row in wanted]


def check_prerequisites(rows: list, binary: Path, fakes: Path, bench_python: Path) -> list[str]:
    problems = []
    if not os.access(binary, os.X_OK):
        problems.append(f"{binary} is missing; build it with `make release`")
    if any(row.PAID for row in rows):
        if not os.access(fakes, os.X_OK):
            problems.append(f"{fakes} is missing; build it with `make release`")
        lnbits = REPO / ".build-lnbits" / "venv" / "bin" / "lnbits"
        if not os.access(lnbits, os.X_OK):
            problems.append(f"{lnbits} is missing; the paid rows need LNbits (`make lnbits` installs it)")
    if any(row.NAME == "paid" for row in rows):
        try:
            ok = run_command([str(bench_python), "-c", "import l402kit, httpx"], 60).returncode == 0
        except (OSError, HarnessError):
            ok = False
        if not ok:
            problems.append(f"{bench_python} cannot import l402kit; `make bench-deps` (tools/bench-venv.sh) "
                            "installs it")
    for tool in sorted({tool for row in rows for tool in row.TOOLS} | {"/usr/bin/time"}):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed (`make bench-deps` installs it)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / "dropbolt")
    parser.add_argument("--fakes", type=Path, default=REPO / ".build" / "release" / "dropbolt-fakes",
                        help="the dropbolt-fakes binary (rows d and e)")
    parser.add_argument("--bench-python", type=Path, default=REPO / ".build-bench" / "venv" / "bin" / "python",
                        help="the Python of the venv with l402kit (row d)")
    parser.add_argument("--only", default="", help="rows to run: letters ('ade') and/or names ('paid,growth')")
    parser.add_argument("--quick", action="store_true",
                        help="much smaller counts (a quick check that every row works, not a measurement)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results",
                        help="where results.md and results.json go (emptied first)")
    args = parser.parse_args()
    try:
        rows = select_rows(args.only) if args.only else list(ROWS)
    except ValueError as error:
        parser.error(str(error))

    # Absolute, but keep the .build/release symlink in the report.
    binary, fakes = Path(os.path.abspath(args.binary)), Path(os.path.abspath(args.fakes))
    problems = check_prerequisites(rows, binary, fakes, args.bench_python)
    for problem in problems:
        log(problem)
    if problems:
        return 1

    started = time.monotonic()
    facts = machine_facts(REPO, binary, args.bench_python)
    tmp = Path(tempfile.mkdtemp(prefix="dropbolt-bench-", dir="/tmp"))
    log(f"working in {tmp}" + (" (--quick)" if args.quick else ""))
    ctx = Context(REPO, tmp, binary, fakes, args.bench_python, args.quick, tmp / "results")
    ctx.staged.mkdir()
    results: list[Row] = []
    try:
        for module in rows:
            row_started = time.monotonic()
            try:
                row = module.run(ctx)
            except HarnessError as error:
                log(f"!!! row ({module.KEY}) broke: {error}")
                row = Row(module.KEY, module.TITLE, error=str(error), invalid=True)
            finally:
                stop_all_children()  # no row leaves a process behind for the next one
            row.details.append(f"row wall time {time.monotonic() - row_started:.1f} s")
            log(f"({module.KEY}) done in {time.monotonic() - row_started:.1f} s")
            results.append(row)
        wall = time.monotonic() - started
        markdown = render_markdown(facts, results, wall, args.quick)
        write_results(args.results, ctx.staged, markdown, render_json(facts, results, wall, args.quick))
    finally:
        stop_all_children()
        kill_stray_lnbits(str(tmp))  # an LNbits whose dropbolt-fakes died before it could stop it
        shutil.rmtree(tmp, ignore_errors=True)
    print(markdown, flush=True)
    shown = args.results.relative_to(REPO) if args.results.is_relative_to(REPO) else args.results
    log(f"wrote {shown}/results.md and results.json")
    return 1 if any(row.invalid for row in results) else 0


def _exit_on_signal(signum, _frame):
    # Turn SIGTERM/SIGHUP (e.g. from `timeout`) into SystemExit so the finally blocks end children and delete tmp.
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    try:
        sys.exit(main())
    finally:
        stop_all_children()
