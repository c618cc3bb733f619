# SPDX-License-Identifier: GPL-2.0-or-later
"""
The documentation, as facts: the man pages are valid roff without a
warning and installed where `make install` puts them; vipd.conf(5) has an
entry for every key the parser accepts, in that key's section, and
etc/vipd.conf sets or shows each one (the keys come from the parser's own
tables, lib/conf/conf_keys.c, through `test_conf_keys --list`); every key
table in lib/conf is in that registry; the options, commands and exit
statuses of the contract are documented; the README stays short and the
commands it gives exist.
"""

import glob
import os
import re
import shutil
import subprocess

import pytest

import conftest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.path.join(REPO, "man")
PAGES = ("vipd.8", "vipd.7", "vipctl.8", "vipd.conf.5")
README = os.path.join(REPO, "README.md")


def need(tool, package):
    """Skip without tool, or fail under make system (VIPD_REQUIRE_TOOLS=1:
    install-deps.sh installs package)."""
    if shutil.which(tool) is None:
        conftest.missing_tool("%s (%s) is not installed" % (tool, package))


def read(path):
    with open(path) as f:
        return f.read()


@pytest.mark.parametrize("page", PAGES)
def test_man_page_has_no_warnings(page):
    need("groff", "groff-base")
    res = subprocess.run(["groff", "-ww", "-z", "-man", os.path.join(MAN, page)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    need("man", "man-db")
    res = subprocess.run(["man", "--warnings", "-l", os.path.join(MAN, page)],
                         capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, MANWIDTH="80", MANPAGER="cat",
                                  PAGER="cat", LC_ALL="C.UTF-8"))
    assert res.returncode == 0 and res.stderr == "", res.stderr


# ---- roff source, read as a list of entries -------------------------------

def unroff(text):
    """A tag line's words without font macros, quotes and escapes."""
    text = re.sub(r"^\.(B|I|BR|BI|IB|RB|IR|RI)\s+", "", text)
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\(dq", "")
    return text.replace('"', " ")


def sections(page):
    """{(section, subsection): [source lines]} of a man page."""
    out, sh, ss = {}, None, None
    for line in read(os.path.join(MAN, page)).splitlines():
        if line.startswith(".SH "):
            sh, ss = line[4:].strip().strip('"'), None
        elif line.startswith(".SS "):
            ss = line[4:].strip().strip('"')
        out.setdefault((sh, ss), []).append(line)
    return out


def tags(lines):
    """The first word of every .TP tag."""
    return [unroff(lines[i + 1]).split()[0] for i in range(len(lines) - 1)
            if lines[i] == ".TP" and unroff(lines[i + 1]).split()]


# The headings of a man page that are not config sections.
MAN_SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLE", "EXAMPLES", "FILES",
                "SEE ALSO")


def documented_keys():
    """{section path: set of keys} from vipd.conf(5): a .SH names a
    top-level key (GLOBAL -> global), a .SS a group inside it
    (backends.check under VIRTUAL_SERVICES), a .TP tag one key."""
    keys = {".": set()}
    for (sh, ss), lines in sections("vipd.conf.5").items():
        if sh is None or sh in MAN_SECTIONS:
            continue
        top = sh.lower()
        keys["."].add(top)
        path = top if ss is None else top + "." + ss
        keys.setdefault(path, set()).update(tags(lines))
    return keys


def parser_keys():
    """[(section path, key)] from the parser's own tables."""
    build = os.path.dirname(os.environ.get("VIPD_BIN") or
                            os.path.join(REPO, "build", "vipd"))
    lister = os.path.join(build, "tests", "test_conf_keys")
    if not os.access(lister, os.X_OK):
        conftest.missing_tool("%s not built (make unit)" % lister)
    out = subprocess.run([lister, "--list"], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    pairs = [tuple(line.split()) for line in out.splitlines()]
    assert len(pairs) > 50 and all(len(p) == 2 for p in pairs), out
    return pairs


def test_every_parser_key_has_an_entry_in_vipd_conf_5():
    doc = documented_keys()
    missing = ["%s.%s" % (path, key) if path != "." else key
               for path, key in parser_keys() if key not in doc.get(path, ())]
    assert not missing, "vipd.conf(5) has no entry for: " + ", ".join(missing)


def test_every_documented_key_is_one_the_parser_accepts():
    known = {}
    for path, key in parser_keys():
        known.setdefault(path, set()).add(key)
    extra = ["%s.%s" % (path, key) for path, keys in documented_keys().items()
             for key in keys - known.get(path, set())]
    assert not extra, "vipd.conf(5) documents keys the parser refuses: " + \
        ", ".join(extra)


def test_every_parser_key_is_in_the_annotated_sample():
    sample = read(os.path.join(REPO, "etc", "vipd.conf"))
    missing = ["%s.%s" % (path, key) for path, key in parser_keys()
               if not re.search(r"(^|[\s{(#;])%s\s*=" % re.escape(key), sample, re.M)]
    assert not missing, "etc/vipd.conf does not show: " + ", ".join(missing)


def test_every_key_table_in_lib_conf_is_in_the_registry():
    """A key list of a parser that conf_keys.c does not name would be
    invisible to the tests above."""
    conf = os.path.join(REPO, "lib", "conf")
    registry = read(os.path.join(conf, "conf_keys.c"))
    tables, hidden = [], []
    for name in sorted(os.listdir(conf)):
        if name.endswith(".c") and name != "conf_keys.c":
            for m in re.finditer(r"^(static\s+)?const\s+char\s*\*\s*const\s+"
                                 r"(\w*_keys)\s*\[\s*\]", read(os.path.join(conf, name)),
                                 re.M):
                tables.append(m.group(2))
                if m.group(1) or not re.search(r"\b%s\b" % m.group(2), registry):
                    hidden.append("%s in %s" % (m.group(2), name))
    assert len(tables) >= 14, tables
    assert not hidden, "key tables missing from lib/conf/conf_keys.c: " + \
        ", ".join(hidden)


# ---- the contract's options, commands and exit statuses ------------------

def test_vipd_8_documents_every_option_and_signal():
    vipd = "\n".join(unroff(l) for l in read(os.path.join(MAN, "vipd.8")).splitlines())
    for word in ("--config", "--foreground", "--config-test", "--pid-file",
                 "--state-dir", "--log-level", "--version", "--help", "SIGHUP",
                 "SIGUSR1", "SIGUSR2", "SIGTERM", "vipd.data", "vipd.json",
                 "vipd.stats", "vipd.sock", "EXIT STATUS"):
        assert word in vipd, word


def test_vipctl_8_documents_every_command_and_exit_status():
    page = sections("vipctl.8")
    commands = tags(page[("COMMANDS", None)])
    for word in ("status", "dump", "stats", "reload", "conns", "drill", "fault"):
        assert word in commands, word
    assert tags(page[("EXIT STATUS", None)]) == ["0", "1", "2"]
    protocol = "\n".join(page[("PROTOCOL", None)])
    for word in ('"command"', '"args"', '"ok"', '"error"', '"result"', '"text"',
                 "4096"):
        assert word in protocol, word


def test_make_install_puts_man_pages_in_place(tmp_path):
    res = subprocess.run(["make", "-s", "-C", REPO, "install-man",
                          "DESTDIR=%s" % tmp_path, "PREFIX=/usr"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    for page in PAGES:
        path = tmp_path / "usr" / "share" / "man" / ("man" + page[-1]) / page
        assert path.read_text() == read(os.path.join(MAN, page))
    # ... and `make install` runs that step.
    res = subprocess.run(["make", "-n", "-C", REPO, "install",
                          "DESTDIR=%s" % tmp_path], capture_output=True,
                         text=True, timeout=60)
    assert "man/vipd.conf.5" in res.stdout, res.stdout


# ---- README ----------------------------------------------------------------

def test_readme_is_short_and_gives_the_two_set_up_commands():
    text = read(README)
    assert len(text.splitlines()) <= 200
    for command in ("sh contrib/install-deps.sh && make demo",
                    "sh contrib/install-deps.sh && make check"):
        assert "\n    %s\n" % command in text, command
    # .ci/run calls the test command the README gives.
    assert "sh contrib/install-deps.sh && make check" in \
        read(os.path.join(REPO, ".ci", "run"))


def test_readme_commands_exist():
    text = read(README)
    # make targets the README shows as commands (in backquotes or indented).
    targets = set(re.findall(r"(?:`|^    (?:.*&& )?)make ([a-z][\w-]*)", text, re.M))
    assert targets, "no make target named"
    for target in sorted(targets):
        res = subprocess.run(["make", "-n", "-C", REPO, target], capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 0, "make %s: %s" % (target, res.stderr)
    for path in re.findall(r"`((?:contrib|etc|man|tests|lib)/[\w./*-]+)`", text):
        assert glob.glob(os.path.join(REPO, path)), path
