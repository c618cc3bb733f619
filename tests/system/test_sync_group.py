# SPDX-License-Identifier: GPL-2.0-or-later
"""
Sync groups: two instances on two interfaces (ext on br0, int on br1) move
as one. a has priority 150 on both, b 100; a fault that only int on a sees
moves both VIPs to b, and both come back together. A planned hand-over of
one member (vipctl drill, vipctl fault on) hands over the whole group,
make-before-break: clients on both segments lose no ping.
"""

import os
import re
import signal
import subprocess
import time

from vipnet import DEFAULT_VIP as VIP, PingerRun, vipctl, vipd_instance, wait_until

INT_VIP = "10.1.0.100"
SETTLE_S = 15.0


def group_pair(topo, notify=None):
    topo.add_segment("br1")
    nodes = []
    for name, ip, int_ip, prio in (("a", "192.0.2.1", "10.1.0.1", 150),
                                   ("b", "192.0.2.2", "10.1.0.2", 100)):
        node = topo.add_vipd(name, ip, priority=prio)
        node.host.attach("br1", int_ip + "/24", "eth1")
        node.instances.append(vipd_instance(name="int", vrid=52, priority=prio,
                                            interface="eth1",
                                            vips=(INT_VIP + "/24",)))
        group = {"name": "edge", "members": ["ext", "int"]}
        if notify and name == "a":
            group["notify"] = notify
        node.sections["sync_groups"] = [group]
        nodes.append(node)
    return nodes


def both(node, state):
    d = node.dump()
    states = {i["name"]: i["state"] for i in d["instances"]}
    return states == {"ext": state, "int": state}


def holds(node):
    return node.has_vip(VIP) and node.has_vip(INT_VIP)


def releases(node):
    return not node.has_vip(VIP) and not node.has_vip(INT_VIP)


def test_sync_group_fails_over_as_one_when_only_one_member_sees_a_fault(
        topo, vipd_bin, script_dir):
    record = os.path.join(script_dir, "record")
    notify_any = os.path.join(script_dir, "group_any")
    with open(notify_any, "w") as f:
        f.write('#!/bin/sh\necho "$*" >> %s\n' % record)
    os.chmod(notify_any, 0o755)
    fifo = os.path.join(script_dir, "notify.fifo")
    a, b = group_pair(topo, notify={"any": notify_any})
    a.global_settings["script_user"] = "root"
    a.global_settings["notify_fifo"] = fifo
    a.start()
    b.start()
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fifo_text = group_fails_over_and_back(a, b, record)
        fifo_text += os.read(reader, 65536).decode()
    finally:
        os.close(reader)
    # The FIFO has one GROUP line per group transition, as the group notify.
    group_lines = [l for l in fifo_text.splitlines() if l.startswith("GROUP ")]
    lines = [l.split()[:3] for l in open(record).read().splitlines()]
    assert group_lines == ['GROUP "edge" %s' % l[2] for l in lines], (group_lines, lines)
    assert 'INSTANCE "int" FAULT 150' in fifo_text.splitlines(), fifo_text


