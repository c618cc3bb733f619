# SPDX-License-Identifier: GPL-2.0-or-later
"""
A vipd pair's whole life with both daemons under valgrind, with every part
a pair runs: start, election, a track script, interface and file and a
notify script on a (valgrind 3.19 does not implement pidfd_open, so under
it every run of a script is forked, then
killed and reaped as "could not start": the tracking, failure and retry
paths run, not a script's success), a virtual service with an http check
against a backend in a namespace, balanced client connections (DNAT,
conntrack) streamed from a to b by conn_sync (b installs them with
ctnetlink), vipctl status/dump/conns on both, b taking over while a's link
is down and a taking the VIP back (b resyncs as backup, its sweep reads its
table), dumps, a reload that adds an instance; then b stops, a flow ends on
a meanwhile, and b starts again (a second valgrind run): its resync sweeps
that flow from its table. Graceful stops. valgrind must report no error
and no leak (definite or indirect) for a and for each run of b: it exits
99 if it does, and the test reads each summary.
"""

import json
import os
import shutil
import signal

import pytest

import conftest
from lbpair import LBTOOL, conns, write_key
from vipnet import PYTHON, vipctl, vipd_instance, wait_until, write_script

# lib/os/nft.h NFT_VIPD_CT_MARK: the mark of the balancer's flows.
NFT_VIPD_CT_MARK = 0x76697064

VALGRIND = shutil.which("valgrind")
# Known noise of libraries vipd uses (libnftables), explained in the file.
SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "valgrind.supp")
VIP = "192.0.2.100"
BACKEND_IP = "192.0.2.80"
KEY = b"valgrind-run-conn-sync-key-0123456789abcdef"


def _is_asan_build(path):
    """valgrind cannot run an AddressSanitizer binary (make check's second
    pass); that pass has ASan's own leak checker instead."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def web_service():
    return [{"name": "web", "address": VIP, "port": 80, "protocol": "tcp",
             "scheduler": "rr", "backends": [
                 {"address": BACKEND_IP, "port": 8080,
                  "check": {"type": "http", "path": "/healthz",
                            "expect_status": 200, "interval_ms": 1000,
                            "timeout_ms": 1000, "rise": 1, "fall": 3}}]}]


def flow_ports(node):
    """Client ports of node's balanced TCP flows (conntrack, our mark)."""
    res = node.host.run(["conntrack", "-L", "-p", "tcp", "--mark",
                         str(NFT_VIPD_CT_MARK)], check=False)
    ports = set()
    for line in res.stdout.splitlines():
        # The original tuple's sport= comes first, the reply's (8080) next.
        sports = [w[len("sport="):] for w in line.split() if w.startswith("sport=")]
        if sports:
            ports.add(int(sports[0]))
    return ports


def start_under_valgrind(node, vg_log):
    """Start node's vipd under valgrind (its report to vg_log)."""
    wrapper = os.path.join(node.dir, "vipd-under-valgrind")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s --quiet --leak-check=full "
                "--show-leak-kinds=definite,indirect "
                "--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "
                "--suppressions=%s --log-file=%s %s \"$@\"\n"
                % (VALGRIND, SUPPRESSIONS, vg_log, node.topo.vipd_bin))
    os.chmod(wrapper, 0o755)
    plain_bin = node.topo.vipd_bin
    node.topo.vipd_bin = wrapper
    try:
        node.start(wait_ready=False)
    finally:
        node.topo.vipd_bin = plain_bin
    # Under valgrind a signal that comes before vipd blocks it would kill it.
    node.wait_ready(timeout=60)
    wait_until(lambda: os.path.exists(os.path.join(node.state_dir, "vipd.sock")),
               60, "the control socket of %s" % node.name)


def stop_under_valgrind(node, vg_log):
    """Graceful stop; valgrind's exit code is vipd's, or 99 on a finding."""
    code = node.stop(timeout=60)
    report = vg_log.read_text()
    assert code == 0, "vipd on %s under valgrind exited %s:\n%s" % (
        node.name, code, report)
    assert "definitely lost" not in report and "Invalid" not in report, report


def backend_health(node):
    [web] = node.dump()["virtual_services"]
    return web["backends"][0]["health"]


@pytest.fixture
def valgrind():
    """Checked before the namespaces are built: missing, the test skips
    (fails under make system: install-deps.sh installs valgrind)."""
    if VALGRIND is None:
        conftest.missing_tool("valgrind is not installed")
    return VALGRIND


