#!/usr/bin/env bash
# Installs an installer on a clean Debian 12 (bookworm) and starts it there: a fresh root made by
# debootstrap from the Debian mirror this machine uses, then the installed program started under
# Xvfb and a D-Bus session inside that root (chroot).
#   deb       the package installed with `apt-get install ./<the .deb>`, so its declared
#             dependencies come from the mirror, as on a clerk's computer;
#   appimage  the AppImage copied in and started as it is, on a root that has only what any
#             desktop has (X, D-Bus, the Secret Service, the graphics libraries) and neither
#             WebKitGTK nor GTK: everything else must come from inside it. The root has no FUSE,
#             so it runs with APPIMAGE_EXTRACT_AND_RUN=1.
# It passes when the program is still running after 15 s, its window "Invoice Desk" is shown on
# the display and its log says the app started, the store opened and the demo is ready.
#
# Usage: sudo bench/install-check.sh [deb|appimage] [PATH]
#   PATH  default: the newest installer of that kind in target/release/bundle/ (make bundle)
# Needs root (debootstrap, chroot, mounts) and the Debian mirror; installs debootstrap when
# missing. The clean root is made once and kept as a tarball in target/install-check/ (a pristine
# copy is unpacked for every check; delete the tarball to make it again). Takes a few minutes
# (the first time longer). Not part of `make test`.
# Prints each step, the installed size, what the window check found, and at the end
# "install-check (<kind>): PASSED" or "install-check (<kind>): FAILED (<why>)"; the exit code
# follows.
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-deb}"
case "$kind" in
  deb) pattern="deb/*.deb" ;;
  appimage) pattern="appimage/*.AppImage" ;;
  *) echo "usage: bench/install-check.sh [deb|appimage] [PATH]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "install-check needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
# shellcheck disable=SC2012,SC2086 # the names are the bundler's: spaces only; the pattern is ours
installer="${2:-$(ls -t "$target"/release/bundle/$pattern 2>/dev/null | head -n 1)}"
if [ -z "$installer" ] || [ ! -f "$installer" ]; then echo "no $kind installer found: run make bundle first, or give its path" >&2; exit 2; fi
installer="$(cd "$(dirname "$installer")" && pwd)/$(basename "$installer")"

# The mirror this machine's apt uses (deb822 sources or a classic sources.list).
mirror="$(grep -hoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | sed 's/^URIs: *//')"
if [ -z "$mirror" ]; then
  mirror="$(grep -hoE '^deb +(\[[^]]*\] +)?http[^ ]*/debian/? +bookworm' /etc/apt/sources.list 2>/dev/null \
    | head -n 1 | awk '{print $(NF-1)}')"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(pwd)/$target/install-check"
mkdir -p "$work"
base="$work/bookworm-minbase.tar"
root="$work/root"

mounted=()
cleanup() {
  local i
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  mounted=()
}
trap cleanup EXIT
mnt() { mount "$@"; mounted+=("${*: -1}"); }

fail() { echo "install-check ($kind): FAILED ($*)"; exit 1; }

echo "==> $kind: $installer ($(du -h "$installer" | cut -f1))"
echo "==> mirror: $mirror"

if [ ! -f "$base" ]; then
  if ! command -v debootstrap >/dev/null; then
    echo "==> installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  echo "==> making a clean Debian 12 root with debootstrap $(date +%T)"
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log"; fail "debootstrap did not finish"; }
  tar -C "$root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
fi
echo "==> unpacking a pristine copy of the clean root $(date +%T)"
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$base"

mnt -t proc proc "$root/proc"
mnt --rbind /dev "$root/dev"
mount --make-rslave "$root/dev" # nothing done under it reaches this machine's /dev
mnt -t tmpfs tmpfs "$root/tmp"
mnt -t sysfs sysfs "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
apt_in_root() { in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$work/apt.log" 2>&1; }

echo "==> apt-get update in the clean root $(date +%T)"
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; fail "apt-get update"; }
echo "==> the tools for the check: Xvfb, D-Bus, xwininfo, xwd $(date +%T)"
apt_in_root --no-install-recommends xvfb xauth dbus dbus-x11 x11-utils x11-apps \
  || { tail -n 20 "$work/apt.log"; fail "the check's tools did not install"; }

