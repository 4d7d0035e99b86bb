#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Agentdesk needs to build and test, only when
# one is missing, so a machine that has them all hears nothing but one line.
set -euo pipefail

packages=(
  build-essential pkg-config file curl libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  webkit2gtk-driver xvfb xauth dbus-x11 dunst chromium imagemagick
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
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

echo "==> installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "==> system packages installed"
