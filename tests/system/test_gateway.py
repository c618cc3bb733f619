# SPDX-License-Identifier: GPL-2.0-or-later
"""
A gateway pair as keepalived users run one: virtual_routes and
virtual_rules follow the master (failover, graceful stop); a route the
kernel refuses is logged with its reason and retried without holding the
transition up; static_addresses, static_routes and static_rules are put
back when deleted by hand and, at stop, removed only when vipd added them;
an IPv4 instance carrying an IPv6 address with advertise = false
interoperates with keepalived; an advert listing other addresses (a
keepalived peer with another VIP) is dropped and logged, or obeyed with
check_advert_addresses = false; notify_master_rx_lower_pri runs once when
the split brain heals. Addresses with advertise = false are announced
(GARP / unsolicited NA, on becoming master and on the refresh) and covered
by the accept-mode drop as the VIPs are.
"""

import os
import threading
import time

from test_sync_group import both, group_pair
from test_garp import NaSniffer, Sniffer, assert_unsolicited_nas_of, bursts
from test_vmac_accept import nft_table, ping_ok
from vipnet import hold_for, vipctl, wait_until, write_script

ROUTE = "198.51.100.0/24"
BLACKHOLE = "203.0.113.0/24"
GW = "192.0.2.254"
VIRTUAL_ROUTES = [{"destination": ROUTE, "via": GW},
                  {"destination": BLACKHOLE, "type": "blackhole", "table": 100}]
VIRTUAL_RULES = [{"from": "192.0.2.100/32", "table": 100, "priority": 1000}]


def routes(node, table="all"):
    return node.host.run(["ip", "route", "show", "table", table]).stdout


def rules(node):
    return node.host.run(["ip", "rule", "show"]).stdout


def has_gateway(node):
    return (ROUTE + " via " + GW) in routes(node, "main") and \
        ("blackhole " + BLACKHOLE) in routes(node, "100") and \
        "1000:\tfrom 192.0.2.100 lookup 100" in rules(node)


def has_none(node):
    return ROUTE not in routes(node) and BLACKHOLE not in routes(node) and \
        "1000:" not in rules(node)


def test_routes_and_rules_follow_the_master(lan):
    a, b, _ = lan
    for node in (a, b):
        node.instances[0].update(virtual_routes=VIRTUAL_ROUTES,
                                 virtual_rules=VIRTUAL_RULES)
    a.start()
    a.wait_state("MASTER")
    b.start()
    b.wait_state("BACKUP")
    wait_until(lambda: has_gateway(a), 10.0, "routes and rule on the master a")
    assert has_none(b), routes(b) + rules(b)
    a.stop()
    b.wait_state("MASTER")
    wait_until(lambda: has_gateway(b), 10.0, "routes and rule moved to b")
    assert has_none(a), routes(a) + rules(a)
    b.stop()
    assert has_none(b), routes(b) + rules(b)


def test_routes_and_rules_move_on_a_drill_and_come_back(lan, vipctl_bin):
    a, b, _ = lan
    for node in (a, b):
        node.instances[0].update(virtual_routes=VIRTUAL_ROUTES,
                                 virtual_rules=VIRTUAL_RULES)
    a.start()
    a.wait_state("MASTER")
    b.start()
    b.wait_state("BACKUP")
    wait_until(lambda: has_gateway(a) and has_none(b), 10.0,
               "routes and rule on the master a only")
    result = {}
    drill = threading.Thread(target=lambda: result.update(
        res=vipctl(vipctl_bin, a, "drill", "ext", "--hold", "4", timeout=60)))
    drill.start()
    try:
        # During the hold b is master and holds them; a holds none.
        wait_until(lambda: has_gateway(b) and has_none(a), 10.0,
                   "routes and rule handed to b by the drill")
        assert b.state() == "MASTER"
    finally:
        drill.join(60)
    res = result["res"]
    assert res.returncode == 0, res.stdout + res.stderr
    a.wait_state("MASTER")
    wait_until(lambda: has_gateway(a) and has_none(b), 10.0,
               "routes and rule back on a after the drill")