def group_fails_over_and_back(a, b, record):
    """int on a loses its link: the group moves to b, then comes back; the
    group's transitions name their cause. Returns the FIFO text read so
    far (none: the caller reads it all at the end)."""
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S, "a to be master of both")
    wait_until(lambda: both(b, "BACKUP") and releases(b), SETTLE_S, "b to be backup of both")
    groups = a.dump()["sync_groups"]
    assert groups[0]["name"] == "edge" and groups[0]["state"] == "MASTER", groups

    # Only int (eth1) on a fails; ext follows it into FAULT.
    a.host.link_set("down", dev="eth1")
    wait_until(lambda: both(a, "FAULT") and releases(a), SETTLE_S,
               "a to put both members in FAULT")
    wait_until(lambda: both(b, "MASTER") and holds(b), SETTLE_S,
               "b to take both VIPs")
    ext = a.instance("ext")
    assert ext["tracking"]["group_fault"] is True
    assert ext["timeline"][0]["reason"] == "sync group member in FAULT"
    assert ext["timeline"][0]["detail"] == \
        "sync group edge: int is in FAULT (interface down)", ext["timeline"][0]
    group = a.dump()["sync_groups"][0]
    assert group["state"] == "FAULT"
    # The group's transition names the member that caused it, and why.
    assert (group["reason"], group["cause_member"], group["cause"]) == (
        "MASTER -> FAULT", "int", "MASTER -> FAULT (interface down)"), group
    with open(os.path.join(a.state_dir, "vipd.data")) as f:
        data = f.read()
    assert "last MASTER -> FAULT, caused by int: MASTER -> FAULT (interface down)" \
        in data, data
    assert "sync group edge: MASTER -> FAULT, caused by int: MASTER -> FAULT " \
        "(interface down)" in a.log_text()
    # b took both over: its group moved because its members did.
    group = b.dump()["sync_groups"][0]
    assert group["state"] == "MASTER" and group["cause_member"] in ("ext", "int"), group
    assert group["cause"].startswith("ready for MASTER ("), group

    # Recovery: both members leave FAULT, and a takes both back together.
    a.host.link_set("up", dev="eth1")
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S,
               "a to be master of both again")
    wait_until(lambda: both(b, "BACKUP") and releases(b), SETTLE_S,
               "b to give both back")
    # The group's notify ran once per group transition, in order.
    wait_until(lambda: os.path.exists(record) and
               open(record).read().split("\n")[-2].startswith("GROUP edge MASTER"),
               10.0, "the group's last notify")
    lines = [l.split()[:3] for l in open(record).read().splitlines()]
    states = [l[2] for l in lines]
    assert all(l[:2] == ["GROUP", "edge"] for l in lines), lines
    assert states[-3:] == ["FAULT", "BACKUP", "MASTER"], states
    assert states.count("FAULT") == 1, states
    group = a.dump()["sync_groups"][0]
    assert group["reason"] == "BACKUP -> MASTER" and group["cause"], group
    return ""


def test_sync_group_state_with_a_failing_track_script_member(topo, vipd_bin, script_dir):
    flag = os.path.join(script_dir, "fail")
    chk = os.path.join(script_dir, "chk")
    with open(chk, "w") as f:
        f.write("#!/bin/sh\n[ ! -e %s ]\n" % flag)
    os.chmod(chk, 0o755)
    a, b = group_pair(topo)
    a.global_settings["script_user"] = "root"
    a.sections["track_scripts"] = [{"name": "chk", "command": [chk],
                                    "interval_ms": 100, "timeout_ms": 500}]
    a.instances[1]["track_scripts"] = [{"name": "chk", "weight": 0}]
    a.start()
    b.start()
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S, "a to be master of both")
    open(flag, "w").close()
    wait_until(lambda: both(a, "FAULT") and both(b, "MASTER") and holds(b),
               SETTLE_S, "the group to move to b")
    os.unlink(flag)
    wait_until(lambda: both(a, "MASTER") and holds(a) and releases(b), SETTLE_S,
               "the group to come back to a")


HANDOVER_TIMEOUT = "no new master within Master_Down_Interval"


def started_group_under_pings(topo):
    """The pair, a master of both, and a client on each segment pinging its
    VIP every 5 ms; returns a, b and the two pingers."""
    a, b = group_pair(topo)
    client = topo.add_host("client", "192.0.2.50")
    client2 = topo.add_host("client2", "192.0.2.51")
    client2.attach("br1", "10.1.0.50/24", "eth1")
    a.start()
    b.start()
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S, "a to be master of both")
    wait_until(lambda: both(b, "BACKUP") and releases(b), SETTLE_S, "b to be backup of both")
    pingers = (PingerRun(client, VIP, 5, None), PingerRun(client2, INT_VIP, 5, None))
    wait_until(lambda: all(p.replies_since(0) > 10 for p in pingers), 10,
               "replies on both segments before the hand-over")
    return a, b, pingers


def assert_no_ping_lost(pingers):
    # At most one echo in flight at the moment the VIP moves.
    for name, p in zip(("ext", "int"), pingers):
        result = p.stop()
        assert result["lost"] <= 1, (name, result)


