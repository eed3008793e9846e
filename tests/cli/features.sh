#!/usr/bin/env bash
# features: a frozen CLIP image tower over a split, through the feature cache. The second run
# reuses every feature; augmented views and another split are new keys; image files work too.
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
model="$data/clip-tiny-vit/model.safetensors"
fm=/usr/share/datasets/fashion-mnist
field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.e+-]*\).*/\1/p"; }
a=$("$cli" features --model "$model" --dataset "$fm" --split test --limit 300 --cache "$tmp/c" --json 2>"$tmp/err") \
  || fail "first run: $(cat "$tmp/err")"
[ "$(field "$a" misses)" = 300 ] || fail "first run misses: $a"
[ "$(field "$a" dim)" = 32 ] || fail "dim: $a"
grep -q "300/300" "$tmp/err" || fail "no progress on stderr: $(cat "$tmp/err")"
b=$("$cli" features --model "$model" --dataset "$fm" --split test --limit 300 --cache "$tmp/c" --json --quiet) || fail "second run"
[ "$(field "$b" hits)" = 300 ] || fail "second run hits: $b"
[ "$(field "$b" misses)" = 0 ] || fail "second run misses: $b"
c=$("$cli" features --model "$model" --dataset "$fm" --split test --limit 20 --views 2 --cache "$tmp/c" --json --quiet) || fail "views"
[ "$(field "$c" misses)" = 40 ] || fail "augmented views: $c"
mkdir -p "$tmp/ds/grey" "$tmp/ds/photo"
cp "$data/clip-preprocess/grey.png" "$data/clip-preprocess/portrait.png" "$tmp/ds/grey/"
cp "$data/clip-preprocess/landscape.jpg" "$data/clip-preprocess/small.jpg" "$tmp/ds/photo/"
d=$("$cli" features --model "$model" --dataset "$tmp/ds" --split train --cache "$tmp/c" --json --quiet) || fail "image files"
[ "$(field "$d" misses)" = 4 ] || fail "image files: $d"
out=$("$cli" features --model "$tmp/none.pt" --dataset "$fm" --cache "$tmp/c" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing model exit code $rc: $out"
echo "ok"
