"""`dropbolt-fakes`: a real LNbits (FakeWallet funding) and the fake sats4ai provider on loopback, for the rows
that pay; and the temp trees of daemons that pay through them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "lnbits"))
from strays import end_by_closing_stdin, kill_stray_lnbits, lnbits_processes  # noqa: E402  (shared with chaos/chaos.py)

from .dropbolt import write_key_file
from .processes import (HarnessError, LineStream, forget, log, proc_cpu_seconds, register_stop_first, spawn, stop,
                        unregister_stop_first)

FAKES_READY_TIMEOUT_S = 120.0  # dropbolt-fakes starts LNbits: 4-15 s normally
FAKES_STOP_TIMEOUT_S = 20.0  # it stops LNbits (SIGTERM, SIGKILL after 5 s) before it exits

PAID_CONFIG_YAML = """\
rules: rules
state: state
settle_seconds: 0
rescan_minutes: 0
workers: 2
provider:
  url: {provider}
  timeout_seconds: 120
wallet:
  kind: lnbits
  url: {lnbits}
  key_file: {key_file}
  max_fee_sats: 10
budget:
  max_sats_per_image: 1000
  daily_sats: 10000000
  monthly_sats: 100000000
"""

EDIT_PROMPT = "Remove the background"
EDIT_RULE_YAML = f"""\
watch: inbox
action: edit
prompt: {EDIT_PROMPT}
format: png
output: "{{stem}}.nobg.{{format}}"
"""
ANALYZE_RULE_YAML = """\
watch: inbox
action: analyze
output: "{stem}.txt"
"""


PHOENIXD_WALLET_YAML = """\
wallet:
  kind: phoenixd
  url: {url}
  password_file: {key_file}
  max_fee_sats: 10
"""


class Fakes:
    """`dropbolt-fakes <folder>`: starts LNbits and the fake provider, prints where they are, runs until its
    standard input closes; then prints a JSON summary (paid requests, violations) and stops LNbits.

    With `wallet="phoenixd"` there is no LNbits: the provider's invoices come from a fake phoenixd, which pays them
    at once (`self.lnbits` is None, `self.phoenixd` and `self.adminkey`, its password, are set)."""

    def __init__(self, binary: Path, folder: Path, wallet: str = "lnbits"):
        self.folder = folder
        self.wallet = wallet
        self.proc = spawn([str(binary), str(folder), "--wallet", wallet], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        register_stop_first(self)
        self.out = LineStream(self.proc.stdout, "dropbolt-fakes stdout")
        self.err = LineStream(self.proc.stderr, "dropbolt-fakes stderr")
        self.summary = ""  # its last stderr line: "paid requests N, violations M, ..."
        self.violations: list[str] | None = None  # from its JSON summary line, once stopped
        started = time.monotonic()
        try:
            hit = self.out.wait_for(lambda line: line.startswith("{"), FAKES_READY_TIMEOUT_S)
        except HarnessError as error:
            self.stop()
            raise HarnessError(f"dropbolt-fakes exited before it was ready: {error}; stderr:\n  "
                               + "\n  ".join(self.err.drain()))
        if hit is None:
            self.stop()
            raise HarnessError(f"dropbolt-fakes printed nothing within {FAKES_READY_TIMEOUT_S:.0f} s")
        self.ready_s = time.monotonic() - started
        info = json.loads(hit[1])
        self.provider = info["provider"]
        if wallet == "phoenixd":
            self.lnbits, self.inkey = None, None
            self.phoenixd, self.adminkey = info["phoenixd"], info["phoenixd_password"]
        else:
            self.phoenixd = None
            self.lnbits, self.adminkey, self.inkey = info["lnbits"], info["payer_adminkey"], info["payer_inkey"]

    def payer_balance_msat(self) -> int | None:
        """The payer wallet's balance (GET /api/v1/wallet with its invoice key); None without LNbits."""
        if self.lnbits is None:
            return None
        request = urllib.request.Request(self.lnbits + "/api/v1/wallet", headers={"X-Api-Key": self.inkey})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read()).get("balance")
        except (OSError, ValueError):
            return None

    def cpu_seconds(self) -> dict[str, float]:
        """CPU (utime + stime) so far of the fake provider (this process) and of the LNbits it started (found by its
        data folder, as the stray-killer finds it: LNbits runs in a session of its own)."""
        lnbits = 0.0
        for pid in lnbits_processes(str(self.folder)):
            try:
                lnbits += proc_cpu_seconds(pid)
            except (OSError, ValueError, IndexError):  # exited meanwhile
                pass
        return {"provider": proc_cpu_seconds(self.proc.pid), "lnbits": lnbits}

    def stop(self) -> None:
        """Closes its stdin (it then stops LNbits and exits); SIGTERM, SIGKILL if it does not; then makes sure no
        LNbits it started is left."""
        unregister_stop_first(self)
        if not end_by_closing_stdin(self.proc, FAKES_STOP_TIMEOUT_S):
            log("dropbolt-fakes did not exit when its stdin closed; SIGTERM")
            stop(self.proc, grace_s=FAKES_STOP_TIMEOUT_S)
        forget(self.proc)
        time.sleep(0.2)  # let the reader threads take the last lines
        lines = self.err.drain()
        self.summary = next((line for line in reversed(lines) if "paid requests" in line), "")
        for line in self.out.drain():
            if line.startswith('{"summary"'):
                try:
                    self.violations = json.loads(line)["summary"].get("violations", [])
                except (ValueError, KeyError, AttributeError):
                    pass
        kill_stray_lnbits(str(self.folder), log)

    def __repr__(self) -> str:
        return f"dropbolt-fakes (pid {self.proc.pid})"


def make_paid_tree(root: Path, fakes: Fakes, rule_yaml: str, provider: str | None = None,
                   timeout_s: int = 120) -> Path:
    """A daemon tree that pays through the fakes' wallet (LNbits, or the fake phoenixd): inbox, staging (same file
    system), rules, key file."""
    (root / "inbox").mkdir(parents=True)
    (root / "rules").mkdir()
    (root / "staging").mkdir()
    key_file = write_key_file(root / "wallet.key", fakes.adminkey)
    config = root / "dropbolt.yaml"
    text = (PAID_CONFIG_YAML.format(provider=provider or fakes.provider, lnbits=fakes.lnbits, key_file=key_file)
            .replace("timeout_seconds: 120", f"timeout_seconds: {timeout_s}"))
    if fakes.phoenixd:
        lnbits_wallet = text[text.index("wallet:\n"):text.index("budget:\n")]
        text = text.replace(lnbits_wallet, PHOENIXD_WALLET_YAML.format(url=fakes.phoenixd, key_file=key_file))
    config.write_text(text)
    (root / "rules" / "bench.yaml").write_text(rule_yaml)
    return config
