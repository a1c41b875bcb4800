#!/usr/bin/env bash
# Tests ci/gitlab.yml: its structure against GitLab's keywords (scripts/action/gitlab-job.py
# validate), then both jobs' scripts, joined as the runner joins before_script and script, run
# by a POSIX sh (dash here, busybox ash in the alpine image) with `set -e` in checkouts of a real
# repository, with GitLab's predefined variables (CI_PROJECT_DIR, CI_PIPELINE_SOURCE,
# CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_MERGE_REQUEST_TARGET_BRANCH_NAME, ...). The release
# tarball is served over HTTP on 127.0.0.1, so the download path is the one a job takes.
#
# Asserts: the code-quality report is the artifact GitLab reads and has the shape its widget
# needs (array of objects with description, check_name, fingerprint, severity, location.path,
# location.lines.begin), one entry per finding meshctl reports; the job fails on the error head
# and passes on the clean one; the diff job runs only in merge request pipelines, fetches a base
# a shallow clone lacks, tolerates "changed" (exit 1) and writes the markdown it exposes; a
# corrupted tarball stops the job with a clear message. Uses $MESHCTL when set, else builds
# meshctl (release). KEEP_TMP=1 keeps the scratch directory. Prints PASS/FAIL lines and
# "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# pass, fail, log, install_meshctl
source scripts/lib/suite.sh
# make_release, make_repos, reported_counts
source scripts/action/fixture.sh

python3 -c 'import yaml' 2>/dev/null || pip install --quiet pyyaml
T=$(mktemp -d /tmp/test-gitlab.XXXXXX)
server_pid=''
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
name="meshctl-$version-x86_64-linux"
mkdir -p "$T/bin"
install_meshctl "$T/bin/meshctl"
meshctl=$T/bin/meshctl
make_release "$T/www/good" "$meshctl" "$version"
mv "$T/www/good-corrupt" "$T/www/corrupt"
remote=$T/remote.git
make_repos "$remote" "$T"

# The release "site": the two releases over HTTP on loopback.
python3 - "$T/www" "$T/port" <<'PY' >"$T/server.log" 2>&1 &
import functools, http.server, sys
root, port_file = sys.argv[1:3]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(port_file, "w").write(str(server.server_address[1]))
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
site="http://127.0.0.1:$(cat "$T/port")"

log "structure"
if python3 scripts/action/gitlab-job.py validate ci/gitlab.yml >"$T/validate.out"; then
  pass "ci/gitlab.yml: $(grep -c '^ok:' "$T/validate.out") structure checks"
else
  fail "ci/gitlab.yml structure:"
  grep -v '^ok:' "$T/validate.out" | sed 's/^/    /'
fi
expect_version=$(sed -n 's/.*MESHCTL_VERSION:-\([^}]*\)}.*/\1/p' ci/gitlab.yml | head -n 1)
[ "$expect_version" = "$version" ] && pass "the template installs this version ($version)" ||
  fail "the template installs $expect_version, Cargo.toml says $version"

