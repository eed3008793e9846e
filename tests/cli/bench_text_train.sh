#!/usr/bin/env bash
# promptdesk-cli bench prompt-tuning / prefix-tuning / p-tuning-v2, correctness only (no timing
# is checked): a 1-layer BERT-base-width model, 8 shots per class, batch 4, 3 steps, inputs
# padded to 40 on the reference's side; ours and the plain PyTorch reference (bench/text_train_reference.py, Debian's
# python3-torch) must give the same loss curve (max |diff| <= 1e-4) and the same scores after
# training, and the last line is the JSON with speedup / max_loss_diff. Then the exit code when
# the curves differ (a stand-in reference that reports other losses).
set -u
cli="$1"
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

for m in prompt-tuning prefix-tuning p-tuning-v2; do
  "$cli" bench "$m" --layers 1 --shots 8 --batch 4 --steps 3 --reference-length 40 \
    --threads 2 --json > "$tmp/$m.out" 2>"$tmp/$m.err"; rc=$?
  [ $rc -eq 0 ] || fail "bench $m exit $rc: $(tail -5 "$tmp/$m.err") $(tail -3 "$tmp/$m.out")"
  tail -n 1 "$tmp/$m.out" > "$tmp/$m.json"
  "$py" - "$tmp/$m.json" "$m" <<'PY' || fail "bench $m: $(cat "$tmp/$m.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["bench"] == sys.argv[2], j["bench"]
assert j["steps"] == 3 and len(j["ours_losses"]) == 3 and len(j["reference_losses"]) == 3
assert j["max_loss_diff"] is not None and j["max_loss_diff"] <= 1e-4, j["max_loss_diff"]
assert j["max_score_diff"] is not None and j["max_score_diff"] <= 1e-4, j["max_score_diff"]
assert isinstance(j["speedup"], float) and j["speedup"] > 0
assert j["items"] == 16 and j["batch"] == 4 and j["hidden"] == 768 and j["vocab"] == 30522
PY
done

# A reference whose loss curve is off: the bench prints its figures and exits 1.
cat > "$tmp/wrong_reference.py" <<'PY'
import argparse, json, sys
sys.path.insert(0, sys.argv.pop(1))
import torch
from text_reference import read_safetensors, write_safetensors
ap = argparse.ArgumentParser()
for k in ("--model", "--in", "--train", "--out", "--threads"):
    ap.add_argument(k)
a = ap.parse_args()
x = read_safetensors(getattr(a, "in"))
steps = json.load(open(a.train))["steps"]
write_safetensors(a.out, {"losses": torch.full((steps,), 0.5, dtype=torch.float64),
                          "step_s": torch.ones(steps, dtype=torch.float64),
                          "scores": torch.zeros(x["input_ids"].shape[0], x["label_ids"].shape[0])})
print(json.dumps({"torch": torch.__version__, "threads": 1, "step_mean_s": 1.0, "eval_s": 1.0}))
PY
printf '#!/bin/sh\nexec %s %s %s "$@"\n' "$py" "$tmp/wrong_reference.py" "$here/../../bench" \
  > "$tmp/wrong.sh"
chmod +x "$tmp/wrong.sh"
"$cli" bench prefix-tuning --layers 1 --shots 4 --steps 1 --threads 2 --json --python /bin/sh \
  --reference-script "$tmp/wrong.sh" > "$tmp/wrong.out" 2>"$tmp/wrong.err"; rc=$?
[ $rc -eq 1 ] || fail "a differing loss curve gave exit $rc: $(tail -3 "$tmp/wrong.err")"
grep -q "loss curves differ" "$tmp/wrong.err" || fail "no message: $(tail -3 "$tmp/wrong.err")"
tail -n 1 "$tmp/wrong.out" | grep -q '"max_loss_diff"' || fail "no JSON line: $(cat "$tmp/wrong.out")"

# An unknown reference script is named.
"$cli" bench p-tuning-v2 --layers 1 --steps 1 --reference-script "$tmp/none.py" \
  > "$tmp/none.out" 2>"$tmp/none.err" && fail "a missing reference script was accepted"
grep -q "none.py" "$tmp/none.err" || fail "missing script not named: $(cat "$tmp/none.err")"
echo "bench_text_train: ok"
