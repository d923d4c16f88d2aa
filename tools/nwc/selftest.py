#!/usr/bin/env python3
"""End-to-end check of tools/nwc against a real LNbits, with nostr-sdk as the NWC client.

    python3 tools/nwc/selftest.py          # needs tools/lnbits/install.sh and tools/nwc/install.sh

Starts LNbits (tools/lnbits/start.py: funded payer, payee), runs harness.py twice (normal, then
--drop-on pay_invoice) and talks NIP-47 to it two ways: nostr-sdk's own NWC client (`Nwc`, an independent
implementation) and hand-built requests (nostr-sdk keys, signing, NIP-44 v2 / NIP-04) over a websocket, for
what `Nwc` does not show (error codes, NIP-04, expiration, the dropped connection). Prints one line per check
and exits 1 on the first failure, 0 when all passed. Cleans up every process it started.
"""

import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    import reexec

    reexec.in_nwc_venv()

import asyncio  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

import nostr_sdk as nostr  # noqa: E402
import websockets  # noqa: E402

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tools" / "lnbits"))
from relay import free_port  # noqa: E402
from stop import stop_group  # noqa: E402
from wallet_service import KIND_REQUEST, KIND_RESPONSE, LNbits  # noqa: E402

LNBITS_PYTHON = REPO / ".build-lnbits" / "venv" / "bin" / "python"
INVOICE_SAT = 100


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


STARTED = time.monotonic()


def ok(what):
    print(f"ok   {time.monotonic() - STARTED:6.2f}s  {what}", flush=True)


