#!/usr/bin/env bash
# Builds the helpers in ops/bench/build/ (gcc; no other dependency).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
gcc -O2 -Wall -shared -fPIC sigsuspend-shim.c -o build/sigsuspend-shim.so
echo "built ops/bench/build/sigsuspend-shim.so"
