#!/usr/bin/env bash
# Runs a command in a private X display (Xvfb, 1280x800), a private D-Bus session and an
# unlocked, throw-away Secret Service keyring, so the real window and the OS keyring work
# headless. Usage: scripts/with-session.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${INVOICE_DESK_IN_SESSION:-}" ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  export INVOICE_DESK_IN_SESSION=1
  export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
         XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    dbus-run-session -- "$0" "$@"
fi
# Inside the session: a keyring daemon with an unlocked login keyring.
printf 'invoice-desk-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
exec "$@"
