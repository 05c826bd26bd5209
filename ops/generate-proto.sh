#!/usr/bin/env bash
# Regenerates the committed protobuf code from proto/saturn/v1/*.proto:
#   Swift  -> Sources/SaturnWire/Generated/saturn/v1/*.pb.swift  (protoc-gen-swift from our pinned swift-protobuf)
#   Python -> ops/python/saturn_client/saturn_pb2.py (+ .pyi)     (Debian's protoc 3.21, see TOOLCHAIN.md)
# With --check, regenerates into a temporary copy and fails if the committed files differ.
# Needs: protoc (apt protobuf-compiler), swift. protoc-gen-swift is built once into .build-protoc/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
plugin="$root/.build-protoc/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
  echo "building protoc-gen-swift (swift-protobuf pinned in Package.swift) ..." >&2
  swift build -c release --product protoc-gen-swift --scratch-path "$root/.build-protoc" >&2
fi
check=0
[ "${1:-}" = "--check" ] && check=1
out="$root"
if [ $check = 1 ]; then
  out=$(mktemp -d)
  mkdir -p "$out/Sources/SaturnWire/Generated" "$out/ops/python/saturn_client"
fi
swift_out="$out/Sources/SaturnWire/Generated"
py_out="$out/ops/python/saturn_client"
mkdir -p "$swift_out" "$py_out"
protos=$(cd proto && find saturn -name '*.proto' | sort)
(cd proto && protoc --plugin=protoc-gen-swift="$plugin" --swift_out="$swift_out" \
  --swift_opt=Visibility=Public $protos)
# Python: generated flat into the package so that `from saturn_client import saturn_pb2` works.
(cd proto/saturn/v1 && protoc --python_out="$py_out" --pyi_out="$py_out" -I . $(ls *.proto | sort))
if [ $check = 1 ]; then
  status=0
  diff -r "$swift_out" Sources/SaturnWire/Generated || status=1
  for f in "$py_out"/*_pb2.py "$py_out"/*_pb2.pyi; do
    diff "$f" "ops/python/saturn_client/$(basename "$f")" || status=1
  done
  rm -rf "$out"
  if [ $status != 0 ]; then echo "generated protobuf code is out of date: run ops/generate-proto.sh" >&2; fi
  exit $status
fi
echo "generated: $(ls "$swift_out") and $(cd "$py_out" && ls *_pb2.py*)" >&2
