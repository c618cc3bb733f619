# SPDX-License-Identifier: GPL-2.0-or-later
"""
conn_sync on a NAT gateway pair (conn_sync.select = "all"): no balancer,
the pair is the inside hosts' gateway and masquerades them to its VIP.

    server 10.0.0.100 --br0-- a 10.0.0.1 / b 10.0.0.2   VIP 10.0.0.10 (ext)
    in1 10.1.0.11 --br1-- a 10.1.0.1 / b 10.1.0.2       INT_VIP 10.1.0.254
    a 10.2.0.1 --br2-- b 10.2.0.2                       the sync link

Each gateway has an nft table of the test's own: a firewall's forward
chain (established and related flows, and new ones from the inside only;
nf_conntrack_tcp_loose off, so a mid-stream segment the gateway has no
entry for is invalid and dropped, as on a strict firewall) and the SNAT
of the inside to the VIP. A flow survives a takeover only when the new
master holds its entry, with the mapping, before it.
"""

import hashlib
import json
import os

import pytest

from vipnet import LIB_DIR, PYTHON, Array, libconfig_text, wait_until
from lbpair import LoadClient, appliance_host, conns, inside_host
from test_conn_sync import INT_VIP, SETTLE_S, Pair

ICMP_ECHO = os.path.join(LIB_DIR, "icmp_echo.py")
SERVER = "10.0.0.100"
INSIDE = "10.1.0.11"
FTP_CLIENT = "10.1.0.111"
CONNS = 50

GW_NFT = """
table ip gwtest {
  chain forward_filter {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "eth1" oifname "eth0" ct state new accept
  }
  chain snat_out {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" ip saddr 10.1.0.0/24 snat to 10.0.0.10
  }
}
"""


# A firewall that lets the inside use FTP: the control flow gets the ftp
# helper (nf_conntrack_ftp, and nf_nat_ftp for the SNAT), which expects
# the server's data connection back to the PORT it rewrote to the VIP.
FTP_NFT = """
table ip gwftp {
  ct helper ftp-standard { type "ftp" protocol tcp; }
  chain helpers {
    type filter hook prerouting priority 0; policy accept;
    iifname "eth1" tcp dport 21 ct helper set "ftp-standard"
  }
}
"""


class GwPair(Pair):
    """Two vipd gateways (sync group edge: ext and int), select = "all"."""

    def __init__(self, topo, select="all", extra_nft=None):
        self.topo = topo
        self.balancer = False
        self.select = select
        topo.add_segment("br1")
        topo.add_segment("br2")
        self.client = topo.add_host("srv", SERVER)
        self.hosts = {}
        for name, n in (("a", 1), ("b", 2)):
            host = appliance_host(topo, name, "10.0.0.%d/24" % n,
                                  "10.1.0.%d/24" % n, "10.2.0.%d/24" % n)
            host.run(["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0"])
            host.run(["nft", "-f", "-"], input=GW_NFT)
            if extra_nft:
                host.run(["nft", "-f", "-"], input=extra_nft)
            self.hosts[name] = host
        self.make_nodes()
        self.inside = inside_host(topo, "in1", INSIDE, INT_VIP)
        self.client.popen([PYTHON, os.path.join(LIB_DIR, "syncload.py"), "echo",
                           "--port", "8080"], log_name="server-echo.log")

    def make_nodes(self, run=None):
        """Pair's nodes, following the group edge, with this select."""
        super().make_nodes(run)
        for node in self.nodes.values():
            node.sync["follow"] = "edge"
            node.sync["select"] = self.select
            node.write_config(self.config_text(node))
        return self.nodes

    @staticmethod
    def config_text(node, balancer=False):
        conf = {
            "global": {"router_id": node.name, "state_dir": node.state_dir},
            "vrrp_instances": list(node.instances),
            "sync_groups": [{"name": "edge", "members": Array(["ext", "int"])}],
        }
        if node.sync is not None:
            conf["conn_sync"] = node.sync
        return libconfig_text(conf)


