# SPDX-License-Identifier: GPL-2.0-or-later
"""
Connection-table sync (conn_sync): the standby takes over established
connections through the balancer.

Topology (the `pair` fixture):

    client 10.0.0.100 --br0-- a 10.0.0.1 / b 10.0.0.2   VIP 10.0.0.10 (ext)
    be1 10.1.0.11, be2 10.1.0.12 --br1-- a 10.1.0.1 / b 10.1.0.2
                                         internal VIP 10.1.0.254 (int), the
                                         backends' default route
    a 10.2.0.1 --br2-- b 10.2.0.2        the sync link, port 7788

Both nodes run the same two instances (ext and int, one sync group "edge",
which conn_sync follows) at the same priority, so that they fail over
together when the master dies. VIP:80 is a virtual service of vipd's own
balancer (round robin to the backends' port 8080: DNAT of address and
port, ct mark NFT_VIPD_CT_MARK on every balanced flow). Pair(balancer=False)
puts a small nft table of the test's own in its place, which balances the
same way, so that the sync path can be tested without the balancer.

Datagrams are dropped on the sync link by nft rules that match the wire
format's bytes (lib/ctsync/ct_wire.h) at their offsets from the UDP header, and
forged or replayed by a host of the test's own on the sync link (scapy).
Tables of thousands of flows come from tests/lib/ct_fill.c, built here.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import hashlib
import hmac
import time

import pytest

from vipnet import (LIB_DIR, PYTHON, Array, VipdNode, hold_for,
                    libconfig_text, vipctl, vipd_instance, wait_until)
from lbpair import (LoadClient, appliance_host, cables, conns, inside_host,
                    vipctl_bin, write_key)

VIP, INT_VIP = "10.0.0.10", "10.1.0.254"
SYNC_PORT = 7788
MARK = 0x76697064
KEY = b"0123456789abcdef0123456789abcdef-conn-sync-test-key"
SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")
SETTLE_S = 15.0
CONNS = 200
# Generous bound on master event -> backup entry under test load (the
# bench measures the real figure): a flow older than this at a crash is
# on the backup.
SYNC_LAG_MS = 250

NFT_RULES = """
table ip synctest {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr %s tcp dport 80 ct mark set 0x%x dnat to numgen inc mod 2 map { 0 : 10.1.0.11, 1 : 10.1.0.12 } : 8080
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
  }
}
""" % (VIP, MARK)


class Pair:
    """Two vipd nodes, a client and two echo backends (see the module doc)."""

    def __init__(self, topo, balancer=True):
        self.topo = topo
        self.balancer = balancer
        topo.add_segment("br1")
        topo.add_segment("br2")
        self.client = topo.add_host("cl", "10.0.0.100")
        self.hosts = {}
        for name, n in (("a", 1), ("b", 2)):
            host = appliance_host(topo, name, "10.0.0.%d/24" % n,
                                  "10.1.0.%d/24" % n, "10.2.0.%d/24" % n)
            if not balancer:
                host.run(["nft", "-f", "-"], input=NFT_RULES)
            self.hosts[name] = host
        self.make_nodes()
        for name, n in (("be1", 11), ("be2", 12)):
            host = inside_host(topo, name, "10.1.0.%d" % n, INT_VIP)
            host.popen([PYTHON, SYNCLOAD, "echo", "--port", "8080"],
                       log_name="%s-echo.log" % name)

    def make_nodes(self, run=None):
        """A vipd node on each of a and b; `run` (benchmarks) gives every
        run on the same hosts a directory of its own."""
        self.nodes = {}
        for name, n in (("a", 1), ("b", 2)):
            node = VipdNode(self.topo, self.hosts[name], instances=[
                vipd_instance(name="ext", vrid=51, vips=(VIP,)),
                vipd_instance(name="int", vrid=52, vips=(INT_VIP,),
                              interface="eth1")],
                run_dir=None if run is None else "%s-%s" % (run, name))
            node.key_path = os.path.join(node.dir, "sync.key")
            write_key(node.key_path, KEY, 0o600)
            node.sync = {"interface": "eth2", "local": "10.2.0.%d" % n,
                         "peer": "10.2.0.%d" % (3 - n), "port": SYNC_PORT,
                         "key_file": node.key_path,
                         "follow": "edge" if self.balancer else "ext"}
            node.write_config(self.config_text(node, self.balancer))
            self.topo.nodes.append(node)
            self.nodes[name] = node
        return self.nodes

    @staticmethod
    def config_text(node, balancer=False):
        conf = {
            "global": {"router_id": node.name, "state_dir": node.state_dir},
            "vrrp_instances": list(node.instances),
        }
        if balancer:
            conf["sync_groups"] = [{"name": "edge",
                                    "members": Array(["ext", "int"])}]
            conf["virtual_services"] = [{
                "name": "web", "address": VIP, "port": 80, "protocol": "tcp",
                "scheduler": "rr", "backends": [
                    {"address": "10.1.0.11", "port": 8080},
                    {"address": "10.1.0.12", "port": 8080}]}]
        if node.sync is not None:       # None: sync left to something else
            conf["conn_sync"] = node.sync
        return libconfig_text(conf)

    def start(self, first, second):
        """Start `first`, wait until it is master of both, then `second`."""
        first.start()
        first.wait_state("MASTER", "ext", SETTLE_S)
        first.wait_state("MASTER", "int", SETTLE_S)
        second.start()
        second.wait_state("BACKUP", "ext", SETTLE_S)
        second.wait_state("BACKUP", "int", SETTLE_S)

    def crash(self, node):
        """The box dies: SIGKILL, and every cable pulled, so that the
        addresses and conntrack entries it leaves behind serve no one.

        And what was queued in its kernel dies with it: the backends'
        replies that came in on eth1 after eth0's cable was pulled wait
        in the neighbour queue for the client's address (some 3 s, until
        the ARP gives up). Revived sooner, the box flushed them with an
        ARP request from the VIP (their source, still on eth0 until vipd
        starts): that pointed the client's VIP entry at it, and the
        client's next segments were reset there (a test artifact that
        failed step 2 of the failover test whenever step 1 took less
        than 3 s; a box that really dies loses its queues)."""
        node.kill(signal.SIGKILL)
        node.wait_exit(5.0)
        cables(node, "down")
        node.host.run(["ip", "neigh", "flush", "all"], check=False)

    def revive(self, node):
        cables(node, "up")
        node.start()


@pytest.fixture
def pair(topo):
    return Pair(topo)


def marked_entries(host, states=False):
    """{client port: (backend, backend port)} of host's balanced flows;
    with states, {client port: TCP state} ("ESTABLISHED", ...)."""
    res = host.run(["conntrack", "-L", "-p", "tcp", "--mark", str(MARK)],
                   check=False)
    table = {}
    for line in res.stdout.splitlines():
        # "tcp 6 TIMEOUT STATE": then orig src, dst, sport, dport, then
        # reply src, dst, sport, dport
        words = [w.split("=", 1) for w in line.split() if "=" in w]
        if len(words) < 8:
            continue
        sport = int(words[2][1])
        table[sport] = line.split()[3] if states else (words[4][1],
                                                       int(words[6][1]))
    return table


def marked_count(host):
    """How many balanced flows host's kernel holds (any protocol)."""
    res = host.run(["conntrack", "-L", "--mark", str(MARK)], check=False)
    return sum(1 for line in res.stdout.splitlines() if "mark=" in line)


def ct_fill(pair, host, n, mark=MARK, client="10.9.0.1", upto_full=False):
    """tests/lib/ct_fill.c in host: n established NATed flows with mark
    (built into the test's directory the first time)."""
    path = os.path.join(pair.topo.workdir, "ct_fill")
    if not os.path.exists(path):
        subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-o", path,
                        os.path.join(LIB_DIR, "ct_fill.c"),
                        "-lnetfilter_conntrack"], check=True, timeout=60)
    argv = [path, str(n), hex(mark), client, VIP, "10.1.0.11"]
    return host.run(argv + (["--upto-full"] if upto_full else []),
                    timeout=120).stdout


# Fields of a sync datagram as nft raw payload expressions: bit offset from
# the UDP header (8 bytes), width (lib/ctsync/ct_wire.h).
NFT_TYPE = "@th,104,8"              # header byte 5
# The types that carry entries: 1, and 7 between nodes of this release
# (zone and helper after the same 88 bytes; lib/ctsync/ct_wire.h).
NFT_ENTRIES = "{ 1, 7 }"
NFT_DONE = "@th,312,8 & 0x1"        # flags bit 0 (CT_WIRE_F_RESYNC_DONE)
NFT_TAG = "@th,288,16"              # flags bits 16..31
NFT_FIRST_OP = "@th,320,8"          # first entry, byte 0
NFT_FIRST_SPORT = "@th,704,16"      # first entry, original source port


def nft_table(host, name, hook, rules):
    """A table of the test's own in host: one chain on hook with rules."""
    host.run(["nft", "-f", "-"], input="""
table inet %s {
  chain c {
    type filter hook %s priority -10; policy accept;
    %s
  }
}
""" % (name, hook, "\n    ".join(rules)))


