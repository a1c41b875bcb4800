#!/usr/bin/env bash
# Release artefacts for x86_64 Linux, written to dist/:
#   meshctl-VERSION-x86_64-linux.tar.gz          meshctl (static), completions/ (incl. man pages),
#                                                LICENSE, README.md under meshctl-VERSION-x86_64-linux/
#   meshctl-VERSION-x86_64-linux.tar.gz.sha256   `sha256sum -c` input
#   meshctl-VERSION-oci.tar                      the meshctl image (Containerfile), OCI archive
#   meshctl-init-VERSION-oci.tar                 the init image (Containerfile.init), OCI archive
#
# Usage: scripts/release.sh [--binary-only]
#   --binary-only  build, verify and pack the binary only (no root, no podman).
# IMAGE_REPOSITORY (default ghcr.io/meshctl) names the images: IMAGE_REPOSITORY/meshctl:VERSION
# and IMAGE_REPOSITORY/meshctl-init:VERSION, the names deploy/ pulls.
# The images need root: podman and buildah (installed with apt-get when missing) and
# scripts/build-init-rootfs.sh (debootstrap). They are built from dist/context/, which this script
# stages: `meshctl` (mode 755) and `rootfs.tar.gz`.
#
# Static linking: the toolchain here has only x86_64-unknown-linux-gnu (no musl target), so the
# binary is glibc with `-C target-feature=+crt-static` (a static-pie). `--target` keeps
# RUSTFLAGS off build scripts and proc-macros, which must stay dynamic to load into the host.
# Static glibc still dlopens NSS modules (libnss_*.so) for its lookups. meshctl resolves names with
# hickory, never getaddrinfo: the check below fails if a host lookup is linked in. The one NSS
# call linked is getpwuid_r, std's home_dir fallback when HOME is unset (the `ignore` crate looks
# for a global gitignore): without the modules it finds nothing, which is what it finds in a
# scratch image anyway.
#
# Reproducible: SOURCE_DATE_EPOCH (default: the commit's time) is the build date `meshctl version`
# prints, every tar member's mtime and the images' creation time; tar members are sorted and
# owned by 0:0, gzip stores no name or time.
set -euo pipefail
cd "$(dirname "$0")/.."

