#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layering check: reads the symbols of the built objects (nm) and fails,
naming the symbols, on

  - a cycle between object files (a calls b and b calls a, directly or
    around a longer loop), in lib/ and daemon/;
  - a cycle between lib/ folders, by symbols or by #include lines, or a
    folder that uses one above it in lib/layers.mk's order;
  - an #include of another folder's private header (NAME_int.h, NAME_priv.h),
    or a folder with more than one private header;
  - a pure object (PURE_SRCS in lib/*/files.mk) that calls a glue object, an
    external library or a libc function that makes a system call;
  - a source or header in lib/ or daemon/, outside lib/vrrp/, that reaches
    into the state machine of struct instance (`fsm.`, `fsm->`, `->fsm`,
    `.fsm`, comments and strings aside) instead of calling the instance's
    queries and setters (lib/vrrp/instance.h). A text check: it knows no
    types, so any member or variable named fsm outside lib/vrrp/ counts.

Usage: check.py BUILD_DIR [REPO_DIR]
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

# libc functions that compute, format into memory or allocate, and never
# enter the kernel. A pure object may call these and nothing else outside
# the pure objects. Stream writers are allowed because a pure formatter
# writes to a FILE the caller opened (often open_memstream).
PURE_LIBC = set("""
memcpy memmove memset memcmp memchr memmem memrchr strlen strnlen strcmp strncmp
strcasecmp strncasecmp strchr strrchr strchrnul strstr strspn strcspn strpbrk
strcpy strncpy strcat strncat strdup strndup strtok_r stpcpy
snprintf vsnprintf sprintf vsprintf sscanf __isoc99_sscanf __isoc23_sscanf
strtol strtoul strtoll strtoull strtod strtof strtoimax strtoumax
__isoc23_strtol __isoc23_strtoul __isoc23_strtoll __isoc23_strtoull
malloc calloc realloc free reallocarray qsort bsearch abs labs llabs
__ctype_b_loc __ctype_tolower_loc __ctype_toupper_loc tolower toupper
inet_ntop inet_pton htons htonl ntohs ntohl
fprintf vfprintf fputc fputs fwrite putc open_memstream fflush fclose ferror
gmtime_r strftime
__errno_location __stack_chk_fail __assert_fail abort
__memcpy_chk __memmove_chk __memset_chk __strcpy_chk __strncpy_chk __strcat_chk
__strncat_chk __snprintf_chk __vsnprintf_chk __sprintf_chk __vsprintf_chk
__fprintf_chk __vfprintf_chk __printf_chk
""".split())
SANITIZER = re.compile(r"^(__asan_|__ubsan_|__sanitizer_|__lsan_|_GLOBAL_OFFSET_TABLE_)")

def nm_symbols(obj):
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind in "Uwv":
            undefined.add(name)
        elif kind in "TDBRCGSWVi":
            defined.add(name)
    return defined, undefined - defined

def read_files_mk(repo):
    pure, glue = set(), set()
    for d in lib_folders(repo):
        mk = os.path.join(repo, "lib", d, "files.mk")
        if not os.path.isfile(mk):
            continue
        text = open(mk).read().replace("\\\n", " ")
        for m in re.finditer(r"^(PURE|GLUE)_SRCS\s*\+=(.*)$", text, re.M):
            target = pure if m.group(1) == "PURE" else glue
            target.update(m.group(2).split())
    return pure, glue

def read_layers(repo):
    """The folder order of lib/layers.mk, lowest first; daemon/ on top."""
    text = open(os.path.join(repo, "lib", "layers.mk")).read()
    m = re.search(r"^LAYERS\s*:=(.*)$", text, re.M)
    layers = m.group(1).split() if m else []
    return {name: rank for rank, name in enumerate(layers + ["daemon"])}


def order_errors(rank, edges, what):
    """Edges {a: {b: why}} that go up or sideways in the folder order."""
    out = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if a not in rank or b not in rank:
                continue
            if rank[a] <= rank[b]:
                out.append(f"{a}/ uses {b}/ ({what}: "
                           f"{'; '.join(sorted(edges[a][b])[:3])}), but lib/layers.mk "
                           f"puts {a} below {b}")
    return out


def cycle_errors(edges, what, sep, most):
    """One error per strongly connected group of edges {a: {b: reasons}}."""
    out = []
    for comp in sccs({a: set(b) for a, b in edges.items()}):
        if len(comp) < 2:
            continue
        lines = [f"{what}: {' '.join(comp)}"]
        for a in comp:
            for b in comp:
                if b in edges.get(a, ()):
                    lines.append(f"  {a} -> {b}: {sep.join(sorted(edges[a][b])[:most])}")
        out.append("\n".join(lines))
    return out


def sccs(graph):
    """Tarjan's strongly connected components of {node: set(node)}."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out

def lib_folders(repo):
    lib = os.path.join(repo, "lib")
    return sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)))


def folder_of(src):
    parts = src.split("/")
    return parts[1] if parts[0] == "lib" else parts[0]

def include_edges(repo, sources):
    """{file: set(file)} from the #include "..." lines of lib/ sources."""
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    edges = defaultdict(set)
    for src in sources:
        for m in inc.finditer(open(os.path.join(repo, src)).read()):
            edges[src].add(m.group(1))
    return edges

# The state machine's fields are lib/vrrp's: elsewhere, instance.h's queries.
FSM_OWNER = "lib/vrrp/"
FSM_ACCESS = re.compile(r"\bfsm\s*(?:\.|->)\s*[A-Za-z_]|(?:->|\.)\s*fsm\b")
C_NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

def fsm_breaches(repo):
    """Lines outside lib/vrrp/ that touch an instance's struct vrrp_fsm."""
    out = []
    for top in ("lib", "daemon"):
        for root, _, files in os.walk(os.path.join(repo, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, repo)
                if rel.startswith(FSM_OWNER):
                    continue
                orig = open(path).read()
                # Blank comments and strings out, keeping the line breaks.
                text = C_NOISE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                                   orig)
                for n, (code, line) in enumerate(
                        zip(text.splitlines(), orig.splitlines()), 1):
                    if FSM_ACCESS.search(code):
                        out.append(f"{rel}:{n}: reaches into the VRRP state machine "
                                   f"({line.strip()}); call the instance's queries "
                                   f"and setters (lib/vrrp/instance.h) instead")
    return out

def main():
    build = sys.argv[1]
    repo = sys.argv[2] if len(sys.argv) > 2 else "."
    errors = []
    pure, glue = read_files_mk(repo)
    lib_srcs = set()
    for d in lib_folders(repo):
        for f in os.listdir(os.path.join(repo, "lib", d)):
            if f.endswith(".c"):
                lib_srcs.add(f"lib/{d}/{f}")
    for src in sorted(lib_srcs - pure - glue):
        errors.append(f"{src}: in neither PURE_SRCS nor GLUE_SRCS of its files.mk")
    for src in sorted(pure & glue):
        errors.append(f"{src}: in both PURE_SRCS and GLUE_SRCS")
    rank = read_layers(repo)
    for d in lib_folders(repo):
        if d not in rank:
            errors.append(f"lib/{d}/: not placed in lib/layers.mk")
    daemon_srcs = {f"daemon/{f}" for f in os.listdir(os.path.join(repo, "daemon"))
                   if f.endswith(".c") and f != "vipctl.c"}
    srcs = sorted(lib_srcs | daemon_srcs)

    defs, undefs, owner = {}, {}, {}
    for src in srcs:
        obj = os.path.join(build, src[:-2] + ".o")
        if not os.path.exists(obj):
            errors.append(f"{obj}: not built")
            continue
        defs[src], undefs[src] = nm_symbols(obj)
        for s in defs[src]:
            owner.setdefault(s, src)

    # Object graph: a -> b when a needs a symbol b defines.
    needs = defaultdict(lambda: defaultdict(set))
    for src, und in undefs.items():
        for s in und:
            o = owner.get(s)
            if o and o != src:
                needs[src][o].add(s)
    errors.extend(cycle_errors(needs, "cycle between files", ", ", 4))

    fneeds = defaultdict(lambda: defaultdict(set))
    for a, bs in needs.items():
        for b, syms in bs.items():
            fa, fb = folder_of(a), folder_of(b)
            if fa != fb:
                fneeds[fa][fb].update(f"{s} ({a} -> {b})" for s in syms)
    errors.extend(order_errors(rank, fneeds, "symbols"))
    errors.extend(cycle_errors(fneeds, "cycle between folders", "; ", 3))

    # Include graph between folders (headers included), and private headers.
    hdrs = [f"lib/{d}/{f}" for d in lib_folders(repo)
            for f in os.listdir(os.path.join(repo, "lib", d)) if f.endswith(".h")]
    inc = include_edges(repo, sorted(lib_srcs) + sorted(hdrs))
    iedges = defaultdict(lambda: defaultdict(set))
    for src, targets in inc.items():
        fa = folder_of(src)
        for t in targets:
            fb = t.split("/")[0] if "/" in t else fa
            base = os.path.basename(t)
            if fb != fa and re.search(r"_(int|priv)\.h$", base):
                errors.append(f"{src}: includes {t}, a private header of lib/{fb}/")
            if fb != fa:
                iedges[fa][fb].add(f"{src} includes {t}")
    private = defaultdict(list)
    for h in hdrs:
        if re.search(r"_(int|priv)\.h$", h):
            private[folder_of(h)].append(os.path.basename(h))
    for d, names in sorted(private.items()):
        if len(names) > 1:
            errors.append(f"lib/{d}/: {len(names)} private headers "
                          f"({', '.join(sorted(names))}), at most one a folder")
    errors.extend(order_errors(rank, iedges, "includes"))
    errors.extend(cycle_errors(iedges, "include cycle between folders", "; ", 3))

    # Pure objects: only other pure objects and computing libc.
    for src in sorted(pure & set(undefs)):
        for s in sorted(undefs[src]):
            o = owner.get(s)
            if o in pure or (o is None and (s in PURE_LIBC or SANITIZER.match(s))):
                continue
            where = f"glue object {o}" if o else "outside the pure set (a syscall or an external library)"
            errors.append(f"{src}: pure, but needs {s} from {where}")

    errors.extend(fsm_breaches(repo))

    for e in errors:
        print(f"layering: {e}")
    if errors:
        print(f"layering: {len(errors)} problem(s)")
        return 1
    print(f"layering: {len(srcs)} objects, {len(pure)} pure: no cycles, pure objects pure")
    return 0

if __name__ == "__main__":
    sys.exit(main())
