# SPDX-License-Identifier: GPL-2.0-or-later
"""
Gratuitous ARP schedule of a master (issue 3, point 6), as a client on the
LAN sees it: tcpdump in the client's namespace records every gratuitous ARP
for the VIP with its arrival time.

- repeat / interval_ms: the burst on becoming master;
- delay_ms: a second burst that long after;
- refresh_s: one round per period while master;
- a fresh burst when the master hears a lower-priority master (the other
  node came back and its neighbours may hold a stale entry), rate-limited
  so that a flood of such adverts cannot make it spray.

IPv6 masters send unsolicited Neighbour Advertisements on the same schedule
(one per VIP per round, override flag set), sniffed the same way, also as
the fresh burst for a lower-priority IPv6 master.

Figures are checked with wide margins: the tests tell a schedule from its
absence, not the milliseconds.
"""

import os
import time

import vrrpcraft
from vipnet import DEFAULT_VIP as VIP, arp_owners, wait_until

ROGUE_IP = "192.0.2.66"


class Sniffer:
    """tcpdump on the host's eth0: gratuitous ARPs for vip (sender and
    target address both vip), as (time, source MAC) pairs."""

    def __init__(self, host, vip=VIP):
        self.vip = vip
        self.out = os.path.join(host.topo.workdir, "%s-garp-%d.txt"
                                % (host.name, len(host.topo.procs)))
        with open(self.out, "wb") as out:
            self.proc = host.popen(["tcpdump", "-l", "-n", "-e", "-tt", "-i",
                                    "eth0", "arp"], stdout=out,
                                   label="tcpdump on %s" % host.name)
        wait_until(lambda: "listening on" in self.proc.log_text(), 10,
                   "tcpdump to start")

    def garps(self):
        found = []
        with open(self.out) as f:
            for line in f:
                words = line.split()
                # 1700000000.123456 MAC > ff:ff:ff:ff:ff:ff, ethertype ARP
                # (0x0806), length 42: Request who-has VIP tell VIP, length 28
                if "who-has" not in words or "tell" not in words:
                    continue
                target = words[words.index("who-has") + 1]
                sender = words[words.index("tell") + 1].rstrip(",")
                if target == self.vip and sender == self.vip:
                    found.append((float(words[0]), words[1]))
        return found


def bursts(times, gap=0.5):
    """Group arrival times into bursts separated by more than gap seconds."""
    groups = []
    for t in sorted(times):
        if groups and t - groups[-1][-1] <= gap:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def test_burst_then_second_burst_after_delay_ms(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      garp={"repeat": 3, "interval_ms": 100, "delay_ms": 1500,
                            "refresh_s": 0})
    client = topo.add_host("client", "192.0.2.50")
    sniff = Sniffer(client)
    a.start()
    a.wait_state("MASTER")
    wait_until(lambda: len(sniff.garps()) >= 6, 10, "two bursts of 3 GARPs")
    time.sleep(1.0)                  # nothing more may come: no refresh
    garps = sniff.garps()
    assert {mac for _, mac in garps} == {a.mac}
    groups = bursts([t for t, _ in garps])
    assert [len(g) for g in groups] == [3, 3], groups
    # Within a burst the rounds are interval_ms (100) apart: neither all
    # at once nor spread out (the sender schedules each one interval after
    # the last; the client's stamps add a few ms of jitter).
    gaps = [b - a_ for g in groups for a_, b in zip(g, g[1:])]
    print("gaps within the bursts: %s" % ["%.3f" % g for g in gaps])
    assert all(0.08 < g < 0.3 for g in gaps), gaps
    second_after = groups[1][0] - groups[0][0]
    print("second burst %.3f s after the first (delay_ms 1500)" % second_after)
    assert 1.2 < second_after < 3.0, second_after


def test_refresh_rounds_while_master(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      garp={"repeat": 2, "interval_ms": 20, "refresh_s": 1})
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    a.wait_state("MASTER")
    time.sleep(0.3)                  # let the first burst go by
    sniff = Sniffer(client)
    started = time.time()
    wait_until(lambda: len(sniff.garps()) >= 3, 10, "three refresh GARPs")
    garps = sniff.garps()
    times = [t for t, _ in garps]
    gaps = [b - a_ for a_, b in zip(times, times[1:])]
    print("refresh gaps: %s" % ["%.3f" % g for g in gaps])
    # One ARP per round (one VIP), about refresh_s apart.
    assert all(0.7 < g < 2.0 for g in gaps), gaps
    assert {mac for _, mac in garps} == {a.mac}
    assert times[0] >= started - 0.1


