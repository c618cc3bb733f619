# SPDX-License-Identifier: GPL-2.0-or-later
"""
Direct routing (forwarding = "dr"): the node rewrites only the destination
MAC of inbound packets (netdev ingress, before conntrack) and the backends,
which hold the VIP on lo with arp_ignore = 1 and arp_announce = 2, answer
the clients themselves.

Both topologies: backends on the VIP's own segment (one LAN), and on a
second segment of the node (`interface`). The choice is stateless and the
same on every node: a backup with the same backends in another order has
the same table digest and sends the same flow to the same backend, so a
takeover keeps established connections with no conn_sync. Backends that
die leave the table within their check's fall time; a backend's MAC
changed (a replaced NIC) is followed without a reload; IPv6 with ND.
"""

import json
import os
import re
import signal
import time

import pytest

from vipnet import (DEFAULT_VIP as VIP, PYTHON, LIB_DIR, libconfig_text,
                    vipd_instance, wait_until)
from lbpair import LoadClient, inside_host

LBTOOL = os.path.join(LIB_DIR, "lbtool.py")
PORT = 80
TIMEOUT_S = 30.0
VIP6 = "2001:db8::100"
TCP_CHECK = {"type": "tcp", "interval_ms": 200, "timeout_ms": 150, "rise": 2,
             "fall": 2}


def dr_backend_setup(host, dev, vips):
    """What a DR backend needs (vipd(7)): the VIPs on lo, answered only
    for (arp_ignore = 1: ARP only for addresses of the asking interface;
    arp_announce = 2: its own address as ARP source), and no ND answers
    for them (IPv6: nodad, and the VIP on lo is never advertised)."""
    for key in ("all", dev):
        host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_ignore=1" % key])
        host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_announce=2" % key])
    for vip in vips:
        if ":" in vip:
            host.run(["sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0"])
            host.run(["ip", "addr", "add", vip + "/128", "dev", "lo", "nodad"])
        else:
            host.run(["ip", "addr", "add", vip + "/32", "dev", "lo"])


class DR:
    """Nodes, a client and backends; the service is written by start()."""

    def __init__(self, topo, nbackends=3, second_segment=False, ipv6=False,
                 nodes=("lb1",), **instance):
        self.topo = topo
        self.ipv6 = ipv6
        self.second = second_segment
        self.vip = VIP6 if ipv6 else VIP
        if second_segment:
            topo.add_segment("br1")
        self.nodes = []
        for i, name in enumerate(nodes):
            node = topo.add_vipd(
                name, "192.0.2.%d" % (1 + i),
                ipv6="2001:db8::%d" % (1 + i) if ipv6 else None,
                priority=150 - 50 * i,
                vips=(self.vip,), **instance)
            if second_segment:
                node.host.attach("br1", "10.1.0.%d/24" % (1 + i),
                                 "n%d" % i)
                node.host.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
                # The node is the backends' router too: their replies come
                # from the VIP, which is local here (vipd(7), DR).
                node.host.run(["sysctl", "-qw",
                               "net.ipv4.conf.n%d.accept_local=1" % i])
            self.nodes.append(node)
        self.client = topo.add_host(
            "cl", "192.0.2.50", ipv6="2001:db8::50" if ipv6 else None)
        self.backends = {}
        self.servers = {}
        for i in range(nbackends):
            self.add_backend("be%d" % (i + 1), i)

    def add_backend(self, name, i):
        if self.second:
            ip = "10.1.0.%d" % (11 + i)
            host = inside_host(self.topo, name, ip, "10.1.0.1")
            dev = "eth1"
        elif self.ipv6:
            ip = "2001:db8::%d" % (11 + i)
            host = self.topo.add_host(name, "192.0.2.%d" % (11 + i), ipv6=ip)
            dev = "eth0"
        else:
            ip = "192.0.2.%d" % (11 + i)
            host = self.topo.add_host(name, ip)
            dev = "eth0"
        host.dr_ip = ip
        host.dr_dev = dev
        dr_backend_setup(host, dev, [self.vip])
        self.backends[name] = host
        self.serve(name)
        return host

    def serve(self, name):
        host = self.backends[name]
        self.stop_server(name)
        proc = host.popen([PYTHON, LBTOOL, "serve", "--bind",
                           "::" if self.ipv6 else "0.0.0.0", "--port",
                           str(PORT), "--name", name, "--echo"],
                          label="backend %s" % name)
        self.servers[name] = proc
        wait_until(lambda: ":%d" % PORT in host.run(["ss", "-Hltn"]).stdout,
                   5.0, "%s to listen" % name)

    def stop_server(self, name):
        proc = self.servers.pop(name, None)
        if proc is not None:
            proc.signal(signal.SIGKILL)
            proc.wait(5.0)

    def service(self, order=None, check=None, **extra):
        names = order or sorted(self.backends)
        entries = []
        for n in names:
            e = {"address": self.backends[n].dr_ip, "port": PORT}
            if check:
                e["check"] = dict(check)
            entries.append(e)
        svc = {"name": "web", "address": self.vip, "port": PORT,
               "forwarding": "dr", "scheduler": "mh", "backends": entries}
        if self.second:
            svc["interface"] = "n%d"
        svc.update(extra)
        return svc

    def config(self, node, svc):
        s = dict(svc)
        if "interface" in s:
            s["interface"] = "n%d" % self.nodes.index(node)
        return node.config_text() + libconfig_text({"virtual_services": [s]})

    def start(self, node, svc, state="MASTER"):
        node.write_config(self.config(node, svc))
        node.start()
        node.wait_state(state, timeout=TIMEOUT_S)

    def service_dump(self, node):
        return node.dump()["virtual_services"][0]

    def health(self, node):
        by_ip = {h.dr_ip: n for n, h in self.backends.items()}
        return {by_ip[b["address"]]: b["health"]
                for b in self.service_dump(node)["backends"]}

    def wait_up(self, node, names=None, timeout=TIMEOUT_S):
        names = names or list(self.backends)
        wait_until(lambda: all(self.health(node).get(n) == "up"
                               for n in names), timeout,
                   "backends %s up on %s" % (names, node.name), interval=0.2)

    def fire(self, count=300, sport_base=0):
        argv = [PYTHON, LBTOOL, "fire", "--addr", self.vip, "--port",
                str(PORT), "--count", str(count), "--parallel", "8"]
        if sport_base:
            argv += ["--sport-base", str(sport_base)]
        return json.loads(self.client.run(argv, timeout=180).stdout)


