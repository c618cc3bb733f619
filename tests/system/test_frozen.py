# SPDX-License-Identifier: GPL-2.0-or-later
"""
A vipd that is frozen (SIGSTOP: a hung process, a VM paused, a loop
stuck) for longer than Master_Down_Interval and then resumed (SIGCONT).

While a master is frozen its kernel goes on forwarding, but it sends no
adverts: the backup takes over and carries the connections, whose TCP
sequence numbers move on. The frozen master's own conntrack entries are
then out of window; had it taken the VIPs back at once, every balanced
connection would be reset (out-of-window segments match no NAT entry and
reach the local stack, which knows no socket for them). So a resumed
master gives up the VIPs (it reads the adverts the kernel queued while it
was frozen before acting on its own timers), follows the new master,
brings its table up to date through conn_sync, and takes over again only
through the normal preemption path, once it holds the table.

Topology: tests/system/test_conn_sync.py's pair (NAT balancer, conn_sync,
sync group "edge" of ext and int), a at priority 150, b at 100, adverts
every 100 ms.
"""

import json
import signal
import time

import pytest

from vipnet import Array, wait_until
from lbpair import conns
from test_conn_sync import INT_VIP, SETTLE_S, VIP, Client, Pair

CONNS = 40
ADVERT_MS = 100
FREEZE_S = 1.2


def frozen_pair(topo, preempt):
    pair = Pair(topo)
    a, b = pair.nodes["a"], pair.nodes["b"]
    for inst in a.instances:
        inst["priority"] = 150
        inst["preempt"] = preempt
    for inst in b.instances:
        inst["priority"] = 100
    for node in (a, b):
        node.write_config(Pair.config_text(node, True))
    pair.start(a, b)
    wait_until(lambda: conns(b)["synced"], SETTLE_S,
               "b to complete its first resync")
    return pair, a, b


