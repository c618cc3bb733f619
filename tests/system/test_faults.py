# SPDX-License-Identifier: GPL-2.0-or-later
"""
Faults around a pair: split brain and its healing, a flapping link, a storm
of reloads under traffic (pings, TCP to the master and through its
balancer, new balanced connections), kill -9 and restart again and again, a
VIP already on the interface at start, and a state directory that is full
or read-only. The `lan` fixture gives a (priority 150, 192.0.2.1), b (100,
192.0.2.2) and a client (192.0.2.50), with VIP 192.0.2.100. What a client
or the kernel saw is read from captures (tcpdump) and `ip monitor address`,
so that a moment's double VIP or lost address cannot slip between polls.
"""

import datetime
import json
import os
import signal
import subprocess
import time

from lbpair import EXAMPLE_EXT_VIP, EXAMPLE_INT_VIP, LBTOOL, example_pair
from vipnet import (DEFAULT_VIP as VIP, LIB_DIR, PYTHON, arp_owners, hold_for, run,
                    wait_until)

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

# At the switch, one rule set for both directions: VRRP between a's and b's
# ports is dropped, everything else (the client's pings, the adverts the
# client hears) passes. Deleting the table heals both ways at one instant.
SPLIT_RULES = """\
table bridge splitbrain {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "p-a" oifname "p-b" ip protocol 112 drop
    iifname "p-b" oifname "p-a" ip protocol 112 drop
  }
}
"""


class Capture:
    """tcpdump -tt on a host's eth0 with a filter; lines() are its output
    as (time, words), time in seconds since the epoch (time.time())."""

    def __init__(self, host, bpf, what):
        self.out = os.path.join(host.topo.workdir, "%s-%s-%d.txt"
                                % (host.name, what, len(host.topo.procs)))
        with open(self.out, "wb") as out:
            self.proc = host.popen(["tcpdump", "-l", "-n", "-e", "-tt", "-i", "eth0",
                                    bpf], stdout=out,
                                   label="tcpdump (%s) on %s" % (what, host.name))
        wait_until(lambda: "listening on" in self.proc.log_text(), 10,
                   "tcpdump to start on %s" % host.name)

    def lines(self):
        with open(self.out) as f:
            return [(float(line.split()[0]), line.split()) for line in f
                    if line.endswith("\n") and line[:1].isdigit()]

    def adverts_from(self, ip):
        """Arrival times of the VRRP adverts from ip."""
        # ... length 46: 192.0.2.1 > 224.0.0.18: VRRPv3, Advertisement, ...
        return [t for t, w in self.lines()
                if " %s > 224.0.0.18: VRRP" % ip in " ".join(w)]

    def garps(self, vip=VIP):
        """(time, source MAC) of the gratuitous ARPs for vip."""
        return [(t, w[1]) for t, w in self.lines()
                if "who-has" in w and "tell" in w and
                w[w.index("who-has") + 1] == vip and
                w[w.index("tell") + 1].rstrip(",") == vip]


