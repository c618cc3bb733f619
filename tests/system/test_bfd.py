# SPDX-License-Identifier: GPL-2.0-or-later
"""
BFD (RFC 5880 / 5881 single hop) between two vipd nodes and with FRR's
bfdd: sessions come up, go down when the link is cut and up again;
master_down_bfd takes over from a killed master long before
Master_Down_Interval, and never while the master answers (BFD dropped by
an nft rule, adverts flowing); keyed SHA1 sessions come up with the same
key and never with a different one; every malformed packet is dropped
under its reason; track_bfd puts an instance in FAULT while its session
is down.

The pair is a (192.0.2.1, priority 150) and b (192.0.2.2, 100) on one
segment, each with a session to the other.
"""

import json
import os
import signal
import time

import pytest

from vipnet import DEFAULT_VIP as VIP, hold_for, vipctl, wait_until

SETTLE_S = 15.0


def bfd_session(name, peer, local, tx=50, rx=50, mult=3, auth=None):
    s = {"name": name, "peer": peer, "local": local, "interface": "eth0",
         "min_tx_ms": tx, "min_rx_ms": rx, "multiplier": mult}
    if auth is not None:
        s["authentication"] = auth
    return s


def bfd_pair(topo, advert_ms=1000, tx=50, mult=3, master_down=False,
             auth_a=None, auth_b=None):
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      advert_interval_ms=advert_ms)
    b = topo.add_vipd("b", "192.0.2.2", priority=100,
                      advert_interval_ms=advert_ms)
    a.sections["bfd_sessions"] = [bfd_session("to-b", "192.0.2.2", "192.0.2.1",
                                              tx, tx, mult, auth_a)]
    b.sections["bfd_sessions"] = [bfd_session("to-a", "192.0.2.1", "192.0.2.2",
                                              tx, tx, mult, auth_b)]
    if master_down:
        b.instances[0]["master_down_bfd"] = True
    return a, b


def sessions(node):
    return {s["name"]: s for s in node.dump()["bfd"]["sessions"]}


def session(node, name):
    return sessions(node)[name]


def wait_bfd(node, name, state, timeout=SETTLE_S):
    wait_until(lambda: session(node, name)["state"] == state, timeout,
               "bfd %s on %s to be %s" % (name, node.name, state))


def settle(master, backup, timeout=SETTLE_S):
    master.wait_state("MASTER", timeout=timeout)
    backup.wait_state("BACKUP", timeout=timeout)


def write_key(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


# --------------------------------------------------------------------------

def test_sessions_come_up_go_down_on_a_cut_link_and_come_up_again(topo, vipctl_bin):
    a, b = bfd_pair(topo)
    a.start()
    b.start()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    s = session(a, "to-b")
    assert s["remote_discriminator"] == session(b, "to-a")["local_discriminator"]
    assert s["tx_interval_us"] == 50000 and s["detect_time_ms"] == 150
    assert 49152 <= s["source_port"] <= 65535
    out = vipctl(vipctl_bin, a, "status").stdout
    assert "bfd to-b: Up" in out, out

    b.host.unplug()
    wait_bfd(a, "to-b", "Down")
    s = session(a, "to-b")
    assert s["last_down_diag"] == "control detection time expired", s
    assert s["down_count"] == 1
    assert "bfd to-b: Up -> Down (control detection time expired), peer " \
        "192.0.2.2 silent" in a.log_text()

    b.host.plug()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    assert session(a, "to-b")["up_count"] == 2


def test_master_down_bfd_takes_over_from_a_killed_master_well_before_the_timer(topo):
    # 1 s adverts: Master_Down_Interval 3.6 s; BFD 20 ms x 3 sees it in 60.
    a, b = bfd_pair(topo, advert_ms=1000, tx=20, master_down=True)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.start()
    settle(a, b)
    wait_bfd(b, "to-a", "Up")
    time.sleep(1.5)                       # adverts heard, master known
    a.crash()
    t0 = time.monotonic()
    b.wait_state("MASTER", timeout=10)
    took = time.monotonic() - t0
    assert took < 1.5, "took over after %.2f s (Master_Down_Interval 3.6 s)" % took
    log = b.log_text()
    assert "BACKUP -> MASTER (master's BFD session down" in log, log
    assert "to-a down (control detection time expired), master 192.0.2.1 " \
        "silent" in log and "probe unanswered" in log, log
    tl = b.instance()["timeline"]
    assert any(e["reason"] == "master's BFD session down" for e in tl), tl


def test_no_takeover_when_only_bfd_is_dropped_while_adverts_flow(topo):
    a, b = bfd_pair(topo, advert_ms=1000, tx=20, master_down=True)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.start()
    settle(a, b)
    wait_bfd(b, "to-a", "Up")
    time.sleep(1.5)
    # BFD from a is lost on its way to b; VRRP and ARP still flow.
    b.host.run(["nft", "add table inet bftest; add chain inet bftest in "
                "{ type filter hook input priority 0; }; add rule inet bftest "
                "in udp dport 3784 drop"])
    wait_bfd(b, "to-a", "Down")
    hold_for(lambda: b.state() == "BACKUP", 5.0, "b to stay BACKUP")
    assert a.state() == "MASTER"
    log = b.log_text()
    assert "the master's address answers its probe: waiting for the master " \
        "down timer" in log, log
    b.host.run(["nft", "delete table inet bftest"])
    wait_bfd(b, "to-a", "Up")


@pytest.mark.parametrize("kind", ["sha1", "meticulous-sha1"])
def test_authenticated_sessions_come_up(topo, tmp_path, kind):
    key = str(tmp_path / "bfd.key")
    write_key(key, "k3y-for-bfd\n")
    auth = {"type": kind, "key_id": 3, "key_file": key}
    a, b = bfd_pair(topo, auth_a=auth, auth_b=auth)
    a.start()
    b.start()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    s = session(a, "to-b")
    assert s["authentication"] == kind
    assert s["drops"]["auth"] == 0 and s["drops"]["auth_seq"] == 0, s


def test_sessions_with_a_wrong_key_never_come_up(topo, tmp_path):
    good, other = str(tmp_path / "good.key"), str(tmp_path / "other.key")
    write_key(good, "k3y-for-bfd\n")
    write_key(other, "another-key\n")
    a, b = bfd_pair(topo,
                    auth_a={"type": "meticulous-sha1", "key_id": 3, "key_file": good},
                    auth_b={"type": "meticulous-sha1", "key_id": 3, "key_file": other})
    a.start()
    b.start()
    wait_until(lambda: session(a, "to-b")["drops"]["auth"] >= 2 and
               session(b, "to-a")["drops"]["auth"] >= 2, SETTLE_S,
               "both to drop the other's packets as auth")
    hold_for(lambda: session(a, "to-b")["state"] != "Up" and
             session(b, "to-a")["state"] != "Up", 3.0, "no session Up")
    assert session(a, "to-b")["up_count"] == 0
    assert "dropped: auth" in a.log_text()