def test_routes_follow_the_sync_group(topo):
    """ext carries the routes, int none: int's link failing on a moves the
    group, so ext's routes move to b with it, and back on recovery."""
    a, b = group_pair(topo)
    for node in (a, b):
        node.instances[0].update(virtual_routes=VIRTUAL_ROUTES,
                                 virtual_rules=VIRTUAL_RULES)
    a.start()
    b.start()
    wait_until(lambda: both(a, "MASTER") and both(b, "BACKUP"), 15.0,
               "a master of the group")
    wait_until(lambda: has_gateway(a) and has_none(b), 10.0,
               "ext's routes and rule on a")
    a.host.link_set("down", dev="eth1")       # int's interface, not ext's
    wait_until(lambda: both(a, "FAULT") and both(b, "MASTER"), 15.0,
               "the group to move to b")
    wait_until(lambda: has_gateway(b) and has_none(a), 10.0,
               "ext's routes and rule moved with the group to b")
    a.host.link_set("up", dev="eth1")
    wait_until(lambda: both(a, "MASTER") and both(b, "BACKUP"), 15.0,
               "the group back on a")
    wait_until(lambda: has_gateway(a) and has_none(b), 10.0,
               "ext's routes and rule back on a")


def test_refused_route_is_logged_retried_and_holds_nothing_up(topo):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.instances[0]["virtual_routes"] = [
        {"destination": ROUTE, "via": "10.55.0.254", "dev": "gw0"}]
    a.start()
    a.wait_state("MASTER")
    assert a.has_vip("192.0.2.100")
    wait_until(lambda: "device gw0 does not exist" in a.log_text(), 10.0,
               "the refusal in the log")
    assert ROUTE not in routes(a)
    # The device appears: the next retry (back-off at most 30 s) adds it.
    a.host.run(["ip", "link", "add", "gw0", "type", "veth", "peer", "name",
                "gw0p"])
    a.host.run(["ip", "addr", "add", "10.55.0.1/24", "dev", "gw0"])
    for dev in ("gw0", "gw0p"):
        a.host.run(["ip", "link", "set", dev, "up"])
    wait_until(lambda: (ROUTE + " via 10.55.0.254 dev gw0") in routes(a, "main"),
               40.0, "the route added by a retry")
    assert "added (after a retry)" in a.log_text()
    assert a.state() == "MASTER"
    a.stop()
    assert ROUTE not in routes(a)


