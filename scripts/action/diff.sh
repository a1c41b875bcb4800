#!/usr/bin/env bash
# The action's diff step: what the change since $INPUT_BASE_REF does to every connection.
# `meshctl diff --base` as markdown is the pull-request comment body (written to
# $RUNNER_TEMP/meshctl-comment.md, path in the `comment-file` output) and is appended to the job
# summary; as JSON it gives the `changed` output, the number of changed regions.
#
# actions/checkout fetches one commit by default, so a base commit the checkout lacks is fetched
# from `origin` first (one commit, depth 1: diff reads only the base's tree). The diff informs and
# never fails the job: when it cannot answer (exit 2), a warning annotation and the comment say
# why, and `changed` stays empty.
set -euo pipefail

base=${INPUT_BASE_REF:?the base-ref input is empty}
read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
[ "${#paths[@]}" -gt 0 ] || paths=(.)
comment="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/meshctl-comment.md"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  echo "fetching the base $base from origin"
  git fetch --quiet --no-tags --depth=1 origin "$base" 2>"$scratch/fetch.err" ||
    echo "::warning title=meshctl diff::could not fetch $base from origin: $(tail -n 1 "$scratch/fetch.err")"
fi

code=0
meshctl diff --color never --base="$base" -o markdown -- "${paths[@]}" >"$scratch/diff.md" 2>"$scratch/diff.err" || code=$?
changed=''
if [ "$code" = 2 ]; then
  cat "$scratch/diff.err" >&2
  reason=$(head -n 1 "$scratch/diff.err")
  echo "::warning title=meshctl diff::could not compare with $base: ${reason//'%'/'%25'}"
  printf '## meshctl diff\n\nCould not compare with `%s`: %s\n' "$base" "$reason" >"$scratch/diff.md"
else
  meshctl diff --color never --base="$base" -o json -- "${paths[@]}" >"$scratch/diff.json" || true
  changed=$(python3 - "$scratch/diff.json" <<'PY'
import json, sys

with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)
print(sum(len(v["regions"]) for m in report["meshes"] for v in m["views"]))
PY
  )
fi

# The marker lets a sticky-comment step find and replace the previous comment.
{ echo '<!-- meshctl-diff -->'; cat "$scratch/diff.md"; } >"$comment"
cat "$scratch/diff.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  { cat "$scratch/diff.md"; echo; } >>"$GITHUB_STEP_SUMMARY"
fi
{
  echo "changed=$changed"
  echo "comment-file=$comment"
} >>"$GITHUB_OUTPUT"
