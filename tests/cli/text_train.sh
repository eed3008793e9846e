#!/usr/bin/env bash
# Few-shot training of the text methods (reduced recipes): train <method> under LM-BFF's protocol
# on 120 real IMDB sentences (Sentiment Labelled Sentences) with the tiny BERT and GPT-2
# fixtures; recording in a project (series, dev accuracy, predictions, the learned artifact);
# the PEFT export and its read-back; the text experiment grid with the finished cells reused;
# and the errors: an lr out of range, a model with an inf weight (NaN loss), P over the positions, resuming another model's checkpoint.
set -u
cli="$1"; data="$2/text"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ds="$data/datasets/sentiment-imdb-120"
bert="$data/models/bert-tiny"; gpt2="$data/models/gpt2-tiny"
bv="$data/vocab/bert-base-uncased"; gv="$data/vocab/gpt2"
lw="negative=terrible;positive=great"
common=(--dataset "$ds" --label-words "$lw" --shots 4 --seed 13 --quiet)

# 1. Every registered text method trains a few steps on BERT and writes its files.
methods=$("$cli" methods --json | /usr/bin/python3 -c '
import json,sys
for m in json.load(sys.stdin):
    if "bert" in m["families"]: print(m["name"])')
[ -n "$methods" ] || fail "no text methods registered"
for m in $methods; do
  out=$("$cli" train "$m" --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 6 \
        --eval-every 3 --out "$tmp/$m" 2>"$tmp/err") || fail "train $m: $(tail -3 "$tmp/err")"
  echo "$out" | /usr/bin/python3 -c '
import json,sys
r=json.loads(sys.stdin.read().strip().splitlines()[-1])
assert r["steps"]==6, r
assert 0 <= r["test_accuracy"] <= 1, r
assert 0 <= r["dev_accuracy"] <= 1, r
assert r["trained_parameters"] > 0 and r["trained_percent"] > 0, r
print("%-14s head %-10s trained %8d (%.3f %%) dev %.3f test %.3f" % (r["method"], r["head"],
      r["trained_parameters"], r["trained_percent"], r["dev_accuracy"], r["test_accuracy"]))
' || fail "train $m result: $out"
  for f in result.json learned.safetensors checkpoint.safetensors peft/adapter_model.safetensors \
           peft/adapter_config.json; do
    [ -s "$tmp/$m/$f" ] || fail "train $m: no $f"
  done
  "$cli" import-prompt "$tmp/$m/peft" --model "$bert" > "$tmp/imp.json" 2>"$tmp/err" \
    || fail "import-prompt $m: $(cat "$tmp/err")"
done

# 2. Training lowers the loss (prompt tuning, 40 steps) and GPT-2 trains through the next-token head.
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 40 \
  --eval-every 20 --lr 0.05 --out "$tmp/pt40" > "$tmp/pt40.json" 2>"$tmp/err" || fail "pt40: $(cat "$tmp/err")"
/usr/bin/python3 - "$tmp/pt40/checkpoint.safetensors" <<'PY' || fail "prompt tuning loss did not fall"
import sys, json, struct
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); base = 8 + n
    e = h["losses"]; f.seek(base + e["data_offsets"][0])
    import array; a = array.array("d"); a.frombytes(f.read(e["data_offsets"][1] - e["data_offsets"][0]))
first, last = sum(a[:8]) / 8, sum(a[-8:]) / 8
print("prompt-tuning loss: first 8 steps %.4f, last 8 %.4f" % (first, last))
sys.exit(0 if last < first else 1)
PY
"$cli" train prompt-tuning --model "$gpt2" --tokenizer "$gv" "${common[@]}" --max-steps 4 \
  --eval-every 2 --template "Review: {text} Sentiment:" --out "$tmp/gpt2" >/dev/null 2>"$tmp/err" \
  || fail "gpt2 prompt tuning: $(cat "$tmp/err")"

# 3. PEFT layout of a prompt-tuning export.
/usr/bin/python3 - "$tmp/pt40/peft" <<'PY' || fail "PEFT layout"
import sys, json, struct
d = sys.argv[1]
c = json.load(open(d + "/adapter_config.json"))
assert c["peft_type"] == "PROMPT_TUNING", c
for k in ("num_virtual_tokens", "token_dim", "num_layers", "num_attention_heads", "inference_mode"):
    assert k in c, (k, c)
with open(d + "/adapter_model.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
keys = [k for k in h if k != "__metadata__"]
assert keys == ["prompt_embeddings"], keys
assert h["prompt_embeddings"]["shape"] == [c["num_virtual_tokens"], c["token_dim"]], h
print("PEFT:", c["peft_type"], h["prompt_embeddings"]["shape"])
PY

# 4. In a project: the run, its series and artifact; export from the project; the grid reuses cells.
p="$tmp/t.pdesk"
"$cli" project new "$p" >/dev/null 2>&1 || fail "project new"
"$cli" train bitfit --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 4 --eval-every 2 \
  --project "$p" > "$tmp/run.json" 2>"$tmp/err" || fail "train --project: $(cat "$tmp/err")"
run=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["run"])' "$tmp/run.json" 2>/dev/null) \
  || fail "no run id: $(cat "$tmp/run.json")"
"$cli" export-prompt "$run" --project "$p" --format peft --out "$tmp/exp" >/dev/null 2>"$tmp/err" \
  || fail "export-prompt: $(cat "$tmp/err")"
