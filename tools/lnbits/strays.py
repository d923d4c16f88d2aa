"""Find and stop LNbits servers left behind by a run, by the LNBITS_DATA_FOLDER they were started with.

Shared by chaos/chaos.py and bench/harness (standard library only; Linux /proc).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable


def lnbits_processes(data_prefix: str) -> list[int]:
    """Pids of processes whose LNBITS_DATA_FOLDER lies under `data_prefix` (LNbits servers this run started)."""
    pids = []
    needle = f"LNBITS_DATA_FOLDER={data_prefix}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if any(var.startswith(needle) for var in environ.split(b"\0")):
            pids.append(int(entry))
    return pids


def kill_stray_lnbits(data_prefix: str, log: Callable[[str], None] = print) -> list[int]:
    """SIGTERM, then SIGKILL, every LNbits process started under `data_prefix` (5 s for each to end); returns
    those it found."""
    found = lnbits_processes(data_prefix)
    if not found:
        return []
    log(f"stopping stray LNbits processes {found}")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in lnbits_processes(data_prefix):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while lnbits_processes(data_prefix) and time.monotonic() < deadline:
            time.sleep(0.1)
    return found


def end_by_closing_stdin(proc: subprocess.Popen, timeout_s: float) -> bool:
    """Closes `proc`'s standard input (dropbolt-fakes then stops the LNbits and servers it started, and exits) and
    waits up to `timeout_s`; False when it is still running (the caller then signals it)."""
    if proc.poll() is not None:
        return True
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=timeout_s)
        return True
    except subprocess.TimeoutExpired:
        return False