class AddrWatch:
    """`ip -o -ts monitor address` in a host's namespace: every address
    added or deleted there while it runs, with its time."""

    def __init__(self, host):
        self.out = os.path.join(host.topo.workdir, "%s-addr-%d.txt"
                                % (host.name, len(host.topo.procs)))
        with open(self.out, "wb") as out:
            self.proc = host.popen(["ip", "-o", "-ts", "monitor", "address"],
                                   stdout=out, label="ip monitor on %s" % host.name)
        # It prints nothing until an event: wait for its netlink socket
        # (subscribed as it is bound, right after it is made).
        wait_until(lambda: self._has_socket(), 5, "ip monitor to start")
        time.sleep(0.1)

    def _has_socket(self):
        fds = "/proc/%d/fd" % self.proc.pid
        return any(os.readlink(os.path.join(fds, fd)).startswith("socket:")
                   for fd in os.listdir(fds))

    def events(self, ip=VIP):
        """[(time, "added" | "deleted")] for address ip."""
        found = []
        with open(self.out) as f:
            for line in f:
                if not line.startswith("[") or " inet %s/" % ip not in line:
                    continue
                stamp, _, rest = line[1:].partition("] ")
                when = datetime.datetime.fromisoformat(stamp).timestamp()
                found.append((when, "deleted" if rest.startswith("Deleted")
                              else "added"))
        return found


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

    run(["ip", "netns", "exec", topo.switch_ns, "nft", "-f", "-"], input=SPLIT_RULES)
    b.wait_state("MASTER")
    wait_until(b.has_vip, 10, "b to add the VIP in the split brain")
    assert a.state() == "MASTER" and a.has_vip()
    # b announced itself last: the client now sends to b.
    wait_until(lambda: neighbour_mac(client) == b.mac, 10,
               "client's ARP entry to follow b's gratuitous ARP")
    assert arp_owners(client, VIP) == sorted([a.mac, b.mac])
    reasserts = a.instance()["counters"]["reasserts"]

    # What b hears (adverts), what the client sees (GARPs) and every VIP
    # change on either node, from before the heal to the end.
    at_b = Capture(b.host, "ip proto 112", "vrrp")
    at_client = Capture(client, "arp", "arp")
    watch = {n.name: AddrWatch(n.host) for n in (a, b)}
    healed_at, healed_mono = time.time(), time.monotonic()
    topo.sw_run(["nft", "delete", "table", "bridge", "splitbrain"])
    b.wait_state("BACKUP", timeout=10)
    wait_until(lambda: not b.has_vip(), 10, "b to give the VIP up")
    hold_for(lambda: a.has_vip() and not b.has_vip(), 1.0,
             "the VIP on a only after healing")
    assert a.state() == "MASTER" and b.state() == "BACKUP"

    # Exactly one master within three advert intervals of the heal, counted
    # in adverts rather than timed: b's adverts stop (the last one is the
    # one it sends as it yields) before a has sent it a third. The winner
    # reasserts as soon as it hears the loser, so it is normally the first.
    from_b = [t for t in at_b.adverts_from(b.host.ip) if t > healed_at]
    from_a = [t for t in at_b.adverts_from(a.host.ip) if t > healed_at]
    assert from_b, "b sent no advert after the heal: it never yielded by advert"
    last_b = from_b[-1]
    a_before_yield = [t for t in from_a if t <= last_b]
    print("\nsplit brain healed after %d of a's adverts and %d of b's; b BACKUP "
          "%.0f ms after the heal (advert interval %d ms)"
          % (len(a_before_yield), len(from_b),
             b.instance()["last_transition"]["at_ms"] - healed_mono * 1000,
             interval_ms))
    assert 1 <= len(a_before_yield) <= 3, (a_before_yield, from_b)
    assert len(from_b) <= 3, from_b           # b, master no more than 3 intervals
    hold_for(lambda: len([t for t in at_b.adverts_from(b.host.ip)
                          if t > healed_at]) == len(from_b), 3 * interval_ms / 1000.0,
             "b silent after yielding")

    # The VIP on one node only: b deleted it once, a never did, and
    # neither added it again.
    assert [e for _, e in watch["b"].events()] == ["deleted"], watch["b"].events()
    assert watch["a"].events() == [], watch["a"].events()

    # a heard the other master and announced itself again, so the client's
    # entry moved back without waiting for it to expire.
    wait_until(lambda: [mac for t, mac in at_client.garps() if t > healed_at], 5,
               "a gratuitous ARP for the VIP after the heal")
    assert {mac for t, mac in at_client.garps() if t > healed_at} == {a.mac}
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

STORM_RELOADS = 100


