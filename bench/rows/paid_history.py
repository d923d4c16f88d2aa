"""Part of row (d): what a long history costs. A state holding 100,000 finished jobs (with their outputs, payments
and ledger entries) must not make a new job dearer than a fresh state does, and 100,000 jobs held for later
(quote-only, a spent budget) must not keep an idle daemon busy. The rows are written with sqlite3 in the shapes
the daemon writes them, which is quicker than paying for them. Against the fake phoenixd of `paid_fast_wallet`
(LNbits' cost would hide the client's)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

from harness.dropbolt import Daemon, wait_lines
from harness.fakes import ANALYZE_RULE_YAML, Fakes, make_paid_tree
from harness.processes import HarnessError, log, proc_cpu_seconds
from harness.report import Figure, Row, verdict

from .paid_clients import STALL_TIMEOUT_S, RUN_TIMEOUT_S, count_captions, stage_images

SMALL = 100_000
HISTORY_GOAL = 1.1  # CPU per job with the history ≤ 1.1× the fresh state's
IDLE_CPU_GOAL = 0.01  # < 1% of one core, idle beside the held jobs
IDLE_WINDOW_S = 10.0

# One statement per table, as the daemon fills them for a paid analyze job (job, output, payment, ledger spend).
FINISHED_HISTORY_SQL = """
PRAGMA foreign_keys = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
INSERT INTO jobs (rule, path, sha256, state, created_at, updated_at, attempts, paid_requests, amount_msat,
                  fee_msat, payment_hash, output_path)
SELECT 'bench', '/history/img' || i || '.png', lower(hex(randomblob(32))), 'done', '2026-11-01 10:00:00.000',
       '2026-11-01 10:00:00.000', 1, 1, 21000, 0, lower(hex(randomblob(32))), '/history/img' || i || '.txt' FROM n;
INSERT INTO outputs (job_id, original_path, output_path, sha256, size, created_at)
SELECT id, path, output_path, lower(hex(randomblob(32))), 40, created_at FROM jobs WHERE path LIKE '/history/%';
INSERT INTO payments (job_id, payment_hash, invoice, amount_msat, fee_msat, status, preimage, created_at, settled_at)
SELECT id, payment_hash, 'lnbcrt210n1history', 21000, 0, 'succeeded', lower(hex(randomblob(32))), created_at,
       created_at FROM jobs WHERE path LIKE '/history/%';
INSERT INTO ledger (job_id, payment_id, rule, kind, amount_msat, created_at)
SELECT job_id, id, 'bench', 'spend', 21000, created_at FROM payments WHERE invoice = 'lnbcrt210n1history';
COMMIT;
"""
HELD_SQL = """
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
INSERT INTO jobs (rule, path, sha256, state, not_before, reason, reason_code, created_at, updated_at)
SELECT 'bench', '/held/img' || i || '.png', lower(hex(randomblob(32))), 'held', '2099-01-01 00:00:00.000',
       'daily budget spent', 'dailyLimit', '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000' FROM n;
COMMIT;
"""


def prepared_tree(ctx, fakes: Fakes, name: str, sql: str) -> Path:
    """A paid tree whose state the daemon created (one start), then filled by `sql`; returns its config."""
    root = ctx.tmp / name
    config = make_paid_tree(root, fakes, ANALYZE_RULE_YAML)
    with Daemon(ctx.binary, config, queue_only=False) as daemon:
        daemon.wait_ready()
    done = subprocess.run(["sqlite3", str(root / "state" / "dropbolt.sqlite"), sql], capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise HarnessError(f"filling the state of {name}: {done.stderr.strip()[:300]}")
    return config


def drop_into(ctx, config: Path, run_index: int, count: int) -> dict:
    """A fresh daemon on `config`'s state; `count` new images renamed into its inbox; CPU per job as in (d)."""
    root = config.parent
    sources = stage_images(root / f"staging{run_index}", SMALL, count)
    targets = [root / "inbox" / f"run{run_index}-{s.name}" for s in sources]
    with Daemon(ctx.binary, config, queue_only=False) as daemon:
        daemon.wait_ready()
        cpu0, t0 = proc_cpu_seconds(daemon.pid), time.perf_counter_ns()
        for source, target in zip(sources, targets):
            os.rename(source, target)
        t1, _, problems = wait_lines(daemon, "job done", count, STALL_TIMEOUT_S, RUN_TIMEOUT_S, "outputs")
        cpu1 = proc_cpu_seconds(daemon.pid)
    if t1 is None or count_captions(targets) != count:
        raise HarnessError(f"run {run_index + 1}: {count_captions(targets)}/{count} captions; {problems[:2]}")
    return {"cpu_ms_per_job": (cpu1 - cpu0) * 1000 / count, "jobs_per_s": count * 1e9 / (t1 - t0)}


def run_phase(ctx, fakes: Fakes, fresh_cpu_ms: float | None) -> Row:
    """The history figures and details (in a scratch row, for row (d) to take); `fresh_cpu_ms` is dropbolt's median
    CPU per job on a fresh state against the same fakes (from `paid_fast_wallet`)."""
    row = Row("d", "history")
    runs, count, history = ctx.scale(3, 1), ctx.scale(200, 20), ctx.scale(100_000, 2_000)
    try:
        log(f"(d) history: a state with {history:,} finished jobs")
        config = prepared_tree(ctx, fakes, "d-history", FINISHED_HISTORY_SQL.format(count=history))
        results = []
        for run_index in range(runs):
            log(f"(d) history: run {run_index + 1}/{runs}, {count} × 100 KB")
            results.append(drop_into(ctx, config, run_index, count))
        log(f"(d) history: idle beside {history:,} jobs held for later")
        held = prepared_tree(ctx, fakes, "d-held", HELD_SQL.format(count=history))
        with Daemon(ctx.binary, held, queue_only=False) as daemon:
            daemon.wait_ready()
            time.sleep(2.0)  # past the start-up work
            cpu0, t0 = proc_cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(IDLE_WINDOW_S)
            idle = (proc_cpu_seconds(daemon.pid) - cpu0) / (time.monotonic() - t0)
    except HarnessError as error:
        row.details.append(f"history: not measured: {error}")
        return row
    cpu = statistics.median(r["cpu_ms_per_job"] for r in results)
    if fresh_cpu_ms:
        ratio = cpu / fresh_cpu_ms
        row.add(Figure(f"100 KB, CPU ms per job, {history:,} finished jobs in the state", cpu, f"{cpu:.1f}",
                       "same, fresh state (above)", fresh_cpu_ms, f"{fresh_cpu_ms:.1f}", f"{ratio:.2f}×", ratio,
                       f"≤ {HISTORY_GOAL:g}× (bench's own)", verdict(ratio <= HISTORY_GOAL)))
    row.add(Figure(f"CPU idle beside {history:,} jobs held for later (% of one core)", idle * 100,
                   f"{idle * 100:.2f}%", goal="< 1% (bench's own)", verdict=verdict(idle < IDLE_CPU_GOAL)))
    row.details.append(f"history: {history:,} finished jobs: CPU ms/job "
                       + ", ".join(f"{r['cpu_ms_per_job']:.2f}" for r in results) + "; jobs/s "
                       + ", ".join(f"{r['jobs_per_s']:.0f}" for r in results)
                       + f"; idle beside {history:,} held jobs over {IDLE_WINDOW_S:.0f} s: {idle * 100:.2f}% of a core")
    return row
