#!/usr/bin/env bash
# Runs every test (CTest), headless. Ends with the CTest summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QT_QPA_PLATFORM=offscreen
export OMP_WAIT_POLICY=PASSIVE  # see core/include/promptdesk/threading_env.h
cd "$root/build"
ctest --output-on-failure -j"$(nproc)"
