#!/usr/bin/env bash
# Builds the Linux installers with the Tauri CLI from its npm package (@tauri-apps/cli, a
# devDependency of ui/: a prebuilt binary, no compile): the .deb always, and the AppImage when
# the bundler's AppImage tools are on this computer.
#
# Usage: scripts/bundle.sh            (make bundle runs it)
# Prints the installers it made with their sizes, the .deb as
#   figure: .deb installer: 6.1 MB, target <= 15 MB
# and, when the AppImage cannot be made here, why and what is needed.
#
# The AppImage: the Tauri bundler (tauri-bundler 2.10, inside @tauri-apps/cli 2.12) makes it
# with linuxdeploy (pinned build 07333c6) and an AppRun, which it downloads from GitHub into
# ${XDG_CACHE_HOME:-~/.cache}/tauri the first time (or from a mirror named in
# TAURI_BUNDLER_TOOLS_GITHUB_MIRROR), plus linuxdeploy's AppImage plugin when it can get it (it
# has a built-in one otherwise); the GTK plugin is inside the CLI. None of them is a Debian,
# npm, PyPI or crates.io package, so where only those registries can be reached the AppImage is
# left out and this says so. On a computer with internet the bundler fetches them itself: run
#   BUNDLES=deb,appimage scripts/bundle.sh
# once there, or copy the files named below into that folder beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

cli=ui/node_modules/.bin/tauri
[ -x "$cli" ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
target="${CARGO_TARGET_DIR:-target}"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/tauri"
# The files the bundler needs (it downloads a file only when it is missing).
appimage_tools=(linuxdeploy-07333c6-x86_64.AppImage AppRun-x86_64)

bundles="${BUNDLES:-}"
if [ -z "$bundles" ]; then
  missing=()
  for t in "${appimage_tools[@]}"; do [ -s "$tools/$t" ] || missing+=("$t"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    bundles=deb,appimage
  else
    bundles=deb
    echo "==> AppImage left out: the bundler's tools are not in $tools (missing: ${missing[*]})."
    echo "    They come from GitHub only (no Debian, npm, PyPI or crates.io package holds them)."
    echo "    Where GitHub can be reached: BUNDLES=deb,appimage scripts/bundle.sh (the bundler fetches them)."
  fi
fi

echo "==> tauri build --bundles $bundles $(date +%T)"
# The CLI runs the UI build (beforeBuildCommand) and a release build with the same features.
CI=true "$cli" build --bundles "$bundles" </dev/null

echo "==> installers"
found=0
for f in "$target"/release/bundle/deb/*.deb "$target"/release/bundle/appimage/*.AppImage; do
  [ -f "$f" ] || continue
  found=1
  echo "$f: $(du -h "$f" | cut -f1)"
done
[ "$found" = 1 ] || { echo "no installer was made" >&2; exit 1; }
# shellcheck disable=SC2012 # the names are the bundler's: no odd characters
deb="$(ls -t "$target"/release/bundle/deb/*.deb | head -n 1)"
echo "figure: .deb installer: $(awk -v b="$(stat -c %s "$deb")" 'BEGIN { printf "%.1f", b / 1048576 }') MB, target <= 15 MB"