def nft_drop_table(host, name):
    host.run(["nft", "delete", "table", "inet", name])


def nft_packets(host, name):
    """Packets counted by the table's rules, added up."""
    out = host.run(["nft", "-j", "list", "table", "inet", name]).stdout
    total = 0
    for item in json.loads(out)["nftables"]:
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                total += expr["counter"]["packets"]
    return total


class Attacker:
    """A host of the test's own on the sync link (10.2.0.99) that puts
    frames with any source address on it, e.g. a pair node's."""

    def __init__(self, pair):
        self.pair = pair
        self.host = pair.topo.add_host("x", "10.0.0.99")
        self.host.attach("br2", "10.2.0.99/24", "eth1")

    def frame(self, to, payload, src):
        from scapy.all import Ether, IP, UDP   # noqa: E402
        mac = json.loads(to.host.run(["ip", "-j", "link", "show", "eth2"])
                         .stdout)[0]["address"]
        return bytes(Ether(dst=mac) / IP(src=src, dst=to.sync["local"]) /
                     UDP(sport=SYNC_PORT, dport=SYNC_PORT) / payload)

    def send(self, frames):
        argv = [PYTHON, os.path.join(LIB_DIR, "scapytool.py"), "send",
                "--iface", "eth1", "--count", "1", "--interval-ms", "0"]
        for f in frames:
            argv += ["--hex", f.hex()]
        self.host.run(argv, timeout=60)


def transitions(node):
    """Every instance's transition count: equal before and after means no
    VRRP state changed meanwhile."""
    return {i["name"]: i["counters"]["transitions"] for i in node.dump()["instances"]}


def became_master_ms(node, name="ext"):
    """CLOCK_MONOTONIC ms of node's latest transition to MASTER (the
    timeline's at_ms; the same clock as time.monotonic())."""
    for t in node.instance(name)["timeline"]:
        if t["to"] == "MASTER":
            return t["at_ms"]
    raise AssertionError("%s on %s never became MASTER" % (name, node.name))


class Client(LoadClient):
    """syncload.py in the client namespace, aimed at VIP:80."""

    def __init__(self, pair, mode="client", extra=()):
        super().__init__(pair.client, VIP, mode, extra)


def all_progress(client, steps=25, timeout=20.0, what="every connection"):
    """Every connection exchanges `steps` more messages."""
    base = client.now()["per_conn_min_messages"]
    return client.wait(lambda s: s["per_conn_min_messages"] >= base + steps
                       and s["open"] == CONNS, timeout,
                       "%s to exchange %d more messages" % (what, steps))


def wait_synced(node, count, timeout=SETTLE_S):
    def done():
        c = conns(node)
        return c["synced"] and c["entries_installed"] + c["entries_updated"] >= count
    wait_until(done, timeout, "%s to hold %d synced entries" % (node.name, count),
               interval=0.2)


# ---------------------------------------------------------------------------

@pytest.mark.parametrize("balancer", [True, False],
                         ids=["vipd_balancer", "own_nft_rules"])
def test_established_connections_survive_failover_restart_and_failback(topo, balancer):
    pair = Pair(topo, balancer=balancer)
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    assert conns(a)["role"] == "sender" and conns(b)["role"] == "receiver"

    client = Client(pair, extra=["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections exchanging messages" % CONNS)
    wait_synced(b, CONNS)
    # The backup holds every flow with the master's NAT mapping, installed
    # (not re-balanced by its own DNAT rule, which would pick other backends).
    on_a = marked_entries(a.host)
    wait_until(lambda: marked_entries(b.host) == on_a, 10.0,
               "b's balanced flows to equal a's")
    assert len(on_a) == CONNS
    # ... and with their TCP state (established: the master's, not the
    # SYN_SENT a packet-less entry would get).
    states_a = marked_entries(a.host, states=True)
    assert set(states_a.values()) == {"ESTABLISHED"}, states_a
    wait_until(lambda: marked_entries(b.host, states=True) == states_a, 10.0,
               "b's flows to have a's TCP states")

    # 1. the master dies: b takes over every connection
    pair.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    all_progress(client, what="every connection through b")
    assert conns(b)["role"] == "sender"

    # 2. a comes back as backup and resyncs from b
    pair.revive(a)
    a.wait_state("BACKUP", "ext", SETTLE_S)
    wait_until(lambda: conns(a)["resyncs_completed"] >= 1, SETTLE_S,
               "a to complete a resync")
    wait_synced(a, CONNS)
    on_b = marked_entries(b.host)
    wait_until(lambda: marked_entries(a.host) == on_b, 10.0,
               "a's balanced flows to equal b's")
    all_progress(client, steps=10)

    # 3. failing back: b dies, a takes the connections back
    pair.crash(b)
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)
    all_progress(client, what="every connection back through a")

    final = client.finish()
    print("client:", json.dumps(final))
    assert final["failures"] == {}, final
    assert final["opened"] == CONNS
    assert final["bytes_sent"] == final["bytes_received"] > 0


def test_established_connections_survive_a_live_hand_over(pair):
    """vipctl drill: the master hands the sync group over to b (priority
    0, make-before-break), holds BACKUP, then takes it back. The 200
    connections go through b and back again: every one continues, no
    reset, no byte lost or duplicated (counted end to end)."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    for inst in a.instances:           # a takes the group back (preempt)
        inst["priority"] = 150
    a.write_config(Pair.config_text(a, True))
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    client = Client(pair, extra=["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections exchanging messages" % CONNS)
    wait_synced(b, CONNS)
    on_a = marked_entries(a.host)
    wait_until(lambda: marked_entries(b.host) == on_a, 10.0,
               "b's balanced flows to equal a's")

    drill = subprocess.Popen([vipctl_bin(), "-s", os.path.join(a.state_dir, "vipd.sock"),
                              "drill", "ext", "--hold", "4"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        b.wait_state("MASTER", "ext", SETTLE_S)
        b.wait_state("MASTER", "int", SETTLE_S)
        wait_until(lambda: conns(b)["role"] == "sender", 5.0, "b to send")
        all_progress(client, steps=10, what="every connection through b")
        assert b.state("ext") == "MASTER", "the hold ended before the check"
        report, _ = drill.communicate(timeout=60)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    print(report)
    assert drill.returncode == 0 and "sync group edge moved as one" in report, report
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)
    wait_until(lambda: conns(a)["role"] == "sender", 5.0, "a to send again")
    all_progress(client, steps=10, what="every connection back through a")

    final = client.finish()
    print("client:", json.dumps(final))
    assert final["failures"] == {}, final
    assert final["opened"] == CONNS
    assert final["bytes_sent"] == final["bytes_received"] > 0


A_ID = struct.unpack("!I", socket.inet_aton("10.2.0.1"))[0]
B_ID = struct.unpack("!I", socket.inet_aton("10.2.0.2"))[0]


def wire_datagram(key, seq, session, entries=b"", count=None, typ=1,
                  sender_id=A_ID):
    """A version-1 sync datagram (lib/ctsync/ct_wire.h), signed with key;
    by default under a's sender id, as a's own (captured) datagrams are:
    a receiver numbers each node's datagrams in a window of their own."""
    n = count if count is not None else len(entries) // 88
    hdr = struct.pack("!IBBHQIIII", 0x56535943, 1, typ, n, session, sender_id,
                      seq, 0, 0)
    body = hdr + entries
    return body + hmac.new(key, body, hashlib.sha256).digest()


def wire_entry(src, sport):
    """A TCP entry src:sport -> VIP:80, DNAT to be1:8080."""
    def tup(a, b, sp, dp):
        return (socket.inet_aton(a) + bytes(12) + socket.inet_aton(b) +
                bytes(12) + struct.pack("!HH", sp, dp))
    return (struct.pack("!BBBBIII", 1, 2, 6, 3, 0x18a, 300, MARK) +
            tup(src, VIP, sport, 80) + tup("10.1.0.11", src, 8080, sport))


