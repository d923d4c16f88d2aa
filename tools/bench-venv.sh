#!/usr/bin/env bash
# Installs the Python venv of the benchmark's l402kit baseline (row d of `make bench`) into <repo>/.build-bench/venv:
# l402kit (PyPI) and its dependencies, pinned. Idempotent: does nothing when the venv already holds exactly this set
# (stamp file). The harness itself (bench/bench.py) needs only the standard library; only bench/baselines/
# l402kit_driver.py runs in this venv.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.build-bench/venv"
STAMP="$VENV/.dropbolt-bench-stamp"
# l402kit 1.10.1 needs CPython >= 3.11 and httpx >= 0.27; the rest is httpx's own dependencies (pip freeze).
PINS="l402kit==1.10.1 httpx==0.29.0 httpcore==1.0.9 anyio==4.16.0 h11==0.16.0 idna==3.20 certifi==2026.10.19.post1
typing_extensions==4.16.0"

PYTHON=""
for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
[ -n "$PYTHON" ] || { echo "bench venv: l402kit needs Python 3.11 or newer" >&2; exit 1; }
PYVER="$("$PYTHON" -c 'import platform; print(platform.python_version())')"
WANT="python=$PYVER pins=$(printf '%s' "$PINS" | sha256sum | cut -c1-16)"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi
started=$SECONDS
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian's own python3 needs python3-venv for `-m venv` (ensurepip).
    rm -rf "$VENV"
    "$REPO/tools/apt-install.sh" python3-venv
    "$PYTHON" -m venv "$VENV"
fi
log="$(dirname "$VENV")/install.log"
# shellcheck disable=SC2086 # PINS is a whitespace-separated list on purpose
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q $PINS >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -rf "$VENV"
    echo "bench venv: pip install failed (full log in $log)" >&2
    exit 1
fi
"$VENV/bin/python" -c 'from l402kit import L402Client, L402Wallet' || {
    rm -rf "$VENV"
    echo "bench venv: l402kit does not import" >&2
    exit 1
}
printf '%s' "$WANT" >"$STAMP"
echo "l402kit installed in $VENV ($((SECONDS - started)) s)"
