# SPDX-License-Identifier: GPL-2.0-or-later
"""
announce = true (active/active through BGP, vipd(7)): a DR service that is
ready has a blackhole route VIP/32 of protocol 91 ("vipd") in the main
table, for FRR's `redistribute kernel` or BIRD's kernel protocol to
announce; it goes when the service cannot serve (below quorum, interface
down, nft chain gone, a track script failing), first of all on SIGTERM,
while the node keeps forwarding for announce_drain_ms. A crashed run's
routes are removed at start; another's route of our protocol over the VIP
is replaced and logged. No VRRP instance is needed; a VRRP pair can run
beside it in the same vipd.

The client reaches the VIP through a route via the node, as the upstream
router's ECMP route would send it.
"""

import json
import os
import re
import signal
import time

from vipnet import (PYTHON, LIB_DIR, libconfig_text, vipd_instance,
                    wait_until, hold_for, VipdNode)
from test_dr import dr_backend_setup

LBTOOL = os.path.join(LIB_DIR, "lbtool.py")
VIP = "198.51.100.10"
PORT = 80
TIMEOUT_S = 30.0
TCP_CHECK = {"type": "tcp", "interval_ms": 200, "timeout_ms": 150, "rise": 1,
             "fall": 2}


METRICS_PORT = 9658


def metrics(node):
    return node.host.run([PYTHON, "-c", "import urllib.request, sys; sys."
                          "stdout.write(urllib.request.urlopen('http://127.0."
                          "0.1:%d/metrics', timeout=5).read().decode())"
                          % METRICS_PORT]).stdout


class AA:
    """One balancer node with an announced service, a client whose route
    to the VIP goes via the node, backends on the node's LAN."""

    def __init__(self, topo, nbackends=2, instances=()):
        self.topo = topo
        host = topo.add_host("lb1", "192.0.2.1")
        self.node = VipdNode(topo, host, instances=list(instances))
        topo.nodes.append(self.node)
        self.client = topo.add_host("cl", "192.0.2.50")
        self.client.run(["ip", "route", "add", VIP + "/32", "via",
                         "192.0.2.1"])
        self.backends = {}
        self.servers = {}
        for i in range(nbackends):
            name = "be%d" % (i + 1)
            h = topo.add_host(name, "192.0.2.%d" % (11 + i))
            h.dr_ip = "192.0.2.%d" % (11 + i)
            dr_backend_setup(h, "eth0", [VIP])
            self.backends[name] = h
            self.serve(name)

    def serve(self, name):
        host = self.backends[name]
        self.stop_server(name)
        self.servers[name] = host.popen(
            [PYTHON, LBTOOL, "serve", "--bind", "0.0.0.0", "--port",
             str(PORT), "--name", name, "--echo"], label="backend " + name)
        wait_until(lambda: ":%d" % PORT in host.run(["ss", "-Hltn"]).stdout,
                   5.0, "%s to listen" % name)

    def stop_server(self, name):
        proc = self.servers.pop(name, None)
        if proc is not None:
            proc.signal(signal.SIGKILL)
            proc.wait(5.0)

    def service(self, **extra):
        svc = {"name": "web", "address": VIP, "port": PORT,
               "forwarding": "dr", "scheduler": "mh", "interface": "eth0",
               "announce": True, "announce_drain_ms": 2000,
               "backends": [{"address": h.dr_ip, "port": PORT,
                             "check": dict(TCP_CHECK)}
                            for _, h in sorted(self.backends.items())]}
        svc.update(extra)
        return svc

    def start(self, svc=None, **sections):
        self.node.sections.update(sections)
        self.node.sections["virtual_services"] = [svc or self.service()]
        self.node.write_config()
        self.node.start()

    def routes(self):
        """The node's routes of protocol 91, as ip -j shows them."""
        out = self.node.host.run(["ip", "-j", "route", "show", "table",
                                  "all"]).stdout
        return [r for r in json.loads(out or "[]")
                if str(r.get("protocol")) in ("91", "vipd")]

    def announced(self):
        return [r for r in self.routes() if r.get("dst") == VIP and
                r.get("type") == "blackhole"]

    def svc(self):
        return self.node.dump()["virtual_services"][0]

    def wait_announced(self, timeout=TIMEOUT_S):
        wait_until(lambda: len(self.announced()) == 1, timeout,
                   "route %s proto 91 on %s" % (VIP, self.node.name),
                   interval=0.1)

    def wait_withdrawn(self, timeout=TIMEOUT_S):
        wait_until(lambda: not self.announced(), timeout,
                   "route %s withdrawn on %s" % (VIP, self.node.name),
                   interval=0.05)

    def fire(self, count=50):
        return json.loads(self.client.run(
            [PYTHON, LBTOOL, "fire", "--addr", VIP, "--port", str(PORT),
             "--count", str(count), "--parallel", "4"], timeout=120).stdout)


