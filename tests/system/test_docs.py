# SPDX-License-Identifier: GPL-2.0-or-later
"""
The man pages: valid roff without a warning, every option, command and key
of the contract documented, and installed where `make install` puts them.
"""

import os
import re
import shutil
import subprocess

import pytest

import conftest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.path.join(REPO, "man")
PAGES = ("vipd.8", "vipctl.8", "vipd.conf.5")


def need(tool, package):
    """Skip without tool, or fail under make system (VIPD_REQUIRE_TOOLS=1:
    install-deps.sh installs package)."""
    if shutil.which(tool) is None:
        conftest.missing_tool("%s (%s) is not installed" % (tool, package))


def rendered(page):
    res = subprocess.run(["groff", "-man", "-Tutf8", "-P-c", "-ww",
                          os.path.join(MAN, page)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    # Drop overstrike and hyphen characters so words can be searched.
    return re.sub(r".\x08", "", res.stdout).replace("\u2010", "-").replace("\u2212", "-")


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


def test_man_pages_cover_the_contract():
    need("groff", "groff-base")
    vipd = rendered("vipd.8")
    for word in ("--config", "--foreground", "--config-test", "--pid-file",
                 "--state-dir", "--log-level", "--version", "--help", "SIGHUP",
                 "SIGUSR1", "SIGUSR2", "SIGTERM", "vipd.data", "vipd.json",
                 "vipd.stats", "vipd.sock", "EXIT STATUS", "metrics_listen"):
        assert word in vipd, word
    vipctl = rendered("vipctl.8")
    for word in ("status [--json]", "dump", "stats [--json]", "reload",
                 "conns [--json]", "drill instance [--hold seconds]",
                 "fault instance on|off", "EXIT STATUS", '"command"', '"args"',
                 '"ok"', '"error"', '"result"', '"text"', "4096"):
        assert word in vipctl, word
    for code in ("0", "1", "2"):
        assert re.search(r"^\s+%s\s+(The\s+request|vipd\s+could\s+not)" % code,
                         vipctl, re.M), code
    conf = rendered("vipd.conf.5")
    for key in ("router_id", "state_dir", "script_user", "handover", "notify_fifo",
                "metrics_listen", "metrics_allow_remote", "vrrp_instances",
                "interface", "vrid", "version", "priority", "advert_interval_ms",
                "preempt", "preempt_delay_ms", "accept_mode", "use_vmac",
                "unicast_src", "unicast_peers", "authentication", "addresses",
                "garp", "track_interfaces", "track_scripts", "track_files",
                "notify", "sync_groups", "members", "command", "rise", "fall",
                "virtual_services", "scheduler", "persistence_s", "quorum",
                "sorry_server", "backends", "check", "expect_status",
                "conn_sync", "key_file", "follow"):
        assert re.search(r"\b%s\b" % key, conf), key


def test_make_install_puts_man_pages_in_place(tmp_path):
    res = subprocess.run(["make", "-s", "-C", REPO, "install-man",
                          "DESTDIR=%s" % tmp_path, "PREFIX=/usr"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    for page in PAGES:
        path = tmp_path / "usr" / "share" / "man" / ("man" + page[-1]) / page
        assert path.read_text() == open(os.path.join(MAN, page)).read()
    # ... and `make install` runs that step.
    res = subprocess.run(["make", "-n", "-C", REPO, "install",
                          "DESTDIR=%s" % tmp_path], capture_output=True,
                         text=True, timeout=60)
    assert "man/vipd.conf.5" in res.stdout, res.stdout
