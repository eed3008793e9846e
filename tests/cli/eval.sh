#!/usr/bin/env bash
# eval: zero-shot CLIP evaluation end to end (table, results.json, cache reuse, template sets,
# aliases, --compare with McNemar, usage and runtime errors).
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
model="$data/clip-tiny-vit/model.safetensors"
py() { python3 -c "$@"; }

# A small image folder: 2 classes of the preprocessing fixtures.
mkdir -p "$tmp/ds/test/grey_thing" "$tmp/ds/test/photo"
cp "$data/clip-preprocess/grey.png" "$data/clip-preprocess/portrait.png" "$tmp/ds/test/grey_thing/"
cp "$data/clip-preprocess/landscape.jpg" "$data/clip-preprocess/small.jpg" "$tmp/ds/test/photo/"

"$cli" eval --model "$model" --dataset "$tmp/ds" --split test --template "a photo of a {class}." \
  --cache "$tmp/c" --out "$tmp/a.json" >"$tmp/table" 2>"$tmp/err" || fail "eval: $(cat "$tmp/err")"
grep -q "accuracy" "$tmp/table" || fail "no table: $(cat "$tmp/table")"
grep -q "grey thing" "$tmp/table" || fail "no per-class rows: $(cat "$tmp/table")"
grep -q "results written" "$tmp/err" || fail "no message on stderr"
py "
import json, sys
r = json.load(open('$tmp/a.json'))
for k in ['accuracy','top5','macro_f1','ece','accuracy_ci95','per_class','confusion','items',
          'model','dataset','templates','app_version','seconds','items_per_second']:
    assert k in r, k
assert 0 <= r['accuracy'] <= 1 and len(r['accuracy_ci95']) == 2
assert r['accuracy_ci95'][0] <= r['accuracy'] <= r['accuracy_ci95'][1]
assert len(r['items']) == 4 and r['n'] == 4
for it in r['items']:
    assert set(['id','label','pred','scores']) <= set(it), it
    assert len(it['scores']) == 2
    assert it['pred'] == max(range(2), key=lambda c: it['scores'][c])
assert len(r['confusion']) == 2 and sum(map(sum, r['confusion'])) == 4
acc = sum(it['pred'] == it['label'] for it in r['items']) / 4
assert abs(acc - r['accuracy']) < 1e-12
assert len(r['model']['hash']) == 64 and r['dataset']['split'] == 'test'
assert r['templates'] == ['a photo of a {class}.'] and r['cache']['misses'] == 4
" || fail "results.json content"

# Second run: every image feature from the cache, the same scores.
"$cli" eval --model "$model" --dataset "$tmp/ds" --cache "$tmp/c" --out "$tmp/b.json" --quiet \
  >/dev/null || fail "second run"
py "
import json
a = json.load(open('$tmp/a.json')); b = json.load(open('$tmp/b.json'))
assert b['cache']['hits'] == 4 and b['cache']['misses'] == 0, b['cache']
assert [i['scores'] for i in a['items']] == [i['scores'] for i in b['items']]
" || fail "cached run differs"

# Several templates (ensemble) and --json on stdout.
"$cli" eval --model "$model" --dataset "$tmp/ds" --cache "$tmp/c" --quiet --json \
  --template "a photo of a {class}." --template "itap of a {class}." >"$tmp/e.json" || fail "ensemble"
py "
import json
e = json.load(open('$tmp/e.json')); a = json.load(open('$tmp/a.json'))
assert len(e['templates']) == 2
assert [i['scores'] for i in e['items']] != [i['scores'] for i in a['items']]
" || fail "ensemble output"

# Compare: identical results -> no discordant pairs, p = 1.
"$cli" eval --compare "$tmp/a.json" "$tmp/b.json" >"$tmp/cmp" || fail "compare"
grep -q "McNemar" "$tmp/cmp" || fail "compare output: $(cat "$tmp/cmp")"
"$cli" eval --compare "$tmp/a.json" "$tmp/e.json" --json >"$tmp/cmp.json" || fail "compare json"
py "
import json
c = json.load(open('$tmp/cmp.json'))
assert c['n'] == 4 and 0 <= c['p_value'] <= 1
" || fail "compare json content"

# Fashion-MNIST with the library's template set and its class aliases.
fm=/usr/share/datasets/fashion-mnist
if [ -d "$fm" ]; then
  "$cli" eval --model "$model" --dataset "$fm" --split test --template-set FashionMNIST/ensemble \
    --limit 100 --cache "$tmp/c" --out "$tmp/fm.json" --quiet >/dev/null || fail "fashion-mnist"
  py "
import json
r = json.load(open('$tmp/fm.json'))
assert r['n'] == 100 and r['num_classes'] == 10 and len(r['templates']) > 1
assert r['template_set'] == 'FashionMNIST/ensemble'
assert len(r['confusion']) == 10 and len(r['items'][0]['scores']) == 10
" || fail "fashion-mnist results"
fi

# Errors: usage (exit 2) and runtime (exit 1).
"$cli" eval --dataset "$tmp/ds" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --model exit code"
"$cli" eval --model "$model" --dataset "$tmp/ds" --cache "$tmp/c" --template "no class" \
  >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] || fail "bad template exit code"
grep -q "class" "$tmp/err" || fail "bad template message: $(cat "$tmp/err")"
"$cli" eval --compare "$tmp/a.json" "$tmp/fm-missing.json" >/dev/null 2>&1
[ $? -eq 1 ] || fail "missing compare file exit code"
echo "ok"
