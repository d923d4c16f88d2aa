#!/usr/bin/env bash
# Runs the dropbolt benchmarks (see bench/README.md). Called by `make bench` after `make release` (which builds
# dropbolt and dropbolt-fakes) and `make lnbits` (rows d and e run a real LNbits from .build-lnbits/venv).
# Arguments are passed to bench.py (e.g. `bench/run.sh --only a`, `bench/run.sh --only de`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/dropbolt
fakes=.build/release/dropbolt-fakes
if [ ! -x "$binary" ]; then
  echo "bench: $binary is missing; run \`make release\` (or \`make bench\`)" >&2
  exit 1
fi
# bench.py checks for $fakes and the LNbits venv only when rows d or e are selected.

# A hard ceiling, so the harness can never hang: bench.py turns SIGTERM into a clean exit (children ended, temp
# folder deleted); anything still alive 45 s later is killed (stopping dropbolt-fakes and its LNbits can take ~20 s).
exec timeout --signal=TERM --kill-after=45 900 python3 bench/bench.py --binary "$binary" --fakes "$fakes" "$@"
