#!/usr/bin/env python3
"""dropbolt chaos run (stdlib only). See chaos/README.md.

Starts `dropbolt-fakes` (a real LNbits, the fake sats4ai provider answering a fraction of paid requests with 500,
and a wallet proxy that withholds the answer to a fraction of payments), runs `dropbolt run` on a temp tree with
several rules, drops images over time, SIGKILLs the daemon at random moments and restarts it, waits until every
job is terminal, then checks the money-safety invariants and prints a PASS/FAIL table.

Exit status: 0 every invariant held, 1 an invariant was violated, 2 the harness itself broke.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import hashlib
import json
import os
import queue
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "lnbits"))
from strays import end_by_closing_stdin, kill_stray_lnbits  # noqa: E402  (shared with bench/harness)

REPO = Path(__file__).resolve().parent.parent

FAKES_READY_TIMEOUT_S = 120.0  # LNbits starts in 4-15 s, slower under load
FAKES_STOP_TIMEOUT_S = 20.0
DAEMON_READY_TIMEOUT_S = 60.0
DAEMON_STOP_TIMEOUT_S = 60.0  # a clean stop lets paid requests finish
KILL_REAP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 30.0
PROGRESS_EVERY_S = 15.0

TERMINAL = ("done", "attention", "failed")
PNG_SIGNATURE = bytes.fromhex("89504E470D0A1A0A")
JPEG_SIGNATURE = bytes.fromhex("FFD8FFE0")
PAID_ANSWER_LOST = "paid_answer_lost"

# The rules of a run: name -> (watched folder, rule YAML, output template as a Python format string on stem).
RULES = {
    "products": ("inbox/products", """\
watch: inbox/products
action: edit
prompt: Remove the background and make it transparent
format: png
output: "{stem}.nobg.{format}"
""", "{stem}.nobg.png"),
    "captions": ("inbox/captions", """\
watch: inbox/captions
action: analyze
prompt: One sentence of alt text
output: "{stem}.txt"
""", "{stem}.txt"),
    "square": ("inbox/shared", """\
watch: inbox/shared
action: edit
prompt: Crop to a square around the subject
format: jpg
aspect_ratio: "1:1"
output: "{stem}.square.{format}"
""", "{stem}.square.jpg"),
    "alt": ("inbox/shared", """\
watch: inbox/shared
action: analyze
output: "{stem}.alt.txt"
""", "{stem}.alt.txt"),
}
FULL_RULES = ["products", "captions", "square", "alt"]
QUICK_RULES = ["products", "captions"]

CONFIG_YAML = """\
rules: rules
state: state
settle_seconds: {settle}
rescan_minutes: 0
workers: 2
provider:
  url: {provider}
  timeout_seconds: 30
wallet:
  kind: lnbits
  url: {wallet_url}
  key_file: {key_file}
  max_fee_sats: 10
  timeout_seconds: {wallet_timeout}
budget:
  max_sats_per_image: 1000
  daily_sats: 100000000
  monthly_sats: 1000000000
"""


class HarnessError(Exception):
    """The harness could not do its job (as opposed to an invariant the daemon violated)."""


T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[chaos {time.monotonic() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Child processes: each runs in its own session (its group is signalled by its id) and is ended on the way out.

_children: list[subprocess.Popen] = []


def spawn(argv: list[str], **kwargs) -> subprocess.Popen:
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
    _children.append(proc)
    return proc


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace_s: float = 10.0) -> int | None:
    """Sends `sig` to the child's group, then SIGKILL if it is still there after `grace_s`; returns its status."""
    if proc.poll() is None:
        signal_group(proc, sig)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log(f"pid {proc.pid} ignored signal {sig} for {grace_s:.0f} s; SIGKILL")
            signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc in _children:
        _children.remove(proc)
    return proc.returncode


