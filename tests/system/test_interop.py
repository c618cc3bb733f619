# SPDX-License-Identifier: GPL-2.0-or-later
"""
vipd next to keepalived 2.2.7 in every mode an operator migrating from it
runs: VRRPv2 and v3 over IPv4, v3 over IPv6, multicast and unicast, with
either one as the master. In each, exactly one node holds the VIP, the
other takes over when the master dies, and the master preempts back when
it returns. In unicast mode an advert from an address that is not a
configured peer is dropped and counted (not_peer), never obeyed. Every
advert vipd sends, in each mode (v2 PASS and AH, VMAC too), as the owner,
taking over and saying goodbye with priority 0, and the unsolicited
Neighbour Advertisements of an IPv6 master, pass tshark's dissectors with
checksum verification and no warning.
"""

import json
import os
import re
import subprocess

import pytest

import vrrpcraft
from vipnet import hold_for, wait_until

V_IP, K_IP, CLIENT_IP, ROGUE_IP = "192.0.2.1", "192.0.2.2", "192.0.2.50", "192.0.2.66"
V_IP6, K_IP6, CLIENT_IP6, ROGUE_IP6 = "2001:db8::1", "2001:db8::2", "2001:db8::50", "2001:db8::66"
VIP4, VIP6 = "192.0.2.100", "2001:db8::100"
SECRET = "s3cret"

# The drops that would mean vipd and keepalived disagree about the wire.
WIRE_DROPS = ("ip_header", "protocol", "ttl", "truncated", "version", "type",
              "length", "checksum", "interval", "auth_type", "auth", "not_peer")

MATRIX = [(2, 4), (3, 4), (3, 6)]        # RFC 3768 is IPv4 only


def timing(version):
    """(advert interval in s, settle timeout, hold time) for a version:
    v3 runs at 100 ms; v2 counts whole seconds (Master_Down ~3.6 s)."""
    return (1, 20.0, 2.0) if version == 2 else (0.1, 10.0, 1.0)


class Pair:
    """vipd on v and keepalived on k sharing VRID 51 and one VIP, plus a
    client; unicast: each lists the other's address as its only peer."""

    def __init__(self, topo, version, family, unicast, v_priority, k_priority,
                 auth=None):
        six = family == 6
        self.vip = VIP6 if six else VIP4
        self.interval_s, self.settle_s, self.hold_s = timing(version)
        v_addr, k_addr = (V_IP6, K_IP6) if six else (V_IP, K_IP)
        v_extra, k_extra = {}, {}
        if unicast:
            v_extra = {"unicast_src": v_addr, "unicast_peers": [k_addr]}
            k_extra = {"unicast_src": k_addr, "unicast_peers": [v_addr]}
        if auth:
            v_extra["authentication"] = {"type": auth, "secret": SECRET}
            k_extra.update(auth_type=auth.upper(), auth_pass=SECRET)
        self.v = topo.add_vipd("v", V_IP, ipv6=V_IP6 if six else None,
                               priority=v_priority, version=version,
                               advert_interval_ms=int(self.interval_s * 1000),
                               vips=(self.vip,), **v_extra)
        self.k = topo.add_keepalived("k", K_IP, ipv6=K_IP6 if six else None,
                                     priority=k_priority, version=version,
                                     advert_int=self.interval_s,
                                     vips=(self.vip,), **k_extra)
        self.client = topo.add_host("client", CLIENT_IP,
                                    ipv6=CLIENT_IP6 if six else None)
        # Whom vipd names as master when keepalived is: its advert source,
        # the link-local address for IPv6 multicast (RFC 5798 5.1.2.1).
        self.k_source = k_addr if unicast or not six else self.k.host.link_local()

    def only(self, node):
        other = self.k if node is self.v else self.v
        return node.has_vip(self.vip) and not other.has_vip(self.vip)

    def wait_only(self, node, what):
        wait_until(lambda: self.only(node), self.settle_s, what)
        hold_for(lambda: self.only(node), self.hold_s,
                 "%s alone holds %s" % (node.name, self.vip))

    def crash(self, node):
        """The box dies (SIGKILL, cable pulled)."""
        node.crash()

    def revive(self, node):
        """The box reboots: a dead keepalived's VIP does not survive a
        reboot (vipd removes the one its crashed run left by itself)."""
        if node is self.k:
            node.host.run(["ip", "addr", "flush", "dev", "eth0", "to",
                           self.vip], check=False)
            # Nor do its pid files (the killed VRRP child may linger as a
            # zombie that keepalived would take for a running daemon).
            for name in os.listdir(node.dir):
                if name.endswith(".pid"):
                    os.unlink(os.path.join(node.dir, name))
        node.host.plug()
        node.start()


