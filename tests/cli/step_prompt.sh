#!/usr/bin/env bash
# promptdesk-cli step --compare for Prompt Tuning and P-Tuning: the fixtures' six P-tuning cases
# (PEFT PromptEncoder, MLP and LSTM, on the tiny BERT/RoBERTa/GPT-2), the three prompt-tuning
# cases converted from the models' sp_* goldens (bench/convert_prompt_tuning_goldens.py), and
# random cases of other shapes made by the plain PyTorch reference bench/ref_prompt.py (other P,
# widths, layers, heads, batch, lengths, encoder widths and depths; MLP and LSTM; prepended and
# at a template's soft slots). Then the option errors that name their field.
set -u
cli="$1"; data="$2"
here="$(cd "$(dirname "$0")" && pwd)"
ref="$here/../../bench/ref_prompt.py"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

step() {  # method case-dir [extra args]
  local method="$1" dir="$2"; shift 2
  "$cli" step --method "$method" --golden "$dir/golden.safetensors" --config "$dir/golden.json" \
    --out "$tmp/out.safetensors" --compare "$@" > "$tmp/step.json" 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 0 ] || fail "$method $(basename "$dir") exit $rc: $(cat "$tmp/err") $(cat "$tmp/step.json")"
  grep -q '"ok":true' "$tmp/step.json" || fail "$method $(basename "$dir"): $(cat "$tmp/step.json")"
  # Every golden output and gradient was compared (nothing missing on our side).
  grep -q "FAIL" "$tmp/err" && fail "$method $(basename "$dir"): $(cat "$tmp/err")"
  echo "$method $(basename "$dir"): $(grep -c '  ok ' "$tmp/err") tensors ok"
}

# 1. The fixtures' P-tuning cases and the converted prompt-tuning cases.
n=0
for d in "$data"/text/methods/p-tuning/*/; do
  step p-tuning "${d%/}"; n=$((n + 1))
  if [ "$(basename "$d")" = gpt2-tiny-lstm ]; then
    # The golden's out.prompts (the encoder output) is compared, as are the LSTM's gradients.
    grep -q "out.prompts" "$tmp/err" || fail "out.prompts not compared"
    grep -q "grad.lstm_head.weight_ih_l1_reverse" "$tmp/err" || fail "LSTM gradients not compared"
  fi
done
[ $n -eq 6 ] || fail "expected the 6 p-tuning cases, found $n"
n=0
for d in "$data"/text/methods/prompt-tuning/*/; do step prompt-tuning "${d%/}"; n=$((n + 1)); done
[ $n -eq 3 ] || fail "expected the 3 prompt-tuning cases, found $n"

# 2. Random shapes from the reference: family method encoder placement hidden layers heads P
#    batch length Hh encoder-layers positions.
i=0
for spec in "gpt2 p-tuning LSTM prepend 40 3 5 6 3 9 12 3 32" \
            "gpt2 p-tuning MLP prepend 24 1 1 3 2 13 40 2 24" \
            "bert p-tuning LSTM prepend 48 2 4 7 3 10 8 1 40" \
            "bert p-tuning MLP template 36 3 3 5 3 14 20 2 30" \
            "roberta p-tuning LSTM template 40 2 2 4 2 12 10 2 30" \
            "bert prompt-tuning MLP prepend 56 2 7 9 2 8 0 0 24" \
            "gpt2 prompt-tuning MLP template 32 2 4 6 3 15 0 0 20" \
            "roberta prompt-tuning MLP prepend 24 4 3 3 4 11 0 0 20"; do
  set -- $spec
  i=$((i + 1)); dir="$tmp/case$i"
  "$py" "$ref" make --family "$1" --method "$2" --encoder "$3" --placement "$4" --hidden "$5" \
    --layers "$6" --heads "$7" --tokens "$8" --batch "$9" --length "${10}" \
    --encoder-hidden "${11:-8}" --encoder-layers "${12:-1}" --positions "${13}" --vocab 257 --seed "$i" \
    --out "$dir" || fail "reference make $spec"
  step "$2" "$dir"
done

# 3. Errors naming the field.
bert="$data/text/methods/p-tuning/bert-tiny-mlp"
err() {  # method options expected-text
  "$cli" step --method "$1" --golden "$bert/golden.safetensors" --config "$bert/golden.json" \
    --options "$2" --out "$tmp/x.safetensors" > /dev/null 2> "$tmp/err" && fail "no error for $2"
  grep -q -- "$3" "$tmp/err" || fail "$2: expected '$3' in: $(cat "$tmp/err")"
}
err p-tuning '{"encoder_hidden_size":0}' "encoder_hidden_size"
err p-tuning '{"num_virtual_tokens":0}' "num_virtual_tokens"
# P + T over the positions: a 55-token case of the reference (made on an 80-position model) run
# on bert-tiny, whose sizes it shares but whose table has 64 positions.
"$py" "$ref" make --family bert --method p-tuning --hidden 32 --layers 2 --heads 2 --tokens 55 \
  --batch 2 --length 13 --encoder-hidden 8 --positions 80 --vocab 257 --out "$tmp/long" \
  || fail "reference make (long)"
"$cli" step --method p-tuning --model "$data/text/models/bert-tiny" --golden "$tmp/long/golden.safetensors" \
  --config "$tmp/long/golden.json" --out "$tmp/x.safetensors" > /dev/null 2> "$tmp/err" \
  && fail "no error for 55 + 13 tokens"
grep -q "num_virtual_tokens 55 + 13 text tokens exceed the model's 64 positions" "$tmp/err" \
  || fail "P + T not explained: $(cat "$tmp/err")"
err p-tuning '{"placement":"template"}' "placement"
pt="$data/text/methods/prompt-tuning/bert-tiny"
"$cli" step --method prompt-tuning --golden "$pt/golden.safetensors" --config "$pt/golden.json" \
  --options '{"prompt_tuning_init":"TEXT"}' --out "$tmp/x.safetensors" > /dev/null 2> "$tmp/err" \
  && fail "no error for TEXT without text"
grep -q "prompt_tuning_init_text" "$tmp/err" || fail "TEXT without text: $(cat "$tmp/err")"
echo "step_prompt: OK"