class Fakes:
    """`dropbolt-fakes`: LNbits + fake provider + wallet proxy; stopped by closing its stdin."""

    def __init__(self, binary: Path, folder: Path, seed: int, paid_failure_rate: float, wallet_timeout_rate: float,
                 wallet_hold_s: float):
        self.folder = folder
        self.proc = spawn([str(binary), str(folder), "--paid-failure-rate", str(paid_failure_rate),
                           "--wallet-timeout-rate", str(wallet_timeout_rate),
                           "--wallet-hold-seconds", str(wallet_hold_s), "--seed", str(seed)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue = queue.Queue()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        self.summary: dict | None = None
        line = self._next_json(FAKES_READY_TIMEOUT_S)
        if line is None:
            self.stop()
            raise HarnessError("dropbolt-fakes printed nothing in time; stderr:\n  " + "\n  ".join(self.stderr_tail))
        self.info = line
        self.provider, self.lnbits, self.proxy = line["provider"], line["lnbits"], line["wallet_proxy"]
        self.adminkey, self.inkey = line["payer_adminkey"], line["payer_inkey"]

    @staticmethod
    def _pump(pipe, sink: queue.Queue) -> None:
        for raw in iter(pipe.readline, b""):
            sink.put(raw.decode(errors="replace").rstrip("\n"))
        sink.put(None)

    def _pump_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            self.stderr_tail.append(raw.decode(errors="replace").rstrip("\n"))

    def _next_json(self, timeout_s: float) -> dict | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith("{"):
                return json.loads(line)
        return None

    def api(self, path: str) -> object:
        request = urllib.request.Request(self.lnbits + path, headers={"X-Api-Key": self.inkey})
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return json.loads(response.read())

    def balance_msat(self) -> int:
        return int(self.api("/api/v1/wallet")["balance"])

    def payments(self) -> list[dict]:
        rows = self.api("/api/v1/payments?limit=100000")
        if not isinstance(rows, list):
            raise HarnessError(f"LNbits GET /api/v1/payments answered {str(rows)[:200]}")
        return rows

    def stop(self) -> None:
        """Closes stdin (it stops the proxy, provider and LNbits, then prints its summary); SIGTERM if it does not
        exit; then makes sure no LNbits it started is left."""
        if not end_by_closing_stdin(self.proc, FAKES_STOP_TIMEOUT_S):
            log("dropbolt-fakes did not exit when its stdin closed; SIGTERM")
            stop(self.proc, grace_s=FAKES_STOP_TIMEOUT_S)
        if self.proc in _children:
            _children.remove(self.proc)
        if self.summary is None:
            found = self._next_json(5)
            if found and "summary" in found:
                self.summary = found["summary"]
        kill_stray_lnbits(str(self.folder), log)


# --------------------------------------------------------------------------------------------------------------
# The daemon.

class Daemon:
    """One `dropbolt run` incarnation, logging to its own file."""

    def __init__(self, binary: Path, config: Path, log_path: Path, number: int):
        self.number = number
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.started = time.monotonic()
        self.proc = spawn([str(binary), "run", "--config", str(config), "--log-level", "info"],
                          stdout=self.log_file, stderr=subprocess.STDOUT)
        self.ready_at: float | None = None

    def text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def poll_ready(self) -> bool:
        if self.ready_at is None and "reconcile scan finished" in self.text():
            self.ready_at = time.monotonic()
        return self.ready_at is not None

    def wait_ready(self, timeout_s: float = DAEMON_READY_TIMEOUT_S) -> float:
        deadline = time.monotonic() + timeout_s
        while not self.poll_ready():
            if self.proc.poll() is not None:
                raise HarnessError(f"dropbolt #{self.number} exited with {self.proc.returncode} before it was ready:\n"
                                   + tail(self.text()))
            if time.monotonic() > deadline:
                raise HarnessError(f"dropbolt #{self.number} not ready within {timeout_s:.0f} s:\n" + tail(self.text()))
            time.sleep(0.05)
        return self.ready_at - self.started

    def kill(self) -> None:
        signal_group(self.proc, signal.SIGKILL)
        try:
            self.proc.wait(timeout=KILL_REAP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise HarnessError(f"dropbolt #{self.number} (pid {self.proc.pid}) survived SIGKILL")
        self.close()

    def close(self) -> None:
        if self.proc in _children and self.proc.poll() is not None:
            _children.remove(self.proc)
        self.log_file.close()


def tail(text: str, lines: int = 15) -> str:
    return "  " + "\n  ".join(text.rstrip("\n").split("\n")[-lines:])


# --------------------------------------------------------------------------------------------------------------
# The state database, read-only.

class StateDB:
    def __init__(self, path: Path):
        self.path = path

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        last: Exception | None = None
        for _ in range(50):  # bounded: "database is locked" while the daemon checkpoints
            try:
                connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
                try:
                    connection.row_factory = sqlite3.Row
                    return connection.execute(sql, args).fetchall()
                finally:
                    connection.close()
            except sqlite3.OperationalError as error:
                last = error
                time.sleep(0.1)
        raise HarnessError(f"cannot read {self.path}: {last}")

    def exists(self) -> bool:
        return self.path.exists()

    def columns(self, table: str) -> set[str]:
        return {row["name"] for row in self.query(f"PRAGMA table_info({table})")}

    def state_counts(self) -> dict[str, int]:
        if not self.exists():
            return {}
        return {row["state"]: row["n"] for row in self.query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")}

    def jobs(self) -> list[dict]:
        return [dict(row) for row in self.query("SELECT * FROM jobs ORDER BY id")]


# --------------------------------------------------------------------------------------------------------------
# The run.

class Run:
    def __init__(self, args: argparse.Namespace, root: Path | None = None):
        self.args = args
        self.root = root or Path(tempfile.mkdtemp(prefix="dropbolt-chaos-", dir="/tmp"))
        self.rules = QUICK_RULES if args.quick else FULL_RULES
        self.folders = sorted({RULES[name][0] for name in self.rules})
        self.db = StateDB(self.root / "state" / "dropbolt.sqlite")
        self.kills: list[dict] = []
        self.crashes: list[str] = []
        self.dropped: dict[str, str] = {}  # watched path -> sha256
        self.drop_done = threading.Event()
        self.drop_error: list[str] = []
        self.timings: dict[str, float] = {}
        self.daemons: list[Daemon] = []
        self.fakes: Fakes | None = None
        self.second_daemon: tuple[bool | None, str] = (None, "not probed")

    # -- setup

    def make_tree(self) -> Path:
        for folder in self.folders:
            (self.root / folder).mkdir(parents=True)
        (self.root / "rules").mkdir()
        (self.root / "staging").mkdir()
        (self.root / "logs").mkdir()
        key_file = self.root / "wallet.key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(self.fakes.adminkey + "\n")
        config = self.root / "dropbolt.yaml"
        config.write_text(CONFIG_YAML.format(
            settle=self.args.settle_seconds, provider=self.fakes.provider, wallet_url=self.fakes.proxy,
            key_file=key_file, wallet_timeout=self.args.wallet_timeout))
        for name in self.rules:
            (self.root / "rules" / f"{name}.yaml").write_text(RULES[name][1])
        return config

    def make_images(self) -> list[tuple[Path, Path]]:
        """Writes every image to staging/ (same file system) and returns (staged, destination) in drop order."""
        rng = random.Random(self.args.seed * 7 + 2)
        plan = []
        for index in range(self.args.images):
            folder = self.folders[index % len(self.folders)]
            if rng.random() < 0.3:
                name, magic = f"photo-{index:03d}.jpg", JPEG_SIGNATURE
            else:
                name, magic = f"img-{index:03d}.png", PNG_SIGNATURE
            body = magic + f"chaos image {index} seed {self.args.seed}\n".encode() + rng.randbytes(
                rng.randint(1_000, 6_000))
            staged = self.root / "staging" / name
            staged.write_bytes(body)
            plan.append((staged, self.root / folder / name))
        rng.shuffle(plan)
        return plan

    def expected_jobs(self) -> set[tuple[str, str]]:
        expected = set()
        for path in self.dropped:
            folder = str(Path(path).parent.relative_to(self.root))
            for name in self.rules:
                if RULES[name][0] == folder:
                    expected.add((name, path))
        return expected

    # -- dropping (a thread)

    def drop_images(self, plan: list[tuple[Path, Path]]) -> None:
        rng = random.Random(self.args.seed * 7 + 1)
        mean = self.args.drop_seconds / max(1, len(plan))
        try:
            for staged, destination in plan:
                time.sleep(min(mean * 4, rng.expovariate(1 / mean)) if mean > 0 else 0)
                digest = hashlib.sha256(staged.read_bytes()).hexdigest()
                os.rename(staged, destination)
                self.dropped[str(destination)] = digest
        except Exception as error:  # reported as a harness error by the main thread
            self.drop_error.append(f"{type(error).__name__}: {error}")
        finally:
            self.drop_done.set()

    # -- the chaos

    def start_daemon(self, config: Path) -> Daemon:
        number = len(self.daemons)
        daemon = Daemon(self.binary, config, self.root / "logs" / f"daemon-{number:02d}.log", number)
        self.daemons.append(daemon)
        return daemon

    def jobs_in_flight(self) -> dict[int, str]:
        if not self.db.exists():
            return {}
        rows = self.db.query("SELECT id, state FROM jobs WHERE state NOT IN ('done', 'attention', 'failed')")
        return {row["id"]: row["state"] for row in rows}

    def chaos(self, config: Path) -> Daemon:
        rng = random.Random(self.args.seed)
        daemon = self.start_daemon(config)
        log(f"daemon #0 ready in {daemon.wait_ready():.1f} s")
        plan = self.make_images()
        dropper = threading.Thread(target=self.drop_images, args=(plan,), name="dropper", daemon=True)
        chaos_started = time.monotonic()
        dropper.start()
        for number in range(1, self.args.kills + 1):
            gap = rng.uniform(self.args.min_gap, self.args.max_gap)
            deadline = daemon.started + gap
            while time.monotonic() < deadline and daemon.proc.poll() is None:
                daemon.poll_ready()
                time.sleep(0.02)
            if daemon.proc.poll() is not None:
                self.crashes.append(f"daemon #{daemon.number} exited by itself with status {daemon.proc.returncode}:\n"
                                    + tail(daemon.text()))
                log(f"!!! daemon #{daemon.number} exited by itself ({daemon.proc.returncode})")
                daemon.close()
            else:
                daemon.poll_ready()
                up = time.monotonic() - daemon.started
                daemon.kill()
                in_flight = self.jobs_in_flight()
                kill = {"number": number, "time": time.time(), "daemon": daemon.number, "up_s": up,
                        "ready": daemon.ready_at is not None, "in_flight": in_flight}
                self.kills.append(kill)
                states = collections.Counter(in_flight.values())
                log(f"kill {number}/{self.args.kills}: daemon #{daemon.number} after {up:.1f} s "
                    f"({'running' if kill['ready'] else 'starting up'}); jobs not terminal: "
                    + (", ".join(f"{state}={count}" for state, count in sorted(states.items())) or "none"))
            time.sleep(rng.uniform(0, self.args.restart_pause))
            daemon = self.start_daemon(config)
        self.timings["kills (s)"] = time.monotonic() - chaos_started
        if not self.drop_done.wait(timeout=self.args.drop_seconds * 5 + 60):
            raise HarnessError("the dropper thread did not finish")
        if self.drop_error:
            raise HarnessError(f"dropping images failed: {self.drop_error[0]}")
        self.timings["drops (s)"] = time.monotonic() - chaos_started
        log(f"all {len(self.dropped)} images dropped and {len(self.kills)} kills done; last daemon is #{daemon.number}")
        daemon.wait_ready()
        return daemon

    def settle(self, daemon: Daemon) -> tuple[bool, str]:
        """Waits until every expected job exists and is terminal; returns (settled, why not)."""
        expected = self.expected_jobs()
        started = time.monotonic()
        deadline = started + self.args.settle_timeout
        next_progress = started + PROGRESS_EVERY_S
        while True:
            if daemon.proc.poll() is not None:
                self.crashes.append(f"daemon #{daemon.number} exited by itself with status {daemon.proc.returncode}:\n"
                                    + tail(daemon.text()))
                return False, f"the last daemon exited with status {daemon.proc.returncode}"
            rows = self.db.query("SELECT id, rule, path, state, reason, not_before FROM jobs")
            present = {(row["rule"], row["path"]) for row in rows}
            open_jobs = [row for row in rows if row["state"] not in TERMINAL]
            missing = expected - present
            now = time.monotonic()
            if not open_jobs and not missing:
                self.timings["settle after last restart (s)"] = now - started
                return True, ""
            remaining = deadline - now
            if remaining <= 0:
                self.timings["settle after last restart (s)"] = now - started
                return False, (f"not settled within {self.args.settle_timeout:.0f} s: {len(open_jobs)} jobs not "
                               f"terminal, {len(missing)} expected jobs never created")
            # Jobs held past the deadline will not move in time: report them instead of waiting for nothing.
            horizon = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + remaining))
            if open_jobs and not missing and all(row["not_before"] and row["not_before"] > horizon for row in open_jobs):
                self.timings["settle after last restart (s)"] = now - started
                return False, (f"{len(open_jobs)} jobs are held until after the deadline (not_before "
                               f"{min(row['not_before'] for row in open_jobs)} UTC or later)")
            if now >= next_progress:
                counts = collections.Counter(row["state"] for row in rows)
                log(f"waiting: {len(rows)}/{len(expected)} jobs, "
                    + ", ".join(f"{state}={count}" for state, count in sorted(counts.items())))
                next_progress = now + PROGRESS_EVERY_S
            time.sleep(0.5)

    def probe_second_daemon(self, config: Path, first: Daemon) -> tuple[bool | None, str]:
        """Starts a second `dropbolt run` on the same state folder while the first runs (DESIGN §5 rule 9: one
        daemon per state folder). Returns (refused, detail); None when the first daemon is not running."""
        if self.args.second_daemon_wait <= 0:
            return None, "not probed (--second-daemon-wait 0)"
        if first.proc.poll() is not None:
            return None, "not probed: the last daemon is not running"
        second = self.start_daemon(config)
        deadline = time.monotonic() + self.args.second_daemon_wait
        while second.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if second.proc.poll() is None:
            stop(second.proc, signal.SIGTERM, grace_s=DAEMON_STOP_TIMEOUT_S)
            second.close()
            return False, (f"a second daemon on the same state folder was still running after "
                           f"{self.args.second_daemon_wait:.0f} s (stopped with SIGTERM); its log: {second.log_path.name}")
        status = second.proc.returncode
        second.close()
        last = second.text().strip().splitlines()[-1:] or ["(no output)"]
        return status != 0, f"second daemon exited with status {status}: {short(last[0], 200)}"

    # -- main

    def execute(self) -> int:
        build = Path(self.args.build_dir)
        self.binary = build / "dropbolt"
        fakes_binary = build / "dropbolt-fakes"
        for path in (self.binary, fakes_binary):
            if not os.access(path, os.X_OK):
                raise HarnessError(f"{path} is missing: build first (`make chaos` does)")
        log(f"seed {self.args.seed}; {self.args.images} images, rules {', '.join(self.rules)}, {self.args.kills} "
            f"kills; provider 500 rate {self.args.paid_failure_rate}, wallet timeout rate "
            f"{self.args.wallet_timeout_rate}; working in {self.root}")
        started = time.monotonic()
        self.fakes = Fakes(fakes_binary, self.root / "fakes", self.args.seed, self.args.paid_failure_rate,
                           self.args.wallet_timeout_rate, self.args.wallet_timeout + self.args.wallet_hold_extra)
        self.timings["start fakes (s)"] = time.monotonic() - started
        log(f"fakes ready: provider {self.fakes.provider}, LNbits {self.fakes.lnbits}, wallet proxy {self.fakes.proxy}")
        initial_balance = self.fakes.balance_msat()
        config = self.make_tree()
        chaos_started = time.monotonic()
        daemon = self.chaos(config)
        settled, why = self.settle(daemon)
        self.timings["chaos + settle (s)"] = time.monotonic() - chaos_started
        log("settled" if settled else f"NOT settled: {why}")
        self.second_daemon = self.probe_second_daemon(config, daemon)
        stop_started = time.monotonic()
        status = stop(daemon.proc, signal.SIGTERM, grace_s=DAEMON_STOP_TIMEOUT_S)
        daemon.close()
        self.timings["clean stop (s)"] = time.monotonic() - stop_started
        clean_stop = status == 0
        final_balance = self.fakes.balance_msat()
        wallet_payments = self.fakes.payments()
        self.fakes.stop()
        summary = self.fakes.summary
        if summary is None:
            raise HarnessError("dropbolt-fakes printed no summary; stderr:\n  " + "\n  ".join(self.fakes.stderr_tail))
        record = {"args": vars(self.args), "kills": [{**k, "in_flight": {str(j): st for j, st in k["in_flight"].items()}}
                                                     for k in self.kills],
                  "fakes": self.fakes.info, "summary": summary, "initial_balance_msat": initial_balance,
                  "final_balance_msat": final_balance, "wallet_payments": wallet_payments, "dropped": self.dropped,
                  "crashes": self.crashes, "settled": settled, "why": why, "clean_stop": clean_stop,
                  "stop_status": status, "second_daemon": list(self.second_daemon), "timings": self.timings}
        (self.root / "chaos-record.json").write_text(json.dumps(record, indent=1))
        checks_started = time.monotonic()
        report = Checker(self, settled, why, clean_stop, status, initial_balance, final_balance, wallet_payments,
                         summary).run()
        self.timings["checks (s)"] = time.monotonic() - checks_started
        self.timings["total (s)"] = time.monotonic() - T0
        print(report.render(self), flush=True)
        return 0 if report.passed else 1


# --------------------------------------------------------------------------------------------------------------
# The invariants.

class Report:
    def __init__(self):
        self.rows: list[tuple[str, str, str]] = []  # (invariant, PASS/FAIL/INFO, detail)
        self.evidence: list[str] = []

    def add(self, name: str, ok: bool | None, detail: str) -> None:
        self.rows.append((name, "INFO" if ok is None else ("PASS" if ok else "FAIL"), detail))

    @property
    def passed(self) -> bool:
        return all(verdict != "FAIL" for _, verdict, _ in self.rows)

    def render(self, run: Run) -> str:
        width = max(len(name) for name, _, _ in self.rows)
        lines = ["", f"## dropbolt chaos run — seed {run.args.seed}{' (quick)' if run.args.quick else ''}", "",
                 f"{run.args.images} images, rules {', '.join(run.rules)}, {len(run.kills)} SIGKILLs, provider 500 "
                 f"rate {run.args.paid_failure_rate}, wallet timeout rate {run.args.wallet_timeout_rate}", "",
                 f"| {'invariant'.ljust(width)} | result | detail |", f"|{'-' * (width + 2)}|--------|--------|"]
        for name, verdict, detail in self.rows:
            lines.append(f"| {name.ljust(width)} | {verdict.ljust(6)} | {detail} |")
        lines += ["", "timings: " + ", ".join(f"{key} {value:.1f}" for key, value in run.timings.items())]
        if run.args.quick and run.timings.get("total (s)", 0) > 180:
            lines.append("note: the quick run took longer than its 3-minute goal")
        if self.evidence:
            lines += ["", "### evidence", ""] + self.evidence
        lines += ["", f"RESULT: {'PASS' if self.passed else 'FAIL'} (seed {run.args.seed}; rerun with --seed "
                      f"{run.args.seed}{' --quick' if run.args.quick else ''})", ""]
        return "\n".join(lines)


def log_level(line: str) -> str:
    """The level of a daemon log line (`<timestamp> <level> <label>: <metadata> [<module>] <message>`)."""
    parts = line.split(" ", 2)
    return parts[1] if len(parts) > 2 else ""


def log_message(line: str) -> str:
    """A daemon log line's level, message and reason, numbers and hex ids replaced by N (to count alike lines)."""
    message = line.rsplit("] ", 1)[-1] if "] " in line else line
    reason = re.search(r"\breason=(.*?)(?: \S+\.\S+=|\s\[|$)", line)
    text = f"{log_level(line)}: {message}" + (f" (reason={reason.group(1)})" if reason else "")
    return re.sub(r"\b[0-9a-f]{16,}\b|\b\d+(\.\d+)?\b", "N", text)


def short(text: str | None, limit: int = 160) -> str:
    text = (text or "").replace("\n", " ").replace("|", "/")
    return text if len(text) <= limit else text[:limit] + "…"


class Checker:
    def __init__(self, run: Run, settled: bool, why: str, clean_stop: bool, stop_status, initial_balance: int,
                 final_balance: int, wallet_payments: list[dict], summary: dict):
        self.run_ = run
        self.settled, self.why = settled, why
        self.clean_stop, self.stop_status = clean_stop, stop_status
        self.initial_balance, self.final_balance = initial_balance, final_balance
        self.wallet_payments = wallet_payments
        self.summary = summary
        self.report = Report()
        db = run.db
        self.job_columns = db.columns("jobs")
        self.jobs = db.jobs()
        self.by_id = {job["id"]: job for job in self.jobs}
        self.payments = [dict(row) for row in db.query("SELECT * FROM payments ORDER BY id")]
        self.outputs = [dict(row) for row in db.query("SELECT * FROM outputs ORDER BY id")]
        self.ledger = [dict(row) for row in db.query("SELECT * FROM ledger ORDER BY id")]
        self.reservations = [dict(row) for row in db.query("SELECT * FROM reservations ORDER BY id")]
        self.rule_quarters = [dict(row) for row in db.query("SELECT * FROM rule_spend_by_quarter")]
        self.quarters = [dict(row) for row in db.query("SELECT * FROM spend_by_quarter")]
        self.lost = self.classify_lost_answers()

    def evidence(self, text: str) -> None:
        self.report.evidence.append(text)

    def job_line(self, job: dict) -> str:
        pays = [p for p in self.payments if p["job_id"] == job["id"]]
        pay_text = "; ".join(f"{p['status']} {p['amount_msat']} msat hash {p['payment_hash'][:12]}…" for p in pays)
        code = f" reason_code={job.get('reason_code')}" if "reason_code" in job else ""
        if job.get("not_before") and job["state"] not in TERMINAL:
            code += f" not_before={job['not_before']} UTC"
        return (f"- job {job['id']} [{job['rule']}] {Path(job['path']).name}: state={job['state']}{code} "
                f"attempts={job['attempts']} reason={short(job['reason'], 300)!r} payments=[{pay_text or 'none'}]")

    # -- the lost paid answers

    def classify_lost_answers(self) -> dict[int, dict]:
        """Jobs in attention whose paid answer was lost (coded `paid_answer_lost`, or, without the column, a reason
        saying the paid request was refused with 401 afterwards), with the kill it is attributed to and whether the
        fake provider's log proves the token was consumed (a 200 to that job's paid request).

        The kill is the one nearest to that 200 (within 30 s) at which the job was in flight: usually the first
        kill after it (the answer came, the daemon died before spooling it), sometimes one just before it (the
        request was delivered, the daemon died, the provider finished the paid work and consumed the token)."""
        received = self.summary.get("received", [])
        spool = self.run_.root / "state" / "spool"
        lost = {}
        for job in self.jobs:
            if job["state"] != "attention":
                continue
            if "reason_code" in self.job_columns:
                coded = job.get("reason_code") == PAID_ANSWER_LOST
            else:
                reason = job["reason"] or ""
                coded = "401" in reason or "INVALID_TOKEN" in reason or ("answer" in reason and "lost" in reason)
            consumed = [r for r in received if r["authorized"] and r["status"] == 200
                        and r["body_sha256"] == job["request_sha256"]]
            kill, state = None, None
            if consumed:
                when = consumed[0]["time"]
                candidates = [k for k in self.run_.kills if job["id"] in k["in_flight"] and abs(k["time"] - when) <= 30]
                if candidates:
                    nearest = min(candidates, key=lambda k: abs(k["time"] - when))
                    kill, state = nearest["number"], nearest["in_flight"][job["id"]]
                    before = nearest["time"] < when
            lost[job["id"]] = {"coded": coded, "consumed": bool(consumed), "kill": kill, "in_flight_state": state,
                               "kill_before_answer": kill is not None and before,
                               "spooled_result": any((spool / f"job-{job['id']}.{kind}").exists()
                                                     for kind in ("result", "answer"))}
        return lost

    def allowed_missing(self, job: dict) -> bool:
        """A result may be missing only where a kill landed after the provider consumed the token (and the answer
        is not in the spool after all)."""
        info = self.lost.get(job["id"])
        return bool(info and info["coded"] and info["consumed"] and info["kill"] is not None
                    and not info["spooled_result"])

    def orphaned_request(self, job: dict) -> bool:
        """A `done` job whose token was refused once because a killed daemon's paid request (delivered before the
        kill) and the restarted daemon's retry reached the provider together: one got the 200, the other 401."""
        received = self.summary.get("received", [])
        mine = [r for r in received if r["authorized"] and r["body_sha256"] == job["request_sha256"]]
        ok = [r for r in mine if r["status"] == 200]
        refused = [r for r in mine if r["status"] == 401]
        if job["state"] != "done" or len(ok) != 1 or len(refused) != 1:
            return False
        return any(job["id"] in k["in_flight"] and 0 <= refused[0]["time"] - k["time"] <= 60 for k in self.run_.kills)

    # -- checks

    def run(self) -> Report:
        report = self.report
        report.add("run settled (every job terminal)", self.settled, "yes" if self.settled else self.why)
        report.add("daemon never exited on its own", not self.run_.crashes,
                   f"{len(self.run_.crashes)} unexpected exits" if self.run_.crashes else "none")
        for crash in self.run_.crashes:
            self.evidence("unexpected exit: " + crash)
        report.add("final clean stop (SIGTERM → exit 0)", self.clean_stop, f"exit status {self.stop_status}")
        refused, detail = self.run_.second_daemon
        report.add("second daemon on the same state refused", refused, detail)
        self.check_jobs()
        self.check_payments()
        self.check_ledger()
        self.check_files()
        self.check_spool()
        self.check_violations()
        self.check_attention()
        self.check_log_problems()
        return report

    def check_jobs(self) -> None:
        run = self.run_
        expected = run.expected_jobs()
        by_key = collections.defaultdict(list)
        for job in self.jobs:
            by_key[(job["rule"], job["path"])].append(job)
        missing = sorted(expected - set(by_key))
        extra = sorted(set(by_key) - expected)
        doubled = sorted(key for key, jobs in by_key.items() if key in expected and len(jobs) > 1)
        outputs_by_job = collections.defaultdict(list)
        for output in self.outputs:
            outputs_by_job[output["job_id"]].append(output)
        not_done, bad_outputs, allowed = [], [], []
        for key in sorted(expected & set(by_key)):
            for job in by_key[key]:
                if job["state"] == "done":
                    outs = outputs_by_job.get(job["id"], [])
                    if len(outs) != 1:
                        bad_outputs.append((job, f"{len(outs)} output rows"))
                elif self.allowed_missing(job):
                    allowed.append(job)
                else:
                    not_done.append(job)
        ok = not missing and not extra and not doubled and not not_done and not bad_outputs
        self.report.add(
            "every file: one job per rule, done, one output", ok,
            f"{len(expected)} expected, {len(self.jobs)} jobs; missing {len(missing)}, stray {len(extra)}, "
            f"doubled {len(doubled)}, not done {len(not_done)}, done without exactly one output {len(bad_outputs)}, "
            f"allowed lost answers {len(allowed)}")
        for rule, path in missing[:20]:
            self.evidence(f"- no job for rule {rule}, file {path}")
        for rule, path in extra[:20]:
            self.evidence(f"- stray job(s) for rule {rule}, file {path}: "
                          + "; ".join(self.job_line(j) for j in by_key[(rule, path)]))
        for key in doubled[:20]:
            self.evidence(f"- {len(by_key[key])} jobs for {key}:\n" + "\n".join(self.job_line(j) for j in by_key[key]))
        if not_done:
            self.evidence(f"jobs not done ({len(not_done)}):")
            for job in not_done[:40]:
                self.evidence(self.job_line(job))
        for job, why in bad_outputs[:20]:
            self.evidence(f"{self.job_line(job)} — {why}")
        states = collections.Counter(job["state"] for job in self.jobs)
        self.report.add("job states", None, ", ".join(f"{s}={n}" for s, n in sorted(states.items())))

    def check_payments(self) -> None:
        outgoing = [p for p in self.wallet_payments if int(p.get("amount", 0)) < 0]
        wallet_ok = [p for p in outgoing if p.get("status") == "success"]
        wallet_other = [p for p in outgoing if p.get("status") != "success"]
        wallet_hashes = collections.Counter(p["payment_hash"] for p in wallet_ok)
        recorded_ok = [p for p in self.payments if p["status"] == "succeeded"]
        recorded_by_hash = {p["payment_hash"]: p for p in self.payments}
        paid_jobs = collections.Counter(p["job_id"] for p in recorded_ok)
        twice_at_wallet = [h for h, n in wallet_hashes.items() if n > 1]
        unknown_to_dropbolt = [h for h in wallet_hashes if h not in recorded_by_hash]
        not_recorded_paid = [h for h in wallet_hashes if h in recorded_by_hash
                             and recorded_by_hash[h]["status"] != "succeeded"]
        recorded_not_at_wallet = [p for p in recorded_ok if p["payment_hash"] not in wallet_hashes]
        jobs_paid_twice = [j for j, n in paid_jobs.items() if n > 1]
        ok = (len(wallet_ok) == len(recorded_ok) == len(paid_jobs) and not twice_at_wallet and not unknown_to_dropbolt
              and not not_recorded_paid and not recorded_not_at_wallet and not jobs_paid_twice)
        self.report.add(
            "payments at wallet = recorded = paid jobs", ok,
            f"wallet {len(wallet_ok)} succeeded outgoing ({len(wallet_other)} not succeeded), dropbolt "
            f"{len(recorded_ok)} succeeded, {len(paid_jobs)} paid jobs; hash paid twice {len(twice_at_wallet)}, "
            f"jobs with 2+ succeeded payments {len(jobs_paid_twice)}, paid at wallet but unknown to dropbolt "
            f"{len(unknown_to_dropbolt)}, paid at wallet but not recorded succeeded {len(not_recorded_paid)}, "
            f"recorded succeeded but not at wallet {len(recorded_not_at_wallet)}")
        for h in unknown_to_dropbolt[:20]:
            self.evidence(f"- wallet paid {h} but dropbolt has no payment row for it")
        for h in not_recorded_paid[:20]:
            payment = recorded_by_hash[h]
            self.evidence(f"- wallet paid {h[:12]}… but dropbolt recorded it {payment['status']}: "
                          + self.job_line(self.by_id.get(payment["job_id"], {"id": payment["job_id"], "rule": "?",
                                                                              "path": "?", "state": "?",
                                                                              "attempts": 0, "reason": ""})))
        for j in jobs_paid_twice[:20]:
            self.evidence(f"- paid twice: {self.job_line(self.by_id[j])}")
        for p in recorded_not_at_wallet[:20]:
            self.evidence(f"- recorded succeeded, not at the wallet: {p['payment_hash']}")
        pending = [p for p in self.payments if p["status"] == "pending"]
        self.report.add("no payment left pending", not pending,
                        f"{len(pending)} pending payment rows" if pending else "none")
        for p in pending[:20]:
            self.evidence(f"- pending payment {p['payment_hash'][:12]}…: " + self.job_line(self.by_id[p["job_id"]]))
        withheld = self.summary.get("wallet_withheld", [])
        resolved = [h for h in withheld if h in recorded_by_hash and recorded_by_hash[h]["status"] == "succeeded"]
        self.report.add("payments with the answer withheld", None,
                        f"{len(withheld)} of {self.summary.get('wallet_payments')} payments; {len(resolved)} "
                        f"resolved by lookup as succeeded")
        durations = []
        for payment in self.payments:
            try:
                durations.append((datetime.datetime.fromisoformat(payment["settled_at"])
                                  - datetime.datetime.fromisoformat(payment["created_at"])).total_seconds())
            except (TypeError, ValueError):
                continue
        failed_rows = sum(1 for p in self.payments if p["status"] == "failed")
        self.report.add("payment resolution (paying → settled)", None,
                        f"slowest {max(durations, default=0):.1f} s, {sum(d > 60 for d in durations)} over 60 s; "
                        f"{failed_rows} payment rows failed (never sent, or refused)")
        done_jobs = sum(1 for job in self.jobs if job["state"] == "done")
        unpaid_done = [job for job in self.jobs if job["state"] == "done" and job["id"] not in paid_jobs]
        self.report.add("done jobs were paid once", not unpaid_done,
                        f"{done_jobs} done, {len(unpaid_done)} done without a succeeded payment")
        for job in unpaid_done[:10]:
            self.evidence(f"- done but unpaid: {self.job_line(job)}")

    def check_ledger(self) -> None:
        sums = collections.Counter()
        for row in self.ledger:
            sums[row["kind"]] += row["amount_msat"]
        spent = sums["spend"] + sums["fee"]
        balance_change = self.initial_balance - self.final_balance
        wallet_sum = sum(-int(p["amount"]) + abs(int(p.get("fee") or 0)) for p in self.wallet_payments
                         if int(p.get("amount", 0)) < 0 and p.get("status") == "success")
        live = sums["reserve"] - sums["release"]
        ok = spent == balance_change == wallet_sum
        self.report.add("ledger spend+fee = wallet balance change (msat)", ok,
                        f"ledger {spent} (spend {sums['spend']} + fee {sums['fee']}), balance change {balance_change}, "
                        f"wallet history {wallet_sum}, difference {spent - balance_change:+d}")
        per_payment_bad = []
        spend_by_payment = collections.Counter()
        for row in self.ledger:
            if row["kind"] in ("spend", "fee") and row["payment_id"] is not None:
                spend_by_payment[row["payment_id"]] += row["amount_msat"]
        for payment in self.payments:
            expected = (payment["amount_msat"] + (payment["fee_msat"] or 0)) if payment["status"] == "succeeded" else 0
            if spend_by_payment.get(payment["id"], 0) != expected:
                per_payment_bad.append((payment, spend_by_payment.get(payment["id"], 0), expected))
        self.report.add("ledger rows match each payment", not per_payment_bad,
                        f"{len(per_payment_bad)} payments whose spend+fee rows differ from amount+fee")
        for payment, got, want in per_payment_bad[:20]:
            self.evidence(f"- payment {payment['payment_hash'][:12]}… ({payment['status']}): ledger {got}, "
                          f"expected {want}: " + self.job_line(self.by_id[payment["job_id"]]))
        self.report.add("no live reservation left", live == 0,
                        f"reserved {sums['reserve']}, released {sums['release']}, still reserved {live} msat")
        table = sum(row["amount_msat"] for row in self.reservations)
        self.report.add("reservations table = the ledger's live reservations", table == live,
                        f"{len(self.reservations)} rows holding {table} msat; ledger {live} msat")
        # The budget's running totals per quarter-hour (UTC) must hold exactly the ledger's spend and fee rows.
        by_rule: collections.Counter = collections.Counter()
        by_quarter: collections.Counter = collections.Counter()
        for row in self.ledger:
            if row["kind"] in ("spend", "fee"):
                moment = datetime.datetime.strptime(row["created_at"][:19], "%Y-%m-%d %H:%M:%S")
                quarter = int(moment.replace(tzinfo=datetime.timezone.utc).timestamp()) // 900
                by_rule[(row["rule"], quarter)] += row["amount_msat"]
                by_quarter[quarter] += row["amount_msat"]
        stored_by_rule = collections.Counter({(r["rule"], r["quarter"]): r["amount_msat"] for r in self.rule_quarters})
        stored_by_quarter = collections.Counter({r["quarter"]: r["amount_msat"] for r in self.quarters})
        self.report.add("quarter-hour spend totals = the ledger's spend and fees", stored_by_rule == by_rule
                        and stored_by_quarter == by_quarter,
                        f"{len(self.rule_quarters)} rule quarters, {len(self.quarters)} quarters holding "
                        f"{sum(stored_by_quarter.values())} msat; ledger {sum(by_quarter.values())} msat")

    def check_files(self) -> None:
        run = self.run_
        recorded = {o["output_path"]: o for o in self.outputs}
        intended = {}
        for job in self.jobs:
            template = RULES.get(job["rule"], (None, None, None))[2]
            if template:
                path = Path(job["path"])
                intended[job["id"]] = str(path.parent / template.format(stem=path.stem))
        strays, temps, wrong_content, renamed, missing_outputs = [], [], [], [], []
        for folder in run.folders:
            for dirpath, dirnames, filenames in os.walk(run.root / folder):
                for name in dirnames + filenames:
                    path = str(Path(dirpath) / name)
                    if name in dirnames:
                        strays.append(path + "/")
                        continue
                    if path in run.dropped:
                        continue
                    if path in recorded:
                        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                        if digest != recorded[path]["sha256"]:
                            wrong_content.append(path)
                        continue
                    if name.startswith(".") or name.endswith(".tmp") or "dropbolt" in name:
                        temps.append(path)
                    else:
                        strays.append(path)
        for output in self.outputs:
            if not Path(output["output_path"]).exists():
                missing_outputs.append(output["output_path"])
            want = intended.get(output["job_id"])
            if want and output["output_path"] != want:
                renamed.append((output["output_path"], want))
        for path in run.dropped:
            if not Path(path).exists():
                missing_outputs.append(f"original gone: {path}")
        ok = not strays and not temps and not wrong_content and not renamed and not missing_outputs
        self.report.add("no partial or stray files", ok,
                        f"temp/partial {len(temps)}, unrecorded {len(strays)}, `name-N` or renamed outputs "
                        f"{len(renamed)}, recorded outputs missing or changed {len(missing_outputs) + len(wrong_content)}")
        for path in temps[:20]:
            self.evidence(f"- temp/partial file: {path}")
        for path in strays[:20]:
            self.evidence(f"- unrecorded file: {path}")
        for got, want in renamed[:20]:
            self.evidence(f"- output {got} (expected {want})")
        for path in missing_outputs[:20] + wrong_content[:20]:
            self.evidence(f"- output missing or changed: {path}")
        staging = list((run.root / "staging").iterdir())
        if staging:
            self.evidence(f"- harness: {len(staging)} images never dropped")

    def check_spool(self) -> None:
        spool = self.run_.root / "state" / "spool"
        leftovers, kept, live = [], [], []
        names = sorted(name for name in os.listdir(spool) if (spool / name).is_file()) if spool.exists() else []
        folders = sorted(name for name in os.listdir(spool) if (spool / name).is_dir()) if spool.exists() else []
        for folder in folders:  # e.g. answers kept for the user (unreadable paid results): listed, not judged
            self.evidence(f"spool/{folder}/ holds: " + (", ".join(sorted(os.listdir(spool / folder))[:40]) or "nothing"))
        for name in names:
            match = re.fullmatch(r"job-(\d+)\.(request\.json|result|answer)", name)
            job = self.by_id.get(int(match.group(1))) if match else None
            if job is not None and job["state"] == "attention" and name.endswith((".result", ".answer")):
                # The paid result was safe in the spool, yet the job gave up on it.
                leftovers.append(f"{name} (attention, but its paid result is here)")
            elif job is not None and job["state"] == "attention":
                kept.append(name)
            elif job is not None and job["state"] not in TERMINAL:
                live.append(f"{name} ({job['state']})")
            else:
                state = job["state"] if job else "no such job"
                leftovers.append(f"{name} ({state})")
        self.report.add("spool holds only what live jobs need", not leftovers,
                        f"{len(names)} files: {len(leftovers)} not needed, {len(kept)} of jobs in attention, "
                        f"{len(live)} of jobs not terminal")
        if leftovers:
            self.evidence("spool files no live job needs: " + ", ".join(leftovers[:40])
                          + (f" … (+{len(leftovers) - 40})" if len(leftovers) > 40 else ""))
        if kept:
            self.evidence("spool files kept for jobs in attention: " + ", ".join(kept[:40]))

    def check_violations(self) -> None:
        violations = self.summary.get("violations", [])
        explained, orphans, unexplained = [], [], []
        for text in violations:
            match = re.search(r"reused token (\S{12})…", text)
            job = None
            if match:
                job = next((j for j in self.jobs if (j["credential"] or "").startswith(match.group(1))), None)
            if job is not None and self.allowed_missing(job):
                explained.append((text, job))
            elif job is not None and self.orphaned_request(job):
                orphans.append((text, job))
            else:
                unexplained.append((text, job))
        self.report.add("fake provider: no violations", not unexplained,
                        f"{len(violations)} violations: {len(explained)} the retry of a token consumed around a "
                        f"kill (allowed lost answer), {len(orphans)} the killed daemon's own request losing the race "
                        f"to its successor's retry, {len(unexplained)} unexplained")
        for text, job in orphans[:10]:
            self.evidence(f"- orphaned request (not counted): {text}\n  {self.job_line(job)}")
        for text, job in unexplained[:30]:
            self.evidence(f"- violation: {text}" + (f"\n  {self.job_line(job)}" if job else ""))
        self.report.add("faults injected", None,
                        f"provider 500s {self.summary.get('injected_paid_failures')}, provider 200s "
                        f"{self.summary.get('paid_requests')}, 402s {self.summary.get('challenges_issued')}, wallet "
                        f"answers withheld {len(self.summary.get('wallet_withheld', []))}, SIGKILLs {len(self.run_.kills)}")
        # The provider answered 200 to a paid request at most once per job.
        received = self.summary.get("received", [])
        per_body = collections.Counter(r["body_sha256"] for r in received if r["authorized"] and r["status"] == 200)
        twice = [job for job in self.jobs if per_body.get(job["request_sha256"], 0) > 1]
        self.report.add("provider served each job's paid request once", not twice,
                        f"{len(twice)} jobs served twice")
        for job in twice[:10]:
            self.evidence(f"- served {per_body[job['request_sha256']]} times: {self.job_line(job)}")

    def check_attention(self) -> None:
        attention = [job for job in self.jobs if job["state"] == "attention"]
        failed = [job for job in self.jobs if job["state"] == "failed"]
        column = "reason_code" in self.job_columns
        lost = [job for job in attention if self.allowed_missing(job)]
        kills = sorted({self.lost[job["id"]]["kill"] for job in lost})
        in_flight = sorted({self.lost[job["id"]]["kill"] for job in lost if self.lost[job["id"]]["kill_before_answer"]})
        source = "reason_code column" if column else "no reason_code column: classified from the reason text"
        self.report.add("kills that lost a paid answer (token consumed)", None,
                        f"{len(kills)} of {len(self.run_.kills)} kills ({', '.join(f'#{k}' for k in kills) or 'none'}; "
                        f"{len(in_flight)} of them while the paid request was in flight, the rest after the 200); "
                        f"{len(lost)} jobs `{PAID_ANSWER_LOST}` ({source})")
        bogus = [job for job in attention if self.lost.get(job["id"], {}).get("coded") and job not in lost]
        self.report.add("attention only for lost paid answers", len(attention) == len(lost) and not failed,
                        f"{len(attention)} in attention, {len(lost)} proven lost answers, {len(failed)} failed, "
                        f"{len(bogus)} coded as lost without proof that the provider consumed the token")
        if attention or failed:
            self.evidence(f"attention/failed jobs ({len(attention)}/{len(failed)}):")
        for job in attention + failed:
            info = self.lost.get(job["id"], {})
            if not info.get("consumed"):
                extra = " — the provider never answered its paid request with 200" if job["state"] == "attention" else ""
            elif info.get("kill") is None:
                extra = " — the provider answered its paid request with 200, and no kill explains the loss"
            else:
                extra = (f" — answer lost to kill #{info['kill']} (job was {info['in_flight_state']} at that kill, which "
                         + ("came while the paid request was in flight; the provider consumed the token after the "
                            "daemon died)" if info["kill_before_answer"] else "came after the provider's 200)"))
            if info.get("spooled_result"):
                extra += "; its paid result IS in the spool (job-N.result or .answer) but was not used"
            self.evidence(self.job_line(job) + extra)

    def check_log_problems(self) -> None:
        counts = collections.Counter()
        for daemon in self.run_.daemons:
            for line in daemon.text().splitlines():
                if log_level(line) in ("error", "critical"):
                    counts[short(log_message(line), 200)] += 1
        self.report.add("daemon error/critical log lines", None,
                        f"{sum(counts.values())} lines, {len(counts)} distinct (see evidence)")
        if counts:
            self.evidence("daemon error/critical lines (digits replaced by N), most frequent first:")
            for message, count in counts.most_common(12):
                self.evidence(f"- {count}× {message}")


# --------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="dropbolt chaos run: SIGKILLs, provider 500s, wallet timeouts.")
    parser.add_argument("--quick", action="store_true", help="40 images, 2 rules, 5 kills (make test)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random; printed)")
    parser.add_argument("--images", type=int, default=None, help="images to drop (default 200, quick 40)")
    parser.add_argument("--kills", type=int, default=None, help="SIGKILLs (default 25, quick 5)")
    parser.add_argument("--drop-seconds", type=float, default=None,
                        help="spread the drops over about this long (default 120, quick 25)")
    parser.add_argument("--min-gap", type=float, default=0.5, help="shortest daemon life before a kill (s)")
    parser.add_argument("--max-gap", type=float, default=11.5, help="longest daemon life before a kill (s)")
    parser.add_argument("--restart-pause", type=float, default=0.5, help="longest pause before a restart (s)")
    parser.add_argument("--settle-timeout", type=float, default=None,
                        help="longest wait after the last restart (default 600, quick 120)")
    parser.add_argument("--paid-failure-rate", type=float, default=0.1)
    parser.add_argument("--wallet-timeout-rate", type=float, default=0.05)
    parser.add_argument("--wallet-timeout", type=int, default=5, help="dropbolt's wallet.timeout_seconds")
    parser.add_argument("--wallet-hold-extra", type=float, default=5,
                        help="the proxy holds a withheld answer this much longer than the wallet timeout")
    parser.add_argument("--settle-seconds", type=float, default=1, help="dropbolt's settle_seconds")
    parser.add_argument("--build-dir", default=str(REPO / ".build" / "debug"),
                        help="folder with dropbolt and dropbolt-fakes (default .build/debug)")
    parser.add_argument("--second-daemon-wait", type=float, default=10,
                        help="how long a second daemon on the same state folder may live before it counts as running "
                             "(0: do not probe)")
    parser.add_argument("--recheck", metavar="DIR",
                        help="run the checks again on a kept tree (its chaos-record.json); starts nothing")
    parser.add_argument("--keep", action="store_true", help="keep the temp tree even when everything passed")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    defaults = {"images": (200, 40), "kills": (25, 5), "drop_seconds": (120.0, 25.0), "settle_timeout": (600.0, 120.0)}
    for key, (full, quick) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    if not 0 < args.min_gap <= args.max_gap:
        parser.error("need 0 < --min-gap <= --max-gap")
    return args


class LogOnly:
    """A finished daemon incarnation of a kept tree: only its log (for --recheck)."""

    def __init__(self, path: Path):
        self.log_path = path

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")


def recheck(folder: Path, args: argparse.Namespace) -> int:
    """Runs the checks again on a kept tree, from its chaos-record.json, state and logs (nothing is started)."""
    record = json.loads((folder / "chaos-record.json").read_text())
    for key, value in record["args"].items():
        if key not in ("recheck",):
            setattr(args, key, value)
    run = Run(args, root=folder)
    run.kills = [{**k, "in_flight": {int(j): st for j, st in k["in_flight"].items()}} for k in record["kills"]]
    run.dropped = record.get("dropped") or {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder_name in run.folders for path in (folder / folder_name).iterdir()
        if re.fullmatch(r"(img|photo)-\d{3}\.(png|jpg)", path.name)}
    run.crashes = record.get("crashes", [])
    run.second_daemon = tuple(record.get("second_daemon", (None, "not recorded")))
    run.timings = record.get("timings", {})
    run.daemons = [LogOnly(path) for path in sorted((folder / "logs").glob("daemon-*.log"))]
    report = Checker(run, record.get("settled", True), record.get("why", ""), record.get("clean_stop", True),
                     record.get("stop_status", 0), record["initial_balance_msat"], record["final_balance_msat"],
                     record["wallet_payments"], record["summary"]).run()
    print(report.render(run), flush=True)
    return 0 if report.passed else 1


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.recheck:
        return recheck(Path(args.recheck), args)
    run = Run(args)
    code = 2
    try:
        code = run.execute()
    except HarnessError as error:
        log(f"HARNESS ERROR: {error}")
        print(f"RESULT: ERROR (harness) — {error}\nseed {args.seed}", flush=True)
        code = 2
    finally:
        if run.fakes is not None:
            run.fakes.stop()
        for proc in list(_children):
            stop(proc, grace_s=3)
        kill_stray_lnbits(str(run.root), log)
        if code == 0 and not args.keep:
            shutil.rmtree(run.root, ignore_errors=True)
        else:
            log(f"kept {run.root} (daemon logs in logs/, state in state/)")
    return code


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    sys.exit(main(sys.argv[1:]))
