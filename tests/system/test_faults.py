"""
Faults around a pair: split brain and its healing, a flapping link, a storm
of reloads under traffic, kill -9 and restart again and again, a VIP already
on the interface at start, and a state directory that is full or read-only.
The `lan` fixture gives a (priority 150, 192.0.2.1), b (100, 192.0.2.2) and
a client (192.0.2.50), with VIP 192.0.2.100.
"""

import json
import os
import signal
import subprocess
import time

from vipnet import (DEFAULT_VIP as VIP, LIB_DIR, PYTHON, arp_owners, hold_for,
                    vipd_instance, wait_until)

SETTLE_S = 15.0


def settle(master, backups, timeout=SETTLE_S):
    """master MASTER with the VIP, every backup BACKUP without it."""
    master.wait_state("MASTER", timeout=timeout)
    wait_until(master.has_vip, timeout, "%s to hold the VIP" % master.name)
    for node in backups:
        node.wait_state("BACKUP", timeout=timeout)
        wait_until(lambda: not node.has_vip(), timeout,
                   "%s to release the VIP" % node.name)


def neighbour_mac(host, ip=VIP):
    """The MAC host's ARP cache holds for ip, or None."""
    out = host.run(["ip", "-j", "neigh", "show", ip, "dev", "eth0"]).stdout
    entries = [e for e in json.loads(out or "[]") if e.get("lladdr")]
    return entries[0]["lladdr"] if entries else None


# split brain -----------------------------------------------------------------

def drop_adverts_from(host, peer_ip):
    """nftables in host's namespace: drop VRRP (protocol 112) from peer_ip
    only; everything else, the client's pings included, passes."""
    host.run(["nft", "-f", "-"], input=(
        "table ip splitbrain {\n"
        "  chain input {\n"
        "    type filter hook input priority -300; policy accept;\n"
        "    ip saddr %s ip protocol 112 drop\n"
        "  }\n"
        "}\n" % peer_ip))


def heal(host):
    host.run(["nft", "delete", "table", "ip", "splitbrain"])


def test_split_brain_both_master_then_heals_to_one_and_client_follows(topo, vipd_bin):
    interval_ms = 200
    a = topo.add_vipd("a", "192.0.2.1", priority=150, advert_interval_ms=interval_ms)
    b = topo.add_vipd("b", "192.0.2.2", priority=100, advert_interval_ms=interval_ms)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    b.start()
    settle(a, [b])
    pinger = client.start_pinger(VIP, interval_ms=10)
    wait_until(lambda: neighbour_mac(client) == a.mac, 10, "client to reach a")

    drop_adverts_from(a.host, b.host.ip)
    drop_adverts_from(b.host, a.host.ip)
    b.wait_state("MASTER")
    wait_until(b.has_vip, 10, "b to add the VIP in the split brain")
    assert a.state() == "MASTER" and a.has_vip()
    # b announced itself last: the client now sends to b.
    wait_until(lambda: neighbour_mac(client) == b.mac, 10,
               "client's ARP entry to follow b's gratuitous ARP")
    assert arp_owners(client, VIP) == sorted([a.mac, b.mac])
    reasserts = a.instance()["counters"]["reasserts"]

    healed_at = time.monotonic()
    heal(a.host)
    heal(b.host)
    wait_until(lambda: not b.has_vip(), 10, "b to give the VIP up")
    heal_s = time.monotonic() - healed_at
    b.wait_state("BACKUP", timeout=5)
    print("\nsplit brain healed in %.0f ms (advert interval %d ms)"
          % (heal_s * 1000, interval_ms))
    # One advert interval is what it takes; three is the bound, plus a
    # generous allowance for a busy machine.
    assert heal_s < 3 * interval_ms / 1000.0 + 2.0, heal_s
    hold_for(lambda: a.has_vip() and not b.has_vip(), 1.0,
             "the VIP on a only after healing")
    assert a.state() == "MASTER" and b.state() == "BACKUP"
    # a heard the other master and announced itself again, so the client's
    # entry moved back without waiting for it to expire.
    wait_until(lambda: neighbour_mac(client) == a.mac, 2.0,
               "client's ARP entry to follow a's gratuitous ARP")
    assert a.instance()["counters"]["reasserts"] > reasserts
    assert arp_owners(client, VIP) == [a.mac]
    since = time.monotonic()
    wait_until(lambda: pinger.replies_since(since) >= 20, 5, "pings answered by a")
    pinger.stop()


