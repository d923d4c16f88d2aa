"""Child processes: every one the harness starts is recorded, runs in its own session (so its whole group can be
signalled by its id), and is ended on the way out, whatever the way out is."""

from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

STOP_TIMEOUT_S = 10.0
SHORT_COMMAND_TIMEOUT_S = 60.0


class HarnessError(Exception):
    """The harness could not take a measurement (as opposed to a measurement that misses its goal)."""


def log(message: str) -> None:
    # Progress goes to stderr so stdout carries only the report.
    print(f"[bench] {message}", file=sys.stderr, flush=True)


_children: list[subprocess.Popen] = []
_stop_first: list = []  # objects with a stop() to call before the plain children (dropbolt-fakes: see Fakes.stop)


def spawn(argv: list[str], **kwargs) -> subprocess.Popen:
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
    _children.append(proc)
    return proc


def forget(proc: subprocess.Popen) -> None:
    """Drops a child that has been reaped elsewhere (e.g. by os.wait4) from the registry."""
    if proc in _children:
        _children.remove(proc)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace_s: float = STOP_TIMEOUT_S) -> int | None:
    """Sends `sig` to the child's process group, then SIGKILL if it is still there after `grace_s`."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log(f"pid {proc.pid} ignored signal {sig} for {grace_s:.0f} s; killing it")
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)
    forget(proc)
    return proc.returncode


def register_stop_first(obj) -> None:
    _stop_first.append(obj)


def unregister_stop_first(obj) -> None:
    if obj in _stop_first:
        _stop_first.remove(obj)


def stop_all_children() -> None:
    for obj in list(_stop_first):
        try:
            obj.stop()
        except Exception as error:  # keep going: the others must still be ended
            log(f"could not stop {obj!r}: {error}")
    for proc in list(_children):
        try:
            stop(proc, grace_s=3)
        except Exception as error:
            log(f"could not stop pid {proc.pid}: {error}")


def run_command(argv: list[str], timeout_s: float, **kwargs) -> subprocess.CompletedProcess:
    """Like subprocess.run, but tracked and killed (whole group) on timeout."""
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop(proc, signal.SIGKILL, grace_s=5)
        raise HarnessError(f"timed out after {timeout_s:.0f} s: {' '.join(argv)}")
    finally:
        if proc.poll() is not None:
            forget(proc)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def wait_rusage(proc: subprocess.Popen, timeout_s: float, what: str):
    """Waits for `proc` with a blocking wait4, so the wall time is exact (polling every 10 ms quantized the short
    runs of row g to 10 ms steps); returns (exit code, rusage of it and every descendant it reaped, wall seconds
    since the call). A timer kills its group on timeout."""
    started = time.monotonic()
    timed_out = threading.Event()

    def expire() -> None:  # only signals: the waiting thread reaps
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout_s, expire)
    timer.daemon = True
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    forget(proc)
    if timed_out.is_set():
        raise HarnessError(f"{what} took more than {timeout_s:.0f} s")
    return proc.returncode, usage, wall


def with_peak_rss(argv: list[str], report: Path) -> list[str]:
    """`argv` under GNU time, which writes the command's peak RSS (kB) to `report`.

    Not wait4's ru_maxrss of our own child: a child forked (or vforked) from this Python process inherits its
    RSS high-water mark through exec, so ru_maxrss is never below the harness's own peak. GNU time forks the command
    from a process of about 1 MB."""
    return ["/usr/bin/time", "-f", "%M", "-o", str(report), *argv]


def read_peak_rss_kb(report: Path) -> int:
    lines = report.read_text().split() if report.is_file() else []
    if not lines or not lines[-1].isdigit():
        raise HarnessError(f"GNU time wrote no peak RSS to {report}: {lines[-5:]}")
    return int(lines[-1])


def run_measured(argv: list[str], timeout_s: float, out_dir: Path, name: str, **kwargs) -> dict:
    """Runs `argv` to its end with stdout/stderr in files; returns exit code, wall time, CPU (wait4), peak RSS
    (GNU time, see with_peak_rss), and the output."""
    out_path, err_path, rss_path = (out_dir / f"{name}.{ext}" for ext in ("stdout", "stderr", "rss"))
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = spawn(with_peak_rss(argv, rss_path), stdout=out, stderr=err, **kwargs)
        code, usage, wall = wait_rusage(proc, timeout_s, " ".join(argv[:3]))
    return {"code": code, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": read_peak_rss_kb(rss_path), "stdout": out_path.read_bytes(),
            "stderr": err_path.read_text(errors="replace")}


class LineStream:
    """Reads a child's pipe on a thread and queues each line with the time it arrived.

    The timestamp is taken in the reader thread right after the line is read, so it does not include the time
    the main thread takes to look at it.
    """

    def __init__(self, pipe, name: str):
        self.name = name
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self._queue: queue.Queue = queue.Queue()
        self._pipe = pipe
        self.closed = False
        threading.Thread(target=self._pump, name=f"read-{name}", daemon=True).start()

    def _pump(self) -> None:
        for raw in iter(self._pipe.readline, b""):
            self._queue.put((time.perf_counter_ns(), raw.decode(errors="replace").rstrip("\n")))
        self._queue.put(None)  # end of stream

    def wait_for(self, predicate, timeout_s: float) -> tuple[int, str] | None:
        """Consumes lines until one satisfies `predicate`; returns (arrival ns, line), or None on timeout.

        Raises HarnessError when the stream ends (the child exited) before such a line.
        """
        deadline = time.monotonic() + timeout_s
        while not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                return None
            if item is None:
                self.closed = True
                break
            self.tail.append(item[1])
            if predicate(item[1]):
                return item
        raise HarnessError(f"{self.name} closed its output; last lines:\n  " + "\n  ".join(self.tail))

    def drain(self) -> list[str]:
        """Every line seen so far that has not been consumed, after the tail (non-blocking)."""
        lines = list(self.tail)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self.closed = True
                break
            lines.append(item[1])
        return lines


def first_line(argv: list[str]) -> str:
    try:
        result = run_command(argv, SHORT_COMMAND_TIMEOUT_S)
        text = (result.stdout or result.stderr).decode(errors="replace").strip()
        return text.splitlines()[0] if text else "?"
    except (OSError, HarnessError) as error:
        return f"unavailable ({error})"


def proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # "VmRSS:     12345 kB"
    raise HarnessError(f"no {key} in /proc/{pid}/status")


def proc_cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name, which is in parentheses and may hold spaces; utime and stime are fields
    # 14 and 15 of the whole line, so 12 and 13 (0-based 11, 12) after ")".
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mapping_rss_kb(pid: int, library: str) -> int:
    """Resident kB of every mapping of a file whose name contains `library` (from /proc/<pid>/smaps)."""
    total, current = 0, ""
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            first = line.split(maxsplit=1)[0]
            if "-" in first and not first.endswith(":"):  # a mapping header: "start-end perms offset dev inode path"
                fields = line.split()
                current = fields[5] if len(fields) > 5 else ""
            elif first == "Rss:" and library in current:
                total += int(line.split()[1])
    return total


def mb_from_kb(kb: float) -> float:
    """kB as the kernel counts them (KiB) to MB (10^6 bytes), the unit of every memory figure of the report."""
    return kb * 1024 / 1e6


def hyperfine(commands: dict[str, str], json_path: Path, runs: int, timeout_s: float = 480.0) -> dict[str, dict]:
    """`hyperfine -N` (no shell in between) over `commands` (name → command line); returns its results by name."""
    argv = ["hyperfine", "-N", "--warmup", "1", "--runs", str(runs), "--style", "basic", "--export-json",
            str(json_path)]
    for name, command in commands.items():
        argv += ["--command-name", name, command]
    result = run_command(argv, timeout_s)
    sys.stderr.write(result.stdout.decode(errors="replace"))
    if result.returncode != 0:
        raise HarnessError(f"hyperfine failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    data = json.loads(json_path.read_text())
    return {entry["command"]: entry for entry in data["results"]}


def hyperfine_detail(name: str, r: dict) -> str:
    return (f"{name}: median {r['median'] * 1000:.1f} ms, mean {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} ms, "
            f"min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, user {r['user'] * 1000:.0f} ms, "
            f"system {r['system'] * 1000:.0f} ms")
