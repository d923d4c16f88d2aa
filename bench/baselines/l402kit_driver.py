#!/usr/bin/env python3
"""The l402kit baseline of row (d): the same analyze-image jobs dropbolt does, through l402kit's `L402Client`.

Runs in the bench venv (tools/bench-venv.sh: l402kit 1.10.1 and httpx), not in the harness. For each image file:
read it, POST `{"image": "data:image/png;base64,…"}` to the provider's /api/l402/analyze-image (the body dropbolt
sends for an analyze rule without a prompt); L402Client gets the 402, pays the invoice through the wallet adapter
below (LNbits' REST API, as dropbolt's `lnbits` wallet does) and sends the request again with
`Authorization: L402 <macaroon>:<preimage>`; the answer's `content` is written to `<stem>.txt` beside the image.

    l402kit_driver.py --provider URL (--lnbits URL | --phoenixd URL) --key-file FILE [--workers N] IMAGE...

`--phoenixd` pays through phoenixd's API instead (the key file holds its password), for the comparison with a
wallet that is not the bottleneck.

`--workers 1` (default) is one client doing the jobs one after another, as its synchronous API is used in its
documentation; `--workers N` runs N threads with a client each. Prints one JSON line: jobs, ok, errors, wall
seconds and CPU seconds (user + system of this process, all threads) of the job loop alone, and the CPU spent
before it (interpreter start, imports, clients).
"""

from __future__ import annotations

import argparse
import base64
import json
import queue
import resource
import sys
import threading
import time
from pathlib import Path

import httpx
from l402kit import L402Client, L402Wallet


class LNbitsWallet(L402Wallet):
    """Pays through LNbits: POST /api/v1/payments {"out": true, "bolt11": …} with the admin key (X-Api-Key)."""

    def __init__(self, url: str, admin_key: str):
        self._http = httpx.Client(base_url=url, headers={"X-Api-Key": admin_key}, timeout=60.0)

    def pay_invoice(self, bolt11: str) -> str:
        response = self._http.post("/api/v1/payments", json={"out": True, "bolt11": bolt11})
        response.raise_for_status()
        payment = response.json()
        if payment.get("status") != "success" or not payment.get("preimage"):
            raise RuntimeError(f"LNbits did not settle the payment: {str(payment)[:200]}")
        return payment["preimage"]

    def close(self) -> None:
        self._http.close()


class PhoenixdWallet(L402Wallet):
    """Pays through phoenixd: POST /payinvoice, form-encoded `invoice=…`, HTTP basic auth with the password."""

    def __init__(self, url: str, password: str):
        self._http = httpx.Client(base_url=url, auth=("", password), timeout=60.0)

    def pay_invoice(self, bolt11: str) -> str:
        response = self._http.post("/payinvoice", data={"invoice": bolt11})
        response.raise_for_status()
        payment = response.json()
        if not payment.get("paymentPreimage"):
            raise RuntimeError(f"phoenixd did not pay: {str(payment)[:200]}")
        return payment["paymentPreimage"]

    def close(self) -> None:
        self._http.close()


def analyze(client: L402Client, url: str, image: Path) -> str | None:
    """One job; returns None when the caption was written, else what went wrong."""
    body = {"image": "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()}
    # L402Client caches the last token per URL and sends it first on the next request; the provider's tokens are
    # single-use, so that would be refused (401, which the client hands back as the answer). Start every job
    # without a cached token.
    client._token_store.clear()
    response = client.post(url, json=body)
    if response.status_code != 200:
        return f"{image.name}: HTTP {response.status_code}: {response.text[:200]}"
    image.with_suffix(".txt").write_text(response.json()["content"])
    return None


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provider", required=True)
    wallet = parser.add_mutually_exclusive_group(required=True)
    wallet.add_argument("--lnbits")
    wallet.add_argument("--phoenixd")
    parser.add_argument("--key-file", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("images", nargs="+", type=Path)
    args = parser.parse_args()
    key = args.key_file.read_text().strip()
    url = args.provider.rstrip("/") + "/api/l402/analyze-image"
    def make_wallet() -> L402Wallet:
        return LNbitsWallet(args.lnbits, key) if args.lnbits else PhoenixdWallet(args.phoenixd, key)

    clients = [L402Client(wallet=make_wallet(), timeout=120.0) for _ in range(args.workers)]
    work: queue.Queue[Path] = queue.Queue()
    for image in args.images:
        work.put(image)
    errors: list[str] = []

    def worker(client: L402Client) -> None:
        while True:
            try:
                image = work.get_nowait()
            except queue.Empty:
                return
            try:
                problem = analyze(client, url, image)
            except Exception as error:  # keep going; the harness counts the outputs
                problem = f"{image.name}: {type(error).__name__}: {error}"
            if problem:
                errors.append(problem)

    setup_cpu = cpu_seconds()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    if args.workers == 1:
        worker(clients[0])
    else:
        threads = [threading.Thread(target=worker, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    for client in clients:
        client.wallet.close()
        client.close()
    print(json.dumps({"jobs": len(args.images), "ok": len(args.images) - len(errors), "errors": errors[:5],
                      "wall_s": wall, "cpu_s": cpu, "setup_cpu_s": setup_cpu}), flush=True)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
