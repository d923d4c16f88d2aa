"""(f) `dropbolt scan --dry-run` on an archive the daemon has seen (the files predate the rule): count and quote
them, the price from a tiny loopback estimate server (a real HTTP exchange), against `find` listing the tree."""

from __future__ import annotations

import http.server
import json
import shutil
import threading

from harness.dropbolt import CONFIG_YAML, ONCE_TIMEOUT_S, make_daemon_tree, run_once, write_rule
from harness.processes import HarnessError, hyperfine, hyperfine_detail, log, run_command
from harness.report import Figure, Row, verdict

KEY, NAME = "f", "scan"
TITLE = "(f) scan --dry-run"
TOOLS = ["hyperfine", "find"]
PAID = False

GOAL_S = 5.0


class EstimateHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"service": "analyze-image", "sats": 21}).encode()
        self.send_response(200 if self.path.startswith("/api/estimate-cost") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


def run(ctx) -> Row:
    total, runs = ctx.scale(40_000, 4_000), ctx.scale(7, 3)
    row = Row(KEY, f"(f) scan --dry-run: count and quote an archive of {total:,} files",
              method=f"hyperfine -N, median of {runs} runs")
    tree = ctx.tree(total)
    root = ctx.tmp / "f-scan"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EstimateHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = make_daemon_tree(
            root, CONFIG_YAML.replace("http://127.0.0.1:9", f"http://127.0.0.1:{server.server_address[1]}"))
        write_rule(root, watch=str(tree), extra="\nrecursive: true")  # newer than every file: recorded, not queued
        log(f"(f) run --once to record {total:,} files")
        run_once(ctx.binary, config)
        argv = [str(ctx.binary), "scan", str(tree), "--dry-run", "--json", "--config", str(config)]
        check = run_command(argv, ONCE_TIMEOUT_S)
        if check.returncode != 0:
            raise HarnessError(f"scan --dry-run failed ({check.returncode}): {check.stderr.decode(errors='replace')}")
        plan = json.loads(check.stdout)
        rule = (plan.get("rules") or [{}])[0]
        row.details.append(f"plan: {plan.get('files')} files, price {rule.get('price_sats')} sats "
                           f"({rule.get('price_source')}), estimate {plan.get('estimate_sats')} sats")
        if plan.get("files") != total or rule.get("price_source") != "provider_estimate":
            row.mark_invalid(f"expected {total} files quoted by the provider's estimate")
        commands = {"dropbolt-scan": " ".join(argv), "find": f"find {tree} -type f"}
        results = hyperfine(commands, root / "hyperfine.json", runs)
        shutil.copy(root / "hyperfine.json", ctx.staged / "scan-hyperfine.json")
    finally:
        server.shutdown()
    ms = {name: results[name]["median"] * 1000 for name in commands}
    ratio = ms["dropbolt-scan"] / ms["find"]
    row.add(Figure("count + quote time (ms)", ms["dropbolt-scan"], f"{ms['dropbolt-scan']:.0f}", "find -type f",
                   ms["find"], f"{ms['find']:.0f}", f"{ratio:.1f}×", ratio, f"≤ {GOAL_S:g} s",
                   verdict(ms["dropbolt-scan"] / 1000 <= GOAL_S)))
    row.details += [hyperfine_detail(name, results[name]) for name in commands]
    return row
