"""The clients of row (d), each doing N analyze-image jobs against the same dropbolt-fakes: dropbolt itself, l402kit's
L402Client (bench venv), a shell pipeline (inotifywait + curl + jq + sqlite3) and curl alone (the uploads only).
Each returns {"wall_s", "cpu_ms_per_job", "jobs_per_s", ...} or raises HarnessError; "invalid" says why a run
cannot be trusted."""

from __future__ import annotations

import base64
import collections
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from harness.dropbolt import Daemon, check_jobs, png_like, wait_lines, write_key_file
from harness.fakes import ANALYZE_RULE_YAML, Fakes, make_paid_tree
from harness.processes import (HarnessError, LineStream, mb_from_kb, proc_cpu_seconds, proc_status_kb,
                               read_peak_rss_kb, spawn, stop, wait_rusage, with_peak_rss)

REPO = Path(__file__).resolve().parent.parent.parent
L402KIT_DRIVER = REPO / "bench" / "baselines" / "l402kit_driver.py"
SHELL_PIPELINE = REPO / "bench" / "baselines" / "shell_pipeline.sh"
STALL_TIMEOUT_S = 60.0  # longest wait for the next output before giving up
RUN_TIMEOUT_S = 300.0  # longest wait for one whole run
CAPTION = "A test caption"  # how the fake's analyze answers begin


