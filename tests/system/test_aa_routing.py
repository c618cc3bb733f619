# SPDX-License-Identifier: GPL-2.0-or-later
"""
Active/active routing (vipd(7), ACTIVE/ACTIVE): the configs of contrib/frr
and contrib/bird, with their example addresses replaced, run in a router
namespace (FRR bgpd + bfdd, ECMP) and in balancer-node namespaces (FRR
zebra + bgpd + bfdd, or BIRD). A proto-91 blackhole route for the VIP in a
node, which is what vipd adds for a ready service with announce = true,
becomes one path of the router's ECMP route; deleting it removes that
path; a node whose cable is pulled leaves the route within BFD's
detection time (300 ms; the bound here is generous, but below the 9 s BGP
hold time, so only BFD can meet it).
"""

import json
import os
import shutil
import signal
import tempfile

import pytest

import vipnet
from conftest import missing_tool
from lbpair import LoadClient
from routing import (Bird, Frr, add_vip_route, contrib_config, del_vip_route,
                     ecmp_nexthops, frr_missing, router_sysctls)
from test_dr import dr_backend_setup
from vipnet import LIB_DIR, PYTHON, VipdNode, hold_for, wait_until

VIP = "192.0.2.100"
OTHER = "192.0.2.200"            # in the router's range, not in the nodes' VIPS
ROUTER_IP = "10.0.0.1"
TIMEOUT_S = 60.0                 # sessions coming up on a shared 2-core machine
BFD_BOUND_S = 6.0                # BFD detects in 0.3 s; BGP's hold time is 9 s
SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")


@pytest.fixture
def net(request):
    """A segment with prefix "aaf"; daemons of routing.py ended and their
    directories removed, pass or fail; vipd judged as by conftest's topo.
    A short work dir: vipd's control socket path must fit in sun_path."""
    if frr_missing():
        missing_tool(frr_missing())
    tmp_path = tempfile.mkdtemp(prefix="aaf", dir="/tmp")
    topo = vipnet.Topology(tmp_path, vipd_bin=os.environ.get("VIPD_BIN"),
                           ns_prefix="aaf")
    daemons = []
    try:
        yield topo, daemons
    finally:
        report = getattr(request.node, "rep_call", None)
        for d in reversed(daemons):
            d.close()
        if report is None or report.failed:
            print("\nnamespace prefix %s, work dir %s" % (topo.prefix, tmp_path))
            for name in sorted(os.listdir(tmp_path)):
                if name.endswith(".log"):
                    with open(os.path.join(tmp_path, name), errors="replace") as f:
                        print("----- %s -----\n%s" % (name, f.read()[-4000:]))
            print(topo.logs_report())
        topo.close()
        shutil.rmtree(tmp_path, ignore_errors=True)
    if topo.findings:
        pytest.fail("vipd misbehaved:\n%s" % "\n".join(topo.findings),
                    pytrace=False)


def start_router(topo, daemons):
    router = topo.add_host("r", ROUTER_IP)
    router_sysctls(router)
    frr = Frr(router, contrib_config("frr/router.conf", {}))
    daemons.append(frr)
    frr.start()
    return router, frr


def start_frr_node(topo, daemons, name, ip):
    host = topo.add_host(name, ip)
    frr = Frr(host, contrib_config("frr/balancer.conf",
                                   {"10.0.0.11": ip, "lb1": name,
                                    "10.0.0.1": ROUTER_IP}))
    daemons.append(frr)
    frr.start()
    return host, frr


def start_bird_node(topo, daemons, name, ip):
    host = topo.add_host(name, ip)
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
                  sorted(ecmp_nexthops(router, VIP + "/32"))), interval=0.1)


def test_frr_nodes_form_an_ecmp_route_and_leave_it(net):
    topo, daemons = net
    router, rfrr = start_router(topo, daemons)
    nodes = [start_frr_node(topo, daemons, "lb%d" % i, "10.0.0.1%d" % i)
             for i in (1, 2, 3)]
    ips = [h.ip for h, _ in nodes]
    rfrr.wait_established(ips)
    rfrr.wait_bfd_up(ips)
    assert ecmp_nexthops(router, VIP + "/32") == set()

    for host, _ in nodes:
        add_vip_route(host, VIP)
        # Outside the VIPS prefix-list: never announced.
        host.run(["ip", "route", "add", "blackhole", OTHER + "/32", "proto", "91"])
    wait_paths(router, ips, "every node announcing")
    route = router.run(["ip", "route", "show", "exact", VIP + "/32"]).stdout
    assert "proto bgp" in route, route

    del_vip_route(nodes[1][0], VIP)
    wait_paths(router, [ips[0], ips[2]], "lb2 withdrew")
    add_vip_route(nodes[1][0], VIP)
    wait_paths(router, ips, "lb2 announced again")
    assert ecmp_nexthops(router, OTHER + "/32") == set()


