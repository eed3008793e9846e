#!/usr/bin/env bash
# train coop / experiment fewshot end to end on Fashion-MNIST (installed by the installer) with the
# tiny fixture CLIP: outputs exist, JSON parses, the split is recorded, resume works, bad input fails.
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
fm=/usr/share/datasets/fashion-mnist
[ -d "$fm" ] || fail "Fashion-MNIST missing at $fm (run installers/install-deps.sh)"
model="$data/clip-tiny-vit/model.safetensors"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$cli" train coop --model "$model" --dataset "$fm" --shots 1 --seed 1 --epochs 2 --n-ctx 4 \
  --test-limit 200 --cache "$tmp/cache" --out "$tmp/coop" --quiet || fail "train coop exit $?"
for f in result.json prompt.safetensors checkpoint.safetensors; do
  [ -s "$tmp/coop/$f" ] || fail "train coop did not write $f"
done
python3 - "$tmp/coop/result.json" <<'PY' || fail "result.json content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["method"] == "coop" and r["shots"] == 1 and r["train_items"] == 10, r
assert r["test_items"] == 200 and 0.0 <= r["test_accuracy"] <= 1.0
assert len(r["losses"]) == 2 and r["few_shot_ids_hash"]
PY

"$cli" experiment fewshot --model "$model" --dataset "$fm" --methods zeroshot,linear-probe,coop \
  --shots 1,2 --seeds 1 --epochs 2 --test-limit 200 --cache "$tmp/cache" --out "$tmp/fs" \
  >/dev/null 2>&1 || fail "experiment fewshot exit $?"
n=$(wc -l < "$tmp/fs/results.jsonl")
[ "$n" -eq 5 ] || fail "expected 5 runs (zeroshot + 2 x linear-probe + 2 x coop), got $n"
# A second run skips what is finished.
"$cli" experiment fewshot --model "$model" --dataset "$fm" --methods zeroshot,linear-probe,coop \
  --shots 1,2 --seeds 1 --epochs 2 --test-limit 200 --cache "$tmp/cache" --out "$tmp/fs" \
  >/dev/null 2>&1 || fail "experiment rerun exit $?"
[ "$(wc -l < "$tmp/fs/results.jsonl")" -eq 5 ] || fail "rerun duplicated runs"

# --reference-mode on a dataset (image tower every step, all 77 positions): the same loss curve as
# the fast path (cached features, shared prefix, truncated text pass) to float32 tolerance.
for mode in fast reference; do
  extra=(); [ $mode = reference ] && extra=(--reference-mode)
  "$cli" train coop --model "$model" --dataset "$fm" --shots 4 --seed 3 --epochs 3 --n-ctx 4 \
    --test-limit 50 --cache "$tmp/cache" --out "$tmp/$mode" --quiet "${extra[@]}" >/dev/null \
    || fail "train coop $mode exit $?"
done
python3 - "$tmp/fast/result.json" "$tmp/reference/result.json" <<'PY' || fail "reference vs fast loss curve"
import json, sys
a, b = (json.load(open(p))["losses"] for p in sys.argv[1:])
assert len(a) == len(b) == 3, (a, b)
d = max(abs(x - y) for x, y in zip(a, b))
print("max |loss diff| fast vs reference:", d)
assert d < 1e-4, d
PY

out=$("$cli" train coop --model "$tmp/nope.pt" --dataset "$fm" --shots 1 --out "$tmp/x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing model exit $rc"
echo "$out" | grep -q "nope.pt" || fail "message names the model file: $out"
echo ok
