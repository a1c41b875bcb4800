#!/usr/bin/env bash
# Tests action.yml as a GitHub runner runs it: scripts/action/emulate-runner.py executes each
# step's `run:` under `shell: bash` semantics with its `env:` and `if:` evaluated and the file
# commands (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH) applied, against real git repositories in a
# scratch directory. meshctl comes from a release tarball in the release contract's layout
# (dist/meshctl-<version>-x86_64-linux.tar.gz + .sha256), served from a file:// release-url.
#
# Scenarios: a pull request whose head drops a pinned entry's `addresses` (check error, diff
# port-hijacked); a clean head adding a second address; a push (no diff); fail-on none; a bad
# fail-on; a paths input holding shell syntax; a shallow checkout whose base must be fetched; a
# corrupted tarball; a failed download falling back to `cargo install` (cargo stubbed: the
# fallback's wiring is under test, not a 5-minute release build). Before them: no `run:`
# interpolates an expression, the version input matches Cargo.toml, and the emulation refuses
# expressions it does not implement.
#
# Needs python3 (PyYAML and jsonschema are pip-installed when missing), git, curl, sha256sum.
# Uses $MESHCTL when set, else builds meshctl (release). The SARIF schema is read from
# ../shared/schemas/sarif; without it the SARIF check is SKIPPED, or FAILS when CI=true.
# KEEP_TMP=1 keeps the scratch directory. Prints PASS/FAIL lines and "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# pass, fail, log, install_meshctl
source scripts/lib/suite.sh
# make_release, make_repos, reported_counts, reported_changed
source scripts/action/fixture.sh

python3 -c 'import yaml, jsonschema' 2>/dev/null || pip install --quiet pyyaml jsonschema
T=$(mktemp -d /tmp/test-action.XXXXXX)
trap 'if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi' EXIT

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
name="meshctl-$version-x86_64-linux"
mkdir -p "$T/bin"
install_meshctl "$T/bin/meshctl"
meshctl=$T/bin/meshctl

make_release "$T/release" "$meshctl" "$version"
release=$T/release
bad_release=$T/release-corrupt
remote=$T/remote.git
make_repos "$remote" "$T"

# workspace NAME BRANCH [clone options]: a checkout of BRANCH, as actions/checkout leaves it.
workspace() {
  local dir=$T/ws-$1
  shift
  git clone --quiet "$@" "file://$remote" "$dir"
  echo "$dir"
}

# event FILE EVENT HEAD: a webhook payload; for pull_request the base is main at $base_sha.
event() {
  python3 - "$@" "$base_sha" <<'PY'
import json, sys
path, event, head, base = sys.argv[1:5]
payload = {"repository": {"full_name": "meshctl/demo"}}
if event == "pull_request":
    payload["pull_request"] = {
        "number": 7,
        "base": {"ref": "main", "sha": base},
        "head": {"ref": "topic", "sha": head},
    }
else:
    payload.update({"ref": "refs/heads/main", "before": base, "after": head})
json.dump(payload, open(path, "w"))
PY
}

# run_action CASE WORKSPACE EVENT HEAD [--input NAME=VALUE]...: runs the action; the result is
# $T/CASE.json, the log $T/CASE.log, the step summary $T/CASE.summary.
run_action() {
  local case=$1 ws=$2 ev=$3 head=$4
  shift 4
  mkdir -p "$T/runner-$case"
  event "$T/$case.event.json" "$ev" "$head"
  local code=0
  env -u CI GITHUB_EVENT_NAME="$ev" GITHUB_EVENT_PATH="$T/$case.event.json" \
    GITHUB_WORKSPACE="$ws" RUNNER_TEMP="$T/runner-$case" GITHUB_STEP_SUMMARY="$T/$case.summary" \
    PATH="${RUN_PATH:-$PATH}" \
    python3 scripts/action/emulate-runner.py "$root" --result "$T/$case.json" \
    --input "release-url=file://$release" "$@" >"$T/$case.log" 2>&1 || code=$?
  echo "$code"
}