# link flapping ----------------------------------------------------------------

def test_link_flapping_fifty_times_ends_with_one_master(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    # 50 down/up cycles, some faster than an advert interval, some slower.
    script = ("for i in $(seq 50); do ip link set eth0 down; sleep 0.0$((i % 7)); "
              "ip link set eth0 up; sleep 0.0$((i % 5)); done")
    a.host.run(["sh", "-c", script], timeout=60)
    assert a.alive() and b.alive(), a.log_text()
    settle(a, [b])
    hold_for(lambda: a.has_vip() and not b.has_vip(), 1.0, "one master after the flaps")
    assert arp_owners(client, VIP) == [a.mac]
    assert a.instance()["counters"]["transitions"] >= 3


# reload storm -------------------------------------------------------------------

def test_hundred_reloads_under_traffic_lose_no_vip_and_no_flow(lan, topo):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    before = {n.name: n.instance() for n in (a, b)}
    server = a.host.popen([PYTHON, os.path.join(LIB_DIR, "tcpflow.py"), "serve",
                           "--addr", VIP, "--port", "7000"], label="echo server on a")
    wait_until(lambda: a.host.run(["ss", "-Hltn", "sport = :7000"]).stdout.strip(),
               10, "the echo server to listen")
    flow_out = os.path.join(topo.workdir, "flow.json")
    with open(flow_out, "wb") as out:
        flow = client.popen([PYTHON, os.path.join(LIB_DIR, "tcpflow.py"), "talk",
                             "--addr", VIP, "--port", "7000", "--interval-ms", "20"],
                            stdout=out, label="tcp flow from client")
    pinger = client.start_pinger(VIP, interval_ms=10)
    wait_until(lambda: pinger.replies_since(0) >= 10, 10, "pings answered")
    assert server.alive()

    # Every other reload changes a's priority in place (150 <-> 140), the
    # others reload the same file; b reloads alongside.
    for i in range(100):
        for node, prio in ((a, 140 if i % 2 == 0 else 150), (b, 100)):
            node.reload(instances=[vipd_instance(priority=prio)])
        for node in (a, b):
            wait_until(lambda: node.log_text().count("reload: configuration accepted")
                       >= i + 1, 10, "reload %d on %s" % (i + 1, node.name),
                       interval=0.01)
        assert a.has_vip() and not b.has_vip(), "reload %d" % (i + 1)

    time.sleep(0.3)
    result = pinger.stop()
    flow.signal(signal.SIGTERM)
    assert flow.wait(10) == 0, flow.log_text()
    with open(flow_out) as f:
        talk = json.loads(f.read().strip().splitlines()[-1])
    print("\n100 reloads on each node: %d pings sent, %d lost, longest gap %.1f ms; "
          "TCP flow: %d exchanges, error %s" % (result["sent"], result["lost"],
                                               result["max_gap_ms"], talk["exchanged"],
                                               talk["error"]))
    assert talk["error"] is None and talk["exchanged"] > 10, talk
    assert result["lost"] <= 3, result
    for node in (a, b):
        now = node.dump()
        assert now["reloads"] == 100 and now["reloads_refused"] == 0
        [inst] = now["instances"]
        assert inst["state"] == before[node.name]["state"]
        assert inst["counters"]["transitions"] == \
            before[node.name]["counters"]["transitions"], node.name
    assert arp_owners(client, VIP) == [a.mac]


# kill -9 and restart ---------------------------------------------------------------

def test_kill_9_and_restart_each_node_five_rounds(lan):
    a, b, client = lan
    a.start()
    b.start()
    settle(a, [b])
    for round_ in range(5):
        # The master dies without a word: its VIP stays on its interface
        # until the restarted daemon removes it; b takes over meanwhile.
        a.kill(signal.SIGKILL)
        assert a.wait_exit(5) is not None
        b.wait_state("MASTER")
        a.start()
        settle(a, [b])
        # The backup dies and comes back: it must not take the VIP.
        b.kill(signal.SIGKILL)
        assert b.wait_exit(5) is not None
        b.start()
        settle(a, [b])
        assert arp_owners(client, VIP) == [a.mac], "round %d" % (round_ + 1)
    hold_for(lambda: a.has_vip() and not b.has_vip(), 1.0, "exactly one VIP holder")
    assert "removed stale VIP" in a.log_text()


# VIP already there -------------------------------------------------------------------

def test_vip_present_at_start_is_adopted_by_master_and_removed_by_backup(lan):
    a, b, client = lan
    for node in (a, b):
        node.host.add_addr(VIP + "/24")      # left by hand, or by a crashed run
    a.start()
    b.start()
    settle(a, [b])
    assert arp_owners(client, VIP) == [a.mac]
    # The master treats the address as its own: a graceful stop removes it,
    # and b takes it over.
    assert a.stop() == 0, a.log_text()
    assert not a.has_vip()
    wait_until(b.has_vip, 10, "b to take the VIP over")
    assert arp_owners(client, VIP) == [b.mac]


# state directory full or read-only -------------------------------------------------

def _in_mount_ns(node, argv, check=True):
    """Run argv in vipd's own mount namespace (where its tmpfs is)."""
    return subprocess.run(["nsenter", "-t", str(node.pid), "-m", "--"] + argv,
                          capture_output=True, text=True, check=check, timeout=30)


def _count(node, text):
    return node.log_text().count(text)


def test_full_or_read_only_state_dir_fails_dumps_with_one_line_and_still_fails_over(
        lan, tmp_path):
    a, b, client = lan
    # b's state directory is a 64 KiB tmpfs of its own, in a mount
    # namespace of its own (the test's view of the directory stays empty).
    wrapper = tmp_path / "vipd-small-state"
    wrapper.write_text(
        "#!/bin/sh\nexec unshare -m --propagation private /bin/sh -c "
        "'mount -t tmpfs -o size=64k tmpfs \"$0\" && exec \"$@\"' %s %s \"$@\"\n"
        % (b.state_dir, b.topo.vipd_bin))
    wrapper.chmod(0o755)
    plain = b.topo.vipd_bin
    b.topo.vipd_bin = str(wrapper)
    try:
        b.start()
    finally:
        b.topo.vipd_bin = plain
    a.start()
    a.wait_state("MASTER")
    wait_until(lambda: a.has_vip() and not b.has_vip(), SETTLE_S, "a master, b backup")
    state = b.state_dir

    # Full: one line per failed dump, naming the reason.
    _in_mount_ns(b, ["dd", "if=/dev/zero", "of=%s/fill" % state, "bs=4k"], check=False)
    for sig, what in ((signal.SIGUSR1, "cannot write dump in %s: No space left on device"
                       % state),
                      (signal.SIGUSR2, "cannot write %s/vipd.stats: No space left on device"
                       % state)):
        b.kill(sig)
        wait_until(lambda: _count(b, what) == 1, 10, "the log line: " + what)
    b.kill(signal.SIGUSR1)
    wait_until(lambda: _count(b, "cannot write dump") == 2, 10, "a second failed dump")
    hold_for(lambda: _count(b, "cannot write dump") == 2, 0.5, "one line per dump")
    leftovers = _in_mount_ns(b, ["ls", "-A", state]).stdout.split()
    assert not [f for f in leftovers if f.endswith(".tmp")], leftovers

    # Read-only: the same, with its own reason.
    _in_mount_ns(b, ["rm", "-f", "%s/fill" % state])
    _in_mount_ns(b, ["mount", "-o", "remount,ro", state])
    ro = "cannot write dump in %s: Read-only file system" % state
    b.kill(signal.SIGUSR1)
    wait_until(lambda: _count(b, ro) == 1, 10, "the log line: " + ro)
    assert b.alive()

    # Meanwhile b is a working backup: it takes over when a dies ...
    a.crash()
    wait_until(b.has_vip, 10, "b to take over with its state dir read-only")
    assert b.alive()
    # ... and dumps again once the directory is writable.
    _in_mount_ns(b, ["mount", "-o", "remount,rw", state])
    b.kill(signal.SIGUSR1)
    wait_until(lambda: '"state": "MASTER"' in _in_mount_ns(
        b, ["cat", "%s/vipd.json" % state], check=False).stdout, 10,
        "a dump saying b is MASTER")
