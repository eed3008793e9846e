#!/usr/bin/env bash
# dataset sample: the same seed gives the same ids in two separate processes; another seed differs;
# a class with fewer than K items is reported; bad specs are clear errors.
set -u
cli="$1"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for c in cat dog fox; do
  mkdir -p "$tmp/ds/$c"
  n=12; [ $c = fox ] && n=3
  for i in $(seq 1 $n); do echo "$c $i" > "$tmp/ds/$c/img_$i.png"; done
done
"$cli" dataset sample --dataset "$tmp/ds" --shots 4 --seed 7 > "$tmp/a.txt" 2> "$tmp/a.err" || fail "run 1: $(cat "$tmp/a.err")"
"$cli" dataset sample --dataset "folder:$tmp/ds" --shots 4 --seed 7 > "$tmp/b.txt" 2>/dev/null || fail "run 2"
"$cli" dataset sample --dataset "$tmp/ds" --shots 4 --seed 8 > "$tmp/c.txt" 2>/dev/null || fail "run 3"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "same seed, different ids: $(diff "$tmp/a.txt" "$tmp/b.txt")"
cmp -s "$tmp/a.txt" "$tmp/c.txt" && fail "seeds 7 and 8 gave the same ids"
[ "$(grep -c '^train' "$tmp/a.txt")" -eq 11 ] || fail "expected 4+4+3 train ids: $(cat "$tmp/a.txt")"
grep -q "class 2 'fox'" "$tmp/a.err" || fail "short class not reported: $(cat "$tmp/a.err")"
"$cli" dataset sample --dataset "$tmp/ds" --shots 4 --seed 7 --json 2>/dev/null | grep -q '"ids_hash"' || fail "--json"
out=$("$cli" dataset sample --dataset "$tmp/nope" --shots 1 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing dataset exit code $rc"
echo "$out" | grep -q "no such file" || fail "message: $out"
out=$("$cli" dataset info --dataset "bogus:$tmp/nope" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "unknown kind exit code $rc"
echo "ok"