# field CASE PYTHON-EXPRESSION: evaluates the expression over the result JSON `r`.
field() {
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/$1.json" "$2"
}

# expect DESCRIPTION ACTUAL WANTED
expect() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got \`$2\`, want \`$3\`"; fi
}

# contains DESCRIPTION FILE TEXT
contains() {
  if grep -qF -- "$3" "$2" 2>/dev/null; then pass "$1"; else fail "$1: \`$3\` not in $2"; fi
}

sarif_schema="$root/../shared/schemas/sarif/sarif-schema-2.1.0.json"
validate_sarif() {
  local what=$1 file=$2
  if [ ! -f "$sarif_schema" ]; then
    if [ "${CI:-}" = true ]; then
      fail "$what: SARIF schema missing at $sarif_schema (CI=true)"
    else
      echo "SKIPPED: SARIF schema needs ../shared ($what)"
    fi
    return
  fi
  local err
  if err=$(python3 - "$sarif_schema" "$file" <<'PY' 2>&1
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print(f"{list(e.path)}: {e.message}")
sys.exit(1 if errors else 0)
PY
  ); then
    pass "$what: SARIF validates against the SARIF 2.1.0 schema"
  else
    fail "$what: SARIF does not validate: $err"
  fi
}

log "static: injection safety"
if python3 - action.yml <<'PY'
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
bad = [s.get("name") for s in action["runs"]["steps"] if "${{" in s.get("run", "")]
print("steps interpolating into run:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
then pass "no step interpolates \${{ }} into its run: script (inputs travel in env:)"; else fail "a run: script interpolates an expression"; fi

# The emulation must refuse what it does not implement rather than guess: an action calling a
# function, and one reading an undeclared input.
unsupported() {
  mkdir -p "$T/bogus-$1"
  cat >"$T/bogus-$1/action.yml" <<YAML
name: bogus
description: an expression the emulation does not implement
inputs: {paths: {default: .}}
runs:
  using: composite
  steps:
  - shell: bash
    env: {X: "$2"}
    run: echo "\$X"
YAML
  echo '{}' >"$T/bogus-$1/event.json"
  local code=0
  GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$T/bogus-$1/event.json" GITHUB_WORKSPACE="$T" RUNNER_TEMP="$T" \
    python3 scripts/action/emulate-runner.py "$T/bogus-$1" --result "$T/bogus-$1/r.json" >"$T/bogus-$1/log" 2>&1 || code=$?
  if [ "$code" = 3 ] && grep -qF "unsupported: $3" "$T/bogus-$1/log"; then
    pass "the emulation refuses $1"
  else
    fail "the emulation accepted $1 (exit $code): $(cat "$T/bogus-$1/log")"
  fi
}
# shellcheck disable=SC2016 # expressions for the emulation, not for the shell
unsupported "a function" "\${{ hashFiles('**/*.yaml') }}" 'function `hashFiles()` is not emulated'
# shellcheck disable=SC2016
unsupported "an undeclared input" '${{ inputs.path }}' '`inputs.path` is not a declared input'

action_version=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["inputs"]["version"]["default"])' action.yml)
expect "action.yml installs this version by default" "$action_version" "$version"

log "pull request whose head drops the addresses"
ws=$(workspace error --branch drop-addresses)
code=$(run_action error "$ws" pull_request "$error_sha" --input paths=k8s)
expect "error head: the action fails with check's exit code" "$code" 1
expect "error head: exit-code output" "$(field error 'r["outputs"]["exit-code"]')" 1
read -r want_errors want_warnings <<<"$(reported_counts "$ws" k8s)"
expect "error head: errors output equals meshctl's count ($want_errors)" "$(field error 'r["outputs"]["errors"]')" "$want_errors"
expect "error head: warnings output equals meshctl's count ($want_warnings)" "$(field error 'r["outputs"]["warnings"]')" "$want_warnings"
[ "$want_errors" -ge 1 ] && pass "error head: meshctl reports at least one error" || fail "error head: meshctl reports no error"
want_changed=$(reported_changed "$ws" "$base_sha" k8s)
expect "error head: changed output equals diff's regions ($want_changed)" "$(field error 'r["outputs"]["changed"]')" "$want_changed"
[ "$want_changed" -ge 1 ] && pass "error head: diff reports changed regions" || fail "error head: diff reports no change"
expect "error head: meshctl came from the verified tarball" \
  "$(field error 'r["path"][0].endswith("/'"$name"'")')" True
expect "error head: the last step failed, the diff ran before it" \
  "$(field error '" ".join(s["outcome"] for s in r["steps"])')" "success success success failure"
expect "error head: one annotation, MSH201 on k8s/db.yaml:11" \
  "$(field error '[(a["command"], a["properties"].get("title"), a["properties"].get("file"), a["properties"].get("line")) for a in r["annotations"]]')" \
  "[('error', 'meshctl (MSH201)', 'k8s/db.yaml', '11')]"
comment=$(field error 'r["outputs"]["comment-file"]')
contains "error head: comment names the changed region" "$comment" "203.0.113.7/32 port 3306"
contains "error head: comment names the class" "$comment" "port-hijacked"
contains "error head: comment names the resource that changed" "$comment" "ServiceEntry default/mysql-external modified at k8s/db.yaml"
contains "error head: comment names the field" "$comment" 'spec.addresses: ["203.0.113.7/32"] → (absent)'
contains "error head: comment carries the sticky marker" "$comment" "<!-- meshctl-diff -->"
contains "error head: step summary holds the diff" "$T/error.summary" "0.0.0.0/0, ::/0 except 127.0.0.0/8, 203.0.113.7/32, ::1/128 port 3306"
contains "error head: step summary holds the check counts" "$T/error.summary" "errors: $want_errors, warnings: $want_warnings (exit 1)"
sarif=$(field error 'r["outputs"]["sarif-file"]')
expect "error head: SARIF written to the workspace's meshctl.sarif" "$sarif" "$ws/meshctl.sarif"
validate_sarif "error head" "$sarif"
expect "error head: SARIF holds every finding" \
  "$(python3 -c 'import json,sys; print(sum(len(r["results"]) for r in json.load(open(sys.argv[1]))["runs"]))' "$sarif")" \
  "$((want_errors + want_warnings))"

log "pull request with a clean head (a second address)"
ws=$(workspace clean --branch second-address)
code=$(run_action clean "$ws" pull_request "$clean_sha" --input paths=k8s)
expect "clean head: the action succeeds" "$code" 0
expect "clean head: errors 0, warnings 0, exit-code 0" \
  "$(field clean '" ".join(r["outputs"][k] for k in ("errors", "warnings", "exit-code"))')" "0 0 0"
expect "clean head: changed output equals diff's regions" "$(field clean 'r["outputs"]["changed"]')" "$(reported_changed "$ws" "$base_sha" k8s)"
comment=$(field clean 'r["outputs"]["comment-file"]')
contains "clean head: comment names the new address" "$comment" "203.0.113.8/32 port 3306"
contains "clean head: comment classes it newly-allowed" "$comment" "newly-allowed"
validate_sarif "clean head" "$(field clean 'r["outputs"]["sarif-file"]')"

log "push event: no base, no diff"
ws=$(workspace push --branch drop-addresses)
code=$(run_action push "$ws" push "$error_sha" --input paths=k8s)
expect "push: check still fails the job" "$code" 1
expect "push: the diff step is skipped" "$(field push 'r["steps"][2]["outcome"]')" skipped
expect "push: changed and comment-file are empty" "$(field push 'r["outputs"]["changed"] + r["outputs"]["comment-file"]')" ""

log "fail-on none, and a bad fail-on"
ws=$(workspace none --branch drop-addresses)
code=$(run_action none "$ws" pull_request "$error_sha" --input paths=k8s --input fail-on=none)
expect "fail-on none: the action succeeds" "$code" 0
expect "fail-on none: the error is still counted" "$(field none 'r["outputs"]["errors"]')" 1
code=$(run_action badfail "$ws" push "$error_sha" --input paths=k8s --input fail-on=sometimes)
expect "fail-on sometimes: the action fails with exit 2" "$code" 2
contains "fail-on sometimes: the log says which values are allowed" "$T/badfail.log" 'fail-on must be error, warning, info, none or empty, not `sometimes`'

log "a paths input holding shell syntax"
ws=$(workspace inject --branch second-address)
# shellcheck disable=SC2016 # the point: these must reach meshctl as text, never run
code=$(run_action inject "$ws" push "$clean_sha" --input 'paths=k8s $(touch pwned-subst) `touch pwned-tick` ";touch pwned-semi;"')
if compgen -G "$ws/pwned*" >/dev/null || compgen -G "$root/pwned*" >/dev/null; then
  fail "injection: an input value ran as shell code"
else
  pass "injection: no input value ran as shell code"
fi
expect "injection: meshctl got the words as paths and could not read them (exit 2)" "$code" 2
contains "injection: the unreadable path is named" "$T/inject.log" '$(touch'

log "shallow checkout: the base commit is fetched from origin"
ws=$(workspace shallow --branch drop-addresses --depth 1)
if git -C "$ws" cat-file -e "$base_sha^{commit}" 2>/dev/null; then
  fail "shallow: the clone unexpectedly holds the base"
else
  code=$(run_action shallow "$ws" pull_request "$error_sha" --input paths=k8s)
  expect "shallow: changed output as with a full clone" "$(field shallow 'r["outputs"]["changed"]')" "$want_changed"
  contains "shallow: the log says the base was fetched" "$T/shallow.log" "fetching the base $base_sha from origin"
fi

log "corrupted tarball"
ws=$(workspace corrupt --branch second-address)
code=$(run_action corrupt "$ws" pull_request "$clean_sha" --input paths=k8s --input "release-url=file://$bad_release")
[ "$code" != 0 ] && pass "corrupt: the install step fails (exit $code)" || fail "corrupt: the action succeeded"
contains "corrupt: a clear message" "$T/corrupt.log" "checksum mismatch: $name.tar.gz from file://$bad_release/v$version does not match its .sha256"
expect "corrupt: nothing after install ran, nothing added to PATH" \
  "$(field corrupt '" ".join(s["outcome"] for s in r["steps"]) + " " + str(len(r["path"]))')" "failure skipped skipped skipped 0"
if grep -q "building meshctl" "$T/corrupt.log"; then fail "corrupt: fell back to building"; else pass "corrupt: no fallback to building"; fi

log "download fails: fallback to cargo install"
mkdir -p "$T/stub"
cat >"$T/stub/cargo" <<EOF
#!/usr/bin/env bash
# Stands in for cargo: records its arguments and "installs" the test's meshctl into --root.
echo "\$*" >"$T/stub/cargo.args"
while [ \$# -gt 0 ]; do [ "\$1" = --root ] && root=\$2; shift; done
mkdir -p "\$root/bin" && cp "$meshctl" "\$root/bin/meshctl"
EOF
chmod +x "$T/stub/cargo"
ws=$(workspace fallback --branch second-address)
code=$(RUN_PATH="$T/stub:$PATH" run_action fallback "$ws" pull_request "$clean_sha" --input paths=k8s \
  --input "release-url=file://$T/no-such-release")
expect "fallback: the action succeeds with the built binary" "$code" 0
contains "fallback: a warning says why it builds" "$T/fallback.log" "::warning title=meshctl install::could not download file://$T/no-such-release/v$version/$name.tar.gz"
contains "fallback: cargo install --path the action --locked" "$T/stub/cargo.args" "install --path $root --locked --root"
expect "fallback: the cargo root's bin is on PATH" "$(field fallback 'r["path"][0].endswith("/bin")')" True
code=$(RUN_PATH="$T/stub:$PATH" run_action source "$ws" push "$clean_sha" --input paths=k8s --input build-from-source=true)
expect "build-from-source: the action succeeds without downloading" "$code" 0
if grep -q "verified $name" "$T/source.log"; then fail "build-from-source: downloaded anyway"; else pass "build-from-source: no download"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
