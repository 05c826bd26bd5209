#!/usr/bin/env bash
# Regenerates the committed shell completions from the CLI itself (swift-argument-parser's
# --generate-completion-script):
#   ops/completions/saturn.bash   (bash: source it, or install as /usr/share/bash-completion/completions/saturn)
#   ops/completions/_saturn       (zsh: put its directory on $fpath)
#   ops/completions/saturn.fish   (fish: ~/.config/fish/completions/ or /usr/share/fish/vendor_completions.d/)
# With --check, generates into a temporary directory and fails if the committed files differ (ops/test runs this
# after the build: a new option or subcommand must come with regenerated completions).
# Uses the built executable: $SATURN_BINARY, else .build/debug/saturn (build first).
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${SATURN_BINARY:-.build/debug/saturn}"
if [ ! -x "$binary" ]; then
  echo "saturn executable not found at $binary (build first, or set SATURN_BINARY)" >&2
  exit 1
fi
check=0
[ "${1:-}" = "--check" ] && check=1
committed=ops/completions
out="$committed"
[ $check = 1 ] && out=$(mktemp -d)
mkdir -p "$out"
"$binary" --generate-completion-script bash > "$out/saturn.bash"
"$binary" --generate-completion-script zsh > "$out/_saturn"
"$binary" --generate-completion-script fish > "$out/saturn.fish"
if [ $check = 1 ]; then
  status=0
  for f in saturn.bash _saturn saturn.fish; do
    diff -u "$committed/$f" "$out/$f" || status=1
  done
  rm -rf "$out"
  if [ $status != 0 ]; then echo "shell completions are out of date: run ops/generate-completions.sh" >&2; fi
  exit $status
fi
echo "generated: $(cd "$out" && ls saturn.bash _saturn saturn.fish | tr '\n' ' ')" >&2
