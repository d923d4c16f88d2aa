"""(e) Peak memory while sending one 20 MB image through the whole paid path (edit action: the body is the image
in base64 inside JSON, sent twice: quote and paid retry); the baseline is the same daemon idle before the drop."""

from __future__ import annotations

import math
import os
import statistics
import time

from harness.dropbolt import Daemon, check_jobs, png_like, wait_lines
from harness.fakes import EDIT_RULE_YAML, Fakes, make_paid_tree
from harness.processes import log, mapping_rss_kb, mb_from_kb as mb, proc_status_kb
from harness.report import Figure, Row, verdict

KEY, NAME = "e", "big-image"
TITLE = "(e) peak RSS sending one 20 MB image"
TOOLS: list[str] = []
PAID = True

IMAGE_BYTES = 20_000_000
GROWTH_GOAL_MB = 30.0  # peak ≤ idle + 30 MB
SETTLE_S = 2.0
JOB_TIMEOUT_S = 180.0


def run(ctx) -> Row:
    runs = ctx.scale(3, 1)
    b64 = 4 * math.ceil(IMAGE_BYTES / 3)
    row = Row(KEY, f"(e) peak RSS sending one {IMAGE_BYTES // 1_000_000} MB image",
              method=f"median of {runs} fresh daemons; VmHWM after the job vs VmRSS idle before the drop")
    log("(e) starting dropbolt-fakes (LNbits + fake provider)")
    fakes = Fakes(ctx.fakes_binary, ctx.tmp / "e-fakes")
    samples = []
    try:
        for run_index in range(runs):
            log(f"(e) run {run_index + 1}/{runs}")
            root = ctx.tmp / f"e-{run_index}"
            config = make_paid_tree(root, fakes, EDIT_RULE_YAML)
            source = root / "staging" / "big.png"
            source.write_bytes(png_like(IMAGE_BYTES))
            with Daemon(ctx.binary, config, queue_only=False) as daemon:
                daemon.wait_ready()
                time.sleep(SETTLE_S)
                idle_rss, idle_hwm = proc_status_kb(daemon.pid, "VmRSS"), proc_status_kb(daemon.pid, "VmHWM")
                t0 = time.perf_counter_ns()
                os.rename(source, root / "inbox" / source.name)
                t1, _, problems = wait_lines(daemon, "job done", 1, JOB_TIMEOUT_S, JOB_TIMEOUT_S, "outputs")
                daemon.check_alive("during the 20 MB job")
                peak, after = proc_status_kb(daemon.pid, "VmHWM"), proc_status_kb(daemon.pid, "VmRSS")
                after_icu = mapping_rss_kb(daemon.pid, "lib_FoundationICU")
            jobs, invalid = check_jobs(ctx.binary, config, 1)
            if t1 is None:
                invalid = (invalid or "") + " (the output was not logged in time)"
            if invalid:
                row.mark_invalid(f"run {run_index + 1}: {invalid}; jobs {jobs}")
                row.details += [f"  log: {line}" for line in problems[:5]]
                continue
            samples.append({"idle": idle_rss, "idle_hwm": idle_hwm, "peak": peak, "after": after,
                            "after_icu": after_icu, "s": (t1 - t0) / 1e9})
    finally:
        fakes.stop()
    if fakes.violations:
        row.mark_invalid(f"the fake provider saw {len(fakes.violations)} protocol violation(s): {fakes.violations[:3]}")
    if not samples:
        row.mark_invalid("no run finished")
        return row
    idle = mb(statistics.median(s["idle"] for s in samples))
    peak = mb(statistics.median(s["peak"] for s in samples))
    growth = mb(statistics.median(s["peak"] - s["idle"] for s in samples))
    copies = growth * 1e6 / b64
    row.add(Figure("peak RSS (VmHWM, MB)", peak, f"{peak:.1f}", "same daemon idle before the drop (VmRSS)", idle,
                   f"{idle:.1f}", f"+{growth:.1f} MB = {copies:.1f}× the image's base64 ({b64 / 1e6:.1f} MB)",
                   peak / idle if idle else None, f"≤ idle + {GROWTH_GOAL_MB:g} MB",
                   verdict(growth <= GROWTH_GOAL_MB)))
    row.details += [
        "per run: idle VmRSS " + ", ".join(f"{mb(s['idle']):.1f}" for s in samples) + " MB; VmHWM before the drop "
        + ", ".join(f"{mb(s['idle_hwm']):.1f}" for s in samples) + " MB; VmHWM after the job "
        + ", ".join(f"{mb(s['peak']):.1f}" for s in samples) + " MB; VmRSS after the job "
        + ", ".join(f"{mb(s['after']):.1f}" for s in samples) + " MB (of which ICU "
        + ", ".join(f"{mb(s['after_icu']):.1f}" for s in samples) + " MB); rename → output written "
        + ", ".join(f"{s['s']:.2f}" for s in samples) + " s",
        f"image {IMAGE_BYTES / 1e6:.0f} MB, base64 {b64 / 1e6:.2f} MB; goal: peak − idle ≤ {GROWTH_GOAL_MB:g} MB "
        f"({GROWTH_GOAL_MB * 1e6 / b64:.2f}× the base64)",
    ]
    if fakes.summary:
        row.details.append(fakes.summary.strip())
    return row
