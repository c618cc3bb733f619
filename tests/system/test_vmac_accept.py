# SPDX-License-Identifier: GPL-2.0-or-later
"""
VMAC, the address owner and accept mode (issue 3, points 4 and 5).

VMAC: the VIP lives on a macvlan with the virtual router MAC
00:00:5e:00:01:{VRID}, so the client's ARP entry for the VIP never changes
across a failover; the macvlan goes with vipd. Owner: priority 255 takes
over at once and is never preempted. Accept mode: a non-owner master with
accept_mode = false drops packets to its VIPs (nftables, table inet vipd);
with accept_mode = true, or as the owner, it answers them.
"""

import json
import os
import time

from vipnet import (DEFAULT_VIP as VIP, LIB_DIR, PYTHON, arp_owners, hold_for,
                    wait_until)

VRID = 51
VMAC = "00:00:5e:00:01:%02x" % VRID
SETTLE_S = 15.0


def settle(master, backups, timeout=SETTLE_S):
    master.wait_state("MASTER", timeout=timeout)
    wait_until(master.has_vip, timeout, "%s to hold the VIP" % master.name)
    for node in backups:
        node.wait_state("BACKUP", timeout=timeout)
        wait_until(lambda: not node.has_vip(), timeout,
                   "%s to release the VIP" % node.name)


def link(host, name):
    """`ip -j link show name` in host's namespace, or None if absent."""
    res = host.run(["ip", "-d", "-j", "link", "show", name], check=False)
    if res.returncode != 0:
        return None
    return json.loads(res.stdout)[0]


def vip_device(host, vip=VIP):
    for dev, addrs in host.addresses().items():
        if vip in addrs:
            return dev
    return None


def neigh_mac(host, ip=VIP):
    """The client's ARP entry for ip (lladdr), or None."""
    out = host.run(["ip", "-j", "neigh", "show", ip]).stdout
    entries = [e for e in json.loads(out or "[]") if "lladdr" in e]
    return entries[0]["lladdr"] if entries else None


def ping_ok(host, ip=VIP, duration=0.6):
    """Whether any echo reply comes back from ip within duration seconds
    (tests/lib/pinger.py: the image has no ping)."""
    out = host.run([PYTHON, os.path.join(LIB_DIR, "pinger.py"), "--target", ip,
                    "--interval-ms", "50", "--duration", str(duration),
                    "--json"]).stdout
    return json.loads(out.strip().splitlines()[-1])["received"] > 0


def sysctl(host, dev, key):
    return int(host.run(["cat", "/proc/sys/net/ipv4/conf/%s/%s" % (dev, key)])
               .stdout.strip())


def nft_table(host):
    res = host.run(["nft", "-j", "list", "table", "inet", "vipd"], check=False)
    return res.stdout if res.returncode == 0 else None


# VMAC ------------------------------------------------------------------------

