#!/usr/bin/env bash
# Assembles the libFuzzer seed corpora: tests/fuzz/seeds/<target>/ (hand-made, committed) plus
# small real files from tests/data and resources. Usage: make_corpus.sh TESTDATA SEEDS OUT
set -euo pipefail
data="$1"; seeds="$2"; out="$3"
res="$(cd "$data/../../resources" && pwd)"
targets="safetensors template tokenizer coop_split text_dataset idx image template_library verbalizer project arff tokenizer_json vocab_txt merges hf_config wordnet peft_adapter"
for t in $targets; do
  mkdir -p "$out/$t"
  if [ -d "$seeds/$t" ]; then cp -f "$seeds/$t"/* "$out/$t"/; fi
done
# safetensors: the small golden files (the models are MBs: too slow as seeds)
for m in clip-tiny-vit clip-tiny-rn; do
  cp -f "$data/$m/golden-fp16.safetensors" "$out/safetensors/$m-golden-fp16.safetensors"
done
cp -f "$data/clip-tiny-vit/golden.safetensors" "$out/safetensors/clip-tiny-vit-golden.safetensors"
cp -f "$data/clip-tokenizer-cases.json" "$out/tokenizer/"
cp -f "$data"/clip-preprocess/*.png "$data"/clip-preprocess/*.jpg "$out/image/"
cp -f "$data"/hostile/*.png "$data"/hostile/*.jpg "$out/image/"   # headers that must be refused
cp -f "$res/templates/library.json" "$out/template_library/builtin.json"
cp -f "$data"/prompts/*.json "$out/template_library/"
cp -f "$data/project/v1.pdesk" "$out/project/v1.pdesk"
# text tokenizers: the real vocabularies and the fixture texts
cp -f "$data/text/vocab/bert-base-uncased/vocab.txt" "$out/vocab_txt/bert-base-uncased.txt"
cp -f "$data/text/vocab/gpt2/merges.txt" "$out/merges/gpt2.txt"
cp -f "$data/text/tokenizers/gpt2_bpe_cases.json" "$out/tokenizer_json/not-a-tokenizer.json"
# hf_config: byte 0 picks the weights (0 bert, 1 roberta, 2 gpt2), then the fixtures' own
# config.json (their vocabulary is larger than the target's cut weights: the binding refuses them)
i=0
for m in bert-tiny roberta-tiny gpt2-tiny; do
  { printf "\\$(printf '%03o' $i)"; cat "$data/text/models/$m/config.json"; } > "$out/hf_config/fixture-$m.json"
  i=$((i + 1))
done
# wordnet: byte 0 = kind (bit 0 index) and pos (bits 1-2: noun verb adj adv), then the excerpt's files
i=0
for pos in noun verb adj adv; do
  { printf "\\$(printf '%03o' $((i * 2)))"; cat "$data/text/wordnet/data.$pos"; } > "$out/wordnet/data-$pos"
  { printf "\\$(printf '%03o' $((i * 2 + 1)))"; cat "$data/text/wordnet/index.$pos"; } > "$out/wordnet/index-$pos"
  i=$((i + 1))
done
echo "fuzz corpora in $out: $(for t in $targets; do printf '%s=%s ' "$t" "$(ls "$out/$t" | wc -l)"; done)"
