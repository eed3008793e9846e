#!/usr/bin/env bash
# Hugging Face folders whose weights are pytorch_model.bin (a torch.save pickle, single or sharded):
# made at test time from the text fixtures' model.safetensors with Debian's python3-torch, as
# transformers' save_pretrained(safe_serialization=False) writes them (a plain dict, zip format).
# model-info and forward route them through the isolated importer (promptdesk-import) and give
# exactly what the safetensors folder gives; this process never unpickles (--in-process is
# refused); a damaged, legacy-format or OrderedDict .bin is "not a valid checkpoint" without a
# crash; import-checkpoint and project add-model take such folders too.
set -u
cli="$1"; data="$2"
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export PROMPTDESK_DATA="$tmp/data"
"$py" -c 'import torch' || fail "Debian's python3-torch is needed (installers/install-deps.sh)"

# to_bin SRC DEST [shards] [style]: DEST/config.json + pytorch_model.bin (or N shards + index).
to_bin() {
  mkdir -p "$2" && cp "$1/config.json" "$2/" || fail "copy config of $1"
  "$py" - "$1/model.safetensors" "$2" "${3:-1}" "${4:-dict}" <<'PY' || fail "making $2"
import collections, json, os, sys, torch
sys.path.insert(0, os.path.join(os.environ["BENCH"]))
import text_reference as R
src, dest, shards, style = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sd = R.read_safetensors(src)
names = sorted(sd)
if shards == 1:
    if style == "legacy":
        torch.save(dict(sd), os.path.join(dest, "pytorch_model.bin"), _use_new_zipfile_serialization=False)
    elif style == "ordered":
        od = collections.OrderedDict(sd)
        od._metadata = collections.OrderedDict({"": {"version": 1}})
        torch.save(od, os.path.join(dest, "pytorch_model.bin"))
    else:
        torch.save({k: sd[k] for k in names}, os.path.join(dest, "pytorch_model.bin"))
else:
    weight_map = {}
    for i in range(shards):
        part = names[i::shards]
        f = "pytorch_model-%05d-of-%05d.bin" % (i + 1, shards)
        torch.save({k: sd[k] for k in part}, os.path.join(dest, f))
        weight_map.update({k: f for k in part})
    json.dump({"metadata": {}, "weight_map": weight_map},
              open(os.path.join(dest, "pytorch_model.bin.index.json"), "w"))
PY
}
export BENCH="$here/../../bench"
# same_tensors A B: the same tensor names, shapes, dtypes and bytes (the metadata names the model
# path, which differs).
same_tensors() {
  "$py" - "$1" "$2" <<'PY'
import os, sys, torch
sys.path.insert(0, os.environ["BENCH"])
import text_reference as R
a, b = R.read_safetensors(sys.argv[1]), R.read_safetensors(sys.argv[2])
ok = sorted(a) == sorted(b) and all(a[k].dtype == b[k].dtype and a[k].shape == b[k].shape
                                    and torch.equal(a[k], b[k]) for k in a)
sys.exit(0 if ok and a else 1)
PY
}

