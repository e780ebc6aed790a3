#!/usr/bin/env bash
# Start-up time and memory of the release build next to a bare Tauri 2 app (bench/bare-app/,
# the same Tauri version and release profile), measured side by side: each run starts the bare
# app and then the app, one after the other, so both see the same load on the machine.
#
# Usage: bench/startup.sh [-n RUNS] [-s SETTLE_SECONDS] [-B]
#   RUNS            how many runs of each (default: 5)
#   SETTLE_SECONDS  how long after the form is usable the memory is read (default: 5)
#   -B              do not build (use the release binaries already in the target folder)
# Needs what `scripts/setup.sh test` installs (Xvfb, D-Bus, WebKitWebDriver, tauri-driver, jq).
#
# Each start goes through tauri-driver under Xvfb and a private D-Bus session
# (scripts/with-session.sh), with a fresh data folder (so the app opens on its built-in demo,
# as on a first start) and fresh caches. It measures:
#   start-up  from the start of the app's process (/proc/<pid>/stat) to the moment its first
#             field is present, visible and enabled and drawn: the app's invoice form's customer
#             field, found by the page polling itself every 5 ms (the driver's round trips do
#             not count) plus one frame, or, when the form had been drawn by then, the moment
#             of that drawing (the page's paint timing); the bare app's
#             marker field, which is in its static
#             page, so it is drawn with the page's first contentful paint (the driver's session
#             opens only after that, so polling would overstate the bare app's time)
#   memory    PSS of the whole process tree (the app, WebKitWebProcess, WebKitNetworkProcess,
#             and whatever else it started), summed from /proc/<pid>/smaps_rollup,
#             SETTLE_SECONDS after the form became usable (PSS shares a library's pages among
#             every process that maps it, other WebKit programs running at the time included:
#             compare the two of one run, not figures of different hours)
# It prints every run (with the moment the page began loading), then the medians (p50) and
# their ratios next to the targets, one line per figure ("figure: ..."), and the release
# binaries' sizes. Details per run and process (PSS of each), the driver's and the app's
# output are kept in target/startup-logs/<time>/. With STARTUP_TRACE=1 it also keeps the
# page's timeline per run (<app>-<run>.page.log: the UI's start-up marks, "startup:...", and
# the first paint, in ms after the page began loading): where the time to the form goes.
# STARTUP_APP / STARTUP_OTHER put another build in the app's / the bare app's place (below).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."

runs=5
settle=5
build=1
while getopts "n:s:Bh" opt; do
  case "$opt" in
    n) runs="$OPTARG" ;;
    s) settle="$OPTARG" ;;
    B) build=0 ;;
    *) sed -n '2,35p' "$0"; exit 2 ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "RUNS must be a positive number: $runs" >&2; exit 2 ;; esac
case "$settle" in ''|*[!0-9]*) echo "SETTLE_SECONDS must be a number: $settle" >&2; exit 2 ;; esac

target="${CARGO_TARGET_DIR:-target}"
ours="$(pwd)/$target/release/invoice-desk"
[ "${target#/}" != "$target" ] && ours="$target/release/invoice-desk"
bare="$(dirname "$ours")/bare-app"
# Another build of the app in the app's place (e.g. an older one, against the bare app):
#   STARTUP_APP=path/to/older/invoice-desk bench/startup.sh -B
# or in the bare app's place, to compare two builds side by side:
#   STARTUP_OTHER=path/to/older/invoice-desk bench/startup.sh -B
if [ -n "${STARTUP_APP:-}" ]; then ours="$(cd "$(dirname "$STARTUP_APP")" && pwd)/$(basename "$STARTUP_APP")"; fi
other="${STARTUP_OTHER:-}"

