#!/usr/bin/env bash
# Runs the dropbolt benchmarks (see bench/README.md). Called by `make bench` after `swift build -c release`.
# Arguments are passed to bench.py (e.g. `bench/run.sh --only a`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/dropbolt
if [ ! -x "$binary" ]; then
  echo "bench: $binary is missing; run \`swift build -c release\` (or \`make bench\`)" >&2
  exit 1
fi

# A hard ceiling, so the harness can never hang: bench.py turns SIGTERM into a clean exit (children ended, temp
# folder deleted); anything still alive 15 s later is killed.
exec timeout --signal=TERM --kill-after=15 900 python3 bench/bench.py --binary "$binary" "$@"
