"""(b) Reconcile scan of an unchanged tree of 100,000 files: `dropbolt run --once` against `find` walking the same
tree (and `find` with one stat per file), timed by hyperfine in the same run."""

from __future__ import annotations

import shutil
import time

from harness.dropbolt import ONCE_TIMEOUT_S, dropbolt_status, log_fields, make_daemon_tree, run_once, write_rule
from harness.processes import hyperfine, hyperfine_detail, log, run_command
from harness.report import Figure, Row, verdict

KEY, NAME = "b", "reconcile"
TITLE = "(b) reconcile, unchanged tree"
TOOLS = ["hyperfine", "find"]
PAID = False

FIND_RATIO_GOAL = 2.0


def run(ctx) -> Row:
    total, runs = ctx.scale(100_000, 10_000), ctx.scale(7, 3)
    row = Row(KEY, f"(b) reconcile, unchanged tree of {total:,} files in {total // 100:,} folders",
              method=f"hyperfine -N, median of {runs} runs")
    tree = ctx.tree(total)
    root = ctx.tmp / "b-reconcile"
    config = make_daemon_tree(root)
    write_rule(root, watch=str(tree))  # newer than every file of the tree: each is recorded, none queued

    log("(b) first `dropbolt run --once` (records every file; not timed by hyperfine)")
    started = time.monotonic()
    run_once(ctx.binary, config)
    first_s = time.monotonic() - started
    before = dropbolt_status(ctx.binary, config)
    row.details.append(f"first run --once (populating the database) took {first_s:.2f} s; "
                       f"files {before.get('files')}, jobs {sum(before.get('jobs', {}).values())} "
                       f"(queued {before.get('jobs', {}).get('queued')})")
    if before.get("files") != total:
        row.mark_invalid(f"after the first run the database knows {before.get('files')} files, expected {total}")
        return row

    # The same command on an empty inbox: its fixed start-up cost (process, runtime, database, rules).
    empty_root = ctx.tmp / "b-empty"
    empty_config = make_daemon_tree(empty_root)
    write_rule(empty_root)

    log("(b) hyperfine: dropbolt run --once vs find vs find with stat")
    commands = {
        "dropbolt": f"{ctx.binary} run --once --config {config}",
        "dropbolt-empty-tree": f"{ctx.binary} run --once --config {empty_config}",
        "find": f"find {tree} -type f",
        "find-stat": f"find {tree} -type f -printf '%s %T@ %i\\n'",
    }
    results = hyperfine(commands, root / "hyperfine.json", runs)
    shutil.copy(root / "hyperfine.json", ctx.staged / "reconcile-hyperfine.json")

    ms = {name: results[name]["median"] * 1000 for name in commands}
    ratio_find = ms["dropbolt"] / ms["find"]
    ratio_stat = ms["dropbolt"] / ms["find-stat"]
    row.add(Figure("scan time (ms)", ms["dropbolt"], f"{ms['dropbolt']:.0f}", "find -type f", ms["find"],
                   f"{ms['find']:.0f}", f"{ratio_find:.2f}×", ratio_find, f"≤ {FIND_RATIO_GOAL:g}× find",
                   verdict(ratio_find <= FIND_RATIO_GOAL)))
    row.add(Figure("scan time (ms)", ms["dropbolt"], f"{ms['dropbolt']:.0f}", "find with one stat per file",
                   ms["find-stat"], f"{ms['find-stat']:.0f}", f"{ratio_stat:.2f}×", ratio_stat))

    after = dropbolt_status(ctx.binary, config)
    jobs = after.get("jobs", {})
    if after.get("files") != total or jobs.get("queued") != 0 or jobs != before.get("jobs"):
        row.mark_invalid(f"after the timed runs files={after.get('files')} (expected {total}), "
                         f"jobs={after.get('jobs')} (expected no queued jobs and no change from {before.get('jobs')})")
        log("!!! (b) the unchanged tree was not treated as unchanged: " + row.details[-1])

    # What the timed runs did: a folder whose mtime and inode match the stamp recorded by the previous scan is not
    # listed again (its names are unchanged), so its files are neither listed nor stat'ed.
    check = run_command([str(ctx.binary), "run", "--once", "--config", str(config), "--log-level", "info"],
                        ONCE_TIMEOUT_S)
    scan = next((log_fields(line) for line in check.stderr.decode(errors="replace").splitlines()
                 if "reconcile scan finished" in line), {})
    row.details.append(f"a timed run's scan: scan.folders={scan.get('scan.folders')}, scan.unchanged_folders="
                       f"{scan.get('scan.unchanged_folders')} (folders whose stamp matched: not listed, their files "
                       f"not stat'ed), scan.files={scan.get('scan.files')} (files listed)")
    per_file_us = (ms["dropbolt"] - ms["dropbolt-empty-tree"]) * 1000 / total
    row.details.append(f"dropbolt's fixed cost (empty tree) {ms['dropbolt-empty-tree']:.1f} ms; the rest is "
                       f"{per_file_us:.2f} µs per file, vs {ms['find-stat'] * 1000 / total:.2f} µs for find+stat")
    row.details += [hyperfine_detail(name, results[name]) for name in commands]
    return row
