"""(c) Idle memory and CPU with 1,000 watched folders, quote-only and with a wallet configured; the same daemon
watching one folder is the baseline (fixed cost of the process)."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

from harness.dropbolt import CONFIG_YAML, Daemon, make_daemon_tree, write_rule
from harness.processes import HarnessError, log, mapping_rss_kb, mb_from_kb as mb, proc_cpu_seconds, proc_status_kb
from harness.report import Figure, Row, verdict

KEY, NAME = "c", "idle"
TITLE = "(c) idle memory"
TOOLS: list[str] = []
PAID = False

RSS_GOAL_MB = 40.0
SETTLE_S = 3.0
CPU_WINDOW_S = 5.0

# With a wallet configured (never contacted while idle; port 9 has no listener) the daemon runs its paid-path
# start-up (e.g. releasing quote-only holds), which once loaded ICU through GRDB's dates.
IDLE_WALLET_YAML = """\
wallet:
  kind: lnbits
  url: http://127.0.0.1:9
  key_file: wallet.key
"""


def idle_starts(root: Path, binary: Path, starts: int, label: str, cpu_window: bool) -> list[dict]:
    """Starts the daemon `starts` times on `root`; per start: watches, VmRSS/VmHWM (kB), CPU share."""
    config = root / "dropbolt.yaml"
    samples = []
    for start in range(starts):
        shutil.rmtree(root / "state", ignore_errors=True)  # every start from the same (empty) state
        log(f"(c) {label}: start {start + 1}/{starts}")
        with Daemon(binary, config, queue_only=False) as daemon:
            fields = daemon.wait_ready()
            time.sleep(SETTLE_S)
            pid = daemon.pid
            sample = {"watches": int(fields.get("scan.watches", "-1")),
                      "rss": proc_status_kb(pid, "VmRSS"), "hwm": proc_status_kb(pid, "VmHWM"),
                      # Anonymous (heap, stacks) vs file-backed (mapped libraries) share of the RSS.
                      "anon": proc_status_kb(pid, "RssAnon"), "file": proc_status_kb(pid, "RssFile"),
                      "icu": mapping_rss_kb(pid, "lib_FoundationICU"), "cpu": None}
            if cpu_window:
                cpu0, t0 = proc_cpu_seconds(pid), time.monotonic()
                time.sleep(CPU_WINDOW_S)
                cpu1, t1 = proc_cpu_seconds(pid), time.monotonic()
                sample["cpu"] = (cpu1 - cpu0) / (t1 - t0)  # CPU seconds per wall second
            if daemon.proc.poll() is not None:
                raise HarnessError("dropbolt exited while idle")
        samples.append(sample)
    return samples


def run(ctx) -> Row:
    folders, starts = ctx.scale(1000, 200), ctx.scale(3, 1)
    row = Row(KEY, f"(c) idle, {folders:,} watched folders", method=f"median of {starts} starts, RSS {SETTLE_S:g} s "
              "after the start-up scan (MB = 10^6 bytes)")
    root = ctx.tmp / "c-idle"
    make_daemon_tree(root)
    for i in range(folders):
        (root / "inbox" / f"f{i:03d}").mkdir()
    write_rule(root)
    # Reference: the same daemon watching only its (empty) inbox, to tell the per-folder cost from the fixed one.
    ref_root = ctx.tmp / "c-idle-reference"
    make_daemon_tree(ref_root)
    write_rule(ref_root)

    samples = idle_starts(root, ctx.binary, starts, f"{folders} folders", cpu_window=True)
    reference = idle_starts(ref_root, ctx.binary, starts, "1 folder", cpu_window=False)
    (root / "wallet.key").write_text("0" * 32 + "\n")
    (root / "wallet.key").chmod(0o600)
    (root / "dropbolt.yaml").write_text(CONFIG_YAML + IDLE_WALLET_YAML)
    with_wallet = idle_starts(root, ctx.binary, starts, f"{folders} folders, wallet configured", cpu_window=False)

    def median_of(rows: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    rss_mb, hwm_mb = mb(median_of(samples, "rss")), mb(median_of(samples, "hwm"))
    ref_mb = mb(median_of(reference, "rss"))
    wallet_mb = mb(median_of(with_wallet, "rss"))
    watches = [r["watches"] for r in samples]
    if min(watches) < folders:
        row.mark_invalid(f"scan.watches={watches}, expected ≥ {folders} on every start")
    goal = f"< {RSS_GOAL_MB:g} MB"
    row.add(Figure("RSS idle, quote-only (MB)", rss_mb, f"{rss_mb:.1f} (peak {hwm_mb:.1f})", "watching 1 folder",
                   ref_mb, f"{ref_mb:.1f}", f"+{rss_mb - ref_mb:.1f} MB for {min(watches)} watches",
                   rss_mb / ref_mb, goal, verdict(rss_mb < RSS_GOAL_MB)))
    row.add(Figure("RSS idle, wallet configured (MB)", wallet_mb, f"{wallet_mb:.1f}", "watching 1 folder", ref_mb,
                   f"{ref_mb:.1f}", f"+{wallet_mb - ref_mb:.1f} MB", wallet_mb / ref_mb, goal,
                   verdict(wallet_mb < RSS_GOAL_MB)))
    cpu = median_of(samples, "cpu") * 100
    row.add(Figure("CPU idle (% of one core)", cpu, f"{cpu:.2f}%"))
    row.details += [
        f"{folders} folders, per start: VmRSS " + ", ".join(f"{mb(r['rss']):.1f}" for r in samples)
        + " MB; VmHWM " + ", ".join(f"{mb(r['hwm']):.1f}" for r in samples) + " MB; scan.watches "
        + ", ".join(str(w) for w in watches),
        f"of the median RSS: RssAnon {mb(median_of(samples, 'anon')):.1f} MB (heap, stacks), "
        f"RssFile {mb(median_of(samples, 'file')):.1f} MB (mapped binary and libraries), of which ICU "
        f"{mb(median_of(samples, 'icu')):.1f} MB",
        f"{folders} folders with an lnbits wallet configured, per start: VmRSS "
        + ", ".join(f"{mb(r['rss']):.1f}" for r in with_wallet) + " MB; ICU resident "
        + ", ".join(f"{mb(r['icu']):.1f}" for r in with_wallet) + " MB",
        f"CPU (utime+stime) over {CPU_WINDOW_S:g} s idle, per start: "
        + ", ".join(f"{r['cpu'] * 100:.2f}%" for r in samples) + " of one core",
        "1 folder, per start: VmRSS " + ", ".join(f"{mb(r['rss']):.1f}" for r in reference) + " MB; VmHWM "
        + ", ".join(f"{mb(r['hwm']):.1f}" for r in reference) + " MB; scan.watches "
        + ", ".join(str(r["watches"]) for r in reference),
    ]
    return row
