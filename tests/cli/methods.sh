#!/usr/bin/env bash
# `methods` prints the registry; every registered method and preset has a `train` subcommand whose
# generated --help lists a flag for every declared option (the CLI, the schema and the registry
# agree); generated flags are typed and range-checked.
set -u
cli="$1"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$cli" methods --json > "$tmp/m.json" || fail "methods --json exit $?"
"$cli" methods > "$tmp/m.txt" || fail "methods exit $?"
grep -q "^coop  \[clip\]" "$tmp/m.txt" || fail "methods text: $(head -3 "$tmp/m.txt")"
grep -q "preset coop-csc" "$tmp/m.txt" || fail "methods text lacks presets"
python3 - "$cli" "$tmp/m.json" <<'PY' || fail "train --help vs registry"
import json, subprocess, sys
cli, path = sys.argv[1], sys.argv[2]
ms = json.load(open(path))
names = [m["name"] for m in ms]
assert {"zeroshot", "linear-probe", "coop", "cocoop"} <= set(names), names
for m in ms:
    assert m["families"] and m["description"], m
    for sub in [m["name"]] + [p["name"] for p in m["presets"]]:
        out = subprocess.run([cli, "train", sub, "--help"], capture_output=True, text=True)
        assert out.returncode == 0, (sub, out.stderr)
        for o in m["options"]:
            flag = "--" + o["name"].replace("_", "-")
            assert flag in out.stdout, (sub, flag)
coop = next(m for m in ms if m["name"] == "coop")
nctx = next(o for o in coop["options"] if o["name"] == "n_ctx")
assert nctx["min"] == 1 and nctx["max"] == 64 and nctx["default"] == 16, nctx
cocoop = next(m for m in ms if m["name"] == "cocoop")
d = {o["name"]: o["default"] for o in cocoop["options"]}
assert d["n_ctx"] == 4 and d["epochs"] == 10 and d["batch_size"] == 1, d
print("methods:", ", ".join(names))
PY
# A preset's overrides are its flags' defaults in the generated help.
"$cli" train coop-front --help | grep -A2 -- "--position" | grep -q 'default "front"' ||
  fail "train coop-front --help does not show position default front"
"$cli" train coop --help | grep -A2 -- "--position" | grep -q 'default "end"' ||
  fail "train coop --help does not show position default end"
# A value out of the declared range is refused by the generated flag (usage error).
out=$("$cli" train coop --model x --dataset y --out "$tmp/o" --n-ctx 65 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--n-ctx 65 exit $rc: $out"
echo "$out" | grep -q "n-ctx" || fail "message names --n-ctx: $out"
out=$("$cli" train coop --model x --dataset y --out "$tmp/o" --position left 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--position left exit $rc: $out"
echo ok
