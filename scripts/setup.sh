#!/usr/bin/env bash
# Installs what building, running and testing Agentdesk needs, and only what is missing:
# Debian packages (apt, with sudo when not root), the UI's npm packages, and with `--test`
# the tauri-driver WebDriver bridge (cargo install). Idempotent; one line per step when
# nothing is missing. Nothing is downloaded from outside the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

bash scripts/setup-system.sh "$@"

# Rust: the toolchain is expected (rustup cannot download here); say so clearly if absent.
for tool in cargo rustc; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "error: $tool not found. Install Rust (https://rustup.rs) and run make again." >&2
    exit 1
  }
done
if $want_test; then
  for sub in fmt clippy; do
    cargo "$sub" --version >/dev/null 2>&1 || {
      echo "error: cargo $sub not found; add it with: rustup component add ${sub/fmt/rustfmt}" >&2
      exit 1
    }
  done
fi

# Node: Vite 8 needs Node.js 20.19 or newer.
if ! command -v node >/dev/null 2>&1; then
  echo "error: Node.js not found. Install Node.js 20.19+ (e.g. from NodeSource or your distribution), then run make again." >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  echo "error: Node.js $(node --version) is too old; the UI build (Vite 8) needs 20.19 or newer." >&2
  exit 1
}

stamp=ui/node_modules/.agentdesk-installed
if [ ! -f "$stamp" ] || [ ui/package-lock.json -nt "$stamp" ] || [ ui/package.json -nt "$stamp" ]; then
  echo "==> installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$stamp"
else
  echo "==> UI packages: up to date"
fi

if $want_test; then
  cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if [ -x "$cargo_bin/tauri-driver" ] || command -v tauri-driver >/dev/null 2>&1; then
    echo "==> tauri-driver: present"
  else
    echo "==> installing tauri-driver (cargo install, about a minute)"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
fi
