"""
Sync groups: two instances on two interfaces (ext on br0, int on br1) move
as one. a has priority 150 on both, b 100; a fault that only int on a sees
moves both VIPs to b, and both come back together.
"""

import os

from vipnet import DEFAULT_VIP as VIP, vipd_instance, wait_until

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
    a, b = group_pair(topo, notify={"any": notify_any})
    a.global_settings["script_user"] = "root"
    a.start()
    b.start()
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
    assert "int is in FAULT" in ext["timeline"][0]["detail"]
    assert a.dump()["sync_groups"][0]["state"] == "FAULT"

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
