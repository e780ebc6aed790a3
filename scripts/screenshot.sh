#!/usr/bin/env bash
# Starts the app on its demo in the current display, waits until it has settled, and saves a
# screenshot of the screen. Run inside scripts/with-session.sh. Usage: screenshot.sh OUT.png [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshot.png}"
wait_s="${2:-25}"
data="$(mktemp -d)"
INVOICE_DESK_DATA_DIR="$data" ./target/debug/invoice-desk >"$data/stdout.log" 2>&1 &
pid=$!
sleep "$wait_s"
import -window root "$out"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
rm -rf "$data"
echo "screenshot: $out"
