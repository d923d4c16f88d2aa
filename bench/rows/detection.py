"""(a) Detection latency: from a file renamed into a watched folder to its job row committed ("job queued"
logged), against inotifywait printing the path (same run, same measurement)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from harness.dropbolt import DAEMON_READY_TIMEOUT_S, Daemon, log_fields, make_daemon_tree, write_rule
from harness.processes import HarnessError, LineStream, log, spawn, stop
from harness.report import Figure, Row, percentile, verdict

KEY, NAME = "a", "detection"
TITLE = "(a) detection latency"
TOOLS = ["inotifywait", "stdbuf"]
PAID = False

P99_OVERHEAD_GOAL_MS = 5.0
FILE_TIMEOUT_S = 5.0
MAX_MISSES = 10


def rename_loop(root: Path, files: int, warmup: int, wait_arrival, label: str) -> tuple[list[float], int]:
    """Renames files one at a time from staging/ into inbox/; returns latencies (ms) and the number missed.

    `wait_arrival(path, timeout_s)` returns the arrival time (perf_counter ns) of the watcher's line for `path`,
    or None when it did not come in time.
    """
    staging, inbox = root / "staging", root / "inbox"
    staging.mkdir(exist_ok=True)
    latencies: list[float] = []
    misses = 0
    for i in range(warmup + files):
        name = f"img{i:04d}.jpg"
        src, dst = staging / name, inbox / name
        # Distinct content per file, so no file is a duplicate of another; written before the clock starts.
        src.write_bytes(os.urandom(2048))
        t0 = time.perf_counter_ns()
        os.rename(src, dst)
        t1 = wait_arrival(str(dst), FILE_TIMEOUT_S)
        if t1 is None:
            misses += 1
            log(f"{label}: no line for {dst} within {FILE_TIMEOUT_S:.0f} s")
            if misses >= MAX_MISSES:
                raise HarnessError(f"{label}: {misses} files were never reported; giving up")
            continue
        if i >= warmup:
            latencies.append((t1 - t0) / 1e6)
    return latencies, misses


def latency_inotifywait(root: Path, files: int, warmup: int) -> tuple[list[float], int]:
    (root / "inbox").mkdir(parents=True)
    # stdbuf -oL: inotifywait's stdout is a pipe here, so make it flush each line.
    argv = ["stdbuf", "-oL", "inotifywait", "-m", "-e", "moved_to", "--format", "%w%f", str(root / "inbox")]
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = LineStream(proc.stdout, "inotifywait stdout"), LineStream(proc.stderr, "inotifywait stderr")
        if err.wait_for(lambda line: "Watches established" in line, DAEMON_READY_TIMEOUT_S) is None:
            raise HarnessError("inotifywait did not establish its watch")

        def arrival(path: str, timeout_s: float) -> int | None:
            hit = out.wait_for(lambda line: os.path.normpath(line) == path, timeout_s)
            return hit[0] if hit else None

        return rename_loop(root, files, warmup, arrival, "inotifywait")
    finally:
        stop(proc, grace_s=3)


def latency_dropbolt(root: Path, binary: Path, files: int, warmup: int) -> tuple[list[float], int]:
    config = make_daemon_tree(root)
    write_rule(root)  # before any file, so every file is new to the rule
    with Daemon(binary, config) as daemon:
        daemon.wait_ready()

        def arrival(path: str, timeout_s: float) -> int | None:
            hit = daemon.log.wait_for(
                lambda line: "job queued" in line and log_fields(line).get("file.path") == path, timeout_s)
            return hit[0] if hit else None

        return rename_loop(root, files, warmup, arrival, "dropbolt")


def run(ctx) -> Row:
    files, warmup = ctx.scale(200, 20), ctx.scale(5, 2)
    row = Row(KEY, f"(a) detection latency, {files} renames",
              method=f"rename into the watched folder → line logged/printed, {warmup} warm-up files not counted")
    log(f"(a) inotifywait baseline: {warmup} warm-up + {files} renames")
    base, base_missed = latency_inotifywait(ctx.tmp / "a-inotifywait", files, warmup)
    log(f"(a) dropbolt: {warmup} warm-up + {files} renames")
    ours, ours_missed = latency_dropbolt(ctx.tmp / "a-dropbolt", ctx.binary, files, warmup)

    b50, b99 = percentile(base, 50), percentile(base, 99)
    d50, d99 = percentile(ours, 50), percentile(ours, 99)
    overhead = d99 - b99
    row.add(Figure("p50 latency (ms)", d50, f"{d50:.2f}", "inotifywait", b50, f"{b50:.2f}",
                   f"{d50 - b50:+.2f} ms", d50 / b50 if b50 else None))
    row.add(Figure("p99 latency (ms)", d99, f"{d99:.2f}", "inotifywait", b99, f"{b99:.2f}",
                   f"overhead {overhead:+.2f} ms", d99 / b99 if b99 else None,
                   f"p99 overhead < {P99_OVERHEAD_GOAL_MS:g} ms",
                   verdict(overhead < P99_OVERHEAD_GOAL_MS and ours_missed == 0)))
    row.details += [
        f"dropbolt: min {min(ours):.2f}, p90 {percentile(ours, 90):.2f}, max {max(ours):.2f} ms; "
        f"{len(ours)} measured, {ours_missed} missed",
        f"inotifywait: min {min(base):.2f}, p90 {percentile(base, 90):.2f}, max {max(base):.2f} ms; "
        f"{len(base)} measured, {base_missed} missed",
    ]
    if ours_missed:
        row.details.append(f"FAIL because dropbolt never reported {ours_missed} file(s)")
    return row