def test_forged_replayed_and_truncated_datagrams_are_dropped_and_counted(pair):
    """Bad datagrams (scapy, from a host on the sync link that spoofs the
    master's address) change nothing and are counted by reason: replayed,
    a wrong key, truncated, oversized, bad magic, a foreign source, and,
    signed with the right key, a reordered one (from before b's last full
    resync request, which the dump supersedes) and one of an earlier run
    of the master (an older session, while the master is alive). And b's
    own datagrams sent back to it with a's address (reflected: the key is
    the same both ways): its real first resync request, captured, and a
    heartbeat of a newer session under b's id. Taken for a restarted
    peer, they made b follow its own session, go unsynced and drop a's
    datagrams as too old from then on."""
    from scapy.all import UDP, rdpcap   # noqa: E402

    a, b = pair.nodes["a"], pair.nodes["b"]
    own_pcap = os.path.join(pair.topo.workdir, "own.pcap")
    dumper = b.host.popen(["tcpdump", "-q", "-U", "-i", "eth2", "-c", "1",
                           "-w", own_pcap, "udp and src host 10.2.0.2 and "
                           "dst port %d" % SYNC_PORT], log_name="own-tcpdump.log")
    time.sleep(1.0)                 # tcpdump listening before b asks
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    client = Client(pair, extra=["--conns", "20", "--interval-ms", "50"])
    client.wait(lambda s: s["open"] == 20, SETTLE_S, "20 connections")
    wait_synced(b, 20)

    # A real datagram from a to b, to replay and to cut.
    pcap = os.path.join(pair.topo.workdir, "sync.pcap")
    b.host.run(["timeout", "10", "tcpdump", "-q", "-i", "eth2", "-c", "2", "-w",
                pcap, "udp and src host 10.2.0.1 and dst port %d" % SYNC_PORT])
    real = bytes(rdpcap(pcap)[-1][UDP].payload)
    session = struct.unpack("!Q", real[8:16])[0]
    seq = struct.unpack("!I", real[20:24])[0]
    # b started after a had sent heartbeats: its window starts above 1.
    assert seq > 2 and conns(b)["peer_session"] == session
    wait_until(lambda: not dumper.alive(), 10.0, "b's first datagram captured")
    own = bytes(rdpcap(own_pcap)[0][UDP].payload)
    b_session = conns(b)["session"]
    assert own[5] == 2 and struct.unpack("!Q", own[8:16])[0] == b_session
    b_id = struct.unpack("!I", socket.inet_aton("10.2.0.2"))[0]
    assert struct.unpack("!I", own[16:20])[0] == b_id

    x = Attacker(pair)

    def frame(payload, src="10.2.0.1"):
        return x.frame(b, payload, src)

    forged = {sport: wire_entry("10.0.0.77", sport) for sport in (5555, 5556, 5557)}
    before = conns(b)
    table_before = marked_entries(b.host)
    frames = [
        frame(real),                                              # replayed
        frame(wire_datagram(b"not the key" * 4, seq + 100000, session,
                            forged[5555])),                       # bad_hmac
        frame(real[:40]),                                         # truncated
        frame(real[:-1]),                                         # truncated
        frame(real + bytes(1400)),                                # oversized
        frame(b"XXXX" + real[4:]),                                # bad_magic
        frame(wire_datagram(KEY, seq + 100000, session, forged[5555]),
              src="10.2.0.99"),                                   # not_peer
        frame(wire_datagram(KEY, 1, session, forged[5556])),      # reordered
        frame(wire_datagram(KEY, seq + 1, session - 1,
                            forged[5557])),                       # older run
        frame(own),                                               # reflected
        frame(wire_datagram(KEY, 5, b_session + 1, typ=4,
                            sender_id=b_id)),                     # reflected
    ]
    x.send(frames)

    want = {"replayed": 1, "bad_hmac": 1, "truncated": 2, "oversized": 1,
            "bad_magic": 1, "not_peer": 1, "too_old": 2, "reflected": 2}

    def counted():
        d = conns(b)["drops"]
        return all(d[k] - before["drops"][k] >= v for k, v in want.items())
    wait_until(counted, 10.0, "b to count every bad datagram", interval=0.2)
    after = conns(b)
    for k, v in want.items():
        assert after["drops"][k] - before["drops"][k] == v, (k, after["drops"])
    # Nothing of them reached the table; sync goes on with the live master
    # (an older session is not followed while the master speaks).
    assert after["entries_installed"] == before["entries_installed"]
    assert after["sessions_adopted"] == 0 and after["peer_session"] == session
    assert after["synced"] and after["resyncs_requested"] == before["resyncs_requested"]
    hold_for(lambda: not set(forged) & set(marked_entries(b.host)), 1.0,
             "the forged flows to stay out of b's table")
    assert set(marked_entries(b.host)) == set(table_before)
    wait_until(lambda: conns(b)["datagrams_received"] > after["datagrams_received"],
               5.0, "b to keep receiving from a")
    assert conns(b)["drops"]["too_old"] == after["drops"]["too_old"]
    assert client.finish()["failures"] == {}


def test_a_resent_update_does_not_bring_back_a_flow_destroyed_meanwhile(pair):
    """The datagram with a flow's creation is lost on the way to b; the
    next one, its destroy, arrives. b asks for the lost one (nack) and a
    resends it: b must not install the flow again (it would linger there
    for the days an established entry lives, and meet a reused tuple with
    a stale NAT mapping); the late entry is counted in entries_stale."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    for attempt in range(3):
        sport = 41000 + attempt
        before = conns(b)
        # a's datagrams with an update of this flow first never reach b.
        nft_table(b.host, "lose", "input", [
            'iifname "eth2" udp dport %d %s %s %s 1 %s %d counter drop'
            % (SYNC_PORT, NFT_TYPE, NFT_ENTRIES, NFT_FIRST_OP, NFT_FIRST_SPORT, sport)])
        inject_flow(a.host, sport)
        a.host.run(["conntrack", "-D", "-p", "tcp", "-s", STALE[0], "--sport",
                    str(sport)])
        wait_until(lambda: conns(b)["entries_deleted"] > before["entries_deleted"],
                   5.0, "the flow's destroy to reach b")
        assert nft_packets(b.host, "lose") >= 1
        resent = conns(a)["datagrams_resent"]
        nft_drop_table(b.host, "lose")
        wait_until(lambda: conns(a)["datagrams_resent"] > resent, 5.0,
                   "a to resend the lost datagram")
        hold_for(lambda: sport not in marked_entries(b.host), 1.5,
                 "the destroyed flow to stay away from b")
        after = conns(b)
        # The lost datagram came back by nack, not through a full resync
        # (which would have made it too old); else try again.
        if after["resyncs_requested"] == before["resyncs_requested"]:
            break
        print("attempt %d: b gave the gap up for a full resync; again" % attempt)
    else:
        raise AssertionError("the lost datagram never came back by a nack")
    assert after["entries_stale"] > before["entries_stale"], after
    # Skipped entries are loss repair, not refused datagrams.
    assert "stale_entry" not in after["drops"]
    assert sport not in marked_entries(a.host)
    # Sync goes on: a new flow still comes, and goes.
    inject_flow(a.host, 41999)
    wait_until(lambda: 41999 in marked_entries(b.host), 5.0, "a new flow on b")


def test_only_the_answer_to_its_request_ends_a_resync(pair):
    """A full dump that answers no request of b's (a's 30 s refresh, or
    one a nack for lost numbers started) may have begun before b asked and
    hold less than the table: it must not end b's resync. Here b's requests
    never reach a, and a dump without b's tag comes (a nack for numbers a
    no longer holds, forged from b's address): b stays unsynced and keeps
    asking; once its request gets through, a's tagged answer ends it."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    nft_table(b.host, "noreq", "output", [
        'oifname "eth2" udp dport %d %s 2 counter drop' % (SYNC_PORT, NFT_TYPE)])
    pair.start(a, b)
    inject_flow(a.host, 42000)
    wait_until(lambda: 42000 in marked_entries(b.host), 10.0,
               "the flow's event to reach b")
    wait_until(lambda: conns(b)["resyncs_requested"] >= 2, 10.0,
               "b to ask (twice) for a resync")
    assert nft_packets(b.host, "noreq") >= 2

    served = conns(a)["resyncs_served"]
    # Sequence number 1 of b's session: a has seen nothing of b's (its
    # requests were dropped), and b's next request comes after it.
    nack = wire_datagram(KEY, 1, conns(b).get("session", 1),
                         struct.pack("!II", 1, 100000), count=1, typ=3,
                         sender_id=B_ID)
    x = Attacker(pair)
    x.send([x.frame(a, nack, src="10.2.0.2")])
    wait_until(lambda: conns(a)["resyncs_served"] > served, 5.0,
               "a to send a dump no request of b's asked for")
    hold_for(lambda: not conns(b)["synced"], 2.0,
             "b to stay unsynced after a dump without its tag")
    got = conns(b)
    assert got["dumps_received"] >= 1 and got["resyncs_completed"] == 0, got

    nft_drop_table(b.host, "noreq")
    wait_until(lambda: conns(b)["synced"], SETTLE_S,
               "b to be synced by the answer to its request")
    assert conns(b)["resyncs_completed"] == 1