def capture_reply_macs(host, vip, seconds_cmd):
    """Run seconds_cmd() while tcpdump on host's eth0 records the source
    MACs of TCP segments from vip:80; returns that set of MACs."""
    out = os.path.join(host.topo.workdir, "cap-%s.txt" % host.name)
    with open(out, "w") as f:
        proc = host.popen(["tcpdump", "-l", "-n", "-e", "-i", "eth0",
                           "src", "host", vip, "and", "tcp", "src", "port",
                           str(PORT)], stdout=f, label="tcpdump")
        time.sleep(1.0)
        try:
            seconds_cmd()
            time.sleep(0.5)
        finally:
            proc.signal(signal.SIGTERM)
            proc.wait(5.0)
    with open(out) as f:
        text = f.read()
    return set(re.findall(r"^\S+ ([0-9a-f:]{17}) >", text, re.M))


def test_one_lan_dr_spreads_and_backends_answer_from_their_macs(topo, vipd_bin):
    dr = DR(topo)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    svc = dr.service_dump(lb)
    assert svc["forwarding"] == "dr" and svc["table_size"] == 401, svc
    assert re.fullmatch(r"[0-9a-f]{16}", svc["table_digest"]), svc
    res = {}

    def fire():
        res.update(dr.fire(count=300))
    macs = capture_reply_macs(dr.client, dr.vip, fire)
    assert res["errors"] == 0, res
    assert set(res["backends"]) == set(dr.backends), res
    for name, n in res["backends"].items():
        assert n >= 50, res            # about 100 each
    want = {h.mac for h in dr.backends.values()}
    assert macs == want, (macs, want, lb.mac)
    # Per-backend packets and bytes from the netdev counters.
    dump = dr.service_dump(lb)
    for b in dump["backends"]:
        assert b["packets"] > 0 and b["bytes"] > 0, b
        assert b["mac"] == dr.backends[[n for n, h in dr.backends.items()
                                        if h.dr_ip == b["address"]][0]].mac
    # Nothing went through conntrack on the node.
    ct = lb.host.run(["conntrack", "-L", "-p", "tcp", "--dport", str(PORT)],
                     check=False).stdout
    assert dr.vip not in ct, ct


