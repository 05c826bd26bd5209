#!/usr/bin/env bash
# The Swift tests under ThreadSanitizer and AddressSanitizer (opt-in: each is a full build of its own and a test run
# several times slower than ops/test's).
#
#   ops/sanitize.sh                 # thread, then address
#   ops/sanitize.sh address         # one of them
#   ops/sanitize.sh thread --filter AgentTests    # extra arguments go to `swift test`
#
# Build folders .build-tsan and .build-asan (git-ignored; each holds its run's log, sanitize.log). Prints one line per sanitizer with the test count and
# the time; exits non-zero on the first failure or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=(thread address)
if (($#)) && [[ "$1" == thread || "$1" == address ]]; then
    sanitizers=("$1")
    shift
fi
for s in "${sanitizers[@]}"; do
    dir=".build-${s:0:1}san"
    log="$dir/sanitize.log"
    started=$(date +%s)
    swift build --build-tests --sanitize="$s" --scratch-path "$dir"
    # halt_on_error: a report fails the run rather than scrolling past. SWIFT_BACKTRACE off: the Swift backtracer
    # collides with the sanitizers' own reports (TOOLCHAIN.md).
    if ! TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ASAN_OPTIONS="halt_on_error=1 detect_leaks=0" \
        SWIFT_BACKTRACE=enable=no swift test --skip-build --scratch-path "$dir" --no-parallel "$@" >"$log" 2>&1; then
        grep -E "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|✘|error:" "$log" | head -40 >&2 || true
        echo "sanitize $s: FAILED (log $log)" >&2
        exit 1
    fi
    passed=$(grep -Eo "Test run with [0-9]+ tests" "$log" | tail -1 || true)
    xc=$(grep -Eo "Executed [0-9]+ tests?, with 0 failures" "$log" | tail -1 || true)
    echo "sanitize $s: passed (${passed:-?}; XCTest: ${xc:-none}) in $(( $(date +%s) - started )) s, no report"
done
