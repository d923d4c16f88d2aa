#!/usr/bin/env python3
"""A real Nostr relay (PyPI nostr-relay, from .build-nwc/venv) on 127.0.0.1 for the NWC tests.

    relay = Relay(work_dir)          # throwaway config + SQLite database in work_dir
    relay.start()                    # free port; returns when a REQ gets its EOSE
    relay.restart()                  # SIGKILL, then the same port again (the database survives)
    relay.stop()

The relay runs with uvicorn in one process (no gunicorn workers), in the caller's process group, and
gets SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG), so it never outlives the harness:
start and restart it from the main thread. Run directly, it serves until Ctrl-C and prints its URL.
"""

import asyncio
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import websockets

VENV_BIN = Path(__file__).resolve().parents[2] / ".build-nwc" / "venv" / "bin"
PR_SET_PDEATHSIG = 1
# Only signature checks: the tests' events are small and fresh, and the NIP-05/size/age validators of the
# default config would only add ways to fail that have nothing to do with NWC.
CONFIG = """\
DEBUG: false
relay_name: dropbolt test relay
relay_description: throwaway relay for the NWC tests
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{db}
  num_concurrent_reqs: 10
  num_concurrent_adds: 2
  validators:
    - nostr_relay.validators.is_signed
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
authentication:
  enabled: false
verification:
  nip05_verification: disabled
message_timeout: 1800
subscription_limit: 64
max_limit: 6000
"""


class RelayError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


async def answers(url, timeout=1.0):
    """True when the relay at url accepts a websocket and answers a REQ with EOSE."""
    try:
        async with websockets.connect(url, open_timeout=timeout, close_timeout=0.2) as ws:
            await ws.send(json.dumps(["REQ", "ping", {"kinds": [0], "limit": 0}]))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                if message[:2] == ["EOSE", "ping"]:
                    return True
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException, ValueError):
        return False


class Relay:
    def __init__(self, work_dir, port=None):
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.config_path = self.work_dir / "relay.yaml"
        self.log_path = self.work_dir / "relay.log"
        self.process = None
        self.config_path.write_text(CONFIG.format(db=self.work_dir / "relay.sqlite3", port=self.port))

    def _spawn(self):
        relay = VENV_BIN / "nostr-relay"
        if not relay.exists():
            raise RelayError(f"{relay} is missing: run tools/nwc/install.sh")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(relay), "-c", str(self.config_path), "serve", "--use-uvicorn"],
                cwd=self.work_dir,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    async def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RelayError(f"nostr-relay exited with status {self.process.returncode}; log:\n{self.tail()}")
            if await answers(self.url):
                return
            if time.monotonic() > deadline:
                raise RelayError(f"nostr-relay did not answer on {self.url} within {timeout:.0f} s; log:\n{self.tail()}")
            await asyncio.sleep(0.05)

    async def start(self, timeout=30.0):
        self._spawn()
        await self.wait_ready(timeout)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    async def restart(self, timeout=30.0):
        """Kill the relay (every connection drops at once) and start it again on the same port."""
        self.kill()
        self._spawn()
        await self.wait_ready(timeout)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines=30):
        try:
            return b"".join(self.log_path.read_bytes().splitlines(keepends=True)[-lines:]).decode("utf-8", "replace")
        except OSError as error:
            return f"(no log: {error})"


async def _main():
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dropbolt-relay-") as work:
        relay = Relay(work)
        try:
            began = time.monotonic()
            await relay.start()
            print(f"{relay.url} (ready in {time.monotonic() - began:.2f} s; Ctrl-C stops it)", flush=True)
            while relay.process.poll() is None:
                await asyncio.sleep(0.5)
        finally:
            relay.stop()


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        pass
