#!/usr/bin/env bash
# promptdesk-cli import-checkpoint: good inputs convert (exit 0, output readable by the CLI again),
# bad inputs exit 1 with a message naming the file, missing arguments exit 2.
set -u
cli="$1"
data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$cli" import-checkpoint "$data/clip-tiny-vit/openai-jit.pt" --out "$tmp/vit.safetensors" --json 2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] || fail "convert .pt exit $rc: $(cat "$tmp/err")"
[ -s "$tmp/vit.safetensors" ] || fail "no output file"
echo "$out" | tail -n1 | grep -q '"format":"openai-torchscript"' || fail "json line: $out"
echo "$out" | tail -n1 | grep -q '"tensors":62' || fail "tensor count: $out"

# The output is itself a supported input (safetensors) with the same tensors.
out=$("$cli" import-checkpoint "$tmp/vit.safetensors" --out "$tmp/again.safetensors" --json 2>&1); rc=$?
[ $rc -eq 0 ] || fail "re-import exit $rc: $out"
echo "$out" | tail -n1 | grep -q '"format":"safetensors"' || fail "re-import json: $out"
echo "$out" | tail -n1 | grep -q '"tensors":62' || fail "re-import count: $out"
head -c 600 "$tmp/vit.safetensors" | grep -q 'source_format' || fail "metadata lacks source_format"

out=$("$cli" import-checkpoint "$data/clip-tiny-vit-hf" --out "$tmp/hf.safetensors" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "convert HF folder exit $rc: $out"
out=$("$cli" import-checkpoint "$data/clip-tiny-rn/openai-jit-fp16.pt" --out "$tmp/rn.safetensors" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "convert fp16 .pt exit $rc: $out"

# Garbage in: exit 1, message names the file, no output left behind.
printf 'PK\003\004this is not a zip at all, nor a model' > "$tmp/garbage.pt"
out=$("$cli" import-checkpoint "$tmp/garbage.pt" --out "$tmp/g.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "garbage exit code $rc: $out"
echo "$out" | grep -q "garbage.pt" || fail "message names the file: $out"
echo "$out" | grep -q "not a TorchScript archive" || fail "message says why: $out"
[ ! -e "$tmp/g.safetensors" ] || fail "output written for garbage input"

printf '\377\377\377\377\377\377\377\017{}' > "$tmp/bad.safetensors"
out=$("$cli" import-checkpoint "$tmp/bad.safetensors" --out "$tmp/b.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad safetensors exit code $rc: $out"
echo "$out" | grep -q "bad.safetensors" || fail "message names the file: $out"

out=$("$cli" import-checkpoint "$tmp/missing.pt" --out "$tmp/m.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing file exit code $rc: $out"

out=$("$cli" import-checkpoint "$data/clip-tiny-vit/openai-jit.pt" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "missing --out exit code $rc"
echo "ok"
