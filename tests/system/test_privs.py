# SPDX-License-Identifier: GPL-2.0-or-later
"""
Privileges: vipd needs CAP_NET_ADMIN and CAP_NET_RAW, nothing else, to run
a pair (scripts add CAP_SETUID, CAP_SETGID and CAP_KILL); once its sockets
are open it drops every capability it never needs, from its own sets and
from its bounding set, so nothing it executes later can get them back.
Without either of the two it refuses to start, naming the one missing;
the scripts it runs hold at most the kept set (none as script_user).
"""

import os
import shutil
import signal
import subprocess

import pytest

import conftest
from vipnet import wait_until, write_script

CAPSH = shutil.which("capsh")

# linux/capability.h
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW = 10, 12, 13
KEPT = {CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_NET_ADMIN,
        CAP_NET_RAW}
NEEDED = {CAP_NET_ADMIN, CAP_NET_RAW}


@pytest.fixture
def capsh():
    """capsh, which these tests run vipd under; missing, they skip (fail
    under make system: install-deps.sh installs libcap2-bin)."""
    if CAPSH is None:
        conftest.missing_tool("capsh (libcap2-bin) is not installed")
    return CAPSH


def cap_sets(pid):
    """{"CapEff": set of capability numbers, "CapBnd": ..., ...} of pid."""
    sets = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.startswith("Cap"):
                mask = int(value.strip(), 16)
                sets[key] = {bit for bit in range(64) if mask >> bit & 1}
    return sets


def settle(master, backup):
    wait_until(lambda: master.has_vip() and master.state() == "MASTER", 15,
               "%s to be master with the VIP" % master.name)
    wait_until(lambda: backup.state() == "BACKUP" and not backup.has_vip(), 15,
               "%s to be backup without the VIP" % backup.name)


def test_running_vipd_keeps_only_the_capabilities_it_needs(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, b)
    sets = cap_sets(a.pid)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    # Started with everything root has, the running daemon holds the kept
    # few in every set that matters, and nothing else.
    assert sets["CapBnd"] == KEPT & set(range(last + 1)), sets
    assert sets["CapEff"] == KEPT and sets["CapPrm"] == KEPT, sets
    assert sets["CapInh"] == set() and sets["CapAmb"] == set(), sets
    assert "privileges: kept cap_net_admin,cap_net_raw" in a.log_text()
    # And it still does its job with them: hand-over and take-back.
    a.host.link_set("down")
    wait_until(b.has_vip, 15, "b to take over while a's link is down")
    a.host.link_set("up")
    settle(a, b)
    a.kill(signal.SIGHUP)          # a reload, and dumps, after the drop
    wait_until(lambda: "reload: configuration accepted" in a.log_text(), 10,
               "a to reload")
    assert a.stats()["instances"]["ext"]["adverts_sent"] > 0


def test_vipd_runs_a_pair_with_only_net_admin_and_net_raw(capsh, lan, tmp_path):
    a, b, client = lan
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    # Every capability of this kernel but the two.
    drop = ",".join(_capsh_name(c) for c in range(last + 1) if c not in NEEDED)
    wrapper = tmp_path / "vipd-capsh"
    wrapper.write_text("#!/bin/sh\nexec %s --drop=%s -- -c 'exec \"$0\" \"$@\"' %s \"$@\"\n"
                       % (CAPSH, drop, a.topo.vipd_bin))
    wrapper.chmod(0o755)
    plain = a.topo.vipd_bin
    a.topo.vipd_bin = str(wrapper)
    try:
        a.start()
    finally:
        a.topo.vipd_bin = plain
    b.start()
    settle(a, b)
    sets = cap_sets(a.pid)
    assert sets["CapBnd"] == NEEDED, sets
    assert sets["CapEff"] == NEEDED, sets
    assert "privileges: kept cap_net_admin,cap_net_raw;" in a.log_text()

    # Fail over and back, reload, dump, graceful stop: all with two caps.
    pinger = client.start_pinger("192.0.2.100", interval_ms=10)
    a.host.link_set("down")
    wait_until(b.has_vip, 15, "b to take over")
    a.host.link_set("up")
    settle(a, b)
    a.kill(signal.SIGHUP)
    wait_until(lambda: "reload: configuration accepted" in a.log_text(), 10,
               "a to reload")
    assert a.stop() == 0, a.log_text()
    assert not a.has_vip()
    wait_until(b.has_vip, 15, "b to take over from the stopped a")
    assert pinger.stop()["received"] > 0
    assert "cannot" not in a.log_text(), a.log_text()


