#!/usr/bin/env bash
# Hand-made hostile files (tests/data/hostile, made by make_hostile.py; the big ones made here):
# each must give a clear error naming the file, an exit status in 1..127 (not a crash), and a peak
# resident memory under 200 MB (GNU time's maximum RSS of the CLI and any child it waits for).
set -u
cli="$1"; data="$2"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
h="$data/hostile"
limit_kb=$((200 * 1024))
# Peak RSS (kB) of a command and the children it waits for, written to $tmp/rss: GNU time, else
# Python's getrusage(RUSAGE_CHILDREN) (ru_maxrss: the largest process of the tree).
if [ -x /usr/bin/time ]; then
  measure() { /usr/bin/time -f "%M" -o "$tmp/rss" "$@"; }
elif command -v python3 > /dev/null; then
  measure() {
    python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$tmp/rss" "$@"
  }
else
  fail "GNU time (Debian package 'time') or python3 is needed to measure peak memory"
fi
# Under AddressSanitizer (the `asan` preset) the bare CLI already holds ~450 MB of shadow memory:
# there each case may grow at most 32 MB over `--version`'s peak instead.
if ldd "$cli" 2>/dev/null | grep -q libasan; then
  measure "$cli" --version > /dev/null 2>&1 || fail "$cli --version failed"
  limit_kb=$(( $(tail -n 1 "$tmp/rss") + 32 * 1024 ))
  echo "AddressSanitizer build: peak limit ${limit_kb} kB (--version + 32 MB)"
fi
# The isolated .pt import caches its output under the data folder: keep it inside $tmp.
export PROMPTDESK_DATA="$tmp/data"
mkdir -p "$PROMPTDESK_DATA"

# check NAME "expected text" cmd args...   (the command must fail cleanly and name the file)
check() {
  local name="$1" want="$2"; shift 2
  measure "$@" > "$tmp/out" 2> "$tmp/err"; local rc=$?
  local rss; rss=$(tail -n 1 "$tmp/rss")
  local msg; msg=$(grep -a -v "^reading \|^importing \|Command exited with" "$tmp/err" | tail -n 3)
  [ "$rc" -ge 1 ] && [ "$rc" -lt 128 ] || fail "$name: exit status $rc (want 1..127): $msg"
  echo "$msg" | grep -a -q -- "$want" || fail "$name: message lacks '$want': $msg"
  [ "$rss" -lt "$limit_kb" ] || fail "$name: peak memory ${rss} kB >= $limit_kb kB"
  printf '%-24s exit %d  peak %6d kB  %s\n' "$name" "$rc" "$rss" "$(echo "$msg" | tail -n 1 | cut -c1-110)"
}

check st-header-2^60 "exceeds the" \
  "$cli" model-info --model "$h/st_header_2e60.safetensors"
check st-overlap "overlap" \
  "$cli" model-info --model "$h/st_overlap.safetensors"
check st-offsets-overflow "data_offsets" \
  "$cli" model-info --model "$h/st_offsets_overflow.safetensors"
check st-shape-overflow "int64" \
  "$cli" model-info --model "$h/st_shape_overflow.safetensors"
head -c 2000000 "$data/clip-tiny-vit/model.safetensors" > "$tmp/truncated.safetensors"
check st-truncated "truncated" \
  "$cli" model-info --model "$tmp/truncated.safetensors"

check png-100000x100000 "more pixels than the limit" \
  "$cli" bench preprocess "$h/png_100000x100000.png" --reps 1
check png-5000x5000-tiny "file can hold" \
  "$cli" bench preprocess "$h/png_5000x5000_tiny.png" --reps 1
check jpeg-8000x8000-tiny "file can hold" \
  "$cli" bench preprocess "$h/jpeg_8000x8000_tiny.jpg" --reps 1
check jpeg-prog-8000x8000-tiny "file can hold" \
  "$cli" bench preprocess "$h/jpeg_8000x8000_progressive_tiny.jpg" --reps 1
check jpeg-65500x65500 "more pixels than the limit" \
  "$cli" bench preprocess "$h/jpeg_65500x65500.jpg" --reps 1

# gzip IDX bombs. (a) the header claims 4294967295 x 65536 x 65536 bytes: refused from the header.
mkdir -p "$tmp/idx-a" "$tmp/idx-b"
printf '\x00\x00\x08\x03\xff\xff\xff\xff\x00\x01\x00\x00\x00\x01\x00\x00' | gzip -c \
  > "$tmp/idx-a/train-images-idx3-ubyte.gz"
printf '\x00\x00\x08\x01\x00\x00\x00\x0a' > "$tmp/idx-a/train-labels-idx1-ubyte"
head -c 10 /dev/zero >> "$tmp/idx-a/train-labels-idx1-ubyte"
check idx-bomb-header "not plausible\|over the limit" \
  "$cli" dataset info --dataset "idx:$tmp/idx-a"
