#!/usr/bin/env bash
# CLIP runs recorded in a project: eval/train/experiment with --project, `run` with a spec, grid
# cells skipped when finished, kill -9 during CoOp training then resume from the stored
# checkpoint, model/dataset/split provenance, predictions, and a report over the experiment.
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
fm=/usr/share/datasets/fashion-mnist
[ -d "$fm" ] || fail "Fashion-MNIST missing at $fm (run installers/install-deps.sh)"
model="$data/clip-tiny-vit/model.safetensors"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
P="$tmp/p.pdesk"
base=(--model "$model" --dataset "$fm" --cache "$tmp/cache")
common=("${base[@]}" --test-limit 300)
"$cli" project new "$P" >/dev/null || fail "project new"

# Zero-shot evaluation recorded as a run.
"$cli" eval "${base[@]}" --limit 300 --template "a photo of a {class}." --project "$P" --experiment zs \
  --quiet > "$tmp/eval.out" 2>&1 || fail "eval --project: $(cat "$tmp/eval.out")"
grep -q '"state":"succeeded"' "$tmp/eval.out" || fail "eval run state: $(cat "$tmp/eval.out")"

# One CoOp run.
"$cli" train coop "${common[@]}" --shots 2 --seed 1 --epochs 3 --n-ctx 4 --project "$P" \
  --experiment single --quiet > "$tmp/train.out" 2>&1 || fail "train --project: $(cat "$tmp/train.out")"
grep -q '"method":"coop"' "$tmp/train.out" || fail "train output: $(cat "$tmp/train.out")"

# The experiment grid: 1 zero-shot + 2 x linear probe + 2 x CoOp = 5 runs; a rerun adds none.
exp=(experiment fewshot "${common[@]}" --methods zeroshot,linear-probe,coop --shots 1,2 --seeds 1
     --epochs 2 --project "$P" --experiment grid)
"$cli" "${exp[@]}" > "$tmp/exp.out" 2> "$tmp/exp.err" || fail "experiment --project: $(tail -5 "$tmp/exp.err")"
[ "$(grep -c '"state":"succeeded"' "$tmp/exp.out")" -eq 5 ] || fail "expected 5 runs: $(cat "$tmp/exp.out")"
"$cli" "${exp[@]}" > "$tmp/exp2.out" 2> "$tmp/exp2.err" || fail "experiment rerun"
[ ! -s "$tmp/exp2.out" ] || fail "rerun ran again: $(cat "$tmp/exp2.out")"
grep -q "5 run(s) already finished" "$tmp/exp2.err" || fail "rerun message: $(cat "$tmp/exp2.err")"

python3 - "$P" <<'PY' || fail "project content"
import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
runs = db.execute("SELECT id, state, experiment, method, shots, seed, model_id, dataset_id, split_hash FROM runs ORDER BY id").fetchall()
assert len(runs) == 7, runs
assert all(r[1] == "succeeded" for r in runs), runs
assert all(r[6] and r[7] for r in runs), "model/dataset recorded for every run"
grid = [r for r in runs if r[2] == "grid"]
assert sorted((r[3], r[4]) for r in grid) == [("coop", 1), ("coop", 2), ("linear-probe", 1), ("linear-probe", 2), ("zeroshot", 0)], grid
assert all(r[8] for r in grid if r[3] != "zeroshot"), "few-shot split hash recorded"
(models,) = db.execute("SELECT COUNT(*) FROM models").fetchone()
(datasets,) = db.execute("SELECT COUNT(*) FROM datasets").fetchone()
assert models == 1 and datasets == 1, (models, datasets)
h = db.execute("SELECT hash FROM models").fetchone()[0]
assert len(h) == 64, h
for rid, *_ in runs:
    (n,) = db.execute("SELECT COUNT(*) FROM predictions WHERE run_id=?", (rid,)).fetchone()
    assert n == 300, (rid, n)
    acc = dict(db.execute("SELECT name, value FROM final_metrics WHERE run_id=?", (rid,)).fetchall())["accuracy"]
    (correct,) = db.execute("SELECT SUM(label = pred) FROM predictions WHERE run_id=?", (rid,)).fetchone()
    assert abs(acc - correct / 300) < 1e-9, (rid, acc, correct)
coop = [r[0] for r in runs if r[3] == "coop"]
for rid in coop:
    kinds = [k for (k,) in db.execute("SELECT kind FROM artifacts WHERE run_id=?", (rid,))]
    assert "prompt" in kinds and "checkpoint" in kinds, (rid, kinds)
    (pts,) = db.execute("SELECT COUNT(*) FROM metric_series WHERE run_id=? AND name='train_loss'", (rid,)).fetchone()
    assert pts > 0, rid
(splits,) = db.execute("SELECT COUNT(*) FROM splits").fetchone()
assert splits >= 2, splits
PY

# Report over the grid: tidy CSV with the five runs' accuracies.
"$cli" report --project "$P" --experiment grid --format csv --out "$tmp/r.csv" >/dev/null 2>&1 || fail "report csv"
[ "$(grep -c ',accuracy,' "$tmp/r.csv")" -ge 5 ] || fail "report rows: $(head "$tmp/r.csv")"

# A spec with a bad option names the field.
echo '{"kind":"clip-fewshot","model":"'"$model"'","dataset":"'"$fm"'","shots":-1}' > "$tmp/bad.json"
out=$("$cli" run --project "$P" "$tmp/bad.json" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad spec exit $rc: $out"
echo "$out" | grep -q "clip-fewshot.shots" || fail "bad spec message: $out"

# kill -9 during CoOp training, then the same command resumes the interrupted run.
train=(train coop "${common[@]}" --shots 4 --seed 2 --epochs 300 --n-ctx 4 --project "$P" --experiment kill)
"$cli" "${train[@]}" --quiet > "$tmp/kill.out" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM artifacts a JOIN runs r ON a.run_id=r.id WHERE r.experiment='kill' AND a.kind='checkpoint'\").fetchone()[0])" "$P" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && break
  kill -0 $pid 2>/dev/null || fail "training ended before it could be killed: $(cat "$tmp/kill.out")"
  sleep 0.1
done
sleep 0.$(( RANDOM % 9 + 1 ))
kill -9 $pid; wait $pid 2>/dev/null
"$cli" "${train[@]}" > "$tmp/resume.out" 2> "$tmp/resume.err" || fail "resume: $(tail -3 "$tmp/resume.err")"
grep -q "1 resumed" "$tmp/resume.err" || fail "not resumed: $(cat "$tmp/resume.err")"
python3 - "$P" <<'PY' || fail "resumed run content"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT id, state FROM runs WHERE experiment='kill'").fetchall()
assert len(rows) == 1 and rows[0][1] == "succeeded", rows
rid = rows[0][0]
steps = [s for (s,) in db.execute("SELECT step FROM metric_series WHERE run_id=? AND name='train_loss' ORDER BY step", (rid,))]
assert steps == list(range(1, len(steps) + 1)), "each step once, none missing"
assert len(steps) == 300, len(steps)  # 40 items / batch 32 -> 1 step per epoch
PY
echo ok