def test_second_segment_dr_through_interface(topo, vipd_bin):
    dr = DR(topo, second_segment=True)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    assert dr.service_dump(lb)["interface"] == "n0"
    res = dr.fire(count=300)
    assert res["errors"] == 0, res
    assert set(res["backends"]) == set(dr.backends), res
    # The node forwarded by MAC: no DNAT, no conntrack entry to the VIP
    # for the inbound half (the replies are routed back by the node).
    out = lb.host.run(["nft", "list", "table", "netdev", "vipd"]).stdout
    assert 'fwd to "n0"' in out and 'device "eth0"' in out, out


def test_ipv6_dr_resolves_backends_by_nd(topo, vipd_bin):
    dr = DR(topo, ipv6=True)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    res = {}
    macs = capture_reply_macs(dr.client, dr.vip,
                              lambda: res.update(dr.fire(count=200)))
    assert res["errors"] == 0, res
    assert set(res["backends"]) == set(dr.backends), res
    assert macs == {h.mac for h in dr.backends.values()}, macs


def test_killed_backend_leaves_within_fall_and_a_new_mac_is_followed(
        topo, vipd_bin):
    dr = DR(topo)
    lb = dr.nodes[0]
    dr.start(lb, dr.service(check=TCP_CHECK))
    dr.wait_up(lb)
    # 1. be2's server dies: down after fall (2 x 200 ms), no flow to it.
    digest = dr.service_dump(lb)["table_digest"]
    dr.stop_server("be2")
    wait_until(lambda: dr.health(lb)["be2"] == "down", 10.0, "be2 down",
               interval=0.1)
    assert dr.service_dump(lb)["table_digest"] != digest
    res = dr.fire(count=200)
    assert res["errors"] == 0 and "be2" not in res["backends"], res
    dr.serve("be2")
    dr.wait_up(lb)
    # 2. be3 gets a new NIC (MAC): followed without a reload.
    be3 = dr.backends["be3"]
    new = "02:00:00:00:03:33"
    be3.run(["ip", "link", "set", "dev", "eth0", "address", new])
    # A NIC that comes up announces itself (gratuitous ARP); the node's
    # kernel takes the new MAC for its entry and vipd follows the event.
    # (Without it the kernel finds out when the entry's re-confirmation
    # fails, within about a minute: vipd would follow that as well.)
    from scapy.all import ARP, Ether
    be3.send_frames([Ether(src=new, dst="ff:ff:ff:ff:ff:ff") /
                     ARP(op=1, hwsrc=new, psrc=be3.dr_ip, pdst=be3.dr_ip)],
                    count=3, interval_ms=200)

    def mac_of_be3():
        for b in dr.service_dump(lb)["backends"]:
            if b["address"] == be3.dr_ip:
                return b["mac"]
    wait_until(lambda: mac_of_be3() == new, TIMEOUT_S,
               "be3's new MAC to be followed", interval=0.3)
    dr.wait_up(lb)
    res = dr.fire(count=200)
    assert res["errors"] == 0 and "be3" in res["backends"], res
    assert "changed MAC" in lb.log_text() or "MAC %s" % new in lb.log_text()


def test_two_nodes_agree_on_digest_and_on_every_flow(topo, vipd_bin):
    dr = DR(topo, nbackends=4, nodes=("lb1", "lb2"))
    a, b = dr.nodes
    names = sorted(dr.backends)
    dr.start(a, dr.service(order=names))
    dr.start(b, dr.service(order=list(reversed(names))), state="BACKUP")
    dr.wait_up(a)
    dr.wait_up(b)
    da, db = dr.service_dump(a), dr.service_dump(b)
    assert da["table_digest"] == db["table_digest"], (da, db)
    assert da["table_size"] == db["table_size"] == 401
    # The kernel's choice on each node for the same 1000 flows: first
    # through a (the master), then through b with a cut off.
    first = dr.fire(count=1000, sport_base=20000)
    assert first["errors"] == 0, first
    a.crash()
    b.wait_state("MASTER", timeout=TIMEOUT_S)
    # The client's ARP entry for the VIP follows b's gratuitous ARP.
    second = dr.fire(count=1000, sport_base=20000)
    assert second["errors"] == 0, second
    assert second["by_sport"] == first["by_sport"]