# 1. Each text family, single file; BERT also sharded: model-info and forward agree exactly with
#    the safetensors folder.
for m in bert-tiny roberta-tiny gpt2-tiny bert-tiny:3; do
  name=${m%%:*}; shards=1; [ "$m" != "$name" ] && shards=${m##*:}
  d="$data/text/models/$name"; b="$tmp/$name-bin$shards"
  to_bin "$d" "$b" "$shards"
  [ ! -e "$b/model.safetensors" ] || fail "$b has safetensors"
  "$cli" model-info --model "$d" > "$tmp/ref.json" 2>"$tmp/err" || fail "model-info $d: $(cat "$tmp/err")"
  "$cli" model-info --model "$b" > "$tmp/bin.json" 2>"$tmp/err" || fail "model-info $b: $(cat "$tmp/err")"
  grep -q "in a separate process" "$tmp/err" || fail "$b was not imported in a separate process: $(cat "$tmp/err")"
  cmp -s "$tmp/ref.json" "$tmp/bin.json" || fail "model-info differs for $b: $(diff "$tmp/ref.json" "$tmp/bin.json")"
  grep -q '"num_hidden_layers": 2' "$tmp/bin.json" || fail "model-info $b: $(cat "$tmp/bin.json")"
  "$cli" forward --model "$d" --in "$d/golden.safetensors" --out "$tmp/ref.st" 2>"$tmp/err" ||
    fail "forward $d: $(cat "$tmp/err")"
  "$cli" forward --model "$b" --in "$d/golden.safetensors" --out "$tmp/bin.st" 2>"$tmp/err" ||
    fail "forward $b: $(cat "$tmp/err")"
  same_tensors "$tmp/ref.st" "$tmp/bin.st" || fail "forward outputs differ for $b"
done
# The conversion is cached by the folder's hash: a text model becomes a folder with its config.
conv=$(ls -d "$PROMPTDESK_DATA"/imported/*/ | head -n1)
[ -s "$conv/model.safetensors" ] && [ -s "$conv/config.json" ] || fail "imported folder: $(ls -R "$PROMPTDESK_DATA")"
[ "$(ls -d "$PROMPTDESK_DATA"/imported/*/ | wc -l)" = 4 ] || fail "4 imported folders expected: $(ls "$PROMPTDESK_DATA/imported")"
"$cli" model-info --model "$tmp/gpt2-tiny-bin1" > /dev/null 2>&1 || fail "model-info again"
[ "$(ls -d "$PROMPTDESK_DATA"/imported/*/ | wc -l)" = 4 ] || fail "a repeated import was not reused"

# 2. This process never unpickles: --in-process gets the reader's refusal.
out=$("$cli" model-info --model "$tmp/bert-tiny-bin1" --in-process 2>&1); rc=$?
[ $rc -eq 1 ] || fail "--in-process on a pickle folder exit $rc: $out"
echo "$out" | grep -q "pytorch_model.bin, a pickle, which is only read by the isolated import" ||
  fail "--in-process message: $out"

# 3. import-checkpoint: in a child by default, in this process only with --allow-pickle (what the
#    importer child is given); the output keeps the names and the config (model-info agrees).
out=$("$cli" import-checkpoint "$tmp/roberta-tiny-bin1" --out "$tmp/r.safetensors" --json 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || fail "import-checkpoint exit $rc: $(cat "$tmp/err")"
grep -q "in a separate process" "$tmp/err" || fail "import-checkpoint not isolated: $(cat "$tmp/err")"
echo "$out" | tail -n1 | grep -q '"format":"hf-folder (pytorch_model.bin)"' || fail "json: $out"
"$cli" model-info --model "$tmp/r.safetensors" > "$tmp/r.json" 2>"$tmp/err" || fail "model-info r: $(cat "$tmp/err")"
"$cli" model-info --model "$data/text/models/roberta-tiny" > "$tmp/ref.json" 2>/dev/null
cmp -s "$tmp/r.json" "$tmp/ref.json" || fail "imported file differs: $(diff "$tmp/r.json" "$tmp/ref.json")"
out=$("$cli" import-checkpoint "$tmp/roberta-tiny-bin1" --out "$tmp/r2.safetensors" --allow-pickle --json 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || fail "import-checkpoint --allow-pickle exit $rc: $(cat "$tmp/err")"
grep -q "separate process" "$tmp/err" && fail "--allow-pickle still spawned a child"
cmp -s "$tmp/r.safetensors" "$tmp/r2.safetensors" || fail "child and --allow-pickle outputs differ"

# 4. Bad pickles: "not a valid checkpoint" naming the folder, exit 1 (no crash), nothing cached.
bad() {  # NAME EXPECTED-REASON
  rm -rf "$PROMPTDESK_DATA/imported"
  out=$("$cli" model-info --model "$tmp/$1" 2>&1); rc=$?
  [ $rc -eq 1 ] || fail "$1: exit $rc (1 expected): $out"
  echo "$out" | grep -q "this folder is not a valid checkpoint: " || fail "$1: message: $out"
  echo "$out" | grep -q "$1" || fail "$1: the folder is not named: $out"
  echo "$out" | grep -q "$2" || fail "$1: reason '$2' missing: $out"
  [ -z "$(ls -A "$PROMPTDESK_DATA/imported" 2>/dev/null)" ] || fail "$1: left $(ls "$PROMPTDESK_DATA/imported")"
}
to_bin "$data/text/models/bert-tiny" "$tmp/corrupt"
"$py" -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read())
for i in range(200, len(b) - 200, 97): b[i] ^= 0x5a
open(p,'wb').write(bytes(b))" "$tmp/corrupt/pytorch_model.bin"
bad corrupt "not a readable torch.save file"
to_bin "$data/text/models/bert-tiny" "$tmp/truncated"
head -c 3000 "$tmp/truncated/pytorch_model.bin" > "$tmp/t.bin" && mv "$tmp/t.bin" "$tmp/truncated/pytorch_model.bin"
bad truncated "not a readable torch.save file"
mkdir -p "$tmp/garbage" && cp "$data/text/models/bert-tiny/config.json" "$tmp/garbage/"
printf 'PK\003\004this is not a zip at all' > "$tmp/garbage/pytorch_model.bin"
bad garbage "not a readable torch.save file"
to_bin "$data/text/models/bert-tiny" "$tmp/legacy" 1 legacy
bad legacy "legacy (pre-PyTorch-1.6, non-zip) pickle format"
to_bin "$data/text/models/bert-tiny" "$tmp/ordered" 1 ordered
bad ordered "collections.OrderedDict"
# Weights that do not fit the config: the family's strict binding names the key.
to_bin "$data/text/models/gpt2-tiny" "$tmp/mismatch"
cp "$data/text/models/bert-tiny/config.json" "$tmp/mismatch/config.json"
out=$("$cli" model-info --model "$tmp/mismatch" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "mismatch exit $rc: $out"
echo "$out" | grep -q "embeddings.word_embeddings.weight" || fail "mismatch does not name a key: $out"

# 5. project add-model: converted into <project>/models/<name>/ and recorded; a bad one is refused.
p="$tmp/p/p.pdesk"; mkdir -p "$tmp/p"
"$cli" project new "$p" >/dev/null 2>&1 || fail "project new"
"$cli" project add-model "$p" "$tmp/gpt2-tiny-bin1" >"$tmp/out" 2>&1 || fail "add-model: $(cat "$tmp/out")"
[ -s "$tmp/p/models/gpt2-tiny-bin1/model.safetensors" ] && [ -s "$tmp/p/models/gpt2-tiny-bin1/config.json" ] ||
  fail "add-model did not write models/gpt2-tiny-bin1/: $(ls -R "$tmp/p")"
out=$("$cli" project add-model "$p" "$tmp/corrupt" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "add-model corrupt exit $rc: $out"
echo "$out" | grep -q "this folder is not a valid checkpoint" || fail "add-model corrupt: $out"
[ "$(ls "$tmp/p/models")" = gpt2-tiny-bin1 ] || fail "a failed add left $(ls "$tmp/p/models")"
echo "import_pickle: OK"