class HarnessProcess:
    """harness.py as the Swift tests run it: stdin a pipe (EOF stops it), stdout the ready line."""

    def __init__(self, work, lnbits_url, key_file, *extra):
        self.stderr_path = Path(work) / f"harness-{secrets.token_hex(3)}.log"
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "harness.py"), "--lnbits-url", lnbits_url, "--admin-key-file", key_file, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
        )

    def ready_line(self, timeout=60.0):
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise Failure(f"harness printed nothing within {timeout:.0f} s; stderr:\n{self.log()}")
        line = self.process.stdout.readline()
        if not line:
            raise Failure(f"harness exited ({self.process.wait()}) without a ready line; stderr:\n{self.log()}")
        return json.loads(line)

    def relay_pids(self):
        """The harness's children (the relay)."""
        try:
            return [int(pid) for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]
        except OSError:
            return []

    def log(self):
        self.stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def more_stdout(self):
        """Whatever the harness wrote to stdout after the ready line (must be nothing)."""
        return self.process.stdout.read()

    def kill(self):
        """After a failed check: SIGTERM first (the harness then removes its temp folder), SIGKILL after 5 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stopped_cleanly(harness, how):
    children = harness.relay_pids()
    check(children, "the harness runs its relay as a child process")
    if how == "eof":
        harness.process.stdin.close()
    else:  # as the Swift tests' fallback does: the whole group, relay included
        os.killpg(harness.process.pid, signal.SIGTERM)
    try:
        code = harness.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        raise Failure(f"harness did not stop within 15 s of {how}") from None
    check(code == 0, f"harness exit status after {how} is {code}")
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not any(alive(pid) for pid in children), f"relay processes {children} still alive after {how}")
    extra = harness.more_stdout()
    check(extra == b"", f"harness wrote more than one line to stdout: {extra[:200]!r}")


class ManualClient:
    """NIP-47 requests built by hand with nostr-sdk (keys, NIP-44 v2 / NIP-04, signing) over one websocket."""

    def __init__(self, uri):
        parsed = nostr.NostrWalletConnectUri.parse(uri)
        self.service = parsed.public_key()
        self.keys = nostr.Keys(parsed.secret())
        self.relay = parsed.relays()[0].__str__()
        self.ws = None

    async def connect(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ws = await websockets.connect(self.relay, open_timeout=1, close_timeout=0.2)
                return
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
                if time.monotonic() > deadline:
                    raise Failure(f"cannot connect to {self.relay} within {timeout:.0f} s") from None
                await asyncio.sleep(0.05)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()

    async def _until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError()
            message = json.loads(await asyncio.wait_for(self.ws.recv(), remaining))
            if predicate(message):
                return message

    async def send(self, method, params=None, scheme="nip44_v2", expiration=None):
        """Subscribe to the answer, publish the request (OK from the relay); returns the request id."""
        body = json.dumps({"method": method, "params": params or {}})
        secret = self.keys.secret_key()
        tags = [nostr.Tag.parse(["p", self.service.to_hex()])]
        if scheme in ("nip44_v2", "nip44_untagged"):
            content = nostr.nip44_encrypt(secret, self.service, body, nostr.Nip44Version.V2)
            if scheme == "nip44_v2":
                tags.append(nostr.Tag.parse(["encryption", "nip44_v2"]))
            scheme = "nip44_v2"
        else:
            content = nostr.nip04_encrypt(secret, self.service, body)
        if expiration is not None:
            tags.append(nostr.Tag.parse(["expiration", str(expiration)]))
        event = nostr.EventBuilder(nostr.Kind(KIND_REQUEST), content).tags(tags).sign_with_keys(self.keys)
        request_id = event.id().to_hex()
        self.scheme = scheme
        answer_filter = {"kinds": [KIND_RESPONSE], "#e": [request_id], "authors": [self.service.to_hex()]}
        await self.ws.send(json.dumps(["REQ", request_id[:32], answer_filter]))
        await self._until(lambda m: m[:2] == ["EOSE", request_id[:32]], 10)
        await self.ws.send(json.dumps(["EVENT", json.loads(event.as_json())]))
        accepted = await self._until(lambda m: m[:2] == ["OK", request_id], 10)
        check(accepted[2] is True, f"relay refused the request: {accepted}")
        return request_id

    async def response(self, request_id, timeout=15.0):
        message = await self._until(lambda m: m[:2] == ["EVENT", request_id[:32]], timeout)
        event = nostr.Event.from_json(json.dumps(message[2]))
        check(event.verify(), "response signature verifies")
        tags = {tag.as_vec()[0]: tag.as_vec()[1:] for tag in event.tags().to_vec()}
        check(event.kind().as_u16() == KIND_RESPONSE, "response kind 23195")
        check(tags.get("e") == [request_id], f"response e tag is the request id: {tags.get('e')}")
        check(tags.get("p") == [self.keys.public_key().to_hex()], "response p tag is the client pubkey")
        secret = self.keys.secret_key()
        if self.scheme == "nip44_v2":
            plaintext = nostr.nip44_decrypt(secret, self.service, event.content())
        else:
            check("?iv=" in event.content(), "NIP-04 request answered with NIP-04")
            plaintext = nostr.nip04_decrypt(secret, self.service, event.content())
        return json.loads(plaintext)

    async def call(self, method, params=None, scheme="nip44_v2"):
        return await self.response(await self.send(method, params, scheme))


def start_lnbits(work):
    if not LNBITS_PYTHON.exists():
        raise Failure(f"{LNBITS_PYTHON} is missing: run tools/lnbits/install.sh")
    out = Path(work) / "lnbits.json"
    for _ in range(3):  # a port taken between free_port() and the bind: exit 3, try another
        result = subprocess.run(
            [str(LNBITS_PYTHON), str(REPO / "tools" / "lnbits" / "start.py"), "--data-dir", str(Path(work) / "lnbits"),
             "--port", str(free_port()), "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        if result.returncode != 3:
            break
    if result.returncode != 0:
        raise Failure(f"LNbits did not start:\n{result.stdout}")
    return json.loads(out.read_text())


async def create_invoice(lnbits_info, sat=INVOICE_SAT):
    payee = LNbits(lnbits_info["url"], lnbits_info["payee"]["inkey"])
    status, body = await payee.call("POST", "/api/v1/payments", {"out": False, "amount": sat, "memo": "nwc selftest"})
    check(status == 201 and body.get("bolt11"), f"payee invoice: HTTP {status} {body}")
    return body["bolt11"], body["payment_hash"]


async def lnbits_balance(payer):
    status, body = await payer.call("GET", "/api/v1/wallet")
    check(status == 200, f"LNbits balance: HTTP {status} {body}")
    return body["balance"]


def sha256_hex(preimage):
    return hashlib.sha256(bytes.fromhex(preimage)).hexdigest()


async def normal_run(work, info, key_file):
    payer = LNbits(info["url"], info["payer"]["adminkey"])
    harness = HarnessProcess(work, info["url"], key_file)
    try:
        began = time.monotonic()
        ready = harness.ready_line()
        check(set(ready) == {"relay", "uri", "pid"}, f"ready line keys: {sorted(ready)}")
        check(ready["pid"] == harness.process.pid, "ready line pid is the harness")
        check(os.getpgid(ready["pid"]) == ready["pid"], "the harness leads its own process group")
        check(all(os.getpgid(pid) == ready["pid"] for pid in harness.relay_pids()), "the relay is in the harness's group")
        check(ready["uri"].startswith("nostr+walletconnect://"), "URI scheme")
        ok(f"harness ready in {time.monotonic() - began:.2f} s: relay {ready['relay']}")
        uri = nostr.NostrWalletConnectUri.parse(ready["uri"])
        check(uri.relays()[0].__str__().rstrip("/") == ready["relay"], "URI relay = relay")
        service_pubkey = uri.public_key().to_hex()

        # 1. nostr-sdk's own NWC client.
        nwc = nostr.Nwc.with_opts(uri, nostr.NostrWalletConnectOptions().timeout(timedelta(seconds=15)))
        info_result = await nwc.get_info()
        check(info_result.network == "regtest", f"get_info network {info_result.network}")
        check(info_result.pubkey == service_pubkey, "get_info pubkey is the service's")
        check({str(m).split(".")[-1].lower() for m in info_result.methods}
              >= {"pay_invoice", "lookup_invoice", "get_balance", "get_info"}, f"get_info methods {info_result.methods}")
        ok(f"Nwc.get_info: alias {info_result.alias!r}, network {info_result.network}, {len(info_result.methods)} methods")
        before = await nwc.get_balance()
        check(before == await lnbits_balance(payer) == 1_000_000_000, f"get_balance {before} msat")
        ok(f"Nwc.get_balance: {before} msat (= LNbits)")
        invoice, payment_hash = await create_invoice(info)
        paid = await nwc.pay_invoice(nostr.PayInvoiceRequest(id=None, invoice=invoice, amount=None))
        check(sha256_hex(paid.preimage) == payment_hash, "sha256(preimage) == payment hash")
        check(paid.fees_paid == 0, f"fees_paid {paid.fees_paid}")
        ok(f"Nwc.pay_invoice: preimage {paid.preimage[:16]}…, sha256 = hash, fees_paid 0")
        found = await nwc.lookup_invoice(nostr.LookupInvoiceRequest(payment_hash=payment_hash, invoice=None))
        check(found.state == nostr.TransactionState.SETTLED, f"lookup state {found.state}")
        check(found.preimage == paid.preimage and found.payment_hash == payment_hash, "lookup preimage/hash")
        check(found.amount == INVOICE_SAT * 1000, f"lookup amount {found.amount}")
        check(found.transaction_type == nostr.TransactionType.OUTGOING, f"lookup type {found.transaction_type}")
        check(found.settled_at is not None and found.invoice == invoice, "lookup settled_at and invoice")
        ok("Nwc.lookup_invoice: settled, outgoing, preimage and amount match")
        after = await nwc.get_balance()
        check(after == before - INVOICE_SAT * 1000, f"balance {before} -> {after}")
        ok(f"Nwc.get_balance after paying: {after} msat (−{INVOICE_SAT * 1000})")

        # 2. Hand-built requests.
        client = ManualClient(ready["uri"])
        await client.connect()
        try:
            answer = await client.call("get_info", scheme="nip04")
            check(answer.get("result_type") == "get_info" and answer["result"]["network"] == "regtest", f"{answer}")
            check(sorted(answer["result"]["methods"]) == sorted(["pay_invoice", "lookup_invoice", "get_balance", "get_info"]),
                  f"methods {answer['result']['methods']}")
            ok("NIP-04 get_info answered with NIP-04")
            answer = await client.call("get_balance", scheme="nip04")
            check(answer["result"] == {"balance": after}, f"NIP-04 get_balance {answer}")
            ok("NIP-04 get_balance")
            answer = await client.call("get_balance", scheme="nip44_untagged")
            check(answer["result"] == {"balance": after}, f"untagged NIP-44 get_balance {answer}")
            ok("NIP-44 without an encryption tag: recognised, answered with NIP-44")
            unknown = secrets.token_hex(32)
            answer = await client.call("lookup_invoice", {"payment_hash": unknown})
            check(answer.get("result_type") == "lookup_invoice" and answer.get("error", {}).get("code") == "NOT_FOUND",
                  f"unknown hash: {answer}")
            check(answer.get("result") is None, "NOT_FOUND carries no result")
            ok("lookup_invoice of an unknown hash: NOT_FOUND")
            answer = await client.call("lookup_invoice", {"payment_hash": payment_hash})
            result = answer["result"]
            check(result["state"] == "settled" and result["type"] == "outgoing" and sha256_hex(result["preimage"]) == payment_hash,
                  f"manual lookup {answer}")
            check(isinstance(result["settled_at"], int) and result["fees_paid"] == 0 and result["amount"] == 100_000,
                  f"manual lookup fields {result}")
            ok("NIP-44 lookup_invoice: settled, sha256(preimage) = hash, settled_at, amount 100000")
            answer = await client.call("lookup_invoice", {"invoice": invoice})
            check(answer.get("result", {}).get("payment_hash") == payment_hash, f"lookup by invoice {answer}")
            ok("lookup_invoice by invoice")
            answer = await client.call("pay_invoice", {"invoice": invoice})
            check(answer.get("error", {}).get("code") == "PAYMENT_FAILED", f"second pay: {answer}")
            ok(f"paying the same invoice again: PAYMENT_FAILED ({answer['error']['message']})")
            big, _ = await create_invoice(info, sat=2_000_000)
            answer = await client.call("pay_invoice", {"invoice": big})
            check(answer.get("error", {}).get("code") == "INSUFFICIENT_BALANCE", f"too large: {answer}")
            ok("an invoice above the balance: INSUFFICIENT_BALANCE")
            answer = await client.call("make_invoice", {"amount": 1000})
            check(answer.get("error", {}).get("code") == "NOT_IMPLEMENTED", f"make_invoice: {answer}")
            ok("an unsupported method: NOT_IMPLEMENTED")
            expired = await client.send("get_balance", expiration=int(time.time()) - 1)
            try:
                await client.response(expired, timeout=1.5)
                raise Failure("an expired request was answered")
            except asyncio.TimeoutError:
                pass
            answer = await client.call("get_balance")
            check(answer["result"] == {"balance": after}, "answers again after the expired request")
            ok("an expired request is ignored (no answer in 1.5 s); the next one is answered")
        finally:
            await client.close()
        check(await lnbits_balance(payer) == after, "balance unchanged by the failed payments")
        log = harness.log()
        check(harness.process.pid and "secret" not in log and uri.secret().to_hex() not in log, "stderr never shows the secret")
        check(log.count("nwc: pay_invoice") == 3, f"stderr has a line per pay_invoice:\n{log}")
        stopped_cleanly(harness, "eof")
        ok("stdin EOF: harness exits 0, relay gone, nothing else on stdout")
    finally:
        harness.kill()


async def drop_run(work, info, key_file):
    payer = LNbits(info["url"], info["payer"]["adminkey"])
    harness = HarnessProcess(work, info["url"], key_file, "--drop-on", "pay_invoice", "--network", "signet")
    try:
        ready = harness.ready_line()
        client = ManualClient(ready["uri"])
        await client.connect()
        try:
            answer = await client.call("get_info")
            check(answer["result"]["network"] == "signet", "--network is what get_info says")
            before = (await client.call("get_balance"))["result"]["balance"]
            check(before == await lnbits_balance(payer), "get_balance = LNbits before the drop")
            invoice, payment_hash = await create_invoice(info)
            request_id = await client.send("pay_invoice", {"invoice": invoice})
            began = time.monotonic()
            try:
                answer = await client.response(request_id, timeout=15)
                raise Failure(f"the dropped pay_invoice was answered: {answer}")
            except websockets.ConnectionClosed:
                pass
            except asyncio.TimeoutError:
                raise Failure("the connection did not drop within 15 s of the pay_invoice request") from None
            ok(f"drop-on: connection dropped {time.monotonic() - began:.2f} s after the request, no response")
        finally:
            await client.close()
        began = time.monotonic()
        await client.connect(timeout=10)
        ok(f"drop-on: relay accepts connections again after {time.monotonic() - began:.2f} s")
        try:
            # The response is not re-sent: subscribing to it on the new connection finds nothing.
            stale = {"kinds": [KIND_RESPONSE], "#e": [request_id]}
            await client.ws.send(json.dumps(["REQ", "stale", stale]))
            message = await client._until(lambda m: m[1:2] == ["stale"], 10)
            check(message[0] == "EOSE", f"the dropped response is not on the relay: {message}")
            # The service reconnects by itself (0.1 s polls); its first answer may take a moment.
            answer = None
            attempts = 0
            deadline = time.monotonic() + 10
            while answer is None:
                attempts += 1
                request = await client.send("lookup_invoice", {"payment_hash": payment_hash})
                try:
                    answer = await client.response(request, timeout=1)
                except asyncio.TimeoutError:
                    check(time.monotonic() < deadline, "no answer to lookup_invoice within 10 s of the relay restart")
            result = answer.get("result") or {}
            check(result.get("state") == "settled" and sha256_hex(result["preimage"]) == payment_hash,
                  f"lookup after the drop: {answer}")
            ok(f"drop-on: lookup_invoice afterwards (attempt {attempts}) finds the payment settled, sha256(preimage) = hash")
            after = (await client.call("get_balance"))["result"]["balance"]
            check(after == before - INVOICE_SAT * 1000 == await lnbits_balance(payer),
                  f"balance {before} -> {after}: paid exactly once")
            ok(f"drop-on: balance {before} -> {after} msat, paid exactly once")
            second, second_hash = await create_invoice(info)
            answer = await client.call("pay_invoice", {"invoice": second})
            check(sha256_hex(answer["result"]["preimage"]) == second_hash, f"later pay_invoice answered: {answer}")
            ok("drop-on: a later pay_invoice is answered normally")
        finally:
            await client.close()
        log = harness.log()
        check("response dropped" in log, f"stderr tells the dropped response:\n{log}")
        check(log.count("nwc: pay_invoice") == 2, f"the dropped request was executed once, not again:\n{log}")
        check("already handled" in log, f"the relay delivered the stored request again and it was ignored:\n{log}")
        stopped_cleanly(harness, "SIGTERM")
        ok("SIGTERM to its process group: harness exits 0, relay gone")
    finally:
        harness.kill()


async def selftest():
    work = tempfile.mkdtemp(prefix="dropbolt-nwc-selftest-")
    info = None
    try:
        began = time.monotonic()
        info = start_lnbits(work)
        ok(f"LNbits up at {info['url']} in {time.monotonic() - began:.2f} s")
        key_file = Path(work) / "admin.key"
        key_file.write_text(info["payer"]["adminkey"] + "\n")
        key_file.chmod(0o600)
        await normal_run(work, info, str(key_file))
        await drop_run(work, info, str(key_file))
    finally:
        if info is not None:
            stop_group(info["pid"])
        shutil.rmtree(work, ignore_errors=True)


def main():
    try:
        asyncio.run(selftest())
    except Failure as failure:
        print(f"FAIL {time.monotonic() - STARTED:6.2f}s  {failure}", flush=True)
        return 1
    print(f"nwc selftest: all checks passed in {time.monotonic() - STARTED:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
