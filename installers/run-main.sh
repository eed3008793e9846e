#!/usr/bin/env bash
# Runs PromptDesk's main job, the demo: CoOp against hand-crafted prompts on Fashion-MNIST with the
# demo CLIP PromptDesk pretrains once on this machine (cached by recipe; a second run reuses the
# model and every finished run and opens in seconds).
#   with a display: the GUI opens on the demo project and the jobs fill the few-shot chart live;
#   without one:    the same runs headless, progress on stderr, report in ./demo-report/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$root/build/bin/promptdesk" --demo "$@"
fi
out="${PROMPTDESK_DEMO_OUT:-$root/demo-report}"
echo "No display found: running the demo headless (report -> $out)."
"$root/build/bin/promptdesk-cli" demo --out "$out" "$@"
echo "Open $out/demo-report.html (or .pdf); the chart is $out/few-shot-chart.png."
