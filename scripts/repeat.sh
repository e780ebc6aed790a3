#!/usr/bin/env bash
# Runs one window test N times in a row against one build and says how many passed, so a test
# that passes only now and then shows itself. Each run gets its own display, keyring and log
# folder (the driver's and the app's output, the test's output, and the app's data folder when
# the run failed).
#
# Usage: scripts/repeat.sh [-n RUNS] [TEST_FILE [NAME_FILTER]]
#   TEST_FILE    a test target in tests/ (a file there without .rs) (default: offline)
#   NAME_FILTER  passed to the test binary to pick tests in that file (default: all)
#   RUNS         how many runs (default: 20)
# Example: scripts/repeat.sh -n 5 window connection
set -uo pipefail
cd "$(dirname "$0")/.."

runs=20
while getopts "n:h" opt; do
  case "$opt" in
    n) runs="$OPTARG" ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
test_file="${1:-offline}"
filter="${2:-}"
case "$runs" in ''|*[!0-9]*) echo "RUNS must be a number: $runs" >&2; exit 2 ;; esac
[ -f "tests/$test_file.rs" ] || { echo "no test file tests/$test_file.rs" >&2; exit 2; }

target="${CARGO_TARGET_DIR:-target}"
out="$target/e2e-logs/repeat-$test_file-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# One build for every run: the app embeds ui/dist; the test binary is built once and run
# directly, so nothing is rebuilt between runs.
echo "==> build $(date +%T)"
(cd ui && npm run build >/dev/null) || { echo "the UI did not build" >&2; exit 1; }
cargo build -p invoice-desk -p invoice-desk-sandbox || exit 1
bin="$(cargo test -p invoice-desk-tests --test "$test_file" --no-run --message-format=json 2>/dev/null \
  | jq -r 'select(.reason == "compiler-artifact" and .executable != null and .target.kind == ["test"]) | .executable' \
  | tail -n 1)"
[ -x "$bin" ] || { echo "the test binary for $test_file was not built" >&2; exit 1; }

passed=0
failed=0
failures=()
echo "==> $runs runs of $test_file${filter:+ ($filter)} start $(date +%T); logs in $out"
for i in $(seq 1 "$runs"); do
  dir="$out/run-$i"
  mkdir -p "$dir/tmp"
  start=$(date +%s)
  # TMPDIR: the test's data folder (and so the app's own log) lands in the run's folder.
  if INVOICE_DESK_E2E_LOG_DIR="$dir" TMPDIR="$dir/tmp" \
      scripts/with-session.sh "$bin" --test-threads=1 --nocapture $filter >"$dir/test.log" 2>&1 \
      && grep -q "test result: ok" "$dir/test.log" && ! grep -q "^skipped:" "$dir/test.log"; then
    passed=$((passed + 1))
    echo "run $i: passed ($(( $(date +%s) - start )) s)"
    rm -rf "$dir/tmp"
  else
    failed=$((failed + 1))
    failures+=("$i")
    echo "run $i: FAILED ($(( $(date +%s) - start )) s): $dir/test.log"
  fi
done

echo "==> end $(date +%T)"
echo "$passed passed, $failed failed"
for i in "${failures[@]}"; do
  dir="$out/run-$i"
  echo "failed run $i:"
  echo "  test output: $dir/test.log"
  for f in "$dir"/driver-*.log "$dir"/webdriver-retries.log; do
    [ -f "$f" ] && echo "  $(basename "$f"): $f"
  done
  find "$dir/tmp" -name '*.log' 2>/dev/null | sed 's/^/  app log: /'
  grep -m 1 -A 2 "panicked at" "$dir/test.log" | sed 's/^/  | /'
done
again=$(cat "$out"/run-*/webdriver-retries.log 2>/dev/null | grep -c "sent once more")
not_again=$(cat "$out"/run-*/webdriver-retries.log 2>/dev/null | grep -c "not sent again")
dropped=$(cat "$out"/run-*/driver-*.log 2>/dev/null | grep -c "^Error serving connection")
echo "commands whose connection to the driver broke: sent once more $again, not sent again $not_again"
echo "(tauri-driver's own log counts $dropped failed connections, the probes while it starts included)"
[ "$failed" -eq 0 ]