def test_vmac_arp_entry_holds_virtual_mac_across_failover(lan):
    a, b, client = lan
    for node in (a, b):
        node.instances[0]["use_vmac"] = True
    a.start()
    b.start()
    settle(a, [b])
    # The VIP is on the macvlan, which has the virtual MAC and the ARP
    # sysctls that keep the base interface from answering for the VIP.
    assert vip_device(a.host) == "vrrp.%d" % VRID
    vlink = link(a.host, "vrrp.%d" % VRID)
    assert vlink["address"] == VMAC
    assert vlink["linkinfo"]["info_kind"] == "macvlan"
    assert sysctl(a.host, "eth0", "arp_ignore") == 1
    assert sysctl(a.host, "eth0", "arp_announce") == 2
    assert a.instance()["vmac"] == "vrrp.%d" % VRID
    assert arp_owners(client, VIP) == [VMAC]
    # The backup hears the master's adverts (sent from the same MAC as its
    # own macvlan's) and stays a backup.
    heard = b.instance()["counters"]["adverts_received"]
    hold_for(lambda: b.state() == "BACKUP", 1.5, "b stays BACKUP")
    assert b.instance()["counters"]["adverts_received"] > heard

    pinger = client.start_pinger(VIP, interval_ms=20)
    wait_until(lambda: pinger.replies_since(0) >= 5, 10, "pings answered by a")
    assert neigh_mac(client) == VMAC
    seen = set()
    stopped_at = time.monotonic()
    a.kill()                                   # graceful: SIGTERM

    def b_serves():
        seen.add(neigh_mac(client))
        return b.has_vip() and pinger.replies_since(stopped_at) >= 10
    wait_until(b_serves, 15, "b to take over and answer pings")
    assert a.wait_exit(10) == 0, a.log_text()
    seen.add(neigh_mac(client))
    pinger.stop()
    assert seen == {VMAC}, "client's ARP entry for the VIP changed: %s" % seen
    assert arp_owners(client, VIP) == [VMAC]
    # Stopped: the macvlan is gone and the base sysctls are back.
    assert link(a.host, "vrrp.%d" % VRID) is None
    assert sysctl(a.host, "eth0", "arp_ignore") == 0
    assert sysctl(a.host, "eth0", "arp_announce") == 0
    assert b.stop() == 0
    assert link(b.host, "vrrp.%d" % VRID) is None


def test_vmac_stale_macvlan_from_a_crash_is_replaced(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, use_vmac=True,
                      vmac_name="vm51")
    client = topo.add_host("client", "192.0.2.50")
    # What a crashed run would leave: the macvlan, even with a stale VIP.
    a.host.run(["ip", "link", "add", "vm51", "link", "eth0", "address",
                "02:00:00:00:00:99", "type", "macvlan", "mode", "private"])
    a.host.run(["ip", "addr", "add", VIP + "/24", "dev", "vm51"])
    a.host.run(["ip", "link", "set", "vm51", "up"])
    a.start()
    settle(a, [])
    vlink = link(a.host, "vm51")
    assert vlink["address"] == VMAC
    assert vlink["linkinfo"]["info_data"]["mode"] == "bridge"
    assert arp_owners(client, VIP) == [VMAC]
    assert a.stop() == 0
    assert link(a.host, "vm51") is None


# owner -----------------------------------------------------------------------

def test_owner_255_takes_over_at_once_and_is_never_preempted(lan):
    a, b, client = lan
    # Slow adverts: a non-owner could only take over after Master_Down
    # (over 3 s); the owner does not wait for it.
    a.instances[0].update(priority=255, advert_interval_ms=1000)
    b.instances[0].update(priority=254, advert_interval_ms=1000)
    b.start()
    settle(b, [], timeout=20)
    a.start()
    settle(a, [b], timeout=20)
    last = a.instance()["last_transition"]
    assert (last["from"], last["to"]) == ("INIT", "MASTER"), last
    assert last["reason"] == "address owner starting", last
    # b yields as soon as it hears the owner's first advert, sent as the
    # owner starts: within an advert interval and its Skew_Time at most
    # (both timelines are on this machine's monotonic clock), well before
    # the 3 s Master_Down_Interval a non-owner would have to wait.
    yielded = [t for t in b.instance()["timeline"]
               if (t["from"], t["to"]) == ("MASTER", "BACKUP")]
    assert [(t["reason"], t["peer"]) for t in yielded] == \
        [("higher priority advert", "192.0.2.1")], yielded
    took_ms = yielded[0]["at_ms"] - last["at_ms"]
    print("254 yielded %d ms after the owner started" % took_ms)
    assert 0 <= took_ms < 2 * 1000, took_ms
    hold_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 3.0,
             "the owner stays master")
    assert arp_owners(client, VIP) == [a.mac]


# accept mode -----------------------------------------------------------------