grep -q PROMPTDESK_BITFIT "$tmp/exp/adapter_config.json" || fail "bitfit export type"
"$cli" experiment text --model "$bert" --tokenizer "$bv" --dataset "$ds" --label-words "$lw" \
  --methods prompt-tuning,bitfit --shots 4 --seeds 13,21 --max-steps 2 --eval-every 1 \
  --project "$p" --quiet > "$tmp/g1" 2>"$tmp/err" || fail "experiment text: $(tail -3 "$tmp/err")"
"$cli" experiment text --model "$bert" --tokenizer "$bv" --dataset "$ds" --label-words "$lw" \
  --methods prompt-tuning,bitfit --shots 4 --seeds 13,21 --max-steps 2 --eval-every 1 \
  --project "$p" > "$tmp/g2" 2>"$tmp/err2" || fail "experiment text again: $(tail -3 "$tmp/err2")"
grep -qi "skipped\|reused" "$tmp/err2" "$tmp/g2" || fail "the second grid run did not reuse cells: $(cat "$tmp/err2" "$tmp/g2" | tail -5)"

# 5. Errors name the field.
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 5 \
  --lr 1e30 --out "$tmp/lr" >/dev/null 2>"$tmp/err" && fail "lr 1e30 accepted"
grep -q -- "--lr" "$tmp/err" || fail "lr range message: $(cat "$tmp/err")"
# A checkpoint holding one inf weight: the first loss is not finite, the run stops and says so.
mkdir "$tmp/infmodel"; cp "$bert/config.json" "$tmp/infmodel/"
/usr/bin/python3 - "$bert/model.safetensors" "$tmp/infmodel/model.safetensors" <<'PY'
import json, struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
k = next(k for k in h if k.endswith('layer.1.output.dense.bias'))
off = 8 + n + h[k]['data_offsets'][0]
b[off:off + 4] = struct.pack('<f', float('inf'))
open(sys.argv[2], 'wb').write(b)
PY
"$cli" train prompt-tuning --model "$tmp/infmodel" --tokenizer "$bv" "${common[@]}" --max-steps 5 \
  --out "$tmp/nan" >/dev/null 2>"$tmp/err" && fail "a model with an inf weight trained"
grep -q "loss became NaN at step 1, before any update" "$tmp/err" || fail "NaN message: $(cat "$tmp/err")"
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 2 \
  --num-virtual-tokens 600 --out "$tmp/big" >/dev/null 2>"$tmp/err" && fail "P 600 accepted"
grep -q "num_virtual_tokens" "$tmp/err" || fail "P too large: $(cat "$tmp/err")"
"$cli" train prompt-tuning --model "$gpt2" --tokenizer "$gv" "${common[@]}" --max-steps 8 \
  --template "Review: {text} Sentiment:" --resume --out "$tmp/pt40" >/dev/null 2>"$tmp/err" \
  && fail "resume from another model's checkpoint accepted"
grep -q "another model" "$tmp/err" || fail "resume message: $(cat "$tmp/err")"
# 6. Mixed templates (OpenPrompt's MixedTemplate): {soft:"words"} and {soft:N} slots take the
#    virtual tokens (P follows the template: 2 + 2 slots here); a method without virtual tokens
#    refuses them; P set against the slot count is refused; KPT's head trains after its refinement.
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 3 \
  --template '{soft:"Review:"} {text} {soft:2} {mask}.' --out "$tmp/mixed" > "$tmp/mixed.json" 2>"$tmp/err" \
  || fail "mixed template: $(cat "$tmp/err")"
/usr/bin/python3 - "$tmp/mixed.json" <<'PY' || fail "mixed template record"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["method_record"]
assert r["placement"] == "template" and r["virtual_tokens"] == 4, r
assert j["peft_config"]["num_virtual_tokens"] == 4, j["peft_config"]
assert j["trained_parameters"] == 4 * 32, j["trained_parameters"]
print("mixed template: P", r["virtual_tokens"], "trained", j["trained_parameters"])
PY
"$cli" train bitfit --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 2 \
  --template '{soft:2} {text} {mask}.' --out "$tmp/mixbit" >/dev/null 2>"$tmp/err" && fail "bitfit took soft slots"
grep -q "has no virtual tokens" "$tmp/err" || fail "bitfit soft-slot message: $(cat "$tmp/err")"
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 2 \
  --num-virtual-tokens 3 --template '{soft:2} {text} {mask}.' --out "$tmp/mix3" >/dev/null 2>"$tmp/err" \
  && fail "P 3 with 2 slots accepted"
grep -q "2 soft slots but num_virtual_tokens is 3" "$tmp/err" || fail "slot count message: $(cat "$tmp/err")"
"$cli" train prompt-tuning --model "$bert" --tokenizer "$bv" "${common[@]}" --max-steps 2 \
  --head knowledgeable --out "$tmp/kpt" >/dev/null 2>"$tmp/err" || fail "knowledgeable head: $(cat "$tmp/err")"
# 7. A PEFT folder with a mistyped field is refused naming the file and the field.
mkdir -p "$tmp/badpeft" && cp "$tmp/pt40/peft"/* "$tmp/badpeft/"
/usr/bin/python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); c["num_virtual_tokens"]="x"; json.dump(c,open(p,"w"))' "$tmp/badpeft/adapter_config.json"
"$cli" import-prompt "$tmp/badpeft" --model "$bert" >/dev/null 2>"$tmp/err" && fail "a mistyped PEFT config was read"
grep -q "adapter_config.json: num_virtual_tokens" "$tmp/err" || fail "PEFT field message: $(cat "$tmp/err")"
echo "text training OK"
