#!/usr/bin/env bash
# promptdesk-cli step --compare on the fine-tuning baselines' golden cases: Houlsby adapters and
# BitFit on the bert-tiny fixtures (tests/data/text/methods/{adapter,bitfit}/bert-tiny, copied
# from the method fixtures), then random cases of other widths, depths, head counts, bottleneck
# sizes, batches and lengths on BERT, RoBERTa and GPT-2 made by the plain PyTorch reference
# bench/ref_baselines.py (Debian's python3-torch), and deliberately wrong adapter goldens
# (adapter after the LayerNorm, no internal skip) that step --compare must reject; then the
# errors for parameters that do not fit the method.
set -u
cli="$1"; data="$2"
here="$(cd "$(dirname "$0")" && pwd)"
ref="$here/../../bench/ref_baselines.py"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

# step METHOD CASE_DIR NAME: --compare must pass; prints the comparison lines.
step() {
  local out
  out=$("$cli" step --method "$1" --golden "$2/golden.safetensors" --config "$2/golden.json" \
        --out "$tmp/$3.safetensors" --compare 2>"$tmp/$3.err"); rc=$?
  sed 's/^/    /' "$tmp/$3.err"
  [ $rc -eq 0 ] || fail "step $1 on $2 exit $rc"
  echo "$out" | grep -q '"ok":true' || fail "step $1 on $2: not ok: $out"
  grep -q "FAIL" "$tmp/$3.err" && fail "step $1 on $2 reports a failed comparison"
  # Every golden output and gradient was compared (none missing in ours).
  grep -q "missing in ours" "$tmp/$3.err" && fail "step $1 on $2: an output is missing"
  echo "$out" > "$tmp/$3.json"
}

# 1. The fixtures' golden cases.
for m in adapter bitfit; do
  d="$data/text/methods/$m/bert-tiny"
  [ -f "$d/golden.safetensors" ] || fail "missing $d"
  echo "$m bert-tiny:"
  step "$m" "$d" "$m-golden"
done
grep -q '"trainable":' "$tmp/adapter-golden.json" || fail "no trainable count"
# bert-tiny: 2 layers x 2 adapters x (8*32 + 8 + 32*8 + 32) + 6 LayerNorms x 64 = 2208 + 384.
grep -q '"trainable":2592' "$tmp/adapter-golden.json" || fail "adapter count: $(cat "$tmp/adapter-golden.json")"

# 2. Random shapes (family, hidden, layers, heads, bottleneck m, batch, length, seed), and for
# 3. deliberately wrong adapter goldens, all made in one reference run.
specs=("bert,40,3,5,6,3,11,1" "roberta,36,2,4,5,3,12,2" "gpt2,40,3,5,7,3,10,3" "bert,24,1,3,16,2,7,4")
cases=()
for i in "${!specs[@]}"; do
  for m in adapter bitfit; do cases+=("$m-$i=$m,${specs[$i]}"); done
done
cases+=("mut-after-ln=adapter,bert,32,2,4,4,3,9,7,after-ln" "mut-no-skip=adapter,bert,32,2,4,4,3,9,7,no-skip")
"$py" "$ref" batch --out "$tmp/cases" "${cases[@]}" >"$tmp/ref.log" 2>&1 \
  || fail "reference: $(cat "$tmp/ref.log")"
sed 's/^/  reference: /' "$tmp/ref.log"
for i in "${!specs[@]}"; do
  for m in adapter bitfit; do
    echo "$m ${specs[$i]}:"
    step "$m" "$tmp/cases/$m-$i" "$m-$i"
  done
done

# 3. The wrong goldens must be rejected by --compare (exit 1), on the hidden states.
for mut in after-ln no-skip; do
  d="$tmp/cases/mut-$mut"
  "$cli" step --method adapter --golden "$d/golden.safetensors" --config "$d/golden.json" \
    --out "$tmp/mut.safetensors" --compare >/dev/null 2>"$tmp/mut.err"; rc=$?
  [ $rc -eq 1 ] || fail "step --compare accepted the '$mut' mutation (exit $rc)"
  grep -q "FAIL .*out.last_hidden_state" "$tmp/mut.err" || fail "mutation $mut: hidden states not flagged"
done

# 4. The golden's parameters under another bottleneck do not load: the error names the tensors.
d="$data/text/methods/adapter/bert-tiny"
"$cli" step --method adapter --golden "$d/golden.safetensors" --config "$d/golden.json" \
  --options '{"bottleneck_m":4}' --out "$tmp/x.safetensors" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || fail "bottleneck_m 4 accepted an m = 8 golden"
grep -q "adapter.down.weight is \[8, 32\], expected \[4, 32\]" "$tmp/err" || fail "shape error: $(cat "$tmp/err")"
# BitFit on the adapter golden: the parameters differ (missing biases, unexpected adapters).
"$cli" step --method bitfit --golden "$d/golden.safetensors" --config "$d/golden.json" \
  --out "$tmp/x.safetensors" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || fail "bitfit accepted the adapter golden"
grep -q "missing: .*attention.self.key.bias" "$tmp/err" || fail "bitfit names: $(cat "$tmp/err")"
echo "step_baselines: ok"