def test_accept_mode_off_drops_pings_to_vip_on_non_owner_master(lan):
    a, b, client = lan
    a.instances[0]["accept_mode"] = False
    b.instances[0]["accept_mode"] = True
    a.start()
    b.start()
    settle(a, [b])
    # ARP still answered (the VIP is reachable), but pings are dropped.
    assert arp_owners(client, VIP) == [a.mac]
    assert not ping_ok(client)
    assert ping_ok(client, a.host.ip)             # the node itself answers
    table = nft_table(a.host)
    assert table is not None and VIP in table, table
    assert "accept_filter" in table and "accept_noaccept4" in table
    inst = a.instance()
    assert (inst["accept_mode"], inst["accept_dropping"]) == (False, True)

    # b (accept_mode on) takes over: pings answered; a's drop is gone.
    a.kill()
    assert a.wait_exit(10) == 0, a.log_text()
    settle(b, [])
    wait_until(lambda: ping_ok(client), 10, "pings to the VIP answered by b")
    assert nft_table(a.host) is None                # stopped: table removed
    table = nft_table(b.host)
    assert table is not None and VIP not in table, table


def test_accept_mode_off_does_not_apply_to_the_owner(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=255, accept_mode=False)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    settle(a, [])
    assert ping_ok(client)
    assert VIP not in nft_table(a.host)


def test_accept_mode_elements_leave_with_mastership(lan):
    a, b, client = lan
    a.instances[0].update(accept_mode=False, priority=100)
    b.instances[0].update(accept_mode=False, priority=150)
    a.start()
    settle(a, [])
    assert VIP in nft_table(a.host)
    b.start()                                     # preempts a
    settle(b, [a])
    wait_until(lambda: VIP not in nft_table(a.host), 5,
               "a's drop elements to go when it becomes BACKUP")
    assert VIP in nft_table(b.host)
    assert not ping_ok(client)


def test_vmac_deleted_under_the_master_is_recreated_with_its_vip(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, use_vmac=True)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    settle(a, [])
    a.host.run(["ip", "link", "del", "vrrp.%d" % VRID])
    wait_until(lambda: vip_device(a.host) == "vrrp.%d" % VRID, 10,
               "the macvlan and its VIP back")
    assert arp_owners(client, VIP) == [VMAC]
    assert a.state() == "MASTER"
    assert a.stop() == 0
    assert link(a.host, "vrrp.%d" % VRID) is None


def test_backup_macvlan_sends_nothing_from_the_virtual_mac(lan):
    """The switch learns the virtual MAC's port from what it sees: a backup
    whose macvlan spoke (IGMP/MLD reports, router solicitations) would pull
    the VIP's traffic to itself."""
    a, b, client = lan
    b.instances[0]["use_vmac"] = True              # a: no VMAC, the master
    a.start()
    settle(a, [])
    cap = os.path.join(client.topo.workdir, "vmac-src.txt")
    with open(cap, "wb") as out:
        dump = client.popen(["tcpdump", "-l", "-n", "-e", "-i", "eth0",
                             "ether", "src", VMAC], stdout=out)
    wait_until(lambda: "listening on" in dump.log_text(), 10, "tcpdump")
    b.start()
    settle(a, [b])
    assert link(b.host, "vrrp.%d" % VRID) is not None
    hold_for(lambda: b.state() == "BACKUP", 2.0, "b stays BACKUP")
    dump.stop()
    with open(cap) as f:
        frames = f.read().strip()
    assert frames == "", "the backup's macvlan sent:\n" + frames


