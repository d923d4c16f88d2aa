#!/usr/bin/env bash
# Runs the dropbolt benchmarks (see bench/README.md). Called by `make bench` after `make release` (dropbolt and
# dropbolt-fakes), `make lnbits` (the paid rows run a real LNbits from .build-lnbits/venv) and `make bench-deps`
# (baseline tools, and the l402kit venv in .build-bench/venv).
# Arguments are passed to bench.py, e.g. `bench/run.sh --only a`, `bench/run.sh --only paid,growth --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/dropbolt
fakes=.build/release/dropbolt-fakes
if [ ! -x "$binary" ]; then
  echo "bench: $binary is missing; run \`make release\` (or \`make bench\`)" >&2
  exit 1
fi
# bench.py checks for $fakes, the LNbits venv and the l402kit venv only when rows that need them are selected.

# A hard ceiling, so the harness can never hang: bench.py turns SIGTERM into a clean exit (children ended, temp
# folder deleted); anything still alive 45 s later is killed (stopping dropbolt-fakes and its LNbits can take ~20 s).
exec timeout --signal=TERM --kill-after=45 900 python3 bench/bench.py --binary "$binary" --fakes "$fakes" "$@"