BINARY_ONLY=0
for arg in "$@"; do
  case $arg in
    --binary-only) BINARY_ONLY=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument \`$arg\` (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "--- $*"; }
die() { echo "release.sh: $*" >&2; exit 1; }

TARGET=x86_64-unknown-linux-gnu
VERSION=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "meshctl"))')
NAME=meshctl-$VERSION-x86_64-linux
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
# The image label names origin when it is a URL anyone can open, else the project's home.
SOURCE=$(git remote get-url origin 2>/dev/null || true)
[[ $SOURCE == https://* ]] || SOURCE=https://github.com/meshctl/meshctl
# Where the images are published; deploy/ and ci/gitlab.yml pull these names.
IMAGE_REPOSITORY=${IMAGE_REPOSITORY:-ghcr.io/meshctl}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
DIST=dist

if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "release.sh: warning: the checkout has uncommitted changes; the binary says commit ${REVISION:0:12}" >&2
fi

started=$SECONDS
T=$(mktemp -d /tmp/msh-release.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The static-linking checks read the binary with file, ldd, readelf and nm.
need=()
for pair in file=file ldd=libc-bin readelf=binutils nm=binutils strip=binutils; do
  command -v "${pair%%=*}" >/dev/null || need+=("${pair#*=}")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need[*]} (apt-get install ${need[*]})"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    >"$T/apt.log" 2>&1 || { tail -n 20 "$T/apt.log" >&2; die "apt-get install ${need[*]} failed"; }
fi

# ---------------------------------------------------------------------------------------------
# The static binary
# ---------------------------------------------------------------------------------------------
# The checkout's and cargo's paths leave the binary (panic locations name `meshctl/src/...` and
# `cargo/registry/...`), so two checkouts of one commit build the same bytes. The flags go through
# CARGO_ENCODED_RUSTFLAGS (0x1f between flags), which keeps paths with spaces whole.
flags=()
read -ra flags <<<"${RUSTFLAGS:-}"
flags+=(-C target-feature=+crt-static "--remap-path-prefix=$PWD=meshctl"
  "--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo")
log "cargo build --release --locked --target $TARGET (rustflags: ${flags[*]})"
CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f'; echo "${flags[*]}") \
  cargo build --release --locked --target "$TARGET" --bin meshctl
built=$TARGET_DIR/$TARGET/release/meshctl
mkdir -p "$DIST"
rm -rf "${DIST:?}/$NAME" "$DIST/context"
mkdir -p "$DIST/$NAME"
bin=$DIST/$NAME/meshctl
# Symbols only name functions in a backtrace, which meshctl never prints for an error.
strip -o "$bin" "$built"
chmod 755 "$bin"

log "verifying that $bin is statically linked"
file_out=$(file -b "$bin")
echo "file: $file_out"
ldd_out=$(ldd "$bin" 2>&1 || true)
echo "ldd: $ldd_out"
case $file_out in
  *"dynamically linked"* | *"interpreter "*) die "file says $bin is dynamically linked" ;;
  *"static-pie linked"* | *"statically linked"*) ;;
  *) die "file does not say $bin is statically linked" ;;
esac
case $ldd_out in
  *"statically linked"* | *"not a dynamic executable"*) ;;
  *) die "ldd lists shared libraries for $bin" ;;
esac
if readelf -d "$bin" | grep -q '(NEEDED)'; then
  die "$bin has NEEDED entries: $(readelf -d "$bin" | grep '(NEEDED)')"
fi
# A host lookup through NSS would need the shared libnss_* of the build's glibc at run time.
lookups='getaddrinfo|gethostbyname[2_r]*|gethostbyaddr[_r]*|getnameinfo'
[ "$(nm "$built" | wc -l)" -gt 1000 ] || die "$built has no symbol table to check for NSS lookups"
if nm "$built" | grep -qwE "$lookups"; then
  die "$built links a host lookup through NSS: $(nm "$built" | grep -wE "$lookups" | head -n 3 | tr '\n' ' ')"
fi

log "smoke test"
"$bin" version
"$bin" version | grep -q "^meshctl $VERSION (commit ${REVISION:0:12}, " \
  || [ "$REVISION" = unknown ] || die "\`meshctl version\` does not name $VERSION and commit ${REVISION:0:12}"
"$bin" check fixtures/blog >"$T/check.out" 2>&1 || { cat "$T/check.out"; die "\`meshctl check fixtures/blog\` failed"; }
rc=0
"$bin" check fixtures/mistakes >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || die "\`meshctl check fixtures/mistakes\` exited $rc, expected 1"

# ---------------------------------------------------------------------------------------------
# The tarball and its checksum
# ---------------------------------------------------------------------------------------------
cp -R completions "$DIST/$NAME/completions"
cp LICENSE README.md "$DIST/$NAME/"
tarball=$NAME.tar.gz
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --mode='u+rwX,go+rX,go-w' --format=gnu -C "$DIST" -cf - "$NAME" | gzip -n -9 >"$DIST/$tarball"
(cd "$DIST" && sha256sum "$tarball" >"$tarball.sha256")
mkdir -p "$DIST/context"
cp -p "$bin" "$DIST/context/meshctl"
rm -rf "${DIST:?}/$NAME"
artefacts=("$DIST/$tarball" "$DIST/$tarball.sha256")

# ---------------------------------------------------------------------------------------------
# The images
# ---------------------------------------------------------------------------------------------
if [ "$BINARY_ONLY" = 0 ]; then
  [ "$(id -u)" = 0 ] || die "the images need root (debootstrap, podman); --binary-only builds the tarball alone"
  if ! command -v podman >/dev/null || ! command -v buildah >/dev/null; then
    log "installing podman and buildah"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah; } \
      >"$T/apt.log" 2>&1 || { tail -n 20 "$T/apt.log" >&2; die "apt-get install podman buildah failed"; }
  fi
  log "init rootfs (scripts/build-init-rootfs.sh)"
  scripts/build-init-rootfs.sh "$DIST/context/rootfs.tar.gz" >/dev/null
  # A storage of our own under the target dir: vfs works where overlay mounts are refused, and
  # the machine's image store stays untouched.
  mkdir -p "$TARGET_DIR/podman/root"
  # Absolute: podman records the path in its database and refuses another spelling of it.
  store=$(cd "$TARGET_DIR/podman" && pwd)
  # Its run-time state on tmpfs under /run, one directory per store, as podman expects.
  runroot=/run/meshctl-podman-$(echo "$store" | sha256sum | cut -c1-8)
  podman_() { podman --root "$store/root" --runroot "$runroot" --storage-driver vfs "$@"; }
  build_image() { # TAG CONTAINERFILE OUT
    log "podman build -f $2 -t $1"
    podman_ build --quiet --network none --timestamp "$SOURCE_DATE_EPOCH" \
      --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" --build-arg SOURCE="$SOURCE" \
      -f "$2" -t "$1" "$DIST/context" >/dev/null
    rm -f "$3"
    podman_ save --quiet --format oci-archive -o "$3" "$1"
    artefacts+=("$3")
  }
  # Tagged with the names deploy/ pulls, so `podman load` then `podman push` publishes them.
  build_image "$IMAGE_REPOSITORY/meshctl:$VERSION" Containerfile "$DIST/meshctl-$VERSION-oci.tar"
  build_image "$IMAGE_REPOSITORY/meshctl-init:$VERSION" Containerfile.init "$DIST/meshctl-init-$VERSION-oci.tar"
  podman_ images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' --filter "reference=$IMAGE_REPOSITORY/*:$VERSION"
  # vfs keeps a full copy per layer: what earlier runs left untagged goes.
  podman_ image prune --force >/dev/null
fi

echo
echo "artefacts ($((SECONDS - started)) s):"
for f in "${artefacts[@]}"; do
  printf '  %10s  %s\n' "$(stat -c %s "$f")" "$f"
done
printf '  %10s  %s\n' "$(stat -c %s "$DIST/context/meshctl")" "meshctl binary (stripped)"
