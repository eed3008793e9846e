#!/usr/bin/env bash
# promptdesk-cli forward on text models: the tiny BERT/RoBERTa/GPT-2 fixtures, and random models of
# other widths, depths, head counts, MLP widths and vocabularies (made and checked by the plain
# PyTorch reference bench/text_reference.py with Debian's python3-torch), so that nothing depends
# on the fixtures' shapes. Also model-info on the text families and the forward errors.
set -u
cli="$1"; data="$2"
here="$(cd "$(dirname "$0")" && pwd)"
ref="$here/../../bench/text_reference.py"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

# 1. The fixtures' golden inputs (extra golden tensors are ignored and listed).
for m in bert-tiny roberta-tiny gpt2-tiny; do
  d="$data/text/models/$m"
  out=$("$cli" forward --model "$d" --in "$d/golden.safetensors" --out "$tmp/$m.safetensors" \
        2>"$tmp/err"); rc=$?
  [ $rc -eq 0 ] || fail "forward $m exit $rc: $(cat "$tmp/err")"
  grep -q "ignored input tensor: last_hidden_state" "$tmp/err" || fail "$m: ignored inputs not listed"
  "$py" "$ref" forward --model "$d" --in "$d/golden.safetensors" --out "$tmp/$m.ref.safetensors" \
    || fail "reference forward $m"
  "$py" "$ref" compare "$tmp/$m.safetensors" "$tmp/$m.ref.safetensors" --in "$d/golden.safetensors" \
    || fail "$m differs from the reference"
  "$cli" model-info --model "$d" > "$tmp/info.json" 2>"$tmp/err" || fail "model-info $m: $(cat "$tmp/err")"
  grep -q '"num_hidden_layers": 2' "$tmp/info.json" || fail "model-info $m: $(cat "$tmp/info.json")"
done

# 2. Random models of other shapes (hidden/layers/heads/inner/vocab/positions).
i=0
for spec in "bert 48 3 4 80 700 40" "bert 24 1 1 0 300 17" "roberta 40 2 5 72 600 30" \
            "roberta 64 4 8 0 256 12" "gpt2 40 3 5 0 520 24" "gpt2 36 2 3 50 300 9"; do
  set -- $spec
  i=$((i + 1)); dir="$tmp/rand$i"
  "$py" "$ref" make --family "$1" --hidden "$2" --layers "$3" --heads "$4" --inner "$5" \
    --vocab "$6" --positions "$7" --seed "$i" --out "$dir" || fail "make $spec"
  "$cli" forward --model "$dir" --in "$dir/inputs.safetensors" --out "$dir/ours.safetensors" \
    > "$tmp/out.json" 2>"$tmp/err" || fail "forward on $spec: $(cat "$tmp/err")"
  "$py" "$ref" forward --model "$dir" --in "$dir/inputs.safetensors" --out "$dir/ref.safetensors" \
    || fail "reference on $spec"
  "$py" "$ref" compare "$dir/ours.safetensors" "$dir/ref.safetensors" --in "$dir/inputs.safetensors" \
    || fail "random model ($spec) differs from the reference"
done

# 3. Errors name the input: no input_ids, an input longer than the positions.
"$py" -c "
import sys, torch; sys.path.insert(0, '$(dirname "$ref")')
import text_reference as R
R.write_safetensors('$tmp/bad.safetensors', {'attention_mask': torch.ones(1, 3, dtype=torch.int64)})
R.write_safetensors('$tmp/long.safetensors', {'input_ids': torch.ones(1, 65, dtype=torch.int64)})
" || fail "writing bad inputs"
"$cli" forward --model "$data/text/models/bert-tiny" --in "$tmp/bad.safetensors" --out "$tmp/x.safetensors" \
  2>"$tmp/err" && fail "no error without input_ids"
grep -q "input_ids" "$tmp/err" || fail "missing input_ids not named: $(cat "$tmp/err")"
"$cli" forward --model "$data/text/models/bert-tiny" --in "$tmp/long.safetensors" --out "$tmp/x.safetensors" \
  2>"$tmp/err" && fail "no error for 65 tokens"
grep -q "at most 64 tokens" "$tmp/err" || fail "too long not explained: $(cat "$tmp/err")"
[ -e "$tmp/x.safetensors" ] && fail "output written despite the error"
echo "text_forward: OK"