def test_pair_life_under_valgrind_has_no_errors_or_leaks(valgrind, lan, topo,
                                                         tmp_path, script_dir,
                                                         vipctl_bin):
    a, b, client = lan
    if _is_asan_build(a.topo.vipd_bin):
        pytest.skip("ASan build: leaks are ASan's to find in this pass")

    # A backend on the LAN behind VIP:80. Its replies to the client go back
    # through a (a host route), where the DNAT is undone.
    backend = topo.add_host("be", BACKEND_IP)
    backend.popen([PYTHON, LBTOOL, "serve", "--port", "8080", "--name", "be"],
                  label="backend be")
    backend.run(["ip", "route", "add", client.ip, "via", a.host.ip])
    for node in (a, b):
        node.host.run(["sysctl", "-qw", "net.ipv4.ip_forward=1",
                       "net.ipv4.conf.all.send_redirects=0",
                       "net.ipv4.conf.eth0.send_redirects=0"])
        key = os.path.join(node.dir, "sync.key")
        write_key(key, KEY, 0o600)
        peer = b if node is a else a
        node.sections["virtual_services"] = web_service()
        node.sections["conn_sync"] = {
            "interface": "eth0", "local": node.host.ip, "peer": peer.host.ip,
            "port": 7788, "key_file": key, "follow": "ext"}
    check = write_script(script_dir, "chk.sh", "exit 0")
    a.sections["track_scripts"] = [{"name": "chk", "command": [check],
                                    "interval_ms": 1000, "timeout_ms": 1000,
                                    "rise": 1, "fall": 1}]
    # A failing script costs 10: a (140) stays above b (100). A tracked
    # interface, a track file (0: no change) and a notify script too: every
    # list the model allocates for an instance (lib/conf/conf.h), which the
    # instance shares and the reload below hands over to the new model.
    prio = os.path.join(script_dir, "ext.prio")
    with open(prio, "w") as f:
        f.write("0\n")
    notify = write_script(script_dir, "notify.sh", "exit 0")
    ext = dict(a.instances[0], track_scripts=[{"name": "chk", "weight": -10}],
               track_interfaces=[{"name": "eth0", "weight": -5}],
               track_files=[{"path": prio, "weight": 1}],
               notify={"master": notify, "timeout_ms": 1000})
    a.instances = [ext]

    vg_a, vg_b, vg_b2 = (tmp_path / name for name in
                         ("valgrind-a.log", "valgrind-b.log", "valgrind-b2.log"))
    start_under_valgrind(a, vg_a)
    start_under_valgrind(b, vg_b)

    wait_until(a.has_vip, 60, "a (valgrind) to become master")
    wait_until(lambda: backend_health(a) == "up", 60, "the backend's http check up")
    inst = a.instance()
    track = inst["tracking"]["scripts"][0]
    assert track["name"] == "chk", track
    if track["up"] is False:                     # see the module doc
        assert "pidfd_open" in track["last"], track
        assert inst["effective_priority"] == 140, inst
    wait_until(lambda: conns(b)["synced"], 60, "b's first resync")
    # Balanced connections through a, each a conntrack entry that conn_sync
    # streams to b, which installs it in its kernel table.
    res = client.run([PYTHON, LBTOOL, "fire", "--addr", VIP, "--port", "80",
                      "--count", "10"], timeout=120)
    fired = json.loads(res.stdout)
    assert fired["errors"] == 0 and fired["backends"] == {"be": 10}, fired
    for node, args in ((a, ("status",)), (a, ("status", "--json")),
                       (a, ("dump",)), (a, ("conns",)),
                       (b, ("status", "--json")), (b, ("conns",))):
        res = vipctl(vipctl_bin, node, *args, timeout=60)
        assert res.returncode == 0, (node.name, args, res.stdout, res.stderr)
    wait_until(lambda: conns(a)["entries_sent"] >= 10 and
               conns(b)["entries_installed"] >= 10, 60,
               "conn_sync to stream the balanced flows from a to b")
    wait_until(lambda: len(flow_ports(a)) == 10 and flow_ports(b) == flow_ports(a),
               30, "b to hold a's ten flows")

    # b takes over (as sender now), then hands the VIP back and, backup
    # again, asks a for its whole table: a resync that ends with a sweep.
    resyncs = conns(b)["resyncs_completed"]
    a.host.link_set("down")
    wait_until(b.has_vip, 30, "b (valgrind) to take over while a's link is down")
    a.host.link_set("up")
    wait_until(lambda: a.has_vip() and not b.has_vip(), 60, "a to take the VIP back")
    wait_until(lambda: conns(b)["resyncs_completed"] > resyncs and
               conns(b)["synced"], 60, "b to resync as backup again")

    a.reload(instances=[ext, vipd_instance(name="int", vrid=52, priority=150,
                                           vips=("192.0.2.101",))])
    wait_until(lambda: a.has_vip("192.0.2.101"), 60, "the instance added by reload")
    # ext was kept: it reads its lists from the new model (the old is freed).
    tracking = a.instance()["tracking"]
    assert [i["name"] for i in tracking["interfaces"]] == ["eth0"], tracking
    assert [(f["path"], f["ok"]) for f in tracking["files"]] == [(prio, True)], tracking
    for node in (a, b):
        node.kill(signal.SIGUSR1)
        node.kill(signal.SIGUSR2)
    for node in (a, b):
        wait_until(lambda: os.path.exists(os.path.join(node.state_dir, "vipd.stats")),
                   30, "the stats dump of %s" % node.name)

    # b goes away; one of the flows ends on a meanwhile. Started again, b
    # resyncs, and its sweep deletes the flow its table still holds.
    stop_under_valgrind(b, vg_b)
    gone = min(flow_ports(a))
    a.host.run(["conntrack", "-D", "-p", "tcp", "-s", client.ip, "--sport",
                str(gone)])
    assert gone not in flow_ports(a) and gone in flow_ports(b)
    start_under_valgrind(b, vg_b2)
    wait_until(lambda: conns(b)["synced"] and gone not in flow_ports(b), 60,
               "b's sweep to delete the flow that ended while it was away")
    after = conns(b)
    assert after["stale_removed"] >= 1, after
    assert flow_ports(b) == flow_ports(a)

    stop_under_valgrind(a, vg_a)
    assert not a.has_vip() and not a.has_vip("192.0.2.101")
    stop_under_valgrind(b, vg_b2)
