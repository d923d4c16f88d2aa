#!/usr/bin/env python3
"""An NIP-47 (Nostr Wallet Connect) wallet service in front of the test LNbits.

Keys, event building and signing, NIP-44 v2 and NIP-04 come from nostr-sdk (rust-nostr's Python bindings);
the relay connection is a plain websocket (so reconnecting after a relay restart is ours to time). Used by
harness.py in its own event loop:

    service = WalletService(relay_url, service_keys, client_pubkey, lnbits)
    task = asyncio.create_task(service.run())   # connects, subscribes, publishes the info event, answers
    await service.wait_ready(timeout)           # subscribed (EOSE) and the info event accepted (OK true)

`service.fault` may be an async callable (method, request_id) -> bool, called after a request has been
executed and before its response is published; True means "do not publish the response".
"""

import asyncio
import json
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import nostr_sdk as nostr
import websockets

KIND_INFO = 13194
KIND_REQUEST = 23194
KIND_RESPONSE = 23195
METHODS = ["pay_invoice", "lookup_invoice", "get_balance", "get_info"]
SUBSCRIPTION = "nwc-requests"


def log(message):
    print(f"nwc: {message}", file=sys.stderr, flush=True)


class NwcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class LNbits:
    """The few LNbits calls the service needs, with the paying wallet's admin key."""

    def __init__(self, url, admin_key, timeout=30.0):
        self.url = url.rstrip("/")
        self.admin_key = admin_key
        self.timeout = timeout

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("X-Api-Key", self.admin_key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise NwcError("INTERNAL", f"LNbits unreachable: {error}") from None
        try:
            return status, json.loads(raw.decode("utf-8", "replace") or "null")
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    async def call(self, method, path, body=None):
        return await asyncio.to_thread(self._call, method, path, body)

    async def call_checked(self, method, path, body=None):
        """The JSON object of a 200/201 answer, else NwcError INTERNAL."""
        status, answer = await self.call(method, path, body)
        if status not in (200, 201) or not isinstance(answer, dict):
            raise NwcError("INTERNAL", f"LNbits HTTP {status}: {detail(answer)}")
        return answer


def detail(body):
    return body.get("detail") if isinstance(body, dict) else body


def unix(value):
    """LNbits timestamps ("2026-11-23T19:15:11", "…+00:00", or seconds) → unix seconds, or None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


STATES = {"success": "settled", "pending": "pending", "failed": "failed"}


class Handlers:
    """The NIP-47 methods, each returning a result dict or raising NwcError."""

    def __init__(self, lnbits, service_pubkey, network, alias):
        self.lnbits = lnbits
        self.service_pubkey = service_pubkey
        self.network = network
        self.alias = alias

    async def pay_invoice(self, params):
        invoice = params.get("invoice")
        if not isinstance(invoice, str) or not invoice:
            raise NwcError("OTHER", "params.invoice is required")
        status, body = await self.lnbits.call("POST", "/api/v1/payments", {"out": True, "bolt11": invoice})
        if status in (200, 201) and isinstance(body, dict):
            if body.get("status") == "success" and body.get("preimage"):
                return {"preimage": body["preimage"], "fees_paid": abs(int(body.get("fee") or 0))}
            # Not settled at once (never seen with FakeWallet's internal payments): wait for it, bounded.
            payment_hash = body.get("payment_hash")
            deadline = time.monotonic() + 30
            while payment_hash and time.monotonic() < deadline:
                transaction = await self.lookup_invoice({"payment_hash": payment_hash})
                if transaction["state"] == "settled" and transaction.get("preimage"):
                    return {"preimage": transaction["preimage"], "fees_paid": transaction["fees_paid"]}
                if transaction["state"] == "failed":
                    raise NwcError("PAYMENT_FAILED", "the payment failed")
                await asyncio.sleep(0.2)
            raise NwcError("INTERNAL", f"payment not settled: {body.get('status')!r}")
        message = str(detail(body))
        if "insufficient balance" in message.lower():
            raise NwcError("INSUFFICIENT_BALANCE", message)
        if status in (400, 520):
            raise NwcError("PAYMENT_FAILED", message)
        raise NwcError("INTERNAL", f"LNbits HTTP {status}: {message}")

    async def payment_hash_of(self, invoice):
        status, body = await self.lnbits.call("POST", "/api/v1/payments/decode", {"data": invoice})
        if status in (200, 201) and isinstance(body, dict) and body.get("payment_hash"):
            return body["payment_hash"]
        raise NwcError("OTHER", f"cannot decode the invoice: {detail(body)}")

    async def lookup_invoice(self, params):
        payment_hash = params.get("payment_hash")
        if not payment_hash and params.get("invoice"):
            payment_hash = await self.payment_hash_of(params["invoice"])
        if not isinstance(payment_hash, str) or len(payment_hash) != 64:
            raise NwcError("OTHER", "params.payment_hash (64 hex) or params.invoice is required")
        status, body = await self.lnbits.call("GET", f"/api/v1/payments/{payment_hash.lower()}")
        if status == 404:
            raise NwcError("NOT_FOUND", f"no payment with hash {payment_hash}")
        if status != 200 or not isinstance(body, dict):
            raise NwcError("INTERNAL", f"LNbits HTTP {status}: {detail(body)}")
        details = body.get("details")
        if not isinstance(details, dict):
            # A hash LNbits knows but not in this wallet.
            raise NwcError("NOT_FOUND", f"no payment with hash {payment_hash} in this wallet")
        amount = int(details.get("amount") or 0)
        state = "settled" if body.get("paid") else STATES.get(details.get("status"), "pending")
        preimage = body.get("preimage") or details.get("preimage")
        created_at = unix(details.get("created_at") or details.get("time")) or int(time.time())
        return {
            "type": "outgoing" if amount < 0 else "incoming",
            "state": state,
            "invoice": details.get("bolt11"),
            "description": details.get("memo") or "",
            "description_hash": "",
            "preimage": preimage if state == "settled" else None,
            "payment_hash": payment_hash.lower(),
            "amount": abs(amount),
            "fees_paid": abs(int(details.get("fee") or 0)),
            "created_at": created_at,
            "expires_at": unix(details.get("expiry")),
            "settled_at": (unix(details.get("updated_at")) or created_at) if state == "settled" else None,
            "metadata": {},
        }

    async def get_balance(self, params):
        body = await self.lnbits.call_checked("GET", "/api/v1/wallet")
        if not isinstance(body.get("balance"), int):
            raise NwcError("INTERNAL", f"LNbits answered no balance: {body}")
        return {"balance": body["balance"]}

    async def get_info(self, params):
        return {
            "alias": self.alias,
            "color": "#f7931a",
            "pubkey": self.service_pubkey,
            "network": self.network,
            "block_height": 0,
            "block_hash": "",
            "methods": METHODS,
            "notifications": [],
        }


class WalletService:
    def __init__(self, relay_url, keys, client_pubkey, lnbits, network="regtest", alias="dropbolt-test-lnbits"):
        self.relay_url = relay_url
        self.keys = keys
        self.pubkey = keys.public_key().to_hex()
        self.client = nostr.PublicKey.parse(client_pubkey)
        self.client_hex = self.client.to_hex()
        self.handlers = Handlers(lnbits, self.pubkey, network, alias)
        self.fault = None
        self.ws = None
        self.ready = asyncio.Event()
        self.stopping = False
        self.tasks = set()
        self.handled = 0
        self.seen = set()
        self.since = int(time.time()) - 5

    # -- relay connection -------------------------------------------------------------------------------

    def info_event(self):
        tags = [nostr.Tag.parse(["encryption", "nip44_v2 nip04"])]
        return nostr.EventBuilder(nostr.Kind(KIND_INFO), " ".join(METHODS)).tags(tags).sign_with_keys(self.keys)

    async def run(self):
        """Stay connected: on any drop, try to reconnect every 20 ms (a refused connect costs nothing), subscribe
        again and republish the info event."""
        while not self.stopping:
            try:
                async with websockets.connect(
                    self.relay_url, open_timeout=2, close_timeout=0.5, ping_interval=5, ping_timeout=5,
                    max_size=2**22,
                ) as ws:
                    self.ws = ws
                    await self._session(ws)
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
                pass
            finally:
                self.ws = None
                self.ready.clear()
            if not self.stopping:
                await asyncio.sleep(0.02)

    async def _session(self, ws):
        # Stored requests come too (see _handle): those published while we were away get answered.
        request_filter = {"kinds": [KIND_REQUEST], "#p": [self.pubkey], "authors": [self.client_hex], "since": self.since}
        await ws.send(json.dumps(["REQ", SUBSCRIPTION, request_filter]))
        info = self.info_event()
        info_id = info.id().to_hex()
        await ws.send(json.dumps(["EVENT", json.loads(info.as_json())]))
        subscribed = accepted = False
        async for raw in ws:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, list) or not message:
                continue
            kind = message[0]
            if kind == "EOSE" and message[1:2] == [SUBSCRIPTION]:
                subscribed = True
            elif kind == "OK" and message[1:2] == [info_id]:
                if message[2] is not True:
                    log(f"the relay refused the info event: {message[3:]}")
                    raise websockets.WebSocketException("info event refused")
                accepted = True
            elif kind == "CLOSED" and message[1:2] == [SUBSCRIPTION]:
                log(f"the relay closed the subscription: {message[2:]}")
                raise websockets.WebSocketException("subscription closed")
            elif kind == "EVENT" and len(message) >= 3 and message[1] == SUBSCRIPTION:
                task = asyncio.create_task(self._handle(message[2]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            if subscribed and accepted and not self.ready.is_set():
                self.ready.set()

    async def wait_ready(self, timeout):
        await asyncio.wait_for(self.ready.wait(), timeout)

    async def stop(self):
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()
        for task in list(self.tasks):
            task.cancel()

    # -- requests ---------------------------------------------------------------------------------------

    def _decrypt(self, event, scheme):
        """(plaintext, scheme) or raises; scheme None = untagged: NIP-44 v2 when it decrypts as such, else NIP-04."""
        secret = self.keys.secret_key()
        content = event.content()
        if scheme == "nip44_v2":
            return nostr.nip44_decrypt(secret, self.client, content), "nip44_v2"
        if scheme == "nip04":
            return nostr.nip04_decrypt(secret, self.client, content), "nip04"
        try:
            return nostr.nip44_decrypt(secret, self.client, content), "nip44_v2"
        except Exception:  # noqa: BLE001 - nostr-sdk raises its own error types
            return nostr.nip04_decrypt(secret, self.client, content), "nip04"

    def _encrypt(self, text, scheme):
        secret = self.keys.secret_key()
        if scheme == "nip44_v2":
            return nostr.nip44_encrypt(secret, self.client, text, nostr.Nip44Version.V2)
        return nostr.nip04_encrypt(secret, self.client, text)

    async def _handle(self, raw_event):
        try:
            event = nostr.Event.from_json(json.dumps(raw_event))
        except Exception as error:  # noqa: BLE001
            log(f"ignored an unparsable event: {error}")
            return
        request_id = event.id().to_hex()
        short = request_id[:16]
        tags = {}
        for tag in event.tags().to_vec():
            values = tag.as_vec()
            if len(values) >= 2:
                tags.setdefault(values[0], values[1])
        if not event.verify():
            log(f"ignored request id={short}: bad id or signature")
            return
        if event.kind().as_u16() != KIND_REQUEST or event.author().to_hex() != self.client_hex:
            log(f"ignored event id={short}: not a request from the connection's client")
            return
        if tags.get("p") != self.pubkey:
            log(f"ignored request id={short}: not addressed to this service")
            return
        # nostr-relay 1.14 stores ephemeral events too (its garbage collector drops them after up to 5 min), so
        # after a reconnect the subscription brings back requests already handled: each id is handled once.
        # (The same store delivers a request published while the service was away, once it is back.)
        if request_id in self.seen:
            log(f"ignored request id={short}: already handled")
            return
        self.seen.add(request_id)
        expiration = tags.get("expiration")
        if expiration is not None:
            try:
                expired = int(expiration) <= int(time.time())
            except ValueError:
                expired = False
            if expired:
                log(f"ignored request id={short}: expired at {expiration}")
                return
        scheme = tags.get("encryption")
        if scheme is not None and scheme not in ("nip44_v2", "nip04"):
            await self._respond(request_id, "nip04", {
                "result_type": "unknown",
                "error": {"code": "UNSUPPORTED_ENCRYPTION", "message": f"unsupported encryption {scheme!r}"},
            })
            log(f"request id={short}: unsupported encryption {scheme!r}")
            return
        try:
            plaintext, scheme = self._decrypt(event, scheme)
            request = json.loads(plaintext)
            method = request["method"]
            params = request.get("params") or {}
            if not isinstance(params, dict):
                raise ValueError("params is not an object")
        except Exception as error:  # noqa: BLE001
            log(f"ignored request id={short}: cannot decrypt or parse ({type(error).__name__})")
            return

        handler = getattr(self.handlers, method, None) if method in METHODS else None
        try:
            if handler is None:
                raise NwcError("NOT_IMPLEMENTED", f"method {method!r} is not supported")
            response = {"result_type": method, "result": await handler(params)}
            outcome = "ok " + summary(method, response["result"])
        except NwcError as error:
            response = {"result_type": method, "error": {"code": error.code, "message": error.message}}
            outcome = f"error {error.code}: {error.message}"
        except Exception as error:  # noqa: BLE001 - answer the client rather than leave it waiting
            response = {"result_type": method, "error": {"code": "INTERNAL", "message": str(error)}}
            outcome = f"error INTERNAL: {error!r}"
        self.handled += 1
        if self.fault is not None and await self.fault(method, request_id):
            log(f"{method} ({scheme}) id={short} -> {outcome} [response dropped: relay restarted]")
            return
        sent = await self._respond(request_id, scheme, response)
        log(f"{method} ({scheme}) id={short} -> {outcome}{'' if sent else ' [response NOT sent: relay down]'}")

    async def _respond(self, request_id, scheme, response):
        tags = [nostr.Tag.parse(["p", self.client_hex]), nostr.Tag.parse(["e", request_id])]
        if scheme == "nip44_v2":
            tags.append(nostr.Tag.parse(["encryption", "nip44_v2"]))
        content = self._encrypt(json.dumps(response, separators=(",", ":")), scheme)
        event = nostr.EventBuilder(nostr.Kind(KIND_RESPONSE), content).tags(tags).sign_with_keys(self.keys)
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(["EVENT", json.loads(event.as_json())]))
            return True
        except websockets.WebSocketException:
            return False


def summary(method, result):
    """What the stderr line says of a result (preimages are the test's own; no secrets here)."""
    if method == "pay_invoice":
        return f"preimage={result['preimage']} fees_paid={result['fees_paid']}"
    if method == "lookup_invoice":
        return f"hash={result['payment_hash'][:16]} state={result['state']} amount={result['amount']}"
    if method == "get_balance":
        return f"balance={result['balance']}"
    return f"network={result.get('network')}"
