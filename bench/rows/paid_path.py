"""(d) The whole paid path (quote → pay through a real LNbits → paid retry → output written) for analyze jobs:
dropbolt (workers: 2) against l402kit's L402Client, a shell pipeline and curl, all against the same dropbolt-fakes
in the same run."""

from __future__ import annotations

import statistics

from harness.fakes import Fakes
from harness.processes import HarnessError, log
from harness.report import Figure, Row, verdict

from . import paid_clients as clients
from . import paid_fast_wallet

KEY, NAME = "d", "paid"
TITLE = "(d) paid path, analyze jobs"
TOOLS = ["inotifywait", "curl", "jq", "sqlite3", "base64"]
PAID = True

SMALL, BIG = 100_000, 5_000_000  # bytes (KB and MB here are 10^3 and 10^6 bytes)
L402KIT_CPU_GOAL = 1 / 3  # dropbolt's CPU per job ≤ 1/3 of the client's
L402KIT_RATE_GOAL = 4.0  # dropbolt's jobs/s ≥ 4× the client's
CURL_CPU_GOAL = 3.0  # 5 MB: dropbolt's CPU per job ≤ 3× curl's for the same bytes


def size_text(size: int) -> str:
    return f"{size // 1_000_000} MB" if size >= 1_000_000 else f"{size // 1000} KB"


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def run_detail(name: str, runs: list[dict]) -> str:
    text = (f"{name}: jobs/s " + ", ".join(f"{r['jobs_per_s']:.2f}" for r in runs)
            + "; CPU ms/job " + ", ".join(f"{r['cpu_ms_per_job']:.1f}" for r in runs)
            + "; wall " + ", ".join(f"{r['wall_s']:.1f}" for r in runs) + " s")
    if "hwm_mb" in runs[0]:
        text += "; daemon VmHWM " + ", ".join(f"{r['hwm_mb']:.1f}" for r in runs) + " MB"
    if "process_cpu_s" in runs[0]:
        text += ("; whole driver process CPU " + ", ".join(f"{r['process_cpu_s']:.2f}" for r in runs)
                 + " s, of which start-up and imports " + ", ".join(f"{r['setup_cpu_s']:.2f}" for r in runs)
                 + " s (not counted); peak RSS " + ", ".join(f"{r['maxrss_mb']:.0f}" for r in runs) + " MB")
    return text