def test_frr_node_cut_off_leaves_within_bfd_detection(net):
    topo, daemons = net
    router, rfrr = start_router(topo, daemons)
    nodes = [start_frr_node(topo, daemons, "lb%d" % i, "10.0.0.1%d" % i)
             for i in (1, 2)]
    ips = [h.ip for h, _ in nodes]
    rfrr.wait_established(ips)
    rfrr.wait_bfd_up(ips)
    for host, _ in nodes:
        add_vip_route(host, VIP)
    wait_paths(router, ips, "both nodes announcing")

    nodes[1][0].unplug()          # router's port stays up: only BFD can tell
    wait_paths(router, ips[:1], "lb2's cable pulled", timeout=BFD_BOUND_S)
    # The router deletes a dynamic neighbour, and its BFD session, when
    # the session drops: "down" or gone, never "up".
    assert rfrr.bfd_peers().get(ips[1]) in ("down", None)

    nodes[1][0].plug()
    wait_paths(router, ips, "lb2 plugged back")


def test_frr_node_whose_bgpd_dies_leaves_within_bfd_detection(net):
    """A crash: bgpd and bfdd killed, the kernel route left behind (as a
    SIGKILLed vipd leaves it): BFD's peer goes silent."""
    topo, daemons = net
    router, rfrr = start_router(topo, daemons)
    nodes = [start_frr_node(topo, daemons, "lb%d" % i, "10.0.0.1%d" % i)
             for i in (1, 2)]
    ips = [h.ip for h, _ in nodes]
    rfrr.wait_established(ips)
    rfrr.wait_bfd_up(ips)
    for host, _ in nodes:
        add_vip_route(host, VIP)
    wait_paths(router, ips, "both nodes announcing")

    nodes[1][1].kill("bfdd")
    nodes[1][1].kill("bgpd")
    wait_paths(router, ips[:1], "lb2's bgpd and bfdd killed", timeout=BFD_BOUND_S)


def test_bird_node_announces_withdraws_and_leaves_within_bfd_detection(net):
    topo, daemons = net
    router, rfrr = start_router(topo, daemons)
    fhost, _ = start_frr_node(topo, daemons, "lb1", "10.0.0.11")
    bhost, bird = start_bird_node(topo, daemons, "lb2", "10.0.0.12")
    ips = [fhost.ip, bhost.ip]
    rfrr.wait_established(ips)
    bird.wait_established("upstream")
    rfrr.wait_bfd_up(ips)

    # Not vipd's protocol: BIRD's kernel protocol does not import it.
    bhost.run(["ip", "route", "add", "blackhole", VIP + "/32", "proto", "static"])
    add_vip_route(fhost, VIP)
    wait_paths(router, ips[:1], "lb1 announcing")
    hold_for(lambda: ecmp_nexthops(router, VIP + "/32") == {fhost.ip}, 3.0,
             "BIRD announces only proto-91 routes")
    bhost.run(["ip", "route", "del", VIP + "/32", "proto", "static"])

    add_vip_route(bhost, VIP)
    wait_paths(router, ips, "lb2 (BIRD) announcing")
    del_vip_route(bhost, VIP)
    wait_paths(router, ips[:1], "lb2 (BIRD) withdrew")
    add_vip_route(bhost, VIP)
    wait_paths(router, ips, "lb2 (BIRD) announcing again")

    bhost.unplug()
    wait_paths(router, ips[:1], "lb2's (BIRD) cable pulled", timeout=BFD_BOUND_S)


# --------------------------------------------------------------------------
# vipd adding the route: three nodes with FRR and vipd, backends on their
# segment, a client behind the router

