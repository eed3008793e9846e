#!/usr/bin/env bash
# promptdesk-cli: --version, --help, unknown options exit 2 with a clear message.
set -u
cli="$1"
fail() { echo "FAIL: $*"; exit 1; }
"$cli" --version | grep -q "promptdesk-cli 0" || fail "--version"
"$cli" --help | grep -q "bench" || fail "--help lists commands"
out=$("$cli" --no-such-option 2>&1); rc=$?
[ $rc -eq 2 ] || fail "unknown option exit code $rc"
echo "$out" | grep -q -- "--no-such-option" || fail "message names the option: $out"
out=$("$cli" bench matmul --size 2 2>&1); rc=$?
[ $rc -eq 2 ] || fail "out-of-range value exit code $rc"
echo "ok"
