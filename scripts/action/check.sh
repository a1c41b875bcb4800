#!/usr/bin/env bash
# The action's check step: `meshctl check` over $INPUT_PATHS, once as SARIF into
# $INPUT_SARIF_FILE and once as workflow commands (annotations on the pull request's lines):
# check writes one format per run, and a run costs well under a second on 10,000 documents.
#
# The step itself always succeeds, so the diff step still runs; it records check's exit code
# in the `exit-code` output and the action's last step exits with it. `errors` and `warnings`
# are counted from the SARIF results' levels, never from the human text.
set -euo pipefail

read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
[ "${#paths[@]}" -gt 0 ] || paths=(.)
sarif=${INPUT_SARIF_FILE:-meshctl.sarif}
[[ $sarif == /* ]] || sarif="$PWD/$sarif"

args=()
case "${INPUT_FAIL_ON-}" in
'') ;; # meshctl.toml's fail-on, else error
error | warning | info | none) args+=(--fail-on "$INPUT_FAIL_ON") ;;
*)
  echo "::error title=meshctl check::fail-on must be error, warning, info, none or empty, not \`$INPUT_FAIL_ON\`"
  echo "exit-code=2" >>"$GITHUB_OUTPUT"
  exit 0
  ;;
esac

code=0
meshctl check "${args[@]}" --color never -o sarif -- "${paths[@]}" >"$sarif" || code=$?
meshctl check "${args[@]}" --color never -o github -- "${paths[@]}" || true

errors='' warnings=''
if [ "$code" != 2 ]; then
  read -r errors warnings < <(python3 - "$sarif" <<'PY'
import json, sys

with open(sys.argv[1], encoding="utf-8") as f:
    results = [r for run in json.load(f)["runs"] for r in run.get("results", [])]
# A result without `level` is a warning (SARIF 2.1.0, 3.27.10).
levels = [r.get("level", "warning") for r in results]
print(levels.count("error"), levels.count("warning"))
PY
  )
fi

{
  echo "errors=$errors"
  echo "warnings=$warnings"
  echo "exit-code=$code"
  echo "sarif-file=$sarif"
} >>"$GITHUB_OUTPUT"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ "$code" = 2 ]; then
    printf '## meshctl check\n\nCould not check (exit 2): see the log.\n\n' >>"$GITHUB_STEP_SUMMARY"
  else
    printf '## meshctl check\n\nerrors: %s, warnings: %s (exit %s)\n\n' "$errors" "$warnings" "$code" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
