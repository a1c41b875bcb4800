#!/usr/bin/env python3
"""Runs a composite action's steps the way a GitHub Actions runner does, for scripts/test-action.sh.

Usage: emulate-runner.py ACTION_DIR --result FILE [--input NAME=VALUE]...

The caller's environment supplies the runner's variables (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, RUNNER_TEMP). Each step runs as the runner runs
`shell: bash` (`bash --noprofile --norc -eo pipefail FILE`, in GITHUB_WORKSPACE) with its `env:`
evaluated; GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH are fresh files per step, read back after it
as the runner's file commands (actions/runner src/Runner.Worker/FileCommandManager.cs): outputs feed
`steps.ID.outputs`, env lines the next steps' environment, path lines are prepended to PATH.

Expressions (expressions.py) implement only what the action uses, over the contexts `inputs`,
`github`, `steps.ID.outputs` and `env`. Any other expression, function, context, step key or shell
is an error, so the emulation cannot quietly differ from the runner.

The result file is JSON: the action's outputs, each step's outcome and outputs, the annotations its
workflow commands made, and the exit code of the failed step (0 when every step succeeded).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# Importing the sibling module must not leave a __pycache__ in the checkout.
sys.dont_write_bytecode = True
from expressions import Unsupported, condition, interpolate, to_string


# ---- contexts ----------------------------------------------------------------------------------


def walk(value, names):
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def make_contexts(inputs, github, steps, env, step_ids):
    def inputs_ctx(names, text):
        if len(names) != 1 or names[0] not in inputs:
            raise Unsupported(f"`inputs.{'.'.join(names)}` is not a declared input (in `{text}`)")
        return inputs[names[0]]

    def github_ctx(names, text):
        if not names or names[0] not in github:
            raise Unsupported(f"`github.{'.'.join(names)}` is not emulated (in `{text}`)")
        return walk(github, names)

    def steps_ctx(names, text):
        if len(names) != 3 or names[1] != "outputs" or names[0] not in step_ids:
            raise Unsupported(f"`steps.{'.'.join(names)}` is not STEP_ID.outputs.NAME of a step (in `{text}`)")
        return steps.get(names[0], {}).get("outputs", {}).get(names[2], "")

    def env_ctx(names, text):
        if len(names) != 1:
            raise Unsupported(f"`env.{'.'.join(names)}` is not emulated (in `{text}`)")
        return env.get(names[0])

    return {"inputs": inputs_ctx, "github": github_ctx, "steps": steps_ctx, "env": env_ctx}


# ---- file commands and workflow commands -------------------------------------------------------


def read_key_values(path):
    """GITHUB_OUTPUT / GITHUB_ENV syntax: `name=value` lines and `name<<DELIM` heredocs."""
    values = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise Unsupported(f"{path}: heredoc `{delim}` is not closed")
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise Unsupported(f"{path}: malformed line `{line}`")
    return values


COMMAND = re.compile(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$")


def unescape(text, prop=False):
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def parse_command(line):
    m = COMMAND.match(line.rstrip("\r\n"))
    if not m:
        return None
    props = {}
    for part in (m.group(2) or "").split(","):
        if "=" in part:
            key, value = part.split("=", 1)
            props[key.strip()] = unescape(value, prop=True)
    return {"command": m.group(1), "properties": props, "message": unescape(m.group(3))}


# ---- the runner --------------------------------------------------------------------------------

ACTION_KEYS = {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
STEP_KEYS = {"id", "name", "if", "shell", "run", "env", "working-directory"}


def run_action(action_dir, given, result_path):
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    unknown = set(action) - ACTION_KEYS
    if unknown:
        raise Unsupported(f"action.yml keys not emulated: {sorted(unknown)}")
    if action["runs"].get("using") != "composite":
        raise Unsupported("only composite actions are emulated")

    env_base = dict(os.environ)
    workspace = env_base["GITHUB_WORKSPACE"]
    temp = env_base["RUNNER_TEMP"]
    event_path = env_base["GITHUB_EVENT_PATH"]
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    github = {
        "event_name": env_base["GITHUB_EVENT_NAME"],
        "event": event,
        "workspace": workspace,
        "action_path": action_dir,
    }
    env_base["GITHUB_ACTION_PATH"] = action_dir

    declared = action.get("inputs") or {}
    extra = set(given) - set(declared)
    if extra:
        raise Unsupported(f"unexpected inputs {sorted(extra)}")
    inputs, steps, added_env, added_path = {}, {}, {}, []
    step_ids = [s["id"] for s in action["runs"]["steps"] if "id" in s]
    ctx = make_contexts(inputs, github, steps, added_env, step_ids)
    for name, spec in declared.items():
        if name in given:
            inputs[name] = given[name]
        elif "default" in spec:
            default = spec["default"]
            inputs[name] = interpolate(to_string(default) if not isinstance(default, str) else default, ctx)
        elif spec.get("required"):
            raise Unsupported(f"required input `{name}` not given")
        else:
            inputs[name] = ""

    annotations, outcomes, failed_code = [], [], 0
    files = tempfile.mkdtemp(prefix="_runner_file_commands.", dir=temp)
    for index, step in enumerate(action["runs"]["steps"]):
        unknown = set(step) - STEP_KEYS
        if unknown:
            raise Unsupported(f"step {index}: keys not emulated: {sorted(unknown)}")
        if step.get("shell") != "bash":
            raise Unsupported(f"step {index}: only `shell: bash` is emulated")
        sid = step.get("id", f"__{index}")
        label = step.get("name", sid)
        # The default condition is success(): skip once a step has failed.
        run_it = failed_code == 0 and condition(step["if"], ctx) if "if" in step else failed_code == 0
        if not run_it:
            steps[sid] = {"outcome": "skipped", "outputs": {}}
            outcomes.append({"step": label, "id": sid, "outcome": "skipped"})
            print(f"##[skipped] {label}", flush=True)
            continue

        env = dict(env_base)
        env.update(added_env)
        if added_path:
            env["PATH"] = os.pathsep.join(reversed(added_path)) + os.pathsep + env_base.get("PATH", "")
        for key, value in (step.get("env") or {}).items():
            env[key] = interpolate(value, ctx)
        names = {}
        for kind in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"):
            names[kind] = os.path.join(files, f"{kind.lower()}_{index}")
            open(names[kind], "w").close()
            env[kind] = names[kind]
        script = os.path.join(files, f"step_{index}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(interpolate(step["run"], ctx))
        cwd = os.path.join(workspace, step.get("working-directory", ""))

        print(f"##[group]Run {label}", flush=True)
        proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=cwd, env=env, stdout=subprocess.PIPE, text=True,
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            command = parse_command(line)
            if command and command["command"] in ("error", "warning", "notice"):
                annotations.append(dict(command, step=label))
        code = proc.wait()
        print(f"##[endgroup] {label}: exit {code}", flush=True)

        outputs = read_key_values(names["GITHUB_OUTPUT"])
        added_env.update(read_key_values(names["GITHUB_ENV"]))
        with open(names["GITHUB_PATH"], encoding="utf-8") as f:
            added_path.extend(line for line in f.read().splitlines() if line)
        steps[sid] = {"outcome": "success" if code == 0 else "failure", "outputs": outputs}
        outcomes.append({"step": label, "id": sid, "outcome": steps[sid]["outcome"], "exit": code, "outputs": outputs})
        if code != 0:
            failed_code = code

    action_outputs = {
        name: interpolate(spec["value"], ctx) for name, spec in (action.get("outputs") or {}).items()
    }
    result = {
        "exit": failed_code,
        "inputs": inputs,
        "outputs": action_outputs,
        "steps": outcomes,
        "annotations": annotations,
        "path": added_path,
        "env": added_env,
    }
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return failed_code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action_dir")
    parser.add_argument("--result", required=True)
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    given = {}
    for item in args.input:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--input {item}: expected NAME=VALUE")
        given[name] = value
    try:
        code = run_action(os.path.abspath(args.action_dir), given, args.result)
    except Unsupported as err:
        print(f"emulate-runner: unsupported: {err}", file=sys.stderr)
        return 3
    return min(code, 255)


if __name__ == "__main__":
    sys.exit(main())
