"""Part of row (d): the same 100 KB analyze jobs with a wallet that is not the bottleneck, then `paid_history`
against the same fakes. dropbolt-fakes `--wallet phoenixd` issues the provider's invoices from a fake phoenixd,
which pays them at once: no LNbits, whose ~44 ms of CPU per job caps every client at ~23 jobs/s in the main
figures. These figures are reported, not judged: the goals are judged on the main figures (the real LNbits, as
DESIGN §10 has the tests use)."""

from __future__ import annotations

import os
import statistics

from harness.fakes import Fakes
from harness.processes import HarnessError, log
from harness.report import Figure, Row

from . import paid_clients as clients
from . import paid_history

SMALL = 100_000


def run_phase(ctx, row: Row) -> None:
    """Adds the fast-wallet figures and details to `row`; a failure here marks only these figures."""
    runs, count = ctx.scale(5, 1), ctx.scale(200, 20)
    label = f"wallet not the bottleneck (fake phoenixd, no LNbits), {count} × 100 KB"
    log(f"(d) {label}: starting dropbolt-fakes --wallet phoenixd")
    fakes = Fakes(ctx.fakes_binary, ctx.tmp / "d-fast-fakes", wallet="phoenixd")
    results: dict[str, list[dict]] = {"dropbolt": [], "l402kit": []}
    plan = [("dropbolt", lambda root: clients.dropbolt_drop(root, ctx.binary, fakes, SMALL, count)),
            ("l402kit", lambda root: clients.l402kit_run(root, ctx.bench_python, fakes, SMALL, count, 1))]
    try:
        for run_index in range(runs):
            for name, measure in plan:
                log(f"(d) {label}, run {run_index + 1}/{runs}: {name}")
                before = fakes.cpu_seconds()["provider"]
                try:
                    result = measure(ctx.tmp / f"d-fast-{name}-{run_index}")
                except HarnessError as error:
                    row.details.append(f"{label}: {name}, run {run_index + 1}: {error}")
                    continue
                result["fakes_ms_per_job"] = (fakes.cpu_seconds()["provider"] - before) * 1000 / count
                if result["invalid"]:
                    row.details.append(f"{label}: {name}, run {run_index + 1} not counted: {result['invalid']}")
                elif "wall_s" in result:
                    results[name].append(result)
        fresh = statistics.median(r["cpu_ms_per_job"] for r in results["dropbolt"]) if results["dropbolt"] else None
        history = paid_history.run_phase(ctx, fakes, fresh)
    finally:
        fakes.stop()
    if fakes.violations:
        row.details.append(f"{label}: the fakes saw protocol violations, figures not reported: {fakes.violations[:3]}")
        return
    report(row, label, results)
    for figure in history.figures:
        row.add(figure)
    row.details += history.details


def report(row: Row, label: str, results: dict[str, list[dict]]) -> None:
    """The fast-wallet figures of dropbolt against l402kit, and their details."""
    ours, theirs = results["dropbolt"], results["l402kit"]
    if not ours or not theirs:
        row.details.append(f"{label}: no valid run of " + ("dropbolt" if not ours else "l402kit"))
        return

    def med(runs_: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs_)

    baseline = "l402kit L402Client, 1 client, fake phoenixd"
    for key, unit, digits in (("jobs_per_s", "jobs/s", 0), ("cpu_ms_per_job", "CPU ms per job", 1)):
        mine, base = med(ours, key), med(theirs, key)
        row.add(Figure(f"100 KB, {unit}, wallet not the bottleneck", mine, f"{mine:.{digits}f}", baseline, base,
                       f"{base:.{digits}f}", f"{mine / base:.2f}×", mine / base))
    for name, runs_ in (("dropbolt", ours), ("l402kit", theirs)):
        row.details.append(
            f"{label}: {name}: jobs/s " + ", ".join(f"{r['jobs_per_s']:.0f}" for r in runs_)
            + "; CPU ms/job " + ", ".join(f"{r['cpu_ms_per_job']:.2f}" for r in runs_)
            + "; fake provider + phoenixd CPU ms/job " + ", ".join(f"{r['fakes_ms_per_job']:.2f}" for r in runs_))
    cores = os.cpu_count() or 1
    per_job = med(ours, "cpu_ms_per_job") + med(ours, "fakes_ms_per_job")
    row.details.append(
        f"{label}: per job, dropbolt spends {med(ours, 'cpu_ms_per_job'):.1f} ms of CPU and the fakes "
        f"{med(ours, 'fakes_ms_per_job'):.1f} ms: {cores} cores allow at most ~{cores * 1000 / per_job:.0f} jobs/s; "
        "each of the 2 workers also waits for its job's fsyncs (3 commits; the spooled request, the paid answer "
        "and the output, each with its folder)")