def run(ctx) -> Row:
    # Five runs: CPU per job moved 3.2-4.8 ms between the three runs of one bench on this VM.
    runs, small_n, big_n = ctx.scale(5, 1), ctx.scale(40, 6), ctx.scale(10, 2)
    row = Row(KEY, f"(d) paid path, analyze: {small_n} × {size_text(SMALL)}, {big_n} × {size_text(BIG)}",
              method=f"median of {runs} runs, each client on its own fresh tree, one dropbolt-fakes for all")
    log("(d) starting dropbolt-fakes (LNbits + fake provider)")
    fakes = Fakes(ctx.fakes_binary, ctx.tmp / "d-fakes")
    row.details.append(f"dropbolt-fakes ready in {fakes.ready_s:.1f} s: provider {fakes.provider}, "
                       f"LNbits {fakes.lnbits}")
    balance_before = fakes.payer_balance_msat()
    results: dict[str, list[dict]] = {name: [] for name in ("dropbolt", "l402kit", "l402kit-2", "shell",
                                                            "curl-small", "dropbolt-big", "curl")}
    paid_jobs = 0
    plan = [("dropbolt", f"dropbolt {small_n} × {size_text(SMALL)}",
             lambda root: clients.dropbolt_drop(root, ctx.binary, fakes, SMALL, small_n)),
            ("l402kit", f"l402kit, 1 client, {small_n} × {size_text(SMALL)}",
             lambda root: clients.l402kit_run(root, ctx.bench_python, fakes, SMALL, small_n, 1)),
            ("l402kit-2", f"l402kit, 2 threads, {small_n} × {size_text(SMALL)}",
             lambda root: clients.l402kit_run(root, ctx.bench_python, fakes, SMALL, small_n, 2)),
            ("shell", f"shell pipeline, {small_n} × {size_text(SMALL)}",
             lambda root: clients.shell_run(root, fakes, SMALL, small_n)),
            ("curl-small", f"curl, {2 * small_n} POSTs of the {size_text(SMALL)} body",
             lambda root: clients.curl_run(root, fakes, SMALL, small_n)),
            ("dropbolt-big", f"dropbolt {big_n} × {size_text(BIG)}",
             lambda root: clients.dropbolt_drop(root, ctx.binary, fakes, BIG, big_n)),
            ("curl", f"curl, {2 * big_n} POSTs of the {size_text(BIG)} body",
             lambda root: clients.curl_run(root, fakes, BIG, big_n))]
    try:
        for run_index in range(runs):
            for name, label, measure in plan:
                log(f"(d) run {run_index + 1}/{runs}: {label}")
                servers_before = fakes.cpu_seconds()
                try:
                    result = measure(ctx.tmp / f"d-{name}-{run_index}")
                except HarnessError as error:  # the other clients can still be measured
                    log(f"!!! (d) {label}: {error}")
                    row.mark_invalid(f"{label}, run {run_index + 1}: {error}")
                    continue
                servers_after = fakes.cpu_seconds()
                jobs = small_n if name in ("dropbolt", "l402kit", "l402kit-2", "shell", "curl-small") else big_n
                result["servers_ms_per_job"] = {key: (servers_after[key] - servers_before[key]) * 1000 / jobs
                                                for key in servers_after}
                paid_jobs += result.get("outputs", 0)
                if result["invalid"]:
                    row.mark_invalid(f"{label}, run {run_index + 1}: {result['invalid']}")
                    row.details += [f"  log: {line}" for line in result.get("problems", [])[:5]]
                elif result.get("problems"):
                    row.details.append(f"{label}, run {run_index + 1}: {len(result['problems'])} warning/error "
                                       f"log lines, e.g. {result['problems'][0]}")
                if "wall_s" in result and not result["invalid"]:
                    results[name].append(result)
    finally:
        balance_after = fakes.payer_balance_msat()
        fakes.stop()

    if fakes.violations:
        row.mark_invalid(f"the fake provider saw {len(fakes.violations)} protocol violation(s): {fakes.violations[:3]}")
    if not results["dropbolt"] or not results["dropbolt-big"]:
        raise HarnessError("no valid dropbolt run: " + "; ".join(row.details[-3:]))

    ours, big = results["dropbolt"], results["dropbolt-big"]
    ours_cpu, ours_rate = med(ours, "cpu_ms_per_job"), med(ours, "jobs_per_s")
    small = size_text(SMALL)
    for name, baseline_name, goals in (("l402kit", "l402kit L402Client, 1 client", True),
                                       ("l402kit-2", "l402kit L402Client, 2 threads", False),
                                       ("shell", "shell: inotifywait+curl+jq+sqlite3", False)):
        if not results[name]:
            row.add(Figure(f"{small}: CPU ms per job", ours_cpu, f"{ours_cpu:.1f}", baseline_name, None,
                           "no valid run", verdict="ERROR"))
            continue
        base_cpu, base_rate = med(results[name], "cpu_ms_per_job"), med(results[name], "jobs_per_s")
        cpu_ratio, rate_ratio = ours_cpu / base_cpu, ours_rate / base_rate
        row.add(Figure(f"{small}: CPU ms per job", ours_cpu, f"{ours_cpu:.1f}", baseline_name, base_cpu,
                       f"{base_cpu:.1f}", f"{cpu_ratio:.2f}×", cpu_ratio,
                       "≤ 1/3 of the client's" if goals else "—",
                       verdict(cpu_ratio <= L402KIT_CPU_GOAL) if goals else "—"))
        row.add(Figure(f"{small}: jobs/s", ours_rate, f"{ours_rate:.2f}", baseline_name, base_rate,
                       f"{base_rate:.2f}", f"{rate_ratio:.2f}×", rate_ratio,
                       f"≥ {L402KIT_RATE_GOAL:g}× the client's" if goals else "—",
                       verdict(rate_ratio >= L402KIT_RATE_GOAL) if goals else "—"))
    # The floor under any client: the two uploads of a job alone, in C, with nothing paid and nothing recorded.
    if results["curl-small"]:
        floor_cpu = med(results["curl-small"], "cpu_ms_per_job")
        row.add(Figure(f"{small}: CPU ms per job", ours_cpu, f"{ours_cpu:.1f}",
                       "curl, the same body POSTed twice per job (HTTP only)", floor_cpu, f"{floor_cpu:.2f}",
                       f"{ours_cpu / floor_cpu:.2f}×", ours_cpu / floor_cpu))
    big_cpu, big_rate = med(big, "cpu_ms_per_job"), med(big, "jobs_per_s")
    curl_name = "curl, the same body POSTed twice per job"
    curl = results["curl"]
    if curl:
        curl_cpu = med(curl, "cpu_ms_per_job")
        curl_ratio = big_cpu / curl_cpu
        row.add(Figure(f"{size_text(BIG)}: CPU ms per job", big_cpu, f"{big_cpu:.1f}", curl_name, curl_cpu,
                       f"{curl_cpu:.1f}", f"{curl_ratio:.2f}×", curl_ratio, f"≤ {CURL_CPU_GOAL:g}× curl",
                       verdict(curl_ratio <= CURL_CPU_GOAL)))
    else:
        row.add(Figure(f"{size_text(BIG)}: CPU ms per job", big_cpu, f"{big_cpu:.1f}", curl_name, None, "failed",
                       verdict="ERROR"))
    row.add(Figure(f"{size_text(BIG)}: jobs/s", big_rate, f"{big_rate:.2f}"))

    row.details += [run_detail(label, results[name]) for name, label, _ in plan
                    if results[name] and not name.startswith("curl")]
    # What the servers themselves spend per job bounds every client's rate: LNbits is one Python process.
    for name, label, _ in plan:
        if results[name] and not name.startswith("curl"):
            lnbits_ms = med([r["servers_ms_per_job"] for r in results[name]], "lnbits")
            provider_ms = med([r["servers_ms_per_job"] for r in results[name]], "provider")
            row.details.append(f"servers' CPU per job during {label}: LNbits {lnbits_ms:.1f} ms, fake provider "
                               f"{provider_ms:.1f} ms (LNbits alone caps any client at ~{1000 / lnbits_ms:.0f} "
                               "jobs/s on one core)" if lnbits_ms > 0 else
                               f"servers' CPU per job during {label}: not measured")
    if results["curl-small"]:
        row.details.append(f"curl, {size_text(SMALL)}: {2 * small_n} POSTs of the same "
                           f"{results['curl-small'][0]['body_bytes'] / 1e3:.0f} KB JSON body over one connection per "
                           "run, each answered 402; curl CPU per job "
                           + ", ".join(f"{r['cpu_ms_per_job']:.2f}" for r in results["curl-small"]) + " ms")
    if curl:
        row.details.append(f"curl: {2 * big_n} POSTs of the same {curl[0]['body_bytes'] / 1e6:.2f} MB JSON body over "
                           "one connection per run, each answered 402 (a new LNbits invoice), took "
                           + ", ".join(f"{r['wall_s']:.2f}" for r in curl) + " s ("
                           + ", ".join(f"{r['s_per_402']:.2f}" for r in curl) + " s per 402); curl CPU per job "
                           + ", ".join(f"{r['cpu_ms_per_job']:.1f}" for r in curl) + " ms")
    if balance_before is not None and balance_after is not None and paid_jobs:
        spent = (balance_before - balance_after) / 1000
        row.details.append(f"payer wallet: {spent:.0f} sat spent for {paid_jobs} captions written "
                           f"({spent / paid_jobs:.1f} sat/job; the fake charges 21 per analyze-image)")
    if fakes.summary:
        row.details.append(fakes.summary.strip())
    paid_fast_wallet.run_phase(ctx, row)
    return row
