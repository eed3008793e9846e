#!/usr/bin/env bash
# promptdesk-cli clip-embed and model-info on the tiny CLIP fixtures.
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# --in-process: the TorchScript reader itself runs in this process.
"$cli" model-info --in-process --model "$data/clip-tiny-vit/openai-jit.pt" > "$tmp/info.json" \
  || fail "model-info exit"
grep -q '"transformer_heads": 2' "$tmp/info.json" || fail "model-info heads: $(cat "$tmp/info.json")"
grep -q '"format": "openai-torchscript"' "$tmp/info.json" || fail "model-info format"
# Default: a .pt is converted by import-checkpoint in a child process; the safetensors is read.
PROMPTDESK_DATA="$tmp/data" "$cli" model-info --model "$data/clip-tiny-vit/openai-jit.pt" \
  > "$tmp/info2.json" 2> "$tmp/err2" || fail "model-info (isolated) exit: $(cat "$tmp/err2")"
grep -q "in a separate process" "$tmp/err2" || fail "no isolated import: $(cat "$tmp/err2")"
grep -q '"format": "safetensors"' "$tmp/info2.json" || fail "isolated model-info format"
grep -q '"transformer_heads": 2' "$tmp/info2.json" || fail "isolated model-info heads"
ls "$tmp/data/imported/"*.safetensors > /dev/null || fail "no converted file in the data folder"
grep -q '"parameter_count"' "$tmp/info.json" || fail "model-info parameter count"
"$cli" model-info --model "$data/clip-tiny-rn/model.safetensors" | grep -q '"vision": "resnet"' \
  || fail "model-info resnet"

for m in clip-tiny-vit/openai-jit.pt clip-tiny-rn/model.safetensors clip-tiny-vit-hf; do
  fx=${m%%/*}
  out=$("$cli" clip-embed --model "$data/$m" --in "$data/$fx/golden.safetensors" \
        --out "$tmp/out.safetensors" 2>"$tmp/err"); rc=$?
  [ $rc -eq 0 ] || fail "clip-embed $m exit $rc: $(cat "$tmp/err")"
  [ -s "$tmp/out.safetensors" ] || fail "no output for $m"
  for k in image_features text_features logits_per_image; do
    grep -q "$k" "$tmp/out.safetensors" || fail "$k missing in output of $m"
  done
  echo "$out" | grep -q '"images":' || fail "summary: $out"
  rm -f "$tmp/out.safetensors"
done

# Image files and texts (CLIP preprocessing + tokenizer), when the vocabulary is installed.
out=$("$cli" clip-embed --model "$data/clip-tiny-vit/model.safetensors" \
      --image "$data/clip-preprocess/landscape.jpg" "$data/clip-preprocess/grey.png" \
      --text "a photo of a cat." "a photo of a dog." --out "$tmp/files.safetensors" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -qi "vocab\|install-data"; then
  echo "skip: --image/--text (CLIP vocabulary not installed)"
else
  [ $rc -eq 0 ] || fail "clip-embed --image/--text exit $rc: $out"
  echo "$out" | grep -q '"logits_per_image":\[\[' || fail "logits in summary: $out"
  echo "$out" | grep -q '"images":2' || fail "two images: $out"
  echo "$out" | grep -q 'probabilities (softmax over the texts)' || fail "no probability table: $out"
  # Two images x two texts; each image's probabilities sum to 1.
  sums=$(echo "$out" | awk '/^  [^ ]/ {if (n) print s; s = 0; n = 1} /^    [01]\.[0-9][0-9][0-9][0-9]  a photo of a / {s += $1} END {if (n) print s}')
  [ "$(echo "$sums" | wc -l)" -eq 2 ] || fail "probability rows: $out"
  echo "$sums" | awk '{ if ($1 < 0.999 || $1 > 1.001) exit 1 }' || fail "probabilities do not sum to 1: $sums"
  [ -s "$tmp/files.safetensors" ] || fail "no output for --image/--text"
fi

# Bad input: not a CLIP checkpoint, missing input, both kinds of input.
out=$("$cli" clip-embed --model "$data/clip-tiny-vit/golden.safetensors" \
      --in "$data/clip-tiny-vit/golden.safetensors" --out "$tmp/x.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "non-CLIP model exit $rc"
echo "$out" | grep -q "golden.safetensors" || fail "message names the file: $out"
"$cli" clip-embed --model "$data/clip-tiny-vit" --out "$tmp/x.safetensors" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no input should be a usage error"
[ -e "$tmp/x.safetensors" ] && fail "output written on error"
echo "ok"