if [ -z "${INVOICE_DESK_IN_SESSION:-}" ]; then
  for tool in jq curl xvfb-run dbus-run-session WebKitWebDriver; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup.sh test" >&2; exit 1; }
  done
  [ -x .tools/bin/tauri-driver ] || { echo "tauri-driver is missing: run scripts/setup.sh test" >&2; exit 1; }
  if [ "$build" = 1 ]; then
    echo "==> build (release) $(date +%T)"
    (cd ui && npm run build --silent </dev/null >/dev/null) || { echo "the UI did not build" >&2; exit 1; }
    # The features the Tauri CLI builds the installers with (the embedded page, no dev mode).
    cargo build --release -p invoice-desk -p invoice-desk-sandbox -p bare-app --features tauri/custom-protocol </dev/null
  fi
  for b in "$ours" "$bare"; do
    [ -x "$b" ] || { echo "no release build at $b (run without -B)" >&2; exit 1; }
  done
  exec scripts/with-session.sh "$self" -B -n "$runs" -s "$settle" </dev/null
fi

# ---- inside the session (Xvfb, D-Bus, keyring) ----

logs="$(pwd)/$target/startup-logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$logs"
clk="$(getconf CLK_TCK)"
scratch="$(mktemp -d)"
driver_pid=""
cleanup() {
  if [ -n "$driver_pid" ]; then kill "$driver_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# Milliseconds since boot (the clock of /proc/<pid>/stat's start time).
uptime_ms() {
  local up
  read -r up _ </proc/uptime
  echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}

# The process's start, in milliseconds since boot.
start_ms() {
  local stat rest
  stat="$(cat "/proc/$1/stat")"
  rest="${stat##*) }" # after the command name, which may hold spaces
  # shellcheck disable=SC2086
  set -- $rest
  echo $(( ${20} * 1000 / clk ))
}

# The process and all its descendants.
tree_pids() {
  local root="$1" all=() pid stat rest ppid
  declare -A children=()
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    stat="$(cat "$d/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    ppid="$2"
    children[$ppid]="${children[$ppid]:-} $pid"
  done
  local queue=("$root")
  while [ "${#queue[@]}" -gt 0 ]; do
    pid="${queue[0]}"
    queue=("${queue[@]:1}")
    all+=("$pid")
    for c in ${children[$pid]:-}; do queue+=("$c"); done
  done
  echo "${all[@]}"
}

# PSS in kB of the process tree, and one line per process into the file $2.
tree_pss() {
  local total=0 pss name
  : >"$2"
  for pid in $(tree_pids "$1"); do
    pss="$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)" || continue
    [ -n "$pss" ] || continue
    name="$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")"
    echo "$pid $name $pss kB" >>"$2"
    total=$((total + pss))
  done
  echo "$total"
}

# The pid of the running process whose executable is $1.
pid_of() {
  local exe
  for d in /proc/[0-9]*; do
    exe="$(readlink "$d/exe" 2>/dev/null)" || continue
    if [ "$exe" = "$1" ]; then echo "${d#/proc/}"; return 0; fi
  done
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    if port_free "$p"; then echo "$p"; return; fi
  done
}

# The page polls itself for the field every 5 ms and answers, one drawn frame after the field
# is usable, with its clock (ms since 1970), how many looks it took, and when the form had been
# drawn if it had been by then.
read -r -d '' probe <<'JS' || true
const sel = arguments[0];
const done = arguments[arguments.length - 1];
let looks = 0;
function usable() {
  const e = document.querySelector(sel);
  return !!e && !e.disabled && e.getClientRects().length > 0;
}
// When the field is found usable, whether the form had been drawn already: a paint after the
// app put the form in the page (its "startup:form_shown" mark; the form is drawn with its
// draft, so its field is usable from that drawing on). The form's time is then that paint's,
// as the bare app's is its first paint: the probe's own frame would come later than the
// form's (after the first frame's compositing, which WebKit does once, slowly, and the polling
// may look a little after the drawing).
function drawnAt() {
  const shown = performance.getEntriesByName("startup:form_shown")[0];
  if (!shown) return null;
  const after = performance
    .getEntriesByType("paint")
    .filter((p) => p.startTime >= shown.startTime)
    .map((p) => p.startTime);
  return after.length > 0 ? Math.min(...after) : null;
}
function look() {
  looks++;
  if (looks === 1) performance.mark("probe:first-look");
  if (usable()) {
    performance.mark("probe:usable");
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    const drawn = drawnAt();
    requestAnimationFrame(() => done({
      t: Date.now(), looks: looks, drawnAt: drawn, origin: performance.timeOrigin,
      interactive: nav ? nav.domInteractive : null, fcp: fcp ? fcp.startTime : null,
    }));
  } else {
    setTimeout(look, 5);
  }
}
look();
JS

