# SPDX-License-Identifier: GPL-2.0-or-later
"""The layering check must fail on what it is there to catch: a tiny tree of
two folders is built with a planted cycle, a planted syscall in a pure file
and a planted private-header include, and each must be reported. A clean
tree must pass. Runs with plain python3 (make layering) or pytest."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check.py")

def make_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    for path in files:
        if path.endswith(".c"):
            obj = os.path.join(root, "build", path[:-2] + ".o")
            os.makedirs(os.path.dirname(obj), exist_ok=True)
            subprocess.run(["cc", "-c", "-I", os.path.join(root, "lib"), "-o", obj,
                            os.path.join(root, path)], check=True)

CLEAN = {
    "lib/layers.mk": "LAYERS := a b\n",
    "lib/a/files.mk": "PURE_SRCS += lib/a/one.c\n",
    "lib/a/one.h": "int one(int);\n",
    "lib/a/one.c": '#include <string.h>\n#include "a/one.h"\n'
                   "int one(int x) { return x + (int)strlen(\"x\"); }\n",
    "lib/b/files.mk": "GLUE_SRCS += lib/b/two.c\n",
    "lib/b/two.h": "int two(void);\n",
    "lib/b/two.c": '#include <unistd.h>\n#include "a/one.h"\n#include "b/two.h"\n'
                   "int two(void) { return one((int)getpid()); }\n",
    "daemon/main.c": '#include "b/two.h"\nint main(void) { return two(); }\n',
}

def run_check(files):
    with tempfile.TemporaryDirectory(prefix="vipd-layering-") as root:
        make_tree(root, files)
        p = subprocess.run([sys.executable, CHECK, os.path.join(root, "build"), root],
                           capture_output=True, text=True)
        return p.returncode, p.stdout

def planted(**changes):
    files = dict(CLEAN)
    files.update(changes)
    return files

def test_clean_tree_passes():
    rc, out = run_check(CLEAN)
    assert rc == 0, out

def test_planted_folder_cycle_is_named():
    rc, out = run_check(planted(**{
        "lib/a/one.c": '#include "a/one.h"\n#include "b/two.h"\n'
                       "int one(int x) { return x ? x : two(); }\n",
        "lib/a/files.mk": "GLUE_SRCS += lib/a/one.c\n"}))
    assert rc == 1 and "cycle between folders: a b" in out and "two (lib/a/one.c" in out, out

def test_a_folder_using_one_above_it_is_named():
    rc, out = run_check(planted(**{"lib/layers.mk": "LAYERS := b a\n"}))
    assert rc == 1 and "b/ uses a/ (symbols: one" in out and "puts b below a" in out, out

def test_a_folder_missing_from_the_order_is_named():
    rc, out = run_check(planted(**{"lib/layers.mk": "LAYERS := a\n"}))
    assert rc == 1 and "lib/b/: not placed in lib/layers.mk" in out, out

def test_planted_cycle_between_two_files_of_a_folder_is_named():
    rc, out = run_check(planted(**{
        "lib/a/files.mk": "PURE_SRCS += lib/a/one.c lib/a/three.c\n",
        "lib/a/three.c": '#include "a/one.h"\nint three(int);\n'
                         "int three(int x) { return x > 9 ? x : one(x + 1); }\n",
        "lib/a/one.c": '#include "a/one.h"\nint three(int);\n'
                       "int one(int x) { return x < 0 ? x : three(x); }\n"}))
    assert rc == 1 and "cycle between files: lib/a/one.c lib/a/three.c" in out, out

def test_planted_syscall_in_a_pure_file_is_named():
    rc, out = run_check(planted(**{
        "lib/a/one.c": '#include <unistd.h>\n#include "a/one.h"\n'
                       "int one(int x) { return x + (int)getppid(); }\n"}))
    assert rc == 1 and "lib/a/one.c: pure, but needs getppid" in out, out

def test_planted_private_header_include_is_named():
    rc, out = run_check(planted(**{
        "lib/a/one_priv.h": "#define ONE_PRIV 1\n",
        "lib/b/two.c": '#include "a/one_priv.h"\n#include "a/one.h"\n#include "b/two.h"\n'
                       "int two(void) { return one(ONE_PRIV); }\n"}))
    assert rc == 1 and "a private header of lib/a/" in out, out

def test_second_private_header_in_a_folder_is_named():
    rc, out = run_check(planted(**{"lib/a/one_priv.h": "\n", "lib/a/two_int.h": "\n"}))
    assert rc == 1 and "lib/a/: 2 private headers" in out, out

def test_file_in_no_list_is_named():
    rc, out = run_check(planted(**{"lib/b/files.mk": ""}))
    assert rc == 1 and "lib/b/two.c: in neither PURE_SRCS nor GLUE_SRCS" in out, out

if __name__ == "__main__":
    failed = 0
    tests = [(n, f) for n, f in sorted(globals().items())
             if n.startswith("test_") and callable(f)]
    for name, fn in tests:
        try:
            fn()
            print(f"ok {name}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
