#!/usr/bin/env python3
"""Checks that no crate of the workspace has a module import cycle.

For every module, its child modules form a graph: an edge A -> B when any file of A's subtree
names a path inside B (`use crate::b::..`, `crate::b::x(..)`, `super::b`, `self::b`, or a
name that a parent re-exports from B). A cycle among siblings means neither can be read,
tested or moved without the other, so each one is reported and the script exits 1. A parent
naming its own children is composition, not a cycle, and is not counted.

    python3 scripts/check-modules.py [--root DIR] [--verbose]

It also reports hand-written source files over 1,500 lines (generated code under `generated/`
and `OUT_DIR` is not counted). Reads files as text; it is a lint, not a compiler: macro-made
paths are not seen.
"""

import argparse
import os
import re
import sys

MAX_LINES = 1500
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    out = []
    for line in src.splitlines():
        # Drop // comments (doc comments included) but keep string contents roughly intact.
        i = line.find("//")
        out.append(line if i < 0 else line[:i])
    return "\n".join(out)


class Crate:
    def __init__(self, src_dir, root_file):
        self.src_dir = src_dir
        self.modules = {}  # module path tuple -> file
        self.reexports = {}  # (module path, name) -> module path tuple it comes from
        self._load(root_file, ())

    def _load(self, path, modpath):
        self.modules[modpath] = path
        text = strip_comments(open(path, encoding="utf-8").read())
        if os.path.basename(path) in ("lib.rs", "main.rs", "mod.rs"):
            base = os.path.dirname(path)
        else:
            base = os.path.splitext(path)[0]
        for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", text, re.M):
            name = m.group(1)
            for cand in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
                if os.path.exists(cand):
                    self._load(cand, modpath + (name,))
                    break

    def resolve(self, modpath, segments):
        """The longest known module path named by `segments` used inside `modpath`."""
        if not segments:
            return None
        head, rest = segments[0], segments[1:]
        if head == "crate":
            base = ()
        elif head == "self":
            base = modpath
        elif head == "super":
            base = modpath
            while segments and segments[0] == "super":
                base = base[:-1]
                segments = segments[1:]
            rest = segments
        else:
            return None
        cur = base
        for seg in rest:
            if cur + (seg,) in self.modules:
                cur = cur + (seg,)
            elif (cur, seg) in self.reexports:
                return self.reexports[(cur, seg)]
            else:
                break
        return cur


def use_paths(text):
    """Every `crate::`/`super::`/`self::` path in the text, as segment lists, with `{}`
    groups of `use` items expanded."""
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text, re.S):
        paths.extend(expand(m.group(1).replace("\n", " ")))
    body = re.sub(r"\buse\s+[^;]+;", "", text, flags=re.S)
    for m in re.finditer(r"\b((?:crate|super|self)(?:\s*::\s*" + IDENT + r")+)", body):
        paths.append([s.strip() for s in m.group(1).split("::")])
    return [p for p in paths if p and p[0] in ("crate", "super", "self")]


def expand(tree):
    tree = tree.strip()
    if tree.startswith("::"):
        tree = tree[2:]
    i = tree.find("{")
    if i < 0:
        tree = re.sub(r"\s+as\s+" + IDENT + r"$", "", tree)
        return [[s.strip() for s in tree.split("::") if s.strip() and s.strip() != "*"]]
    prefix = [s.strip() for s in tree[:i].split("::") if s.strip()]
    inner = tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip() == "self":
            out.append(prefix)
        elif p.strip():
            out.extend(prefix + sub for sub in expand(p))
    return out


def collect_reexports(crate):
    for modpath, path in crate.modules.items():
        text = strip_comments(open(path, encoding="utf-8").read())
        for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", text, re.S):
            for segs in expand(m.group(1).replace("\n", " ")):
                if not segs:
                    continue
                if segs[0] not in ("crate", "super", "self"):
                    segs = ["self"] + segs
                target = crate.resolve(modpath, segs[:-1] if len(segs) > 1 else segs)
                if target is not None and target != modpath:
                    crate.reexports[(modpath, segs[-1])] = target


def cycles_in(crate, verbose):
    children = {}
    for mp in crate.modules:
        if mp:
            children.setdefault(mp[:-1], []).append(mp)
    found = []
    refs = {}
    for modpath, path in crate.modules.items():
        text = strip_comments(open(path, encoding="utf-8").read())
        refs[modpath] = set()
        for segs in use_paths(text):
            t = crate.resolve(modpath, segs)
            if t is not None:
                refs[modpath].add(t)
    for parent, kids in children.items():
        edges = {k: set() for k in kids}
        for src in crate.modules:
            a = next((k for k in kids if src[: len(k)] == k), None)
            if a is None:
                continue
            for t in refs[src]:
                b = next((k for k in kids if t[: len(k)] == k), None)
                if b is not None and b != a:
                    edges[a].add(b)
        for comp in sccs(edges):
            if len(comp) > 1:
                found.append((parent, sorted(comp)))
                if verbose:
                    for a in comp:
                        for b in edges[a] & set(comp):
                            print(f"    {'::'.join(a)} -> {'::'.join(b)}")
    return found


def sccs(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
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
    for v in edges:
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    bad = 0
    crates_dir = os.path.join(root, "crates")
    for name in sorted(os.listdir(crates_dir)):
        src = os.path.join(crates_dir, name, "src")
        for root_file in ("lib.rs", "main.rs"):
            path = os.path.join(src, root_file)
            if not os.path.exists(path):
                continue
            crate = Crate(src, path)
            collect_reexports(crate)
            for parent, comp in cycles_in(crate, args.verbose):
                where = "::".join(("crate",) + parent)
                names = ", ".join("::".join(c[len(parent):]) for c in comp)
                print(f"{name}/{root_file}: import cycle under {where}: {names}")
                bad += 1
        for dirpath, _, files in os.walk(src):
            if "generated" in dirpath.split(os.sep):
                continue
            for f in files:
                if f.endswith(".rs"):
                    p = os.path.join(dirpath, f)
                    n = sum(1 for _ in open(p, encoding="utf-8"))
                    if n > MAX_LINES:
                        print(f"{os.path.relpath(p, root)}: {n} lines (over {MAX_LINES})")
                        bad += 1
    if bad:
        print(f"{bad} problem(s)")
        return 1
    print("no module import cycles; no hand-written source file over %d lines" % MAX_LINES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
