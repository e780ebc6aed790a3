#!/usr/bin/env bash
# Builds the AppImage from the files the .deb is made of (run `tauri build --bundles deb` first;
# scripts/bundle.sh does both). Everything comes from this computer's Debian packages and one
# crates.io package; nothing is fetched from elsewhere.
#
# Usage: scripts/appimage.sh            (scripts/bundle.sh runs it)
# Makes target/release/bundle/appimage/Invoice Desk_<version>_amd64.AppImage and prints its size.
#
# What an AppImage is: a small program (the runtime) with a compressed file system (squashfs)
# behind it. The runtime mounts the file system (FUSE, libfuse2), or unpacks it to /tmp when
# started with --appimage-extract-and-run or APPIMAGE_EXTRACT_AND_RUN=1, and runs AppRun at its
# root. The Tauri bundler makes one with linuxdeploy and an AppRun it downloads from GitHub;
# neither is in a registry this project's machines can reach, so this script does their work:
#   1. the runtime: the AppImageKit type-2 runtime (build 8bbf694, MIT) as shipped in the
#      crates.io package `appimage` 0.4.0 (Apache-2.0 OR MIT), both files checked by SHA-256;
#   2. the AppDir: the .deb's usr/ tree, WebKitGTK's helper programs, and GTK's and GLib's
#      modules, schemas and caches (what linuxdeploy's GTK plugin gathers);
#   3. every library those need that a desktop may lack (ldd), copied into usr/lib with a
#      run path of their own ($ORIGIN, by patchelf), so nothing is set in LD_LIBRARY_PATH for
#      the programs the app starts; what belongs to the system itself (the C library, the
#      graphics driver, X11, fontconfig) is left out;
#   4. WebKit's built-in path to its helpers, /usr/lib/<arch>/webkit2gtk-4.1, rewritten in the
#      library to the same path relative to usr/ (AppRun starts the app from there), as the
#      Tauri bundler does; only that path is changed;
#   5. AppRun, a shell script that sets GTK's and GLib's module paths and keeps the clerk's own
#      values of them for the programs the app opens (see src-tauri/files.rs);
#   6. mksquashfs (xz) with the runtime in front.
# The AppImage runs on Linux with glibc 2.36 (Debian 12, Ubuntu 23.04) or newer.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
arch="$(uname -m)"
[ "$arch" = x86_64 ] || { echo "the AppImage is made for x86_64 only (this is $arch)" >&2; exit 1; }
multiarch=x86_64-linux-gnu
libdir="/usr/lib/$multiarch"

for tool in mksquashfs patchelf glib-compile-schemas ldd; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: scripts/setup.sh bundle installs it" >&2; exit 1; }
done

# shellcheck disable=SC2012 # the names are the bundler's: no odd characters but spaces
staged="$(ls -td "$target"/release/bundle/deb/*/ 2>/dev/null | head -n 1)"
staged="${staged%/}"
if [ -z "$staged" ] || [ ! -d "$staged/data/usr" ]; then echo "no staged .deb in $target/release/bundle/deb: run tauri build --bundles deb first" >&2; exit 1; fi
version="$(sed -n 's/^Version: //p' "$staged/control/control")"
exe_name="$(ls "$staged/data/usr/bin")"
[ "$(wc -w <<<"$exe_name")" = 1 ] || { echo "expected one program in the .deb's usr/bin, found: $exe_name" >&2; exit 1; }
product="Invoice Desk"

# 1. The runtime, from the crates.io package (cargo's download cache first, else the registry).
runtime_crate_sha=567a4da6b94a2ac20a27620933c80fc14cf475b5fe7d7b137d20eb237d6b1920
runtime_sha=328e0d745c5c6817048c27bc3e8314871703f8f47ffa81a37cb06cd95a94b323
tools="$target/appimage-tools"
runtime="$tools/runtime-x86_64"
mkdir -p "$tools"
if [ ! -f "$runtime" ] || [ "$(sha256sum <"$runtime" | cut -d' ' -f1)" != "$runtime_sha" ]; then
  crate="$tools/appimage-0.4.0.crate"
  cached="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name appimage-0.4.0.crate 2>/dev/null | head -n 1 || true)"
  if [ -n "$cached" ]; then cp "$cached" "$crate"; else
    echo "==> fetching the AppImage runtime (crates.io package appimage 0.4.0)"
    curl -fsSL --retry 3 -o "$crate" https://static.crates.io/crates/appimage/appimage-0.4.0.crate
  fi
  [ "$(sha256sum <"$crate" | cut -d' ' -f1)" = "$runtime_crate_sha" ] || { echo "appimage-0.4.0.crate is not the published package (SHA-256 differs)" >&2; exit 1; }
  tar -xzf "$crate" -O appimage-0.4.0/assets/runtime-x86_64 >"$runtime.tmp"
  [ "$(sha256sum <"$runtime.tmp" | cut -d' ' -f1)" = "$runtime_sha" ] || { echo "the runtime in appimage-0.4.0.crate is not the expected one" >&2; exit 1; }
  mv "$runtime.tmp" "$runtime"