class AANet:
    """The router (FRR, ECMP) with the client on a segment of its own,
    balancer nodes lb1..lbN (FRR + vipd with one announced DR service)
    and backends be1..be3 on the nodes' segment, the VIP on lo, their
    replies to the client through the router."""

    PORT = 80

    def __init__(self, topo, daemons, nnodes=3):
        self.topo, self.daemons = topo, daemons
        self.router, self.rfrr = start_router(topo, daemons)
        topo.add_segment("brc")
        self.router.attach("brc", "10.9.0.1/24", "c0")
        # ICMP redirects would tell the client's traffic nothing here, but
        # backends would learn to bypass the router: off, as on a router.
        for key in ("all", "eth0", "c0"):
            self.router.run(["sysctl", "-qw",
                             "net.ipv4.conf.%s.send_redirects=0" % key])
        self.client = topo.add_host("cl", "10.9.0.2")
        topo.sw_run(["ip", "link", "set", self.client.port, "master", "brc"])
        self.client.run(["ip", "route", "add", "default", "via", "10.9.0.1"])
        self.backends = []
        for i in range(3):
            be = topo.add_host("be%d" % (i + 1), "10.0.0.2%d" % (i + 1))
            dr_backend_setup(be, "eth0", [VIP])
            be.run(["ip", "route", "add", "default", "via", ROUTER_IP])
            be.popen([PYTHON, SYNCLOAD, "echo", "--port", str(self.PORT)],
                     label="echo on " + be.name)
            self.backends.append(be)
        for be in self.backends:
            wait_until(lambda be=be: ":%d" % self.PORT in
                       be.run(["ss", "-Hltn"]).stdout, 10.0,
                       "echo server on %s" % be.name)
        self.nodes = []
        for i in range(nnodes):
            host, frr = start_frr_node(topo, daemons, "lb%d" % (i + 1),
                                       "10.0.0.1%d" % (i + 1))
            node = VipdNode(topo, host, instances=[])
            topo.nodes.append(node)
            node.sections["virtual_services"] = [self.service()]
            node.write_config()
            node.frr = frr
            count_vip_packets(host)
            self.nodes.append(node)

    def service(self):
        return {"name": "web", "address": VIP, "port": self.PORT,
                "forwarding": "dr", "scheduler": "mh", "interface": "eth0",
                "announce": True, "announce_drain_ms": 2000,
                "backends": [{"address": be.ip, "port": self.PORT,
                              "check": {"type": "tcp", "interval_ms": 200,
                                        "timeout_ms": 150, "rise": 1,
                                        "fall": 2}}
                             for be in self.backends]}

    def start(self):
        ips = [n.host.ip for n in self.nodes]
        for node in self.nodes:
            node.start()
        self.rfrr.wait_established(ips)
        self.rfrr.wait_bfd_up(ips)
        wait_paths(self.router, ips, "every vipd announcing")


def count_vip_packets(host):
    """A counter of the client's packets to the VIP reaching host's eth0
    (a table of the test's own, before vipd's ingress chain at -500)."""
    host.run(["nft", "-f", "-"], input=(
        "table netdev aafcount {\n chain in {\n"
        "  type filter hook ingress device eth0 priority -600;\n"
        "  ip daddr %s tcp dport %d counter\n }\n}\n" % (VIP, AANet.PORT)))


def vip_packets(host):
    out = host.run(["nft", "-j", "list", "table", "netdev", "aafcount"]).stdout
    for item in json.loads(out)["nftables"]:
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                return expr["counter"]["packets"]
    return 0


def test_vipd_routes_make_the_ecmp_route_and_sigterm_breaks_no_flow(net):
    """vipd's route is the one FRR announces; a node's vipd SIGTERMed
    withdraws it and keeps forwarding while the router converges, and the
    flows the router moves to the other nodes keep their backends."""
    topo, daemons = net
    if not topo.vipd_bin:
        missing_tool("VIPD_BIN is not set")
    aa = AANet(topo, daemons)
    aa.start()
    client = LoadClient(aa.client, VIP, extra=["--conns", "60",
                                               "--interval-ms", "100"])
    client.wait(lambda s: s["open"] == 60 and s["per_conn_min_messages"] >= 3,
                TIMEOUT_S, "60 flows exchanging through the router")

    leaving = aa.nodes[1]
    # The hard case: lb2 carries flows when it leaves.
    seen = vip_packets(leaving.host)
    wait_until(lambda: vip_packets(leaving.host) >= seen + 20, TIMEOUT_S,
               "client packets through lb2")
    leaving.kill(signal.SIGTERM)
    wait_paths(aa.router, [aa.nodes[0].host.ip, aa.nodes[2].host.ip],
               "lb2's vipd withdrew")
    assert leaving.wait_exit(15.0) == 0, leaving.log_text()
    before = client.now()["messages"]
    client.wait(lambda s: s["messages"] >= before + 60 * 5, TIMEOUT_S,
                "flows still exchanging after lb2 left")
    final = client.finish()
    assert final["failures"] == {}, final
    assert final["opened"] == 60, final
