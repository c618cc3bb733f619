# SPDX-License-Identifier: GPL-2.0-or-later
"""
First failover milestone: election, take-over (crash, graceful stop, link
loss), preemption, tie-break, interop with keepalived, dumps, reload, hostile
adverts and start-up cleanup. Real vipd processes in network namespaces; the
`lan` fixture gives a (priority 150, 192.0.2.1), b (100, 192.0.2.2) and a
client (192.0.2.50), with VIP 192.0.2.100.
"""

import os
import signal
import time

import pytest

import vrrpcraft
from vipnet import (DEFAULT_VIP as VIP, arp_owners, hold_for, libconfig_text,
                    vipd_instance, wait_until)

SETTLE_S = 15.0      # generous: start-up plus a few Master_Down_Intervals


def settle(master, backups, vip=VIP, name="ext", timeout=SETTLE_S):
    """Wait until master is MASTER with the VIP and every backup is BACKUP
    without it."""
    master.wait_state("MASTER", name, timeout)
    wait_until(lambda: master.has_vip(vip), timeout, "%s to hold %s" % (master.name, vip))
    for node in backups:
        node.wait_state("BACKUP", name, timeout)
        wait_until(lambda: not node.has_vip(vip), timeout,
                   "%s to release %s" % (node.name, vip))


def transitions(node, name="ext"):
    return node.instance(name)["counters"]["transitions"]


# 1 -------------------------------------------------------------------------