fi

# 2. The AppDir.
out="$target/release/bundle/appimage"
appdir="$out/$product.AppDir"
rm -rf "$out"
mkdir -p "$appdir/usr/lib"
echo "==> AppDir from $staged $(date +%T)"
cp -a "$staged/data/usr/." "$appdir/usr/"

# Copies a system directory to the same place under the AppDir's usr/.
copy_tree() { [ -d "$1" ] || return 0; mkdir -p "$appdir$(dirname "$1")"; cp -a "$1" "$appdir$(dirname "$1")/"; }

webkit="$libdir/webkit2gtk-4.1"
mkdir -p "$appdir$webkit"
for f in WebKitWebProcess WebKitNetworkProcess WebKitGPUProcess injected-bundle; do
  [ -e "$webkit/$f" ] && cp -a "$webkit/$f" "$appdir$webkit/"
done
[ -x "$appdir$webkit/WebKitWebProcess" ] || { echo "WebKitGTK 4.1 is not installed (no $webkit/WebKitWebProcess)" >&2; exit 1; }

pixbuf="$libdir/gdk-pixbuf-2.0/2.10.0"
giomod="$libdir/gio/modules"
gtk3="$libdir/gtk-3.0/3.0.0"
copy_tree "$pixbuf"
copy_tree "$giomod"
copy_tree "$gtk3"
copy_tree /usr/share/glib-2.0/schemas
rm -f "$appdir$giomod/giomodule.cache" "$appdir$pixbuf/loaders.cache" "$appdir$gtk3/immodules.cache"
# The modules are found by name through the run path (step 3), so the caches hold bare names.
"$libdir/glib-2.0/gio-querymodules" "$appdir$giomod"
GDK_PIXBUF_MODULEDIR="$pixbuf/loaders" "$libdir/gdk-pixbuf-2.0/gdk-pixbuf-query-loaders" \
  | sed "s|$pixbuf/loaders/||g" >"$appdir$pixbuf/loaders.cache"
GTK_PATH="$libdir/gtk-3.0" "$libdir/libgtk-3-0/gtk-query-immodules-3.0" \
  | sed "s|$gtk3/immodules/||g" >"$appdir$gtk3/immodules.cache"
glib-compile-schemas "$appdir/usr/share/glib-2.0/schemas"

