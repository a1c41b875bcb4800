#!/usr/bin/env python3
"""Fails when source files of one crate import each other, directly or through a loop, or when a
module imports its parent module.

Every crate root in the repository is read (each directory holding a `lib.rs` or `main.rs`
outside `target/`: the binary, `crates/*`, `scripts/envoy-differential`, the fuzz and bench
targets). In each `.rs` file, `use crate::…`, `use super::…`, `use self::…`, inline `crate::a::b`
paths and bare paths into the file's own child modules (`check::run` where the file declares
`mod check;`) resolve to the file that defines the deepest module named. Reported, and failing:
each strongly connected component of more than one file (a loop), and each import of a file's
parent module (the file that declares it) — a parent calls into its children, never the other
way. `mod` declarations are not imports; test modules (`tests.rs`, `tests/`, `*_tests.rs`) are
skipped, since they sit beside what they test.
"""
import os
import re
import sys

SKIP_DIRS = {"target", ".git", "node_modules"}
# A whole path (never a prefix of a longer one), and not the head of a `use a::b::{…}` group
# (that is USE_GROUP's).
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)(?![A-Za-z0-9_])(?!::[A-Za-z_{])")
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
    # Bare paths into this file's own child modules (`mod check;` … `check::run()`).
    children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;", text, re.M))
    for child in children:
        if re.search(r"(?<![:\w])" + child + r"::", text):
            base = list(here)
            target = file_of(root, base + [child])
            if target and os.path.abspath(target) != os.path.abspath(path):
                found.add(target)
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


def crate_roots(top):
    """Directories holding a crate root (`lib.rs` or `main.rs`), outside build output."""
    roots = []
    for dirpath, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        if "lib.rs" in files or "main.rs" in files:
            roots.append(dirpath)
    return roots


def parent_of(root, path):
    """The file that declares the module of `path` (`None` for the crate root)."""
    here = module_of(root, path)
    if not here:
        return None
    return file_of(root, here[:-1])


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    loops, upward = [], []
    for root in crate_roots(top):
        graph = {}
        for dirpath, dirs, files in os.walk(root):
            # A nested crate root is a crate of its own.
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS
                       and not any(os.path.isfile(os.path.join(dirpath, d, f))
                                   for f in ("lib.rs", "main.rs", "Cargo.toml"))]
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
                loops.append(sorted(os.path.relpath(p, top) for p in comp))
        for path, targets in sorted(graph.items()):
            parent = parent_of(root, path)
            if parent and os.path.abspath(parent) in {os.path.abspath(t) for t in targets}:
                upward.append((os.path.relpath(path, top), os.path.relpath(parent, top)))
    for comp in loops:
        print("import cycle: " + " <-> ".join(comp))
    for child, parent in upward:
        print(f"child imports its parent: {child} -> {parent}")
    print(f"{len(loops)} import cycle(s), {len(upward)} child-to-parent import(s)")
    return 1 if loops or upward else 0


if __name__ == "__main__":
    sys.exit(main())