def test_hundred_reloads_under_traffic_lose_no_vip_no_ping_and_no_flow(topo, vipd_bin):
    # The NAT pair of etc/examples: VIPs ext 10.0.0.10 and int 10.1.0.1 in a
    # sync group, virtual service web 10.0.0.10:80 over three backends with
    # http checks. Under a client's pings, a TCP connection to the master
    # itself and one balanced through the virtual service (DNAT, conntrack),
    # both nodes reload 100 times, a's priority changing in place every
    # other time.
    nodes, client, backends = example_pair(topo, echo=True)
    a, b = nodes["a"], nodes["b"]
    ext_vip, int_vip = EXAMPLE_EXT_VIP, EXAMPLE_INT_VIP
    a.start()
    b.start()
    for name in ("ext", "int"):
        a.wait_state("MASTER", name, SETTLE_S)
        b.wait_state("BACKUP", name, SETTLE_S)
    wait_until(lambda: a.has_vip(ext_vip) and a.has_vip(int_vip), SETTLE_S,
               "a to hold both VIPs")
    wait_until(lambda: all(be["health"] == "up" for be in web_backends(a)), 20,
               "the three backends up on a")
    before = {n: {i["name"]: i for i in n.dump()["instances"]} for n in (a, b)}
    plain = {n: open(n.conf_path).read() for n in (a, b)}
    assert plain[a].count("priority = 150;") == 2

    server = a.host.popen([PYTHON, os.path.join(LIB_DIR, "tcpflow.py"), "serve",
                           "--addr", ext_vip, "--port", "7000"], label="echo server on a")
    wait_until(lambda: a.host.run(["ss", "-Hltn", "sport = :7000"]).stdout.strip(),
               10, "the echo server to listen")
    flows = {}
    for name, port in (("local", 7000), ("balanced", 80)):
        out_path = os.path.join(topo.workdir, "flow-%s.json" % name)
        with open(out_path, "wb") as out:
            proc = client.popen([PYTHON, os.path.join(LIB_DIR, "tcpflow.py"), "talk",
                                 "--addr", ext_vip, "--port", str(port),
                                 "--interval-ms", "20"],
                                stdout=out, label="tcp flow (%s) from client" % name)
        flows[name] = (proc, out_path)
    # The balanced one really goes through the balancer: DNATed by a.
    wait_until(lambda: "sport=8080" in a.host.run(
        ["conntrack", "-L", "-p", "tcp", "--dport", "80"], check=False).stdout,
        10, "the balanced flow's conntrack entry on a, DNATed to a backend")
    # And new connections all along: a short HTTP request every 20 ms.
    stop_stream = os.path.join(topo.workdir, "stream.stop")
    stream_out = os.path.join(topo.workdir, "stream.json")
    with open(stream_out, "wb") as out:
        stream = client.popen([PYTHON, LBTOOL, "stream", "--addr", ext_vip,
                               "--port", "80", "--interval-ms", "20",
                               "--stop", stop_stream], stdout=out,
                              label="new connections from client")
    wait_until(lambda: "streaming" in stream.log_text(), 10, "the request stream")
    pinger = client.start_pinger(ext_vip, interval_ms=10)
    wait_until(lambda: pinger.replies_since(0) >= 10, 10, "pings answered")
    watch = AddrWatch(a.host)
    assert server.alive()

    for i in range(STORM_RELOADS):
        text = plain[a] if i % 2 else plain[a].replace("priority = 150;",
                                                       "priority = 140;")
        a.reload(text=text)
        b.reload(text=plain[b])
        for node in (a, b):
            wait_until(lambda: node.log_text().count("reload: configuration accepted")
                       >= i + 1, 10, "reload %d on %s" % (i + 1, node.name),
                       interval=0.01)

    time.sleep(0.3)
    result = pinger.stop()
    open(stop_stream, "w").close()
    assert stream.wait(30) == 0, stream.log_text()
    with open(stream_out) as f:
        requests = json.loads(f.read().strip().splitlines()[-1])["requests"]
    talks = {}
    for name, (proc, out_path) in flows.items():
        proc.signal(signal.SIGTERM)
        assert proc.wait(10) == 0, proc.log_text()
        with open(out_path) as f:
            talks[name] = json.loads(f.read().strip().splitlines()[-1])
    failed = [r for r in requests if r["error"] or not r["backend"]]
    print("\n%d reloads on each node: %d pings sent, %d lost, longest gap %.1f ms; "
          "TCP flows: %s; %d new connections, %d failed"
          % (STORM_RELOADS, result["sent"], result["lost"], result["max_gap_ms"],
             talks, len(requests), len(failed)))
    # No VIP left either node's owner for a moment: a's addresses never
    # changed (ip monitor saw nothing), b never took one.
    assert watch.events(ext_vip) == [] and watch.events(int_vip) == [], \
        open(watch.out).read()
    assert result["lost"] == 0, result
    for name, talk in talks.items():
        assert talk["error"] is None and talk["exchanged"] > 10, (name, talk)
    # Balanced all along: no new connection refused, reset or left unanswered.
    assert len(requests) > 10 and failed == [], failed
    for node in (a, b):
        now = node.dump()
        assert now["reloads"] == STORM_RELOADS and now["reloads_refused"] == 0
        for inst in now["instances"]:
            was = before[node][inst["name"]]
            assert inst["state"] == was["state"], (node.name, inst["name"])
            assert inst["counters"]["transitions"] == \
                was["counters"]["transitions"], (node.name, inst["name"])
    assert not b.has_vip(ext_vip) and not b.has_vip(int_vip)
    assert all(be["health"] == "up" for be in web_backends(a))


def web_backends(node):
    """The web service's backends in node's dump."""
    [web] = [s for s in node.dump()["virtual_services"] if s["name"] == "web"]
    return web["backends"]


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
        # The backup dies and comes back: it must not take the VIP, not
        # even for a moment (ip monitor sees every address b adds).
        b.kill(signal.SIGKILL)
        assert b.wait_exit(5) is not None
        watch = AddrWatch(b.host)
        b.start()
        settle(a, [b])
        hold_for(lambda: a.has_vip() and not b.has_vip(), 0.5,
                 "b without the VIP after its restart, round %d" % (round_ + 1))
        assert watch.events() == [], (round_ + 1, watch.events())
        watch.proc.stop()
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