# 3. The libraries. Left out: what a Linux desktop always has and must match the system
# (the C library and loader, the C++ runtime, the graphics driver and its GL/EGL/DRM, X11 and
# libxcb, fontconfig/freetype/harfbuzz, zlib, expat), as AppImage's own exclude list does.
excluded='^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|libmvec|libBrokenLocale|libthread_db|libstdc\+\+|libgcc_s|libGL|libEGL|libGLX|libGLdispatch|libOpenGL|libGLESv2|libdrm|libgbm|libX11|libX11-xcb|libxcb|libXau|libXdmcp|libfontconfig|libfreetype|libharfbuzz|libz|libexpat|libasound|libgpg-error)\.so'
roots=("$appdir/usr/bin/$exe_name")
while IFS= read -r -d '' f; do roots+=("$f"); done < <(find "$appdir$libdir" -type f -name '*.so*' -print0)
while IFS= read -r -d '' f; do roots+=("$f"); done < <(find "$appdir$webkit" -maxdepth 1 -type f -executable -print0)
echo "==> libraries for ${#roots[@]} programs and modules $(date +%T)"
declare -A wanted=()
for f in "${roots[@]}"; do
  # ldd on a module that is not itself a program still lists what it needs.
  while read -r so path; do
    [ -n "$path" ] || continue
    if ! grep -qE "$excluded" <<<"$so"; then wanted[$path]=1; fi
  done < <(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $2 == "=>" && $3 == "not" { print $1, "" ; print "missing: " $1 > "/dev/stderr" }')
done
for path in "${!wanted[@]}"; do cp -L "$path" "$appdir/usr/lib/"; done
echo "    ${#wanted[@]} libraries bundled"
# The modules by name where their caches point (step 2).
for d in "$pixbuf/loaders" "$gtk3/immodules" "$gtk3/printbackends" "$giomod"; do
  [ -d "$appdir$d" ] || continue
  for f in "$appdir$d"/*.so; do ln -sf "$(realpath --relative-to="$appdir/usr/lib" "$f")" "$appdir/usr/lib/"; done
done

# Every ELF file in the AppDir looks for libraries in usr/lib first, from where it lies.
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
  chmod u+w "$f"
  patchelf --set-rpath "\$ORIGIN/$(realpath --relative-to="$(dirname "$f")" "$appdir/usr/lib")" "$f"
done < <(find "$appdir/usr" -type f \( -name '*.so*' -o -perm -u+x \) -print0)

# 4. WebKit's helpers, found relative to usr/ (same length, so the library stays as it was).
relative_webkit="././${webkit#/usr}"
[ "${#relative_webkit}" = "${#webkit}" ]
lib_webkit="$appdir/usr/lib/libwebkit2gtk-4.1.so.0"
grep -qaF "$webkit" "$lib_webkit" || { echo "libwebkit2gtk-4.1 does not name $webkit: cannot point it at its helpers" >&2; exit 1; }
sed -i "s|$webkit|$relative_webkit|g" "$lib_webkit"

# 5. AppRun, the desktop entry and the icon.
sed -e "s|@PRODUCT@|$product|g" -e "s|@EXE@|$exe_name|g" -e "s|@LIBDIR@|$libdir|g" >"$appdir/AppRun" <<'EOF'
#!/bin/sh
# Starts @PRODUCT@ from the AppImage: GTK's and GLib's modules, schemas and data from inside it,
# and from usr/, where WebKit finds its helper programs. The clerk's own values of these are
# kept in INVOICE_DESK_OUTER_<name> for the programs the app opens (a PDF viewer, say).
here="${APPDIR:-$(dirname "$(readlink -f "$0")")}"
vars="GTK_PATH GTK_EXE_PREFIX GTK_DATA_PREFIX GTK_IM_MODULE_FILE GTK_THEME GIO_MODULE_DIR GDK_PIXBUF_MODULE_FILE GSETTINGS_SCHEMA_DIR XDG_DATA_DIRS"
for v in $vars; do
  eval "is_set=\${$v+x}"
  if [ -n "$is_set" ]; then eval "export INVOICE_DESK_OUTER_$v=\"\${$v}\""; fi
done
export INVOICE_DESK_BUNDLE_VARS="$vars"
export GTK_PATH="$here@LIBDIR@/gtk-3.0"
export GTK_EXE_PREFIX="$here/usr"
export GTK_DATA_PREFIX="$here"
export GTK_IM_MODULE_FILE="$here@LIBDIR@/gtk-3.0/3.0.0/immodules.cache"
export GTK_THEME="${APPIMAGE_GTK_THEME:-Adwaita}"
export GIO_MODULE_DIR="$here@LIBDIR@/gio/modules"
export GDK_PIXBUF_MODULE_FILE="$here@LIBDIR@/gdk-pixbuf-2.0/2.10.0/loaders.cache"
export GSETTINGS_SCHEMA_DIR="$here/usr/share/glib-2.0/schemas"
export XDG_DATA_DIRS="$here/usr/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
cd "$here/usr" || exit 1
exec "$here/usr/bin/@EXE@" "$@"
EOF
chmod 755 "$appdir/AppRun"
cp "$staged/data/usr/share/applications/$product.desktop" "$appdir/$exe_name.desktop"
icon="$(find "$appdir/usr/share/icons/hicolor" -path '*/512x512/apps/*.png' | head -n 1)"
[ -n "$icon" ] || icon="$(find "$appdir/usr/share/icons/hicolor" -name '*.png' | sort | tail -n 1)"
cp "$icon" "$appdir/$exe_name.png"
ln -s "$exe_name.png" "$appdir/.DirIcon"

# 6. The file system behind the runtime.
image="$out/${product}_${version}_amd64.AppImage"
echo "==> mksquashfs (xz) $(date +%T)"
mksquashfs "$appdir" "$out/app.squashfs" -root-owned -noappend -comp xz -quiet >/dev/null
cat "$runtime" "$out/app.squashfs" >"$image"
rm "$out/app.squashfs"
chmod 755 "$image"
echo "$image: $(du -h "$image" | cut -f1) ($(du -sh "$appdir" | cut -f1) unpacked, $(find "$appdir/usr/lib" -maxdepth 1 -name '*.so*' -type f | wc -l) libraries)"
