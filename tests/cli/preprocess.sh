#!/usr/bin/env bash
# promptdesk-cli bench preprocess: runs on the fixtures, bad images exit 1 naming the file.
set -u
cli="$1"
data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$cli" bench preprocess "$data/clip-preprocess/landscape.jpg" --n-px 32 --reps 2 --json) ||
  fail "bench preprocess exit code"
echo "$out" | grep -q '"width":300' || fail "bench output: $out"
echo "not an image" > "$tmp/fake.png"
out=$("$cli" bench preprocess "$tmp/fake.png" --reps 1 2>&1); rc=$?
[ $rc -eq 1 ] || fail "fake image exit $rc"
echo "$out" | grep -q "fake.png" || fail "message names the file: $out"
echo "ok"
