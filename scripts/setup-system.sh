#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Agentdesk needs, only when one is missing, so a machine
# that has them all hears nothing but one line. Without arguments: what building and running
# the app needs (`make run`); with `--test`: also what the tests need (`make test`).
#
# The UI tests run in a real Chromium (ui/tests/browser/harness.ts: $CHROMIUM_PATH, else
# /usr/bin/chromium). Debian's `chromium` package is one. Ubuntu's archive only has
# transitional packages that install the snap (they depend on snapd), and this set-up
# installs nothing from outside apt: there, set CHROMIUM_PATH to a Chromium or Chrome you
# installed yourself, and the set-up asks apt for no browser.
set -euo pipefail

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

# Build and run: the compiler toolchain and the libraries Tauri links against, plus Xvfb so
# the no-display advice (`xvfb-run -a make run`) works.
packages=(
  build-essential pkg-config file curl libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth
)
# Test: WebKit's WebDriver, a session bus and a notification daemon for the e2e tests, gio to
# launch the desktop entry as a desktop does (a link test), and a colour emoji font for the
# screenshots (customers write emoji; without a font for them they render as empty boxes).
# The browser is decided below.
$want_test && packages+=(webkit2gtk-driver dbus-x11 dunst libglib2.0-bin fonts-noto-color-emoji)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

# The browser for the UI tests: CHROMIUM_PATH if given, else Debian's chromium package.
need_browser=false
if $want_test; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    if [ ! -x "$CHROMIUM_PATH" ]; then
      echo "error: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
      exit 1
    fi
  elif ! installed chromium; then
    need_browser=true
  fi
fi

if [ ${#missing[@]} -eq 0 ] && ! $need_browser; then
  echo "==> system packages: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: these packages are missing and this is not a Debian/Ubuntu system: ${missing[*]}" >&2
  echo "       install their equivalents with your package manager, then run make again." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: missing packages (${missing[*]}) and no sudo to install them as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq

# A real Chromium from apt, or none: a package that depends on snapd only installs the snap.
browser_problem=""
if $need_browser; then
  depends=$(apt-cache show --no-all-versions chromium 2>/dev/null | sed -n 's/^Depends: //p' || true)
  if [ -n "$depends" ] && ! grep -qw snapd <<<"$depends"; then
    missing+=(chromium)
  else
    browser_problem="yes"
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "==> system packages installed"
fi

if [ -n "$browser_problem" ]; then
  echo "error: the UI tests need Chromium, and apt here offers no real Chromium package" >&2
  echo "       (on Ubuntu, 'chromium' and 'chromium-browser' only install the snap, which this" >&2
  echo "       set-up does not do). Install Chromium or Google Chrome yourself, then run:" >&2
  echo "         CHROMIUM_PATH=/path/to/chromium make test" >&2
  exit 1
fi