def icmp_flow(host):
    """The inside host's echo flow in host's table: its two tuples (with
    the SNAT to the VIP), or None."""
    res = host.run(["conntrack", "-L", "-p", "icmp", "--orig-src", INSIDE],
                   check=False)
    for line in res.stdout.splitlines():
        words = [w for w in line.split() if "=" in w and
                 w.split("=")[0] in ("src", "dst", "type", "code", "id")]
        if len(words) == 10:
            return tuple(words)
    return None


def tcp_flows(host):
    """{inside port: (reply dst, reply dport)} of the inside host's TCP
    flows to the server in host's table."""
    res = host.run(["conntrack", "-L", "-p", "tcp", "--orig-src", INSIDE],
                   check=False)
    flows = {}
    for line in res.stdout.splitlines():
        w = [x.split("=", 1) for x in line.split() if "=" in x]
        if len(w) >= 8 and w[1][1] == SERVER:
            flows[int(w[2][1])] = (w[5][1], int(w[7][1]))
    return flows


def echo_status(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"sent": 0, "replies": 0, "last_reply": 0}


def test_a_nat_gateway_pair_keeps_icmp_and_tcp_flows_across_a_takeover(topo):
    """select = "all": the backup holds the inside host's ICMP echo flow
    and its TCP connections with the master's SNAT mapping; the master
    dies, b takes over, the echo flow goes on (replies to the same id)
    and every TCP connection continues, none reset or stalled."""
    gw = GwPair(topo)
    a, b = gw.nodes["a"], gw.nodes["b"]
    gw.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    status = os.path.join(topo.workdir, "icmp-echo.json")
    gw.inside.popen([PYTHON, ICMP_ECHO, SERVER, status], log_name="icmp-echo.log")
    client = LoadClient(gw.inside, SERVER, "client",
                        ["--conns", str(CONNS), "--interval-ms", "20"], port=8080)
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections through the gateway" % CONNS)
    wait_until(lambda: echo_status(status)["replies"] >= 5, SETTLE_S,
               "echo replies through the gateway")
    on_a = icmp_flow(a.host)
    assert on_a is not None and "dst=10.0.0.10" in on_a, on_a
    wait_until(lambda: icmp_flow(b.host) == on_a, 10.0,
               "b to hold the echo flow with a's mapping")
    tcp_a = tcp_flows(a.host)
    assert len(tcp_a) == CONNS and {m[0] for m in tcp_a.values()} == {"10.0.0.10"}
    wait_until(lambda: tcp_flows(b.host) == tcp_a, 10.0,
               "b to hold every TCP flow with a's mapping")

    gw.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    seen = echo_status(status)
    wait_until(lambda: echo_status(status)["replies"] >= seen["replies"] + 10,
               SETTLE_S, "echo replies through b")
    assert icmp_flow(b.host) == on_a
    base = client.now()["per_conn_min_messages"]
    client.wait(lambda s: s["per_conn_min_messages"] >= base + 25 and
                s["open"] == CONNS, 20.0, "every connection through b")
    final = client.finish()
    print("client:", json.dumps(final), "echo:", json.dumps(echo_status(status)))
    assert final["failures"] == {}, final
    assert final["opened"] == CONNS
    assert final["bytes_sent"] == final["bytes_received"] > 0


