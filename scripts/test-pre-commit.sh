#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with pre-commit itself (pip-installed when missing), in a
# consumer repository in a scratch directory:
#   - `pre-commit try-repo` with meshctl-check: a clean entry passes; an entry without addresses
#     fails naming MSH201 and the file; a commit touching only non-Istio YAML passes;
#   - a real `git commit` through `pre-commit install` (config pointing at a snapshot of this
#     repository by path and rev) is refused for the bad file and accepted for the good one;
#   - meshctl-sync-check runs only with `--hook-stage manual`, and then fails on drift (MSH308)
#     and passes in sync, against a DNS responder on 127.0.0.1 (the hook's `args` name it);
#   - without meshctl on PATH the hook fails and says so (the `language: system` contract).
# The snapshot holds the working tree's hook file, so uncommitted edits are what is tested.
# Uses $MESHCTL when set, else builds meshctl (release). KEEP_TMP=1 keeps the scratch directory.
# Prints PASS/FAIL lines and "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# pass, fail, log, install_meshctl
source scripts/lib/suite.sh

command -v pre-commit >/dev/null || pip install --quiet pre-commit
T=$(mktemp -d /tmp/test-pre-commit.XXXXXX)
dns_pid=''
cleanup() {
  [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null || true
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

mkdir -p "$T/bin"
install_meshctl "$T/bin/meshctl"
base_path=$PATH
export PATH="$T/bin:$PATH"
export PRE_COMMIT_HOME=$T/cache
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
export NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE

# The hooks repository: this one as committed, plus the working tree's hook file.
hooks=$T/hooks
git clone --quiet --no-local "$root" "$hooks"
cp .pre-commit-hooks.yaml "$hooks/.pre-commit-hooks.yaml"
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" commit --quiet --allow-empty -m "hook file under test"
rev=$(git -C "$hooks" rev-parse HEAD)

# A DNS responder on 127.0.0.1: every A query gets the address in $T/dns-answer (TTL 300),
# every other query an empty answer. sync --check asks it through the hook's args.
echo 203.0.113.7 >"$T/dns-answer"
python3 - "$T/dns-answer" "$T/dns-port" <<'PY' &
import socket, struct, sys
answer_file, port_file = sys.argv[1:3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
open(port_file, "w").write(str(sock.getsockname()[1]))
while True:
    query, peer = sock.recvfrom(512)
    end = 12
    while query[end]:
        end += query[end] + 1
    qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
    question = query[12:end + 5]
    records = b""
    if qtype == 1:
        ip = socket.inet_aton(open(answer_file).read().strip())
        records = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + ip
    header = query[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if records else 0, 0, 0)
    sock.sendto(header + question + records, peer)
PY
dns_pid=$!
for _ in $(seq 50); do [ -s "$T/dns-port" ] && break; sleep 0.1; done
dns_port=$(cat "$T/dns-port")

# The consumer repository.
repo=$T/repo
git init --quiet -b main "$repo"
cd "$repo"
mkdir k8s .github
cp "$root/fixtures/blog/mysql-external.yaml" k8s/good.yaml
sed '/^  addresses:$/,+1d' k8s/good.yaml >k8s/bad.yaml
cat >.github/workflow.yaml <<'EOF'
name: not an Istio resource
on: [push]
jobs: {}
EOF
cat >k8s/managed.yaml <<'EOF'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db-example-com-3306
  annotations:
    meshctl.dev/resolve: db.example.com
spec:
  hosts:
  - db.example.com
  addresses:
  - 203.0.113.7/32
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
  location: MESH_EXTERNAL
  resolution: NONE
EOF
cat >.pre-commit-config.yaml <<EOF
repos:
- repo: $hooks
  rev: $rev
  hooks:
  - id: meshctl-check
  - id: meshctl-sync-check
    args: [--nameserver, "127.0.0.1:$dns_port", --timeout, 2s]
EOF
git add .pre-commit-config.yaml && git commit --quiet -m "pre-commit config"

# outcome NAME CMD...: runs CMD, output in $T/NAME.out, prints the exit code.
outcome() {
  local name=$1 code=0
  shift
  "$@" >"$T/$name.out" 2>&1 || code=$?
  echo "$code"
}
contains() {
  if grep -qF -- "$3" "$T/$2.out"; then pass "$1"; else fail "$1: \`$3\` not in the output:"; sed 's/^/    /' "$T/$2.out"; fi
}
lacks() {
  if grep -qF -- "$3" "$T/$2.out"; then fail "$1: \`$3\` in the output"; else pass "$1"; fi
}

log "try-repo meshctl-check"
code=$(outcome try-good pre-commit try-repo "$hooks" meshctl-check --ref "$rev" --files k8s/good.yaml)
[ "$code" = 0 ] && pass "try-repo: a pinned entry passes" || { fail "try-repo: a pinned entry fails (exit $code)"; cat "$T/try-good.out"; }
contains "try-repo: the hook ran" try-good "meshctl check"
code=$(outcome try-bad pre-commit try-repo "$hooks" meshctl-check --ref "$rev" --files k8s/bad.yaml)
[ "$code" != 0 ] && pass "try-repo: an entry without addresses fails (exit $code)" || fail "try-repo: an entry without addresses passes"
contains "try-repo: the output names the rule and the file" try-bad "k8s/bad.yaml:11:5: MSH201 [error] hosts-ignored-for-tcp"
code=$(outcome try-other pre-commit try-repo "$hooks" meshctl-check --ref "$rev" --files .github/workflow.yaml .pre-commit-config.yaml)
[ "$code" = 0 ] && pass "try-repo: only non-Istio YAML passes (MSH004 ignored)" || { fail "try-repo: non-Istio YAML fails (exit $code)"; cat "$T/try-other.out"; }
code=$(outcome try-skip pre-commit try-repo "$hooks" meshctl-check --ref "$rev" --files README.md)
contains "try-repo: a non-YAML file is not passed to the hook" try-skip "(no files to check)"

log "git commit through pre-commit install"
pre-commit install --install-hooks >"$T/install.out" 2>&1 && pass "pre-commit install" || { fail "pre-commit install"; cat "$T/install.out"; }
before=$(git rev-parse HEAD)
git add k8s/bad.yaml
code=$(outcome commit-bad git commit -m "entry without addresses")
[ "$code" != 0 ] && [ "$(git rev-parse HEAD)" = "$before" ] && pass "commit: refused for the entry without addresses" ||
  fail "commit: accepted the entry without addresses (exit $code)"
contains "commit: the refusal names MSH201 and the file" commit-bad "k8s/bad.yaml:11:5: MSH201"
lacks "commit: meshctl-sync-check does not run on commit" commit-bad "meshctl sync --check"
git reset --quiet k8s/bad.yaml
git add k8s/good.yaml .github/workflow.yaml
code=$(outcome commit-good git commit -m "pinned entry")
[ "$code" = 0 ] && [ "$(git rev-parse HEAD)" != "$before" ] && pass "commit: accepted for the pinned entry and a workflow" ||
  { fail "commit: refused the pinned entry (exit $code)"; cat "$T/commit-good.out"; }
contains "commit: the hook ran and passed" commit-good "meshctl check"

log "meshctl-sync-check only in the manual stage"
git add k8s/managed.yaml && git commit --quiet -m "managed entry" -n
echo 203.0.113.8 >"$T/dns-answer"
code=$(outcome run-default pre-commit run --all-files)
[ "$code" = 0 ] && pass "default stage: passes although DNS has moved" || fail "default stage: fails (exit $code)"
lacks "default stage: meshctl-sync-check does not run" run-default "meshctl sync --check"
code=$(outcome run-drift pre-commit run meshctl-sync-check --hook-stage manual --files k8s/managed.yaml)
[ "$code" != 0 ] && pass "manual stage: drift fails the hook (exit $code)" || fail "manual stage: drift passes"
contains "manual stage: the output names MSH308 and the file" run-drift "k8s/managed.yaml:11:5: MSH308 [error] managed-address-drift"
contains "manual stage: the output names the new address" run-drift "203.0.113.8"
echo 203.0.113.7 >"$T/dns-answer"
code=$(outcome run-sync pre-commit run meshctl-sync-check --hook-stage manual --all-files)
[ "$code" = 0 ] && pass "manual stage: an entry in sync passes" || { fail "manual stage: an entry in sync fails (exit $code)"; cat "$T/run-sync.out"; }

log "language: system needs meshctl on PATH"
code=$(outcome no-binary env PATH="$base_path" pre-commit run meshctl-check --files k8s/good.yaml)
if PATH="$base_path" command -v meshctl >/dev/null; then
  echo "SKIPPED: meshctl is installed outside the test, so its absence cannot be tested"
else
  [ "$code" != 0 ] && pass "no meshctl on PATH: the hook fails" || fail "no meshctl on PATH: the hook passes"
  contains "no meshctl on PATH: pre-commit says why" no-binary "Executable \`meshctl\` not found"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
