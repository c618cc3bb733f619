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
from aanet import (AANet, PORT, ROUTER_IP6, SYNCLOAD, VIP, VIP6, dr_backend,
                   flows, forget_flows, start_bird_node, start_frr_node,
                   start_router, vip_packets, wait_paths)
from lbpair import LoadClient
from routing import add_vip_route, del_vip_route, ecmp_nexthops, frr_missing
from vipnet import PYTHON, VipdNode, hold_for, wait_until

OTHER = "192.0.2.200"            # in the router's range, not in the nodes' VIPS
TIMEOUT_S = 60.0                 # sessions coming up on a shared 2-core machine
BFD_BOUND_S = 6.0                # BFD detects in 0.3 s; BGP's hold time is 9 s


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


def test_vipd_routes_make_the_ecmp_route_and_leave_join_crash_break_no_flow(net):
    """vipd's route is the one FRR announces; a node's vipd SIGTERMed
    withdraws it and keeps forwarding while the router converges, the
    node started again takes flows back, a node that dies is taken out by
    BFD, and every flow the router moves keeps its backend."""
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
    assert flows(leaving.host), "lb2 counted no flow's source port"
    leaving.kill(signal.SIGTERM)
    wait_paths(aa.router, [aa.nodes[0].host.ip, aa.nodes[2].host.ip],
               "lb2's vipd withdrew")
    assert leaving.wait_exit(15.0) == 0, leaving.log_text()
    before = client.now()["messages"]
    client.wait(lambda s: s["messages"] >= before + 60 * 5, TIMEOUT_S,
                "flows still exchanging after lb2 left")

    # lb2 joins again: the router moves flows to it, and they keep their
    # backends.
    forget_flows(leaving.host)
    leaving.start()
    wait_paths(aa.router, aa.ips(), "lb2's vipd announcing again")
    wait_until(lambda: flows(leaving.host), TIMEOUT_S, "flows moved to lb2")

    # lb3 dies with its cable cut: BFD takes it out, its flows move on.
    dead = aa.nodes[2]
    dead.crash()
    wait_paths(aa.router, aa.ips(aa.nodes[:2]), "lb3 crashed",
               timeout=BFD_BOUND_S)
    before = client.now()["messages"]
    client.wait(lambda s: s["messages"] >= before + 60 * 5, TIMEOUT_S,
                "flows still exchanging after lb3 died")
    final = client.finish()
    assert final["failures"] == {}, final
    assert final["opened"] == 60, final


def test_vipd_route_announced_by_bird_and_withdrawn_before_vipd_exits(net):
    """vipd adds the route on a BIRD node (a ready DR service with
    announce), the router learns it; SIGTERM withdraws it from the router
    while vipd still runs (draining), and vipd exits 0 afterwards."""
    topo, daemons = net
    if not topo.vipd_bin:
        missing_tool("VIPD_BIN is not set")
    router, rfrr = start_router(topo, daemons)
    be = topo.add_host("be1", "10.0.0.21")
    dr_backend(be)
    be.popen([PYTHON, SYNCLOAD, "echo", "--port", str(PORT)],
             label="echo on be1")
    wait_until(lambda: ":%d" % PORT in be.run(["ss", "-Hltn"]).stdout, 10.0,
               "echo server on be1")
    host, bird = start_bird_node(topo, daemons, "lb1", "10.0.0.11")
    rfrr.wait_established([host.ip])
    bird.wait_established("upstream")
    node = VipdNode(topo, host, instances=[])
    topo.nodes.append(node)
    # A long drain: the withdraw must reach the router well before it ends.
    node.sections["virtual_services"] = [{
        "name": "web", "address": VIP, "port": PORT, "forwarding": "dr",
        "scheduler": "mh", "interface": "eth0", "announce": True,
        "announce_drain_ms": 20000,
        "backends": [{"address": be.ip, "port": PORT,
                      "check": {"type": "tcp", "interval_ms": 200,
                                "timeout_ms": 150, "rise": 1, "fall": 2}}]}]
    node.write_config()
    node.start()
    wait_paths(router, [host.ip], "vipd's route announced by BIRD")
    assert "vipd_routes" in bird.birdc("show", "route", "protocol",
                                       "vipd_routes")

    node.kill(signal.SIGTERM)
    wait_paths(router, [], "withdrawn on SIGTERM", timeout=15.0)
    assert node.alive(), "vipd exited before the router lost the route"
    assert "withdrawn (stopping)" in node.log_text()
    node.kill(signal.SIGTERM)         # a second one ends the drain
    assert node.wait_exit(15.0) == 0, node.log_text()


def vip6_gateways(router, nodes):
    """The nodes (by name) that the router's route to VIP6/128 goes over:
    a gateway is a node's global or link-local address."""
    names = {}
    for host in nodes:
        for a in json.loads(host.run(["ip", "-j", "-6", "addr", "show", "dev",
                                      "eth0"]).stdout)[0]["addr_info"]:
            names[a["local"]] = host.name
    return {names.get(g, g) for g in ecmp_nexthops(router, VIP6 + "/128")}


def test_ipv6_vip_route_reaches_the_router_fib_over_frr_and_bird(net):
    """contrib's IPv6 parts: a proto-91 blackhole VIP6/128 on an FRR node
    and on a BIRD node becomes a two-path route in the router's FIB (over
    the IPv4 sessions); deleting one removes its path."""
    topo, daemons = net
    router, rfrr = start_router(topo, daemons, ip6=ROUTER_IP6)
    fhost, _ = start_frr_node(topo, daemons, "lb1", "10.0.0.11",
                              ip6="2001:db8::11")
    bhost, bird = start_bird_node(topo, daemons, "lb2", "10.0.0.12",
                                  ip6="2001:db8::12")
    nodes = [fhost, bhost]
    rfrr.wait_established([fhost.ip, bhost.ip])
    bird.wait_established("upstream")
    for host in nodes:
        add_vip_route(host, VIP6)
    wait_until(lambda: vip6_gateways(router, nodes) == {"lb1", "lb2"},
               TIMEOUT_S, "the router's route to %s/128 over lb1 and lb2"
               % VIP6, interval=0.1)
    route = router.run(["ip", "-6", "route", "show", "exact",
                        VIP6 + "/128"]).stdout
    assert "proto bgp" in route, route
    del_vip_route(fhost, VIP6)
    wait_until(lambda: vip6_gateways(router, nodes) == {"lb2"}, TIMEOUT_S,
               "lb1 withdrew %s" % VIP6, interval=0.1)
    del_vip_route(bhost, VIP6)
    wait_until(lambda: vip6_gateways(router, nodes) == set(), TIMEOUT_S,
               "lb2 withdrew %s" % VIP6, interval=0.1)
