#!/usr/bin/env python3
"""A dropbolt `command` wallet that pays through LNbits: an example of the contract, and the peer of the
command-backend end-to-end tests.

    wallet:
      kind: command
      command: ["/usr/bin/python3", "tools/wallet-command/lnbits.py", "pay"]
      lookup_command: ["/usr/bin/python3", "tools/wallet-command/lnbits.py", "lookup"]
      balance_command: ["/usr/bin/python3", "tools/wallet-command/lnbits.py", "balance"]

Environment: LNBITS_URL (https, or http to loopback) and LNBITS_ADMIN_KEY_FILE (a file holding the admin key);
or the arguments `--url URL --key-file FILE` after the action.
pay: invoice on stdin → {"preimage", "fee_msat"}; exit 10 not paid, 11 insufficient balance, anything else unknown.
lookup: payment hash on stdin → {"status": succeeded|pending|failed|not_found, ...}. balance → {"balance_msat"}.
Standard library only. The key is never printed.
"""

import json
import os
import sys
import urllib.error
import urllib.request

NOT_PAID, INSUFFICIENT = 10, 11


SETTINGS = {"url": os.environ.get("LNBITS_URL"), "key_file": os.environ.get("LNBITS_ADMIN_KEY_FILE")}


def call(method, path, body=None):
    key = open(SETTINGS["key_file"]).read().strip()
    request = urllib.request.Request(
        SETTINGS["url"].rstrip("/") + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-Api-Key": key, "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}


def pay():
    invoice = sys.stdin.readline().strip()
    status, answer = call("POST", "/api/v1/payments", {"out": True, "bolt11": invoice})
    if status in (200, 201) and answer.get("status") == "success" and answer.get("preimage"):
        print(json.dumps({"preimage": answer["preimage"], "fee_msat": abs(int(answer.get("fee") or 0))}))
        return 0
    detail = str(answer.get("detail", answer.get("status", "")))
    print(f"LNbits answered HTTP {status}: {detail}", file=sys.stderr)
    if answer.get("status") == "failed" or status in (400, 401, 403, 404, 422):
        if "insufficient balance" in detail.lower() or "reserve at least" in detail.lower():
            return INSUFFICIENT
        return NOT_PAID
    return 1  # pending or unclear: dropbolt looks it up


def lookup():
    payment_hash = sys.stdin.readline().strip()
    status, answer = call("GET", f"/api/v1/payments/{payment_hash}")
    if status == 404:
        print(json.dumps({"status": "not_found"}))
    elif status == 200 and answer.get("paid") and answer.get("preimage"):
        details = answer.get("details") or {}
        print(json.dumps({"status": "succeeded", "preimage": answer["preimage"],
                          "amount_msat": abs(int(details.get("amount") or 0)),
                          "fee_msat": abs(int(details.get("fee") or 0))}))
    elif status == 200 and answer.get("status") == "failed":
        print(json.dumps({"status": "failed"}))
    elif status == 200:
        print(json.dumps({"status": "pending"}))
    else:
        print(f"LNbits answered HTTP {status} to the lookup", file=sys.stderr)
        return 1
    return 0


def balance():
    status, answer = call("GET", "/api/v1/wallet")
    if status != 200 or "balance" not in answer:
        print(f"LNbits answered HTTP {status} to the balance request", file=sys.stderr)
        return 1
    print(json.dumps({"balance_msat": int(answer["balance"])}))
    return 0


if __name__ == "__main__":
    actions = {"pay": pay, "lookup": lookup, "balance": balance}
    arguments = sys.argv[2:]
    while len(arguments) >= 2 and arguments[0] in ("--url", "--key-file"):
        SETTINGS["url" if arguments[0] == "--url" else "key_file"] = arguments[1]
        arguments = arguments[2:]
    if len(sys.argv) < 2 or sys.argv[1] not in actions or arguments or not all(SETTINGS.values()):
        print("usage: lnbits.py pay|lookup|balance [--url URL --key-file FILE] "
              "(or LNBITS_URL and LNBITS_ADMIN_KEY_FILE in the environment)", file=sys.stderr)
        sys.exit(2)
    sys.exit(actions[sys.argv[1]]())