def _capsh_wrapper(tmp_path, vipd_bin, drop):
    """A script that runs vipd_bin "$@" with the capabilities in drop (names)
    removed from the bounding set, hence from what root's exec gets."""
    wrapper = tmp_path / "vipd-capsh"
    wrapper.write_text("#!/bin/sh\nexec %s --drop=%s -- -c 'exec \"$0\" \"$@\"' %s \"$@\"\n"
                       % (CAPSH, drop, vipd_bin))
    wrapper.chmod(0o755)
    return str(wrapper)


@pytest.mark.parametrize("missing", ["cap_net_raw", "cap_net_admin"])
def test_vipd_without_a_needed_capability_refuses_to_start_naming_it(
        capsh, lan, tmp_path, missing):
    a, b, client = lan
    plain = a.topo.vipd_bin
    a.topo.vipd_bin = _capsh_wrapper(tmp_path, plain, missing)
    try:
        a.start(wait_ready=False, expect_exit=1)
    finally:
        a.topo.vipd_bin = plain
    code = a.wait_exit(10)
    assert code == 1, (code, a.log_text())
    assert "vipd: missing capability %s:" % missing in a.log_text(), a.log_text()
    # Refused before it touched anything: no VIP, no table, no state.
    assert not a.has_vip()
    assert a.host.run(["nft", "list", "table", "inet", "vipd"],
                      check=False).returncode != 0
    assert not os.path.exists(a.pid_path)


def _caps_of_script_user(out_dir, user):
    path = os.path.join(out_dir, "caps." + user)
    if not os.path.exists(path):
        return None
    sets = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            mask = int(value.strip(), 16)
            sets[key] = {bit for bit in range(64) if mask >> bit & 1}
    return sets


def test_scripts_run_with_the_kept_capabilities_at_most(topo, vipd_bin, script_dir):
    # a runs its track script as nobody (the default), b as root; each
    # script writes its own capability sets, as the kernel shows them.
    out = os.path.join(script_dir, "out")
    os.mkdir(out)
    os.chmod(out, 0o777)
    path = write_script(script_dir, "caps.sh",
                        'f=%s/caps.$(id -un)\ngrep ^Cap /proc/self/status > $f.tmp '
                        '&& mv $f.tmp $f' % out)
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    for node, user in ((a, "nobody"), (b, "root")):
        node.global_settings["script_user"] = user
        node.sections["track_scripts"] = [{
            "name": "caps", "command": [path], "interval_ms": 200,
            "timeout_ms": 2000, "rise": 1, "fall": 1}]
        node.instances[0]["track_scripts"] = [{"name": "caps", "weight": 0}]
        node.start()
    settle(a, b)
    nobody = wait_until(lambda: _caps_of_script_user(out, "nobody"), 10,
                        "the script run as nobody")
    root = wait_until(lambda: _caps_of_script_user(out, "root"), 10,
                      "the script run as root")
    # As script_user: no capability at all, and no way to get one back
    # beyond the kept set.
    assert nobody["CapEff"] == set() and nobody["CapPrm"] == set(), nobody
    assert nobody["CapInh"] == set() and nobody["CapAmb"] == set(), nobody
    assert nobody["CapBnd"] == KEPT, nobody
    # As root (script_user = "root"): exactly what vipd kept, nothing more.
    assert root["CapEff"] == KEPT and root["CapPrm"] == KEPT, root
    assert root["CapBnd"] == KEPT and root["CapAmb"] == set(), root


def _capsh_name(cap):
    """capsh's name for a capability number (it accepts names only)."""
    out = subprocess.run([CAPSH, "--decode=%x" % (1 << cap)], capture_output=True,
                         text=True, check=True).stdout
    # "0x0000000000001000=cap_net_admin"
    return out.strip().split("=", 1)[1]
