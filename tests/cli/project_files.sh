#!/usr/bin/env bash
# promptdesk-cli project add-model / add-dataset: what the GUI's "Add model…" / "Add dataset…"
# record. A .pt is converted by the isolated importer into <project folder>/models/; anything that
# is not a model is refused with a message naming the file and leaves the project as it was.
set -u
cli="$1"
data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
p="$tmp/p/proj.pdesk"
mkdir -p "$tmp/p"
"$cli" project new "$p" >/dev/null || fail "project new"

out=$("$cli" project add-model "$p" "$data/clip-tiny-vit/openai-jit.pt" --json 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || fail "add .pt exit $rc: $(cat "$tmp/err")"
[ -s "$tmp/p/models/openai-jit.safetensors" ] || fail "no converted file in the project's models/"
echo "$out" | tail -n1 | grep -q '"path":"'"$tmp"'/p/models/openai-jit.safetensors"' ||
  fail "recorded path: $out"
# The same .pt again: converted to a free name, never over the first one.
"$cli" project add-model "$p" "$data/clip-tiny-vit/openai-jit.pt" >/dev/null 2>&1 ||
  fail "second add of the .pt"
[ -s "$tmp/p/models/openai-jit-2.safetensors" ] || fail "second conversion not at a free name"
# A Hugging Face folder is recorded in place.
"$cli" project add-model "$p" "$data/clip-tiny-vit-hf" >/dev/null 2>&1 || fail "add HF folder"

count() { "$cli" project info "$p" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['counts']['$1'])"; }
models=$(count models) || fail "project info"
[ "$models" = 3 ] || fail "3 models expected, got $models"

# Not models: refused, named, nothing recorded, nothing left in models/.
for bad in "$data/clip-tiny-vit/golden.safetensors" "$tmp/missing.pt"; do
  out=$("$cli" project add-model "$p" "$bad" 2>&1); rc=$?
  [ $rc -eq 1 ] || fail "add $bad exit $rc: $out"
  echo "$out" | grep -q "this file is not a valid CLIP checkpoint" || fail "message for $bad: $out"
  echo "$out" | grep -q "$(basename "$bad")" || fail "message does not name $bad: $out"
done
printf 'PK\003\004this is not a zip at all, nor a model' > "$tmp/garbage.pt"
out=$("$cli" project add-model "$p" "$tmp/garbage.pt" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "garbage .pt exit $rc: $out"
echo "$out" | grep -q "garbage.pt" || fail "garbage message: $out"
out=$("$cli" project add-model "$p" "$data/clip-tiny-vit/openai-jit.pt" --import-seconds 0.001 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "time limit exit $rc: $out"
echo "$out" | grep -q "allowed and was stopped" || fail "time limit message: $out"
[ "$(ls "$tmp/p/models" | wc -l)" = 2 ] || fail "refused imports left files: $(ls "$tmp/p/models")"
[ "$(count models)" = 3 ] || fail "a refused model was recorded"

# Datasets: a folder PromptDesk opens gets its name and classes; a plain file is recorded as one.
printf 'f1,f2,label\n0.1,0.2,a\n0.3,0.1,b\n' > "$tmp/table.csv"
out=$("$cli" project add-dataset "$p" "$tmp/table.csv" --json 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || fail "add-dataset exit $rc: $(cat "$tmp/err")"
echo "$out" | tail -n1 | grep -q '"sha256":"[0-9a-f]\{64\}"' || fail "dataset json: $out"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  out=$("$cli" project add-dataset "$p" /usr/share/datasets/fashion-mnist --json 2>&1) ||
    fail "add fashion-mnist: $out"
  echo "$out" | tail -n1 | grep -q '"classes":10' || fail "fashion-mnist classes: $out"
fi
out=$("$cli" project add-dataset "$p" "$tmp/nope.csv" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing dataset exit $rc: $out"
echo "$out" | grep -q "nope.csv" || fail "missing dataset message: $out"
echo ok
