#!/usr/bin/env bash
# Crash safety: SIGKILL the real promptdesk-cli at a random epoch of a running job, reopen the
# project, check that finished runs are intact, the killed run is `interrupted`, and that it
# resumes from its last checkpoint to the end. Also: two processes writing one project at once.
set -u
cli="$1"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P="$tmp/kill.pdesk"

# 6000 rows, 16 features, 4 classes (deterministic).
awk 'BEGIN { srand(11); printf "id"; for (j = 1; j <= 16; j++) printf ",f%d", j; print ",label";
  for (i = 0; i < 6000; i++) { c = i % 4; printf "it%d", i;
    for (j = 1; j <= 16; j++) printf ",%.4f", (j == c + 1 ? 1.5 : 0) + rand() - 0.5;
    print ",c" c } }' > "$tmp/data.csv"
spec() {  # epochs experiment seed
  printf '{"kind":"linear-probe-csv","csv":"%s","id_column":"id","epochs":%d,"experiment":"%s","seed":%d,"batch_size":32}\n' \
    "$tmp/data.csv" "$1" "$2" "$3"
}
spec 2 done 1 > "$tmp/short.json"
spec 400 long 2 > "$tmp/long.json"

"$cli" project new "$P" >/dev/null || fail "project new"
"$cli" run --project "$P" --quiet "$tmp/short.json" > "$tmp/short.out" 2>&1 || fail "short run: $(cat "$tmp/short.out")"
grep -q '"state":"succeeded"' "$tmp/short.out" || fail "short run did not succeed"
acc1=$("$cli" project list-jobs "$P" | awk -F'\t' '$1 == 1' | grep -o 'accuracy=[0-9.e-]*')

"$cli" run --project "$P" --quiet "$tmp/long.json" > "$tmp/long.out" 2>&1 &
pid=$!
target=$(( 2 + RANDOM % 9 ))
points=0
for _ in $(seq 1 1200); do
  points=$("$cli" project list-jobs "$P" 2>/dev/null | awk -F'\t' '$1 == 2' | grep -o 'points=[0-9]*' | cut -d= -f2)
  points=${points:-0}
  [ "$points" -ge $(( 2 * target )) ] && break
  kill -0 $pid 2>/dev/null || fail "the long run ended before it could be killed: $(cat "$tmp/long.out")"
  sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null
echo "killed the job after epoch >= $target ($points series points)"

"$cli" project info "$P" > "$tmp/info.out" 2>&1 || fail "info after kill: $(cat "$tmp/info.out")"
line1=$("$cli" project list-jobs "$P" | awk -F'\t' '$1 == 1')
line2=$("$cli" project list-jobs "$P" | awk -F'\t' '$1 == 2')
echo "$line1" | grep -q $'\tsucceeded\t' || fail "finished run damaged: $line1"
echo "$line1" | grep -q "$acc1" || fail "finished run's metrics changed: $line1 vs $acc1"
echo "$line2" | grep -q $'\tinterrupted\t' || fail "killed run not interrupted: $line2"

"$cli" run --project "$P" --quiet --resume 2 > "$tmp/resume.out" 2>&1 || fail "resume: $(cat "$tmp/resume.out")"
grep -q '"state":"succeeded"' "$tmp/resume.out" || fail "resumed run did not succeed"
line2=$("$cli" project list-jobs "$P" | awk -F'\t' '$1 == 2')
echo "$line2" | grep -q $'\tsucceeded\t' || fail "resumed run state: $line2"
echo "$line2" | grep -q 'points=800' || fail "resumed run should have 2 x 400 series points: $line2"
out=$("$cli" run --project "$P" --resume 2 2>&1); rc=$?
[ $rc -eq 1 ] || fail "resuming a succeeded run should fail (rc $rc)"
echo "$out" | grep -q "only interrupted" || fail "message: $out"

# Two processes writing one project at the same time: both succeed.
spec 8 parallel 3 > "$tmp/a.json"
spec 8 parallel 4 > "$tmp/b.json"
"$cli" run --project "$P" --quiet "$tmp/a.json" > "$tmp/a.out" 2>&1 & pa=$!
"$cli" run --project "$P" --quiet "$tmp/b.json" > "$tmp/b.out" 2>&1 & pb=$!
wait $pa || fail "parallel writer A: $(cat "$tmp/a.out")"
wait $pb || fail "parallel writer B: $(cat "$tmp/b.out")"
n=$("$cli" project list-jobs "$P" | grep -c $'\tsucceeded\t')
[ "$n" -eq 4 ] || fail "expected 4 succeeded runs, got $n"

# Bad input: garbage and non-project files are refused with a clear message (exit 1).
head -c 5000 /dev/urandom > "$tmp/garbage.pdesk"
out=$("$cli" project info "$tmp/garbage.pdesk" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "garbage rc $rc"
echo "$out" | grep -q "not a PromptDesk project" || fail "garbage message: $out"
"$cli" project vacuum "$P" > /dev/null || fail "vacuum"
"$cli" report --project "$P" --format html --out "$tmp/r.html" 2>/dev/null || fail "report html"
grep -q "<svg" "$tmp/r.html" || fail "report has no chart"
"$cli" project export "$P" --out "$tmp/export" > /dev/null || fail "export"
[ "$(wc -l < "$tmp/export/runs.csv")" -eq 5 ] || fail "runs.csv rows"
echo "ok"
