#!/usr/bin/env bash
# libFuzzer harnesses for every decoder (ops/fuzz: one binary, SATURN_FUZZ_TARGET picks the harness).
#
#   ops/fuzz.sh                      # every harness, 10,000,000 executions each (the issue's bar; long)
#   ops/fuzz.sh --runs 20000         # a smoke run (what ops/test does)
#   ops/fuzz.sh --runs 1000000 telemetry request
#
# Builds with ASan + libFuzzer into .build-fuzz (release), seeds from ops/fuzz/corpus/<harness> (committed, read
# only), new inputs into .build-fuzz/corpus/<harness>, crashes into .build-fuzz/crashes/. Prints one line per harness
# with its executions; exits non-zero on the first crash, leak or disagreement.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10000000
targets=()
while (($#)); do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if ((${#targets[@]} == 0)); then
    targets=($(ls ops/fuzz/corpus))
fi
# SwiftPM keeps the path dependency's manifest and source list of an earlier build (a new target there is "no such
# module", a new file "cannot find ... in scope"): start the build over when Package.swift or the list of source
# files changed, keeping the corpora.
manifest=$( (sha256sum Package.swift ops/fuzz/Package.swift; find Sources ops/fuzz/Sources -name '*.swift' | sort) \
    | sha256sum | cut -c1-16)
if [[ -d .build-fuzz && "$(cat .build-fuzz/manifest.sha 2>/dev/null)" != "$manifest" ]]; then
    find .build-fuzz -mindepth 1 -maxdepth 1 ! -name corpus -exec rm -rf {} +
fi
mkdir -p .build-fuzz
echo "$manifest" > .build-fuzz/manifest.sha
swift build -c release --package-path ops/fuzz --scratch-path .build-fuzz --product SaturnFuzz \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld
binary=.build-fuzz/release/SaturnFuzz
mkdir -p .build-fuzz/crashes
for t in "${targets[@]}"; do
    [[ -d ops/fuzz/corpus/$t ]] || { echo "no seed corpus ops/fuzz/corpus/$t" >&2; exit 2; }
    mkdir -p ".build-fuzz/corpus/$t"
    log=".build-fuzz/$t.log"
    # Text and JSON inputs past a few kB add time per execution, not new paths.
    case "$t" in csv|config) max_len=4096 ;; *) max_len=65536 ;; esac
    started=$(date +%s)
    # SWIFT_BACKTRACE=enable=no: the Swift backtracer collides with ASan on a crash (TOOLCHAIN.md).
    if ! SATURN_FUZZ_TARGET="$t" SWIFT_BACKTRACE=enable=no "$binary" ".build-fuzz/corpus/$t" "ops/fuzz/corpus/$t" \
        -runs="$runs" -rss_limit_mb=4096 -max_len="$max_len" -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/crashes/$t-" >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz $t: FAILED (log $log, inputs .build-fuzz/crashes/$t-*)" >&2
        exit 1
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    echo "fuzz $t: $execs executions in $(( $(date +%s) - started )) s, coverage $cov edges, no crash"
done