# job CASE JOB BRANCH SOURCE [clone options]: runs JOB's script in a fresh checkout of BRANCH as
# a pipeline of SOURCE (push or merge_request_event); prints the exit code (3: rules skip it).
job() {
  local case=$1 jobname=$2 branch=$3 source=$4 dir=$T/$1 code=0
  shift 4
  git clone --quiet --branch "$branch" "$@" "file://$remote" "$dir"
  local mr=()
  if [ "$source" = merge_request_event ]; then
    mr=(CI_MERGE_REQUEST_DIFF_BASE_SHA="$base_sha" CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="$branch" CI_MERGE_REQUEST_IID=7)
  fi
  env "${mr[@]}" CI_PIPELINE_SOURCE="$source" \
    python3 scripts/action/gitlab-job.py script ci/gitlab.yml "$jobname" >"$T/$case.sh" 2>"$T/$case.out" || code=$?
  if [ "$code" = 0 ]; then
    (cd "$dir" && env -i PATH="${JOB_PATH:-/usr/local/bin:/usr/bin:/bin}" HOME="$T" TMPDIR="$T" "${mr[@]}" \
      CI=true GITLAB_CI=true CI_PROJECT_DIR="$dir" CI_PIPELINE_SOURCE="$source" \
      CI_COMMIT_SHA="$(git -C "$dir" rev-parse HEAD)" CI_COMMIT_REF_NAME="$branch" \
      MESHCTL_PATHS=k8s MESHCTL_RELEASE_URL="${RELEASE:-$site/good}" \
      sh -e "$T/$case.sh") >"$T/$case.out" 2>&1 || code=$?
  fi
  echo "$code"
}
contains() {
  if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1: \`$3\` not in $2"; fi
}

# codequality CASE DIR: the report's shape, as GitLab's widget reads it, and its size.
codequality() {
  python3 - "$2/gl-code-quality-report.json" "$2" <<'PY'
import json, os, sys
path, root = sys.argv[1:3]
report = json.load(open(path))
assert isinstance(report, list), "not an array"
seen = set()
for i, e in enumerate(report):
    where = f"entry {i}"
    assert isinstance(e.get("description"), str) and e["description"], f"{where}: description"
    assert isinstance(e.get("check_name"), str) and e["check_name"], f"{where}: check_name"
    assert isinstance(e.get("fingerprint"), str) and e["fingerprint"], f"{where}: fingerprint"
    assert e["fingerprint"] not in seen, f"{where}: fingerprint repeated"
    seen.add(e["fingerprint"])
    assert e.get("severity") in ("info", "minor", "major", "critical", "blocker"), f"{where}: severity"
    loc = e.get("location", {})
    assert isinstance(loc.get("path"), str) and not os.path.isabs(loc["path"]), f"{where}: location.path relative"
    assert os.path.isfile(os.path.join(root, loc["path"])), f"{where}: location.path exists"
    begin = loc.get("lines", {}).get("begin")
    assert isinstance(begin, int) and begin >= 1, f"{where}: location.lines.begin"
print(len(report))
PY
}

log "meshctl-check on the error head"
code=$(job error meshctl-check drop-addresses push)
expect_code() { [ "$2" = "$3" ] && pass "$1" || { fail "$1: exit $2, want $3"; sed 's/^/    /' "$T/${4:-x}.out" 2>/dev/null | tail -n 20; }; }
expect_code "error head: the job fails (exit 1)" "$code" 1 error
contains "error head: installed from the verified tarball" "$T/error.out" "installed meshctl $version (sha256 "
if n=$(codequality error "$T/error" 2>&1); then
  pass "error head: the report has GitLab's code-quality shape ($n entries)"
  read -r errors warnings <<<"$(reported_counts "$T/error" k8s)"
  [ "$n" = "$((errors + warnings))" ] && pass "error head: one entry per finding ($errors errors, $warnings warnings)" ||
    fail "error head: $n entries, meshctl reports $errors errors and $warnings warnings"
else
  fail "error head: code-quality report: $n"
fi
contains "error head: MSH201 at k8s/db.yaml:11" "$T/error/gl-code-quality-report.json" '"check_name": "MSH201"'

log "meshctl-check on the clean head"
code=$(job clean meshctl-check second-address push)
expect_code "clean head: the job passes" "$code" 0 clean
n=$(codequality clean "$T/clean" 2>&1) && [ "$n" = 0 ] && pass "clean head: an empty report" || fail "clean head: report: $n"

log "meshctl-check with wget, as in the alpine image (no curl)"
mkdir -p "$T/sysbin"
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
  [ "${f##*/}" = curl ] || [ -e "$T/sysbin/${f##*/}" ] || ln -s "$f" "$T/sysbin/"
done
code=$(JOB_PATH="$T/sysbin" job wget meshctl-check drop-addresses push)
expect_code "wget: the job installs and fails on the error head (exit 1)" "$code" 1 wget
contains "wget: installed from the verified tarball" "$T/wget.out" "installed meshctl $version (sha256 "

log "meshctl-diff"
code=$(job diff-push meshctl-diff drop-addresses push)
expect_code "diff: not in a push pipeline (rules)" "$code" 3
code=$(job diff meshctl-diff drop-addresses merge_request_event --depth 1)
expect_code "diff: passes in a merge request pipeline although the diff found changes" "$code" 0 diff
contains "diff: the markdown names the changed region" "$T/diff/meshctl-diff.md" "203.0.113.7/32 port 3306"
contains "diff: the markdown names the resource that changed" "$T/diff/meshctl-diff.md" "ServiceEntry default/mysql-external modified at k8s/db.yaml"

log "corrupted tarball"
code=$(RELEASE="$site/corrupt" job corrupt meshctl-check second-address push)
[ "$code" != 0 ] && pass "corrupt: the job fails (exit $code)" || fail "corrupt: the job passes"
contains "corrupt: a clear message" "$T/corrupt.out" "meshctl install: checksum mismatch: $name.tar.gz from $site/corrupt/v$version does not match its .sha256"
[ ! -e "$T/corrupt/gl-code-quality-report.json" ] && pass "corrupt: check never ran" || fail "corrupt: check ran"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
