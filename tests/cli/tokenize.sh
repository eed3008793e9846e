#!/usr/bin/env bash
# promptdesk-cli tokenize: ids as JSON arrays, --pad, --jsonl in order, errors and exit codes.
set -u
cli="$1"
data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$cli" tokenize --tokenizer clip "a photo of a dog." 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "install-data.sh"; then
  echo "skip: CLIP vocabulary not installed"; exit 0
fi
[ $rc -eq 0 ] || fail "tokenize exit $rc: $out"
[ "$out" = "[49406,320,1125,539,320,1929,269,49407]" ] || fail "ids: $out"

out=$("$cli" tokenize --pad "a photo of a dog.") || fail "--pad exit code"
n=$(echo "$out" | tr -cd ',' | wc -c)
[ "$n" -eq 76 ] || fail "--pad gives 77 ids (got $((n + 1))): $out"
echo "$out" | grep -q '^\[49406,320,1125,539,320,1929,269,49407,0,0,' || fail "--pad: $out"

# Two positional texts: two lines, in order.
out=$("$cli" tokenize "itap of my   cat" "Hello,world:123") || fail "two texts"
[ "$(echo "$out" | sed -n 1p)" = "[49406,529,2728,539,607,2368,49407]" ] || fail "text 1: $out"
[ "$(echo "$out" | sed -n 2p)" = "[49406,3306,267,1002,281,272,273,274,49407]" ] || fail "text 2: $out"

# --jsonl: one array per line, in order (the fixture cases as input).
printf '{"text": "a photo of a dog."}\n{"text": "It'"'"'s a GREAT movie!!!", "label": 3}\n{"text": "naïve café résumé"}\n' > "$tmp/in.jsonl"
out=$("$cli" tokenize --jsonl "$tmp/in.jsonl") || fail "--jsonl exit code"
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "--jsonl line count: $out"
[ "$(echo "$out" | sed -n 2p)" = "[49406,585,568,320,830,2016,995,49407]" ] || fail "jsonl line 2: $out"
[ "$(echo "$out" | sed -n 3p)" = "[49406,1097,35689,563,15304,29106,7054,4166,49407]" ] || fail "jsonl line 3: $out"

# Long text: truncated to 77 with the end token last; --no-truncate fails.
long=$(for i in $(seq 1 120); do printf 'word%d ' "$i"; done)
out=$("$cli" tokenize "$long") || fail "long text"
echo "$out" | grep -q ',49407\]$' || fail "truncation keeps EOT: $out"
[ "$(echo "$out" | tr -cd ',' | wc -c)" -eq 76 ] || fail "truncated to 77: $out"
out=$("$cli" tokenize --no-truncate "$long" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "--no-truncate exit $rc"

# Bad JSON line: exit 1, message names FILE:line.
printf '{"text": "ok"}\n{"text": oops}\n' > "$tmp/bad.jsonl"
out=$("$cli" tokenize --jsonl "$tmp/bad.jsonl" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad JSON exit $rc"
echo "$out" | grep -q "bad.jsonl:2" || fail "bad JSON message names FILE:line: $out"
printf '{"txt": "ok"}\n' > "$tmp/nokey.jsonl"
out=$("$cli" tokenize --jsonl "$tmp/nokey.jsonl" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing text exit $rc"
echo "$out" | grep -q "nokey.jsonl:1" || fail "missing text message: $out"

# Invalid UTF-8 does not crash.
out=$("$cli" tokenize "$(printf 'abc\xff\xfe')" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "invalid UTF-8 exit $rc: $out"

# Usage errors: exit 2.
"$cli" tokenize >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no text exit $rc"
"$cli" tokenize --tokenizer gpt2 "x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown tokenizer exit $rc"
"$cli" tokenize --jsonl "$tmp/missing.jsonl" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing --jsonl file exit $rc"
"$cli" tokenize --vocab "$tmp/none.txt" "x" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing vocab exit $rc"

out=$("$cli" bench tokenize --prompts 200) || fail "bench tokenize"
echo "$out" | grep -q "prompts/s" || fail "bench output: $out"
echo "ok"
