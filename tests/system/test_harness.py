# SPDX-License-Identifier: GPL-2.0-or-later
"""
The harness itself, proven with keepalived alone: if these fail, a failure in
test_failover.py says nothing about vipd.
"""

import signal
import time

import vipnet
from vipnet import DEFAULT_VIP, arp_owners, run, wait_until


def test_topology_is_torn_down_completely(tmp_path):
    topo = vipnet.Topology(tmp_path)
    try:
        host = topo.add_host("h1", "192.0.2.1")
        topo.add_host("h2", "192.0.2.2")
        sleeper = host.popen(["sleep", "600"])
        pings = host.start_pinger("192.0.2.2", interval_ms=20, duration=1.0).stop()
        assert pings["received"] > 0 and pings["sent"] >= pings["received"]
        namespaces = list(topo.namespaces)
        assert len(namespaces) == 3
        # Nothing of ours in the root namespace.
        root_links = run(["ip", "-o", "link", "show"]).stdout
        assert "p-h1" not in root_links and topo.prefix not in root_links
    finally:
        topo.close()
    listed = run(["ip", "netns", "list"]).stdout
    assert not any(ns in listed for ns in namespaces)
    assert not sleeper.alive()


def test_keepalived_pair_elects_one_master(topo, keepalived_bin):
    a = topo.add_keepalived("a", "192.0.2.1", priority=150)
    b = topo.add_keepalived("b", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    b.start()
    wait_until(a.has_vip, 15, "keepalived a to hold the VIP")
    time.sleep(1.0)            # a few adverts: b has seen a and stays backup
    assert not b.has_vip()
    assert arp_owners(client, DEFAULT_VIP) == [a.mac]


def test_pinger_sees_failover_between_keepalived_nodes(topo, keepalived_bin):
    a = topo.add_keepalived("a", "192.0.2.1", priority=150)
    b = topo.add_keepalived("b", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    b.start()
    wait_until(a.has_vip, 15, "keepalived a to hold the VIP")
    pinger = client.start_pinger(DEFAULT_VIP, interval_ms=10)
    wait_until(lambda: not b.has_vip(), 5, "b without VIP")
    time.sleep(1.0)
    killed_at = time.monotonic()
    a.crash()
    wait_until(b.has_vip, 10, "keepalived b to take the VIP")
    wait_until(lambda: pinger.replies_since(killed_at) >= 5, 10,
               "replies from the new master")
    result = pinger.stop()
    assert result["received"] > 0
    after = [t for t in result["reply_times"] if t > killed_at]
    assert after, "no reply after the master died: %s" % result["max_gap_ms"]
    assert result["max_gap_ms"] > 0
    assert arp_owners(client, DEFAULT_VIP) == [b.mac]


def test_processes_in_a_namespace_do_not_survive_teardown(tmp_path, keepalived_bin):
    topo = vipnet.Topology(tmp_path)
    try:
        k = topo.add_keepalived("k", "192.0.2.1")
        k.start()
        child = k._vrrp_pid()
        assert child is not None
        k.proc.signal(signal.SIGKILL)   # parent gone, teardown must find the child
    finally:
        topo.close()
    wait_until(lambda: not _exists(child), 5, "keepalived's VRRP child to be gone")


def _exists(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False
