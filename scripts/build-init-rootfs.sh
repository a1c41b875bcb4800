#!/usr/bin/env bash
# Builds the root filesystem of the init image (Containerfile.init) as a reproducible tarball:
# Debian bookworm, debootstrap's minbase variant plus iptables, trimmed of what an init container
# never reads. Prints the tarball's path on stdout.
#
# Why Debian's iptables and not a netlink crate inside meshctl: `meshctl proxy iptables` already
# writes iptables-restore input, the same text Istio's istio-iptables feeds the same tool, so the
# init image only needs that tool. Which kernel interface it drives (nf_tables or legacy
# x_tables) stays Debian's choice through its alternatives, as on the nodes operators debug with
# the same commands; a netlink implementation would have to make and maintain that choice here.
#
# Usage: scripts/build-init-rootfs.sh [OUT.tar.gz]   (root; installs debootstrap with apt-get)
# The result is cached under $CARGO_TARGET_DIR (or target/) keyed by the suite, mirror, package
# list and this script, so a rerun copies the cached file instead of bootstrapping again.
# The key leaves out the commit: a new commit reuses the rootfs. SOURCE_DATE_EPOCH (default: the
# last commit's time) caps the members' mtimes when the tarball is made (the images' layers get
# theirs from `podman build --timestamp` anyway); owners stay Debian's (numeric), since a few
# files belong to groups such as shadow.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
INCLUDE=iptables
# Debian's own mirror as apt on this machine is configured (deb822 or one-line sources).
mirror() {
  local uri
  uri=$(grep -rhsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -E 'debian/?( |$)' | grep -v security | head -n 1 \
    | sed -E -e 's/^URIs:[[:space:]]*//' -e 's/^deb (\[[^]]*\] )?//' -e 's/[[:space:]].*//')
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${DEBIAN_MIRROR:-$(mirror)}

if [ "$(id -u)" != 0 ]; then
  echo "build-init-rootfs.sh: needs root (debootstrap)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } >/dev/null 2>&1 \
    || { echo "build-init-rootfs.sh: apt-get install debootstrap failed" >&2; exit 2; }
fi

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
key=$( { echo "$SUITE $MIRROR minbase $INCLUDE"; cat "$0"; } | sha256sum | cut -c1-16)
cache_dir=${CARGO_TARGET_DIR:-target}/init-rootfs
cached=$cache_dir/rootfs-$SUITE-$key.tar.gz
out=${1:-$cached}

if [ ! -s "$cached" ]; then
  mkdir -p "$cache_dir"
  work=$(mktemp -d /tmp/msh-init-rootfs.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  echo "--- debootstrap --variant=minbase --include=$INCLUDE $SUITE from $MIRROR" >&2
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/root" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  r=$work/root
  # Trim: documentation (keeping each package's copyright file, which redistribution requires),
  # manuals, translations, apt's and dpkg's caches and logs, and the device nodes debootstrap
  # made (a container runtime mounts its own /dev).
  find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r"/usr/share/{man,info,locale,lintian,linda} "$r"/var/cache/* "$r"/var/lib/apt/lists/* \
    "$r"/var/log/* "$r"/tmp/* "$r"/dev/* "$r"/run/* "$r"/var/cache/ldconfig/aux-cache
  # What it was built from, for whoever inspects the image.
  printf 'debootstrap --variant=minbase --include=%s %s %s\n' "$INCLUDE" "$SUITE" "$MIRROR" \
    >"$r/etc/meshctl-init-rootfs"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --numeric-owner \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$r" -cf - . | gzip -n -9 >"$cached.tmp"
  mv "$cached.tmp" "$cached"
fi
if [ "$out" != "$cached" ]; then
  cp "$cached" "$out"
fi
echo "$out"