def stage_images(folder: Path, size: int, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"img{i:03d}.png"
        path.write_bytes(png_like(size))
        paths.append(path)
    return paths


def count_captions(images: list[Path]) -> int:
    """How many images got a `<stem>.txt` holding the fake's caption."""
    good = 0
    for image in images:
        txt = image.with_suffix(".txt")
        if txt.is_file() and txt.read_text(errors="replace").startswith(CAPTION):
            good += 1
    return good


def dropbolt_drop(root: Path, binary: Path, fakes: Fakes, size: int, count: int) -> dict:
    """A fresh daemon (workers: 2), `count` images renamed into its inbox at once; wall time from the first rename
    to the last "job done" line, and the daemon's CPU (all threads, /proc/<pid>/stat) over that time."""
    config = make_paid_tree(root, fakes, ANALYZE_RULE_YAML)
    sources = stage_images(root / "staging", size, count)
    result: dict = {}
    with Daemon(binary, config, queue_only=False) as daemon:
        daemon.wait_ready()
        cpu0 = proc_cpu_seconds(daemon.pid)
        t0 = time.perf_counter_ns()
        for source in sources:
            os.rename(source, root / "inbox" / source.name)
        t1, _, problems = wait_lines(daemon, "job done", count, STALL_TIMEOUT_S, RUN_TIMEOUT_S, "outputs")
        cpu1 = proc_cpu_seconds(daemon.pid)
        result["hwm_mb"] = mb_from_kb(proc_status_kb(daemon.pid, "VmHWM"))
        daemon.check_alive("during the drop")
    result["problems"] = problems
    result["outputs"] = count_captions([root / "inbox" / s.name for s in sources])
    result["jobs"], result["invalid"] = check_jobs(binary, config, count)
    if t1 is None:
        result["invalid"] = (result["invalid"] or "") + f" (not all {count} outputs were logged in time)"
        return result
    return finish(result, (t1 - t0) / 1e9, cpu1 - cpu0, count)


def finish(result: dict, wall_s: float, cpu_s: float, count: int) -> dict:
    result.update(wall_s=wall_s, cpu_ms_per_job=cpu_s * 1000 / count, jobs_per_s=count / wall_s)
    return result


def l402kit_run(root: Path, python: Path, fakes: Fakes, size: int, count: int, workers: int) -> dict:
    """l402kit_driver.py on `count` images already in place; its own measurement of the job loop (CPU of the
    driver process, all threads), and the whole process's CPU from wait4 for the details."""
    images = stage_images(root / "inbox", size, count)
    key_file = write_key_file(root / "wallet.key", fakes.adminkey)
    wallet = ["--phoenixd", fakes.phoenixd] if fakes.phoenixd else ["--lnbits", fakes.lnbits]
    argv = [str(python), str(L402KIT_DRIVER), "--provider", fakes.provider, *wallet,
            "--key-file", str(key_file), "--workers", str(workers), *map(str, images)]
    with open(root / "driver.stdout", "wb") as out, open(root / "driver.stderr", "wb") as err:
        proc = spawn(with_peak_rss(argv, root / "driver.rss"), stdout=out, stderr=err)
        code, usage, _ = wait_rusage(proc, RUN_TIMEOUT_S, "the l402kit driver")
    lines = (root / "driver.stdout").read_text().strip().splitlines()
    if not lines:
        raise HarnessError(f"the l402kit driver printed nothing (exit {code}): "
                           + (root / "driver.stderr").read_text()[-1500:])
    report = json.loads(lines[-1])
    result = {"outputs": count_captions(images), "process_cpu_s": usage.ru_utime + usage.ru_stime,
              "setup_cpu_s": report["setup_cpu_s"], "maxrss_mb": mb_from_kb(read_peak_rss_kb(root / "driver.rss")),
              "invalid": None}
    if code != 0 or report["ok"] != count or result["outputs"] != count:
        result["invalid"] = (f"l402kit driver exit {code}, {report['ok']}/{count} jobs answered 200, "
                             f"{result['outputs']} captions written; errors {report['errors']}")
    return finish(result, report["wall_s"], report["cpu_s"], count)


def shell_run(root: Path, fakes: Fakes, size: int, count: int) -> dict:
    """shell_pipeline.sh watching its inbox; `count` images renamed in at once; wall time from the first rename
    to its count-th "done" line; CPU of the whole tree (bash, inotifywait, every curl, jq, base64 and sqlite3 it
    ran) from wait4 on bash after it exits."""
    (root / "inbox").mkdir(parents=True)
    sources = stage_images(root / "staging", size, count)
    env = dict(os.environ, PROVIDER=fakes.provider, LNBITS=fakes.lnbits, LNBITS_KEY=fakes.adminkey)
    proc = spawn(["bash", str(SHELL_PIPELINE), str(root / "inbox"), str(root / "jobs.sqlite"), str(count)],
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = LineStream(proc.stdout, "shell pipeline stdout"), LineStream(proc.stderr, "shell pipeline stderr")
    try:
        if err.wait_for(lambda line: "Watches established" in line, STALL_TIMEOUT_S) is None:
            raise HarnessError("the shell pipeline's inotifywait did not establish its watch")
        t0 = time.perf_counter_ns()
        for source in sources:
            os.rename(source, root / "inbox" / source.name)
        t1, seen = None, 0
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while seen < count:
            hit = out.wait_for(lambda line: line.startswith("done "),
                               min(STALL_TIMEOUT_S, max(0.0, deadline - time.monotonic())))
            if hit is None:
                raise HarnessError(f"the shell pipeline finished {seen}/{count} jobs in time; stderr:\n  "
                                   + "\n  ".join(err.drain()[-10:]))
            seen, t1 = seen + 1, hit[0]
        code, usage, _ = wait_rusage(proc, STALL_TIMEOUT_S, "the shell pipeline's exit")
    finally:
        if proc.poll() is None:
            stop(proc, signal.SIGKILL, grace_s=5)
    images = [root / "inbox" / s.name for s in sources]
    result = {"outputs": count_captions(images), "invalid": None}
    if code != 0 or result["outputs"] != count:
        result["invalid"] = (f"shell pipeline exit {code}, {result['outputs']}/{count} captions written; "
                             "stderr: " + " | ".join(err.drain()[-5:]))
    return finish(result, (t1 - t0) / 1e9, usage.ru_utime + usage.ru_stime, count)


def curl_run(root: Path, fakes: Fakes, size: int, count: int) -> dict:
    """One curl process POSTing the body dropbolt sends 2 × `count` times over a kept-alive connection: the two
    uploads of each job (quote, paid retry), HTTP only. Every answer is a 402 (the fake makes an invoice, nothing
    is paid). curl's CPU (wait4) per job."""
    root.mkdir(parents=True, exist_ok=True)
    body = root / "body.json"
    body.write_text(json.dumps({"image": "data:image/png;base64," + base64.b64encode(png_like(size)).decode()}))
    # "Expect:" — curl would otherwise ask for 100-continue before a body over 1 MB and wait 1 s for an answer
    # the server never sends (no CPU, but the wall time would be mostly that wait).
    block = (f'url = "{fakes.provider}/api/l402/analyze-image"\nheader = "Content-Type: application/json"\n'
             'header = "Expect:"\n'
             f'data-binary = "@{body}"\noutput = "/dev/null"\nwrite-out = "%{{http_code}}\\n"\nsilent\n')
    config = root / "curl.conf"
    config.write_text("next\n".join([block] * (2 * count)))
    with open(root / "curl.codes", "wb") as codes:
        proc = spawn(["curl", "-K", str(config)], stdout=codes, stderr=subprocess.DEVNULL)
        code, usage, wall = wait_rusage(proc, RUN_TIMEOUT_S, "the curl baseline")
    codes = (root / "curl.codes").read_text().split()
    if code != 0 or len(codes) != 2 * count or set(codes) != {"402"}:
        raise HarnessError(f"curl baseline: exit {code}, HTTP codes {collections.Counter(codes)}")
    result = finish({"invalid": None, "body_bytes": body.stat().st_size}, wall, usage.ru_utime + usage.ru_stime,
                    count)
    result["s_per_402"] = wall / (2 * count)
    return result