def test_config_test_accepts_good_file_and_reports_errors_with_file_line(topo, vipd_bin):
    host = topo.add_host("a", "192.0.2.1")
    good = os.path.join(topo.workdir, "good.conf")
    with open(good, "w") as f:
        f.write(libconfig_text({"global": {"router_id": "a"},
                                "vrrp_instances": [vipd_instance(priority=150)]}))
    res = host.run([vipd_bin, "-t", "-f", good], check=False)
    assert res.returncode == 0, res.stdout + res.stderr

    bad = os.path.join(topo.workdir, "bad.conf")
    with open(bad, "w") as f:
        f.write('global = { router_id = "a"; };\n'                        # 1
                "vrrp_instances = (\n"                                     # 2
                '  { name = "ext"; interface = "eth0"; vrid = 51;\n'      # 3
                "    version = 3;\n"                                       # 4
                "    priority = 300;\n"                                    # 5
                "    advert_interval_ms = 100;\n"                          # 6
                "    bogus_key = 1;\n"                                     # 7
                '    addresses = ( "192.0.2.100/24" ); }\n'               # 8
                ");\n")
    res = host.run([vipd_bin, "-t", "-f", bad], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "%s:5:" % bad in out, out       # out-of-range priority
    assert "%s:7:" % bad in out, out       # unknown key: every error is reported


# 2 -------------------------------------------------------------------------

def test_higher_priority_becomes_master_and_only_its_mac_answers_arp(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    assert b.instance()["master_address"] == a.host.ip
    assert arp_owners(client, VIP) == [a.mac]


# 3 -------------------------------------------------------------------------

def test_backup_takes_over_when_master_is_killed_and_pings_resume(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    pinger = client.start_pinger(VIP, interval_ms=10)
    wait_until(lambda: pinger.replies_since(0) >= 10, 10, "pings answered by a")

    killed_at = time.monotonic()
    a.crash()                      # SIGKILL and the cable pulled: a dead box
    settle(b, [])
    wait_until(lambda: pinger.replies_since(killed_at) >= 10, 10,
               "pings answered after the master died")
    result = pinger.stop()
    assert result["received"] > 20
    assert arp_owners(client, VIP) == [b.mac]


# 4 -------------------------------------------------------------------------

def test_backup_takes_over_after_priority_zero_within_skew_time(topo, vipd_bin):
    # advert 1 s, backup priority 100: Skew_Time 609 ms, Master_Down 3609 ms.
    # Only the priority-0 advert can make the take-over happen within 2.5 s.
    a = topo.add_vipd("a", "192.0.2.1", priority=150, advert_interval_ms=1000)
    b = topo.add_vipd("b", "192.0.2.2", priority=100, advert_interval_ms=1000)
    a.start()
    b.start()
    settle(a, [b], timeout=30)

    stopped_at = time.monotonic()
    a.kill(signal.SIGTERM)
    wait_until(b.has_vip, 2.5, "b to hold the VIP within 2.5 s of SIGTERM")
    took = time.monotonic() - stopped_at
    assert a.wait_exit(10) == 0, a.log_text()
    assert not a.has_vip()
    assert b.state() == "MASTER", "took %.2f s" % took


# 5 -------------------------------------------------------------------------

def test_link_down_makes_master_fault_and_link_up_takes_back(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])

    a.host.link_set("down")
    settle(b, [])
    a.wait_state("FAULT")
    wait_until(lambda: not a.has_vip(), 10, "a in FAULT to release the VIP")

    a.host.link_set("up")
    settle(a, [b])                 # preempt = true: the higher priority returns
    assert arp_owners(client, VIP) == [a.mac]


# 6 -------------------------------------------------------------------------

def test_higher_priority_started_later_preempts(lan):
    a, b, client = lan
    b.start()
    settle(b, [])
    a.start()
    settle(a, [b])
    assert arp_owners(client, VIP) == [a.mac]


def test_higher_priority_started_later_without_preempt_stays_backup(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, preempt=False)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    b.start()
    settle(b, [])
    a.start()
    a.wait_state("BACKUP")
    # Twenty advert intervals: a preempting node would have done so long ago.
    hold_for(lambda: a.state() == "BACKUP" and b.state() == "MASTER", 2.0,
             "a BACKUP and b MASTER with preempt = false")
    assert b.has_vip() and not a.has_vip()


def test_preempt_delay_holds_back_the_higher_priority(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, preempt_delay_ms=3000)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    b.start()
    settle(b, [])
    a.start()
    up_at = time.monotonic()
    hold_for(lambda: a.state() == "BACKUP" and b.has_vip(),
             max(0.0, up_at + 1.5 - time.monotonic()),
             "a BACKUP during the first 1.5 s of its 3 s preempt delay")
    settle(a, [b])


# 7 -------------------------------------------------------------------------

def test_equal_priorities_split_brain_resolves_to_higher_address(topo, vipd_bin):
    # RFC 5798 6.4.3: a master hearing an equal priority from a higher
    # primary address yields. Isolated bridge ports make both nodes master.
    low = topo.add_vipd("low", "192.0.2.1", priority=100)
    high = topo.add_vipd("high", "192.0.2.2", priority=100)
    for node in (low, high):
        node.host.isolate()
        node.start()
    for node in (low, high):
        node.wait_state("MASTER")
    for node in (low, high):
        node.host.isolate(False)
    settle(high, [low])


def test_equal_priority_started_later_does_not_preempt(topo, vipd_bin):
    # RFC 5798 6.4.2: a backup accepts any advert of priority >= its own; the
    # address only breaks ties between masters. keepalived behaves the same.
    low = topo.add_vipd("low", "192.0.2.1", priority=100)
    high = topo.add_vipd("high", "192.0.2.2", priority=100)
    low.start()
    settle(low, [])
    high.start()
    high.wait_state("BACKUP")
    hold_for(lambda: low.state() == "MASTER" and high.state() == "BACKUP", 2.0,
             "the running master keeps its role against an equal priority")
    assert low.has_vip() and not high.has_vip()


# 8 -------------------------------------------------------------------------

def test_three_nodes_elect_one_master_and_the_next_priority_takes_over(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=120)
    c = topo.add_vipd("c", "192.0.2.3", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    for node in (a, b, c):
        node.start()
    settle(a, [b, c])
    assert arp_owners(client, VIP) == [a.mac]

    a.crash()
    settle(b, [c])
    hold_for(lambda: [n.state() for n in (b, c)] == ["MASTER", "BACKUP"], 1.0,
             "exactly one master (b) among the survivors")
    assert arp_owners(client, VIP) == [b.mac]


# 9 -------------------------------------------------------------------------

def test_keepalived_master_vipd_backup_and_vipd_takes_over(topo, vipd_bin, keepalived_bin):
    k = topo.add_keepalived("k", "192.0.2.1", priority=150)
    v = topo.add_vipd("v", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    k.start()
    v.start()
    wait_until(k.has_vip, SETTLE_S, "keepalived to hold the VIP")
    v.wait_state("BACKUP")
    wait_until(lambda: v.instance()["master_address"] == k.host.ip, SETTLE_S,
               "vipd to follow keepalived as its master")
    assert not v.has_vip()
    assert arp_owners(client, VIP) == [k.mac]

    k.crash()
    settle(v, [])
    assert arp_owners(client, VIP) == [v.mac]


def test_vipd_master_keepalived_backup_and_back(topo, vipd_bin, keepalived_bin):
    v = topo.add_vipd("v", "192.0.2.1", priority=150)
    k = topo.add_keepalived("k", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    v.start()
    k.start()
    settle(v, [])
    hold_for(lambda: not k.has_vip(), 1.0, "keepalived stays backup under vipd")
    assert arp_owners(client, VIP) == [v.mac]

    v.crash()
    wait_until(k.has_vip, SETTLE_S, "keepalived to take the VIP")
    assert arp_owners(client, VIP) == [k.mac]

    v.host.plug()                  # the box comes back, with the VIP left over
    v.start()
    settle(v, [])
    wait_until(lambda: not k.has_vip(), SETTLE_S, "keepalived to yield to vipd")
    assert arp_owners(client, VIP) == [v.mac]


# 10 ------------------------------------------------------------------------

def test_sigusr1_dumps_state_and_sigusr2_counts_adverts(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])

    dump = a.dump()
    assert dump["router_id"] == "a" and dump["pid"] == a.pid
    [inst] = dump["instances"]
    assert inst["name"] == "ext" and inst["interface"] == "eth0"
    assert inst["vrid"] == 51 and inst["state"] == "MASTER"
    assert inst["base_priority"] == 150 and inst["effective_priority"] == 150
    assert inst["advert_interval_ms"] == 100
    assert inst["master_adver_interval_ms"] == 100
    assert inst["time_in_state_ms"] >= 0
    assert inst["last_transition"]["to"] == "MASTER"
    assert inst["last_transition"]["reason"]
    assert inst["last_transition"]["age_ms"] >= 0
    assert inst["vips"] == ["192.0.2.100/24"]
    for key in ("adverts_sent", "adverts_received", "transitions"):
        assert isinstance(inst["counters"][key], int), key
    assert isinstance(inst["counters"]["drops"], dict)
    assert b.instance()["master_address"] == "192.0.2.1"
    with open(os.path.join(a.state_dir, "vipd.data")) as f:
        text = f.read()
    assert "ext" in text and "MASTER" in text

    a1, b1 = a.stats(), b.stats()
    time.sleep(1.0)                # ten advert intervals
    a2, b2 = a.stats(), b.stats()
    sent = a2["instances"]["ext"]["adverts_sent"] - a1["instances"]["ext"]["adverts_sent"]
    got = (b2["instances"]["ext"]["adverts_received"] -
           b1["instances"]["ext"]["adverts_received"])
    assert sent >= 3, (a1, a2)
    assert got >= 3, (b1, b2)


# 11 ------------------------------------------------------------------------

def test_reload_refuses_a_broken_config_and_keeps_running(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    before = a.instance()

    text = a.config_text()
    lines = text.splitlines()
    lineno = next(i for i, line in enumerate(lines, 1) if "priority = 150;" in line)
    a.reload(text=text.replace("priority = 150;", "priority = 300;"))
    wait_until(lambda: "%s:%d" % (a.conf_path, lineno) in a.log_text(), 10,
               "a log line naming %s:%d" % (a.conf_path, lineno))

    assert a.alive()
    after = a.instance()
    assert after["state"] == "MASTER" and after["base_priority"] == 150
    assert after["counters"]["transitions"] == before["counters"]["transitions"]
    assert a.has_vip()
    hold_for(lambda: b.state() == "BACKUP", 1.0, "b undisturbed")


def test_reload_keeps_unchanged_adds_and_removes_instances(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    ext_a, ext_b = a.instance(), transitions(b)
    ext = vipd_instance(priority=150)
    internal = vipd_instance(name="int", vrid=52, priority=150, vips=("192.0.2.101",))

    a.reload(instances=[ext, internal])
    hold_for(a.has_vip, 2.0, "a keeps the VIP of the unchanged instance")
    a.wait_state("MASTER", "int")
    wait_until(lambda: a.has_vip("192.0.2.101"), 10, "a to hold the added VIP")
    now = a.instance()
    assert now["state"] == "MASTER"
    assert now["counters"]["transitions"] == ext_a["counters"]["transitions"]
    assert now["time_in_state_ms"] > ext_a["time_in_state_ms"]
    assert transitions(b) == ext_b and b.state() == "BACKUP"
    int_transitions = transitions(a, "int")

    a.reload(instances=[internal])
    wait_until(lambda: a.instance("ext") is None, 10, "ext gone from a's dump")
    wait_until(lambda: not a.has_vip(), 10, "a to release the removed instance's VIP")
    settle(b, [])
    assert a.state("int") == "MASTER" and a.has_vip("192.0.2.101")
    assert transitions(a, "int") == int_transitions


# 12 ------------------------------------------------------------------------

ROGUE_IP = "192.0.2.66"
# (case, drop reason, advert() keywords, IP TTL, IPv4 fragment size). All
# claim priority 255: accepted, any of them would make the master yield.
BAD_ADVERTS = [
    ("checksum", "checksum", dict(bad_checksum=True), 255, None),
    ("ttl", "ttl", dict(), 1, None),
    ("version", "version", dict(version=2, interval_cs=100), 255, None),
    ("type", "type", dict(type_=2), 255, None),
    ("length", "length", dict(count=2), 255, None),
    ("truncated", "truncated", dict(truncate=6), 255, None),
    ("vrid", "vrid", dict(vrid=99), 255, None),
    # A valid advert with bytes after its address list, checksum and all.
    ("trailing_garbage", "length", dict(trailer=b"\xde\xad\xbe\xef" * 4), 255, None),
    # Larger than any advert can be (VRRP_PKT_MAX_LEN): sent in fragments,
    # reassembled by the kernel, refused whole by the socket read.
    ("oversized", "length", dict(trailer=bytes(vrrpcraft.VRRP_PKT_MAX_LEN)), 255, 1400),
]


def drops(node, reason):
    """How many adverts node dropped for reason, by vipd.json and by
    vipd.stats (per instance, plus those refused before any instance)."""
    dump = node.dump()
    by_json = dump.get("unmatched_drops", {}).get(reason, 0) + sum(
        inst["counters"]["drops"].get(reason, 0) for inst in dump["instances"])
    stats = node.stats()
    by_stats = stats["global"].get("unmatched_drop_" + reason, 0) + sum(
        inst.get("drop_" + reason, 0) for inst in stats["instances"].values())
    return by_json, by_stats


def unmatched(node, reason):
    """Drops for reason refused before any instance (vipd.json)."""
    return node.dump().get("unmatched_drops", {}).get(reason, 0)


@pytest.fixture
def pair_and_rogue(lan, topo):
    a, b, client = lan
    rogue = topo.add_host("rogue", ROGUE_IP)
    a.start()
    b.start()
    settle(a, [b])
    return a, b, rogue


@pytest.mark.parametrize("case,reason,fields,ttl,fragsize", BAD_ADVERTS,
                         ids=[case[0] for case in BAD_ADVERTS])
def test_bad_advert_is_dropped_and_counted(pair_and_rogue, case, reason, fields,
                                           ttl, fragsize):
    a, b, rogue = pair_and_rogue
    before = {n.name: (drops(n, reason), transitions(n), unmatched(n, reason))
              for n in (a, b)}
    payload = vrrpcraft.advert(ROGUE_IP, **dict(dict(priority=255), **fields))
    frames = vrrpcraft.frames(rogue.mac, ROGUE_IP, payload, ttl=ttl,
                              fragsize=fragsize)
    assert len(frames) > 1 if fragsize else len(frames) == 1
    rogue.send_frames(frames, count=20, interval_ms=10)

    hold_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 1.0,
             "a MASTER and b BACKUP despite the bad adverts")
    for node in (a, b):
        (json_before, stats_before), trans_before, unmatched_before = before[node.name]
        json_after, stats_after = drops(node, reason)
        assert json_after - json_before >= 20, (node.name, json_before, json_after)
        assert stats_after - stats_before >= 20, (node.name, stats_before, stats_after)
        assert transitions(node) == trans_before, node.name
        if case == "oversized":
            # Refused at the socket read, before any instance saw a byte.
            assert unmatched(node, reason) - unmatched_before >= 20, node.name
    assert a.has_vip() and not b.has_vip()


def test_valid_rogue_advert_is_obeyed(pair_and_rogue):
    # The control for the test above: the same path with a correct advert
    # does reach vipd, so a drop there is the packet's fault, not the path's.
    a, b, rogue = pair_and_rogue
    payload = vrrpcraft.advert(ROGUE_IP, priority=255)
    before = transitions(a)
    rogue.send_frames([vrrpcraft.frame(rogue.mac, ROGUE_IP, payload)],
                      count=30, interval_ms=10)
    # MASTER -> BACKUP on the rogue's adverts, BACKUP -> MASTER when they stop.
    wait_until(lambda: transitions(a) >= before + 2, 10, "a to yield to priority 255")
    settle(a, [b])                 # the rogue went quiet: a takes back


# 13 ------------------------------------------------------------------------

def test_vip_left_by_a_crashed_run_is_removed_at_start(lan):
    a, b, client = lan
    a.start()
    settle(a, [])
    b.host.add_addr(VIP + "/24")   # what a SIGKILLed master leaves behind
    assert b.has_vip()
    b.start()
    settle(a, [b])
    assert arp_owners(client, VIP) == [a.mac]