def test_takeover_keeps_100_connections_without_conn_sync(topo, vipd_bin):
    dr = DR(topo, nbackends=3, nodes=("lb1", "lb2"))
    a, b = dr.nodes
    dr.start(a, dr.service())
    dr.start(b, dr.service(), state="BACKUP")
    dr.wait_up(a)
    dr.wait_up(b)
    client = LoadClient(dr.client, dr.vip, "client",
                        ["--conns", "100", "--interval-ms", "50"])
    client.wait(lambda s: s["open"] == 100 and s["per_conn_min_messages"] >= 5,
                TIMEOUT_S, "100 connections exchanging messages")
    a.crash()                        # SIGKILL and its cable pulled
    b.wait_state("MASTER", timeout=TIMEOUT_S)
    base = client.now()["per_conn_min_messages"]
    client.wait(lambda s: s["per_conn_min_messages"] >= base + 20 and
                s["open"] == 100, TIMEOUT_S,
                "every connection to go on through b")
    final = client.finish()
    assert not final["failures"], final


@pytest.mark.parametrize("use_vmac", [False, True])
def test_backend_answering_arp_for_the_vip_is_reported(topo, vipd_bin,
                                                        use_vmac):
    """The arp_ignore hazard (vipd(7), DR): be1 left at arp_ignore = 0
    answers ARP for the VIP it holds on lo; the node that holds the VIP
    (on its VMAC interface with use_vmac) says so in its log and counts
    it, and no other backend is named."""
    dr = DR(topo, nbackends=2, use_vmac=use_vmac)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    be1 = dr.backends["be1"]
    for key in ("all", "eth0"):
        be1.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_ignore=0" % key])
    wait_until(lambda: "claimed by %s" % be1.mac in lb.log_text(), TIMEOUT_S,
               "the node to report be1 answering ARP for the VIP",
               interval=0.5)
    assert dr.service_dump(lb)["dr_arp_hazards"] >= 1
    assert "claimed by %s" % dr.backends["be2"].mac not in lb.log_text()


def test_backend_answering_nd_for_the_ipv6_vip_is_reported(topo, vipd_bin):
    """The same hazard with neighbour discovery (vipd(7), DR): be1 holds
    the IPv6 VIP on its NIC instead of lo, so it answers solicitations
    for it; the node that holds the VIP solicits it, logs the MAC that
    answers (one line, rate-limited) and counts it; be2, with the VIP on
    lo, is never named."""
    dr = DR(topo, nbackends=2, ipv6=True)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    be1, be2 = dr.backends["be1"], dr.backends["be2"]
    assert dr.service_dump(lb)["dr_arp_hazards"] == 0
    be1.run(["ip", "-6", "addr", "del", VIP6 + "/128", "dev", "lo"])
    be1.run(["ip", "-6", "addr", "add", VIP6 + "/128", "dev", "eth0",
             "nodad"])
    line = "is claimed by %s on eth0 (ND)" % be1.mac
    wait_until(lambda: line in lb.log_text(), TIMEOUT_S,
               "the node to report be1 answering ND for the VIP",
               interval=0.5)
    assert dr.service_dump(lb)["dr_arp_hazards"] >= 1
    assert "claimed by %s" % be2.mac not in lb.log_text()


def test_vmac_node_also_balances_frames_sent_to_its_own_mac(topo, vipd_bin):
    """With use_vmac the clients reach the VIP at the VMAC, but a router
    whose route to the VIP goes via the node's own address sends to the
    node's MAC: those frames are balanced too, not reset by the node."""
    dr = DR(topo, nbackends=2, use_vmac=True)
    lb = dr.nodes[0]
    dr.start(lb, dr.service())
    dr.wait_up(lb)
    at_vmac = dr.fire(count=50)
    assert at_vmac["errors"] == 0, at_vmac
    dr.client.run(["ip", "neigh", "replace", VIP, "lladdr", lb.host.mac,
                   "dev", "eth0", "nud", "permanent"])
    at_node = dr.fire(count=100)
    assert at_node["errors"] == 0, at_node
    assert set(at_node["backends"]) == set(dr.backends), at_node


