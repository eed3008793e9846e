#!/usr/bin/env bash
# Runs every test (CTest), headless. Ends with the CTest summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QT_QPA_PLATFORM=offscreen
export OMP_WAIT_POLICY=PASSIVE  # see core/include/promptdesk/threading_env.h
# First every fuzz target (tests/fuzz) for a short run on its corpus (ASan + UBSan build in
# build-fuzz/), so that the output still ends with the CTest summary.
"$root/installers/run-fuzz-smoke.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)"