def test_drill_of_one_member_hands_over_the_whole_group_without_loss(
        topo, vipd_bin, vipctl_bin):
    a, b, pingers = started_group_under_pings(topo)
    res = vipctl(vipctl_bin, a, "drill", "ext", "--hold", "1", timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    report = res.stdout
    print(report)
    wait_until(lambda: both(a, "MASTER") and holds(a) and releases(b), SETTLE_S,
               "the group to come back to a")
    time.sleep(0.2)
    assert_no_ping_lost(pingers)
    # Both moved to b during the drill, each handed over (not timed out).
    for name in ("ext", "int"):
        reasons = [t["reason"] for t in b.instance(name)["timeline"]]
        assert "sync group ready for MASTER" in reasons, (name, reasons)
    log = a.log_text()
    assert HANDOVER_TIMEOUT not in log, log
    # The report covers the group: slowest member's takeover and take-back.
    assert "sync group edge moved as one" in report, report
    m = re.search(r"192\.0\.2\.2 took over (\d+) ms after our priority 0 "
                  r"\(slowest member (ext|int)\); held BACKUP 1\.0 s; took the "
                  r"VIPs back in (\d+) ms", report)
    assert m, report
    # Skew_Time (60 ms), not Master_Down_Interval (341 ms) nor its timeout.
    assert int(m.group(1)) < 300, report
    assert re.search(r"members: ext \d+/\d+ ms int \d+/\d+ ms", report), report
    assert "int: sync group edge: ext hands over: handing over with it" in log, log
    assert log.count("handed over to the new master") >= 2, log


def test_forced_fault_of_one_member_hands_over_the_whole_group_without_loss(
        topo, vipd_bin, vipctl_bin):
    a, b, pingers = started_group_under_pings(topo)
    res = vipctl(vipctl_bin, a, "fault", "ext", "on")
    assert res.returncode == 0, res.stderr
    wait_until(lambda: both(a, "FAULT") and releases(a), SETTLE_S,
               "a to put both members in FAULT")
    wait_until(lambda: both(b, "MASTER") and holds(b), SETTLE_S, "b to take both VIPs")
    time.sleep(0.3)
    res = vipctl(vipctl_bin, a, "fault", "ext", "off")
    assert res.returncode == 0, res.stderr
    wait_until(lambda: both(a, "MASTER") and holds(a) and releases(b), SETTLE_S,
               "the group to come back to a")
    time.sleep(0.2)
    assert_no_ping_lost(pingers)
    log = a.log_text()
    assert HANDOVER_TIMEOUT not in log, log
    assert log.count("handed over to the new master") >= 2, log
    assert HANDOVER_TIMEOUT not in b.log_text()


def test_graceful_stop_of_a_group_master_hands_over_without_loss(topo, vipd_bin):
    """On SIGTERM every member says priority 0 at once: the peer's group
    takes both after Skew_Time, and a keeps each VIP until it hears b."""
    a, b, pingers = started_group_under_pings(topo)
    a.kill(signal.SIGTERM)
    assert a.wait_exit(timeout=15) == 0, a.log_text()
    wait_until(lambda: both(b, "MASTER") and holds(b), SETTLE_S, "b to take both VIPs")
    time.sleep(0.2)
    assert_no_ping_lost(pingers)
    log = a.log_text()
    assert HANDOVER_TIMEOUT not in log, log
    assert log.count("handed over to the new master") >= 2, log


def test_group_drill_ends_early_when_the_peer_dies_during_the_hold(
        topo, vipd_bin, vipctl_bin):
    a, b = group_pair(topo)
    a.start()
    b.start()
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S, "a to be master of both")
    wait_until(lambda: both(b, "BACKUP"), SETTLE_S, "b to be backup of both")
    sock = os.path.join(a.state_dir, "vipd.sock")
    drill = subprocess.Popen([vipctl_bin, "-s", sock, "drill", "ext", "--hold", "5"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: holds(b) and releases(a), 5, "b to take the group over")
        b.kill(signal.SIGKILL)
        b.wait_exit(5.0)
        # Back on Master_Down_Timer (341 ms), long before the 5 s hold ends.
        out, err = drill.communicate(timeout=3)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    print(out + err)
    assert drill.returncode == 0, out + err
    assert re.search(r"drill ext: sync group edge: drill ext: ended early: peer "
                     r"192\.0\.2\.2 went away during the hold, took the VIPs back "
                     r"after \d+ ms \([^)]*\); 192\.0\.2\.2 took over \d+ ms", out), out
    wait_until(lambda: both(a, "MASTER") and holds(a), SETTLE_S,
               "a to be master of both again")
