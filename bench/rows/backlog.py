"""(h) Memory with a backlog of 10,000 jobs that cannot progress: the provider accepts connections and reads the
requests but never answers (a stalled upstream), so the two workers each wait on one request and every other job
stays queued. Measured while the 10,000 files arrive (peak) and after a restart on that backlog."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

from harness.dropbolt import Daemon, dropbolt_status, png_like, wait_lines, write_key_file
from harness.processes import HarnessError, log, mb_from_kb as mb, proc_status_kb
from harness.report import Figure, Row, verdict

KEY, NAME = "h", "backlog"
TITLE = "(h) RSS with a job backlog"
TOOLS: list[str] = []
PAID = False

RSS_GOAL_MB = 80.0
SETTLE_S = 3.0
IMAGE_BYTES = 2_000
QUEUE_TIMEOUT_S = 600.0  # longest wait for every file to be queued
STALL_S = 60.0
STOP_GRACE_S = 5.0

CONFIG_YAML = """\
rules: rules
state: state
settle_seconds: 0
rescan_minutes: 0
workers: 2
provider:
  url: {provider}
  timeout_seconds: 3600
wallet:
  kind: lnbits
  url: http://127.0.0.1:9
  key_file: wallet.key
"""


class StalledProvider:
    """A loopback server that accepts, reads and never answers."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.received = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        try:
            while chunk := conn.recv(65536):
                self.received += len(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for conn in self.connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass


def clean_stop(daemon: Daemon, provider: StalledProvider) -> str:
    """SIGTERM while the workers wait on the stalled provider (unpaid requests: a clean stop should abandon them);
    if the daemon is still there after STOP_GRACE_S, close the provider's connections and wait again."""
    started = time.monotonic()
    os.killpg(daemon.pid, signal.SIGTERM)
    try:
        daemon.proc.wait(timeout=STOP_GRACE_S)
        return f"SIGTERM with {len(provider.connections)} stalled unpaid request(s) in flight: exited in " \
               f"{time.monotonic() - started:.1f} s (status {daemon.proc.returncode})"
    except subprocess.TimeoutExpired:
        provider.close()
        try:
            daemon.proc.wait(timeout=STOP_GRACE_S)
            return (f"SIGTERM with {len(provider.connections)} stalled unpaid request(s) in flight: still running "
                    f"after {STOP_GRACE_S:g} s; exited {time.monotonic() - started - STOP_GRACE_S:.1f} s after the "
                    "provider closed the connections")
        except subprocess.TimeoutExpired:
            return (f"SIGTERM with stalled unpaid requests in flight: still running {STOP_GRACE_S:g} s after the "
                    "provider closed the connections too (SIGKILLed)")


def run(ctx) -> Row:
    total = ctx.scale(10_000, 1_000)
    row = Row(KEY, f"(h) RSS with a backlog of {total:,} queued jobs",
              method="analyze rule, lnbits wallet configured, provider stalled (accepts, never answers): "
              f"{total:,} files renamed into the inbox of a running daemon, then a restart on that backlog")
    root = ctx.tmp / "h-backlog"
    for folder in ("inbox", "rules", "staging"):
        (root / folder).mkdir(parents=True)
    write_key_file(root / "wallet.key", "0" * 32)
    (root / "rules" / "bench.yaml").write_text('watch: inbox\naction: analyze\noutput: "{stem}.txt"\n')
    log(f"(h) writing {total:,} images of {IMAGE_BYTES} bytes")
    sources = []
    for i in range(total):
        source = root / "staging" / f"img{i:05d}.png"
        source.write_bytes(png_like(IMAGE_BYTES))
        sources.append(source)
    provider = StalledProvider()
    config = root / "dropbolt.yaml"
    config.write_text(CONFIG_YAML.format(provider=provider.url))
    try:
        with Daemon(ctx.binary, config, queue_only=False) as daemon:
            daemon.wait_ready()
            time.sleep(SETTLE_S)
            idle = mb(proc_status_kb(daemon.pid, "VmRSS"))
            log(f"(h) renaming {total:,} files into the inbox")
            t0 = time.monotonic()
            for source in sources:
                os.rename(source, root / "inbox" / source.name)
            last, seen, problems = wait_lines(daemon, "job queued", total, STALL_S, QUEUE_TIMEOUT_S, "queued")
            if last is None:
                raise HarnessError(f"only {seen} of {total} files were queued in time")
            queued_s = time.monotonic() - t0
            time.sleep(SETTLE_S)
            daemon.check_alive("with the backlog")
            live_rss, live_hwm = mb(proc_status_kb(daemon.pid, "VmRSS")), mb(proc_status_kb(daemon.pid, "VmHWM"))
            status = dropbolt_status(ctx.binary, config)
            connections, received = len(provider.connections), provider.received
            stop_note = clean_stop(daemon, provider)
        jobs = status.get("jobs", {})
        log("(h) restarting the daemon on the backlog")
        provider = StalledProvider()
        config.write_text(CONFIG_YAML.format(provider=provider.url))
        with Daemon(ctx.binary, config, queue_only=False) as daemon:
            daemon.wait_ready()
            time.sleep(SETTLE_S)
            restart_rss, restart_hwm = mb(proc_status_kb(daemon.pid, "VmRSS")), mb(proc_status_kb(daemon.pid, "VmHWM"))
            restart_status = dropbolt_status(ctx.binary, config)
            daemon.check_alive("after the restart")
            provider.close()  # the stalled requests fail now, so the daemon can stop at once
    finally:
        provider.close()

    waiting = jobs.get("queued", 0)
    if sum(jobs.values()) != total or waiting < total - 2:
        row.mark_invalid(f"expected {total} jobs, all but the 2 in flight queued; status says {jobs}")
    restart_jobs = restart_status.get("jobs", {})
    if restart_jobs.get("queued", 0) + restart_jobs.get("held", 0) < total - 2:
        row.mark_invalid(f"after the restart the backlog is gone: {restart_jobs}")
    goal = f"≤ {RSS_GOAL_MB:g} MB"
    row.add(Figure("peak RSS while queueing (VmHWM, MB)", live_hwm, f"{live_hwm:.1f}", "same daemon idle before",
                   idle, f"{idle:.1f}", f"+{live_hwm - idle:.1f} MB", live_hwm / idle, goal,
                   verdict(live_hwm <= RSS_GOAL_MB)))
    row.add(Figure("RSS restarted on the backlog (MB)", restart_rss, f"{restart_rss:.1f} (peak {restart_hwm:.1f})",
                   "idle with no backlog", idle, f"{idle:.1f}", f"+{restart_rss - idle:.1f} MB", restart_rss / idle,
                   goal, verdict(max(restart_rss, restart_hwm) <= RSS_GOAL_MB)))
    row.details += [
        f"{total:,} renames → {total:,} 'job queued' lines in {queued_s:.1f} s; VmRSS {SETTLE_S:g} s later "
        f"{live_rss:.1f} MB; jobs then {jobs}; the stalled provider had {connections} connection(s) and "
        f"{received:,} bytes of requests, never answered",
        f"after the restart: jobs {restart_jobs}",
        f"stopping the first daemon: {stop_note}",
    ]
    if problems:
        row.details.append(f"{len(problems)} warning/error log lines while queueing, e.g. {problems[0]}")
    return row
