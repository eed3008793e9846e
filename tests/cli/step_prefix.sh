#!/usr/bin/env bash
# promptdesk-cli step --compare for the two deep-prefix methods: Prefix-Tuning (HF PEFT
# PrefixEncoder; 6 golden cases: BERT / RoBERTa cloze, GPT-2 causal LM, with and without the
# prefix projection) and P-Tuning v2 (THUDM/P-tuning-v2; 4 cases: BERT / RoBERTa, pooled [CLS] +
# classifier), copied from the fixtures into tests/data/text/methods/. Then random models and
# cases of other shapes (P, width, layers, heads, batch, lengths, label counts; GPT-2, BERT and
# RoBERTa) made by the plain PyTorch reference bench/ref_prefix.py, which is itself first checked
# against the fixtures' goldens. Last: the errors (P + T over the positions, P = 0,
# encoder_hidden_size 0, the classifier head on GPT-2, foreign parameter names) and a perturbed
# golden that --compare must reject.
set -u
cli="$1"; data="$2"
here="$(cd "$(dirname "$0")" && pwd)"
ref="$here/../../bench/ref_prefix.py"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

# step --compare on a case folder; the JSON must say ok and list at least `min` comparisons.
step_ok() {  # method case min [extra args]
  local m="$1" c="$2" min="$3"; shift 3
  "$cli" step --method "$m" --golden "$c/golden.safetensors" --config "$c/golden.json" \
    --out "$tmp/out.safetensors" --compare "$@" > "$tmp/step.json" 2> "$tmp/step.err" ||
    fail "step $m on $c: exit $?: $(cat "$tmp/step.err")"
  local j; j=$(tail -n 1 "$tmp/step.json")
  case "$j" in *'"ok":true'*) ;; *) fail "step $m on $c: not ok: $j";; esac
  local k; k=$(grep -o '"max_abs_diff"' <<< "$j" | wc -l)
  [ "$k" -ge "$min" ] || fail "step $m on $c: $k comparisons, expected at least $min"
  for t in '"out.loss"' '"out.past_key_values"' '"grad.'; do
    grep -q -- "$t" <<< "$j" || fail "step $m on $c: $t not compared"
  done
  grep -q "FAIL" "$tmp/step.err" && fail "step $m on $c: $(cat "$tmp/step.err")"
  echo "  $c: $k tensors ok; worst max|diff| $(awk '{print $4, $2}' "$tmp/step.err" | sort -g | tail -n 1)"
}

# 1. The fixtures' goldens.
n=0
for c in "$data"/text/methods/prefix-tuning/*/; do step_ok prefix-tuning "${c%/}" 7; n=$((n + 1)); done
[ $n -eq 6 ] || fail "expected 6 prefix-tuning cases, found $n"
n=0
for c in "$data"/text/methods/p-tuning-v2/*/; do step_ok p-tuning-v2 "${c%/}" 8; n=$((n + 1)); done
[ $n -eq 4 ] || fail "expected 4 p-tuning-v2 cases, found $n"