if [ "$kind" = deb ]; then
  name=invoice-desk.deb # the bundler's file name has a space in it
  cp "$installer" "$root/root/$name"
  echo "==> apt-get install ./$name (its dependencies from the mirror) $(date +%T)"
  apt_in_root "/root/$name" || { tail -n 30 "$work/apt.log"; fail "the package did not install"; }
  grep -E "^(Setting up invoice-desk|[0-9]+ upgraded)" "$work/apt.log" || true
  # shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
  echo "installed: $(in_root dpkg-query -W -f='${Package} ${Version}, ${Installed-Size} KiB installed\n' invoice-desk)"
  exe="$(in_root dpkg -L invoice-desk | grep -E '^/usr/bin/' | head -n 1)"
  [ -n "$exe" ] || fail "the package holds no program in /usr/bin"
  in_root dpkg -L invoice-desk | grep -E '\.desktop$' | sed 's/^/desktop entry: /'
  run_env=""
else
  # What any Linux desktop has; the AppImage leaves these to the system (scripts/appimage.sh).
  echo "==> a desktop's own parts: D-Bus, graphics, sound and font libraries, fonts $(date +%T)"
  apt_in_root --no-install-recommends dbus libgl1 libegl1 libgles2 libgbm1 libasound2 \
    libfontconfig1 libharfbuzz0b fonts-dejavu-core || { tail -n 20 "$work/apt.log"; fail "the desktop's parts did not install"; }
  # shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
  present="$(in_root dpkg-query -W -f='${Package}\n' 2>/dev/null | grep -E '^(libwebkit2gtk|libjavascriptcoregtk|libgtk-3-0|libsoup)' | tr '\n' ' ' || true)"
  [ -z "$present" ] || fail "the clean root has WebKitGTK or GTK already: $present"
  echo "WebKitGTK, GTK and libsoup in the clean root: none"
  exe=/root/invoice-desk.AppImage
  cp "$installer" "$root$exe"
  chmod 755 "$root$exe"
  run_env="APPIMAGE_EXTRACT_AND_RUN=1"
fi
echo "program: $exe"

echo "==> starting $exe under Xvfb in the clean root $(date +%T)"
cat >"$root/root/start-check.sh" <<EOF
#!/bin/sh
export HOME=/root/clerk XDG_RUNTIME_DIR=/tmp/run
mkdir -p "\$HOME" "\$XDG_RUNTIME_DIR"; chmod 700 "\$XDG_RUNTIME_DIR"
env $run_env "$exe" >/root/app.out 2>&1 &
pid=\$!
sleep 15
if kill -0 \$pid 2>/dev/null; then echo "alive after 15 s: yes"; else echo "alive after 15 s: no"; fi
xwininfo -root -tree | grep -F '"Invoice Desk"' | head -n 1 | sed 's/^ */window: /'
xwininfo -name "Invoice Desk" 2>/dev/null | grep -E "Map State" | sed 's/^ */window /'
xwd -root -silent >/root/screen.xwd 2>/dev/null || true
kill \$pid 2>/dev/null
sleep 1
EOF
chmod +x "$root/root/start-check.sh"
out="$(in_root xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- /root/start-check.sh 2>&1)" || true
echo "$out"
if [ -s "$root/root/screen.xwd" ] && command -v convert >/dev/null; then
  convert "xwd:$root/root/screen.xwd" "$work/$kind.png" 2>/dev/null && echo "screen after 15 s: $work/$kind.png"
fi
log="$(find "$root/root/clerk" -name invoice-desk.log 2>/dev/null | head -n 1)"
if [ -n "$log" ]; then
  echo "app log ($log):"
  sed 's/^/  | /' "$log" | head -n 20
else
  echo "app log: none found; its output:"
  sed 's/^/  | /' "$root/root/app.out" | head -n 20
fi

grep -q "alive after 15 s: yes" <<<"$out" || fail "the program did not stay up"
grep -q '^window:' <<<"$out" || fail "no window 'Invoice Desk' on the display"
grep -q 'Map State: IsViewable' <<<"$out" || fail "the window 'Invoice Desk' is not shown"
if [ -z "$log" ] || ! grep -q "Invoice Desk starting" "$log"; then fail "the log does not show the start"; fi
grep -q "store could not be opened" "$log" && fail "the store could not be opened"
grep -q "demo environment ready" "$log" || fail "the demo did not start"
echo "install-check ($kind): PASSED"
