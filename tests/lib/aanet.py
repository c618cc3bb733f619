# SPDX-License-Identifier: GPL-2.0-or-later
"""
aanet - the active/active topology of vipd(7) in namespaces, for
tests/system/test_aa_routing.py and tests/bench/aa.py.

  cl (10.9.0.2) ── brc ── r (10.9.0.1 | 10.0.0.1, FRR: router.conf, ECMP)
                                      │ br0 (10.0.0.0/24)
             lb1..lbN (10.0.0.11.., FRR balancer.conf + vipd) and
             be1..be3 (10.0.0.21.., the VIP on lo, echo servers)

The routing daemons are those of routing.py with contrib's configs; every
node counts, in a netdev table of its own (priority -600, before vipd's
ingress chain), the client's packets to the VIP and the source ports of
the flows that reached it (flows()), to tell which node carries a flow.
"""

import json
import os

from routing import Bird, Frr, contrib_config, ecmp_nexthops, router_sysctls
from vipnet import LIB_DIR, PYTHON, VipdNode, wait_until

VIP = "192.0.2.100"
VIP6 = "2001:db8:100::100"       # in contrib's VIPS6 / NODE-VIPS6
PORT = 80
ROUTER_IP = "10.0.0.1"
ROUTER_IP6 = "2001:db8::1"
SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")
TIMEOUT_S = 60.0


def start_router(topo, daemons, ip6=None):
    # ip6: a global IPv6 address on eth0 before the daemons start (bgpd
    # takes its IPv6 next hop from it).
    router = topo.add_host("r", ROUTER_IP, ipv6=ip6)
    router_sysctls(router)
    frr = Frr(router, contrib_config("frr/router.conf", {}))
    daemons.append(frr)
    frr.start()
    return router, frr


def frr_node_conf(name, ip):
    return contrib_config("frr/balancer.conf", {"10.0.0.11": ip, "lb1": name,
                                                "10.0.0.1": ROUTER_IP})


def start_frr_node(topo, daemons, name, ip, ip6=None):
    host = topo.add_host(name, ip, ipv6=ip6)
    frr = Frr(host, frr_node_conf(name, ip))
    daemons.append(frr)
    frr.start()
    return host, frr


def start_bird_node(topo, daemons, name, ip, ip6=None):
    host = topo.add_host(name, ip, ipv6=ip6)
    bird = Bird(host, contrib_config("bird/balancer.conf",
                                     {"10.0.0.11": ip, "10.0.0.1": ROUTER_IP}))
    daemons.append(bird)
    bird.start()
    return host, bird


def wait_paths(router, expected, what, timeout=TIMEOUT_S):
    expected = set(expected)
    wait_until(lambda: ecmp_nexthops(router, VIP + "/32") == expected, timeout,
               "%s: router's route to %s over %s (now %s)"
               % (what, VIP, sorted(expected) or "nothing",
                  sorted(ecmp_nexthops(router, VIP + "/32"))), interval=0.05)


def dr_backend(host):
    """vipd(7)'s DR backend: the VIP on lo, never answered for in ARP."""
    for key in ("all", "eth0"):
        host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_ignore=1" % key])
        host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_announce=2" % key])
    host.run(["ip", "addr", "add", VIP + "/32", "dev", "lo"])


def count_flows(host):
    host.run(["nft", "-f", "-"], input=(
        "table netdev aafcount {\n"
        " set flows { type inet_service; size 65535; flags dynamic; }\n"
        " chain in {\n"
        "  type filter hook ingress device eth0 priority -600;\n"
        "  ip daddr %s tcp dport %d counter update @flows { tcp sport }\n"
        " }\n}\n" % (VIP, PORT)))


def _aafcount(host):
    out = host.run(["nft", "-j", "list", "table", "netdev", "aafcount"]).stdout
    return json.loads(out)["nftables"]


def vip_packets(host):
    """Client packets to the VIP that reached host's eth0."""
    for item in _aafcount(host):
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                return expr["counter"]["packets"]
    return 0


def flows(host):
    """Source ports of the flows seen at host since the last forget_flows()."""
    for item in _aafcount(host):
        s = item.get("set")
        if s and s["name"] == "flows":
            return set(e if isinstance(e, int) else e.get("elem", {}).get("val")
                       for e in s.get("elem", []))
    return set()


def forget_flows(host):
    host.run(["nft", "flush", "set", "netdev", "aafcount", "flows"])


class AANet:
    """Router, client, backends and balancer nodes (FRR + vipd, not
    started: start())."""

    def __init__(self, topo, daemons, nnodes=3, drain_ms=2000):
        self.topo, self.daemons = topo, daemons
        self.drain_ms = drain_ms
        self.router, self.rfrr = start_router(topo, daemons)
        topo.add_segment("brc")
        self.router.attach("brc", "10.9.0.1/24", "c0")
        # Redirects would teach the backends to bypass the router.
        for key in ("all", "eth0", "c0"):
            self.router.run(["sysctl", "-qw",
                             "net.ipv4.conf.%s.send_redirects=0" % key])
        self.client = topo.add_host("cl", "10.9.0.2")
        topo.sw_run(["ip", "link", "set", self.client.port, "master", "brc"])
        self.client.run(["ip", "route", "add", "default", "via", "10.9.0.1"])
        self.backends = []
        self.echo = {}
        for i in range(3):
            be = topo.add_host("be%d" % (i + 1), "10.0.0.2%d" % (i + 1))
            dr_backend(be)
            be.run(["ip", "route", "add", "default", "via", ROUTER_IP])
            self.backends.append(be)
            self.serve(be)
        self.nodes = []
        for i in range(nnodes):
            host, frr = start_frr_node(topo, daemons, "lb%d" % (i + 1),
                                       "10.0.0.1%d" % (i + 1))
            node = VipdNode(topo, host, instances=[])
            topo.nodes.append(node)
            node.sections["virtual_services"] = [self.service()]
            node.write_config()
            node.frr = frr
            count_flows(host)
            self.nodes.append(node)

    def serve(self, be):
        self.echo[be.name] = be.popen(
            [PYTHON, SYNCLOAD, "echo", "--port", str(PORT)],
            label="echo on " + be.name)
        wait_until(lambda: ":%d" % PORT in be.run(["ss", "-Hltn"]).stdout,
                   10.0, "echo server on %s" % be.name)

    def service(self):
        return {"name": "web", "address": VIP, "port": PORT,
                "forwarding": "dr", "scheduler": "mh", "interface": "eth0",
                "announce": True, "announce_drain_ms": self.drain_ms,
                "backends": [{"address": be.ip, "port": PORT,
                              "check": {"type": "tcp", "interval_ms": 200,
                                        "timeout_ms": 150, "rise": 1,
                                        "fall": 2}}
                             for be in self.backends]}

    def ips(self, nodes=None):
        return [n.host.ip for n in (self.nodes if nodes is None else nodes)]

    def start(self):
        for node in self.nodes:
            node.start()
        self.rfrr.wait_established(self.ips())
        self.rfrr.wait_bfd_up(self.ips())
        wait_paths(self.router, self.ips(), "every vipd announcing")
