#!/usr/bin/env bash
# `make bench`: builds in release, runs every figure of issue 8 against sandboxes on loopback,
# and writes BENCHMARKS.md at the top level. About 15 minutes on the project's 2-core machine
# once the release build is cached; BENCH_QUICK=1 for a smaller run (fewer runs, smaller
# sizes, labelled as such in the report).
#
# Environment:
#   CARGO_TARGET_DIR   target dir (default: ./target); benches/hello is built into the same one
#   BENCH_QUICK=1      fewer runs and smaller workspaces
#   BENCH_SKIP_BUILD=1 use the binaries already in the target dir
#   BENCH_OUT=FILE     where to write the report (default: ./BENCHMARKS.md)
#   BENCH_KEEP=1       keep the work directory (data dirs, logs, raw results)
#   BENCH_ONLY="..."   run only these steps (e.g. "fig3-fill fig5-6-gui fig8-notify")
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
REL="$CARGO_TARGET_DIR/release"
QUICK="${BENCH_QUICK:-0}"
OUT="${BENCH_OUT:-$ROOT/BENCHMARKS.md}"
WORK=$(mktemp -d /tmp/agentdesk-bench.XXXXXX)
RES="$WORK/results"
LOGS="$WORK/logs"
mkdir -p "$RES" "$LOGS"
MEASURE=(python3 "$ROOT/scripts/bench/measure.py")
export AGENTDESK_TOKEN_STORE=file
export AGENTDESK_LOG=warn
TOKEN=bench-token

if [ "$QUICK" = 1 ]; then
  BACKFILL_RUNS=1; QUERY_RUNS=1; GUI_RUNS=3; NOTIFY_RUNS=3; SCALE_SIZES="10000 50000"
  CACHE_N=100000
else
  BACKFILL_RUNS=3; QUERY_RUNS=3; GUI_RUNS=5; NOTIFY_RUNS=5; SCALE_SIZES="10000 50000 100000 200000"
  CACHE_N=100000
fi
GUI_SETTLE="${BENCH_GUI_SETTLE:-10}"
T_START=$(date +%s)

say() { echo "==> $*" >&2; }
# step NAME CMD...: runs one figure's step with its output in $LOGS/NAME.log; a failure is
# recorded (the report marks the figure) and the run goes on with the next figure.
step() {
  local name=$1; shift
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then return 0; fi
  say "$name"
  local t0; t0=$(date +%s)
  if "$@" >"$LOGS/$name.log" 2>&1; then
    echo "$(( $(date +%s) - t0 ))" >"$RES/$name.secs"
  else
    echo "$name failed (exit $?); log: $LOGS/$name.log" >&2
    tail -n 20 "$LOGS/$name.log" | sed 's/^/    /' >&2
    tail -n 20 "$LOGS/$name.log" >"$RES/$name.failed"
  fi
}

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT

# start_sandbox N VAR: an intercom-sandbox with N conversations, 50 ms latency and 1,666
# requests per 10 s; sets VAR to its URL and remembers its pid.
start_sandbox() {
  local n=$1 fifo="$WORK/sandbox-$1-$RANDOM.out"
  "$REL/intercom-sandbox" --port 0 --seed 7 --conversations "$n" --contacts $(( n / 5 )) \
    --token "$TOKEN" --latency-ms 50 --rate-limit 1666 >"$fifo" 2>>"$LOGS/sandbox.log" &
  SANDBOX_PID=$!
  PIDS+=("$SANDBOX_PID")
  for _ in $(seq 1 600); do
    if grep -q '^listening on ' "$fifo" 2>/dev/null; then
      SANDBOX_URL=$(sed -n 's/^listening on //p' "$fifo" | head -n1)
      return 0
    fi
    kill -0 "$SANDBOX_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop_sandbox() { kill "$SANDBOX_PID" 2>/dev/null; wait "$SANDBOX_PID" 2>/dev/null; }

# bench_exe PACKAGE BENCH: the path of a built benchmark executable (cargo says it).
bench_exe() {
  cargo bench --no-run -p "$1" --bench "$2" 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -n1
}

login() { # login DATA_DIR URL
  echo "$TOKEN" | "$REL/agentdesk" login --token-stdin --base-url "$2" --data-dir "$1"
}

# ------------------------------------------------------------------ build
build() (
  set -e
  # tauri runs the UI build (beforeBuildCommand), then `cargo build --release` of the app with
  # the UI embedded, then packs the .deb: the same command as `make bundle`, so the two share
  # their build.
  ui/node_modules/.bin/tauri build --bundles deb
  cargo build --release -p intercom-sandbox --bin intercom-sandbox
  cargo bench --no-run -p agentdesk-store --bench queries
  cargo bench --no-run -p agentdesk-sync --bench backfill
  cargo bench --no-run -p agentdesk-sync --bench polling
  cargo bench --no-run -p intercom --bench decode
  cargo bench --no-run -p intercom --bench governor
  cargo bench --no-run -p intercom-sandbox --bench list_page
  cd benches/hello && cargo build --release
)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  step build build
  [ -e "$RES/build.failed" ] && { echo "the release build failed; see $LOGS/build.log" >&2; exit 1; }
fi

# ------------------------------------------------------------------ machine
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cores=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  echo "mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '+uncommitted changes')"
  echo "quick=$QUICK"
  echo "kernel=$(uname -r)"
  echo "webkit=$(dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0 2>/dev/null)"
  echo "tauri_app=$(awk '/^name = "tauri"$/ {getline; print $3}' Cargo.lock | tr -d '"')"
  echo "tauri_hello=$(awk '/^name = "tauri"$/ {getline; print $3}' benches/hello/Cargo.lock | tr -d '"')"
} >"$RES/machine.env"

