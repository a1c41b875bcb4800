#!/usr/bin/env bash
# The action's install step: puts meshctl $INPUT_VERSION on the job's PATH (through
# $GITHUB_PATH). It downloads the release tarball and its .sha256 from
# $INPUT_RELEASE_URL/v$INPUT_VERSION/ and installs only what `sha256sum -c` verifies.
#
# Falls back to `cargo install --path $GITHUB_ACTION_PATH --locked` when
# $INPUT_BUILD_FROM_SOURCE is true, when no release build exists for this machine (only
# x86_64 Linux is published), or when the download fails; the last two print a warning
# annotation titled "meshctl install" saying so. A checksum mismatch never falls back: the
# download is corrupt or tampered with, and building something else would hide that.
set -euo pipefail

version=${INPUT_VERSION:?the version input is empty}
release_url=${INPUT_RELEASE_URL:?the release-url input is empty}
from_source=${INPUT_BUILD_FROM_SOURCE:-false}
install_root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/meshctl-$version"

# Workflow commands end at a newline and treat % specially; escape them so a message that holds
# either stays one annotation.
annotate() {
  local level=$1 msg=$2
  msg=${msg//'%'/'%25'}
  msg=${msg//$'\r'/'%0D'}
  msg=${msg//$'\n'/'%0A'}
  echo "::$level title=meshctl install::$msg"
}

build_from_source() {
  if ! command -v cargo >/dev/null; then
    annotate error "cargo is not installed: cannot build meshctl from source (install a Rust toolchain first, e.g. dtolnay/rust-toolchain)"
    exit 1
  fi
  echo "building meshctl from ${GITHUB_ACTION_PATH:?} (cargo install --locked)"
  cargo install --path "$GITHUB_ACTION_PATH" --locked --root "$install_root"
  echo "$install_root/bin" >>"${GITHUB_PATH:?}"
}

case "$from_source" in
true) build_from_source; exit 0 ;;
false) ;;
*) annotate error "build-from-source must be true or false, not \`$from_source\`"; exit 2 ;;
esac

os=$(uname -s) arch=$(uname -m)
if [ "$os-$arch" != Linux-x86_64 ]; then
  annotate warning "no release build of meshctl for $os $arch (only x86_64 Linux): building from source instead"
  build_from_source
  exit 0
fi

name="meshctl-$version-x86_64-linux"
url="${release_url%/}/v$version"
mkdir -p "$install_root"
download=$(mktemp -d "$install_root/download.XXXXXX")
trap 'rm -rf "$download"' EXIT

fetch() {
  curl --fail --silent --show-error --location --retry 3 --output "$download/$1" "$url/$1" 2>"$download/curl.err"
}
if ! fetch "$name.tar.gz" || ! fetch "$name.tar.gz.sha256"; then
  annotate warning "could not download $url/$name.tar.gz or its .sha256 ($(tail -n 1 "$download/curl.err")): building meshctl $version from source instead"
  build_from_source
  exit 0
fi

# The checksum file must name exactly this tarball: `sha256sum -c` checks whatever file a line
# names, so a line for another file would verify nothing we install.
mapfile -t lines <"$download/$name.tar.gz.sha256"
if [ "${#lines[@]}" != 1 ] || ! [[ ${lines[0]} =~ ^[0-9a-f]{64}\ [\ *]$name\.tar\.gz$ ]]; then
  annotate error "$name.tar.gz.sha256 is not one sha256sum line for $name.tar.gz: refusing to install"
  exit 1
fi
if ! (cd "$download" && sha256sum --check --strict --quiet "$name.tar.gz.sha256") >/dev/null 2>&1; then
  annotate error "checksum mismatch: $name.tar.gz from $url does not match its .sha256 (corrupt or tampered download): refusing to install"
  exit 1
fi
echo "verified $name.tar.gz (sha256 ${lines[0]%% *})"

tar --extract --gzip --no-same-owner --file "$download/$name.tar.gz" --directory "$install_root"
bin="$install_root/$name/meshctl"
if ! got=$("$bin" --version 2>&1) || [ "$got" != "meshctl $version" ]; then
  annotate error "$name.tar.gz holds no working meshctl $version (\`meshctl --version\` said: $got)"
  exit 1
fi
echo "$install_root/$name" >>"${GITHUB_PATH:?}"
echo "installed $got to $install_root/$name"