def test_route_follows_readiness_and_quorum(topo, vipd_bin):
    aa = AA(topo)
    aa.node.global_settings["metrics_listen"] = "127.0.0.1:%d" % METRICS_PORT
    aa.start()
    aa.wait_announced()
    r = aa.announced()[0]
    assert r.get("protocol") in ("91", "vipd"), r
    assert r.get("table", "main") == "main", r
    s = aa.svc()
    assert s["announced"] is True and s["announce_state"] == "announced", s
    status = aa.node.host.run([os.environ.get("VIPCTL_BIN", "vipctl"), "-s",
                               os.path.join(aa.node.state_dir, "vipd.sock"),
                               "status"]).stdout
    assert re.search(r"web .* announced", status), status
    fams = metrics(aa.node)
    assert 'vipd_virtual_service_announced{virtual_service="web"} 1' in \
        fams, fams
    assert s["announce_reason"] is None, s
    res = aa.fire(count=40)
    assert res["errors"] == 0, res
    # One backend left of two: quorum 1 still met, still announced.
    aa.stop_server("be1")
    wait_until(lambda: aa.svc()["active_backends"] == 1, 10.0, "be1 down")
    assert len(aa.announced()) == 1
    # All gone: below quorum, withdrawn, with the reason.
    aa.stop_server("be2")
    aa.wait_withdrawn(10.0)
    s = aa.svc()
    assert s["announce_state"] == "withdrawn", s
    assert s["announce_reason"] == "below quorum", s
    assert "announce: withdrawn" in aa.node.host.run(
        [os.environ.get("VIPCTL_BIN", "vipctl"), "-s",
         os.path.join(aa.node.state_dir, "vipd.sock"), "dump"]).stdout
    assert "web: withdrawn (below quorum" in aa.node.log_text()
    assert 'vipd_virtual_service_announced{virtual_service="web"} 0' in \
        metrics(aa.node)
    aa.serve("be2")
    aa.wait_announced()


def status_json(node):
    out = node.host.run([os.environ.get("VIPCTL_BIN", "vipctl"), "-s",
                         os.path.join(node.state_dir, "vipd.sock"), "status",
                         "--json"]).stdout
    json.loads(out)
    return out


def test_vipctl_compare_names_the_node_whose_table_differs(topo, vipd_bin,
                                                           vipctl_bin):
    aa = AA(topo, nbackends=3)
    aa.start()
    aa.wait_announced()
    good = status_json(aa.node)
    # The same node with one backend fewer in its table: another digest.
    aa.stop_server("be3")
    wait_until(lambda: aa.svc()["active_backends"] == 2, 10.0, "be3 down")
    odd = status_json(aa.node).replace('"router_id": "lb1"',
                                       '"router_id": "lb9"')
    same = good.replace('"router_id": "lb1"', '"router_id": "lb2"')
    res = aa.node.host.run([vipctl_bin, "compare", "-"], check=False,
                           input=good + same)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 nodes agree" in res.stdout and "announced" in res.stdout, \
        res.stdout
    res = aa.node.host.run([vipctl_bin, "compare", "-"], check=False,
                           input=good + same + odd)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "disagree: lb9 (2 of 3 nodes" in res.stdout, res.stdout
    res = aa.node.host.run([vipctl_bin, "compare", "-"], check=False,
                           input="not json")
    assert res.returncode == 2, res.stdout + res.stderr


