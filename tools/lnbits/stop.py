#!/usr/bin/env python3
"""Stop an LNbits started by start.py: SIGTERM to its process group, SIGKILL after 5 s.

    python3 tools/lnbits/stop.py --pid PID
    python3 tools/lnbits/stop.py --out FILE.json   # the file start.py wrote

Any python3 works (standard library only). Exit 0 also when it was already gone.
"""

import argparse
import json
import os
import signal
import sys
import time


def live_members(pgid):
    """Pids in process group pgid that are not zombies (Linux /proc)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields: state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry))
    return alive


def stop_group(pgid, grace=5.0):
    """SIGTERM the group, wait up to `grace` seconds, then SIGKILL. Returns True if it had to kill."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not live_members(pgid):
            return False
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--pid", type=int, help="process group id (the pid start.py reported)")
    group.add_argument("--out", help="the JSON file start.py wrote")
    args = parser.parse_args()
    pid = args.pid
    if pid is None:
        with open(args.out) as file:
            pid = int(json.load(file)["pid"])
    if pid <= 1:
        sys.exit(f"refusing to signal process group {pid}")
    killed = stop_group(pid)
    print(f"lnbits process group {pid} {'killed' if killed else 'stopped'}")


if __name__ == "__main__":
    main()