def test_fresh_burst_when_a_lower_priority_master_is_heard(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      garp={"repeat": 3, "interval_ms": 20, "refresh_s": 0})
    client = topo.add_host("client", "192.0.2.50")
    rogue = topo.add_host("rogue", ROGUE_IP)
    a.start()
    a.wait_state("MASTER")
    time.sleep(0.5)
    sniff = Sniffer(client)
    assert sniff.garps() == []
    # A node that came back as master with a lower priority: one advert.
    payload = vrrpcraft.advert(ROGUE_IP, priority=100)
    rogue.send_frames([vrrpcraft.frame(rogue.mac, ROGUE_IP, payload)])
    wait_until(lambda: len(sniff.garps()) >= 3, 5, "a fresh burst of 3 GARPs")
    time.sleep(0.5)
    assert len(sniff.garps()) == 3, sniff.garps()
    assert a.instance()["state"] == "MASTER"


def test_flood_of_lower_priority_adverts_is_rate_limited(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      garp={"repeat": 3, "interval_ms": 20, "refresh_s": 0})
    client = topo.add_host("client", "192.0.2.50")
    rogue = topo.add_host("rogue", ROGUE_IP)
    a.start()
    a.wait_state("MASTER")
    time.sleep(0.5)
    sniff = Sniffer(client)
    payload = vrrpcraft.advert(ROGUE_IP, priority=100)
    # 200 adverts as fast as scapy sends them.
    began = time.monotonic()
    rogue.send_frames([vrrpcraft.frame(rogue.mac, ROGUE_IP, payload)],
                      count=200)
    flood_s = time.monotonic() - began
    wait_until(lambda: len(sniff.garps()) >= 3, 5, "a fresh burst")
    time.sleep(0.5)
    sent = len(sniff.garps())
    heard = a.instance()["counters"]["adverts_received"]
    print("200 lower-priority adverts in %.2f s (%d counted) -> %d GARPs"
          % (flood_s, heard, sent))
    assert heard >= 150
    # At most one burst (3) per advert interval (100 ms) while the flood
    # lasts, plus one: without the limit each advert would cost a round.
    assert sent <= 3 * (int(flood_s / 0.1) + 2), (sent, heard, flood_s)
    assert a.instance()["state"] == "MASTER"


def test_split_brain_heals_with_a_fresh_burst_from_the_higher_master(lan):
    """b comes back (here: a split brain ends) while it is master too: a
    hears b's lower-priority adverts and announces the VIP again at once, so
    the client, whose entry b's own GARPs moved, comes back to a."""
    a, b, client = lan
    for node in (a, b):
        node.instances[0]["garp"] = {"repeat": 3, "interval_ms": 20,
                                     "refresh_s": 0}
    # Whoever's advert crosses first decides: b yields at a's first one
    # without a ever hearing b. A slower a lets b's adverts arrive first.
    a.instances[0]["advert_interval_ms"] = 1000
    a.start()
    a.wait_state("MASTER")
    a.host.isolate()
    b.host.isolate()
    b.start()
    b.wait_state("MASTER")                      # split brain: two masters
    wait_until(lambda: arp_owners(client, VIP) == [a.mac, b.mac] or
               arp_owners(client, VIP) == sorted([a.mac, b.mac]), 10,
               "both masters answering ARP")
    sniff = Sniffer(client)
    a.host.isolate(False)
    b.host.isolate(False)
    b.wait_state("BACKUP")
    wait_until(lambda: any(mac == a.mac for _, mac in sniff.garps()), 5,
               "a's fresh gratuitous ARPs")
    assert a.instance()["counters"]["reasserts"] >= 1
    assert arp_owners(client, VIP) == [a.mac]


# IPv6: unsolicited Neighbour Advertisements -----------------------------------

VIPS6 = ("2001:db8::100", "2001:db8::101", "2001:db8::102")


class NaSniffer:
    """tcpdump on the host's eth0 writing every Neighbour Advertisement to a
    pcap, read back with scapy as dicts: time, source MAC, target,
    override and solicited flags, destination."""

    def __init__(self, host):
        self.pcap = os.path.join(host.topo.workdir, "%s-na-%d.pcap"
                                 % (host.name, len(host.topo.procs)))
        self.proc = host.popen(["tcpdump", "-i", "eth0", "-n", "-U",
                                "--immediate-mode", "-w", self.pcap,
                                "icmp6 and ip6[40] == 136"],
                               label="tcpdump on %s" % host.name)
        wait_until(lambda: "listening on" in self.proc.log_text(), 10,
                   "tcpdump to start")

    def nas(self):
        from scapy.layers.inet6 import ICMPv6ND_NA, IPv6
        from scapy.utils import PcapReader

        found = []
        try:
            with PcapReader(self.pcap) as reader:
                for pkt in reader:
                    if ICMPv6ND_NA not in pkt:
                        continue
                    na = pkt[ICMPv6ND_NA]
                    found.append({"time": float(pkt.time), "mac": pkt.src,
                                  "target": na.tgt, "override": bool(na.O),
                                  "solicited": bool(na.S),
                                  "dst": pkt[IPv6].dst})
        except Exception:         # the last frame half written, or none yet
            pass
        return [n for n in found if not n["solicited"]]


