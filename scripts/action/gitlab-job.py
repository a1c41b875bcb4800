#!/usr/bin/env python3
"""Reads ci/gitlab.yml as GitLab does, for scripts/test-gitlab.sh.

  gitlab-job.py validate FILE      structure checks; prints one "ok: ..." or "error: ..." per check,
                                   exits 1 on any error
  gitlab-job.py script FILE JOB    the job's shell script (before_script then script, as the runner
                                   joins them, after `extends`), or exit 3 when its `rules` keep it
                                   out of a pipeline with the current environment's variables

Keywords are GitLab's (doc/ci/yaml/_index.md): a key outside them is an error, as GitLab's linter
makes it. `extends` merges hashes deeply and replaces everything else (doc/ci/yaml/yaml_optimization.md).
Rules implement only `if: $VAR == "value"` / `!=` and a missing `when`; any other form is an error,
so the emulation cannot differ quietly.
"""

import os
import re
import sys

import yaml

GLOBAL_KEYWORDS = {"default", "include", "stages", "variables", "workflow", "spec"}
JOB_KEYWORDS = {
    "after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
    "dast_configuration", "dependencies", "environment", "extends", "hooks", "id_tokens", "identity",
    "image", "inherit", "interruptible", "manual_confirmation", "needs", "pages", "parallel",
    "release", "resource_group", "retry", "rules", "run", "script", "secrets", "services", "stage",
    "tags", "timeout", "trigger", "variables", "when",
}
ARTIFACT_KEYWORDS = {"paths", "exclude", "expire_in", "expose_as", "name", "public", "access", "reports", "untracked", "when"}
REPORT_KEYWORDS = {
    "accessibility", "annotations", "api_fuzzing", "browser_performance", "coverage_report",
    "codequality", "container_scanning", "coverage_fuzzing", "cyclonedx", "dast",
    "dependency_scanning", "dotenv", "junit", "license_scanning", "load_performance", "metrics",
    "requirements", "repository_xray", "sast", "secret_detection", "terraform",
}
DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def merge(base, over):
    out = dict(base)
    for key, value in over.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def resolve(doc, name, seen=()):
    job = doc[name]
    parents = job.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    merged = {}
    for parent in parents:
        if parent in seen or parent not in doc:
            raise SystemExit(f"error: {name}: extends unknown or cyclic `{parent}`")
        merged = merge(merged, resolve(doc, parent, seen + (name,)))
    merged = merge(merged, {k: v for k, v in job.items() if k != "extends"})
    return merged


def jobs(doc):
    return [k for k in doc if k not in GLOBAL_KEYWORDS]


def lines(value):
    return [value] if isinstance(value, str) else list(value or [])


def validate(path):
    doc = load(path)
    errors = 0

    def check(ok, message):
        nonlocal errors
        print(("ok: " if ok else "error: ") + message)
        errors += not ok

    stages = doc.get("stages", DEFAULT_STAGES)
    check("stages" not in doc, "no `stages:` (the including pipeline's stages stay)")
    for name in jobs(doc):
        raw = doc[name]
        check(isinstance(raw, dict), f"{name}: a job is a mapping")
        unknown = set(raw) - JOB_KEYWORDS
        check(not unknown, f"{name}: only GitLab job keywords (unknown: {sorted(unknown)})")
        if name.startswith("."):
            continue
        job = resolve(doc, name)
        check(all(isinstance(l, str) and l for l in lines(job.get("script"))), f"{name}: a non-empty script of strings")
        check(job.get("stage", "test") in stages, f"{name}: stage `{job.get('stage', 'test')}` exists")
        image = job.get("image")
        check(isinstance(image, str) and ":" in image and "meshctl/meshctl" not in image,
              f"{name}: image `{image}` is pinned and has a shell (not the scratch meshctl image)")
        check(not any("${{" in l for l in lines(job.get("before_script")) + lines(job.get("script"))),
              f"{name}: no GitHub-style expressions in scripts")
        artifacts = job.get("artifacts")
        if artifacts is not None:
            unknown = set(artifacts) - ARTIFACT_KEYWORDS
            check(not unknown, f"{name}: only artifact keywords (unknown: {sorted(unknown)})")
            check(artifacts.get("when", "on_success") in ("on_success", "on_failure", "always"),
                  f"{name}: artifacts:when is a GitLab value")
            reports = artifacts.get("reports", {})
            unknown = set(reports) - REPORT_KEYWORDS
            check(not unknown, f"{name}: only report types GitLab knows (unknown: {sorted(unknown)})")
            written = {m.group(1) for l in lines(job.get("script")) for m in re.finditer(r">\s*([\w.\-/]+)", l)}
            for kind, files in reports.items():
                for file in lines(files):
                    check(file in written, f"{name}: reports:{kind} `{file}` is the file the script writes ({sorted(written)})")
            for file in lines(artifacts.get("paths")):
                check(file in written, f"{name}: artifacts:paths `{file}` is a file the script writes")
            if "expose_as" in artifacts:
                check(re.fullmatch(r"[\w\- ]+", artifacts["expose_as"]) is not None and "paths" in artifacts,
                      f"{name}: expose_as is plain text with paths")
        for rule in job.get("rules", []):
            check(set(rule) <= {"if", "when", "allow_failure", "changes", "exists", "variables"},
                  f"{name}: only rule keywords")
    return 1 if errors else 0


RULE = re.compile(r'^\$(\w+)\s*(==|!=)\s*"([^"]*)"$')


def runs(job):
    if "rules" not in job:
        return True
    for rule in job["rules"]:
        if set(rule) - {"if"}:
            raise SystemExit(f"error: rule {rule} is not emulated")
        m = RULE.match(rule["if"].strip())
        if not m:
            raise SystemExit(f"error: rule `{rule['if']}` is not emulated")
        value = os.environ.get(m.group(1), "")
        if (value == m.group(3)) == (m.group(2) == "=="):
            return True
    return False


def script(path, name):
    job = resolve(load(path), name)
    if not runs(job):
        return 3
    print("\n".join(lines(job.get("before_script")) + lines(job.get("script"))))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "validate":
        return validate(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == "script":
        return script(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
