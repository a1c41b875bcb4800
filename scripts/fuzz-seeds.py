#!/usr/bin/env python3
"""Generates the fuzzers' seed corpus from fixtures/, so every rule's fixture (the firing case
and its near miss) seeds the loader and no copy under fuzz/ falls behind a new rule.

    scripts/fuzz-seeds.py [OUT]        (default: fuzz/seeds-generated; scripts/fuzz.sh runs it)

Per cargo-fuzz target, into OUT/TARGET/:
  load          every YAML file under fixtures/ (manifests, mesh configs, calls files)
  expect        every `simulate --expect` calls file (fixtures/simulate/)
  address       every address or CIDR written in a fixture, as the token it is written
  destination   every `destination:` of a calls file
Inputs no fixture holds (TLS ClientHellos, hostile DSNs, regressions) stay hand-made in
fuzz/seeds/TARGET/. OUT is emptied first and is not tracked (fuzz/.gitignore). Prints one line
per target with its seed count, and for `load` the rule codes its check fixtures cover.
"""

import pathlib
import re
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# An IPv4 address or an IPv6 address (two colons or more), each with an optional prefix length.
# Out-of-range octets (`10.0.0.300/32`) match on purpose: fixtures write them to be rejected.
ADDRESS = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
    r"(?:\.\d{1,3}){0,3})(?:/\d{1,3})?(?![\w.:])"
)
DESTINATION = re.compile(r"^\s*-?\s*destination:\s*(\S.*?)\s*$", re.MULTILINE)
RULE = re.compile(r"^(MSH\d{3})-")


def yaml_files():
    files = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        sys.exit("fuzz-seeds: no YAML under fixtures/")
    return files


def seed_name(path):
    return "_".join(path.relative_to(FIXTURES).parts)


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "seeds-generated"
    shutil.rmtree(out, ignore_errors=True)
    files = yaml_files()
    seeds = {"load": {}, "expect": {}, "address": {}, "destination": {}}
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        seeds["load"][seed_name(path)] = data
        if path.parent == FIXTURES / "simulate":
            seeds["expect"][seed_name(path)] = data
        for match in DESTINATION.finditer(text):
            value = match.group(1).strip("'\"")
            seeds["destination"].setdefault(value, None)
        for match in ADDRESS.finditer(text):
            if match.group(0).count(":") == 1:
                continue  # host:port, a time of day: not an address
            seeds["address"].setdefault(match.group(0), None)
    for target, items in seeds.items():
        folder = out / target
        folder.mkdir(parents=True)
        for i, (name, data) in enumerate(sorted(items.items())):
            if data is None:  # a value, not a file: numbered, the value is the content
                (folder / f"fixture-{i:03}").write_text(name)
            else:
                (folder / name).write_bytes(data)
        line = f"fuzz seeds {target}: {len(items)} from fixtures/"
        if target == "load":
            rules = sorted({m.group(1) for p in files if (m := RULE.match(p.name))})
            line += f" ({len(rules)} rules: {' '.join(rules)})"
        print(line)


if __name__ == "__main__":
    main()
