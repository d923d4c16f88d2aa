#!/usr/bin/env python3
"""Relay + NIP-47 wallet service in front of a test LNbits, for the Swift NWC tests (see README.md).

    python3 tools/nwc/harness.py --lnbits-url URL --admin-key-file PATH [--network regtest]
                                 [--drop-on pay_invoice] [--alias NAME] [--ignore-stdin]

Prints exactly one JSON line on stdout when ready:
    {"relay": "ws://127.0.0.1:PORT", "uri": "nostr+walletconnect://…", "pid": PID}
then runs until stdin reaches EOF or SIGTERM/SIGINT. Exit status 0 after a clean stop, 1 when it could not
start (reason on stderr, nothing on stdout). One line per handled request goes to stderr.
"""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    import reexec

    reexec.in_nwc_venv()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

sys.path.insert(0, str(HERE))
import nostr_sdk as nostr  # noqa: E402
import websockets  # noqa: E402
from relay import Relay, RelayError  # noqa: E402
from wallet_service import KIND_INFO, LNbits, NwcError, WalletService, log  # noqa: E402

READY_TIMEOUT = 30.0


async def info_on_relay(url, service_pubkey, timeout=1.0):
    """True when a REQ for the service's kind 13194 returns it (stored, not just accepted)."""
    try:
        async with websockets.connect(url, open_timeout=timeout, close_timeout=0.2) as ws:
            await ws.send(json.dumps(["REQ", "info", {"kinds": [KIND_INFO], "authors": [service_pubkey]}]))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                if message[:2] == ["EVENT", "info"]:
                    return True
                if message[:2] == ["EOSE", "info"]:
                    return False
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException, ValueError):
        return False


def connection_uri(service_pubkey, relay_url, client_secret):
    relay = urllib.parse.quote(relay_url, safe="")
    return f"nostr+walletconnect://{service_pubkey}?relay={relay}&secret={client_secret}"


class Harness:
    def __init__(self, args, admin_key):
        self.args = args
        self.admin_key = admin_key
        self.stop_requested = asyncio.Event()
        self.dropped = False
        self.restarting = False
        self.relay = None
        self.service = None
        self.work_dir = None

    async def fault(self, method, request_id):
        """--drop-on: the first request of that method was executed; restart the relay instead of answering."""
        if self.args.drop_on != method or self.dropped:
            return False
        self.dropped = True
        self.restarting = True
        try:
            began = time.monotonic()
            log(f"drop-on {method}: killing the relay before the response to id={request_id[:16]}")
            self.service.ready.clear()
            await self.relay.restart()
            back = time.monotonic() - began
            await self.service.wait_ready(READY_TIMEOUT)
            log(f"drop-on {method}: relay back on {self.relay.url} after {back:.2f} s, "
                f"service subscribed again after {time.monotonic() - began:.2f} s")
        finally:
            self.restarting = False
        return True

    async def watch_relay(self):
        """A relay that died by itself (not our restart) comes back on the same port."""
        while not self.stop_requested.is_set():
            await asyncio.sleep(0.5)
            if self.stop_requested.is_set():  # a SIGTERM to our group reaches the relay too: no restart then
                return
            if not self.restarting and self.relay.process.poll() is not None:
                log(f"relay exited by itself (status {self.relay.process.returncode}); restarting it")
                self.restarting = True
                try:
                    await self.relay.restart()
                except RelayError as error:
                    log(f"relay restart failed: {error}")
                    self.stop_requested.set()
                finally:
                    self.restarting = False

    async def start(self):
        # Fail fast on a wrong URL or key rather than answer every request with INTERNAL.
        lnbits = LNbits(self.args.lnbits_url, self.admin_key)
        try:
            await lnbits.call_checked("GET", "/api/v1/wallet")
        except NwcError as error:
            raise RelayError(f"LNbits at {self.args.lnbits_url} does not accept the admin key: {error.message}") from None
        self.work_dir = tempfile.mkdtemp(prefix="dropbolt-nwc-")
        self.relay = Relay(self.work_dir)
        await self.relay.start(READY_TIMEOUT)

        service_keys = nostr.Keys.generate()
        client_keys = nostr.Keys.generate()
        service_pubkey = service_keys.public_key().to_hex()
        self.service = WalletService(
            self.relay.url, service_keys, client_keys.public_key().to_hex(), lnbits,
            network=self.args.network, alias=self.args.alias,
        )
        self.service.fault = self.fault
        self.service_task = asyncio.create_task(self.service.run())
        await self.service.wait_ready(READY_TIMEOUT)
        deadline = time.monotonic() + READY_TIMEOUT
        while not await info_on_relay(self.relay.url, service_pubkey):
            if time.monotonic() > deadline:
                raise RelayError("the info event is not on the relay")
            await asyncio.sleep(0.05)
        log(f"ready: relay {self.relay.url}, service {service_pubkey}, network {self.args.network}"
            + (f", drop-on {self.args.drop_on}" if self.args.drop_on else ""))
        return {
            "relay": self.relay.url,
            "uri": connection_uri(service_pubkey, self.relay.url, client_keys.secret_key().to_hex()),
            "pid": os.getpid(),
        }

    async def close(self):
        if self.service is not None:
            await self.service.stop()
            self.service_task.cancel()
            await asyncio.gather(self.service_task, return_exceptions=True)
        if self.relay is not None and self.relay.process is not None:
            self.relay.stop()
        if self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)