# 2. The reference reproduces the fixtures' goldens (so its random cases mean something).
"$py" "$ref" check "$data"/text/methods/prefix-tuning/* "$data"/text/methods/p-tuning-v2/* > "$tmp/check.txt" ||
  fail "bench/ref_prefix.py disagrees with the fixtures: $(cat "$tmp/check.txt")"

# 3. Hidden shapes: random models and cases made by the reference (one process for all, and the
# inputs-only cases of section 4).
"$py" "$ref" batch > "$tmp/make.txt" <<EOF || fail "ref_prefix.py batch: $(cat "$tmp/make.txt")"
--out $tmp/pt-gpt2 --method prefix-tuning --family gpt2 --hidden 40 --layers 3 --heads 5 --vocab 300 --positions 24 --P 3 --proj 1 --enc-hidden 20 --batch 3 --length 7 --seed 11
--out $tmp/pt-bert --method prefix-tuning --family bert --hidden 24 --layers 1 --heads 3 --vocab 200 --positions 20 --P 6 --proj 0 --batch 4 --length 9 --labels 3 --seed 12
--out $tmp/pt-roberta --method prefix-tuning --family roberta --hidden 30 --layers 2 --heads 5 --vocab 210 --positions 15 --P 2 --proj 1 --enc-hidden 11 --batch 3 --length 10 --labels 4 --seed 16
--out $tmp/v2-bert --method p-tuning-v2 --family bert --hidden 48 --layers 3 --heads 4 --vocab 250 --positions 16 --P 5 --proj 1 --enc-hidden 28 --batch 3 --length 8 --labels 4 --seed 13
--out $tmp/v2-roberta --method p-tuning-v2 --family roberta --hidden 32 --layers 2 --heads 8 --vocab 230 --positions 18 --P 7 --proj 0 --batch 2 --length 9 --labels 5 --seed 15
--out $tmp/v2-gpt2 --method p-tuning-v2 --family gpt2 --hidden 36 --layers 2 --heads 3 --vocab 220 --positions 20 --P 2 --proj 0 --batch 5 --length 6 --labels 2 --seed 14
--out $tmp/long --method prefix-tuning --family gpt2 --hidden 16 --layers 1 --heads 2 --vocab 100 --positions 12 --P 5 --length 9 --batch 2 --inputs-only
--out $tmp/long2 --method p-tuning-v2 --family roberta --hidden 16 --layers 1 --heads 2 --vocab 100 --positions 12 --P 4 --length 9 --batch 2 --inputs-only
--out $tmp/cls-gpt2 --method p-tuning-v2 --family gpt2 --hidden 16 --layers 1 --heads 2 --vocab 100 --positions 12 --P 2 --length 5 --batch 2 --head classifier --inputs-only
EOF
step_ok prefix-tuning "$tmp/pt-gpt2" 8      # GPT-2, causal-LM loss, projection
step_ok prefix-tuning "$tmp/pt-bert" 7      # BERT cloze, 1 layer, 3 heads, P = 6
step_ok prefix-tuning "$tmp/pt-roberta" 10  # RoBERTa cloze, projection, P = 2
step_ok p-tuning-v2 "$tmp/v2-bert" 10       # BERT classifier (4 classes), projection
step_ok p-tuning-v2 "$tmp/v2-roberta" 7     # RoBERTa classifier (5 classes), 8 heads of 4
step_ok p-tuning-v2 "$tmp/v2-gpt2" 5        # GPT-2 with the cloze head (next-token label words)

# 4. Errors name the field.
step_err() {  # pattern method case [extra args]: step must fail and say `pattern`
  local pat="$1" m="$2" c="$3"; shift 3
  "$cli" step --method "$m" --golden "$c/golden.safetensors" --config "$c/golden.json" \
    --out "$tmp/err.safetensors" "$@" > /dev/null 2> "$tmp/err.txt" && fail "no error ($pat) for $m on $c $*"
  grep -q -- "$pat" "$tmp/err.txt" || fail "error does not say '$pat': $(cat "$tmp/err.txt")"
}
step_err "num_virtual_tokens 5 + 9 text tokens = 14 positions exceed the model's 12" prefix-tuning "$tmp/long"
step_err "pre_seq_len 4 + 9 text tokens = 13 positions exceed the model's 12" p-tuning-v2 "$tmp/long2"
pt="$data/text/methods/prefix-tuning"; v2="$data/text/methods/p-tuning-v2"
step_err "num_virtual_tokens" prefix-tuning "$pt/gpt2-tiny-noproj" --options '{"num_virtual_tokens":0}'
step_err "pre_seq_len" p-tuning-v2 "$v2/bert-tiny-noproj" --options '{"pre_seq_len":0}'
step_err "encoder_hidden_size" prefix-tuning "$pt/bert-tiny-proj" --options '{"encoder_hidden_size":0}'
step_err "prefix_hidden_size" p-tuning-v2 "$v2/bert-tiny-proj" --options '{"prefix_hidden_size":0}'
step_err "num_virtual_tokens 64 leaves no room" prefix-tuning "$pt/bert-tiny-noproj" --options '{"num_virtual_tokens":64}'
step_err "use the 'verbalizer' head" p-tuning-v2 "$tmp/cls-gpt2"
# P-tuning-v2's names are not PEFT's: a strict load lists the missing ones.
step_err "missing: embedding.weight" prefix-tuning "$v2/bert-tiny-noproj"

# 5. --compare fails on a perturbed golden (a key/value of one virtual token moved by 0.05).
absdata="$(cd "$data" && pwd)"
mkdir -p "$tmp/bad" && cp "$pt/roberta-tiny-noproj/golden.json" "$tmp/bad/" &&
  sed -i 's#"model_dir": "[^"]*"#"model_dir": "'"$absdata"'/text/models/roberta-tiny"#' "$tmp/bad/golden.json"
"$py" - "$pt/roberta-tiny-noproj/golden.safetensors" "$tmp/bad/golden.safetensors" <<PY || fail "perturbing"
import sys; sys.path.insert(0, "$(dirname "$ref")")
import text_reference as R
g = R.read_safetensors(sys.argv[1]); g["param.embedding.weight"][1, 5] += 0.05
R.write_safetensors(sys.argv[2], g)
PY
"$cli" step --method prefix-tuning --golden "$tmp/bad/golden.safetensors" --config "$tmp/bad/golden.json" \
  --out "$tmp/bad/out.safetensors" --compare > /dev/null 2> "$tmp/bad.txt"
[ $? -eq 1 ] || fail "a perturbed prefix passed --compare: $(cat "$tmp/bad.txt")"
grep -q "FAIL .*out.past_key_values" "$tmp/bad.txt" || fail "perturbed past_key_values not flagged: $(cat "$tmp/bad.txt")"
echo "step_prefix: OK"