def test_vmac_ipv6_uses_its_own_virtual_mac_across_failover(topo, vipd_bin):
    vip6 = "2001:db8::100"
    vmac6 = "00:00:5e:00:02:%02x" % VRID
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150,
                      use_vmac=True, vips=(vip6 + "/64",))
    b = topo.add_vipd("b", "192.0.2.2", ipv6="2001:db8::2", priority=100,
                      use_vmac=True, vips=(vip6 + "/64",))
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    a.start()
    b.start()
    settle_vip = lambda node: node.has_vip(vip6)       # noqa: E731
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: settle_vip(a), SETTLE_S, "a to hold the IPv6 VIP")
    b.wait_state("BACKUP", timeout=SETTLE_S)
    assert vip_device(a.host, vip6) == "vrrp6.%d" % VRID
    assert link(a.host, "vrrp6.%d" % VRID)["address"] == vmac6
    hold_for(lambda: b.state() == "BACKUP", 1.5, "b hears a and stays BACKUP")

    def resolved():
        client.run([PYTHON, "-c", "import socket; socket.socket("
                    "socket.AF_INET6, socket.SOCK_DGRAM).sendto(b'x', "
                    "('%s', 9))" % vip6])
        out = client.run(["ip", "-j", "-6", "neigh", "show", vip6]).stdout
        return [e["lladdr"] for e in json.loads(out or "[]") if "lladdr" in e]
    assert wait_until(resolved, 10, "the client to resolve the VIP") == [vmac6]
    a.kill()
    assert a.wait_exit(10) == 0, a.log_text()
    wait_until(lambda: settle_vip(b), SETTLE_S, "b to take over the IPv6 VIP")
    assert resolved() == [vmac6]
    assert link(a.host, "vrrp6.%d" % VRID) is None


def test_vmac_interop_with_keepalived_use_vmac(topo, vipd_bin, keepalived_bin):
    """Migrating a keepalived pair that runs use_vmac one node at a time:
    vipd and keepalived hear each other through their macvlans (vipd's in
    bridge mode, keepalived's in private mode) and the client keeps one
    ARP entry."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150, use_vmac=True)
    k = topo.add_keepalived("k", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    plain = k.config_text
    k.config_text = lambda: plain().replace("    interface eth0\n",
                                            "    interface eth0\n    use_vmac\n")
    k.start()
    wait_until(lambda: vip_device(k.host) == "vrrp.%d" % VRID, SETTLE_S,
               "keepalived to hold the VIP on its macvlan")
    a.start()
    settle(a, [])
    wait_until(lambda: not k.has_vip(), SETTLE_S, "keepalived to yield")
    assert arp_owners(client, VIP) == [VMAC]
    hold_for(lambda: a.has_vip() and not k.has_vip(), 1.5, "a alone holds it")

    a.kill()
    assert a.wait_exit(10) == 0, a.log_text()
    wait_until(lambda: vip_device(k.host) == "vrrp.%d" % VRID, SETTLE_S,
               "keepalived to take over")
    assert arp_owners(client, VIP) == [VMAC]


def test_vmac_sysctls_stay_while_another_vmac_uses_the_interface(topo, vipd_bin):
    from vipnet import vipd_instance
    vip2 = "192.0.2.101"
    ext = vipd_instance(name="ext", vrid=51, priority=150, use_vmac=True)
    int_ = vipd_instance(name="int", vrid=52, priority=150, use_vmac=True,
                         vips=(vip2,))
    a = topo.add_vipd("a", "192.0.2.1")
    a.instances = [ext, int_]
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    settle(a, [])
    wait_until(lambda: a.has_vip(vip2), SETTLE_S, "a to hold %s" % vip2)
    a.reload(instances=[int_])                    # ext goes, int stays
    wait_until(lambda: link(a.host, "vrrp.51") is None, 10, "ext's macvlan gone")
    # The base must still keep quiet for int's VIP: one MAC, the virtual one.
    assert sysctl(a.host, "eth0", "arp_ignore") == 1
    assert arp_owners(client, vip2) == ["00:00:5e:00:01:34"]
    assert a.state("int") == "MASTER"


def test_vmac_adverts_and_garps_leave_from_the_virtual_mac(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, use_vmac=True)
    client = topo.add_host("client", "192.0.2.50")
    cap = os.path.join(topo.workdir, "vmac-frames.txt")
    with open(cap, "wb") as out:
        dump = client.popen(["tcpdump", "-l", "-n", "-e", "-i", "eth0",
                             "ether", "src", a.mac, "or", "ether", "src",
                             VMAC], stdout=out)
    wait_until(lambda: "listening on" in dump.log_text(), 10, "tcpdump")
    a.start()
    settle(a, [])

    def frames():
        with open(cap) as f:
            return [line.split()[1] + " " + ("vrrp" if "VRRP" in line
                    else "garp" if "who-has %s tell %s" % (VIP, VIP) in line
                    else "other") for line in f]
    wait_until(lambda: frames().count(VMAC + " vrrp") >= 3 and
               VMAC + " garp" in frames(), 10, "adverts and GARPs from VMAC")
    assert a.mac + " vrrp" not in frames() and a.mac + " garp" not in frames(), \
        frames()


def test_vmac_name_taken_by_another_kind_of_link_is_left_alone(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, use_vmac=True)
    a.host.run(["ip", "link", "add", "vrrp.%d" % VRID, "type", "bridge"])
    a.start()
    a.wait_state("FAULT")
    wait_until(lambda: "vrrp.51 exists and is not a macvlan" in a.log_text(),
               10, "the reason in the log")
    hold_for(lambda: a.state() == "FAULT" and not a.has_vip(), 1.0,
             "no VIP without its VMAC")
    assert link(a.host, "vrrp.%d" % VRID)["linkinfo"]["info_kind"] == "bridge"
    assert a.stop() == 0
    assert link(a.host, "vrrp.%d" % VRID) is not None    # not ours: kept


# IPv6, unicast and VMAC -------------------------------------------------------

VIP6 = "2001:db8::100"
VMAC6 = "00:00:5e:00:02:%02x" % VRID
VMAC6_DEV = "vrrp6.%d" % VRID
NODE6 = {"a": ("192.0.2.1", "2001:db8::1"), "b": ("192.0.2.2", "2001:db8::2"),
         "k": ("192.0.2.2", "2001:db8::2")}


def vmac6_addrs(host, dev=VMAC6_DEV):
    """The addresses on host's IPv6 macvlan (sorted), None if it is absent."""
    res = host.run(["ip", "-j", "-6", "addr", "show", "dev", dev], check=False)
    if res.returncode != 0:
        return None
    return sorted(a["local"] for link in json.loads(res.stdout or "[]")
                  for a in link.get("addr_info", []))


