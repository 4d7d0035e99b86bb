#!/usr/bin/env bash
# Takes a screenshot of the real app under Xvfb: scripts/screenshot.sh OUT.png [SECONDS] [ARGS...]
# Used to make the README's screenshots. The app runs with a throwaway data directory unless
# AGENTDESK_DATA_DIR is set.
set -euo pipefail
out=${1:?usage: screenshot.sh OUT.png [SECONDS] [APP ARGS...]}
wait_s=${2:-6}
shift $(( $# >= 2 ? 2 : 1 ))
bin=${AGENTDESK_BIN:-${CARGO_TARGET_DIR:-target}/debug/agentdesk}
export AGENTDESK_DATA_DIR=${AGENTDESK_DATA_DIR:-$(mktemp -d)}
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$0" "${@:3}" & app=$!
  sleep "$2"
  import -window root "$1"
  kill $app; wait $app 2>/dev/null || true
' "$bin" "$out" "$wait_s" "$@"
echo "wrote $out"
