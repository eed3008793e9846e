#!/usr/bin/env bash
# Short libFuzzer run of every fuzz target (tests/fuzz) on its seed corpus: configures and builds
# the `fuzz` preset (clang, ASan + UBSan) in build-fuzz/, then runs each target for
# PD_FUZZ_SECONDS seconds (default 10; 10 targets plus start-up: under 3 minutes). Fails when a target
# crashes, leaks a non-pd::Error exception, trips a sanitizer or times out on an input; the input
# is kept under build-fuzz/fuzz-artifacts/<target>/ to reproduce: build-fuzz/fuzz/fuzz_<t> FILE
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${PD_FUZZ_SECONDS:-10}"
jobs="${PD_FUZZ_BUILD_JOBS:-$(nproc)}"
command -v clang++ >/dev/null || { echo "run-fuzz-smoke: clang++ not found (apt install clang libclang-rt-14-dev)"; exit 1; }

if [ ! -f build-fuzz/CMakeCache.txt ]; then cmake --preset fuzz; fi
start=$(date +%s)
cmake --build build-fuzz --target fuzz_all -j"$jobs"
echo "[fuzz] build: $(( $(date +%s) - start )) s"

targets=(safetensors template tokenizer coop_split text_dataset idx image template_library verbalizer project arff tokenizer_json vocab_txt merges hf_config wordnet peft_adapter)
failed=()
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  art="build-fuzz/fuzz-artifacts/$t"; mkdir -p "$art" "$work/$t"
  # New inputs go to a scratch dir; the seed corpus is only read.
  set +e
  "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$art/" "$work/$t" "build-fuzz/fuzz-corpus/$t" \
    > "$work/$t.log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1 | grep -o '[0-9]*' || true)
  if [ $rc -ne 0 ]; then
    echo "[fuzz] $t: FAILED (exit $rc); input kept in $art/"
    grep -E "ERROR|SUMMARY|runtime error|terminate|Test unit written" "$work/$t.log" | head -n 8
    failed+=("$t")
  else
    echo "[fuzz] $t: ok, ${execs:-?} executions, cov ${cov:-?}"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "[fuzz] crashes in: ${failed[*]}"
  exit 1
fi
echo "[fuzz] all ${#targets[@]} targets ran ${seconds} s each without a crash"
