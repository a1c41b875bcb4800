#!/usr/bin/env python3
"""`meshctl check` over a checkout of istio/istio: what it read, what it skipped and why.

    scripts/check-istio-corpus.py PATH-TO-ISTIO [--meshctl BINARY] [--markdown]

Nothing is fetched: PATH is a checkout you already have (docs/istio-corpus.md names the commit
its numbers come from). Prints the files read, the Istio resources checked, every skipped file
with its reason, the findings per rule and the wall time of the run, and exits 1 when a file
skipped as a template is in fact a parseable manifest: it parses as YAML and no document holds
`{{` in a key or in a ServiceEntry's or Sidecar's fields (the loader's rule, checked here
independently with PyYAML). `--markdown` prints the counts as a table row for the docs.

Reads both ways `check -v` lists skipped files: JSON lines on stderr (`-o json -v`, current) and
the older `skipped FILE:LINE:COL: REASON` text lines, so a build of an earlier commit can be
measured for the before/after table.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

try:
    import yaml
except ImportError:  # pragma: no cover - environment check
    sys.exit("check-istio-corpus: needs PyYAML (`apt-get install python3-yaml` or `pip install pyyaml`)")

SUMMARY = re.compile(
    r"(?:(?P<resources>\d+) resources? in )?(?P<files>\d+) files?"
    r"(?:, (?P<others>\d+) other documents? skipped)?"
    r"(?:, (?P<skipped>\d+) non-resource documents? skipped)?"
)
TEXT_SKIP = re.compile(r"^skipped (?P<file>.+?):(?P<line>\d+):\d+: (?P<detail>.*)$")


def reason_of(detail):
    """The one-word reason of an old-style text line."""
    if detail.startswith("template syntax"):
        return "template"
    if detail.startswith("top level is not a mapping"):
        return "not-mapping"
    return "not-resource"


def run(meshctl, path, args):
    started = time.monotonic()
    done = subprocess.run(
        [meshctl, "check", "--color", "never", "--exit-zero", *args, path],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"check-istio-corpus: `meshctl check` exited {done.returncode}:\n{done.stderr}")
    return done.stdout, done.stderr, elapsed


def skipped_files(stderr):
    rows = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            rows.append((row["file"], row["line"], row["reason"], row["detail"]))
            continue
        match = TEXT_SKIP.match(line)
        if match:
            detail = match["detail"]
            rows.append((match["file"], int(match["line"]), reason_of(detail), detail))
    return rows


def template_in_structure(node, istio=False):
    """True when `{{` stands in a key, or in any string of an Istio resource's fields."""
    if isinstance(node, dict):
        kind = node.get("kind")
        group = str(node.get("apiVersion", "")).split("/")[0]
        if group == "networking.istio.io" and kind in ("ServiceEntry", "Sidecar"):
            meta = node.get("metadata") or {}
            fields = [node.get("spec")]
            if isinstance(meta, dict):
                fields += [meta.get("name"), meta.get("namespace"), meta.get("labels")]
            if any(template_in_structure(f, istio=True) for f in fields if f is not None):
                return True
        return any(
            "{{" in str(key) or template_in_structure(value, istio) for key, value in node.items()
        )
    if isinstance(node, list):
        return any(template_in_structure(item, istio) for item in node)
    return istio and isinstance(node, str) and "{{" in node


def parseable_manifest(path):
    """True when the file parses, holds a Kubernetes document and no template in its structure."""
    try:
        with open(path, encoding="utf-8") as handle:
            docs = [d for d in yaml.safe_load_all(handle) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return False
    manifests = [d for d in docs if isinstance(d, dict) and "apiVersion" in d and "kind" in d]
    return bool(manifests) and not any(template_in_structure(d) for d in docs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("istio", help="a checkout of istio/istio")
    parser.add_argument("--meshctl", default=os.environ.get("MESHCTL", "target/release/meshctl"))
    parser.add_argument("--markdown", action="store_true", help="print a table row too")
    options = parser.parse_args()
    if not os.path.isdir(options.istio):
        sys.exit(f"check-istio-corpus: `{options.istio}` is not a directory")

    findings_json, stderr, elapsed = run(options.meshctl, options.istio, ["-v", "-o", "json"])
    findings = json.loads(findings_json)
    text, _, _ = run(options.meshctl, options.istio, [])
    summary = SUMMARY.search(text.strip().splitlines()[-1])
    skipped = skipped_files(stderr)

    files = int(summary["files"]) if summary else 0
    resources = int(summary["resources"] or 0) if summary else 0
    others = int(summary["others"] or 0) if summary else 0
    print(f"files read:       {files}")
    print(f"Istio resources:  {resources}")
    print(f"other kinds:      {others} documents (counted, not linted)")
    print(f"time:             {elapsed:.2f} s (check -v -o json)")

    by_reason = collections.Counter(reason for _, _, reason, _ in skipped)
    template_files = sorted({file for file, _, reason, _ in skipped if reason == "template"})
    print(f"skipped:          {len(skipped)} documents in {len({f for f, *_ in skipped})} files")
    for reason, count in sorted(by_reason.items()):
        print(f"  {reason:<14} {count}")
    for file, line, reason, detail in skipped:
        print(f"    {os.path.relpath(file, options.istio)}:{line}: {reason}: {detail}")

    by_rule = collections.Counter(f["code"] for f in findings)
    print(f"findings:         {len(findings)}")
    for code, count in sorted(by_rule.items()):
        print(f"  {code}  {count}")

    wrongly = [f for f in template_files if parseable_manifest(f)]
    if options.markdown:
        rules = ", ".join(f"{code} {count}" for code, count in sorted(by_rule.items()))
        print(
            f"| {files} | {resources} | {by_reason['template']} | {by_reason['not-resource']} "
            f"| {by_reason['not-mapping']} | {len(wrongly)} | {len(findings)} | {elapsed:.1f} s | {rules} |"
        )
    if wrongly:
        print(f"FAIL: {len(wrongly)} files skipped as templates are parseable manifests:")
        for file in wrongly:
            print(f"  {os.path.relpath(file, options.istio)}")
        return 1
    print("ok: no parseable manifest was skipped as a template")
    return 0


if __name__ == "__main__":
    sys.exit(main())
