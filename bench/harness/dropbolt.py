"""The daemon under test: its temp trees and config files, `dropbolt run` with its log read line by line, and
`dropbolt status --json`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

from .processes import SHORT_COMMAND_TIMEOUT_S, HarnessError, LineStream, log, run_command, spawn, stop

DAEMON_READY_TIMEOUT_S = 60.0
ONCE_TIMEOUT_S = 300.0

# Every quote-only daemon of the benchmark (port 9 of loopback has no listener: never contacted by those rows).
CONFIG_YAML = """\
rules: rules
state: state
settle_seconds: 0
rescan_minutes: 0
provider:
  url: http://127.0.0.1:9
"""

RULE_YAML = """\
watch: inbox
action: analyze
output: "{stem}.txt"
"""

PNG_SIGNATURE = bytes.fromhex("89504E470D0A1A0A")


def log_fields(line: str) -> dict[str, str]:
    """The `key=value` metadata of one dropbolt log line (swift-log's stream format)."""
    return dict(re.findall(r"(\S+?)=(\S+)", line))


def png_like(size: int) -> bytes:
    """The PNG signature and random bytes: `size` bytes the fake provider accepts as an image."""
    return PNG_SIGNATURE + os.urandom(size - len(PNG_SIGNATURE))


class Daemon:
    """`dropbolt run` on a temp tree, with its stderr read line by line."""

    def __init__(self, binary: Path, config: Path, queue_only: bool = True):
        # --queue-only: watching and queueing alone (detection); the other rows run the whole daemon.
        argv = [str(binary), "run", *(["--queue-only"] if queue_only else []), "--config", str(config),
                "--log-level", "info"]
        self.proc = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = LineStream(self.proc.stderr, "dropbolt")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout_s: float = DAEMON_READY_TIMEOUT_S) -> dict[str, str]:
        """Waits for the start-up scan (every folder watched); returns its metadata."""
        try:
            hit = self.log.wait_for(lambda line: "reconcile scan finished" in line, timeout_s)
        except HarnessError as error:
            raise HarnessError(f"dropbolt exited with status {self.proc.wait(timeout=5)} before its start-up scan "
                               f"finished ({error})")
        if hit is None:
            raise HarnessError(f"dropbolt did not finish its start-up scan within {timeout_s:.0f} s; last "
                               "lines:\n  " + "\n  ".join(self.log.tail))
        return log_fields(hit[1])

    def check_alive(self, what: str) -> None:
        if self.proc.poll() is not None:
            raise HarnessError(f"dropbolt exited {what}; last lines:\n  " + "\n  ".join(self.log.tail))

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc) -> None:
        code = stop(self.proc)
        if code not in (0, None) and exc[0] is None:
            log(f"note: dropbolt exited with status {code} on SIGTERM")


def make_daemon_tree(root: Path, config_yaml: str = CONFIG_YAML) -> Path:
    """Config, rules and inbox folders for one daemon; the rule file is written separately (its mtime matters)."""
    (root / "inbox").mkdir(parents=True, exist_ok=True)
    (root / "rules").mkdir(exist_ok=True)
    config = root / "dropbolt.yaml"
    config.write_text(config_yaml)
    return config


def write_rule(root: Path, watch: str = "inbox", extra: str = "") -> None:
    (root / "rules" / "bench.yaml").write_text(RULE_YAML.replace("watch: inbox", f"watch: {watch}{extra}"))


def write_key_file(path: Path, key: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return path


def dropbolt_status(binary: Path, config: Path) -> dict:
    result = run_command([str(binary), "status", "--json", "--config", str(config)], SHORT_COMMAND_TIMEOUT_S)
    if result.returncode != 0:
        raise HarnessError(f"dropbolt status failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise HarnessError(f"dropbolt status --json is not JSON ({error}): {result.stdout[:300]!r}")


def run_once(binary: Path, config: Path) -> subprocess.CompletedProcess:
    """`dropbolt run --once` (reconcile, queue what is new, exit); raises when it fails."""
    result = run_command([str(binary), "run", "--once", "--config", str(config), "--log-level", "warning"],
                         ONCE_TIMEOUT_S)
    if result.returncode != 0:
        raise HarnessError(f"run --once failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result


def wait_lines(daemon: Daemon, needle: str, count: int, stall_s: float, total_s: float,
               label: str) -> tuple[int | None, int, list[str]]:
    """Waits for `count` log lines containing `needle`; returns the arrival time (ns) of the last one (None when
    they did not all come in time), how many came, and the warning/error lines seen meanwhile."""
    seen, problems, last = 0, [], None
    deadline = time.monotonic() + total_s
    while seen < count:
        remaining = min(stall_s, deadline - time.monotonic())
        if remaining <= 0:
            return None, seen, problems
        hit = daemon.log.wait_for(
            lambda line: needle in line or re.search(r"\s(warning|error|critical)\s", line) is not None, remaining)
        if hit is None:
            log(f"no '{needle}' line for {remaining:.0f} s ({seen}/{count} {label}); last lines:\n  "
                + "\n  ".join(list(daemon.log.tail)[-8:]))
            return None, seen, problems
        if needle in hit[1]:
            seen, last = seen + 1, hit[0]
        else:
            problems.append(hit[1])
    return last, seen, problems


def check_jobs(binary: Path, config: Path, expected: int) -> tuple[dict, str | None]:
    """`dropbolt status --json` after the daemon stopped: jobs.done == expected, no failed and no attention."""
    jobs = dropbolt_status(binary, config).get("jobs", {})
    done, failed, attention = jobs.get("done", 0), jobs.get("failed", 0), jobs.get("attention", 0)
    if done != expected or failed or attention:
        return jobs, f"jobs.done={done} (expected {expected}), jobs.failed={failed}, jobs.attention={attention}"
    return jobs, None


def folder_bytes(folder: Path) -> int:
    """The sizes (st_size) of every file under `folder` added up."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
