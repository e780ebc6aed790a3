#!/usr/bin/env bash
# Installs the .deb on a clean Debian 12 (bookworm) and starts it there: a fresh root made by
# debootstrap from the Debian mirror this machine uses, the package installed with
# `apt-get install ./<the .deb>` (so its declared dependencies come from the mirror, as
# on a clerk's computer), then the installed program started under Xvfb and a D-Bus session
# inside that root (chroot). It passes when the program is still running after 15 s, its
# window "Invoice Desk" is shown on the display and its log says the app started, the store
# opened and the demo is ready.
#
# Usage: sudo bench/deb-check.sh [PATH_TO_DEB]
#   PATH_TO_DEB  default: the newest .deb in target/release/bundle/deb/ (make bundle)
# Needs root (debootstrap, chroot, mounts) and the Debian mirror; installs debootstrap when
# missing. The clean root is made once and kept as a tarball in target/deb-check/ (a pristine
# copy is unpacked for every check; delete the tarball to make it again). Takes a few minutes
# (the first time longer). Not part of `make test`.
# Prints each step, the installed size, what the window check found, and at the end
# "deb-check: PASSED" or "deb-check: FAILED (<why>)"; the exit code follows.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "deb-check needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
# shellcheck disable=SC2012 # the names are the bundler's: no odd characters
deb="${1:-$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n 1)}"
if [ -z "$deb" ] || [ ! -f "$deb" ]; then echo "no .deb found: run make bundle first, or give its path" >&2; exit 2; fi
deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"

# The mirror this machine's apt uses (deb822 sources or a classic sources.list).
mirror="$(grep -hoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | sed 's/^URIs: *//')"
if [ -z "$mirror" ]; then
  mirror="$(grep -hoE '^deb +(\[[^]]*\] +)?http[^ ]*/debian/? +bookworm' /etc/apt/sources.list 2>/dev/null \
    | head -n 1 | awk '{print $(NF-1)}')"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(pwd)/$target/deb-check"
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

fail() { echo "deb-check: FAILED ($*)"; exit 1; }

echo "==> package: $deb ($(du -h "$deb" | cut -f1))"
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
name=invoice-desk.deb # the bundler's file name has a space in it
cp "$deb" "$root/root/$name"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

echo "==> apt-get install ./$name (its dependencies from the mirror) $(date +%T)"
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; fail "apt-get update"; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "/root/$name" >>"$work/apt.log" 2>&1 \
  || { tail -n 30 "$work/apt.log"; fail "the package did not install"; }
grep -E "^(Setting up invoice-desk|[0-9]+ upgraded)" "$work/apt.log" || true
# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
echo "installed: $(in_root dpkg-query -W -f='${Package} ${Version}, ${Installed-Size} KiB installed\n' invoice-desk)"
exe="$(in_root dpkg -L invoice-desk | grep -E '^/usr/bin/' | head -n 1)"
[ -n "$exe" ] || fail "the package holds no program in /usr/bin"
echo "program: $exe"
in_root dpkg -L invoice-desk | grep -E '\.desktop$' | sed 's/^/desktop entry: /'

echo "==> the tools for the check: Xvfb, D-Bus, xwininfo $(date +%T)"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  xvfb xauth dbus dbus-x11 x11-utils >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; fail "the check's tools did not install"; }

echo "==> starting $exe under Xvfb in the clean root $(date +%T)"
cat >"$root/root/start-check.sh" <<EOF
#!/bin/sh
export HOME=/root/clerk XDG_RUNTIME_DIR=/tmp/run
mkdir -p "\$HOME" "\$XDG_RUNTIME_DIR"; chmod 700 "\$XDG_RUNTIME_DIR"
"$exe" >/root/app.out 2>&1 &
pid=\$!
sleep 15
if kill -0 \$pid 2>/dev/null; then echo "alive after 15 s: yes"; else echo "alive after 15 s: no"; fi
xwininfo -root -tree | grep -F '"Invoice Desk"' | head -n 1 | sed 's/^ */window: /'
xwininfo -name "Invoice Desk" 2>/dev/null | grep -E "Map State" | sed 's/^ */window /'
kill \$pid 2>/dev/null
sleep 1
EOF
chmod +x "$root/root/start-check.sh"
out="$(in_root xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- /root/start-check.sh 2>&1)" || true
echo "$out"
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
echo "deb-check: PASSED"