def unicast6_vipd(topo, name, peer, priority):
    """vipd on name, IPv6 VIP on a VMAC, unicast from its global address to
    peer's (RFC 5798 allows any source in unicast; keepalived's
    unicast_src_ip is one such)."""
    ip, ip6 = NODE6[name]
    return topo.add_vipd(name, ip, ipv6=ip6, priority=priority, use_vmac=True,
                         vips=(VIP6 + "/64",), unicast_src=ip6,
                         unicast_peers=[NODE6[peer][1]])


def assert_vmac6_holds_only_the_vip(node):
    """The Master's macvlan has the VIP and nothing else: the node's global
    advert source stays on eth0 with its own prefix (vmac_source copies
    only a link-local source, which the kernel needs on the interface)."""
    assert vmac6_addrs(node.host) == [VIP6], vmac6_addrs(node.host)
    assert NODE6[node.name][1] in node.host.addresses()["eth0"]


def test_vmac_ipv6_unicast_from_a_global_source_elects_and_fails_over(
        topo, vipd_bin):
    a = unicast6_vipd(topo, "a", "b", 150)
    b = unicast6_vipd(topo, "b", "a", 100)
    cap = os.path.join(topo.workdir, "vmac6-unicast.txt")
    with open(cap, "wb") as out:
        dump = b.host.popen(["tcpdump", "-l", "-n", "-e", "-i", "eth0",
                             "ip6 proto 112"], stdout=out)
    wait_until(lambda: "listening on" in dump.log_text(), 10, "tcpdump")
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip(VIP6), SETTLE_S, "a to hold the IPv6 VIP")
    b.wait_state("BACKUP", timeout=SETTLE_S)
    assert vip_device(a.host, VIP6) == VMAC6_DEV
    assert_vmac6_holds_only_the_vip(a)
    assert vmac6_addrs(b.host) == []
    wait_until(lambda: b.instance()["master_address"] == NODE6["a"][1],
               SETTLE_S, "b to know a as its master")
    heard = b.instance()["counters"]["adverts_received"]
    hold_for(lambda: b.state() == "BACKUP" and not b.has_vip(VIP6), 1.5,
             "b stays BACKUP")
    assert b.instance()["counters"]["adverts_received"] > heard
    # a's unicast adverts reach b from its global source through its base
    # interface, as keepalived's (vmac_xmit_base): the macvlan has no
    # route to b, and a unicast frame teaches the switch nothing useful.
    with open(cap) as f:
        lines = f.read().splitlines()
    ours = [line for line in lines
            if "%s > %s:" % (NODE6["a"][1], NODE6["b"][1]) in line]
    assert ours and all(line.split()[1] == a.mac for line in ours), lines[-5:]

    a.kill()                                   # graceful: priority 0
    assert a.wait_exit(10) == 0, a.log_text()
    b.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: b.has_vip(VIP6), SETTLE_S, "b to take the IPv6 VIP")
    assert_vmac6_holds_only_the_vip(b)
    assert vmac6_addrs(a.host) is None         # a's macvlan went with it

    a.start()                                  # preempts b back
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)
    wait_until(lambda: not b.has_vip(VIP6), SETTLE_S, "b to release the VIP")
    assert_vmac6_holds_only_the_vip(a)
    assert vmac6_addrs(b.host) == []
    dump.stop()