def test_a_select_that_leaves_balancer_services_out_is_warned_of(topo, vipd_bin):
    """A select that no flow of a balancer service can match (udp only,
    the service is tcp): vipd -t accepts it and warns with its FILE:LINE,
    naming the service."""
    pair = Pair(topo)
    node = pair.nodes["a"]
    node.sync["select"] = [{"protocol": "udp"}]
    node.write_config(pair.config_text(node, True))
    res = node.host.run([vipd_bin, "-t", "-f", node.conf_path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert ": warning: conn_sync.select: matches no flow of the balancer's " \
        "service web: their connections are not synced" in out, out
    with open(node.conf_path) as f:
        line = next(i for i, text in enumerate(f, 1) if text.lstrip().startswith("select"))
    assert "%s:%d: warning" % (node.conf_path, line) in out, out


def expectations(host):
    """The FTP data connections host's kernel expects: (expected tuple,
    master's source) of each, from `conntrack -L expect`."""
    res = host.run(["conntrack", "-L", "expect"], check=False)
    found = []
    for line in res.stdout.splitlines():
        w = dict(x.split("=", 1) for x in line.split() if "=" in x)
        if w.get("helper") == "ftp":
            found.append(((w.get("src"), w.get("dst"), w.get("dport")),
                          w.get("master-src")))
    return sorted(found)


def ftp_status(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"stage": "starting"}


def test_an_active_ftp_transfer_opened_after_a_takeover_gets_through(topo):
    """The inside host (behind the gateways' SNAT to the VIP) downloads
    from an outside FTP server in active mode. Its PORT goes through a:
    nf_nat_ftp rewrites it to the VIP and a's kernel expects the server's
    data connection to VIP:port, to be NATed back to the inside host.
    The server connects only after a died and b took over, so that the
    data connection meets b alone: without that expectation on b (with
    its NAT and the control flow's ftp helper) the SYN to the VIP is a
    new flow from outside, which the firewall drops. With it, the file
    arrives whole and the control flow ends the transfer through b; its
    PORT string was one byte shorter after the NAT, so b needs a's
    sequence offsets too (without them the control flow stalls)."""
    gw = GwPair(topo, extra_nft=FTP_NFT)
    a, b = gw.nodes["a"], gw.nodes["b"]
    # PORT 10,1,0,111,... becomes PORT 10,0,0,10,...: one byte shorter,
    # so the control flow's later sequence numbers are the helper's to
    # adjust, on a and after the takeover on b.
    client = inside_host(topo, "in2", FTP_CLIENT, INT_VIP)
    root = os.path.join(topo.workdir, "ftp-root")
    os.makedirs(root, exist_ok=True)
    payload = os.urandom(1 << 20)
    with open(os.path.join(root, "data.bin"), "wb") as f:
        f.write(payload)
    gate = os.path.join(topo.workdir, "ftp-gate")
    gw.client.popen([PYTHON, os.path.join(LIB_DIR, "ftp_server.py"), root,
                     "--address", SERVER, "--gate", gate],
                    log_name="ftp-server.log")
    gw.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    status = os.path.join(topo.workdir, "ftp-client.json")
    client.popen([PYTHON, os.path.join(LIB_DIR, "ftp_active.py"), SERVER,
                  "data.bin", status], log_name="ftp-client.log")
    wait_until(lambda: len(expectations(a.host)) == 1, SETTLE_S,
               "a to expect the FTP data connection")
    on_a = expectations(a.host)
    assert on_a[0][0][1] == "10.0.0.10" and on_a[0][1] == FTP_CLIENT, on_a
    wait_until(lambda: expectations(b.host) == on_a, 10.0,
               "b to hold a's expectation")
    assert conns(b)["expects_installed"] >= 1

    gw.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    with open(gate, "w"):
        pass
    wait_until(lambda: ftp_status(status)["stage"] in ("done", "failed"), 60.0,
               "the FTP transfer to end")
    final = ftp_status(status)
    print("ftp client:", json.dumps(final))
    assert final["stage"] == "done", final
    assert final["bytes"] == len(payload)
    assert final["sha256"] == hashlib.sha256(payload).hexdigest()


def zone_flows(host, zone):
    """{inside port: reply dst} of the inside host's TCP flows to the
    server in conntrack zone `zone` of host's table."""
    res = host.run(["conntrack", "-L", "-p", "tcp", "-w", str(zone),
                    "--orig-src", INSIDE], check=False)
    flows = {}
    for line in res.stdout.splitlines():
        w = [x.split("=", 1) for x in line.split() if "=" in x]
        # conntrack(8) names a zone only when it is not 0.
        zoned = "zone=%d" % zone in line if zone else "zone=" not in line
        if len(w) >= 8 and w[1][1] == SERVER and zoned:
            flows[int(w[2][1])] = w[5][1]
    return flows


def inject_zoned_flow(host, sport, zone):
    """An established flow of the inside host to the server, SNATed to
    the VIP, in conntrack zone `zone` (0: the default)."""
    host.run(["conntrack", "-I", "-p", "tcp", "-s", INSIDE, "-d", SERVER,
              "--sport", str(sport), "--dport", "8080", "-r", SERVER,
              "-q", "10.0.0.10", "--reply-port-src", "8080",
              "--reply-port-dst", str(sport), "--state", "ESTABLISHED",
              "-u", "SEEN_REPLY,ASSURED", "-t", "600", "-w", str(zone)])


def test_a_select_on_a_zone_syncs_that_zones_flows_with_their_zone(topo):
    """select = ( { zone = 5; } ): a flow in conntrack zone 5 of the
    master reaches the backup in zone 5, with its SNAT; a flow of the
    same tuple in zone 0, and another zone-0 flow, are not synced."""
    gw = GwPair(topo, select=[{"zone": 5}])
    a, b = gw.nodes["a"], gw.nodes["b"]
    gw.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    inject_zoned_flow(a.host, 45001, 5)
    inject_zoned_flow(a.host, 45001, 0)
    inject_zoned_flow(a.host, 45002, 0)
    assert zone_flows(a.host, 5) == {45001: "10.0.0.10"}
    assert zone_flows(a.host, 0) == {45001: "10.0.0.10", 45002: "10.0.0.10"}
    wait_until(lambda: zone_flows(b.host, 5) == {45001: "10.0.0.10"}, 10.0,
               "b to hold the zone-5 flow in zone 5")
    # Heartbeats go on; what came for zone 5 came, zone 0 stays out.
    sent = conns(a)["entries_sent"]
    wait_until(lambda: conns(b)["datagrams_received"] > 0 and
               conns(a)["datagrams_sent"] > sent + 2, 5.0, "a few more datagrams")
    assert zone_flows(b.host, 0) == {}, zone_flows(b.host, 0)
    assert conns(a)["entries_sent"] == sent


def test_the_backups_own_connections_survive_its_resync_with_select_all(topo):
    """select = "all": b restarts and sweeps after its full resync what
    a's table does not hold. A flow the master never had (an inside
    host's, stale) is removed; b's own connections are not: one to its
    own address (a management SSH from the server's side) and one from
    it (its own outgoing connection), counted as entries_local."""
    gw = GwPair(topo)
    a, b = gw.nodes["a"], gw.nodes["b"]
    gw.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    b.stop()
    own = [("10.0.0.100", "10.0.0.2", 40022, 22),     # SSH to b
           ("10.1.0.2", "10.1.0.11", 40053, 53)]      # b's own, outgoing
    for src, dst, sport, dport in own:
        b.host.run(["conntrack", "-I", "-p", "tcp", "-s", src, "-d", dst,
                    "--sport", str(sport), "--dport", str(dport),
                    "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED",
                    "-t", "600"])
    b.host.run(["conntrack", "-I", "-p", "tcp", "-s", INSIDE, "-d", SERVER,
                "--sport", "40099", "--dport", "8080", "-r", SERVER,
                "-q", "10.0.0.10", "--reply-port-src", "8080",
                "--reply-port-dst", "40099", "--state", "ESTABLISHED",
                "-u", "SEEN_REPLY,ASSURED", "-t", "600"])
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    wait_until(lambda: conns(b)["stale_removed"] >= 1, SETTLE_S,
               "b to sweep the stale flow")
    assert 40099 not in tcp_flows(b.host)
    for src, dst, sport, dport in own:
        res = b.host.run(["conntrack", "-L", "-p", "tcp", "-s", src, "-d", dst,
                          "--sport", str(sport)], check=False)
        assert "dport=%d" % dport in res.stdout, (src, res.stdout)
    assert conns(b)["entries_local"] >= len(own)