def neighbour_mac(host, ip):
    """The link-layer address host's neighbour cache holds for ip, if any."""
    out = host.run(["ip", "-j", "-6", "neigh", "show", ip, "dev", "eth0"]).stdout
    for entry in json.loads(out or "[]"):
        if entry.get("lladdr"):
            return entry["lladdr"]
    return None


def client_learns(p, node):
    """IPv6: the client reaches the VIP at node (a neighbour entry for it)."""
    # A datagram to the VIP is enough to make the client resolve it (NS/NA).
    p.client.run(["python3", "-c", "import socket; socket.socket(socket."
                  "AF_INET6, socket.SOCK_DGRAM).sendto(b'x', ('%s', 9))" % p.vip])
    wait_until(lambda: neighbour_mac(p.client, p.vip) == node.mac, p.settle_s,
               "the client to resolve %s to %s" % (p.vip, node.name))


def na_moves_client_to(p, node):
    """The client's entry follows the new master without the client
    sending anything: only vipd's unsolicited NA (override) can do that."""
    wait_until(lambda: neighbour_mac(p.client, p.vip) == node.mac, p.settle_s,
               "the client's neighbour entry for %s to move to %s"
               % (p.vip, node.name))


def assert_serves_at_once(node, vip):
    """An IPv6 VIP vipd added skipped duplicate address detection: never
    tentative, so it answers the moment vipd is master."""
    out = node.host.run(["ip", "-j", "-6", "addr", "show", "dev", "eth0"]).stdout
    flags = [a for link in json.loads(out) for a in link.get("addr_info", [])
             if a.get("local") == vip]
    assert flags and flags[0].get("nodad") and not flags[0].get("tentative"), flags


def vipd_drops(node):
    return node.instance()["counters"]["drops"]


def assert_no_wire_drops(node):
    drops = vipd_drops(node)
    bad = {r: drops[r] for r in WIRE_DROPS if drops.get(r)}
    assert not bad, "vipd dropped keepalived's adverts: %s" % bad


@pytest.mark.parametrize("master", ["vipd", "keepalived"])
@pytest.mark.parametrize("mode", ["multicast", "unicast"])
@pytest.mark.parametrize("version,family", MATRIX,
                         ids=["v2-ipv4", "v3-ipv4", "v3-ipv6"])
def test_vipd_and_keepalived_elect_one_master_and_fail_over_both_ways(
        topo, vipd_bin, keepalived_bin, version, family, mode, master):
    hi, lo = 150, 100
    p = Pair(topo, version, family, mode == "unicast",
             v_priority=hi if master == "vipd" else lo,
             k_priority=lo if master == "vipd" else hi)
    first, second = (p.v, p.k) if master == "vipd" else (p.k, p.v)

    p.k.start()
    p.v.start()
    p.wait_only(first, "%s (priority %d) to be the only master" % (master, hi))
    if master == "keepalived":
        wait_until(lambda: p.v.instance()["master_address"] == p.k_source,
                   p.settle_s, "vipd to follow keepalived at %s" % p.k_source)
        assert p.v.state() == "BACKUP"
        if family == 6:
            client_learns(p, p.k)

    # The master dies: the other takes over.
    p.crash(first)
    wait_until(lambda: second.has_vip(p.vip), p.settle_s,
               "%s to take over" % second.name)
    if second is p.v:
        p.v.wait_state("MASTER", timeout=p.settle_s)
        if family == 6:
            assert_serves_at_once(p.v, p.vip)
            na_moves_client_to(p, p.v)
    elif family == 6:
        client_learns(p, p.k)

    # It comes back, hears the new master's adverts and preempts it.
    p.revive(first)
    p.wait_only(first, "%s to preempt back" % first.name)
    if first is p.v:
        p.v.wait_state("MASTER", timeout=p.settle_s)
        if family == 6:
            na_moves_client_to(p, p.v)
        assert p.v.instance()["counters"]["adverts_received"] >= 1, \
            "vipd never heard keepalived"
    else:
        wait_until(lambda: p.v.state() == "BACKUP", p.settle_s,
                   "vipd to yield to keepalived")
    assert_no_wire_drops(p.v)