def test_quorum_two_withdraws_with_one_backend_down(topo, vipd_bin):
    aa = AA(topo)
    aa.start(aa.service(quorum=2))
    aa.wait_announced()
    aa.stop_server("be1")
    aa.wait_withdrawn(10.0)
    assert aa.svc()["announce_reason"] == "below quorum"


def test_interface_down_withdraws(topo, vipd_bin):
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    aa.node.host.link_set("down")
    aa.wait_withdrawn(10.0)
    s = aa.svc()
    assert s["announce_reason"] in ("interface down", "below quorum"), s
    assert "web: withdrawn (interface down" in aa.node.log_text()
    aa.node.host.link_set("up")
    aa.wait_announced()


def test_nft_chain_gone_withdraws_then_comes_back(topo, vipd_bin):
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    # A table deleted from outside is put back at once (drift repair), so
    # the chain stays missing only while a table of that name that only
    # its own process may change (flags owner) holds the place.
    owner = aa.node.host.popen([PYTHON, "-c",
                                "import subprocess, time; "
                                "p = subprocess.Popen(['nft', '-i'], stdin="
                                "subprocess.PIPE); p.stdin.write(b'delete "
                                "table netdev vipd; add table netdev vipd "
                                "{ flags owner; }\\n'); p.stdin.flush(); "
                                "time.sleep(120)"], label="owner table")
    try:
        wait_until(lambda: "web: withdrawn (rules not in the kernel" in
                   aa.node.log_text(), 10.0, "withdraw for the missing chain")
    finally:
        owner.signal(signal.SIGKILL)
        owner.wait(5.0)
    assert "table netdev vipd was deleted from outside and cannot be " \
        "restored" in aa.node.log_text()
    # The owner gone, the table is rebuilt and the service announced again.
    aa.wait_announced()
    assert aa.fire(count=20)["errors"] == 0


def test_track_script_failing_withdraws(topo, vipd_bin):
    aa = AA(topo)
    flag = os.path.join(topo.workdir, "healthy")
    track = [{"name": "node_ok", "command": ["/usr/bin/test", "-e", flag],
              "interval_ms": 200, "timeout_ms": 1000, "rise": 1, "fall": 1}]
    aa.node.global_settings["script_user"] = "root"
    aa.start(aa.service(track_scripts=[{"name": "node_ok"}]),
             track_scripts=track)
    # Failing from the start: backends up, never announced.
    wait_until(lambda: aa.svc()["active_backends"] == 2, TIMEOUT_S,
               "backends up")
    hold_for(lambda: not aa.announced(), 1.5, "no route while failing")
    assert aa.svc()["announce_reason"] == "track failing"
    open(flag, "w").close()
    aa.wait_announced()
    os.unlink(flag)
    aa.wait_withdrawn(10.0)
    assert aa.svc()["announce_reason"] == "track failing"
    assert "web: withdrawn (track failing: node_ok" in aa.node.log_text()
    open(flag, "w").close()
    aa.wait_announced()


def test_sigterm_withdraws_first_and_forwards_while_draining(topo, vipd_bin):
    aa = AA(topo)
    aa.start(aa.service(announce_drain_ms=3000))
    aa.wait_announced()
    t0 = time.monotonic()
    aa.node.kill(signal.SIGTERM)
    aa.wait_withdrawn(1.0)
    # The route is gone, the data path is not: flows still go through.
    assert aa.node.alive()
    res = aa.fire(count=20)
    assert res["errors"] == 0, res
    assert aa.node.alive(), "stopped before the drain ended"
    assert aa.node.wait_exit(15.0) == 0
    took = time.monotonic() - t0
    assert took >= 2.5, took
    assert "web: withdrawn (stopping): forwarding for 3000 ms" in \
        aa.node.log_text()