# One start: prints "<ms to usable> <PSS kB> <drawn before the first look: 1/0> <ms to the page's
# start>" or fails.
measure() {
  local name="$1" bin="$2" selector="$3" run="$4"
  local static="$5"
  local dir="$scratch/$name-$run" port native base session pid t_usable drawn off start pss
  mkdir -p "$dir/data" "$dir/config" "$dir/cache" "$dir/store"
  # This runs in a subshell of its own: its driver is stopped however it ends.
  trap 'if [ -n "$driver_pid" ]; then kill "$driver_pid" 2>/dev/null || true; fi' EXIT
  port="$(free_port)"
  native="$(free_port)"
  while [ "$native" = "$port" ]; do native="$(free_port)"; done
  XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" XDG_CACHE_HOME="$dir/cache" \
    INVOICE_DESK_DATA_DIR="$dir/store" \
    .tools/bin/tauri-driver --port "$port" --native-port "$native" \
    >"$logs/$name-$run.driver.log" 2>&1 </dev/null &
  driver_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do
    curl -sf "$base/status" >/dev/null 2>&1 && break
    sleep 0.05
  done
  session="$(curl -sf -X POST "$base/session" -H 'Content-Type: application/json' \
    -d "$(jq -nc --arg app "$bin" '{capabilities: {alwaysMatch: {pageLoadStrategy: "none", "tauri:options": {application: $app}}}}')" \
    | jq -r '.value.sessionId // empty')" || true
  if [ -z "$session" ]; then
    echo "no WebDriver session for $name (see $logs/$name-$run.driver.log)" >&2
    kill "$driver_pid" 2>/dev/null || true; wait "$driver_pid" 2>/dev/null || true; driver_pid=""
    return 1
  fi
  # The session's commands go to the native driver directly (one hop less).
  local wd="http://127.0.0.1:$native/session/$session"
  curl -sf -X POST "$wd/timeouts" -H 'Content-Type: application/json' -d '{"script": 60000}' >/dev/null || true
  local body answer=""
  body="$(jq -nc --arg s "$probe" --arg sel "$selector" '{script: $s, args: [$sel]}')"
  for _ in $(seq 1 100); do
    answer="$(curl -s -X POST "$wd/execute/async" -H 'Content-Type: application/json' -d "$body")" || true
    if [ "$(jq -r '.value.t // empty' <<<"$answer" 2>/dev/null)" != "" ]; then break; fi
    answer=""
    sleep 0.02 # the page was still being replaced: look again
  done
  [ -n "$answer" ] || { echo "$name: the field $selector never became usable" >&2; return 1; }
  drawn="$(jq -r 'if .value.drawnAt == null then 0 else 1 end' <<<"$answer")"
  if [ "$static" = static ]; then
    t_usable="$(jq -r '(.value.origin + .value.fcp) | floor' <<<"$answer")"
  elif [ "$drawn" = 1 ]; then
    t_usable="$(jq -r '(.value.origin + .value.drawnAt) | floor' <<<"$answer")"
  else
    t_usable="$(jq -r '.value.t' <<<"$answer")"
  fi
  echo "$name run $run: $answer" >>"$logs/probe.log"
  # Looked for only now: the search reads every process's link, which would take the CPU
  # from the page while it loads.
  pid="$(pid_of "$bin")" || { echo "the $name process was not found" >&2; return 1; }
  if [ -n "${STARTUP_TRACE:-}" ]; then
    # What the page fetched (its files, the IPC calls) and when, for finding where time goes.
    curl -s -X POST "$wd/execute/sync" -H 'Content-Type: application/json' \
      -d '{"script": "return performance.getEntries().map(e => [e.entryType, e.name.slice(0, 60), Math.round(e.startTime), Math.round(e.duration)].join(\" \"))", "args": []}' \
      | jq -r '.value[]' >"$logs/$name-$run.page.log" 2>&1 || true
  fi
  # The page's clock against the clock of the process's start time, read at one moment.
  off=$(( $(now_ms) - $(uptime_ms) ))
  start=$(( off + $(start_ms "$pid") ))
  echo "$name run $run: process start $start" >>"$logs/probe.log"
  sleep "$settle"
  pss="$(tree_pss "$pid" "$logs/$name-$run.pss")"
  curl -s -X DELETE "http://127.0.0.1:$port/session/$session" >/dev/null || true
  for _ in $(seq 1 100); do
    [ -d "/proc/$pid" ] || break
    sleep 0.05
  done
  [ -d "/proc/$pid" ] && kill "$pid" 2>/dev/null
  kill "$driver_pid" 2>/dev/null || true
  wait "$driver_pid" 2>/dev/null || true
  driver_pid=""
  cp "$dir/store/invoice-desk.log" "$logs/$name-$run.app.log" 2>/dev/null || true
  rm -rf "$dir"
  local origin
  origin="$(jq -r '.value.origin | floor' <<<"$answer")"
  echo "$(( t_usable - start )) $pss $drawn $(( origin - start ))"
}

