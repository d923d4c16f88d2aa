#!/usr/bin/env bash
# Runs each fuzz target in turn for FUZZ_SECONDS (default 600), one at a time.
#
# Corpus: Fuzz/corpus/<target>/ grows (not committed); Fuzz/seeds/<target>/ is read as extra input, never written.
# Findings: libFuzzer writes the input to Fuzz/artifacts/<target>/crash-…, timeout-… or oom-…; the log is
# Fuzz/logs/<target>.log. The script goes on with the other targets and exits 1 if any target found something.
#
#   Fuzz/run.sh                 # every target, FUZZ_SECONDS each
#   Fuzz/run.sh l402 config     # some targets
#   FUZZ_SECONDS=60 FUZZ_NICE= Fuzz/run.sh bolt11
#   FUZZ_BIN=/other/bin Fuzz/run.sh l402   # binaries from elsewhere (default Fuzz/.build/release)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${FUZZ_BIN:-$here/.build/release}"
seconds="${FUZZ_SECONDS:-600}"
nice_cmd="${FUZZ_NICE-nice -n 15}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(bolt11 l402 config provider); fi

# Swift's own crash reporter would symbolicate for minutes; libFuzzer's and ASan's report is what we want.
export SWIFT_BACKTRACE=enable=no

failed=()
for target in "${targets[@]}"; do
    exe="$bin/fuzz-$target"
    if [ ! -x "$exe" ]; then echo "fuzz: $exe is missing; run 'make fuzz-build'" >&2; exit 2; fi
    mkdir -p "$here/corpus/$target" "$here/artifacts/$target" "$here/logs"
    log="$here/logs/$target.log"
    echo "fuzz: $target for ${seconds}s (log: Fuzz/logs/$target.log)"
    $nice_cmd "$exe" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$here/artifacts/$target/" \
        "$here/corpus/$target" "$here/seeds/$target" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    echo "fuzz: $target exit=$status runs=${runs:-?} exec/s=${rate:-?} last: ${last:-none}"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E 'SUMMARY|ERROR: libFuzzer|Fatal error|Test unit written' "$log" | head -5
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in: ${failed[*]}; inputs are in Fuzz/artifacts/<target>/" >&2
    exit 1
fi
echo "fuzz: no findings"