# (b) the header claims 10 images of 28x28 but the gzip stream inflates to 256 MiB: reading stops
#     after what the header says (7840 bytes + 1), never holding the rest.
{ printf '\x00\x00\x08\x03\x00\x00\x00\x0a\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 268435456 /dev/zero; } \
  | gzip -1 -c > "$tmp/idx-b/train-images-idx3-ubyte.gz"
cp "$tmp/idx-a/train-labels-idx1-ubyte" "$tmp/idx-b/"
check idx-bomb-stream "more data than the header" \
  "$cli" dataset info --dataset "idx:$tmp/idx-b"
# (c) the header claims 100 images of 1024x1024 (100 MiB, under the 2 GiB size limit) and the
#     stream holds them in ~100 KB: refused by the compression-ratio guard once past 8 MiB.
mkdir -p "$tmp/idx-c"
{ printf '\x00\x00\x08\x03\x00\x00\x00\x64\x00\x00\x04\x00\x00\x00\x04\x00'; head -c 104857600 /dev/zero; } \
  | gzip -9 -c > "$tmp/idx-c/train-images-idx3-ubyte.gz"
{ printf '\x00\x00\x08\x01\x00\x00\x00\x64'; head -c 100 /dev/zero; } > "$tmp/idx-c/train-labels-idx1-ubyte"
check idx-bomb-ratio "likely gzip bomb" \
  "$cli" dataset info --dataset "idx:$tmp/idx-c"

# Hostile CoOp split files: a path that climbs out of the dataset's root, an absolute path, a label
# past the class list (99 with 3 names) and a negative label. `dataset info` lists each refused
# entry by file:line and entry, and exits non-zero; `dataset sample` refuses the dataset.
mkdir -p "$tmp/coop/images"
for f in a b c; do cp "$data/clip-preprocess/$(ls "$data/clip-preprocess" | grep '\.png$' | head -n 1)" "$tmp/coop/images/$f.png"; done
cat > "$tmp/coop/split_zhou_Hostile.json" <<'JSON'
{"train": [["a.png", 0, "cat"], ["b.png", 1, "dog"], ["c.png", 2, "bird"],
  ["../../../../../../../../etc/passwd", 0, "cat"],
  ["/etc/passwd", 1, "dog"],
  ["a.png", 99, "fish"],
  ["b.png", -1, "dog"]]}
JSON
check coop-split-hostile "item(s) refused" \
  "$cli" dataset info --dataset "$tmp/coop"
"$cli" dataset info --dataset "$tmp/coop" > "$tmp/out" 2>&1
grep -q "split_zhou_Hostile.json:2: train\[3\]: outside-root: path '../../../../../../../../etc/passwd'" "$tmp/out" \
  || fail "coop-split-hostile: the climbing path is not named: $(cat "$tmp/out")"
grep -q "split_zhou_Hostile.json:3: train\[4\]: outside-root: absolute path '/etc/passwd'" "$tmp/out" \
  || fail "coop-split-hostile: the absolute path is not named"
grep -q "split_zhou_Hostile.json:4: train\[5\]: label-out-of-range: label 99" "$tmp/out" \
  || fail "coop-split-hostile: label 99 is not named"
grep -q "split_zhou_Hostile.json:5: train\[6\]: label-out-of-range: label -1" "$tmp/out" \
  || fail "coop-split-hostile: label -1 is not named"
grep -q "^classes: 3$" "$tmp/out" || fail "coop-split-hostile: phantom classes: $(grep classes "$tmp/out")"
check coop-split-hostile-sample "cannot be used" \
  "$cli" dataset sample --dataset "$tmp/coop" --shots 1
# A text dataset whose label is not in the given class list: refused the same way.
printf 'text,label\ngood,pos\nbad,neg\nodd,maybe\n' > "$tmp/labels.csv"
check text-unknown-label "item(s) refused" \
  "$cli" dataset info --dataset "$tmp/labels.csv" --label-names neg=negative,pos=positive
"$cli" dataset info --dataset "$tmp/labels.csv" --label-names neg=negative,pos=positive > "$tmp/out" 2>&1
grep -q "labels.csv:4: unknown-label: column 'label': label 'maybe'" "$tmp/out" \
  || fail "text-unknown-label: the row is not named: $(cat "$tmp/out")"

# A zip of garbage named .pt: imported in a child process (the default), and in-process.
check pt-zip-garbage "this file is not a valid CLIP checkpoint" \
  "$cli" model-info --model "$h/garbage_zip.pt"
check pt-zip-garbage-inproc "not a TorchScript archive" \
  "$cli" model-info --model "$h/garbage_zip.pt" --in-process
[ -z "$(ls -A "$PROMPTDESK_DATA/imported" 2>/dev/null)" ] || fail "a failed import left a file behind"

# Random bytes as a project file: refused, and the file is left as it was.
cp "$h/project_random.pdesk" "$tmp/random.pdesk"
check project-random "not a PromptDesk project\|not a database\|file is not" \
  "$cli" project info "$tmp/random.pdesk"
cmp -s "$h/project_random.pdesk" "$tmp/random.pdesk" || fail "the random project file was modified"
echo "ok"