def test_vmac_ipv6_unicast_interop_with_keepalived(topo, vipd_bin,
                                                   keepalived_bin):
    """keepalived 2.2.7 with use_vmac in unicast sends from its base
    interface (it sets vmac_xmit_base itself); vipd sends from its
    macvlan. Each hears the other and they fail over both ways."""
    a = unicast6_vipd(topo, "a", "k", 150)
    k = topo.add_keepalived("k", NODE6["k"][0], ipv6=NODE6["k"][1],
                            priority=100, vips=(VIP6,),
                            unicast_src=NODE6["k"][1],
                            unicast_peers=[NODE6["a"][1]])
    plain = k.config_text
    k.config_text = lambda: plain().replace("    interface eth0\n",
                                            "    interface eth0\n    use_vmac\n")
    k.start()
    wait_until(lambda: k.has_vip(VIP6), SETTLE_S, "keepalived to hold the VIP")
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip(VIP6) and not k.has_vip(VIP6), SETTLE_S,
               "keepalived to yield to vipd")
    hold_for(lambda: a.has_vip(VIP6) and not k.has_vip(VIP6), 1.5,
             "a alone holds the VIP")
    assert_vmac6_holds_only_the_vip(a)

    a.kill()
    assert a.wait_exit(10) == 0, a.log_text()
    wait_until(lambda: k.has_vip(VIP6), SETTLE_S, "keepalived to take over")
    a.start()
    wait_until(lambda: a.has_vip(VIP6) and not k.has_vip(VIP6), SETTLE_S,
               "vipd to preempt keepalived back")
    assert a.instance()["counters"]["adverts_received"] >= 1, \
        "vipd never heard keepalived"
    drops = a.instance()["counters"]["drops"]
    assert not {r: n for r, n in drops.items() if n and r in (
        "ttl", "checksum", "not_peer", "version", "length")}, drops


# accept mode, IPv6 -------------------------------------------------------------

PING6 = r"""
import os, select, socket, struct, sys, time
target, duration = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
ident, got, seq, end = os.getpid() & 0xffff, 0, 0, time.monotonic() + duration
while time.monotonic() < end:
    seq += 1
    # Echo request; the kernel fills in the ICMPv6 checksum.
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"vipd", (target, 0))
    stop = time.monotonic() + 0.05
    while True:
        left = stop - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, src = s.recvfrom(1500)
        if src[0] == target and data[0] == 129 and \
                struct.unpack("!H", data[4:6])[0] == ident:
            got += 1
print(got)
"""

