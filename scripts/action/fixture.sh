# The release and the repository under review that scripts/test-action.sh and
# scripts/test-gitlab.sh both run CI against. Source it from the repository root.

# make_release DIR MESHCTL VERSION: DIR/v<VERSION>/ in the release contract's layout:
# meshctl-<VERSION>-x86_64-linux.tar.gz (top directory of the same name holding meshctl,
# completions/, LICENSE, README.md) beside its .sha256 in sha256sum format. Also writes
# DIR-corrupt, the same release with one byte of the tarball flipped.
make_release() {
  local out=$1 bin=$2 version=$3 name="meshctl-$3-x86_64-linux" stage
  stage=$(mktemp -d)
  mkdir -p "$out/v$version" "$stage/$name"
  cp "$bin" "$stage/$name/meshctl"
  cp -r completions LICENSE README.md "$stage/$name/"
  tar -C "$stage" -czf "$out/v$version/$name.tar.gz" "$name"
  rm -rf "$stage"
  (cd "$out/v$version" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
  cp -r "$out" "$out-corrupt"
  python3 - "$out-corrupt/v$version/$name.tar.gz" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0xFF
open(path, "wb").write(bytes(data))
PY
}

# make_repos REMOTE SCRATCH: a bare repository REMOTE with three branches and sets base_sha,
# error_sha, clean_sha:
#   main            k8s/db.yaml, the blog's entry: db.example.com pinned to 203.0.113.7/32:3306
#   drop-addresses  the entry loses `addresses`: check finds MSH201, diff a hijacked port
#   second-address  a second pinned address: check is clean, diff finds a newly allowed region
make_repos() {
  local remote=$1 src=$2/src
  export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com
  export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
  git init --quiet --bare -b main "$remote"
  git init --quiet -b main "$src"
  mkdir -p "$src/k8s"
  cp fixtures/blog/mysql-external.yaml "$src/k8s/db.yaml"
  git -C "$src" add -A
  git -C "$src" commit --quiet -m "base: db.example.com pinned"
  base_sha=$(git -C "$src" rev-parse HEAD)
  git -C "$src" checkout --quiet -b drop-addresses
  sed -i '/^  addresses:$/,+1d' "$src/k8s/db.yaml"
  git -C "$src" commit --quiet -am "drop the pinned addresses"
  error_sha=$(git -C "$src" rev-parse HEAD)
  git -C "$src" checkout --quiet -b second-address main
  sed -i 's|^  - 203.0.113.7/32$|&\n  - 203.0.113.8/32|' "$src/k8s/db.yaml"
  git -C "$src" commit --quiet -am "pin a second address"
  clean_sha=$(git -C "$src" rev-parse HEAD)
  git -C "$src" push --quiet "$remote" main drop-addresses second-address
}

# reported_counts DIR PATH...: "errors warnings" as meshctl's own `check -o json` counts them.
reported_counts() {
  local dir=$1
  shift
  (cd "$dir" && "$meshctl" check --fail-on none -o json "$@") | python3 -c '
import json, sys
found = [d["severity"] for d in json.load(sys.stdin)]
print(found.count("error"), found.count("warning"))'
}

# reported_changed DIR BASE PATH...: the number of regions `diff --base BASE -o json` reports.
reported_changed() {
  local dir=$1 base=$2
  shift 2
  (cd "$dir" && "$meshctl" diff --base "$base" -o json "$@" || true) | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(sum(len(v["regions"]) for m in r["meshes"] for v in m["views"]))'
}