def test_a_restart_with_the_clock_set_back_starts_a_newer_session(pair):
    """The session orders the peer's runs by its clock; a node whose clock
    was ahead during its last run (and was then set back) would start an
    older session and be refused. vipd keeps its last session in
    state_dir/conn_sync.session and starts above it: here the last run's
    clock was 11 days ahead, and a restart is followed at once, with no
    drop and no fallback to following an older session."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    ahead = time.time_ns() + 10 ** 15
    with open(os.path.join(a.state_dir, "conn_sync.session"), "w") as f:
        f.write("%d\n" % ahead)
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    assert conns(a)["session"] == ahead + 1
    assert conns(b)["peer_session"] == ahead + 1
    with open(os.path.join(a.state_dir, "conn_sync.session")) as f:
        assert int(f.read()) == ahead + 1

    assert a.stop() == 0
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    a.start()
    a.wait_state("BACKUP", "ext", SETTLE_S)
    wait_until(lambda: conns(a)["synced"], SETTLE_S, "a to resync from b")
    assert conns(a)["session"] == ahead + 2
    got = conns(b)
    assert got["peer_session"] == ahead + 2
    assert got["drops"]["too_old"] == 0 and got["sessions_adopted"] == 0, got


def test_a_peer_whose_session_went_back_is_followed_after_silence(pair):
    """b follows the newest session it has seen; when that is not the
    master's (here a forged one far ahead, as a peer whose clock was ahead
    and lost its state_dir would leave), the master's datagrams are too
    old. Once the followed session has said nothing for a second, b
    follows the master's again (counted and logged), resyncs, and new
    flows reach it."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    session = conns(a)["session"]
    x = Attacker(pair)
    x.send([x.frame(b, wire_datagram(KEY, 1, session + 10 ** 15, typ=4),
                    src="10.2.0.1")])
    wait_until(lambda: conns(b)["drops"]["too_old"] > 0, 5.0,
               "b to refuse the master's older session for a while")
    wait_until(lambda: conns(b)["sessions_adopted"] == 1, 10.0,
               "b to follow the master's session again")
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to resync")
    assert conns(b)["peer_session"] == session
    inject_flow(a.host, 42100)
    wait_until(lambda: 42100 in marked_entries(b.host), 5.0, "a new flow on b")
    assert "restarted with an older session" in b.log_text()
    assert conns(b)["sessions_adopted"] == 1


DUMP_FLOWS = 20000


@pytest.mark.heavy
def test_a_full_dump_of_20000_flows_is_paced(pair):
    """a holds 20 000 balanced flows when b starts and asks for them all.
    The dump is paced (lib/ctsync/ct_sync.h): no pass of a's loop sends more
    than a few dozen datagrams (unpaced, it was the whole table, ~1 300
    datagrams in one pass, while VRRP waits), the send queue never wraps
    over unsent datagrams (queue_full), one dump is enough (b loses
    nothing it must ask again for), b ends up with every flow, and no VRRP
    state changes meanwhile on either node."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    a.start()
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)
    assert "created %d of %d" % (DUMP_FLOWS, DUMP_FLOWS) in ct_fill(
        pair, a.host, DUMP_FLOWS)
    assert marked_count(a.host) == DUMP_FLOWS
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    b.wait_state("BACKUP", "int", SETTLE_S)
    trans_a, trans_b = transitions(a), transitions(b)
    wait_until(lambda: conns(b)["synced"], 30.0, "b to complete its resync")
    wait_until(lambda: marked_count(b.host) == DUMP_FLOWS, 10.0,
               "b to hold every flow")
    sent, got = conns(a), conns(b)
    print("dump: %d datagrams at most per pass, %d resyncs served, b: %d "
          "nacks, %d entries installed" % (sent["dump_pass_datagrams_max"],
                                            sent["resyncs_served"],
                                            got["nacks_sent"],
                                            got["entries_installed"]))
    assert sent["queue_full"] == 0 and sent["send_errors"] == 0, sent
    assert 0 < sent["dump_pass_datagrams_max"] <= 64, sent
    assert sent["dumps_partial"] == 0 and sent["dump_entries_skipped"] == 0
    assert sent["resyncs_served"] == 1 and got["resyncs_requested"] == 1, (sent, got)
    assert got["entries_installed"] >= DUMP_FLOWS and got["table_full"] == 0, got
    assert transitions(a) == trans_a and transitions(b) == trans_b
    assert a.state("ext") == "MASTER" and b.state("ext") == "BACKUP"


def test_the_backup_does_no_netlink_lookup_for_its_own_installs(pair):
    """Events of a flow without a TCP state make the master fetch the
    whole entry (a blocking netlink GET) before it sends it. The backup's
    events are its own installs, which it never sends: it must not pay a
    round trip per installed flow for them (event_lookups stays 0)."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    for sport in range(42200, 42210):
        a.host.run(["conntrack", "-I", "-p", "tcp", "-s", STALE[0], "-d", VIP,
                    "--sport", str(sport), "--dport", "80", "-r", "10.1.0.11",
                    "-q", STALE[0], "--reply-port-src", "8080",
                    "--reply-port-dst", str(sport), "--state", "NONE",
                    "-t", "600", "-m", str(MARK)])
    wait_until(lambda: set(range(42200, 42210)) <= set(marked_entries(b.host)),
               5.0, "the flows on b")
    assert conns(a)["event_lookups"] >= 10
    assert conns(b)["event_lookups"] == 0


@pytest.mark.heavy
def test_a_full_table_on_the_backup_is_counted_not_a_crash(pair):
    """b's conntrack table is full (of assured flows of its own, which the
    kernel never drops early): the entries a sends cannot be installed.
    Each is counted (table_full), b goes on receiving and stays BACKUP;
    once there is room, new flows are installed again.

    nf_conntrack_max is read-only outside the initial namespace on this
    kernel (writing it there fails with EINVAL) and changing it there would
    change the host's, so the table is filled up to the limit instead: the
    limit is checked per namespace, against the host's value (262 144
    entries, some 80 MB of kernel memory, freed with the namespace)."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    limit = int(b.host.run(["sysctl", "-n", "net.netfilter.nf_conntrack_max"])
                .stdout)
    if limit > 1000000:
        pytest.skip("nf_conntrack_max is %d: too many entries to fill" % limit)
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    trans_b = transitions(b)
    out = ct_fill(pair, b.host, limit, mark=7, client="10.8.0.1", upto_full=True)
    print("fill:", out.strip())
    before = conns(b)
    for sport in range(42300, 42305):
        inject_flow(a.host, sport)
    wait_until(lambda: conns(b)["table_full"] - before["table_full"] >= 5, 10.0,
               "b to count the entries it has no room for")
    got = conns(b)
    assert got["install_errors"] == before["install_errors"], got
    assert not set(range(42300, 42305)) & set(marked_entries(b.host))
    wait_until(lambda: conns(b)["datagrams_received"] > got["datagrams_received"],
               5.0, "b to keep receiving")
    assert b.alive() and transitions(b) == trans_b and b.state("ext") == "BACKUP"

    # Room again (the fillers of the last client address go): new flows
    # are installed.
    last = "10.8.0.%d" % (limit // 50000 + 1)
    b.host.run(["conntrack", "-D", "-s", last], check=False, timeout=120)
    inject_flow(a.host, 42310)
    wait_until(lambda: 42310 in marked_entries(b.host), 10.0,
               "a new flow on b once there is room")


def test_key_file_world_readable_or_short_is_refused(topo, vipd_bin):
    host = topo.add_host("a", "10.0.0.1")
    node = VipdNode(topo, host, instances=[vipd_instance(name="ext", vips=(VIP,))])
    cases = [("world.key", KEY, 0o644, "is world-readable (mode 0644)"),
             ("short.key", KEY[:31] + b"\n", 0o600,
              "holds 31 bytes; the key needs at least 32")]
    for fname, data, mode, reason in cases:
        path = os.path.join(node.dir, fname)
        write_key(path, data, mode)
        node.sync = {"interface": "eth0", "local": "10.0.0.1", "peer": "10.0.0.2",
                     "key_file": path, "follow": "ext"}
        node.write_config(Pair.config_text(node))
        res = host.run([vipd_bin, "-t", "-f", node.conf_path], check=False)
        assert res.returncode == 1, res.stdout + res.stderr
        assert "conn_sync.key_file: %s %s" % (path, reason) in res.stderr, res.stderr
        node.start(wait_ready=False, expect_exit=1)
        assert node.wait_exit(10.0) == 1
        assert reason in node.log_text()


def test_new_connections_during_a_failover_are_counted(pair):
    """500 new connections per second while the master dies. Each holds
    for 2 s between two messages, so about a thousand are established at
    the kill: sync must keep them. Failures are at most those in flight
    during the detection time (rate x detection), none of a connection
    established more than SYNC_LAG_MS before the kill (its entries were on
    b), and 50 long-lived ones continue without a failure. Without sync,
    the established ones fail (b has no entry: a re-balanced packet meets
    a backend with no such connection) far beyond that bound."""
    rate, hold_ms = 500, 2000
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    live = Client(pair, extra=["--conns", "50", "--interval-ms", "20"])
    live.wait(lambda s: s["open"] == 50 and s["per_conn_min_messages"] >= 5,
              SETTLE_S, "50 long-lived connections")
    churn = Client(pair, mode="churn", extra=["--rate", str(rate),
                                              "--hold-ms", str(hold_ms)])
    churn.wait(lambda s: s["messages"] >= rate, SETTLE_S,
               "a second of completed connections")
    killed_ms = time.monotonic() * 1000.0
    pair.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    detection_s = (became_master_ms(b) - killed_ms) / 1000.0
    at_takeover = churn.now()
    wait_until(lambda: churn.now()["messages"] >= at_takeover["messages"] + 2 * rate,
               SETTLE_S + hold_ms / 1000.0, "two seconds of connections through b")
    final, kept = churn.finish(), live.finish()
    failed = sum(final["failures"].values())
    bound = rate * detection_s
    print("churn: detection %.0f ms, %d connections opened, %d completed, %d "
          "failed %r (bound %.0f); long-lived: %r" %
          (detection_s * 1000, final["opened"], final["messages"], failed,
           final["failures"], bound, kept["failures"]))
    assert 0 < detection_s < 5.0
    assert failed <= bound, final
    # A connection set up in the last moments before the kill may have had
    # its events still in the master's socket: only those may fail.
    synced_then = [t for t in final.get("established_failed_at", [])
                   if t * 1000.0 < killed_ms - SYNC_LAG_MS]
    assert synced_then == [], (killed_ms, final)
    assert final["messages"] + failed == final["opened"], final
    assert kept["failures"] == {} and kept["bytes_sent"] == kept["bytes_received"]


def test_lost_datagrams_are_repaired(pair):
    """A third of the master's sync datagrams are lost on the way: the
    backup asks for the gaps (nack), gets them resent, and ends up with
    every flow."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    a.host.run(["nft", "-f", "-"], input="""