def test_virtual_routes_flushed_by_the_kernel_are_put_back(topo):
    """gw0 going down makes the kernel drop the route through it without a
    deletion event; a route deleted by hand sends one. While MASTER both
    come back; the instance stays MASTER throughout."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.host.run(["ip", "link", "add", "gw0", "type", "veth", "peer", "name",
                "gw0p"])
    a.host.run(["ip", "addr", "add", "10.55.0.1/24", "dev", "gw0"])
    for dev in ("gw0", "gw0p"):
        a.host.run(["ip", "link", "set", dev, "up"])
    via_gw0 = ROUTE + " via 10.55.0.254 dev gw0"
    a.instances[0]["virtual_routes"] = [
        {"destination": ROUTE, "via": "10.55.0.254", "dev": "gw0"},
        {"destination": BLACKHOLE, "type": "blackhole", "table": 100}]
    a.start()
    a.wait_state("MASTER")
    wait_until(lambda: via_gw0 in routes(a, "main"), 10.0, "the route via gw0")

    a.host.run(["ip", "route", "del", "blackhole", BLACKHOLE, "table", "100"])
    wait_until(lambda: ("blackhole " + BLACKHOLE) in routes(a, "100"), 5.0,
               "the route deleted by hand put back")
    assert ("route blackhole %s table 100 was removed from the kernel while "
            "MASTER: put back" % BLACKHOLE) in a.log_text(), a.log_text()

    a.host.run(["ip", "link", "set", "gw0", "down"])
    wait_until(lambda: via_gw0 not in routes(a, "main"), 5.0,
               "the kernel to flush the route with gw0")
    a.host.run(["ip", "link", "set", "gw0", "up"])
    wait_until(lambda: via_gw0 in routes(a, "main"), 5.0,
               "the route via gw0 put back once gw0 is up")
    assert a.state() == "MASTER"
    counters = a.instance()["counters"]
    assert counters["routes_restored"] >= 1, counters
    a.stop()
    assert ROUTE not in routes(a) and BLACKHOLE not in routes(a)


def test_static_entries_come_back_and_only_ours_leave(topo):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    # There before vipd: it must still be there after vipd stops.
    a.host.run(["ip", "route", "add", "10.66.0.0/16", "via", GW])
    a.sections.update(
        static_addresses=[{"address": "10.77.0.1/24", "dev": "eth0"}],
        static_routes=[{"destination": "10.88.0.0/16", "via": GW},
                       {"destination": "10.66.0.0/16", "via": GW}],
        static_rules=[{"to": "10.99.0.0/16", "table": 200, "priority": 2000}])
    a.start()

    def all_there():
        return a.host.has_addr("10.77.0.1") and \
            "10.88.0.0/16 via " + GW in routes(a, "main") and \
            "2000:" in rules(a)
    wait_until(all_there, 10.0, "the static entries")
    a.host.run(["ip", "addr", "del", "10.77.0.1/24", "dev", "eth0"])
    a.host.run(["ip", "route", "del", "10.88.0.0/16"])
    a.host.run(["ip", "rule", "del", "priority", "2000"])
    wait_until(all_there, 5.0, "the static entries put back")
    assert "static route 10.88.0.0/16 via 192.0.2.254 was deleted: put back" \
        in a.log_text()
    assert "static address 10.77.0.1/24 dev eth0 was deleted: put back" \
        in a.log_text()
    a.stop()
    assert not a.host.has_addr("10.77.0.1")
    assert "10.88.0.0/16" not in routes(a)
    assert "2000:" not in rules(a)
    assert "10.66.0.0/16 via " + GW in routes(a, "main")


V_IP, K_IP = "192.0.2.1", "192.0.2.2"
V_IP6, K_IP6 = "2001:db8::1", "2001:db8::2"
VIP4, OTHER_VIP, EXCLUDED6 = "192.0.2.100", "192.0.2.111", "2001:db8::100"


def vipd_drops(node):
    return node.instance()["counters"]["drops"]


def test_ipv4_instance_with_excluded_ipv6_interoperates_with_keepalived(
        topo, keepalived_bin):
    v = topo.add_vipd("v", V_IP, ipv6=V_IP6, priority=150)
    v.instances[0]["addresses"] = [
        VIP4 + "/24", {"address": EXCLUDED6 + "/64", "advertise": False}]
    k = topo.add_keepalived("k", K_IP, ipv6=K_IP6, priority=100,
                            vips=(VIP4,))
    k.start()
    v.start()
    v.wait_state("MASTER")
    wait_until(lambda: v.has_vip(VIP4) and v.host.has_addr(EXCLUDED6), 10.0,
               "both families on the master")
    hold_for(lambda: not k.has_vip(VIP4), 2.0, "keepalived stays backup")
    assert "not present" not in open(k.log_path).read()
    assert vipd_drops(v)["addr_list"] == 0
    v.stop()
    wait_until(lambda: k.has_vip(VIP4), 10.0, "keepalived takes over")
    assert not v.host.has_addr(EXCLUDED6)


def test_other_address_list_from_keepalived_is_dropped(topo, keepalived_bin):
    v = topo.add_vipd("v", V_IP, priority=100, vips=(VIP4,))
    k = topo.add_keepalived("k", K_IP, priority=150, vips=(OTHER_VIP,))
    k.start()
    wait_until(lambda: k.has_vip(OTHER_VIP), 10.0, "keepalived master")
    v.start()
    # Its adverts are not obeyed: vipd becomes master of its own VIP.
    v.wait_state("MASTER", timeout=15.0)
    wait_until(lambda: vipd_drops(v)["addr_list"] > 0, 5.0, "counted drops")
    assert "lists 1 addresses other than our 1" in v.log_text()
    assert "dropped" in v.log_text()


def test_check_advert_addresses_false_obeys_the_other_list(topo,
                                                           keepalived_bin):
    v = topo.add_vipd("v", V_IP, priority=100, vips=(VIP4,),
                      check_advert_addresses=False)
    k = topo.add_keepalived("k", K_IP, priority=150, vips=(OTHER_VIP,))
    k.start()
    wait_until(lambda: k.has_vip(OTHER_VIP), 10.0, "keepalived master")
    v.start()
    v.wait_state("BACKUP")
    hold_for(lambda: v.state() == "BACKUP", 2.0, "vipd obeys keepalived")
    assert vipd_drops(v)["addr_list"] == 0
    assert "obeyed (check_advert_addresses = false)" in v.log_text()


def test_notify_master_rx_lower_pri_runs_when_the_split_brain_heals(lan):
    a, b, _ = lan
    out = os.path.join(a.dir, "rx_lower.out")
    script = write_script(a.dir, "rx_lower.sh", 'echo "$@" >> %s' % out)
    os.chmod(a.dir, 0o755)
    a.global_settings["script_user"] = "root"
    a.instances[0]["notify_master_rx_lower_pri"] = script
    a.start()
    a.wait_state("MASTER")
    b.start()
    b.wait_state("BACKUP")
    a.host.isolate(True)
    b.host.isolate(True)
    b.wait_state("MASTER")
    a.host.isolate(False)
    b.host.isolate(False)
    b.wait_state("BACKUP")
    wait_until(lambda: os.path.exists(out), 10.0, "the script's output")
    time.sleep(1.0)
    with open(out) as f:
        lines = f.read().splitlines()
    assert lines == ["INSTANCE ext MASTER_RX_LOWER_PRI 150"], lines


EXCL4 = "192.0.2.120"


def test_excluded_addresses_are_announced_and_filtered_as_vips(topo):
    a = topo.add_vipd("a", V_IP, ipv6=V_IP6, priority=150, accept_mode=False,
                      garp={"repeat": 2, "interval_ms": 20, "refresh_s": 1})
    a.instances[0]["addresses"] = [
        VIP4 + "/24", {"address": EXCL4 + "/24", "advertise": False},
        {"address": EXCLUDED6 + "/64", "advertise": False}]
    client = topo.add_host("client", "192.0.2.50", ipv6="2001:db8::50")
    garps = Sniffer(client, vip=EXCL4)
    nas = NaSniffer(client)
    a.start()
    a.wait_state("MASTER")

    def na_rounds():
        return bursts([n["time"] for n in nas.nas()
                       if n["target"] == EXCLUDED6])
    # The burst on becoming master, then refresh rounds about 1 s apart.
    wait_until(lambda: len(bursts([t for t, _ in garps.garps()])) >= 3, 10,
               "GARPs for the excluded IPv4 address: burst and refreshes")
    wait_until(lambda: len(na_rounds()) >= 3, 10,
               "NAs for the excluded IPv6 address: burst and refreshes")
    assert {mac for _, mac in garps.garps()} == {a.mac}
    assert_unsolicited_nas_of(a, nas.nas())
    assert len(na_rounds()[0]) == 2, na_rounds()      # repeat = 2
    # accept_mode = false: dropped as a VIP is; the node itself answers.
    table = nft_table(a.host)
    assert table is not None and EXCL4 in table and EXCLUDED6 in table, table
    assert a.host.has_addr(EXCL4)
    assert not ping_ok(client, EXCL4)
    assert ping_ok(client, V_IP)
    a.stop()
    assert not a.host.has_addr(EXCL4) and not a.host.has_addr(EXCLUDED6)