median() {
  local sorted n
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  n=${#sorted[@]}
  if (( n % 2 )); then echo "${sorted[n / 2]}"; else echo $(( (sorted[n / 2 - 1] + sorted[n / 2]) / 2 )); fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

ours_t=(); ours_m=(); bare_t=(); bare_m=(); first_look=0
echo "==> $runs runs of each, side by side, $(date +%T); details in $logs"
for run in $(seq 1 "$runs"); do
  for which in bare ours; do
    if [ "$which" = bare ]; then
      if [ -n "$other" ]; then
        r="$(measure bare "$other" "[data-testid=relation-input]" "$run" dynamic)" || exit 1
      else
        r="$(measure bare "$bare" "#bare-marker" "$run" static)" || exit 1
      fi
    else
      r="$(measure ours "$ours" "[data-testid=relation-input]" "$run" dynamic)" || exit 1
    fi
    read -r ms kb drawn nav <<<"$r"
    if [ "$which" = ours ] && [ "$drawn" = 1 ]; then first_look=$((first_look + 1)); fi
    echo "run $run $which: start-up $(secs "$ms") s (the page began loading at $(secs "$nav") s), PSS $(mb "$kb") MB"
    if [ "$which" = bare ]; then bare_t+=("$ms"); bare_m+=("$kb"); else ours_t+=("$ms"); ours_m+=("$kb"); fi
  done
done

ot="$(median "${ours_t[@]}")"; bt="$(median "${bare_t[@]}")"
om="$(median "${ours_m[@]}")"; bm="$(median "${bare_m[@]}")"
echo "==> p50 of $runs runs each"
echo "figure: start-up to a usable form: $(secs "$ot") s (bare $(secs "$bt") s) = $(ratio "$ot" "$bt")x, target <= 1.3x"
echo "figure: memory (PSS of the process tree) once usable and settled: $(mb "$om") MB (bare $(mb "$bm") MB) = $(ratio "$om" "$bm")x, target <= 1.2x"
echo "figure: release binary: $(size_mb "$ours") MB (bare app $(size_mb "$bare") MB)"
if [ "$first_look" -gt 0 ]; then
  echo "note: in $first_look start(s) of the app the form had been drawn when the probe found it; their time is that drawing's (as the bare app's is its first drawing)"
fi
