#!/usr/bin/env bash
# Type-ahead and memory in the real window, on a release build: keystroke to painted options
# over 200 keystrokes at 100,000 cached relations, the same while the cache fills (and for the
# first word, typed the moment the form appears, on its own), how long
# filling the cache through the stand-in's API takes, and the memory (PSS) of the whole app
# with 10,000 and with 1,000,000 relations cached, and their ratio.
#
# Usage: bench/typeahead-window.sh [-B] [-s SIZES]
#   -B        do not build (use the release binaries already in the target folder)
#   -s SIZES  the numbers of relations, comma-separated (default: 10000,100000,1000000)
# Needs what `scripts/setup.sh test` installs (Xvfb, D-Bus, WebKitWebDriver, tauri-driver).
#
# Each size starts the demo's stand-in with that many relations in one administration and the
# app on a fresh data folder pointed at it (tests/speed.rs, ignored by `cargo test`). The
# latency is measured inside the page: from the input event of each key to just after the frame
# that shows the options for that very text. It prints one line per figure ("figure: ...").
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
sizes="10000,100000,1000000"
while getopts "Bs:h" opt; do
  case "$opt" in
    B) build=0 ;;
    s) sizes="$OPTARG" ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done

target="${CARGO_TARGET_DIR:-target}"
if [ "$build" = 1 ]; then
  (cd ui && npm run build --silent)
  # The same build as bench/startup.sh (the features the installers are built with).
  cargo build --release -p invoice-desk -p invoice-desk-sandbox -p bare-app --features tauri/custom-protocol </dev/null
fi
export INVOICE_DESK_BIN="$PWD/$target/release/invoice-desk"
[ -x "$INVOICE_DESK_BIN" ] || { echo "no release build at $INVOICE_DESK_BIN" >&2; exit 1; }

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
IFS=',' read -r -a list <<< "$sizes"
for n in "${list[@]}"; do
  echo "==> $n relations"
  INVOICE_DESK_BENCH_RELATIONS="$n" scripts/with-session.sh \
    cargo test -q -p invoice-desk-tests --test speed -- --ignored --nocapture 2>/dev/null \
    | grep '^figure' | tee -a "$out" || echo "the run at $n relations failed"
done

small=$(grep -E 'memory of the whole app with 10000 relations' "$out" | grep -oE '[0-9]+ MB' | grep -oE '[0-9]+' || true)
large=$(grep -E 'memory of the whole app with 1000000 relations' "$out" | grep -oE '[0-9]+ MB' | grep -oE '[0-9]+' || true)
if [ -n "$small" ] && [ -n "$large" ]; then
  awk -v s="$small" -v l="$large" 'BEGIN {
    r = l / s
    printf "figure: memory with 1,000,000 relations cached: %d MB against %d MB with 10,000 = %.2fx, target <= 1.2x: %s\n", l, s, r, (r <= 1.2 ? "met" : "NOT MET")
  }'
fi