def test_sigkill_leaves_route_restart_removes_and_re_adds(topo, vipd_bin):
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    aa.node.kill(signal.SIGKILL)
    aa.node.wait_exit(5.0)
    assert len(aa.announced()) == 1     # what ExecStopPost= is for
    # A foreign leftover of our protocol too: gone at start.
    aa.node.host.run(["ip", "route", "add", "blackhole", "203.0.113.7/32",
                      "proto", "91"])
    # No backend answers: the restarted vipd must not announce.
    for name in list(aa.servers):
        aa.stop_server(name)
    aa.node.start()
    wait_until(lambda: not aa.routes(), 10.0, "stale routes removed")
    assert "routes of protocol 91 left by an earlier run removed" in \
        aa.node.log_text()
    hold_for(lambda: not aa.announced(), 2.0, "no route while unready")
    aa.serve("be1")
    aa.wait_announced()


def test_foreign_route_of_our_protocol_is_replaced_and_logged(topo, vipd_bin):
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    aa.node.host.run(["ip", "route", "replace", VIP + "/32", "dev", "eth0",
                      "proto", "91"])
    wait_until(lambda: len(aa.announced()) == 1, 10.0, "ours back")
    assert "not ours: replaced by ours" in aa.node.log_text()
    # Another metric with our protocol on the VIP: removed.
    aa.node.host.run(["ip", "route", "add", "blackhole", VIP + "/32",
                      "proto", "91", "metric", "50"])
    wait_until(lambda: [r.get("metric", 0) for r in aa.routes()] == [0],
               10.0, "the foreign one removed")
    assert "not ours: removed" in aa.node.log_text()


def test_vrrp_instance_and_announced_service_in_one_vipd(topo, vipd_bin):
    inst = vipd_instance(priority=150, vips=("192.0.2.100",))
    aa = AA(topo, instances=[inst])
    peer = topo.add_vipd("lb2", "192.0.2.2", priority=100)
    peer.start()
    aa.start()
    aa.node.wait_state("MASTER", timeout=TIMEOUT_S)
    peer.wait_state("BACKUP", timeout=TIMEOUT_S)
    aa.wait_announced()
    assert aa.fire(count=20)["errors"] == 0
    # The instance hands over on stop; the route goes at once.
    aa.node.kill(signal.SIGTERM)
    aa.wait_withdrawn(1.0)
    peer.wait_state("MASTER", timeout=TIMEOUT_S)
    assert aa.node.wait_exit(15.0) == 0


def test_track_interface_down_withdraws(topo, vipd_bin):
    aa = AA(topo)
    aa.node.host.run(["ip", "link", "add", "up0", "type", "veth", "peer",
                      "name", "up1"])
    aa.node.host.run(["ip", "link", "set", "up0", "up"])
    aa.node.host.run(["ip", "link", "set", "up1", "up"])
    aa.start(aa.service(track_interfaces=[{"name": "up0"}]))
    aa.wait_announced()
    aa.node.host.run(["ip", "link", "set", "up1", "down"])   # carrier gone
    aa.wait_withdrawn(10.0)
    assert "web: withdrawn (track failing: interface up0 down" in \
        aa.node.log_text()
    aa.node.host.run(["ip", "link", "set", "up1", "up"])
    aa.wait_announced()


def test_reload_keeps_the_route_of_a_changed_service_and_follows_announce(
        topo, vipd_bin):
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    # A changed backend weight replaces the service's runtime: the route
    # stays (its backends' health carries over).
    svc = aa.service()
    svc["backends"][0]["weight"] = 3
    aa.node.sections["virtual_services"] = [svc]
    aa.node.reload()
    wait_until(lambda: aa.svc()["backends"][0]["weight"] == 3, 10.0,
               "the new weight")
    hold_for(lambda: len(aa.announced()) == 1, 1.5, "the route kept")
    assert "web: withdrawn" not in aa.node.log_text()
    # announce switched off: withdrawn at once.
    aa.node.sections["virtual_services"] = [aa.service(announce=False)]
    aa.node.reload()
    aa.wait_withdrawn(10.0)
    assert "web: withdrawn (no longer announced by the configuration)" in \
        aa.node.log_text()
    assert aa.svc()["announce"] is False
    aa.node.sections["virtual_services"] = [aa.service()]
    aa.node.reload()
    aa.wait_announced()