# A unicast Neighbour Solicitation to the VIP itself (what a client's
# neighbour cache sends to confirm a STALE entry): answered or not.
NS6 = r"""
import logging, sys, time
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (AsyncSniffer, Ether, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, get_if_hwaddr, sendp)
vip, mac, src = sys.argv[1], sys.argv[2], sys.argv[3]
me = get_if_hwaddr("eth0")
sniffer = AsyncSniffer(iface="eth0", store=True, lfilter=lambda p:
                       ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == vip)
sniffer.start()
time.sleep(0.3)
sendp(Ether(src=me, dst=mac) / IPv6(src=src, dst=vip, hlim=255) /
      ICMPv6ND_NS(tgt=vip) / ICMPv6NDOptSrcLLAddr(lladdr=me),
      iface="eth0", verbose=False)
time.sleep(1.0)
print(len(sniffer.stop() or []))
"""


def ping6_replies(host, ip, duration=0.6):
    return int(host.run([PYTHON, "-c", PING6, ip, str(duration)]).stdout)


def ns6_answers(host, vip, mac):
    return int(host.run([PYTHON, "-c", NS6, vip, mac, host.ip6]).stdout)


def resolve6(host, vip):
    """The client resolves vip (multicast NS, NA back): its lladdr, or None."""
    host.run([PYTHON, "-c", "import socket; socket.socket(socket.AF_INET6, "
              "socket.SOCK_DGRAM).sendto(b'x', ('%s', 9))" % vip])
    out = host.run(["ip", "-j", "-6", "neigh", "show", vip]).stdout
    macs = [e["lladdr"] for e in json.loads(out or "[]") if "lladdr" in e]
    return macs[0] if macs else None


def test_accept_mode_off_drops_ping6_to_the_ipv6_vip_but_not_nd(topo, vipd_bin):
    """RFC 5798 6.4.3 for IPv6: a non-owner Master with accept_mode off
    drops echo requests to its IPv6 VIP, yet answers Neighbour
    Solicitations for it (multicast and unicast), so clients still reach
    what it forwards; with accept_mode on, the VIP answers pings."""
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150,
                      accept_mode=False, vips=(VIP6 + "/64",))
    b = topo.add_vipd("b", "192.0.2.2", ipv6="2001:db8::2", priority=100,
                      accept_mode=True, vips=(VIP6 + "/64",))
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip(VIP6), SETTLE_S, "a to hold the IPv6 VIP")
    b.wait_state("BACKUP", timeout=SETTLE_S)
    inst = a.instance()
    assert (inst["accept_mode"], inst["accept_dropping"]) == (False, True)
    table = nft_table(a.host)
    assert table is not None and VIP6 in table and "accept_noaccept6" in table

    # ND works: the client learns the VIP at a, and a unicast NS to the
    # VIP is answered too.
    assert wait_until(lambda: resolve6(client, VIP6), 10,
                      "the client to resolve the VIP") == a.mac
    assert ns6_answers(client, VIP6, a.mac) >= 1
    # Pings: to the VIP dropped, to a's own address answered.
    assert ping6_replies(client, "2001:db8::1") > 0
    assert ping6_replies(client, VIP6) == 0

    # b (accept_mode on) takes over: its VIP answers pings.
    a.kill()
    assert a.wait_exit(10) == 0, a.log_text()
    b.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: b.has_vip(VIP6), SETTLE_S, "b to take the IPv6 VIP")
    wait_until(lambda: ping6_replies(client, VIP6) > 0, 10,
               "pings to the IPv6 VIP answered by b")
    assert ns6_answers(client, VIP6, b.mac) >= 1
    table = nft_table(b.host)
    assert table is not None and VIP6 not in table, table
