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


VIP6 = "2001:db8::100"


def bfd_pair(topo, advert_ms=1000, tx=50, mult=3, master_down=False,
             auth_a=None, auth_b=None, six=False):
    """six: an IPv6 instance (VIP6), whose master is the source of its
    adverts, a link-local address; the sessions run between those."""
    extra = {"ipv6": "2001:db8::1", "vips": (VIP6,)} if six else {}
    a = topo.add_vipd("a", "192.0.2.1", priority=150,
                      advert_interval_ms=advert_ms, **extra)
    if six:
        extra["ipv6"] = "2001:db8::2"
    b = topo.add_vipd("b", "192.0.2.2", priority=100,
                      advert_interval_ms=advert_ms, **extra)
    ip_a, ip_b = ((a.host.link_local(), b.host.link_local()) if six
                  else ("192.0.2.1", "192.0.2.2"))
    a.sections["bfd_sessions"] = [bfd_session("to-b", ip_b, ip_a,
                                              tx, tx, mult, auth_a)]
    b.sections["bfd_sessions"] = [bfd_session("to-a", ip_a, ip_b,
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

def metrics(host, port=9657):
    client = ("import socket,sys; s=socket.create_connection(('127.0.0.1',%d),5);"
              "s.sendall(b'GET /metrics HTTP/1.0\\r\\n\\r\\n'); d=b''\n"
              "while True:\n c=s.recv(65536)\n if not c: break\n d+=c\n"
              "sys.stdout.write(d.decode())" % port)
    return host.run(["/usr/bin/python3", "-c", client]).stdout


def test_sessions_come_up_go_down_on_a_cut_link_and_come_up_again(topo, vipctl_bin):
    a, b = bfd_pair(topo)
    a.global_settings = {"metrics_listen": "127.0.0.1:9657"}
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
    js = json.loads(vipctl(vipctl_bin, a, "status", "--json").stdout)
    assert js["bfd"]["sessions"][0]["state"] == "Up", js["bfd"]
    text = metrics(a.host)
    assert 'vipd_bfd_session_detect_time_seconds{session="to-b"} 0.150' \
        in text, text
    assert 'vipd_bfd_session_drops_total{session="to-b",reason="ttl"} 0' \
        in text, text
    # A stateset of BFD's states: 1 for Up, 0 for each of the others.
    for st in ("AdminDown", "Down", "Init", "Up"):
        assert 'vipd_bfd_session_state{session="to-b",vipd_bfd_session_state=' \
            '"%s"} %d' % (st, st == "Up") in text, text

    b.host.unplug()
    wait_bfd(a, "to-b", "Down")
    s = session(a, "to-b")
    assert s["last_down_diag"] == "control detection time expired", s
    assert s["down_count"] == 1
    text = metrics(a.host)
    assert 'vipd_bfd_session_state{session="to-b",vipd_bfd_session_state=' \
        '"Down"} 1' in text and 'vipd_bfd_session_state{session="to-b",' \
        'vipd_bfd_session_state="Up"} 0' in text, text
    assert "bfd to-b: Up -> Down (control detection time expired), peer " \
        "192.0.2.2 silent" in a.log_text()

    b.host.plug()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    assert session(a, "to-b")["up_count"] == 2


FAMILIES = [pytest.param(False, id="ipv4"), pytest.param(True, id="ipv6")]


def peer_ip(node, six):
    return node.host.link_local() if six else node.host.ip


@pytest.mark.parametrize("six", FAMILIES)
def test_master_down_bfd_takes_over_from_a_killed_master_well_before_the_timer(
        topo, six):
    # 1 s adverts: Master_Down_Interval 3.6 s; BFD 20 ms x 3 sees it in 60.
    # The master's address is probed by ARP, or for IPv6 by an NS.
    a, b = bfd_pair(topo, advert_ms=1000, tx=20, master_down=True, six=six)
    master = peer_ip(a, six)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.start()
    settle(a, b)
    wait_bfd(b, "to-a", "Up")
    time.sleep(1.5)                       # adverts heard, master known
    # The node fails: the daemon dies, its links a moment later (until
    # then its kernel may answer the first probe: the second one decides).
    t0 = time.monotonic()
    a.crash()
    b.wait_state("MASTER", timeout=10)
    took = time.monotonic() - t0
    assert took < 1.5, "took over after %.2f s (Master_Down_Interval 3.6 s)" % took
    log = b.log_text()
    assert "BACKUP -> MASTER (master's BFD session down" in log, log
    assert "to-a down (control detection time expired), master %s " \
        "silent" % master in log and "probe unanswered" in log, log
    tl = b.instance()["timeline"]
    assert any(e["reason"] == "master's BFD session down" for e in tl), tl


@pytest.mark.parametrize("six", FAMILIES)
def test_no_takeover_when_only_bfd_is_dropped_while_adverts_flow(topo, six):
    a, b = bfd_pair(topo, advert_ms=1000, tx=20, master_down=True, six=six)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.start()
    settle(a, b)
    wait_bfd(b, "to-a", "Up")
    time.sleep(1.5)
    # BFD from a is lost on its way to b; VRRP and ARP / ND still flow.
    b.host.run(["nft", "add table inet bftest; add chain inet bftest in "
                "{ type filter hook input priority 0; }; add rule inet bftest "
                "in udp dport 3784 drop"])
    wait_bfd(b, "to-a", "Down")
    hold_for(lambda: b.state() == "BACKUP", 5.0, "b to stay BACKUP")
    assert a.state() == "MASTER"
    log = b.log_text()
    # Not even briefly: a MASTER -> BACKUP a moment later is a split brain.
    assert "-> MASTER" not in log, log
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


# ---- bad packets ----------------------------------------------------------

KEY = b"k3y-for-bfd"


def bfd_bytes(my, your, version=1, state=3, mult=3, length=None, auth=None,
              tx_us=50000, rx_us=50000, flags_extra=0):
    """A control packet (RFC 5880 4.1), auth = (type, key_id, seq, key or
    hash bytes): signed with the key when it is the key."""
    import hashlib
    import struct
    body_len = 24 + (28 if auth else 0)
    flags = (state << 6) | (0x04 if auth else 0) | flags_extra
    pkt = struct.pack("!BBBBIIIII", (version << 5), flags, mult,
                      body_len if length is None else length, my, your,
                      tx_us, rx_us, 0)
    if auth:
        atype, key_id, seq, secret = auth
        head = struct.pack("!BBBBI", atype, 28, key_id, 0, seq)
        padded = secret.ljust(20, b"\0")[:20]
        digest = hashlib.sha1(pkt + head + padded).digest()
        pkt += head + (digest if secret == KEY else padded)
    return pkt


def frames_to(node, src_ip, payloads, ttl=255):
    from scapy.all import IP, UDP, Ether
    return [Ether(dst=node.mac, src="02:00:00:00:00:99") /
            IP(src=src_ip, dst="192.0.2.1", ttl=t) /
            UDP(sport=49999, dport=3784) / p for p, t in payloads]


def test_every_bad_packet_is_dropped_with_its_reason_and_a_flood_is_rate_limited(
        topo, tmp_path):
    key = str(tmp_path / "bfd.key")
    write_key(key, KEY.decode() + "\n")
    auth = {"type": "meticulous-sha1", "key_id": 3, "key_file": key}
    a, b = bfd_pair(topo, auth_a=auth, auth_b=auth)
    x = topo.add_host("x", "192.0.2.9")
    a.start()
    b.start()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    mine = session(a, "to-b")["local_discriminator"]
    theirs = session(a, "to-b")["remote_discriminator"]
    signed = (5, 3, 0x5a5a5a5a, KEY)          # far outside the window
    cases = {
        "ttl": (bfd_bytes(theirs, mine, auth=signed), 254),
        "my_discr": (bfd_bytes(0, mine, auth=signed), 255),
        "version": (bfd_bytes(theirs, mine, version=2, auth=signed), 255),
        "length": (bfd_bytes(theirs, mine, length=60, auth=signed), 255),
        "your_discr": (bfd_bytes(theirs, 0, auth=signed), 255),
        "discriminator": (bfd_bytes(theirs, mine ^ 1, auth=signed), 255),
        "auth_missing": (bfd_bytes(theirs, mine), 255),
        "auth": (bfd_bytes(theirs, mine, auth=(5, 3, 7, b"wrong-key")), 255),
        "auth_seq": (bfd_bytes(theirs, mine, auth=signed), 255),
    }
    before = session(a, "to-b")["drops"]
    for why, (payload, ttl) in cases.items():
        x.send_frames(frames_to(a, "192.0.2.2", [(payload, ttl)]), count=2)
        wait_until(lambda: session(a, "to-b")["drops"][why] >= before[why] + 2,
                   10, "2 packets dropped as %s" % why)
    # Nothing was acted on: still Up, never went down.
    s = session(a, "to-b")
    assert s["state"] == "Up" and s["down_count"] == 0, s
    # A sender that is no session's.
    x.send_frames(frames_to(a, "192.0.2.9", [(bfd_bytes(1, 0, state=1), 255)]))
    wait_until(lambda: a.dump()["bfd"]["unmatched_drops"]["no_session"] >= 1, 10,
               "a packet from 192.0.2.9 dropped as no_session")

    # A flood: counted, a few log lines, the session stays Up.
    flood = 3000
    n0 = session(a, "to-b")["drops"]["ttl"]
    x.send_frames(frames_to(a, "192.0.2.2", [cases["ttl"]]), count=flood)
    # Some may overflow the socket's buffer on a busy host: most are counted.
    wait_until(lambda: session(a, "to-b")["drops"]["ttl"] >= n0 + flood * 0.5,
               30, "the flood counted (%d of %d)" % (session(a, "to-b")["drops"]["ttl"] - n0, flood))
    s = session(a, "to-b")
    assert s["state"] == "Up" and s["down_count"] == 0, s
    lines = [l for l in a.log_text().splitlines() if "dropped: ttl" in l]
    assert len(lines) < 40, "%d log lines for %d packets" % (len(lines), flood)
    # The next line that gets through says how many were not logged.
    time.sleep(1.5)
    x.send_frames(frames_to(a, "192.0.2.2", [cases["ttl"]]))
    wait_until(lambda: "similar suppressed)" in a.log_text(), 10,
               "the suppressed lines counted in the log")
    stats = a.stats()
    assert stats["global"]["bfd.to-b.drops.ttl"] >= n0 + flood * 0.5, stats


def test_a_flood_of_bad_packets_on_an_unauthenticated_session_is_counted_and_rate_limited(
        topo):
    # Without authentication nothing but the checks of RFC 5880 6.8.6 and
    # RFC 5881 5 stands between a spoofer and the session: every packet
    # here says Down with the right discriminators, from the peer's
    # address, so any one of them that got through would take it down.
    a, b = bfd_pair(topo)
    x = topo.add_host("x", "192.0.2.9")
    a.start()
    b.start()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    mine = session(a, "to-b")["local_discriminator"]
    theirs = session(a, "to-b")["remote_discriminator"]
    down = 1
    signed = (4, 3, 7, KEY)                   # keyed SHA1, to a session without
    bad = {
        "ttl": (bfd_bytes(theirs, mine, state=down), 254),
        "version": (bfd_bytes(theirs, mine, state=down, version=2), 255),
        "length": (bfd_bytes(theirs, mine, state=down, length=40), 255),
        "detect_mult": (bfd_bytes(theirs, mine, state=down, mult=0), 255),
        "multipoint": (bfd_bytes(theirs, mine, state=down, flags_extra=1), 255),
        "my_discr": (bfd_bytes(0, mine, state=down), 255),
        "discriminator": (bfd_bytes(theirs, mine ^ 1, state=down), 255),
        "auth_unexpected": (bfd_bytes(theirs, mine, state=down, auth=signed),
                            255),
    }
    before = session(a, "to-b")["drops"]
    rounds = 400
    x.send_frames(frames_to(a, "192.0.2.2", list(bad.values())), count=rounds)
    total = len(bad) * rounds

    def counted():
        d = session(a, "to-b")["drops"]
        return sum(d[k] - before[k] for k in bad)
    # A busy host may overflow the socket's buffer: most are counted.
    wait_until(lambda: counted() >= total * 0.5, 30,
               "the flood counted (%d of %d)" % (counted(), total))
    s = session(a, "to-b")
    for why in bad:
        assert s["drops"][why] > before[why], (why, s["drops"])
    # Not one was acted on: Up all along, on both ends.
    assert s["state"] == "Up" and s["down_count"] == 0, s
    assert session(b, "to-a")["down_count"] == 0
    lines = [l for l in a.log_text().splitlines()
             if l.split(": ", 1)[-1].startswith("bfd to-b: packet from") and
             "dropped: " in l]
    assert 1 <= len(lines) < 40, "%d log lines for %d packets" % (len(lines), total)
    time.sleep(1.5)
    x.send_frames(frames_to(a, "192.0.2.2", [bad["version"]]))
    wait_until(lambda: "similar suppressed)" in a.log_text(), 10,
               "the suppressed lines counted in the log")
    assert a.stats()["global"]["bfd.to-b.drops.version"] > before["version"]


# ---- FRR bfdd (Debian frr 8.4, no authentication) ---------------------------
#
# bfdd 8.4 runs without zebra for sessions given by address: its own
# config file (-f), pid file (-i), vty socket directory (--vty_socket),
# control socket (--bfdctl) and a zserv path (-z) that nothing listens on
# all live in the test's work dir, so several can run at once and none
# touches the distribution's /run/frr. It runs as user frr (its vty group
# frrvty must be the user's), so the work dir must be reachable for it.
# `vtysh --vty_socket DIR` reads its state.

BFDD = "/usr/lib/frr/bfdd"
VTYSH = "/usr/bin/vtysh"


@pytest.fixture
def frr_dir():
    """A directory user frr can reach (pytest's tmp_path is root's, 0700
    above it), removed afterwards."""
    import conftest
    import pwd
    import shutil
    import tempfile
    if not os.access(BFDD, os.X_OK) or not os.access(VTYSH, os.X_OK):
        conftest.missing_tool("FRR (frr package: %s, %s) is not installed"
                              % (BFDD, VTYSH))
    d = tempfile.mkdtemp(prefix="vipd-test-bfdd-", dir="/tmp")
    frr = pwd.getpwnam("frr")
    os.chown(d, frr.pw_uid, frr.pw_gid)
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def start_bfdd(topo, host, d, peer, local, tx=50):
    conf = os.path.join(d, "bfdd.conf")
    with open(conf, "w") as f:
        f.write("bfd\n peer %s local-address %s\n  receive-interval %d\n"
                "  transmit-interval %d\n  detect-multiplier 3\n !\n!\n"
                % (peer, local, tx, tx))
    os.chmod(conf, 0o644)
    proc = host.popen([BFDD, "-f", conf, "-i", os.path.join(d, "bfdd.pid"),
                       "--vty_socket", d, "-z", os.path.join(d, "zserv.api"),
                       "--bfdctl", os.path.join(d, "bfdd.sock"),
                       "-u", "frr", "-g", "frr", "--log", "stdout"],
                      log_name="bfdd-%s-%d.log" % (host.name, len(topo.procs)),
                      label="bfdd on %s" % host.name)
    return proc


def frr_peer(host, d):
    out = host.run([VTYSH, "--vty_socket", d, "-c", "show bfd peers json"],
                   check=False).stdout
    try:
        peers = json.loads(out)
    except ValueError:
        return None
    return peers[0] if peers else None


def test_sessions_with_frr_bfdd_come_up_and_track_bfd_faults_when_it_stops(
        topo, frr_dir):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    r = topo.add_host("r", "192.0.2.254")
    a.sections["bfd_sessions"] = [bfd_session("to-router", "192.0.2.254",
                                              "192.0.2.1")]
    a.instances[0]["track_bfd"] = [{"name": "to-router", "weight": 0}]
    d = frr_dir
    bfdd = start_bfdd(topo, r, d, "192.0.2.1", "192.0.2.254")
    a.start()
    wait_bfd(a, "to-router", "Up")
    wait_until(lambda: (frr_peer(r, d) or {}).get("status") == "up", SETTLE_S,
               "bfdd's session to vipd to be up")
    peer = frr_peer(r, d)
    s = session(a, "to-router")
    assert peer["remote-id"] == s["local_discriminator"], (peer, s)
    assert peer["id"] == s["remote_discriminator"], (peer, s)
    a.wait_state("MASTER", timeout=SETTLE_S)

    bfdd.signal(signal.SIGKILL)
    bfdd.wait(5)
    wait_bfd(a, "to-router", "Down")
    a.wait_state("FAULT", timeout=SETTLE_S)
    assert "MASTER -> FAULT (tracked object failed: bfd to-router down" \
        in a.log_text()
    tr = a.instance()["tracking"]
    assert tr["bfd"] == [{"name": "to-router", "up": False, "weight": 0}], tr

    # bfdd comes back: the session and the instance recover.
    start_bfdd(topo, r, d, "192.0.2.1", "192.0.2.254")
    wait_bfd(a, "to-router", "Up")
    a.wait_state("MASTER", timeout=SETTLE_S)


# ---- IPv6 and reload ---------------------------------------------------------

def test_ipv6_sessions_global_and_link_local_come_up(topo):
    a = topo.add_vipd("a", "192.0.2.1", ipv6="2001:db8::1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", ipv6="2001:db8::2", priority=100)
    a.sections["bfd_sessions"] = [
        bfd_session("g6", "2001:db8::2", "2001:db8::1"),
        bfd_session("ll6", b.host.link_local(), a.host.link_local())]
    b.sections["bfd_sessions"] = [
        bfd_session("g6", "2001:db8::1", "2001:db8::2"),
        bfd_session("ll6", a.host.link_local(), b.host.link_local())]
    a.start()
    b.start()
    for name in ("g6", "ll6"):
        wait_bfd(a, name, "Up")
        wait_bfd(b, name, "Up")


def test_reload_keeps_unchanged_sessions_up_and_polls_new_intervals(topo):
    a, b = bfd_pair(topo)
    a.start()
    b.start()
    wait_bfd(a, "to-b", "Up")
    wait_bfd(b, "to-a", "Up")
    before = session(a, "to-b")
    # New intervals on a, and a second session that b does not answer.
    a.sections["bfd_sessions"] = [
        bfd_session("to-b", "192.0.2.2", "192.0.2.1", tx=20, rx=20),
        bfd_session("to-x", "192.0.2.77", "192.0.2.1")]
    a.reload()
    # 20 ms in force once b answered the poll (F); b still sends at 50.
    wait_until(lambda: session(a, "to-b")["tx_interval_us"] == 50000 and
               session(a, "to-b")["rx_interval_us"] == 20000 and
               "to-x" in sessions(a), 10, "the new intervals in force")
    after = session(a, "to-b")
    assert after["state"] == "Up" and after["down_count"] == 0, after
    assert after["local_discriminator"] == before["local_discriminator"]
    assert after["up_count"] == before["up_count"]
    # Removed: AdminDown is said to the peer, which goes Down at once.
    a.sections["bfd_sessions"] = []
    a.reload()
    wait_bfd(b, "to-a", "Down")
    assert "neighbor signaled session down" in session(b, "to-a")["last_down_diag"]