def test_ipv6_service_announces_a_host_route(topo, vipd_bin):
    vip6 = "2001:db8:5::10"
    aa = AA(topo, nbackends=1)
    node = aa.node
    node.sections["virtual_services"] = [{
        "name": "web6", "address": vip6, "port": PORT, "forwarding": "dr",
        "interface": "eth0", "announce": True,
        "backends": [{"address": "2001:db8::11", "port": PORT}]}]
    node.host.run(["sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0"])
    node.host.add_addr("2001:db8::1/64")
    be = aa.backends["be1"]
    be.run(["sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0"])
    be.add_addr("2001:db8::11/64")
    node.host.run(["ping", "-6", "-c", "1", "-W", "2", "2001:db8::11"],
                  check=False)
    node.write_config()
    node.start()

    def routes6():
        out = node.host.run(["ip", "-6", "-j", "route", "show", "table",
                             "all"]).stdout
        return [r for r in json.loads(out or "[]")
                if str(r.get("protocol")) in ("91", "vipd")]
    wait_until(lambda: [r.get("dst") for r in routes6()] == [vip6], TIMEOUT_S,
               "route %s/128 proto 91" % vip6, interval=0.1)
    assert routes6()[0]["type"] == "blackhole"
    # The kernel's metric for it (1024, IPv6's default) is ours: it stays.
    time.sleep(2.5)
    assert "not ours" not in node.log_text(), node.log_text()
    assert "put back" not in node.log_text(), node.log_text()
    assert node.dump()["drift_repairs"]["announce_route"] == 0
    node.kill(signal.SIGTERM)
    wait_until(lambda: not routes6(), 5.0, "withdrawn on stop")
    assert node.wait_exit(15.0) == 0


def test_a_second_sigterm_cuts_the_drain_short(topo, vipd_bin):
    aa = AA(topo, nbackends=1)
    aa.start(aa.service(announce_drain_ms=30000))
    aa.wait_announced()
    aa.node.kill(signal.SIGTERM)
    aa.wait_withdrawn(2.0)
    hold_for(aa.node.alive, 1.0, "draining")
    aa.node.kill(signal.SIGTERM)
    assert aa.node.wait_exit(10.0) == 0
    assert "announce: drain cut short by a second stop request" in \
        aa.node.log_text()


def test_deleted_route_is_put_back_by_its_event_not_by_a_timer(topo,
                                                                 vipd_bin):
    """`ip route del` of the announced route: back within 3 s (route events
    and the drift path; the timer looks only every 10 s), one line, one
    repair of kind announce_route; the same for `ip route replace` by
    another protocol. vipd's own withdraw is not drift."""
    aa = AA(topo)
    aa.start()
    aa.wait_announced()
    time.sleep(0.5)
    aa.node.host.run(["ip", "route", "del", VIP + "/32", "proto", "91"])
    wait_until(lambda: len(aa.announced()) == 1, 3.0, "the route back",
               interval=0.05)
    said = [line for line in aa.node.log_text().splitlines()
            if "missing or changed from outside: put back" in line]
    assert len(said) == 1, aa.node.log_text()
    assert VIP + "/32" in said[0] and "web:" in said[0]
    assert aa.node.dump()["drift_repairs"]["announce_route"] == 1
    # Changed under another protocol (`ip route replace`, no delete event).
    aa.node.host.run(["ip", "route", "replace", VIP + "/32", "dev", "eth0"])
    wait_until(lambda: len(aa.announced()) == 1, 3.0, "ours back over it",
               interval=0.05)
    assert aa.node.dump()["drift_repairs"]["announce_route"] == 2
    # The service withdraws by itself: no repair, the route stays out.
    for name in list(aa.servers):
        aa.stop_server(name)
    aa.wait_withdrawn()
    hold_for(lambda: not aa.announced(), 1.5, "no route while unready")
    assert aa.node.dump()["drift_repairs"]["announce_route"] == 2