table ip lossy {
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport %d numgen random mod 3 0 drop
  }
}
""" % SYNC_PORT)
    client = Client(pair, extra=["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections exchanging messages" % CONNS)
    on_a = marked_entries(a.host)
    assert len(on_a) == CONNS
    wait_until(lambda: marked_entries(b.host) == on_a, 10.0,
               "b's balanced flows to equal a's despite the losses")
    sent, got = conns(a), conns(b)
    print("loss: a resent %d datagrams, served %d resyncs; b sent %d nacks, "
          "asked %d resyncs" % (sent["datagrams_resent"], sent["resyncs_served"],
                                got["nacks_sent"], got["resyncs_requested"]))
    assert got["nacks_sent"] > 0
    assert sent["datagrams_resent"] > 0 or sent["resyncs_served"] > 1
    assert client.finish()["failures"] == {}


BURST_FLOWS = 20000
BURST_LOSS_PER_MILLE = 5
# Generous: the fixed code replicates the burst in well under a second
# here; one full resync of the table (a gap given up) still fits, a storm
# of them or the 30 s refresh does not.
BURST_REPAIRED_S = 5.0


@pytest.mark.heavy
def test_light_loss_during_a_burst_is_repaired_by_nacks_alone(pair):
    """0.5 % of the sync datagrams are lost on b's way in while 20 000 new
    balanced flows open on a at once. b finds each gap behind a queue of
    datagrams it has not read yet, and the resend its nack asks for joins
    the back of that queue: a gap must neither be asked for again while
    its resend is still queued nor be given up for a full resync, nor may
    overlapping gaps of the burst be timed as one. So b holds every flow
    within a few seconds, through nacks and resends: at most one full
    resync (none, as a rule), no resend it had to refuse as replayed or
    too old (a resend no longer needed is counted as resends_unneeded and
    not warned about), no warning of a dropped datagram, and the sweep
    after a resync removes nothing a holds. The burst goes out in full
    datagrams: a few events a wake-up, each sent at once, made 3 to 4 times
    as many, which the backup read too slowly and which overran the
    window."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    before, sent_before = conns(b), conns(a)
    log_before = len(b.log_text())
    nft_table(b.host, "lossy", "input", [
        'iifname "eth2" udp dport %d numgen random mod 1000 < %d counter drop'
        % (SYNC_PORT, BURST_LOSS_PER_MILLE)])
    t0 = time.monotonic()
    assert "created %d of %d" % (BURST_FLOWS, BURST_FLOWS) in ct_fill(
        pair, a.host, BURST_FLOWS)
    wait_until(lambda: marked_count(b.host) >= BURST_FLOWS,
               BURST_REPAIRED_S - (time.monotonic() - t0),
               "b to hold all %d flows despite the losses" % BURST_FLOWS,
               interval=0.1)
    took = time.monotonic() - t0
    lost = nft_packets(b.host, "lossy")
    nft_drop_table(b.host, "lossy")
    got, sent = conns(b), conns(a)
    print("burst: %d flows on b in %.2f s; %d datagrams lost, b sent %d nacks "
          "and asked %d resyncs, a resent %d, %d resends unneeded"
          % (BURST_FLOWS, took, lost, got["nacks_sent"] - before["nacks_sent"],
             got["resyncs_requested"] - before["resyncs_requested"],
             sent["datagrams_resent"] - sent_before["datagrams_resent"],
             got.get("resends_unneeded", 0) - before.get("resends_unneeded", 0)))
    assert lost > 0
    # The burst went out in full datagrams (10 entries of type 7 between
    # nodes of this release, 15 of type 1; a partial batch waits a moment
    # for more): as many datagrams as needed is what the receive queue and
    # the window are sized by.
    resent = sent["datagrams_resent"] - sent_before["datagrams_resent"]
    assert (sent["datagrams_sent"] - sent_before["datagrams_sent"] - resent
            <= BURST_FLOWS / 10 * 1.2 + 20), sent
    assert got["nacks_sent"] > before["nacks_sent"], got
    assert resent > 0, sent
    assert got["resyncs_requested"] <= before["resyncs_requested"] + 1, got
    for reason in ("replayed", "too_old"):
        assert got["drops"][reason] == before["drops"][reason], got
    assert "dropped datagram" not in b.log_text()[log_before:]
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to be synced")
    assert marked_count(b.host) == marked_count(a.host) == BURST_FLOWS


RESYNC_FLOWS = 80000     # a dump of 1.7 s (48 000 a second): longer than
                         # CT_RECV_GAP_MAX_MS


@pytest.mark.heavy
def test_a_gap_given_up_during_a_resync_asks_for_a_new_one(pair):
    """b restarts with 80 000 flows in its kernel table, synced before, and
    asks for a full resync. One datagram of the dump never reaches b and
    neither do b's nacks: b gives the gap up for a full resync while the
    dump that answers its first request is still under way. That dump
    started before the lost datagram was sent and cannot stand for it: b
    must ask anew (a new tag), not end its resync with the running dump
    and sweep, which would delete the live flows the lost datagram carried
    (until a's next 30 s refresh). So b holds every flow and its sweep
    removes nothing."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    assert "created %d of %d" % (RESYNC_FLOWS, RESYNC_FLOWS) in ct_fill(
        pair, a.host, RESYNC_FLOWS)
    wait_until(lambda: marked_count(b.host) == RESYNC_FLOWS, 30.0,
               "b to hold every flow", interval=0.5)
    b.stop()
    nft_table(b.host, "nonack", "output", [
        'oifname "eth2" udp dport %d %s 3 counter drop' % (SYNC_PORT, NFT_TYPE)])
    # The 20th datagram of entries b gets: early in the dump.
    nft_table(b.host, "lose", "input", [
        'iifname "eth2" udp dport %d %s %s numgen inc mod 1000000000 19 '
        'counter drop' % (SYNC_PORT, NFT_TYPE, NFT_ENTRIES)])
    served = conns(a)["resyncs_served"]
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    wait_until(lambda: conns(b)["resyncs_requested"] >= 2, 10.0,
               "b to give the gap up for a full resync")
    assert nft_packets(b.host, "lose") == 1
    nft_drop_table(b.host, "nonack")
    wait_until(lambda: conns(b)["synced"], 30.0, "b to be synced")
    # The sweep (after the dump that answers the last request) is done.
    wait_until(lambda: "removed" in b.log_text() or
               conns(a)["resyncs_served"] >= served + 2, 10.0,
               "a to serve b's second request")
    time.sleep(2.0)
    got = conns(b)
    assert got["stale_removed"] == 0, got
    assert "entries the master no longer has" not in b.log_text()
    assert marked_count(b.host) == RESYNC_FLOWS


TABLE_FLOWS = 20000


@pytest.mark.heavy
def test_a_better_node_preempts_only_once_it_holds_the_table(pair):
    """b has the higher priority (150, preempt) and starts while a is
    master of 20 000 flows; the sync datagrams of entries do not reach b
    (its heartbeats do: the peer is heard). As master without the table, b
    would drop every established connection, so it does not preempt: it
    follows a (BACKUP well past Master_Down_Interval), and says why. Once
    the entries come, b is synced, holds every flow, and preempts."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    for inst in b.instances:
        inst["priority"] = 150
    b.write_config(Pair.config_text(b, True))
    a.start()
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)
    assert "created %d of %d" % (TABLE_FLOWS, TABLE_FLOWS) in ct_fill(
        pair, a.host, TABLE_FLOWS)
    nft_table(b.host, "noentries", "input", [
        'iifname "eth2" udp dport %d %s %s counter drop' % (SYNC_PORT, NFT_TYPE,
                                                        NFT_ENTRIES)])
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    # 100 ms adverts: Master_Down_Interval is some 0.36 s.
    time.sleep(3.0)
    assert b.state("ext") == "BACKUP" and b.state("int") == "BACKUP"
    assert a.state("ext") == "MASTER"
    assert not conns(b)["synced"]
    assert "does not preempt until the connection table is here" in b.log_text()
    assert nft_packets(b.host, "noentries") > 0
    nft_drop_table(b.host, "noentries")
    b.wait_state("MASTER", "ext", 30.0)
    b.wait_state("MASTER", "int", 10.0)
    assert conns(b)["resyncs_completed"] >= 1
    assert marked_count(b.host) >= TABLE_FLOWS
    assert "may preempt again: the connection table is here" in b.log_text()
    a.wait_state("BACKUP", "ext", 10.0)


