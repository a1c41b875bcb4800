#!/usr/bin/env python3
"""Fails when two source files of one crate import each other, directly or through a loop.

Reads every `.rs` file under each crate's `src/`, resolves `use crate::…`, `use super::…` and
inline `crate::a::b` paths to the file that defines the deepest module named, and reports each
strongly connected component of more than one file. `mod` declarations are not imports; test
modules (`tests.rs`, `tests/`, `*_tests.rs`) are skipped, since they sit beside what they test.
"""
import os
import re
import sys

CRATES = ["src", "crates/core/src", "crates/proxy/src"]
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)::((?:[A-Za-z_][A-Za-z0-9_]*::)*)\{([^;]*)\};", re.S)


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def file_of(root, parts):
    """The file defining module `parts` (or its nearest ancestor)."""
    while True:
        base = os.path.join(root, *parts) if parts else root
        for candidate in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.isfile(candidate):
                return candidate
        if not parts:
            for name in ("lib.rs", "main.rs"):
                if os.path.isfile(os.path.join(root, name)):
                    return os.path.join(root, name)
            return None
        parts = parts[:-1]


def edges(root, path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", text)
    here = module_of(root, path)
    found = set()

    def resolve(anchor, segments):
        # `self` is this module; `super` its parent (in `a/b.rs` and `a/b/mod.rs` alike).
        base = [] if anchor == "crate" else list(here) if anchor == "self" else list(here[:-1])
        target = file_of(root, base + [s for s in segments if s])
        if target and os.path.abspath(target) != os.path.abspath(path):
            found.add(target)

    for anchor, prefix, group in USE_GROUP.findall(text):
        for item in re.split(r",", group):
            item = item.strip().split(" as ")[0]
            if not item or item.startswith("{"):
                continue
            segments = prefix.strip(":").split("::") + item.split("::")
            resolve(anchor, [s for s in segments if s and s != "self"])
    for anchor, tail in PATH.findall(text):
        segments = tail.strip(":").split("::")
        # `super::super::x`
        extra = 0
        while segments and segments[0] == "super":
            segments = segments[1:]
            extra += 1
        if anchor == "super" and extra:
            parts = list(here[:-1 - extra])
            target = file_of(root, parts + segments)
            if target and os.path.abspath(target) != os.path.abspath(path):
                found.add(target)
            continue
        resolve(anchor, segments)
    return found


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = []
    for crate in CRATES:
        root = os.path.join(top, crate)
        graph = {}
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if not name.endswith(".rs") or name == "tests.rs" or name.endswith("_tests.rs") \
                        or f"{os.sep}tests{os.sep}" in os.sep + rel:
                    continue
                graph[path] = {
                    t for t in edges(root, path)
                    if not os.path.basename(t) == "tests.rs"
                }
        for comp in sccs(graph):
            if len(comp) > 1:
                bad.append(sorted(os.path.relpath(p, top) for p in comp))
    for comp in bad:
        print("import cycle: " + " <-> ".join(comp))
    print(f"{len(bad)} import cycle(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