def start_client(pair, b):
    client = Client(pair, extra=["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                SETTLE_S, "%d connections exchanging messages" % CONNS)
    wait_until(lambda: conns(b)["entries_installed"] + conns(b)["entries_updated"]
               >= CONNS, SETTLE_S, "b to hold the %d flows" % CONNS,
               interval=0.2)
    return client


def freeze(node, seconds):
    """SIGSTOP, wait, SIGCONT; the CLOCK_MONOTONIC ms of the resume (the
    daemons' timelines use the same clock)."""
    node.kill(signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        resumed_ms = int(time.monotonic() * 1000)
        node.kill(signal.SIGCONT)
    return resumed_ms


def since(node, at_ms, name="ext"):
    """node's transitions of name at or after at_ms, oldest first."""
    return [t for t in reversed(node.instance(name)["timeline"])
            if t["at_ms"] >= at_ms]


def vip_holders(pair):
    return [n for n in ("a", "b") if pair.hosts[n].has_addr(VIP)]


def assert_nothing_broken(client):
    """Every connection goes on exchanging its numbered echoes; none is
    reset or loses a message."""
    base = client.now()["per_conn_min_messages"]
    try:
        client.wait(lambda s: s["failures"] or
                    (s["per_conn_min_messages"] >= base + 25
                     and s["open"] == CONNS), 20.0,
                    "every connection to exchange 25 more messages",
                    failures_ok=True)
    finally:
        final = client.finish()
        print("client:", json.dumps(final))
    broken = sum(final["failures"].values())
    assert final["failures"] == {}, "%d of %d connections broken: %r" % (
        broken, CONNS, final)
    assert final["opened"] == CONNS
    assert final["bytes_sent"] == final["bytes_received"] > 0


def assert_resumed_as_backup(a, resumed_ms):
    """a's first transition after the resume is to BACKUP, within 3 advert
    intervals, for the stall, and it says so."""
    for name in ("ext", "int"):
        after = since(a, resumed_ms, name)
        assert after, "%s on a: no transition after the resume" % name
        first = after[0]
        assert (first["from"], first["to"]) == ("MASTER", "BACKUP"), after
        assert "stalled" in first["reason"], first
        assert first["at_ms"] - resumed_ms <= 3 * ADVERT_MS, first
    assert "loop was stalled for" in a.log_text()
    assert a.dump()["instances"][0]["counters"]["stalls"] >= 1


@pytest.mark.parametrize("preempt", [True, False], ids=["preempt", "no_preempt"])
def test_a_frozen_master_that_resumes_gives_up_the_vip(topo, preempt):
    pair, a, b = frozen_pair(topo, preempt)
    client = start_client(pair, b)

    resumed_ms = freeze(a, FREEZE_S)
    # b took over during the freeze (Master_Down_Interval some 0.36 s)
    for name in ("ext", "int"):
        took = [t for t in since(b, resumed_ms - int(FREEZE_S * 1000), name)
                if t["to"] == "MASTER"]
        assert took and took[0]["at_ms"] < resumed_ms, (name, took)

    time.sleep(0.4)
    holders = set()
    if not preempt:
        # exactly one master from 3 advert intervals after the resume on
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            holders.add(tuple(vip_holders(pair)))
            time.sleep(0.05)
    else:
        # back through the preemption path, once a holds the table
        a.wait_state("MASTER", "ext", SETTLE_S)
        a.wait_state("MASTER", "int", SETTLE_S)
        b.wait_state("BACKUP", "ext", SETTLE_S)
        b.wait_state("BACKUP", "int", SETTLE_S)
    assert_nothing_broken(client)

    assert_resumed_as_backup(a, resumed_ms)
    if not preempt:
        assert holders == {("b",)}, holders
        assert a.state("ext") == "BACKUP" and b.state("ext") == "MASTER"
        assert a.state("int") == "BACKUP" and b.state("int") == "MASTER"
        assert not pair.hosts["a"].has_addr(INT_VIP)
    else:
        took_back = [t for t in since(a, resumed_ms) if t["to"] == "MASTER"]
        assert took_back, since(a, resumed_ms)
        # it preempted only once a resync after the resume completed
        assert conns(a)["resyncs_completed"] >= 1
        log = a.log_text()
        stalled = log.index("ext: MASTER -> BACKUP (loop stalled")
        synced = log.index("may preempt again: the connection table is here",
                           stalled)
        assert log.index("ext: BACKUP -> MASTER", stalled) > synced, log
        assert "(preempting lower-priority master)" in log[synced:]
        wait_until(lambda: vip_holders(pair) == ["a"], 5.0,
                   "only a to hold the VIP")
        assert pair.hosts["a"].has_addr(INT_VIP)
        assert not pair.hosts["b"].has_addr(INT_VIP)


def test_a_frozen_backup_that_resumes_stays_backup(topo):
    """b (backup) frozen past its Master_Down_Timer: on resume it reads
    the master's queued adverts before acting on its overdue timer, so it
    never claims the VIPs."""
    pair, a, b = frozen_pair(topo, True)
    client = start_client(pair, b)
    resumed_ms = freeze(b, FREEZE_S)
    time.sleep(1.0)
    for name in ("ext", "int"):
        assert since(b, resumed_ms - int(FREEZE_S * 1000), name) == []
        assert since(a, resumed_ms - int(FREEZE_S * 1000), name) == []
    assert vip_holders(pair) == ["a"]
    assert b.dump()["instances"][0]["counters"]["stalls"] >= 1
    assert "loop was stalled for" in b.log_text()
    assert_nothing_broken(client)


def test_a_frozen_dr_master_without_conn_sync_resumes_as_backup(topo):
    """A DR service (stateless: no table to bring up to date) and no
    conn_sync: lb1 (150) frozen, lb2 (100) takes over; on resume lb1 gives
    the VIP up at once, then preempts after Master_Down_Interval, and the
    connections go on through both moves."""
    from test_dr import DR, TIMEOUT_S
    from lbpair import LoadClient

    dr = DR(topo, nbackends=3, nodes=("lb1", "lb2"))
    a, b = dr.nodes
    dr.start(a, dr.service())
    dr.start(b, dr.service(), state="BACKUP")
    dr.wait_up(a)
    dr.wait_up(b)
    client = LoadClient(dr.client, dr.vip, "client",
                        ["--conns", str(CONNS), "--interval-ms", "20"])
    client.wait(lambda s: s["open"] == CONNS and s["per_conn_min_messages"] >= 5,
                TIMEOUT_S, "%d connections exchanging messages" % CONNS)
    resumed_ms = freeze(a, FREEZE_S)
    a.wait_state("MASTER", timeout=TIMEOUT_S)
    b.wait_state("BACKUP", timeout=TIMEOUT_S)
    assert_nothing_broken(client)
    after = since(a, resumed_ms)
    assert after and (after[0]["from"], after[0]["to"]) == ("MASTER", "BACKUP"), after
    assert "stalled" in after[0]["reason"], after[0]
    assert after[0]["at_ms"] - resumed_ms <= 3 * ADVERT_MS, after[0]
    assert len(after) >= 2 and after[1]["to"] == "MASTER", after
    assert after[1]["reason"] == "preempting lower-priority master", after[1]