def vmac_pair_flooding(topo, ipv6=False, second_segment=False):
    """Two nodes behind a VMAC with a dr service, on a switch that floods
    every frame (ageing time 0): each node's ingress sees the frames to
    the VMAC, the backup's too."""
    topo.sw_run(["ip", "link", "set", "br0", "type", "bridge",
                 "ageing_time", "0"])
    dr = DR(topo, nbackends=3, nodes=("lb1", "lb2"), use_vmac=True,
            ipv6=ipv6, second_segment=second_segment)
    a, b = dr.nodes
    dr.start(a, dr.service())
    dr.start(b, dr.service(), state="BACKUP")
    dr.wait_up(a)
    dr.wait_up(b)
    return dr, a, b


def forwarded(node):
    """IP datagrams the node's stack forwarded (/proc/net/snmp, IPv4 and
    IPv6): what a backup could pass on past its ingress chain."""
    snmp = node.host.run(["cat", "/proc/net/snmp"]).stdout.split("\n")
    names, values = [l.split() for l in snmp if l.startswith("Ip:")][:2]
    total = int(values[names.index("ForwDatagrams")])
    six = node.host.run(["cat", "/proc/net/snmp6"]).stdout
    m = re.search(r"^Ip6OutForwDatagrams\s+(\d+)", six, re.M)
    return total + (int(m.group(1)) if m else 0)


def backend_packets(dr, node):
    return {be["address"]: be["packets"]
            for be in dr.service_dump(node)["backends"]}


@pytest.mark.parametrize("ipv6,second", [(False, False), (True, False),
                                         (False, True)])
def test_vmac_backup_forwards_nothing_while_the_master_balances(topo,
                                                                 vipd_bin,
                                                                 ipv6, second):
    """The backup has the master's VMAC and the same table: while it does
    not hold the VIP it must not take frames to the VMAC, or every packet
    a flooding switch hands it reaches a backend twice (IPv6: the VMAC
    00:00:5e:00:02:VRID)."""
    dr, a, b = vmac_pair_flooding(topo, ipv6, second)
    before = forwarded(b)
    out = dr.fire(count=100)
    assert out["errors"] == 0, out
    assert set(out["backends"]) == set(dr.backends), out
    master, backup = backend_packets(dr, a), backend_packets(dr, b)
    assert sum(master.values()) > 0, master
    assert sum(backup.values()) == 0, (backup, master)
    # Nor does its IP stack pass the frames on (second segment: the node
    # is the backends' router, ip_forward = 1): a counted drop instead.
    assert forwarded(b) == before
    assert dr.service_dump(b)["dr_backup_drops"] > 0
    assert dr.service_dump(a)["dr_backup_drops"] == 0


def test_vmac_takeover_under_flooding_keeps_connections(topo, vipd_bin):
    """The new master takes frames to the VMAC from its takeover on: 100
    long-lived connections go on through it, and its counters count."""
    dr, a, b = vmac_pair_flooding(topo)
    client = LoadClient(dr.client, dr.vip, "client",
                        ["--conns", "100", "--interval-ms", "50"])
    client.wait(lambda s: s["open"] == 100 and s["per_conn_min_messages"] >= 5,
                TIMEOUT_S, "100 connections exchanging messages")
    assert sum(backend_packets(dr, b).values()) == 0
    a.crash()
    b.wait_state("MASTER", timeout=TIMEOUT_S)
    base = client.now()["per_conn_min_messages"]
    client.wait(lambda s: s["per_conn_min_messages"] >= base + 20 and
                s["open"] == 100, TIMEOUT_S,
                "every connection to go on through b")
    final = client.finish()
    assert not final["failures"], final
    counted = backend_packets(dr, b)
    assert sum(counted.values()) > 0, counted


def test_vmac_master_still_takes_frames_to_the_vmac_after_a_reload(topo,
                                                                   vipd_bin):
    """A reload that changes the dr service builds its rules again: the
    master, still holding the VIP, keeps the VMAC rule in them."""
    dr = DR(topo, nbackends=2, use_vmac=True)
    lb = dr.nodes[0]
    svc = dr.service()
    dr.start(lb, svc)
    dr.wait_up(lb)
    svc["backends"][0]["weight"] = 3
    lb.reload(text=dr.config(lb, svc))
    wait_until(lambda: dr.service_dump(lb)["backends"][0]["weight"] == 3,
               TIMEOUT_S, "the reload to change be1's weight", interval=0.2)
    dr.wait_up(lb)
    out = dr.fire(count=50)
    assert out["errors"] == 0, out
    assert set(out["backends"]) == set(dr.backends), out