def assert_unsolicited_nas_of(node, nas):
    """RFC 5798 6.4.1 / RFC 4861 7.2.6: from the new master's MAC, to all
    nodes, with the override flag, for a VIP."""
    for na in nas:
        assert na["mac"] == node.mac, na
        assert na["override"], "override flag clear: %s" % na
        assert na["dst"] == "ff02::1", na
        assert na["target"] in VIPS6, na


def per_vip(nas):
    return {vip: sum(1 for n in nas if n["target"] == vip) for vip in VIPS6}


def test_na_burst_then_second_burst_for_every_ipv6_vip(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150,
                      vips=tuple(v + "/64" for v in VIPS6),
                      garp={"repeat": 3, "interval_ms": 20, "delay_ms": 1500,
                            "refresh_s": 0})
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    sniff = NaSniffer(client)
    a.start()
    a.wait_state("MASTER")
    wait_until(lambda: len(sniff.nas()) >= 18, 10,
               "two bursts of 3 rounds of 3 NAs")
    time.sleep(1.0)                  # nothing more may come: no refresh
    nas = sniff.nas()
    assert_unsolicited_nas_of(a, nas)
    groups = bursts([n["time"] for n in nas])
    assert [len(g) for g in groups] == [9, 9], groups
    for group in groups:
        in_burst = [n for n in nas if group[0] <= n["time"] <= group[-1]]
        # repeat rounds, each with one NA per VIP.
        assert per_vip(in_burst) == {vip: 3 for vip in VIPS6}, in_burst
        # interval_ms 20 between rounds: the burst spans about 40 ms.
        assert 0.02 < group[-1] - group[0] < 0.4, group
    second_after = groups[1][0] - groups[0][0]
    print("second NA burst %.3f s after the first (delay_ms 1500)" % second_after)
    assert 1.2 < second_after < 3.0, second_after
    assert a.instance()["counters"]["garp_sent"] == 18


def test_fresh_na_burst_when_a_lower_priority_ipv6_master_is_heard(topo,
                                                                   vipd_bin):
    """The IPv6 side of test_fresh_burst_when_a_lower_priority_master_is_heard:
    a VRRPv3 IPv6 advert of lower priority (from a link-local address, to
    ff02::12) makes the master advertise and send a fresh NA burst, one NA
    per VIP per round, and nothing more."""
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150,
                      vips=tuple(v + "/64" for v in VIPS6),
                      garp={"repeat": 3, "interval_ms": 20, "refresh_s": 0})
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    rogue = topo.add_host("rogue", ROGUE_IP, ipv6="2001:db8::66")
    a.start()
    a.wait_state("MASTER")
    time.sleep(0.5)                  # let the first burst go by
    sniff = NaSniffer(client)
    assert sniff.nas() == []
    src = rogue.link_local()
    payload = vrrpcraft.advert(src, priority=100, addrs=VIPS6)
    rogue.send_frames([vrrpcraft.frame(rogue.mac, src, payload)])
    wait_until(lambda: len(sniff.nas()) >= 9, 5,
               "a fresh burst of 3 rounds of 3 NAs")
    time.sleep(0.5)
    nas = sniff.nas()
    assert_unsolicited_nas_of(a, nas)
    assert per_vip(nas) == {vip: 3 for vip in VIPS6}, nas
    ext = a.instance()
    assert ext["state"] == "MASTER"
    assert ext["counters"]["reasserts"] == 1, ext["counters"]
    assert ext["counters"]["adverts_received"] == 1, ext["counters"]


def test_na_refresh_rounds_while_master(topo, vipd_bin):
    vips = VIPS6[:2]
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150,
                      vips=tuple(v + "/64" for v in vips),
                      garp={"repeat": 2, "interval_ms": 20, "refresh_s": 1})
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    a.start()
    a.wait_state("MASTER")
    time.sleep(0.3)                  # let the first burst go by
    sniff = NaSniffer(client)
    wait_until(lambda: len(bursts([n["time"] for n in sniff.nas()])) >= 3, 10,
               "three refresh rounds")
    nas = sniff.nas()
    assert_unsolicited_nas_of(a, nas)
    groups = bursts([n["time"] for n in nas])
    # One round per refresh: one NA per VIP, about refresh_s apart.
    for group in groups[:-1]:
        in_round = [n for n in nas if group[0] <= n["time"] <= group[-1]]
        assert sorted(n["target"] for n in in_round) == sorted(vips), in_round
    gaps = [b[0] - a_[0] for a_, b in zip(groups, groups[1:])]
    print("NA refresh gaps: %s" % ["%.3f" % g for g in gaps])
    assert all(0.7 < g < 2.0 for g in gaps), gaps
