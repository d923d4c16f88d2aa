#!/usr/bin/env bash
# Installs LNbits (the real wallet of the integration tests) into <repo>/.build-lnbits/venv.
# Idempotent: does nothing when the venv already holds exactly the pinned set (stamp file).
# Works on a fresh Debian machine as root: installs python3 / python3-venv with apt-get only when missing.
# Every dependency is pinned (pip freeze of a working install) so CI gets the same bits every time.
set -euo pipefail

LNBITS_VERSION=1.6.2
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="$REPO/.build-lnbits"
VENV="$BASE/venv"
STAMP="$VENV/.dropbolt-lnbits-stamp"

# The full, exact dependency set of lnbits 1.6.2 on CPython 3.11 (x86_64), from `pip freeze`.
# bitstring must stay < 5: bitstring 5 dropped ConstBitStream, which bolt11 2.1.1 imports
# (lnbits then dies at import time). Everything here has a wheel or is pure Python: no compiler needed.
PINS="
aiohappyeyeballs==2.7.1 aiohttp==3.14.5 aiosignal==1.4.0 aiosqlite==0.22.1 annotated-doc==0.0.7
anyio==4.14.2 asn1crypto==1.5.1 asyncpg==0.31.0 attrs==26.1.0 base58==2.1.1 bcrypt==5.0.0
bech32==1.2.0 bip32==5.0.0 bitarray==3.12.3 bitstring==4.4.0 bolt11==2.1.1 certifi==2026.10.18
cffi==2.1.1 charset-normalizer==3.5.2 click==8.3.3 coincurve==20.0.0 coincurve-cp314-fix==22.0.1
cryptography==50.0.2 Deprecated==1.3.1 dnspython==2.9.2 email-validator==2.4.0 embit==0.8.0
fastapi==0.116.2 fastapi-sso==0.19.0 filetype==1.2.0 frozenlist==1.8.0 greenlet==3.3.2
grpcio==1.76.0 h11==0.16.0 http_ece==1.2.1 httpcore==1.0.9 httpx==0.27.2 idna==3.20
itsdangerous==2.2.0 Jinja2==3.1.6 jsonpath-ng==1.7.0 limits==5.8.0 lnbits==$LNBITS_VERSION
lnurl==0.10.4 loguru==0.7.3 markdown-it-py==4.3.0 MarkupSafe==3.0.4 mdurl==0.1.2 multidict==7.2.1
nostr-sdk==0.44.8 oauthlib==4.0.1 packaging==25.0 pillow==12.3.0 ply==3.11 propcache==0.5.4
protobuf==6.33.6 py-vapid==1.9.6 pycparser==3.12 pycryptodomex==3.23.0 pydantic==1.10.27
Pygments==2.21.0 pyinstrument==5.1.3 PyJWT==2.12.1 pyln-bolt7==1.0.246 pyln-client==25.12
pyln-proto==26.6.9 pynostr==0.7.0 PyQRCode==1.2.1 PySocks==1.7.1 python-crontab==3.3.0
python-dotenv==1.2.4 python-multipart==0.0.34 pywebpush==2.2.1 random-username==1.0.2
requests==2.34.2 rich==15.0.0 shellingham==1.5.4 shortuuid==1.0.13 slowapi==0.1.10 sniffio==1.3.1
socksio==1.0.0 SQLAlchemy==1.4.54 sse-starlette==2.3.6 starlette==0.48.0 tibs==0.5.7 tlv8==0.10.0
tornado==6.6.1 typer==0.28.0 typing_extensions==4.15.0 urllib3==2.8.0 uvicorn==0.40.0
uvloop==0.22.1 wasmtime==50.0.1 websocket-client==1.9.2 websockets==15.0.1 wrapt==2.5.2
yarl==1.25.1
"

# lnbits 1.6.2 needs CPython >=3.10,<3.13.
find_python() {
    local candidate
    for candidate in python3 python3.12 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

apt_install() { # apt_install PKG... — only the ones dpkg does not know as installed
    local missing="" p
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null || { echo "lnbits install: need$missing but apt-get is not available" >&2; exit 1; }
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "lnbits install: apt-get install$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

PYTHON="$(find_python || true)"
if [ -z "$PYTHON" ]; then
    apt_install python3 python3-venv
    PYTHON="$(find_python)" || { echo "lnbits install: no Python 3.10-3.12 found" >&2; exit 1; }
fi
PYVER="$("$PYTHON" -c 'import platform; print(platform.python_version())')"
WANT="lnbits=$LNBITS_VERSION python=$PYVER pins=$(printf '%s' "$PINS" | sha256sum | cut -c1-16)"

# Fast path, before taking the lock.
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/lnbits" ]; then
    echo "lnbits $LNBITS_VERSION already installed in $VENV"
    exit 0
fi

mkdir -p "$BASE"
exec 9>"$BASE/install.lock"
flock 9
# Someone else may have finished while we waited.
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/lnbits" ]; then
    echo "lnbits $LNBITS_VERSION already installed in $VENV"
    exit 0
fi

started=$SECONDS
rm -rf "$VENV"
# Debian's own python3 needs python3-venv for `-m venv` (ensurepip).
if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    case "$PYTHON" in /usr/bin/*) apt_install "python3-venv" "python${PYVER%.*}-venv" ;; esac
    "$PYTHON" -m venv "$VENV"
fi
log="$BASE/install.log"
# shellcheck disable=SC2086 # PINS is a whitespace-separated list on purpose
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q $PINS >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$VENV"
    echo "lnbits install: pip install failed (log above, full log in $log)" >&2
    exit 1
fi
# Smoke test: fails loudly if the set is broken. Importing lnbits' settings writes
# $LNBITS_DATA_FOLDER/.lnbits_auth_key, so do it in a scratch folder.
check="$(mktemp -d)"
(cd "$check" && LNBITS_DATA_FOLDER="$check/data" "$VENV/bin/python" -c 'import bolt11, lnbits.server') || {
    rm -rf "$check" "$VENV"
    echo "lnbits install: the installed lnbits does not import" >&2
    exit 1
}
rm -rf "$check"
printf '%s' "$WANT" >"$STAMP"
echo "lnbits $LNBITS_VERSION installed in $VENV ($((SECONDS - started)) s)"