def test_a_gap_that_cannot_be_repaired_ends_in_a_full_resync(pair):
    """b's nacks never reach a (dropped on b's way out) and the datagram
    with a new flow's creation never reaches b: the gap outlives
    CT_RECV_GAP_MAX_MS (1 s) and b gives it up for a full resync (logged,
    resyncs_requested), whose dump brings the flow: the two tables end
    equal. last_resync_ago_ms counts from b's first resync, grows, and
    starts again at the second; a, which never received one, has none."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    first = conns(b)
    assert conns(a)["last_resync_ago_ms"] is None
    assert 0 <= first["last_resync_ago_ms"] < SETTLE_S * 1000, first
    time.sleep(1.0)
    before = conns(b)
    assert before["last_resync_ago_ms"] >= first["last_resync_ago_ms"] + 900, before
    sent = conns(a)

    sport = 42400
    nft_table(b.host, "nonack", "output", [
        'oifname "eth2" udp dport %d %s 3 counter drop' % (SYNC_PORT, NFT_TYPE)])
    nft_table(b.host, "lose", "input", [
        'iifname "eth2" udp dport %d %s %s %s %d counter drop'
        % (SYNC_PORT, NFT_TYPE, NFT_ENTRIES, NFT_FIRST_SPORT, sport)])
    inject_flow(a.host, sport)
    wait_until(lambda: nft_packets(b.host, "lose") >= 1, 5.0,
               "the flow's datagram to be lost")
    # Only that one: the dump that repairs it must get through (it comes
    # after CT_RECV_GAP_MAX_MS at the earliest).
    nft_drop_table(b.host, "lose")
    wait_until(lambda: conns(b)["resyncs_requested"] > before["resyncs_requested"],
               10.0, "b to give the gap up for a full resync")
    wait_until(lambda: sport in marked_entries(b.host), 10.0,
               "the lost flow on b through the resync")
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to be synced again")
    got = conns(b)
    # The gap was asked for, at once and again, and nothing came back.
    assert got["nacks_sent"] >= before["nacks_sent"] + 2, got
    assert nft_packets(b.host, "nonack") >= 2
    after_a = conns(a)
    assert after_a["nacks_received"] == sent["nacks_received"], after_a
    assert after_a["datagrams_resent"] == sent["datagrams_resent"], after_a
    assert after_a["resyncs_served"] > sent["resyncs_served"], after_a
    assert got["resyncs_completed"] > before["resyncs_completed"], got
    assert "datagrams lost for good, asking for a full resync" in b.log_text()
    assert got["last_resync_ago_ms"] < before["last_resync_ago_ms"], got
    assert marked_entries(b.host) == marked_entries(a.host)
    nft_drop_table(b.host, "nonack")


def test_lag_shows_how_late_entries_arrive(pair):
    """lag_ms is the age of the last datagram of entries when b got it
    (both clocks are the host's here), lag_max_ms the largest so far. A
    slow sync link (a tbf queue of 16 kbit/s on a's eth2) holds a burst of
    new flows for seconds: lag_ms and lag_max_ms show it; once the link is
    fast again, lag_ms falls back and lag_max_ms keeps the peak."""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    inject_flow(a.host, 42500)
    wait_until(lambda: 42500 in marked_entries(b.host), 5.0, "a flow on b")
    fast = conns(b)
    assert 0 <= fast["lag_ms"] < 500 and fast["lag_max_ms"] >= fast["lag_ms"], fast
    a.host.run(["tc", "qdisc", "add", "dev", "eth2", "root", "tbf", "rate",
                "16kbit", "burst", "1600", "limit", "1000000"])
    ct_fill(pair, a.host, 60)       # 5 kB or more: 2 s or more at 2 kB/s
    wait_until(lambda: marked_count(b.host) >= 61, 30.0,
               "the burst to reach b over the slow link")
    slow = conns(b)
    print("lag: fast %d ms, slow %d ms (max %d ms)" % (fast["lag_ms"],
                                                       slow["lag_ms"],
                                                       slow["lag_max_ms"]))
    assert slow["lag_ms"] >= 1000 and slow["lag_max_ms"] >= slow["lag_ms"], slow
    a.host.run(["tc", "qdisc", "del", "dev", "eth2", "root"])
    inject_flow(a.host, 42501)
    wait_until(lambda: 42501 in marked_entries(b.host), 5.0, "a flow on b")
    again = conns(b)
    assert 0 <= again["lag_ms"] < 500, again
    assert again["lag_max_ms"] == slow["lag_max_ms"], again


# More than the ring holds in full datagrams (8192 x 15 entries).
QUEUE_FLOWS = 130000


@pytest.mark.heavy
def test_a_send_queue_overflow_is_counted_and_repaired(pair):
    """Nothing a sends leaves its box for a while (a tbf queue of 8 kbit/s
    on a's eth2 holds its datagrams, which keep a's socket buffer full,
    squeezed to 64 kB with socket_buffer_bytes) while 135 000 new flows
    open: the ring of 8192 datagrams is the send queue, and each datagram
    it wraps over unsent is counted (queue_full) and logged, not a crash;
    a stays master and no VRRP state changes. A flow destroyed early on
    has its destroy among those dropped unsent. Once the link is back, b
    finds the numbers missing, more than its window spans or fewer (its
    nacks then name numbers a no longer holds, and the gap is given up),
    repairs it through a full resync, holds every flow, and sweeps the
    destroyed one.

    (With the default 8 MiB buffer the kernel holds some 15 000 small
    datagrams before the ring has to: that many flows more, for the same
    event.)"""
    a, b = pair.nodes["a"], pair.nodes["b"]
    gone = 60500                     # above ct_fill's source ports
    a.sync["socket_buffer_bytes"] = 65536
    a.write_config(Pair.config_text(a, True))
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    inject_flow(a.host, gone)
    wait_until(lambda: gone in marked_entries(b.host), 5.0, "a flow on b")
    trans_a, trans_b = transitions(a), transitions(b)
    asked = conns(b)["resyncs_requested"]
    a.host.run(["tc", "qdisc", "add", "dev", "eth2", "root", "tbf", "rate",
                "8kbit", "burst", "1600", "limit", "10000000"])
    # Enough first to fill the queue at the link and the socket, so that
    # the destroy waits in the ring; then more than the ring holds.
    assert "created 5000 of 5000" in ct_fill(pair, a.host, 5000)
    a.host.run(["conntrack", "-D", "-p", "tcp", "-s", STALE[0], "--sport",
                str(gone)])
    assert "created %d of %d" % (QUEUE_FLOWS, QUEUE_FLOWS) in ct_fill(
        pair, a.host, QUEUE_FLOWS, client="10.9.1.1")
    wait_until(lambda: conns(a)["queue_full"] > 0, 30.0,
               "a to count the datagrams its ring dropped unsent")
    held = conns(a)
    print("queue: %d entries in %d datagrams, %d dropped unsent, %d events "
          "lost" % (held["entries_sent"], held["datagrams_sent"],
                    held["queue_full"], held["events_lost"]))
    assert held["send_errors"] == 0, held
    assert a.alive() and a.state("ext") == "MASTER"
    assert "send queue full on eth2" in a.log_text()
    a.host.run(["tc", "qdisc", "del", "dev", "eth2", "root"])
    total = 5000 + QUEUE_FLOWS
    assert marked_count(a.host) == total
    wait_until(lambda: marked_count(b.host) == total and
               gone not in marked_entries(b.host), 60.0,
               "b to hold every flow and none more after the link is back")
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to be synced again")
    got = conns(b)
    assert got["resyncs_requested"] > asked, got
    assert got["stale_removed"] >= 1, got
    assert ("more datagrams lost on eth2 than the window can ask for" in
            b.log_text() or "datagrams lost for good" in b.log_text())
    assert conns(a)["queue_full"] >= held["queue_full"]
    assert transitions(a) == trans_a and transitions(b) == trans_b
    assert a.state("ext") == "MASTER" and b.state("ext") == "BACKUP"


def test_state_shows_in_vipctl_conns_and_dumps_and_bad_reload_keeps_sync(pair):
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    sock = os.path.join(a.state_dir, "vipd.sock")
    text = subprocess.run([vipctl_bin(), "-s", sock, "conns"], capture_output=True,
                          text=True, timeout=10).stdout
    assert "conn_sync: sender, following sync group edge" in text, text
    assert "peer 10.2.0.2 port 7788" in text and "bad_hmac 0" in text, text
    dump = b.dump()["conn_sync"]
    assert dump["role"] == "receiver" and dump["synced"] is True, dump
    assert dump["kernel_filter"] is True, dump
    assert dump["counters"]["resyncs_completed"] >= 1, dump
    with open(os.path.join(b.state_dir, "vipd.data")) as f:
        assert "conn_sync: receiver" in f.read()

    # A flow created and destroyed on the master comes and goes on the
    # backup; an unmarked one (not balanced) never reaches it.
    flow = ["-p", "tcp", "-s", "10.9.9.9", "-d", VIP, "--sport", "4444",
            "--dport", "80"]
    for mark, sport in ((MARK, "4444"), (7, "4445")):
        a.host.run(["conntrack", "-I", "-p", "tcp", "-s", "10.9.9.9", "-d", VIP,
                    "--sport", sport, "--dport", "80", "-r", "10.1.0.11",
                    "-q", "10.9.9.9", "--reply-port-src", "8080",
                    "--reply-port-dst", sport, "--state", "ESTABLISHED",
                    "-t", "300", "--mark", str(mark)])
        # (no --status: conntrack 1.4.7 then writes the status over the mark)
    wait_until(lambda: marked_entries(b.host).get(4444) == ("10.1.0.11", 8080),
               5.0, "the new flow on b, with its NAT mapping")
    assert b.host.run(["conntrack", "-L", "-p", "tcp", "--sport", "4445"],
                      check=False).stdout.strip() == ""
    a.host.run(["conntrack", "-D"] + flow)
    wait_until(lambda: 4444 not in marked_entries(b.host), 5.0,
               "the destroyed flow to go from b")
    assert conns(b)["entries_deleted"] >= 1

    # A reload with a key file others may read is refused, with the reason;
    # sync runs on as it was.
    os.chmod(b.key_path, 0o644)
    before = conns(b)["datagrams_received"]
    res = subprocess.run([vipctl_bin(), "-s", os.path.join(b.state_dir, "vipd.sock"),
                          "reload"], capture_output=True, text=True, timeout=10)
    assert res.returncode != 0
    assert "is world-readable (mode 0644)" in res.stdout + res.stderr
    wait_until(lambda: conns(b)["datagrams_received"] > before, 5.0,
               "b to keep receiving after the refused reload")
    # Fixed and reloaded with a new port on both: sync restarts on it.
    os.chmod(b.key_path, 0o600)
    for node in (a, b):
        node.sync["port"] = 7799
        node.reload(text=Pair.config_text(node, True))
    wait_until(lambda: conns(b)["port"] == 7799 and conns(a)["port"] == 7799,
               10.0, "both on the new port")
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to resync on the new port")


def test_sync_link_missing_at_start_is_retried(pair):
    a, b = pair.nodes["a"], pair.nodes["b"]
    b.host.run(["ip", "link", "del", "eth2"])
    pair.start(a, b)
    wait_until(lambda: "conn_sync: not running" in b.log_text(), 10.0,
               "b to say sync cannot start")
    b.host.attach("br2", "10.2.0.2/24", "eth2")

    def synced():
        try:
            return conns(b)["synced"]
        except AssertionError:      # "conn_sync is not running" until then
            return False
    wait_until(synced, SETTLE_S, "b to start sync once eth2 is there")


def test_sync_over_an_ipv6_link(topo):
    pair = Pair(topo)
    for name, n in (("a", 1), ("b", 2)):
        node = pair.nodes[name]
        for key in ("disable_ipv6=0", "accept_dad=0"):
            node.host.run(["sysctl", "-qw", "net.ipv6.conf.eth2." + key])
        node.host.add_addr("fd00:2::%d/64" % n, dev="eth2")
        node.sync.update(local="fd00:2::%d" % n, peer="fd00:2::%d" % (3 - n))
        node.write_config(Pair.config_text(node, True))
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to resync over IPv6")
    assert conns(b)["peer"] == "fd00:2::1"
    client = Client(pair, extra=["--conns", "20", "--interval-ms", "50"])
    client.wait(lambda s: s["open"] == 20, SETTLE_S, "20 connections")
    on_a = marked_entries(a.host)
    wait_until(lambda: marked_entries(b.host) == on_a, 10.0,
               "b's balanced flows to equal a's")
    assert client.finish()["failures"] == {}


STALE = ("10.0.0.100", 40999)     # client address and port of the injected flow


def inject_flow(host, sport):
    """A balanced, established flow as the master's kernel would hold it
    (DNAT VIP:80 -> 10.1.0.11:8080, our mark), without a live client."""
    host.run(["conntrack", "-I", "-p", "tcp", "-s", STALE[0], "-d", VIP,
              "--sport", str(sport), "--dport", "80", "-r", "10.1.0.11",
              "-q", STALE[0], "--reply-port-src", "8080", "--reply-port-dst",
              str(sport), "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED",
              "-t", "600", "-m", str(MARK)])


def test_flow_ended_while_backup_was_away_is_swept_after_resync(pair):
    """The backup's sync link goes down and its vipd stops (maintenance);
    meanwhile a flow ends on the master. The backup's kernel still holds
    it; after the full resync that the restarted vipd asks for, the entry
    is gone (swept: the master's dump did not contain it), the master's
    live flows stay. (An outage of the link alone is repaired by nacks:
    the destroy is resent from the master's ring.)"""
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    client = Client(pair, extra=["--conns", "20", "--interval-ms", "50"])
    client.wait(lambda s: s["open"] == 20 and s["per_conn_min_messages"] >= 3,
                SETTLE_S, "20 connections exchanging messages")
    inject_flow(a.host, STALE[1])
    wait_until(lambda: STALE[1] in marked_entries(b.host), 10.0,
               "the injected flow on b")
    live = set(marked_entries(a.host)) - {STALE[1]}
    assert len(live) == 20

    pair.topo.sw_run(["ip", "link", "set", "b-eth2", "down"])
    b.stop()
    a.host.run(["conntrack", "-D", "-p", "tcp", "-s", STALE[0], "--sport",
                str(STALE[1])])
    assert STALE[1] not in marked_entries(a.host)
    assert STALE[1] in marked_entries(b.host)
    served = conns(a)["resyncs_served"]
    pair.topo.sw_run(["ip", "link", "set", "b-eth2", "up"])
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    wait_until(lambda: STALE[1] not in marked_entries(b.host), SETTLE_S,
               "b to remove the stale entry after its resync")
    assert conns(a)["resyncs_served"] > served
    assert conns(b)["stale_removed"] == 1
    assert live <= set(marked_entries(b.host))
    assert "removed 1 entries the master no longer has" in b.log_text()
    assert client.finish()["failures"] == {}


# ---------------------------------------------------------------------------
# Redundant links (conn_sync.links): a second sync link a 10.3.0.1 --br3--
# b 10.3.0.2 on eth3.

LINK_FLOWS = 10000


def two_links(pair):
    """Give both nodes a second sync link on eth3 and conn_sync.links."""
    pair.topo.add_segment("br3")
    for name, n in (("a", 1), ("b", 2)):
        node = pair.nodes[name]
        node.host.attach("br3", "10.3.0.%d/24" % n, "eth3")
        node.sync = {"links": [
            {"interface": "eth2", "local": "10.2.0.%d" % n,
             "peer": "10.2.0.%d" % (3 - n)},
            {"interface": "eth3", "local": "10.3.0.%d" % n,
             "peer": "10.3.0.%d" % (3 - n)}],
            "port": SYNC_PORT, "key_file": node.key_path, "follow": "edge"}
        node.write_config(pair.config_text(node, pair.balancer))


def cut(pair, dev):
    """The cable of dev is cut, the NICs stay up: sync datagrams sent on
    dev leave without an error and vanish (dropped as they come in, at
    both ends, by a table of the test's own)."""
    for node in pair.nodes.values():
        nft_table(node.host, "cut_" + dev, "input",
                  ['iifname "%s" udp dport %d drop' % (dev, SYNC_PORT)])


def mend(pair, dev):
    for node in pair.nodes.values():
        nft_drop_table(node.host, "cut_" + dev)


def link(node, dev):
    return [l for l in conns(node)["links"] if l["interface"] == dev][0]


def flow_keys(host):
    """(client address, client port) of every balanced flow in host."""
    res = host.run(["conntrack", "-L", "-p", "tcp", "--mark", str(MARK)],
                   check=False)
    keys = set()
    for line in res.stdout.splitlines():
        words = dict(w.split("=", 1) for w in line.split()[4:8] if "=" in w)
        if "src" in words and "sport" in words:
            keys.add((words["src"], int(words["sport"])))
    return keys


def test_a_link_cut_mid_burst_loses_nothing_and_is_used_again(pair):
    """Two sync links; the one in use is cut in the middle of a burst of
    10 000 new flows: the stream moves to the other within a second, the
    backup ends up with every flow, both say which link is down; the link
    restored is answered again and the stream comes back to it."""
    import threading
    two_links(pair)
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    for node in (a, b):
        wait_until(lambda: all(l["health"] == "up" for l in conns(node)["links"]),
                   SETTLE_S, "both links of %s to answer" % node.name)
    assert link(a, "eth2")["active"] and not link(a, "eth3")["active"]
    sent0 = conns(a)["entries_sent"]
    half = LINK_FLOWS // 2

    cut_done = threading.Event()

    # The second half waits for the cut: on a busy machine the whole
    # burst could otherwise be streamed before cut() is through.
    def burst():
        ct_fill(pair, a.host, half, client="10.9.0.1")
        cut_done.wait(60.0)
        ct_fill(pair, a.host, LINK_FLOWS - half, client="10.9.0.2")

    filler = threading.Thread(target=burst)
    filler.start()
    try:
        wait_until(lambda: conns(a)["entries_sent"] - sent0 >= 1000, 60.0,
                   "a to stream the first flows of the burst", interval=0.05)
        cut(pair, "eth2")
        streamed = conns(a)["entries_sent"] - sent0
    finally:
        cut_done.set()
        filler.join()
    assert streamed < LINK_FLOWS, "the burst ended before the cut"
    on_a = flow_keys(a.host)
    assert len(on_a) == LINK_FLOWS
    wait_until(lambda: link(a, "eth3")["active"], 5.0,
               "a's stream to move to eth3")
    wait_until(lambda: flow_keys(b.host) == on_a, 60.0,
               "b to hold every one of a's %d flows" % LINK_FLOWS, interval=0.5)
    la, lb = link(a, "eth2"), link(b, "eth2")
    assert la["health"] == "down" and la["changed_ago_ms"] is not None
    wait_until(lambda: link(b, "eth2")["health"] == "down", 5.0,
               "b to see eth2 down")
    assert link(b, "eth3")["health"] == "up"
    status = vipctl(vipctl_bin(), a, "status").stdout
    assert "link eth2 to 10.2.0.2: down" in status, status
    assert "link eth3 to 10.3.0.2: up, active" in status, status
    assert conns(a)["link_switches"] >= 1
    print("cut after %d entries: a resent %d, served %d resyncs; b sent %d "
          "nacks" % (streamed, conns(a)["datagrams_resent"],
                     conns(a)["resyncs_served"], conns(b)["nacks_sent"]))
    # What the cut link swallowed before it was noticed was repaired.
    assert conns(b)["nacks_sent"] > 0 or conns(b)["resyncs_requested"] > 1

    # The cable is mended: eth2 answers again and takes the stream back.
    mend(pair, "eth2")
    wait_until(lambda: link(a, "eth2")["health"] == "up" and
               link(a, "eth2")["active"], SETTLE_S,
               "a's stream to come back to eth2")
    before = link(a, "eth2")["counters"]["datagrams_sent"]
    got_before = link(b, "eth2")["counters"]["datagrams_received"]
    ct_fill(pair, a.host, 200, client="10.9.0.3")
    on_a = flow_keys(a.host)
    wait_until(lambda: flow_keys(b.host) == on_a, 30.0,
               "b to hold the flows sent after the repair")
    assert link(a, "eth2")["counters"]["datagrams_sent"] > before
    assert link(b, "eth2")["counters"]["datagrams_received"] > got_before


def test_two_links_to_one_peer_over_one_interface_are_refused(topo, vipd_bin):
    """Bad links are FILE:LINE errors from `vipd -t`."""
    pair = Pair(topo)
    node = pair.nodes["a"]
    node.sync = {"links": [
        {"interface": "eth2", "local": "10.2.0.1", "peer": "10.2.0.2"},
        {"interface": "eth2", "local": "10.2.0.3", "peer": "10.2.0.2"},
        {"interface": "eth3", "local": "10.3.0.1", "peer": "10.2.0.1"}],
        "port": SYNC_PORT, "key_file": node.key_path, "follow": "edge"}
    node.write_config(pair.config_text(node, True))
    res = node.host.run([vipd_bin, "-t", "-f", node.conf_path], check=False)
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout + res.stderr
    assert "conn_sync.links[1]: a second link to 10.2.0.2 over eth2" in out, out
    assert "conn_sync.links[2].peer: 10.2.0.1 is our own local address" in out, out


# ---------------------------------------------------------------------------
# More than two nodes: a, b and c on every segment, c 10.x.0.3; each node's
# conn_sync.links names the two others over eth2 (one local address, one
# socket), priorities a 150 > b 120 > c 100.

class Trio(Pair):
    """Three vipd nodes in one VRRP group, each syncing with both others."""

    PRIO = {"a": 150, "b": 120, "c": 100}

    def __init__(self, topo):
        self.topo = topo
        self.balancer = True
        topo.add_segment("br1")
        topo.add_segment("br2")
        self.client = topo.add_host("cl", "10.0.0.100")
        self.hosts = {}
        for name, n in (("a", 1), ("b", 2), ("c", 3)):
            self.hosts[name] = appliance_host(
                topo, name, "10.0.0.%d/24" % n, "10.1.0.%d/24" % n,
                "10.2.0.%d/24" % n)
        self.nodes = {}
        for name, n in (("a", 1), ("b", 2), ("c", 3)):
            node = VipdNode(self.topo, self.hosts[name], instances=[
                vipd_instance(name="ext", vrid=51, vips=(VIP,),
                              priority=self.PRIO[name]),
                vipd_instance(name="int", vrid=52, vips=(INT_VIP,),
                              interface="eth1", priority=self.PRIO[name])])
            node.key_path = os.path.join(node.dir, "sync.key")
            write_key(node.key_path, KEY, 0o600)
            node.sync = {"links": [
                {"interface": "eth2", "local": "10.2.0.%d" % n,
                 "peer": "10.2.0.%d" % k} for k in (1, 2, 3) if k != n],
                "port": SYNC_PORT, "key_file": node.key_path,
                "follow": "edge"}
            node.write_config(self.config_text(node, True))
            self.topo.nodes.append(node)
            self.nodes[name] = node
        for name, n in (("be1", 11), ("be2", 12)):
            host = inside_host(topo, name, "10.1.0.%d" % n, INT_VIP)
            host.popen([PYTHON, SYNCLOAD, "echo", "--port", "8080"],
                       log_name="%s-echo.log" % name)


def test_three_nodes_each_backup_takes_over_with_every_flow(topo):
    """a is master and streams to b and c, each of which repairs and
    resyncs on its own; a dies: b takes over with every flow, live
    connections go on through it, and it streams to c; b dies: c takes
    over with every flow, and the connections go on through c."""
    trio = Trio(topo)
    a, b, c = (trio.nodes[n] for n in "abc")
    trio.start(a, b)
    c.start()
    c.wait_state("BACKUP", "ext", SETTLE_S)
    for node in (b, c):
        wait_until(lambda: conns(node)["synced"], SETTLE_S,
                   "%s to complete its first resync" % node.name)
    for node in (a, b, c):
        wait_until(lambda: all(l["health"] == "up" for l in conns(node)["links"])
                   and all(l["active"] for l in conns(node)["links"]),
                   SETTLE_S, "both links of %s to answer" % node.name)
    client = Client(trio, extra=["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections exchanging messages" % CONNS)
    ct_fill(trio, a.host, 2000, client="10.9.0.1")
    on_a = flow_keys(a.host)
    assert len(on_a) == 2000 + CONNS
    for node in (b, c):
        wait_until(lambda: flow_keys(node.host) == on_a, 60.0,
                   "%s to hold every one of a's flows" % node.name,
                   interval=0.5)
    # b's and c's resync requests and a's stream went to each of them.
    assert conns(a)["resyncs_served"] >= 2, conns(a)

    # 1. a dies: b takes over and streams to c.
    trio.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    c.wait_state("BACKUP", "ext", SETTLE_S)
    assert flow_keys(b.host) >= on_a
    all_progress(client, what="every connection through b")
    assert conns(b)["role"] == "sender"
    ct_fill(trio, b.host, 1000, client="10.9.0.2")
    on_b = flow_keys(b.host)
    assert len(on_b) >= len(on_a) + 1000
    wait_until(lambda: flow_keys(c.host) >= on_b, 60.0,
               "c to hold every one of b's flows", interval=0.5)
    assert conns(c)["synced"]
    assert conns(c)["following"] == "%08x" % struct.unpack(
        "!I", socket.inet_aton("10.2.0.2"))[0], conns(c)

    # 2. b dies: c takes over with every flow.
    trio.crash(b)
    c.wait_state("MASTER", "ext", SETTLE_S)
    c.wait_state("MASTER", "int", SETTLE_S)
    assert flow_keys(c.host) >= on_b
    all_progress(client, what="every connection through c")
    final = client.finish()
    print("client:", json.dumps(final))
    assert final["failures"] == {}, final
    assert final["opened"] == CONNS
