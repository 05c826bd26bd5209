#!/usr/bin/env bash
# Instructions per telemetry message on the agent's ingest path and on the raw C receiver, counted by callgrind
# (instruction counts do not depend on the machine's load, so before/after comparisons are repeatable here).
#
#   ops/bench/callgrind-ingest.sh [SATURN_BINARY] [WORKERS] [MESSAGES]
#   (defaults: .build/release/saturn 256 200000; build with `swift build -c release --product saturn` first)
#
# Prints, per message: the inclusive cost of BusLoop.drainTelemetry() (receive, decode, checks, recording: the
# ingest path), the whole socket thread (adds the poll loop), and RawSubscriber.receive (the raw C loop), with the
# functions that cost most inside the ingest path. Needs valgrind; Swift's async main needs the sigsuspend shim
# (ops/bench/build.sh) to run under valgrind 3.19.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/release/saturn}
workers=${2:-256}
messages=${3:-200000}
[ -f ops/bench/build/sigsuspend-shim.so ] || ops/bench/build.sh >/dev/null
out=$(mktemp -d /tmp/saturn-callgrind.XXXXXX)
LD_PRELOAD=$PWD/ops/bench/build/sigsuspend-shim.so valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$out/cg.out" "$binary" bench-bus --measure ingest --repeats 1 --workers "$workers" \
    --messages "$messages" 2>&1 | grep -v '^==' | sed 's/^/  /'
inclusive() {  # total inclusive Ir of functions whose demangled name matches $1, over every thread file
    for f in "$out"/cg.out-*; do
        callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null | swift demangle --simplified \
            | grep -E "$1" | grep '\[' | head -1 | awk '{gsub(",", "", $1); print $1}' || true
    done | awk '{s += $1} END {print s + 0}'
}
agent=$(inclusive ':BusLoop\.drainTelemetry\(\) ')
raw=$(inclusive ':specialized static RawSubscriber\.receive\(|:static RawSubscriber\.receive\(')
thread=0
for f in "$out"/cg.out-*; do
    if grep -q drainTelemetry "$f"; then thread=$(grep -m1 '^summary' "$f" | awk '{print $2}'); top=$f; fi
done
awk -v a="$agent" -v r="$raw" -v t="$thread" -v n="$messages" -v w="$workers" 'BEGIN {
    printf "instructions per message (%d messages, %d worker ids):\n", n, w
    printf "  agent ingest path (BusLoop.drainTelemetry, inclusive)  %7.0f\n", a / n
    printf "  agent socket thread (everything on it)                 %7.0f\n", t / n
    printf "  raw C receiver (RawSubscriber.receive, inclusive)      %7.0f\n", r / n
}'
echo "top of the ingest path (inclusive Ir per message):"
callgrind_annotate --inclusive=yes "$top" 2>/dev/null | swift demangle --simplified | grep '\[' \
    | grep -E 'TelemetryIngest|StepTelemetryParser|ByteKeyedTable|receive\(into|zmq_msg_recv|AgentState\.record|KeyHistory\.record|Frames' \
    | head -16 | sed -E 's/^ *([0-9,]+) +\( *[0-9.]+%\) +/\1 /' \
    | awk -v n="$messages" '{c = $1; gsub(",", "", c); $1 = ""; printf "  %7.0f %s\n", c / n, substr($0, 2, 150)}'
echo "(callgrind files: $out)"