def watch_stdin(loop, event):
    """Set event at stdin EOF when stdin is a pipe, socket or terminal. A reader callback, not a thread: a
    daemon thread blocked in a read of stdin makes the interpreter abort at exit. /dev/null or a regular
    file would be at EOF at once: then only SIGTERM (or the parent's death) stops the harness."""
    fd = sys.stdin.fileno()
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)):
        log("stdin is not a pipe: running until SIGTERM")
        return

    def readable():
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            log("stdin reached EOF")
            event.set()

    loop.add_reader(fd, readable)


async def watch_parent(event):
    """Stop when the process that started us is gone (we were re-parented), so a crashed test leaves nothing."""
    parent = os.getppid()
    while not event.is_set():
        await asyncio.sleep(0.5)
        if os.getppid() != parent:
            log("the parent process is gone")
            event.set()


async def main(args, admin_key):
    loop = asyncio.get_running_loop()
    harness = Harness(args, admin_key)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, harness.stop_requested.set)
    try:
        try:
            ready = await harness.start()
        except (RelayError, asyncio.TimeoutError, OSError) as error:
            log(f"could not start: {error or type(error).__name__}")
            return 1
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
        if not args.ignore_stdin:
            watch_stdin(loop, harness.stop_requested)
        watchers = [asyncio.create_task(harness.watch_relay()), asyncio.create_task(watch_parent(harness.stop_requested))]
        await harness.stop_requested.wait()
        for watcher in watchers:
            watcher.cancel()
        log(f"stopping ({harness.service.handled} requests handled)")
        return 0
    finally:
        await harness.close()


def become_group_leader():
    """pid == process group id, and the relay (our child) in that group: `kill(-pid, SIGTERM)` reaches both.
    Not when stdin is a terminal (leaving the terminal's foreground group would stop us at the first read)."""
    if os.getpgrp() == os.getpid() or os.isatty(sys.stdin.fileno()):
        return
    try:
        os.setpgid(0, 0)
    except OSError as error:  # a session leader is already its group's leader; anything else: say so
        log(f"cannot become a process group leader: {error}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lnbits-url", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--admin-key-file", required=True, help="file holding the paying wallet's admin key")
    parser.add_argument("--network", default="regtest", help="what get_info reports (default regtest)")
    parser.add_argument("--alias", default="dropbolt-test-lnbits", help="what get_info reports as alias")
    parser.add_argument("--drop-on", choices=["pay_invoice"],
                        help="restart the relay instead of answering the first request of this method")
    parser.add_argument("--ignore-stdin", action="store_true", help="run until SIGTERM only (not until stdin EOF)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    # A parent may hand us a blocked signal mask (Foundation's Process on Linux passes on the mask of the
    # spawning Swift thread, SIGTERM blocked); the relay would inherit it too. Start with nothing blocked.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    become_group_leader()
    try:
        key = Path(arguments.admin_key_file).read_text().strip()
    except OSError as failure:
        print(f"nwc harness: cannot read --admin-key-file: {failure}", file=sys.stderr)
        sys.exit(1)
    if not key:
        print("nwc harness: --admin-key-file is empty", file=sys.stderr)
        sys.exit(1)
    sys.exit(asyncio.run(main(arguments, key)))
