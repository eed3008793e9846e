#!/usr/bin/env bash
# promptdesk-cli eval with text models: cloze (BERT) and prefix (GPT-2) zero-shot on a small
# sentiment set, the label-word report, recording in a project, and the bad-input errors.
set -u
cli="$1"; data="$2/text"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ds="$data/datasets/sentiment-mini"
bert="$data/models/bert-tiny"; gpt2="$data/models/gpt2-tiny"
bv="$data/vocab/bert-base-uncased"; gv="$data/vocab/gpt2"

"$cli" eval --model "$bert" --tokenizer "$bv" --dataset "$ds" --template "{text} It was {mask}." \
  --template "{text} All in all, it was {mask}." --label-words "negative=terrible|bad" \
  --label-words "positive=great|splendiferous" --json --out "$tmp/bert.json" > "$tmp/out.json" 2>"$tmp/err" \
  || fail "bert eval: $(cat "$tmp/err")"
grep -q '"scoring": "cloze"' "$tmp/out.json" || fail "no cloze scoring: $(head -c 400 "$tmp/out.json")"
grep -q '"test_items": 6' "$tmp/out.json" || grep -q '"n": 6' "$tmp/out.json" || fail "not 6 items"
grep -q "splendiferous  -> sp ##len" "$tmp/err" || fail "multi-token label word not shown: $(cat "$tmp/err")"
[ -s "$tmp/bert.json" ] || fail "no --out file"

"$cli" eval --model "$gpt2" --tokenizer "$gv" --dataset "$ds" --template "Review: {text} Sentiment:" \
  --label-words "negative=terrible" --label-words "positive=great" --scoring mean --calibrate \
  --json > "$tmp/gpt2.json" 2>"$tmp/err" || fail "gpt2 eval: $(cat "$tmp/err")"
grep -q '"scoring": "mean"' "$tmp/gpt2.json" || fail "no mean scoring"
grep -q '"calibration"' "$tmp/gpt2.json" || fail "no calibration recorded"
grep -q "great .*-> Ġgreat   (without the space: great)" "$tmp/err" || fail "leading-space token not shown: $(cat "$tmp/err")"

# Recorded in a project, with every prediction.
"$cli" project new "$tmp/p.pdesk" > /dev/null || fail "project new"
"$cli" eval --model "$bert" --tokenizer "$bv" --dataset "$ds" --label-words "negative=bad" \
  --label-words "positive=good" --project "$tmp/p.pdesk" --quiet > "$tmp/run.json" 2>"$tmp/err" \
  || fail "eval --project: $(cat "$tmp/err")"
"$cli" project list-jobs "$tmp/p.pdesk" | grep -q "succeeded.*text-zero-shot" || fail "run not recorded"
"$cli" project export "$tmp/p.pdesk" --out "$tmp/export" > /dev/null 2>&1 || fail "export"

# Bad input.
"$cli" eval --model "$bert" --tokenizer "$bv" --dataset "$ds" --label-words "negative=☃☃" \
  --label-words "positive=good" 2>"$tmp/err" >/dev/null && fail "no error for a label word outside the vocabulary"
grep -q "class 'negative'" "$tmp/err" || fail "bad label word not named: $(cat "$tmp/err")"
long=$(printf 'word %.0s' $(seq 1 80))
"$cli" eval --model "$bert" --tokenizer "$bv" --dataset "$ds" --template "{text} $long {mask}." \
  2>"$tmp/err" >/dev/null && fail "no error for a template longer than the context"
grep -q "longer than the model's 64 positions" "$tmp/err" || fail "too-long template: $(cat "$tmp/err")"
"$cli" eval --model "$gpt2" --tokenizer "$gv" --dataset "$ds" --scoring cloze 2>"$tmp/err" >/dev/null \
  && fail "cloze on a causal LM accepted"
"$cli" eval --model "$bert" --tokenizer "$bv" --dataset "$ds" --template "{text} no mask here" \
  2>"$tmp/err" >/dev/null && fail "a masked-LM template without {mask} accepted"
echo "text_eval: OK"
