#!/usr/bin/env bash
# The long reliability and security suites (issue 7), run by `make reliability`; CI may skip
# them (`make test` runs the short variants of the same tests). Writes the figures into
# RELIABILITY.md between its "figures" markers, with the date and the commit.
#
#   RELIABILITY_FUZZ_SECS   seconds per fuzz target (default 600)
#   RELIABILITY_SEED        replay a randomized run (crash, outbox, fuzz)
#   SKIP_FUZZ=1, SKIP_BROWSERS=1   leave those parts out
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export RELIABILITY_LONG=1
export RELIABILITY_FUZZ_SECS="${RELIABILITY_FUZZ_SECS:-600}"
FIGURES=$(mktemp)
export RELIABILITY_FIGURES="$FIGURES"
trap 'rm -f "$FIGURES"' EXIT
status=0

echo "==> Rust suites, long variants (crash 20 kills, faults, outbox, bad input, secrets, hostile corpus, stable fuzzing)"
cargo test -p agentdesk-reliability -- --nocapture --test-threads=1 || status=1

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  echo "==> cargo fuzz (nightly, libFuzzer), ${RELIABILITY_FUZZ_SECS}s per target"
  if ! rustup run nightly cargo --version >/dev/null 2>&1; then
    echo "figure: fuzz (libFuzzer): not run, no nightly toolchain (rustup toolchain install nightly)" | tee -a "$FIGURES"
  else
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
      cargo install cargo-fuzz --locked
    fi
    for target in decode_responses sandbox_search notification_text deep_link; do
      log=$(mktemp)
      if (cd fuzz && cargo +nightly fuzz run "$target" -- \
            -max_total_time="$RELIABILITY_FUZZ_SECS" -print_final_stats=1 -rss_limit_mb=4096) >"$log" 2>&1; then
        crashes=0
      else
        crashes=$(ls "fuzz/artifacts/$target" 2>/dev/null | wc -l)
        [ "$crashes" -gt 0 ] || crashes="1 (see the log)"
        status=1
        tail -40 "$log"
      fi
      execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
      echo "figure: fuzz (libFuzzer, $target): ${RELIABILITY_FUZZ_SECS}s, executions ${execs:-unknown}, crashes $crashes" | tee -a "$FIGURES"
      rm -f "$log"
    done
  fi
fi

if [ "${SKIP_BROWSERS:-0}" != 1 ]; then
  echo "==> hostile corpus in real WebKit (WebDriver, under Xvfb)"
  npm --prefix ui run --silent build -- --logLevel warn
  cargo build --quiet --bin agentdesk
  AGENTDESK_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/agentdesk" dbus-run-session -- \
    xvfb-run -a -s "-screen 0 1280x800x24" \
    cargo test --quiet -p agentdesk-e2e --test hostile -- --nocapture 2>&1 \
    | tee /dev/stderr | grep '^figure:' >>"$FIGURES" || status=1
  echo "==> hostile corpus in Chromium (mocked IPC)"
  npm --prefix ui run --silent build:mock -- --logLevel warn
  (cd ui && npx vitest run --config vitest.browser.config.ts tests/browser/hostile.spec.ts) 2>&1 \
    | tee /dev/stderr | grep -o 'figure: .*' >>"$FIGURES" || status=1
fi

echo "==> figures"
cat "$FIGURES"
python3 - "$FIGURES" <<'PY'
import datetime, pathlib, subprocess, sys
figures = pathlib.Path(sys.argv[1]).read_text().strip().splitlines()
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
block = [f"Taken {when} by `make reliability` at commit {commit}{' (with local changes)' if dirty else ''}:", ""]
block += [f"- {line.removeprefix('figure: ')}" for line in figures]
doc = pathlib.Path("RELIABILITY.md")
text = doc.read_text()
begin, end = "<!-- figures:long:begin -->", "<!-- figures:long:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
doc.write_text(head + begin + "\n" + "\n".join(block) + "\n" + end + tail)
print("RELIABILITY.md updated")
PY
exit $status