# ------------------------------------------------------------------ figure 7: .deb size
deb_size() {
  local deb
  deb=$(ls -t "$REL"/bundle/deb/*.deb | head -n1)
  echo "{\"file\": \"$(basename "$deb")\", \"bytes\": $(stat -c %s "$deb")}" >"$RES/deb.json"
  dpkg-deb -c "$deb" | sort -k3 -n -r | head -n 5
}
step fig7-deb deb_size

# ------------------------------------------------------------------ figures 1 and 2 (backfill)
# The sync crate's benchmark: Agentdesk's partitioned backfill and a sequential cursor walk,
# both into SQLite, against one in-process sandbox (100k, 50 ms, 1,666/10 s), same run.
backfill_bench() {
  local i
  for i in $(seq 1 "$BACKFILL_RUNS"); do
    "$(bench_exe agentdesk-sync backfill)" | tee "$RES/backfill.$i.txt"
  done
}
step fig1-backfill backfill_bench

# Figure 2b: incremental polling (60 polls 1.05 s apart: each in its own second, as the
# app's 10 s polls are) with 1% of a 10k workspace changing, in process against an
# unthrottled sandbox; requests vs the minimum. About 1.5 minutes, mostly waiting between
# polls, so it runs beside the fill of the 100k cache below (a count of requests, which
# sharing the machine does not change).
polling_bench() {
  "$(bench_exe agentdesk-sync polling)" | tee "$RES/polling.txt"
}

# ------------------------------------------------------------------ figure 4 (local queries)
queries_bench() {
  local i
  for i in $(seq 1 "$QUERY_RUNS"); do
    "$(bench_exe agentdesk-store queries)" | tee "$RES/queries.$i.txt"
  done
}
step fig4-queries queries_bench

# ------------------------------------------------------------------ the Intercom client and the sandbox
# Issue 4's figures (crates/intercom/benches) and issue 3's list-page serving time
# (crates/intercom-sandbox/benches/list_page.rs), each as JSON lines in the results dir.
# About a minute in all, most of it the governor's three 10-second windows.
# Decode throughput of a 150-conversation page through the client's own decode path.
client_decode() {
  "$(bench_exe intercom decode)" | tee "$RES/client-decode.txt"
  grep '^{' "$RES/client-decode.txt" >"$RES/client-decode.json"
}
step client-decode client_decode
# The governor: requests/s as a share of the window ceiling (limits of 100, 500 and 1,666 per
# 10 s, 50 ms latency, side by side over the same three windows) and the 429s that cost.
client_governor() {
  "$(bench_exe intercom governor)" | tee "$RES/client-governor.txt"
  grep '^{' "$RES/client-governor.txt" >"$RES/client-governor.jsonl"
}
step client-governor client_governor
# The sandbox serving list pages at 100k conversations (medians over loopback).
sandbox_list_page() {
  SANDBOX_BENCH_CONVERSATIONS=100000 "$(bench_exe intercom-sandbox list_page)" | tee "$RES/sandbox-list-page.txt"
  python3 - "$RES/sandbox-list-page.txt" >"$RES/sandbox-list-page.json" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
def num(pattern):
    m = re.search(pattern, t)
    return float(m.group(1)) if m else None
print(json.dumps({
    "conversations": num(r"conversations: (\d+)"),
    "generate_s": num(r"generate \+ start: ([\d.]+) s"),
    "first_page_20_ms": num(r"per_page=20, median of \d+: ([\d.]+) ms"),
    "walk_150_ms": num(r"per_page=150 cursor walk, median of \d+: ([\d.]+) ms"),
    "search_150_ms": num(r"search \(full scan\) per_page=150, median of \d+: ([\d.]+) ms"),
}))
PY
}
step sandbox-list-page sandbox_list_page

# ------------------------------------------------------------------ figure 9 (growth)
# The CLI's metadata backfill (`agentdesk sync --once --metadata-only`) against the sandbox
# binary at each size: wall time, peak RSS of the CLI process, database size; then the
# window's memory on that cache.
scale() {
  local n d
  for n in $SCALE_SIZES; do
    start_sandbox "$n" || return 1
    d="$WORK/scale-$n"
    login "$d" "$SANDBOX_URL" >/dev/null
    /usr/bin/time -f '%e %M' -o "$WORK/time-$n" "$REL/agentdesk" sync --once --metadata-only --data-dir "$d" \
      | tee "$WORK/sync-$n.txt"
    db=$(du -sk "$d" | cut -f1)
    # The window on that cache, with the sandbox still up (its first cycle fetches details
    # by priority): PSS of the app and its WebKit processes, as figure 6 measures it.
    dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
      "${MEASURE[@]}" gui --app "$REL/agentdesk" --data-dir "$d" --runs 1 --warmup 0 \
      --settle "$GUI_SETTLE" --log "$LOGS/scale-apps.log" >"$WORK/gui-$n.out" || true
    # The last JSON line (the accessibility registry under the session bus prints there too).
    grep '^{' "$WORK/gui-$n.out" | tail -n 1 >"$WORK/gui-$n.json"
    [ -s "$WORK/gui-$n.json" ] || echo '{}' >"$WORK/gui-$n.json"
    stop_sandbox
    read -r wall rss <"$WORK/time-$n"
    echo "{\"n\": $n, \"wall_s\": $wall, \"peak_rss_kb\": $rss, \"data_dir_kb\": $db, \"app\": $(cat "$WORK/gui-$n.json"), \"cli\": $(python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))' <"$WORK/sync-$n.txt")}" \
      | tee -a "$RES/scale.jsonl"
    rm -rf "$d"
  done
}
step fig9-scale scale

# ------------------------------------------------------------------ the 100k cache (and figure 3)
# One sandbox with CACHE_N conversations stays up for figures 3, 5, 6 and 8: a full
# `agentdesk sync --once` fills the cache (backfill, incremental, details by priority,
# contacts, events) while the sandbox's counters are sampled for the detail-fetching rate.
CACHE_DIR="$WORK/cache-$CACHE_N"
fill_cache() {
  start_sandbox "$CACHE_N" || return 1
  echo "$SANDBOX_URL" >"$WORK/cache-sandbox.url"
  CACHE_SANDBOX_PID=$SANDBOX_PID
  login "$CACHE_DIR" "$SANDBOX_URL"
  "${MEASURE[@]}" sample "$SANDBOX_URL" "$WORK/stats.jsonl" &
  local sampler=$!
  PIDS+=("$sampler")
  /usr/bin/time -f '%e %M' -o "$WORK/time-fill" "$REL/agentdesk" sync --once --data-dir "$CACHE_DIR" | tee "$RES/fill.txt"
  sleep 1
  kill "$sampler"; wait "$sampler" 2>/dev/null
  "${MEASURE[@]}" details "$WORK/stats.jsonl" | tee "$RES/details.json"
  curl -s "$SANDBOX_URL/_sandbox/stats" >"$RES/fill-stats.json"
  cp "$WORK/time-fill" "$RES/fill.time"
}
step fig2b-polling polling_bench &
POLLING_STEP=$!
PIDS+=("$POLLING_STEP")
step fig3-fill fill_cache
wait "$POLLING_STEP"
SANDBOX_URL=$(cat "$WORK/cache-sandbox.url" 2>/dev/null || true)

# ------------------------------------------------------------------ figures 5 and 6
# Cold start (spawn to the ready file) and PSS (app + every WebKit child, from
# /proc/*/smaps_rollup) of Agentdesk on the filled cache, and of the hello-world, interleaved.
# The harness stops the app with SIGTERM (the app closes its cache on it); `agentdesk status`
# after each run (outside the timing) makes sure the next start opens a cleanly closed cache,
# so no run pays an integrity check for the one before it.
gui() {
  [ -n "$SANDBOX_URL" ] || { echo "no filled cache"; return 1; }
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    "${MEASURE[@]}" gui --app "$REL/agentdesk" --hello "$REL/hello" --data-dir "$CACHE_DIR" \
    --runs "$GUI_RUNS" --settle "$GUI_SETTLE" --log "$LOGS/gui-apps.log" \
    --after-app "'$REL/agentdesk' status --data-dir '$CACHE_DIR' >/dev/null" >"$RES/gui.json"
  cat "$RES/gui.json"
}
step fig5-6-gui gui

# ------------------------------------------------------------------ figure 6b
# Switching views and scrolling in the real window (WebKit through WebDriver) on the filled
# cache: click → the new view's first row painted; frame intervals while the list scrolls.
ui_speed() {
  [ -n "$SANDBOX_URL" ] || { echo "no filled cache"; return 1; }
  local driver="${TAURI_DRIVER:-${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver}"
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    "${MEASURE[@]}" ui --app "$REL/agentdesk" --driver "$driver" --data-dir "$CACHE_DIR" \
    --log "$LOGS/ui-apps.log" >"$RES/ui.json"
  "$REL/agentdesk" status --data-dir "$CACHE_DIR" >/dev/null
  cat "$RES/ui.json"
}
step fig6b-ui ui_speed

# ------------------------------------------------------------------ figure 8
# A contact reply injected in the sandbox, to the badge of Your inbox in the window (the
# count the tray shows) and to the Notify call on the session bus, with WebDriver.
notify() {
  [ -n "$SANDBOX_URL" ] || { echo "no filled cache"; return 1; }
  local driver="${TAURI_DRIVER:-${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver}"
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    "${MEASURE[@]}" notify --app "$REL/agentdesk" --driver "$driver" --data-dir "$CACHE_DIR" \
    --sandbox "$SANDBOX_URL" --poll 10 --runs "$NOTIFY_RUNS" --log "$LOGS/notify-apps.log" >"$RES/notify.json"
  cat "$RES/notify.json"
}
step fig8-notify notify

# ------------------------------------------------------------------ report
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/machine.env"
echo "bench_secs=$(( $(date +%s) - T_START ))" >>"$RES/machine.env"
python3 "$ROOT/scripts/bench/report.py" "$RES" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
say "wrote $OUT ($(( $(date +%s) - T_START )) s)"
