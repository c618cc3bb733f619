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
"""

import json
import os
import signal
import socket
import struct
import subprocess
import hashlib
import hmac

import pytest

from vipnet import (LIB_DIR, PYTHON, Array, VipdNode, hold_for,
                    libconfig_text, vipd_instance, wait_until)
from lbpair import (LoadClient, appliance_host, cables, conns, inside_host,
                    vipctl_bin, write_key)

VIP, INT_VIP = "10.0.0.10", "10.1.0.254"
SYNC_PORT = 7788
MARK = 0x76697064
KEY = b"0123456789abcdef0123456789abcdef-conn-sync-test-key"
SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")
SETTLE_S = 15.0
CONNS = 200

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
        self.nodes = {}
        for name, n in (("a", 1), ("b", 2)):
            host = appliance_host(topo, name, "10.0.0.%d/24" % n,
                                  "10.1.0.%d/24" % n, "10.2.0.%d/24" % n)
            if not balancer:
                host.run(["nft", "-f", "-"], input=NFT_RULES)
            node = VipdNode(topo, host, instances=[
                vipd_instance(name="ext", vrid=51, vips=(VIP,)),
                vipd_instance(name="int", vrid=52, vips=(INT_VIP,),
                              interface="eth1")])
            node.key_path = os.path.join(node.dir, "sync.key")
            write_key(node.key_path, KEY, 0o600)
            node.sync = {"interface": "eth2", "local": "10.2.0.%d" % n,
                         "peer": "10.2.0.%d" % (3 - n), "port": SYNC_PORT,
                         "key_file": node.key_path,
                         "follow": "edge" if balancer else "ext"}
            node.write_config(self.config_text(node, balancer))
            topo.nodes.append(node)
            self.nodes[name] = node
        for name, n in (("be1", 11), ("be2", 12)):
            host = inside_host(topo, name, "10.1.0.%d" % n, INT_VIP)
            host.popen([PYTHON, SYNCLOAD, "echo", "--port", "8080"],
                       log_name="%s-echo.log" % name)

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
        addresses and conntrack entries it leaves behind serve no one."""
        node.kill(signal.SIGKILL)
        node.wait_exit(5.0)
        cables(node, "down")

    def revive(self, node):
        cables(node, "up")
        node.start()


@pytest.fixture
def pair(topo):
    return Pair(topo)


def marked_entries(host):
    """{client port: (backend, backend port)} of host's balanced flows."""
    res = host.run(["conntrack", "-L", "-p", "tcp", "--mark", str(MARK)],
                   check=False)
    table = {}
    for line in res.stdout.splitlines():
        # orig src, dst, sport, dport, then reply src, dst, sport, dport
        words = [w.split("=", 1) for w in line.split() if "=" in w]
        if len(words) < 8:
            continue
        table[int(words[2][1])] = (words[4][1], int(words[6][1]))
    return table


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


def wire_datagram(key, seq, session, entries=b"", count=None, typ=1):
    """A version-1 sync datagram (lib/ct_wire.h), signed with key."""
    n = count if count is not None else len(entries) // 88
    hdr = struct.pack("!IBBHQIIII", 0x56535943, 1, typ, n, session, 7, seq, 0, 0)
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
    from scapy.all import Ether, IP, UDP, rdpcap   # noqa: E402

    a, b = pair.nodes["a"], pair.nodes["b"]
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

    # An attacker on the sync link who can spoof the peer's address.
    x = pair.topo.add_host("x", "10.0.0.99")
    x.attach("br2", "10.2.0.99/24", "eth1")
    b_mac = json.loads(b.host.run(["ip", "-j", "link", "show", "eth2"]).stdout)[0]["address"]

    def frame(payload, src="10.2.0.1"):
        return bytes(Ether(dst=b_mac) / IP(src=src, dst="10.2.0.2") /
                     UDP(sport=SYNC_PORT, dport=SYNC_PORT) / payload)

    forged_entry = wire_entry("10.0.0.77", 5555)
    before = conns(b)
    table_before = marked_entries(b.host)
    frames = [
        frame(real),                                              # replayed
        frame(wire_datagram(b"not the key" * 4, seq + 100000, session,
                            forged_entry)),                       # bad_hmac
        frame(real[:40]),                                         # truncated
        frame(real[:-1]),                                         # truncated
        frame(real + bytes(1400)),                                # oversized
        frame(b"XXXX" + real[4:]),                                # bad_magic
        frame(wire_datagram(KEY, seq + 100000, session, forged_entry),
              src="10.2.0.99"),                                   # not_peer
    ]
    argv = [PYTHON, os.path.join(LIB_DIR, "scapytool.py"), "send", "--iface",
            "eth1", "--count", "1", "--interval-ms", "0"]
    for f in frames:
        argv += ["--hex", f.hex()]
    x.run(argv, timeout=60)

    want = {"replayed": 1, "bad_hmac": 1, "truncated": 2, "oversized": 1,
            "bad_magic": 1, "not_peer": 1}

    def counted():
        d = conns(b)["drops"]
        return all(d[k] - before["drops"][k] >= v for k, v in want.items())
    wait_until(counted, 10.0, "b to count every bad datagram", interval=0.2)
    after = conns(b)
    for k, v in want.items():
        assert after["drops"][k] - before["drops"][k] == v, (k, after["drops"])
    # Nothing of them reached the table; sync goes on.
    assert after["entries_installed"] == before["entries_installed"]
    hold_for(lambda: 5555 not in marked_entries(b.host), 1.0,
             "the forged flow to stay out of b's table")
    assert set(marked_entries(b.host)) == set(table_before)
    wait_until(lambda: conns(b)["datagrams_received"] > after["datagrams_received"],
               5.0, "b to keep receiving from a")
    assert client.finish()["failures"] == {}


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
    """500 new short connections per second while the master dies: the
    failures (at most those in flight during the detection time) are
    counted and reported, and new connections work through the new master."""
    rate = 500
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S, "b to complete its first resync")
    churn = Client(pair, mode="churn", extra=["--rate", str(rate)])
    churn.wait(lambda s: s["messages"] >= rate, SETTLE_S, "a second of connections",
               failures_ok=True)
    pair.crash(a)
    b.wait_state("MASTER", "ext", SETTLE_S)
    b.wait_state("MASTER", "int", SETTLE_S)
    at_takeover = churn.now()
    wait_until(lambda: churn.now()["messages"] >= at_takeover["messages"] + rate,
               SETTLE_S, "a second of new connections through b")
    final = churn.finish()
    failed = sum(final["failures"].values())
    print("churn: %d connections opened, %d completed, %d failed %r" %
          (final["opened"], final["messages"], failed, final["failures"]))
    # Generous: a connection lost is one caught in the few hundred ms
    # between the master's death and the new master's first advert.
    assert failed <= rate * 2, final
    assert final["messages"] + failed == final["opened"], final


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
