#!/usr/bin/env bash
# Runs PromptDesk's main job: the GUI when a display is present, otherwise the CLI overview.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$root/build/bin/promptdesk" "$@"
fi
echo "No display found: showing what the headless CLI can do."
"$root/build/bin/promptdesk-cli" --help
"$root/build/bin/promptdesk-cli" bench matmul --size 1024 --reps 10
