#!/usr/bin/env python3
"""Start a throwaway LNbits (FakeWallet) for integration tests and leave it running.

Run with the venv's python (tools/lnbits/install.sh makes it):

    .build-lnbits/venv/bin/python tools/lnbits/start.py --data-dir DIR --port PORT --out FILE.json

DIR must not hold an LNbits database yet (database.sqlite3). On success FILE.json holds
{"url", "pid", "payer": {"id", "user", "adminkey", "inkey"}, "payee": {...}, "admin_token"}
and the server keeps running in its own process group (pid == process group id; stop it with
stop.py). The payer holds 1,000,000 sat. On failure the process group is killed, the last 40 lines
of DIR/lnbits.log are printed and the exit status is 1 (3 when the port was already taken).
Standard library only.
"""

import argparse
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from stop import stop_group  # noqa: E402

FUND_SAT = 1_000_000
EXIT_PORT_IN_USE = 3


class StartError(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(url, method, path, body=None, headers=None, timeout=15.0):
    """One HTTP request; returns (status, parsed JSON or raw text). Never follows redirects."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with OPENER.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def expect(what, status, body, want=(200, 201)):
    if status not in want:
        raise StartError(f"{what}: HTTP {status} {body!r}")
    if not isinstance(body, dict):
        raise StartError(f"{what}: not a JSON object: {body!r}")
    return body


def live_children(pid):
    """Non-zombie children of pid, or None when /proc cannot tell."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    alive = []
    for child in children:
        try:
            stat = Path(f"/proc/{child}/stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            alive.append(child)
    return alive


def clean_environment(data_dir):
    # LNbits' pydantic settings read every field from the environment, case-insensitively and
    # without prefix for some (HOST, PORT, DEBUG, SUPER_USER, ...): pass only what it needs.
    keep = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "LNBITS_BACKEND_WALLET_CLASS": "FakeWallet",
            "LNBITS_DATA_FOLDER": data_dir,
            "LNBITS_EXTENSIONS_DEACTIVATE_ALL": "true",
            "LNBITS_EXTENSIONS_DEFAULT_INSTALL": "",
            "LNBITS_ADMIN_UI": "true",
            "LNBITS_ALLOW_NEW_ACCOUNTS": "true",
            "LNBITS_RESERVE_FEE_MIN": "0",
            "LNBITS_RESERVE_FEE_PERCENT": "0",
            # Default is 200 requests/minute per IP: tests would hit 429.
            "LNBITS_RATE_LIMIT_NO": "1000000",
            # No fiat rates: with no network, each lookup builds six TLS contexts and fails (about 0.4 s of
            # CPU per invoice, measured with py-spy), which made every payment in the tests cost half a second.
            "LNBITS_EXCHANGE_RATE_PROVIDERS": "[]",
            # Nor the price aggregator (price.lnbits.com, on by default since 1.x): every invoice and payment
            # built an HTTPS client for it and failed, 42% of LNbits' CPU per paid job (py-spy, bench row d).
            "LNBITS_PRICE_AGGREGATOR_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start(args):
    data_dir = os.path.abspath(args.data_dir)
    os.makedirs(data_dir, exist_ok=True)
    if os.path.exists(os.path.join(data_dir, "database.sqlite3")):
        raise StartError(f"{data_dir} already holds an LNbits database (LNbits must start fresh)")

    lnbits = Path(sys.executable).parent / "lnbits"
    spec = importlib.util.find_spec("lnbits")
    if not lnbits.exists() or spec is None or spec.origin is None:
        raise StartError(f"lnbits is not installed for {sys.executable}; run tools/lnbits/install.sh")
    # LNbits mounts ./lnbits/static and ./lnbits/templates relative to the working directory, so
    # it must run from the folder that holds the package (site-packages; it has no .env).
    site_packages = str(Path(spec.origin).parent.parent)

    url = f"http://127.0.0.1:{args.port}"
    log_path = os.path.join(data_dir, "lnbits.log")
    log = open(log_path, "ab")
    server = None
    try:
        server = subprocess.Popen(
            [str(lnbits), "--host", "127.0.0.1", "--port", str(args.port)],
            cwd=site_packages,
            env=clean_environment(data_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        # `lnbits` forks the uvicorn worker and keeps running even when the worker dies, so
        # watch the worker too. Before first_install every route answers 307 → /first_install.
        deadline = time.monotonic() + args.timeout
        seen_worker = False
        while True:
            if server.poll() is not None:
                raise StartError(f"lnbits exited with status {server.returncode}")
            children = live_children(server.pid)
            if children:
                seen_worker = True
            elif seen_worker and children is not None:
                raise StartError("the LNbits worker process exited")
            try:
                status, _ = call(url, "GET", "/api/v1/health", timeout=2)
                if status in (200, 307):
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise StartError(f"no answer on {url}/api/v1/health after {args.timeout:.0f} s")
            time.sleep(0.1)

        password = secrets.token_hex(16)
        status, body = call(
            url,
            "PUT",
            "/api/v1/auth/first_install",
            {"username": "admin", "password": password, "password_repeat": password},
        )
        token = expect("first_install", status, body).get("access_token")
        if not token:
            raise StartError(f"first_install: no access_token in {body!r}")

        accounts = {}
        for name in ("payer", "payee"):
            status, body = call(url, "POST", "/api/v1/account", {"name": name})
            wallet = expect(f"create account {name}", status, body)
            accounts[name] = {key: wallet[key] for key in ("id", "user", "adminkey", "inkey")}

        status, body = call(
            url,
            "PUT",
            "/users/api/v1/balance",
            {"id": accounts["payer"]["id"], "amount": FUND_SAT},
            headers={"Authorization": f"Bearer {token}"},
        )
        if not expect("fund payer", status, body).get("success"):
            raise StartError(f"fund payer: {body!r}")

        status, body = call(url, "GET", "/api/v1/wallet", headers={"X-Api-Key": accounts["payer"]["inkey"]})
        balance = expect("payer balance", status, body).get("balance")
        if balance != FUND_SAT * 1000:
            raise StartError(f"payer balance is {balance!r} msat, expected {FUND_SAT * 1000}")

        result = {"url": url, "pid": server.pid, **accounts, "admin_token": token}
        temporary = args.out + ".tmp"
        with open(temporary, "w") as file:
            json.dump(result, file, indent=2)
        os.replace(temporary, args.out)
        return server.pid
    except BaseException:
        if server is not None:
            stop_group(server.pid)
        raise


def tail(path, lines=40):
    try:
        with open(path, "rb") as file:
            return b"".join(file.readlines()[-lines:]).decode("utf-8", "replace")
    except OSError as error:
        return f"(no log: {error})\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for health")
    args = parser.parse_args()
    began = time.monotonic()
    # A parent may hand us a blocked signal mask (Foundation's Process on Linux passes on the mask
    # of the Swift thread that spawned it, with SIGTERM blocked); the server inherits it and would
    # then ignore SIGTERM. Start it with nothing blocked.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    try:
        pid = start(args)
    except (StartError, OSError, KeyError) as error:
        log_path = os.path.join(os.path.abspath(args.data_dir), "lnbits.log")
        log_tail = tail(log_path)
        sys.stderr.write(f"lnbits start failed: {error}\n--- last 40 lines of {log_path}\n{log_tail}")
        sys.exit(EXIT_PORT_IN_USE if "[Errno 98]" in log_tail else 1)
    print(f"lnbits up on http://127.0.0.1:{args.port} (pid {pid}) in {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    main()
