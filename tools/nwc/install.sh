#!/usr/bin/env bash
# Installs the Nostr Wallet Connect test tooling into <repo>/.build-nwc/venv: nostr-relay (a real relay,
# PyPI) and nostr-sdk (rust-nostr's Python bindings, used by wallet_service.py and selftest.py).
# Idempotent: does nothing when the venv already holds exactly the pinned set (stamp file).
# Works on a fresh Debian machine as root: installs python3 / python3-venv with apt-get only when missing.
# Every dependency is pinned (pip freeze of a working install on CPython 3.11, x86_64); all are wheels or
# pure Python, no compiler needed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="$REPO/.build-nwc"
VENV="$BASE/venv"
STAMP="$VENV/.dropbolt-nwc-stamp"

PINS="
nostr-relay==1.14 nostr-sdk==0.44.8
aiodns==4.0.4 aiohappyeyeballs==2.7.1 aiohttp==3.14.5 aionostr==0.20.0 aiosignal==1.4.0 aiosqlite==0.22.1
alembic==1.20.1 annotated-types==0.8.0 anyio==4.16.0 attrs==26.1.0 backports.zstd==1.8.0 brotli==1.2.1
cffi==2.1.1 click==8.5.1 coincurve==21.0.0 cryptography==51.0.1 falcon==4.4.0 frozenlist==1.8.0
greenlet==3.5.6 gunicorn==27.0.1 h11==0.16.0 httptools==0.9.0 idna==3.21 Mako==1.4.3 MarkupSafe==3.0.4
multidict==7.2.1 propcache==0.5.4 pycares==5.2.1 pycparser==3.12 pydantic==2.14.4 pydantic_core==2.50.5
python-dotenv==1.2.4 python-rapidjson==1.25 PyYAML==6.0.4 setproctitle==1.3.8 SQLAlchemy==2.1.9
typing-inspection==0.4.5 typing_extensions==4.16.0 uvicorn==0.55.0 uvloop==0.23.0 watchfiles==1.3.0
websockets==17.4 yarl==1.25.1
"

# The first python3.x >= 3.10 (nostr-relay needs 3.8+, nostr-sdk's wheels 3.9+; Debian's is 3.11). On a machine
# with none, Debian's python3 and python3-venv (tools/apt-install.sh installs only what is missing).
pick_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
PYTHON="$(pick_python || true)"
if [ -z "$PYTHON" ]; then
    "$REPO/tools/apt-install.sh" python3 python3-venv >&2
    PYTHON="$(pick_python)" || { echo "nwc install: no Python 3.10 or newer found" >&2; exit 1; }
fi
PYVER="$("$PYTHON" -c 'import platform; print(platform.python_version())')"
WANT="nwc python=$PYVER pins=$(printf '%s' "$PINS" | sha256sum | cut -c1-16)"

installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/nostr-relay" ]; }

if installed; then
    echo "nwc tooling already installed in $VENV"
    exit 0
fi

mkdir -p "$BASE"
exec 9>"$BASE/install.lock"
flock 9
if installed; then # someone else finished while we waited
    echo "nwc tooling already installed in $VENV"
    exit 0
fi

started=$SECONDS
rm -rf "$VENV"
if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    case "$PYTHON" in /usr/bin/*) "$REPO/tools/apt-install.sh" "python3-venv" "python${PYVER%.*}-venv" >&2 ;; esac
    "$PYTHON" -m venv "$VENV"
fi
log="$BASE/install.log"
# shellcheck disable=SC2086 # PINS is a whitespace-separated list on purpose
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q $PINS >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$VENV"
    echo "nwc install: pip install failed (log above, full log in $log)" >&2
    exit 1
fi
if ! "$VENV/bin/python" -c 'import nostr_sdk, nostr_relay.web, websockets; nostr_sdk.Keys.generate()'; then
    rm -rf "$VENV"
    echo "nwc install: the installed set does not import" >&2
    exit 1
fi
printf '%s' "$WANT" >"$STAMP"
echo "nwc tooling (nostr-relay 1.14, nostr-sdk 0.44.8) installed in $VENV ($((SECONDS - started)) s)"