def test_v2_ah_over_unicast_with_keepalived(topo, vipd_bin, keepalived_bin):
    """keepalived leaves TTL out of the AH ICV for unicast peers (it may
    change on a routed path): vipd signs and verifies the same way."""
    p = Pair(topo, 2, 4, True, v_priority=150, k_priority=100, auth="ah")
    p.k.start()
    p.v.start()
    p.wait_only(p.v, "vipd to be the only master")
    p.crash(p.v)
    wait_until(lambda: p.k.has_vip(p.vip), p.settle_s, "keepalived to take over")
    p.revive(p.v)
    p.wait_only(p.v, "vipd to preempt back")
    assert p.v.instance()["counters"]["adverts_received"] >= 1
    assert_no_wire_drops(p.v)
    assert vipd_drops(p.v)["ah_seq"] == 0
    assert "HMAC-MD5" not in p.k.log_text()


# -- unicast: adverts from anyone but a peer ---------------------------------

def rogue_frames(family, rogue, v, priority, hlim=255):
    """Valid adverts for VRID 51 from the rogue, to vipd's address and to
    the multicast group: priority 255 would make any master yield."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.layers.vrrp import VRRPv3

    if family == 4:
        frames = []
        for dst, mac in ((V_IP, v.mac), (vrrpcraft.VRRP_GROUP, "01:00:5e:00:00:12")):
            payload = vrrpcraft.advert(ROGUE_IP, priority=priority, addrs=(VIP4,),
                                       dst=dst)
            frames.append(bytes(Ether(src=rogue.mac, dst=mac) /
                                IP(src=ROGUE_IP, dst=dst, ttl=255, proto=112) /
                                payload))
        return frames
    return [bytes(Ether(src=rogue.mac, dst=mac) /
                  IPv6(src=ROGUE_IP6, dst=dst, hlim=hlim) /
                  VRRPv3(vrid=51, priority=priority, ipcount=1, adv=10,
                         addrlist=[VIP6]))
            for dst, mac in ((V_IP6, v.mac), ("ff02::12", "33:33:00:00:00:12"))]


@pytest.mark.parametrize("family", [4, 6], ids=["ipv4", "ipv6"])
def test_unicast_advert_from_a_non_peer_is_dropped_and_counted(
        topo, vipd_bin, keepalived_bin, family):
    p = Pair(topo, 3, family, True, v_priority=150, k_priority=100)
    rogue = topo.add_host("rogue", ROGUE_IP,
                          ipv6=ROGUE_IP6 if family == 6 else None)
    p.k.start()
    p.v.start()
    p.wait_only(p.v, "vipd to be the only master")
    transitions = p.v.instance()["counters"]["transitions"]
    before = vipd_drops(p.v)["not_peer"]

    rogue.send_frames(rogue_frames(family, rogue, p.v, 255), count=5,
                      interval_ms=50)
    wait_until(lambda: vipd_drops(p.v)["not_peer"] >= before + 10, 10,
               "vipd to count the non-peer adverts")
    # vipd alone: keepalived without check_unicast_src takes adverts from
    # anyone, learns the rogue's 100 ms interval and then times out
    # between vipd's (seen once under load: it became master for a while).
    hold_for(lambda: p.v.state() == "MASTER" and p.v.has_vip(p.vip), 1.0,
             "vipd unmoved by priority 255 from a non-peer")
    assert p.v.instance()["counters"]["transitions"] == transitions
    stats = p.v.stats()["instances"]["ext"]
    assert stats["drop_not_peer"] == vipd_drops(p.v)["not_peer"]
    assert "dropped advert from %s: not_peer" % (
        ROGUE_IP if family == 4 else ROGUE_IP6) in p.v.log_text()


def test_ipv6_advert_with_hop_limit_below_255_is_dropped(topo, vipd_bin):
    """RFC 5798 7.1, read from IPV6_HOPLIMIT: a priority-255 advert one hop
    away is counted as a ttl drop and changes nothing."""
    v = topo.add_vipd("v", V_IP, ipv6=V_IP6, vips=(VIP6,), priority=150)
    rogue = topo.add_host("rogue", ROGUE_IP, ipv6=ROGUE_IP6)
    v.start()
    v.wait_state("MASTER", timeout=10)
    wait_until(lambda: v.has_vip(VIP6), 10, "vipd to hold the IPv6 VIP")
    assert_serves_at_once(v, VIP6)
    transitions = v.instance()["counters"]["transitions"]
    rogue.send_frames(rogue_frames(6, rogue, v, 255, hlim=254), count=3,
                      interval_ms=50)
    wait_until(lambda: vipd_drops(v)["ttl"] >= 6, 10,
               "vipd to count the adverts with hop limit 254")
    hold_for(lambda: v.state() == "MASTER" and v.has_vip(VIP6), 1.0,
             "vipd unmoved by priority 255 from one hop away")
    assert v.instance()["counters"]["transitions"] == transitions
    assert v.instance()["counters"]["adverts_received"] == 0


# -- the peers' tools: skipped by hand, required by make ---------------------

def test_make_system_fails_instead_of_skipping_without_keepalived_or_tshark(
        monkeypatch):
    """contrib/install-deps.sh installs keepalived and tshark, so under
    make check (make system) their absence is a failure, not a skip that
    would hide every interop and wire test."""
    import conftest

    recipe = subprocess.run(["make", "-n", "-s", "-C", conftest.REPO,
                             "BUILD=build-make-n", "system"],
                            capture_output=True, text=True, timeout=60).stdout
    recipe = recipe.replace("\\\n", " ")
    pytest_line = [line for line in recipe.splitlines() if "pytest" in line]
    assert pytest_line and all("VIPD_REQUIRE_TOOLS=1" in line
                               for line in pytest_line), recipe
    monkeypatch.setenv("VIPD_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception):
        conftest.missing_tool("tshark is not installed")
    monkeypatch.delenv("VIPD_REQUIRE_TOOLS")
    with pytest.raises(pytest.skip.Exception):
        conftest.missing_tool("tshark is not installed")


# -- what vipd puts on the wire, through tshark ------------------------------

# mode: (version, family, unicast, authentication, use_vmac)
WIRE_MODES = {
    "v3-ipv4-multicast": (3, 4, False, None, False),
    "v3-ipv4-unicast": (3, 4, True, None, False),
    "v3-ipv6-multicast": (3, 6, False, None, False),
    "v3-ipv6-unicast": (3, 6, True, None, False),
    "v2-ipv4-multicast": (2, 4, False, None, False),
    "v2-ipv4-unicast": (2, 4, True, None, False),
    "v2-pass": (2, 4, False, "pass", False),
    "v2-ah": (2, 4, False, "ah", False),
    "v2-ah-unicast": (2, 4, True, "ah", False),
    "v3-ipv4-vmac": (3, 4, False, None, True),
    "v3-ipv6-vmac": (3, 6, False, None, True),
    "v2-ah-vmac": (2, 4, False, "ah", True),
}


def vmac_of(family, vrid=51):
    return "00:00:5e:00:%02x:%02x" % (2 if family == 6 else 1, vrid)


def capture_filter(family, macs):
    """VRRP packets (AH-wrapped too) from any of macs, and for IPv6 their
    unsolicited NAs (Solicited flag clear: not the kernel's answers to the
    peers' solicitations, which unicast brings)."""
    src = " or ".join("ether src %s" % mac for mac in macs)
    if family == 6:
        return ("(%s) and (ip6 proto 112 or (icmp6 and ip6[40] == 136 and "
                "ip6[44] & 0x40 == 0))" % src)
    return "(%s) and (ip proto 112 or ip proto 51)" % src


def tshark_frames(tshark, pcap, check=True):
    """tshark -V of every frame, v3 checksums as RFC 5798 wants them."""
    out = subprocess.run([tshark, "-n", "-r", pcap, "-V",
                          "-o", "vrrp.v3_checksum_as_in_v2:FALSE"],
                         capture_output=True, text=True, timeout=60,
                         check=check)
    return [f for f in re.split(r"\n(?=Frame \d+:)", "\n" + out.stdout) if f.strip()]


class Advert:
    """One VRRP frame as tshark decoded it: who sent it (IP source and
    Ethernet source) and with which priority."""

    def __init__(self, text):
        self.text = text
        self.vrrp = text[text.index("Virtual Router Redundancy Protocol"):]
        m = re.search(r"^Ethernet II.*?\n\s+Source: (\S+)", text, re.M | re.S)
        self.ether_src = m.group(1) if m else None
        m = re.search(r"^Internet Protocol Version \d.*?\n\s+Source Address: (\S+)",
                      text, re.M | re.S)
        self.ip_src = m.group(1) if m else None
        m = re.search(r"Priority: (\d+)", self.vrrp)
        self.priority = int(m.group(1)) if m else None


def wire_pair(topo, mode):
    """Two vipd nodes for a wire mode: m, the address owner (master at
    once, adverts from the start), and v (priority 100), its backup,
    which takes over when m stops. Unicast: each the other's only peer."""
    version, family, unicast, auth, vmac = WIRE_MODES[mode]
    six = family == 6
    interval_ms = int(timing(version)[0] * 1000)
    nodes = {}
    for name, prio, ip4, ip6, peer in (("m", 255, K_IP, K_IP6, (V_IP, V_IP6)),
                                       ("v", 100, V_IP, V_IP6, (K_IP, K_IP6))):
        extra = {}
        if unicast:
            extra = {"unicast_src": ip6 if six else ip4,
                     "unicast_peers": [peer[1] if six else peer[0]]}
        if auth:
            extra["authentication"] = {"type": auth, "secret": SECRET}
        if vmac:
            extra["use_vmac"] = True
        nodes[name] = topo.add_vipd(name, ip4, ipv6=ip6 if six else None,
                                    version=version,
                                    advert_interval_ms=interval_ms,
                                    priority=prio,
                                    vips=(VIP6 if six else VIP4,), **extra)
    return nodes["m"], nodes["v"]


def advert_source(node, family, unicast):
    """The IP source of node's adverts: RFC 5798 5.1.2.1 has IPv6 ones
    from the link-local address, unicast ones from unicast_src."""
    if family == 6:
        return node.host.ip6 if unicast else node.host.link_local()
    return node.host.ip


@pytest.mark.parametrize("mode", list(WIRE_MODES))
def test_every_advert_vipd_sends_passes_tshark(topo, vipd_bin, tshark_bin,
                                               mode):
    """m (the owner) starts and advertises; v, its backup, stays silent;
    m stops (priority 0) and v takes over; v stops (priority 0). tshark on
    v's interface decodes every advert either sent (and every NA of an
    IPv6 master), from the base MAC or the virtual one, without a warning,
    and the capture shows each step."""
    version, family, unicast, auth, vmac = WIRE_MODES[mode]
    six = family == 6
    m, v = wire_pair(topo, mode)
    want = 2 if version == 2 else 6
    settle_s = timing(version)[1]

    pcap = os.path.join(topo.workdir, "wire-%s.pcap" % mode)
    macs = [m.mac, v.mac] + ([vmac_of(family)] if vmac else [])
    dump = v.host.popen(["tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode",
                         "-w", pcap, capture_filter(family, macs)],
                        label="tcpdump on v")
    wait_until(lambda: "listening on" in dump.log_text(), 10, "tcpdump to start")
    m.start()
    m.wait_state("MASTER", timeout=settle_s)
    v.start()
    v.wait_state("BACKUP", timeout=settle_s)
    wait_until(lambda: v.instance()["counters"]["adverts_received"] >= 2,
               settle_s, "v to hear m")
    assert v.instance()["counters"]["adverts_sent"] == 0

    # The owner goes: priority 0, and v takes over.
    m.kill()
    assert m.wait_exit(20) == 0, m.log_text()
    v.wait_state("MASTER", timeout=settle_s)
    # One more than we look for: the last one may still be on its way.
    wait_until(lambda: v.instance()["counters"]["adverts_sent"] > want,
               settle_s, "%d adverts from v" % (want + 1))
    v.kill()
    assert v.wait_exit(20) == 0, v.log_text()
    v_src, m_src = (advert_source(n, family, unicast) for n in (v, m))

    def adverts():
        frames = tshark_frames(tshark_bin, pcap, check=False)
        return frames, [Advert(f) for f in frames
                        if "Virtual Router Redundancy Protocol" in f]

    # tcpdump may still be writing v's last frame.
    wait_until(lambda: any(a.ip_src == v_src and a.priority == 0
                           for a in adverts()[1]), 10,
               "v's priority-0 advert in the capture")
    dump.stop()
    frames, vrrp = adverts()

    # Whatever the filter caught is an advert or an NA, none undecoded.
    assert all("Virtual Router Redundancy Protocol" in f or
               "Neighbor Advertisement" in f for f in frames)
    for f in frames:
        assert "Malformed" not in f and "Expert Info (Warn" not in f and \
            "Expert Info (Error" not in f, f
        assert "[Checksum Status: Bad]" not in f, f
    for a in vrrp:
        assert "[Checksum Status: Good]" in a.vrrp, a.vrrp
        assert "Version %d" % version in a.vrrp or \
            "Version: %d" % version in a.vrrp, a.vrrp
        assert "Virtual Rtr ID: 51" in a.vrrp, a.vrrp
        assert a.ip_src in (m_src, v_src), a.text
        if not unicast:
            assert ("Hop Limit: 255" if six else "Time to Live: 255") in a.text, \
                a.text
        else:
            peer = {m_src: v_src, v_src: m_src}[a.ip_src]
            assert "Destination Address: %s" % peer in a.text, a.text
        if auth == "ah":
            assert "Authentication Header" in a.text, a.text
        if auth == "pass":
            assert "Authentication String: %s" % SECRET in a.vrrp, a.vrrp
        # RFC 5798 7.3: with VMAC, multicast adverts carry the virtual MAC.
        node = m if a.ip_src == m_src else v
        assert a.ether_src == (vmac_of(family) if vmac and not unicast
                               else node.mac), a.text

    # Each step, in order: m advertises as the owner, says goodbye; only
    # then v advertises (a backup is silent), and says goodbye in turn.
    seq = [(a.ip_src, a.priority) for a in vrrp]
    m_bye = seq.index((m_src, 0))
    assert all(p == 255 for s, p in seq[:m_bye] if s == m_src), seq
    assert sum(1 for s, p in seq[:m_bye] if s == m_src) >= 2, seq
    assert not any(s == v_src for s, _ in seq[:m_bye]), \
        "v advertised as a backup: %s" % seq
    v_bye = seq.index((v_src, 0))
    v_master = [p for s, p in seq[m_bye:v_bye] if s == v_src]
    assert len(v_master) >= want and set(v_master) == {100}, seq
    assert all(s == v_src and p == 0 for s, p in seq[v_bye:]), seq

    if six:
        # The NAs of each new master (override set), checked by the
        # ICMPv6 dissector too: m's at start, v's when it took over.
        na = [f for f in frames if "Neighbor Advertisement" in f]
        assert len(na) >= 6, "no NA burst (garp.repeat = 3) from each master"
        for f in na:
            assert "[Checksum Status: Good]" in f, f
            assert "Target Address: %s" % VIP6 in f, f
            assert re.search(r"\.\.1\. .* = Override: Set", f), f
            assert "Destination Address: ff02::1" in f, f
            if vmac:
                assert "Source: %s" % vmac_of(family) in f, f
