#!/usr/bin/env bash
# Builds the Linux installers: the .deb with the Tauri CLI from its npm package (@tauri-apps/cli,
# a devDependency of ui/: a prebuilt binary, no compile), then the AppImage from the same files
# with scripts/appimage.sh (the Tauri bundler's AppImage tools come only from GitHub; that script
# does their work with Debian's packages and says how).
#
# Usage: scripts/bundle.sh            (make bundle runs it)
# Prints the installers it made with their sizes, and the .deb's as
#   figure: .deb installer: 9.9 MB, target <= 15 MB
# bench/install-check.sh [deb|appimage] (as root) installs either on a clean Debian 12 and
# starts it there.
set -euo pipefail
cd "$(dirname "$0")/.."

cli=ui/node_modules/.bin/tauri
[ -x "$cli" ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
target="${CARGO_TARGET_DIR:-target}"

echo "==> tauri build --bundles deb $(date +%T)"
# The CLI runs the UI build (beforeBuildCommand) and a release build with the same features.
rm -rf "$target/release/bundle/deb"
CI=true "$cli" build --bundles deb </dev/null

echo "==> AppImage $(date +%T)"
scripts/appimage.sh

echo "==> installers"
for f in "$target"/release/bundle/deb/*.deb "$target"/release/bundle/appimage/*.AppImage; do
  [ -f "$f" ] || { echo "an installer is missing: $f" >&2; exit 1; }
  echo "$f: $(du -h "$f" | cut -f1)"
done
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
for f in "$target"/release/bundle/deb/*.deb; do echo "figure: .deb installer: $(mb "$f") MB, target <= 15 MB"; done
for f in "$target"/release/bundle/appimage/*.AppImage; do echo "figure: AppImage: $(mb "$f") MB (WebKitGTK and GTK inside)"; done
