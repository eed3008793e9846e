#!/usr/bin/env bash
# dataset info on Fashion-MNIST (Debian dataset-fashion-mnist, installed by the installer):
# 10 classes x 6000 train / 1000 test, recognised names, JSON output.
set -u
cli="$1"
fail() { echo "FAIL: $*"; exit 1; }
fm=/usr/share/datasets/fashion-mnist
[ -d "$fm" ] || fail "$fm is missing (apt install dataset-fashion-mnist)"
out=$("$cli" dataset info --dataset "$fm") || fail "info failed: $out"
echo "$out" | grep -q "^classes: 10$" || fail "classes: $out"
echo "$out" | grep -q "splits: train 60000 test 10000" || fail "splits: $out"
[ "$(echo "$out" | grep -cE '^ +[0-9]+ .* 6000 +1000$')" -eq 10 ] || fail "per-class counts: $out"
echo "$out" | grep -q "Ankle boot" || fail "class names: $out"
echo "$out" | grep -q "problems: none" || fail "problems: $out"
json=$("$cli" dataset info --dataset "idx:$fm" --json) || fail "--json"
echo "$json" | grep -q '"T-shirt/top"' || fail "json class names"
echo "$json" | grep -q '"total": 60000' || fail "json totals"
echo "ok"
