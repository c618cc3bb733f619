# SPDX-License-Identifier: GPL-2.0-or-later
"""
The Debian package: `make deb` builds it from an exported tree
(contrib/debian), with every file where the unit, the SysV script and the
man pages say, /etc/vipd mode 0750 holding the sample as a conffile,
maintainer scripts that start nothing on install, and lintian clean (the
remaining tags overridden with their reason in contrib/debian).
"""

import os
import re
import shutil
import subprocess

import pytest

import conftest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def need(tool, package):
    if shutil.which(tool) is None:
        conftest.missing_tool("%s (%s) is not installed" % (tool, package))


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    for tool, package in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper"),
                          ("fakeroot", "fakeroot"), ("git", "git")):
        need(tool, package)
    if not os.path.isdir(os.path.join(REPO, ".git")) and \
            not os.path.isfile(os.path.join(REPO, ".git")):
        pytest.skip("not a git checkout: make deb exports with git archive")
    out = tmp_path_factory.mktemp("deb")
    res = subprocess.run(["make", "-C", REPO, "deb", "BUILD=%s" % out],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    debs = [f for f in os.listdir(out) if re.match(r"vipd_[^_]+_[^_]+\.deb$", f)]
    assert len(debs) == 1, os.listdir(out)
    return out, os.path.join(out, debs[0])


def _changelog_version():
    with open(os.path.join(REPO, "contrib", "debian", "changelog")) as f:
        return re.match(r"vipd \(([^)]+)\)", f.readline()).group(1)


def test_package_holds_every_file_where_the_unit_expects_it(deb, tmp_path):
    out, path = deb
    version = _changelog_version()
    assert os.path.basename(path).startswith("vipd_%s_" % version)
    listing = subprocess.run(["dpkg-deb", "-c", path], capture_output=True,
                             text=True, check=True).stdout
    entries = {}
    for line in listing.splitlines():
        fields = line.split()
        entries[fields[-1].lstrip(".").rstrip("/") or "/"] = fields[0]
    for want in ("/usr/sbin/vipd", "/usr/sbin/vipctl", "/etc/init.d/vipd",
                 "/lib/systemd/system/vipd.service", "/etc/vipd/vipd.conf",
                 "/usr/share/man/man8/vipd.8.gz", "/usr/share/man/man8/vipctl.8.gz",
                 "/usr/share/man/man5/vipd.conf.5.gz", "/usr/share/man/man7/vipd.7.gz",
                 "/usr/share/doc/vipd/copyright",
                 # `ip route show proto vipd` (announce, vipd(7))
                 "/etc/iproute2/rt_protos.d/vipd.conf"):
        assert want in entries, (want, listing)
    assert entries["/etc/vipd"] == "drwxr-x---", entries["/etc/vipd"]
    assert entries["/usr/sbin/vipd"] == "-rwxr-xr-x"
    # No build tree, tests or VCS leaked in.
    assert not any(p.startswith(("/usr/src", "/build")) or ".git" in p for p in entries)

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", path, str(root)], check=True)
    unit = (root / "lib/systemd/system/vipd.service").read_text()
    assert "Type=notify" in unit and "WatchdogSec=" in unit
    assert "/usr/local" not in unit
    # Every absolute path the unit runs or reads is in the package.
    for exe in re.findall(r"^Exec\w+=(/\S+)", unit, re.M):
        if exe != "/bin/kill":
            assert (root / exe.lstrip("/")).is_file(), exe
    for conf in re.findall(r"-f (/\S+)", unit):
        assert (root / conf.lstrip("/")).is_file(), conf
    init = (root / "etc/init.d/vipd").read_text()
    assert "DAEMON=${DAEMON:-/usr/sbin/vipd}" in init
    assert "VIPCTL=${VIPCTL:-/usr/sbin/vipctl}" in init

    # The packaged binary is this version and accepts the packaged sample.
    vipd = str(root / "usr/sbin/vipd")
    res = subprocess.run([vipd, "-V"], capture_output=True, text=True)
    assert res.stdout.strip() == "vipd %s" % version.split("-")[0], res.stdout
    res = subprocess.run([vipd, "-t", "-f", str(root / "etc/vipd/vipd.conf")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_package_scripts_start_nothing_and_keep_the_config(deb, tmp_path):
    out, path = deb
    ctl = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", path, str(ctl)], check=True)
    conffiles = (ctl / "conffiles").read_text().split()
    assert "/etc/vipd/vipd.conf" in conffiles and "/etc/init.d/vipd" in conffiles
    assert "/etc/iproute2/rt_protos.d/vipd.conf" in conffiles, conffiles
    postinst = (ctl / "postinst").read_text()
    assert "chmod 0750 /etc/vipd" in postinst
    # The sample holds an example VIP: installing must not start vipd.
    for script in ("postinst", "preinst", "postrm", "prerm"):
        if (ctl / script).exists():
            text = (ctl / script).read_text()
            assert not re.search(r"(invoke-rc\.d|deb-systemd-invoke)[^\n]*\bstart\b",
                                 text), (script, text)
            # Not enabled on install either: only what the operator had
            # enabled before (an upgrade) is enabled again.
            lines = text.splitlines()
            for i, line in enumerate(lines):
                if "deb-systemd-helper enable" in line:
                    assert any("was-enabled" in x for x in lines[max(0, i - 3):i]), \
                        (script, text)
    assert "update-rc.d vipd defaults-disabled" in postinst, postinst
    # dh's start on install reads "_dh_action=start; deb-systemd-invoke
    # $_dh_action": the postinst must invoke no service at all.
    assert "deb-systemd-invoke" not in postinst and "invoke-rc.d" not in postinst, \
        postinst
    res = subprocess.run(["sh", "-n", str(ctl / "postinst")], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr


def test_package_is_lintian_clean(deb):
    need("lintian", "lintian")
    out, path = deb
    res = subprocess.run(["lintian", "--pedantic", path], capture_output=True,
                         text=True, timeout=300)
    tags = [line for line in res.stdout.splitlines() if re.match(r"[EWIP]: ", line)]
    assert tags == [], "\n".join(tags)
