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
"$cli" tokenize --tokenizer gpt3 "x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown tokenizer exit $rc"
"$cli" tokenize --jsonl "$tmp/missing.jsonl" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing --jsonl file exit $rc"
"$cli" tokenize --vocab "$tmp/none.txt" "x" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing vocab exit $rc"

# Text tokenizers from folders (the copies of the fixture vocabularies) and by name.
gpt2="$data/text/vocab/gpt2"
bert="$data/text/vocab/bert-base-uncased"
out=$("$cli" tokenize --tokenizer "$gpt2" "Hello world" "The quick brown fox jumps over the lazy dog.") || fail "gpt2 folder"
[ "$(echo "$out" | sed -n 1p)" = "[15496,995]" ] || fail "gpt2 ids: $out"
[ "$(echo "$out" | sed -n 2p)" = "[464,2068,7586,21831,18045,625,262,16931,3290,13]" ] || fail "gpt2 ids 2: $out"
out=$("$cli" tokenize --tokenizer "$bert" --tokens "Hello world") || fail "bert folder"
[ "$out" = '{"ids":[101,7592,2088,102],"tokens":["[CLS]","hello","world","[SEP]"]}' ] || fail "bert tokens: $out"
out=$("$cli" tokenize --tokenizer "$bert" --pair "jumps over the lazy dog." --type-ids "the quick brown fox") || fail "bert pair"
[ "$out" = '{"attention_mask":[1,1,1,1,1,1,1,1,1,1,1,1,1],"ids":[101,1996,4248,2829,4419,102,14523,2058,1996,13971,3899,1012,102],"type_ids":[0,0,0,0,0,0,1,1,1,1,1,1,1]}' ] || fail "bert pair: $out"
out=$("$cli" tokenize --tokenizer "$bert" --max-length 6 --pad "a b c d e f g") || fail "bert truncate"
[ "$out" = "[101,1037,1038,1039,1040,102]" ] || fail "bert truncate: $out"
out=$("$cli" tokenize --tokenizer "$bert" --max-length 6 --pad --padding-side left --type-ids "a b") || fail "bert left pad"
[ "$out" = '{"attention_mask":[0,0,1,1,1,1],"ids":[0,0,101,1037,1038,102],"type_ids":[0,0,0,0,0,0]}' ] || fail "bert left pad: $out"
out=$("$cli" tokenize --tokenizer "$bert" "It was [MASK].") || fail "bert literal mask"
[ "$out" = "[101,2009,2001,1031,7308,1033,1012,102]" ] || fail "bert literal mask (google splits it): $out"
out=$("$cli" tokenize --tokenizer "$bert" --recognise-special-tokens --no-special-tokens "It was [MASK].") || fail "bert mask"
[ "$out" = "[2009,2001,103,1012]" ] || fail "bert recognised mask: $out"
printf '{"text": "Hello world"}\n{"text": "a", "text_b": "b"}\n' > "$tmp/text.jsonl"
out=$("$cli" tokenize --tokenizer "$bert" --jsonl "$tmp/text.jsonl") || fail "bert jsonl"
[ "$(echo "$out" | sed -n 2p)" = "[101,1037,102,1038,102]" ] || fail "bert jsonl pair: $out"
out=$("$cli" tokenize --tokenizer "$gpt2" "$(printf 'abc\xff')" 2>&1) || fail "gpt2 invalid UTF-8: $out"
# Bad vocabularies: exit 1 naming the file (and line).
mkdir -p "$tmp/badbert" "$tmp/badgpt2"
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n' > "$tmp/badbert/vocab.txt"
out=$("$cli" tokenize --tokenizer "$tmp/badbert" "x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "vocab without [MASK] exit $rc"
echo "$out" | grep -q 'vocab.txt.*\[MASK\]' || fail "vocab without [MASK] message: $out"
cp "$gpt2/vocab.json" "$tmp/badgpt2/"
printf '#version: 0.2\nh e\nbad\n' > "$tmp/badgpt2/merges.txt"
out=$("$cli" tokenize --tokenizer "$tmp/badgpt2" "x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad merges exit $rc"
echo "$out" | grep -q 'merges.txt:3' || fail "bad merges message: $out"
printf '{"model": {"type": "Unigram", "vocab": []}}' > "$tmp/badgpt2/tokenizer.json"
out=$("$cli" tokenize --tokenizer "$tmp/badgpt2" "x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "unsupported tokenizer.json exit $rc"
echo "$out" | grep -q "model type 'Unigram' is not supported" || fail "tokenizer.json message: $out"
"$cli" tokenize --tokenizer "$gpt2" --padding-side middle "x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad --padding-side exit $rc"
"$cli" tokenize --pair "b" "a" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--pair with clip exit $rc"
out=$("$cli" tokenize --tokenizer gpt2 "Hello world" 2>&1); rc=$?
if [ $rc -eq 0 ]; then
  [ "$out" = "[15496,995]" ] || fail "gpt2 by name: $out"
  out=$("$cli" tokenize --tokenizer bert-base-uncased "Hello world") || fail "bert by name"
  [ "$out" = "[101,7592,2088,102]" ] || fail "bert by name: $out"
else
  echo "$out" | grep -q "install-data.sh" || fail "gpt2 by name: $out"
fi

out=$("$cli" bench tokenize --prompts 200) || fail "bench tokenize"
echo "$out" | grep -q "prompts/s" || fail "bench output: $out"
echo "ok"
