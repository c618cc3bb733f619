# SPDX-License-Identifier: GPL-2.0-or-later
"""
The embedded L4 balancer: virtual services as nftables DNAT with conntrack,
schedulers, health checks, quorum and sorry server, draining, reload.

Topology: a client (192.0.2.50) on br0; vipd on lb1 (192.0.2.1, VIP
192.0.2.100, eth1 10.1.0.1 on br1, forwarding on); backends on br1 only
(10.1.0.11...), default route via 10.1.0.1, each a tests/lib/lbtool.py
server answering its own name. The client fires its connections from one
python process (lbtool fire), a thousand in about a second.
"""

import json
import os
import re
import subprocess
import signal
import time

import pytest

from vipnet import (DEFAULT_VIP as VIP, PYTHON, LIB_DIR, libconfig_text,
                    wait_until, write_script)
from lbpair import example_pair, inside_host

LBTOOL = os.path.join(LIB_DIR, "lbtool.py")
PORT = 80
BACKEND_PORT = 8080
TIMEOUT_S = 20.0


class Balancer:
    """lb1 + client + backends; services are written with set_services()."""

    def __init__(self, topo, backends, priority=150, **instance):
        self.topo = topo
        topo.add_segment("br1")
        self.node = topo.add_vipd("lb1", "192.0.2.1", priority=priority,
                                  **instance)
        self.node.host.attach("br1", "10.1.0.1/24", "eth1")
        self.node.host.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        self.client = topo.add_host("cl", "192.0.2.50")
        self.backends = {}
        self.servers = {}
        for i, name in enumerate(backends):
            self.add_backend(name, "10.1.0.%d" % (11 + i))

    def add_backend(self, name, ip):
        host = inside_host(self.topo, name, ip, "10.1.0.1")
        host.ip_internal = ip
        self.backends[name] = host
        self.serve(name)
        return host

    def serve(self, name, mode="ok", tls=None, udp=False, tls_max=None):
        host = self.backends[name]
        self.stop_server(name)
        argv = [PYTHON, LBTOOL, "serve", "--port", str(BACKEND_PORT),
                "--name", name, "--mode", mode]
        if tls:
            argv += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        if tls_max:
            argv += ["--tls-max", tls_max]
        if udp:
            argv += ["--udp"]
        proc = host.popen(argv, label="backend %s (%s)" % (name, mode))
        self.servers[name] = proc
        # Listening before anyone counts on it.
        wait_until(lambda: ":%d" % BACKEND_PORT in host.run(
            ["ss", "-Hlun" if udp else "-Hltn"]).stdout, 5.0,
            "%s to listen" % name)

    def stop_server(self, name):
        proc = self.servers.pop(name, None)
        if proc is not None:
            proc.signal(signal.SIGKILL)
            proc.wait(5.0)

    def service(self, name="web", backends=None, check=None, **extra):
        """A virtual_services entry over backends ({name: weight} or list)."""
        backends = backends if backends is not None else list(self.backends)
        weights = backends if isinstance(backends, dict) else \
            {b: 1 for b in backends}
        entries = []
        for b, w in weights.items():
            entry = {"address": self.backends[b].ip_internal,
                     "port": BACKEND_PORT, "weight": w}
            if check is not None:
                entry["check"] = dict(check)
            entries.append(entry)
        svc = {"name": name, "address": VIP, "port": PORT, "protocol": "tcp",
               "scheduler": "rr", "backends": entries}
        svc.update(extra)
        return svc

    def config_text(self, services):
        return self.node.config_text() + libconfig_text(
            {"virtual_services": services})

    def start(self, services):
        self.node.write_config(self.config_text(services))
        self.node.start()
        self.node.wait_state("MASTER", timeout=TIMEOUT_S)

    def reload(self, services):
        self.node.reload(text=self.config_text(services))

    def services(self):
        return {s["name"]: s for s in self.node.dump()["virtual_services"]}

    def health(self, service="web"):
        """{backend name: health} from a fresh dump."""
        by_ip = {h.ip_internal: n for n, h in self.backends.items()}
        return {by_ip.get(b["address"], b["address"]): b["health"]
                for b in self.services()[service]["backends"]}

    def wait_health(self, want, service="web", timeout=TIMEOUT_S):
        def ok():
            h = self.health(service)
            return all(h.get(b) == s for b, s in want.items())
        wait_until(ok, timeout, "backend health %r" % (want,), interval=0.1)

    def fire(self, count=1000, sport_base=0, port=PORT, udp=False, source=None):
        argv = [PYTHON, LBTOOL, "fire", "--addr", VIP, "--port", str(port),
                "--count", str(count)] + (["--udp"] if udp else [])
        if sport_base:
            argv += ["--sport-base", str(sport_base)]
        if source:
            argv += ["--source", source]
        res = self.client.run(argv, timeout=120)
        return json.loads(res.stdout)

    def _tool(self, name, argv):
        """lbtool argv on the client, its JSON output in a file: (proc,
        output path, stop file path)."""
        n = len(self.topo.procs)
        out = os.path.join(self.topo.workdir, "%s-%d.json" % (name, n))
        stop = os.path.join(self.topo.workdir, "%s-%d.stop" % (name, n))
        with open(out, "wb") as f:
            proc = self.client.popen([PYTHON, LBTOOL] + argv + ["--stop", stop],
                                     stdout=f, label=name)
        return proc, out, stop

    @staticmethod
    def _finish(proc, out, stop):
        open(stop, "w").close()
        assert proc.wait(30.0) == 0, proc.log_text()
        with open(out) as f:
            return json.load(f)

    def hold(self):
        """A long-lived connection through the VIP (lbtool hold, a PING
        every HOLD_INTERVAL_S) until finish() (at most 120 s)."""
        proc, out, stop = self._tool("hold", [
            "hold", "--addr", VIP, "--port", str(PORT), "--seconds", "120",
            "--interval-ms", str(int(HOLD_INTERVAL_S * 1000))])

        def backend():
            for line in proc.log_text().splitlines():
                if line.startswith("connected "):
                    return line.split()[1]
            return None
        wait_until(lambda: backend() is not None, 10.0, "the held connection")
        return Held(backend(), lambda: self._finish(proc, out, stop))

    def stream(self, interval_ms=20):
        """New connections through the VIP every interval_ms (lbtool
        stream) until the returned function is called; it returns their
        [{"t", "backend", "error"}], t on this process's monotonic clock."""
        proc, out, stop = self._tool("stream", [
            "stream", "--addr", VIP, "--port", str(PORT), "--interval-ms",
            str(interval_ms)])
        wait_until(lambda: "streaming" in proc.log_text(), 10.0,
                   "the stream to start")
        return lambda: self._finish(proc, out, stop)["requests"]

    def nft(self, *args):
        return self.node.host.run(["nft"] + list(args), check=False)

    def ruleset(self):
        """Table inet vipd with handles, counter values blanked."""
        text = self.nft("-a", "list", "table", "inet", "vipd").stdout
        return re.sub(r"packets \d+ bytes \d+", "packets - bytes -", text)


HOLD_INTERVAL_S = 0.1


class Held:
    """A held connection: backend it reached, finish() -> lbtool's JSON."""

    def __init__(self, backend, finish):
        self.backend = backend
        self.finish = finish

    def assert_alive_through(self, until_t):
        """Finish the held connection and assert that it lived on its
        backend, without an error, past until_t (time.monotonic() after
        the events it had to survive) and answered all along: no wait
        between two answers longer than a second (a flow whose rules or
        conntrack entry went away stalls or breaks), and at least half the
        answers a PING every HOLD_INTERVAL_S gives over its life."""
        # A few more answers after until_t before the end is asked for.
        time.sleep(5 * HOLD_INTERVAL_S)
        r = self.finish()
        assert r["errors"] == 0 and r["backend"] == self.backend, r
        assert r["last_t"] is not None and r["last_t"] >= until_t, (until_t, r)
        assert r["max_gap_s"] < 1.0, r
        want = (r["last_t"] - r["first_t"]) / HOLD_INTERVAL_S * 0.5
        assert r["answers"] >= want, (want, r)
        return r


TCP_CHECK = {"type": "tcp", "interval_ms": 200, "timeout_ms": 150, "rise": 2,
             "fall": 2}
HTTP_CHECK = {"type": "http", "path": "/", "expect_status": 200,
              "interval_ms": 300, "timeout_ms": 250, "rise": 2, "fall": 2}


def spread(result):
    return result["backends"]


def assert_counted_per_backend(lb, res, slack=10):
    """Each backend's own counters (its address and port looked up in the
    service's counter maps): about the connections it answered (a client
    port reused within conntrack's UDP timeout is one flow for two
    answers), and no other's; its packets and bytes."""
    by_ip = {h.ip_internal: n for n, h in lb.backends.items()}
    for b in lb.services()["web"]["backends"]:
        got = spread(res).get(by_ip[b["address"]], 0)
        assert abs(b["connections"] - got) <= slack, (b, res)
        assert b["packets"] >= 2 * got and b["bytes"] > 0, (b, res)


# 1. schedulers ------------------------------------------------------------

def test_rr_spreads_evenly_and_marks_flows_for_sync(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr")])
    res = lb.fire(999)
    assert res["errors"] == 0, res
    for name in ("b1", "b2", "b3"):
        assert abs(spread(res).get(name, 0) - 333) <= 33, res
    # Every balanced flow carries the mark the conn-sync sender selects.
    ct = lb.node.host.run(["conntrack", "-L", "-m", "0x76697064"],
                          check=False)
    marked = [l for l in ct.stdout.splitlines()
              if "sport=%d" % BACKEND_PORT in l and "mark=%d" % 0x76697064 in l]
    assert len(marked) >= 999, ct.stderr
    # The dump counts connections per backend from nft counters.
    svc = lb.services()["web"]
    conns = sum(b["connections"] for b in svc["backends"])
    assert conns >= 999, svc
    assert all(b["packets"] > 0 and b["bytes"] > 0 for b in svc["backends"]), svc
    with open(os.path.join(lb.node.state_dir, "vipd.data")) as f:
        text = f.read()
    assert "virtual service web\n" in text, text
    assert ("  quorum: 1 (sum of weights up), hysteresis 0, met (weight 3 "
            "up, 3 backends take new flows)\n") in text, text
    assert "  backend 10.1.0.11:8080 weight 1: up (no check)\n" in text, text


def test_wrr_follows_weights(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="wrr", backends={"b1": 3, "b2": 1})])
    res = lb.fire(1000)
    assert res["errors"] == 0, res
    assert abs(spread(res)["b1"] - 750) <= 50, res
    assert abs(spread(res)["b2"] - 250) <= 50, res
    assert_counted_per_backend(lb, res)


def test_udp_service_is_balanced_per_flow(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    for name in ("b1", "b2"):
        lb.serve(name, udp=True)
    lb.start([lb.service(scheduler="wrr", protocol="udp",
                         backends={"b1": 1, "b2": 3})])
    res = lb.fire(400, udp=True)
    assert res["errors"] == 0, res
    assert abs(spread(res)["b1"] - 100) <= 20, res
    assert_counted_per_backend(lb, res)


def test_sh_keeps_one_client_on_one_backend(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="sh")])
    res = lb.fire(1000)
    assert res["errors"] == 0, res
    assert len(spread(res)) == 1, res


def test_sh_maps_client_addresses_to_backends_deterministically(topo, vipd_bin):
    """Eight client addresses: each always lands on one backend, they do
    not all land on the same one (a constant choice would keep every
    client on one backend too), and a fresh start of vipd (table rebuilt)
    maps each to the same backend again: the hash has a fixed seed and the
    Maglev table depends on the backends only (both nodes of a pair agree)."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    clients = ["192.0.2.%d" % i for i in range(50, 58)]
    for a in clients[1:]:
        lb.client.add_addr(a + "/24")
    lb.start([lb.service(scheduler="sh")])

    def mapping():
        m = {}
        for a in clients:
            res = lb.fire(20, source=a)
            assert res["errors"] == 0 and len(spread(res)) == 1, (a, res)
            m[a] = list(spread(res))[0]
        return m
    first = mapping()
    assert len(set(first.values())) >= 2, first
    assert lb.node.stop() == 0
    lb.node.start()
    lb.node.wait_state("MASTER", timeout=TIMEOUT_S)
    assert mapping() == first


@pytest.mark.parametrize("how", ["health", "reload"])
def test_mh_removing_one_backend_moves_about_one_nth(topo, vipd_bin, how):
    """1000 flows (fixed source ports) over four backends, then b4 goes
    away, by its health check or by a reload that drains it (weight 0):
    only b4's flows (about 1/4) move, plus at most 10 % of the others
    (Maglev). (A reload that removes b4 resizes the table, which is sized
    from the configured backends so that every node agrees on it, and so
    moves most flows: vipd(7).)"""
    names = ["b1", "b2", "b3", "b4"]
    lb = Balancer(topo, names)
    lb.start([lb.service(scheduler="mh", check=TCP_CHECK)])
    lb.wait_health({n: "up" for n in names})
    before = lb.fire(1000, sport_base=20000)
    assert before["errors"] == 0, before
    assert len(spread(before)) == 4, before
    if how == "health":
        lb.stop_server("b4")
        lb.wait_health({"b4": "down"})
    else:
        lb.reload([lb.service(backends={"b1": 1, "b2": 1, "b3": 1, "b4": 0},
                              scheduler="mh", check=TCP_CHECK)])
        wait_until(lambda: lb.services()["web"]["active_backends"] == 3,
                   TIMEOUT_S, "the reload that drains b4")
    after = lb.fire(1000, sport_base=20000)
    assert after["errors"] == 0, after
    assert "b4" not in spread(after), after
    moved = sum(1 for sp, b in before["by_sport"].items()
                if after["by_sport"].get(sp) != b)
    # Maglev: only b4's share (about 1/4) moves, plus a little.
    assert moved <= 1000 * (1 / 4 + 0.10), (moved, spread(before), spread(after))
    stayed_elsewhere = sum(1 for sp, b in before["by_sport"].items()
                           if b != "b4" and after["by_sport"].get(sp) != b)
    assert stayed_elsewhere <= 1000 * 0.10, stayed_elsewhere


def ipv6_on(host, dev, cidr):
    for key in ("disable_ipv6=0", "accept_dad=0"):
        host.run(["sysctl", "-qw", "net.ipv6.conf.%s.%s" % (dev, key)])
    host.add_addr(cidr, dev=dev)


def test_ipv6_service_is_balanced_and_checked(topo, vipd_bin):
    topo.add_segment("br1")
    node = topo.add_vipd("lb1", "192.0.2.1", ipv6="2001:db8::1", priority=150)
    node.host.attach("br1", "10.1.0.1/24", "eth1")
    ipv6_on(node.host, "eth1", "2001:db8:1::1/64")
    node.host.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
    # The balancer does not care who holds the service address; here lb1.
    node.host.run(["ip", "-6", "addr", "add", "2001:db8::100/64", "dev",
                   "eth0", "nodad"])
    client = topo.add_host("cl", "192.0.2.50", ipv6="2001:db8::50")
    for i in (11, 12):
        host = topo.add_host("b%d" % i, "198.51.100.%d" % i)
        host.unplug()
        host.link_set("down")
        host.attach("br1", "10.1.0.%d/24" % i, "eth1")
        ipv6_on(host, "eth1", "2001:db8:1::%d/64" % i)
        host.run(["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1"])
        host.popen([PYTHON, LBTOOL, "serve", "--bind", "::", "--port", "8080",
                    "--name", "b%d" % i])
        host.popen([PYTHON, LBTOOL, "serve", "--bind", "::", "--port", "8053",
                    "--name", "b%d" % i, "--udp"])
    check = dict(HTTP_CHECK)
    backends = [{"address": "2001:db8:1::11", "port": 8080, "check": check},
                {"address": "2001:db8:1::12", "port": 8080, "check": check}]
    node.write_config(node.config_text() + libconfig_text({"virtual_services": [
        {"name": "web6", "address": "2001:db8::100", "port": 80,
         "scheduler": "rr", "backends": backends},
        {"name": "sticky6", "address": "2001:db8::100", "port": 81,
         "scheduler": "rr", "persistence_s": 60, "backends": backends},
        {"name": "dns6", "address": "2001:db8::100", "port": 53,
         "protocol": "udp", "scheduler": "rr",
         "backends": [{"address": "2001:db8:1::11", "port": 8053},
                      {"address": "2001:db8:1::12", "port": 8053}]}]}))
    node.start()

    def up():
        return all([b["health"] for b in svc["backends"]] == ["up", "up"]
                   for svc in node.dump()["virtual_services"])
    wait_until(up, TIMEOUT_S, "the IPv6 backends up")

    def fire(port, count):
        return json.loads(client.run([PYTHON, LBTOOL, "fire", "--addr",
                                      "2001:db8::100", "--port", str(port),
                                      "--count", str(count)],
                                     timeout=120).stdout)
    res = fire(80, 200)
    assert res["errors"] == 0 and res["backends"] == {"b11": 100, "b12": 100}, res
    first = fire(81, 1)["backends"]
    res = fire(81, 40)
    assert res["errors"] == 0 and res["backends"] == {list(first)[0]: 40}, res
    # UDP over IPv6: each datagram from a port of its own is a new flow
    # (ephemeral ports repeat among 200 often: one flow, one backend).
    res = json.loads(client.run([PYTHON, LBTOOL, "fire", "--udp", "--addr",
                                 "2001:db8::100", "--port", "53", "--count",
                                 "200", "--sport-base", "41000"],
                                timeout=120).stdout)
    assert res["errors"] == 0 and res["backends"] == {"b11": 100, "b12": 100}, res


# 2. health checks -----------------------------------------------------------

# What a health change may take beyond its check's own bound (the 50 ms
# batching of lib/lb/lb.c, the nft transaction, a loaded shared machine). A
# bound, not a figure: tests/bench measures.
HEALTH_SLACK_S = 1.0


def test_killed_backend_leaves_after_fall_and_returns_after_rise(topo, vipd_bin):
    """A new connection every 20 ms through the VIP: from fall x interval
    + timeout (+ slack) after the kill none reaches the dead backend, and
    within rise x interval (+ slack) of its return it gets its share."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr", check=TCP_CHECK)])
    lb.wait_health({"b1": "up", "b2": "up", "b3": "up"})
    c = TCP_CHECK
    leave_s = (c["fall"] * c["interval_ms"] + c["timeout_ms"]) / 1000.0 + \
        HEALTH_SLACK_S
    return_s = c["rise"] * c["interval_ms"] / 1000.0 + HEALTH_SLACK_S
    finish = lb.stream()
    time.sleep(0.5)
    killed = time.monotonic()
    lb.stop_server("b2")
    lb.wait_health({"b2": "down"})
    reason = [b for b in lb.services()["web"]["backends"]
              if b["address"] == "10.1.0.12"][0]["last_check"]["reason"]
    assert "connect" in reason or "timeout" in reason, reason
    # Long enough after the deadline for b2 to miss a good many.
    time.sleep(max(0.0, killed + leave_s + 1.5 - time.monotonic()))
    lb.serve("b2")
    back = time.monotonic()             # listening
    time.sleep(return_s + 1.5)
    reqs = finish()

    before = [r for r in reqs if r["t"] < killed]
    assert before and all(r["error"] is None for r in before), before[:5]
    assert "b2" in {r["backend"] for r in before}, before
    gone = [r for r in reqs if killed + leave_s <= r["t"] < back]
    assert len(gone) >= 50, len(gone)
    bad = [r for r in gone if r["error"] is not None or r["backend"] == "b2"]
    assert not bad, ("after %.2f s b2 still got connections" % leave_s,
                     [dict(r, after_kill_s=round(r["t"] - killed, 3))
                      for r in bad[:5]])
    after = [r for r in reqs if r["t"] >= back]
    assert all(r["error"] is None for r in after), \
        [r for r in after if r["error"]][:5]
    first_b2 = min(r["t"] for r in after if r["backend"] == "b2")
    assert first_b2 - back <= return_s, ("b2 back after %.2f s, bound %.2f s"
                                         % (first_b2 - back, return_s))
    settled = [r["backend"] for r in after if r["t"] >= back + return_s]
    assert len(settled) >= 50, len(settled)
    share = settled.count("b2") / len(settled)
    assert abs(share - 1 / 3) <= 0.1, (share, len(settled))


def test_health_change_leaves_established_flows_to_other_backends_alone(
        topo, vipd_bin):
    """A connection held to one backend while another goes down and comes
    back (their service's DNAT chain rewritten twice): no error, the same
    backend, answers all along."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr", check=TCP_CHECK)])
    lb.wait_health({"b1": "up", "b2": "up", "b3": "up"})
    # Held on b2, the second of the rr sequence; b3 flaps. A flow that
    # lost its conntrack entry would be balanced afresh by the rewritten
    # chain, whose first pick (b1) is not b2, so it would break, not
    # land back on its backend by luck.
    assert spread(lb.fire(1)) == {"b1": 1}
    held = lb.hold()
    assert held.backend == "b2"
    lb.stop_server("b3")
    lb.wait_health({"b3": "down"})
    res = lb.fire(40)
    assert res["errors"] == 0 and spread(res) == {"b1": 20, "b2": 20}, res
    lb.serve("b3")
    lb.wait_health({"b3": "up"})
    res = lb.fire(60)
    assert res["errors"] == 0 and spread(res) == {"b1": 20, "b2": 20,
                                                   "b3": 20}, res
    assert lb.node.dump()["balancer"]["health_changes"] >= 2
    held.assert_alive_through(time.monotonic())


def test_refused_transaction_is_counted_and_the_rules_rebuilt(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="rr", check=TCP_CHECK)])
    lb.wait_health({"b1": "up", "b2": "up"})
    # Someone replaces vipd's table with one of that name that only its
    # own netlink socket may change (flags owner): vipd's rebuild after the
    # outside change and its next change are refused, until that process
    # goes and its table with it.
    # (Its stdin is this python's pipe: killed, nft reads EOF and exits.)
    owner = lb.node.host.popen([PYTHON, "-c", "import subprocess, time; "
                                "p = subprocess.Popen(['nft', '-i'], stdin="
                                "subprocess.PIPE); p.stdin.write(b'delete "
                                "table inet vipd; add table inet vipd "
                                "{ flags owner; }\\n'); p.stdin.flush(); "
                                "time.sleep(120)"], label="owner table")
    wait_until(lambda: "cannot be restored" in lb.node.log_text(), 10.0,
               "the refused rebuild")
    lb.stop_server("b2")
    lb.wait_health({"b2": "down"})
    wait_until(lambda: lb.node.dump()["balancer"]["transaction_errors"] >= 1,
               10.0, "the refused change counted")
    owner.signal(signal.SIGKILL)
    owner.wait(5.0)

    def rebuilt():
        d = lb.node.dump()
        return d["balancer"]["transaction_errors"] >= 1 and \
            d["virtual_services"][0]["rules_installed"]
    wait_until(rebuilt, 10.0, "the error counted and the rules rebuilt")
    assert "rules installed after an earlier refusal" in lb.node.log_text()
    res = lb.fire(100)
    assert res["errors"] == 0 and spread(res) == {"b1": 100}, res


def test_http_check_marks_hanging_garbage_and_resetting_backends_down(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3", "b4"])
    lb.serve("b2", "hang")
    lb.serve("b3", "garbage")
    lb.serve("b4", "reset")
    svc = lb.service(scheduler="rr", check=HTTP_CHECK)
    # And one that is not there at all: nobody answers its ARP.
    svc["backends"].append({"address": "10.1.0.77", "port": BACKEND_PORT,
                            "check": dict(HTTP_CHECK)})
    lb.start([svc])
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down", "b4": "down",
                    "10.1.0.77": "down"})
    reasons = {b["address"]: b["last_check"]["reason"]
               for b in lb.services()["web"]["backends"]}
    assert "timeout" in reasons["10.1.0.12"], reasons
    assert "timeout" in reasons["10.1.0.77"] or \
        "unreachable" in reasons["10.1.0.77"], reasons
    assert "not an HTTP status line" in reasons["10.1.0.13"], reasons
    assert "reset" in reasons["10.1.0.14"] or "closed" in reasons["10.1.0.14"], reasons
    res = lb.fire(200)
    assert res["errors"] == 0 and spread(res) == {"b1": 200}, res
    # The loop never blocked on the hanging backend: the daemon still answers.
    assert lb.node.state() == "MASTER"


def test_http_check_with_expect_body_marks_a_wrong_body_down(topo, vipd_bin):
    """Both answer 200, each with its own name; the check wants "b1"."""
    lb = Balancer(topo, ["b1", "b2"])
    svc = lb.service(scheduler="rr")
    for entry in svc["backends"]:
        entry["check"] = dict(HTTP_CHECK, expect_body="b1")
    lb.start([svc])
    lb.wait_health({"b1": "up", "b2": "down"})
    reasons = {b["address"]: b["last_check"]["reason"]
               for b in lb.services()["web"]["backends"]}
    assert reasons == {"10.1.0.11": "status 200, body matches",
                       "10.1.0.12": "status 200 but the body lacks the "
                                    "expected text"}, reasons
    res = lb.fire(50)
    assert res["errors"] == 0 and spread(res) == {"b1": 50}, res


def test_hanging_checks_never_block_the_loop(topo, vipd_bin):
    """50 backends that accept and never answer (http and https checks,
    every second, each timing out after 800 ms) on the master: its adverts
    (every 100 ms) never stop long enough for the backup (master down
    interval about 360 ms) to take over."""
    lb = Balancer(topo, ["hang"])
    lb.serve("hang", "hang")
    host = lb.backends["hang"]
    addrs = ["10.1.0.%d" % (100 + i) for i in range(50)]
    for a in addrs:
        host.add_addr(a + "/24", dev="eth1")
    check = {"path": "/", "interval_ms": 1000, "timeout_ms": 800, "rise": 1,
             "fall": 1}
    svc = {"name": "web", "address": VIP, "port": PORT, "scheduler": "rr",
           "backends": [{"address": a, "port": BACKEND_PORT,
                         "check": dict(check, type="https" if i % 2 else "http")}
                        for i, a in enumerate(addrs)]}
    peer = lb.topo.add_vipd("lb2", "192.0.2.2", priority=100)
    lb.start([svc])
    peer.start()
    peer.wait_state("BACKUP", timeout=TIMEOUT_S)
    sent = lb.node.instance()["counters"]["adverts_sent"]
    since = time.monotonic()

    def all_timed_out():
        backends = lb.services()["web"]["backends"]
        return all(b["health"] == "down" and b["checks"] >= 3 and
                   "timeout" in b["last_check"]["reason"] for b in backends)
    wait_until(all_timed_out, TIMEOUT_S, "every backend down by 3 timeouts")
    reasons = {b["last_check"]["reason"] for b in lb.services()["web"]["backends"]}
    assert reasons == {"timeout after 800 ms waiting for the answer",
                       "timeout after 800 ms in the TLS handshake"}, reasons
    inst = lb.node.instance()
    assert inst["state"] == "MASTER" and inst["counters"]["became_master"] == 1
    # The adverts kept coming, about one every 100 ms.
    want = (time.monotonic() - since) / 0.1 * 0.8
    assert inst["counters"]["adverts_sent"] - sent >= want, (want, inst)
    p = peer.instance()
    assert p["state"] == "BACKUP" and p["counters"]["became_master"] == 0, p


def test_backends_with_a_long_interval_are_checked_at_once(topo, vipd_bin):
    """interval_ms of an hour: every backend's first check still comes
    within a second of a start, or of a reload that changed the check (a
    backend is UNKNOWN until then: no flows, short of quorum)."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    slow = dict(TCP_CHECK, interval_ms=3600000, timeout_ms=500)
    lb.start([lb.service(scheduler="rr", check=slow)])
    lb.wait_health({"b1": "up", "b2": "up", "b3": "up"}, timeout=3.0)
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {"b1": 10, "b2": 10,
                                                   "b3": 10}, res
    lb.reload([lb.service(scheduler="rr", check=dict(slow, timeout_ms=600))])
    wait_until(lambda: lb.node.dump()["reloads"] == 1, 10.0, "the reload")
    lb.wait_health({"b1": "up", "b2": "up", "b3": "up"}, timeout=3.0)
    assert all(b["checks"] == 1 for b in lb.services()["web"]["backends"])
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {"b1": 10, "b2": 10,
                                                   "b3": 10}, res


def make_cert(topo, name, ip):
    """A self-signed certificate for ip (its own CA): (cert, key) paths."""
    cert = os.path.join(topo.workdir, name + ".pem")
    key = os.path.join(topo.workdir, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                    "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=IP:" + ip, "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def test_https_check_verifies_the_certificate_when_asked(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    good = make_cert(topo, "b1", "10.1.0.11")
    other = make_cert(topo, "b2", "10.1.0.12")
    plain = make_cert(topo, "b3", "10.1.0.13")
    lb.serve("b1", tls=good)
    lb.serve("b2", tls=other)
    lb.serve("b3", tls=plain)
    check = dict(HTTP_CHECK, type="https", verify=True, ca_file=good[0])
    svc = lb.service(backends=["b1", "b2"], check=check)
    unverified = lb.service(name="web2", backends=["b3"], port=81,
                            check=dict(HTTP_CHECK, type="https"))
    lb.start([svc, unverified])
    # b1's certificate is signed by ca_file; b2's is not.
    lb.wait_health({"b1": "up", "b2": "down"})
    reason = lb.services()["web"]["backends"][1]["last_check"]["reason"]
    assert "certificate" in reason, reason
    # verify = false takes any certificate.
    lb.wait_health({"b3": "up"}, service="web2")


def test_https_check_without_verify_takes_a_self_signed_tls12_backend(
        topo, vipd_bin):
    """TLS 1.2: the client has the server's certificate (and OpenSSL its
    verify result, also with verification off) while it still waits for
    the server's Finished. verify = false must take a self-signed
    certificate all the same; verify = true with no CA that signed it
    (no ca_file: the system's) must not."""
    lb = Balancer(topo, ["b1", "b2"])
    lb.serve("b1", tls=make_cert(topo, "b1", "10.1.0.11"), tls_max="1.2")
    lb.serve("b2", tls=make_cert(topo, "b2", "10.1.0.12"), tls_max="1.2")
    unverified = lb.service(backends=["b1"], check=dict(HTTP_CHECK, type="https"))
    verified = lb.service(name="web2", backends=["b2"], port=81,
                          check=dict(HTTP_CHECK, type="https", verify=True))
    lb.start([unverified, verified])
    lb.wait_health({"b1": "up"})
    lb.wait_health({"b2": "down"}, service="web2")
    # And it stays so: every probe of b1 passes, b2's say why they fail.
    time.sleep(4 * HTTP_CHECK["interval_ms"] / 1000.0)
    b1 = lb.services()["web"]["backends"][0]
    assert b1["health"] == "up" and b1["checks_failed"] == 0, b1
    assert b1["last_check"]["reason"] == "status 200", b1
    b2 = lb.services()["web2"]["backends"][0]
    assert b2["health"] == "down", b2
    assert b2["last_check"]["reason"].startswith("tls: certificate: "), b2


def script_check(lb, path):
    """A fast script check of path, run as root."""
    lb.node.global_settings["script_user"] = "root"
    return {"type": "script", "command": [path], "interval_ms": 200,
            "timeout_ms": 150, "rise": 1, "fall": 1}


def test_script_check_runs_through_the_script_runner(topo, vipd_bin, script_dir):
    lb = Balancer(topo, ["b1", "b2"])
    script = write_script(script_dir, "chk.sh",
                          'echo "flag for $VIPD_BACKEND_ADDRESS"\n'
                          'test -e "%s/up-$VIPD_BACKEND_ADDRESS:$VIPD_BACKEND_PORT"'
                          % script_dir)
    open(os.path.join(script_dir, "up-10.1.0.11:%d" % BACKEND_PORT), "w").close()
    lb.start([lb.service(check=script_check(lb, script))])
    lb.wait_health({"b1": "up", "b2": "down"})
    reason = lb.services()["web"]["backends"][1]["last_check"]["reason"]
    assert reason == "exit 1: flag for 10.1.0.12", reason
    assert spread(lb.fire(50)) == {"b1": 50}
    open(os.path.join(script_dir, "up-10.1.0.12:%d" % BACKEND_PORT), "w").close()
    lb.wait_health({"b2": "up"})


def test_script_check_running_across_reloads_keeps_being_run(topo, vipd_bin,
                                                              script_dir):
    # A running script check is out of the checks' schedule until its
    # script ends; a reload that adds checks meanwhile must leave room for
    # it to come back, or it is never run again.
    lb = Balancer(topo, ["b1", "b2"])
    script = write_script(script_dir, "slow.sh", "sleep 0.4")
    check = dict(script_check(lb, script), interval_ms=500, timeout_ms=500)
    slow = lb.service(backends=["b1"], check=check)
    lb.start([slow])
    lb.wait_health({"b1": "up"})
    for i in range(4):
        # It runs from 100 to 500 ms after its last result: reload then.
        def mid_run():
            last = lb.services()["web"]["backends"][0]["last_check"]
            return last is not None and 150 <= last["age_ms"] <= 300
        wait_until(mid_run, TIMEOUT_S, "the script check to run",
                   interval=0.02)
        added = [lb.service(name="add%d" % j, backends=["b2"], check=TCP_CHECK,
                            port=PORT + 1 + j) for j in range(i + 1)]
        lb.reload([slow] + added)
        wait_until(lambda: lb.node.dump()["reloads"] == i + 1, 10.0,
                   "reload %d" % (i + 1))
    runs = lb.services()["web"]["backends"][0]["checks"]
    wait_until(lambda: lb.services()["web"]["backends"][0]["checks"]
               >= runs + 3, 10.0, "the script check to go on after the reloads")
    lb.wait_health({"b2": "up"}, service="add3")


def test_insecure_script_check_is_refused_like_a_track_script(topo, vipd_bin,
                                                              script_dir):
    lb = Balancer(topo, ["b1", "b2"])
    node = lb.node
    script = write_script(script_dir, "chk.sh", "exit 0")
    services = [lb.service(check=script_check(lb, script))]
    node.write_config(lb.config_text(services))

    def vipd_t():
        res = node.host.run([vipd_bin, "-t", "-f", node.conf_path], check=False)
        return res.returncode, res.stdout + res.stderr

    rc, out = vipd_t()
    assert rc == 0, out
    os.chmod(script, 0o757)             # anyone may rewrite it
    rc, out = vipd_t()
    assert rc == 1, out
    # One error per program, not one per backend sharing it.
    assert out.count("writable by everyone") == 1, out
    assert ("%s:" % node.conf_path in out and
            "virtual_services[web].backends[0].check.command[0]: %s refused"
            % script in out), out
    os.chmod(script, 0o755)
    os.chmod(script_dir, 0o777)         # or the directory above it
    rc, out = vipd_t()
    assert rc == 1 and "%s is writable by everyone" % script_dir in out, out
    res = node.host.run([vipd_bin, "-n", "-f", node.conf_path, "-p",
                         os.path.join(node.dir, "x.pid"), "-S",
                         node.state_dir], check=False)
    assert res.returncode == 1 and \
        "writable by everyone" in res.stdout + res.stderr
    os.chmod(script_dir, 0o755)

    # At reload the old configuration keeps running.
    lb.start(services)
    lb.wait_health({"b1": "up", "b2": "up"})
    os.chmod(script, 0o757)
    lb.reload(services)
    wait_until(lambda: "reload refused" in node.log_text() and
               "writable by everyone" in node.log_text(), 10.0,
               "the reload to be refused")
    assert node.alive() and node.dump()["reloads_refused"] == 1
    # The running checks refuse to run it too: the backends go down, saying why.
    lb.wait_health({"b1": "down", "b2": "down"})
    reason = lb.services()["web"]["backends"][0]["last_check"]["reason"]
    assert "writable by everyone" in reason, reason
    os.chmod(script, 0o755)
    lb.wait_health({"b1": "up", "b2": "up"})


def test_persistence_keeps_a_client_on_its_backend(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr", persistence_s=60)])
    first = spread(lb.fire(1))
    # rr alone would spread these over all three.
    res = lb.fire(60)
    assert res["errors"] == 0 and spread(res) == {list(first)[0]: 60}, res
    # Remembered in the set of the backend it went to.
    assert remembered_on(lb, "192.0.2.50") == [list(first)[0]]


def test_persistence_lapses_after_persistence_s_unless_a_flow_is_busy(
        topo, vipd_bin):
    """persistence_s = 2: a client stays on its backend within 2 s, is
    re-balanced once 2 s pass without a packet of its flows, and is kept
    as long as one of its connections is busy (every packet restarts the
    timeout, as an IPVS template lives while it has connections). rr over
    two backends: the scheduler's next pick is always the other one."""
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="rr", persistence_s=2)])
    first = list(spread(lb.fire(1)))[0]
    other = "b2" if first == "b1" else "b1"
    res = lb.fire(10)
    assert res["errors"] == 0 and spread(res) == {first: 10}, res
    assert remembered_on(lb, "192.0.2.50") == [first]
    # 2 s without a packet (the last connection closed): forgotten.
    time.sleep(3.0)
    assert remembered_on(lb, "192.0.2.50") == []
    res = lb.fire(1)
    assert res["errors"] == 0 and spread(res) == {other: 1}, res
    # Now on `other`; a connection that stays busy keeps it there past
    # twice persistence_s, for new connections too.
    held = lb.hold()
    assert held.backend == other
    time.sleep(4.5)
    assert remembered_on(lb, "192.0.2.50") == [other]
    res = lb.fire(5)
    assert res["errors"] == 0 and spread(res) == {other: 5}, res
    held.assert_alive_through(time.monotonic())
    # Once it is closed, the 2 s run again.
    time.sleep(3.0)
    assert remembered_on(lb, "192.0.2.50") == []
    res = lb.fire(1)
    assert res["errors"] == 0 and spread(res) == {first: 1}, res


def remembered_on(lb, client, service="web"):
    """The backends whose persistence set holds client (from lb_s_X)."""
    chain = lb.nft("list", "chain", "inet", "vipd", "lb_s_" + service).stdout
    by_ip = {h.ip_internal: n for n, h in lb.backends.items()}
    found = []
    for m in re.finditer(r"saddr @(\S+) .*dnat ip to ([\d.]+):", chain):
        out = lb.nft("list", "set", "inet", "vipd", m.group(1)).stdout
        if client in out:
            found.append(by_ip.get(m.group(2), m.group(2)))
    return found


def test_persistence_survives_another_backends_health_change(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr", persistence_s=60, check=TCP_CHECK)])
    lb.wait_health({"b1": "up", "b2": "up", "b3": "up"})
    sticky = list(spread(lb.fire(1)))[0]
    other = [b for b in ("b1", "b2", "b3") if b != sticky]
    # Another backend flaps: the DNAT chain is rebuilt twice.
    lb.stop_server(other[0])
    lb.wait_health({other[0]: "down"})
    assert remembered_on(lb, "192.0.2.50") == [sticky]
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {sticky: 30}, res
    lb.serve(other[0])
    lb.wait_health({other[0]: "up"})
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {sticky: 30}, res
    assert remembered_on(lb, "192.0.2.50") == [sticky]
    # Its own backend goes down: forgotten there, re-balanced, sticky to
    # the new one, which it keeps when the old one is back.
    lb.stop_server(sticky)
    lb.wait_health({sticky: "down"})
    assert remembered_on(lb, "192.0.2.50") == []
    moved = list(spread(lb.fire(1)))[0]
    assert moved != sticky
    lb.serve(sticky)
    lb.wait_health({sticky: "up"})
    assert remembered_on(lb, "192.0.2.50") == [moved]
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {moved: 30}, res


def test_persistence_survives_a_reload_that_keeps_the_backend(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr", persistence_s=60,
                         backends=["b1", "b2"])])
    sticky = list(spread(lb.fire(1)))[0]
    gone = "b2" if sticky == "b1" else "b1"
    # The service changes (a backend added): its chains are replaced.
    lb.reload([lb.service(scheduler="rr", persistence_s=60,
                          backends=["b3", "b1", "b2"])])
    wait_until(lambda: len(lb.services()["web"]["backends"]) == 3, 10.0,
               "the reload")
    assert remembered_on(lb, "192.0.2.50") == [sticky]
    res = lb.fire(30)
    assert res["errors"] == 0 and spread(res) == {sticky: 30}, res
    # Removing the client's backend re-balances it.
    lb.reload([lb.service(scheduler="rr", persistence_s=60,
                          backends=["b3", gone])])
    wait_until(lambda: len(lb.services()["web"]["backends"]) == 2, 10.0,
               "the second reload")
    res = lb.fire(20)
    assert res["errors"] == 0 and sticky not in spread(res), res


# 3. quorum, sorry server, draining ------------------------------------------

def test_quorum_loss_sends_to_sorry_server_then_back(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "sorry"])
    svc = lb.service(scheduler="rr", backends=["b1", "b2"], check=TCP_CHECK,
                     quorum=2, sorry_server="10.1.0.13:%d" % BACKEND_PORT)
    lb.start([svc])
    lb.wait_health({"b1": "up", "b2": "up"})
    assert spread(lb.fire(100)) == {"b1": 50, "b2": 50}
    lb.stop_server("b2")
    wait_until(lambda: not lb.services()["web"]["quorum_met"], 10.0,
               "quorum loss")
    res = lb.fire(100)
    assert spread(res) == {"sorry": 100}, res
    lb.serve("b2")
    wait_until(lambda: lb.services()["web"]["quorum_met"], 10.0, "quorum back")
    assert "sorry" not in spread(lb.fire(100))


def test_quorum_loss_without_sorry_server_resets_connections(topo, vipd_bin):
    lb = Balancer(topo, ["b1"])
    lb.start([lb.service(check=TCP_CHECK)])
    lb.wait_health({"b1": "up"})
    lb.stop_server("b1")
    lb.wait_health({"b1": "down"})
    res = lb.client.run([PYTHON, "-c",
                         "import socket\n"
                         "s = socket.socket(); s.settimeout(3)\n"
                         "try:\n"
                         "    s.connect(('%s', %d)); print('connected')\n"
                         "except ConnectionRefusedError: print('refused')\n"
                         "except OSError as e: print('other', e)\n" % (VIP, PORT)])
    assert res.stdout.strip() == "refused", res.stdout


def refused_or_not(lb, proto, port):
    """From the client: "refused", "timeout" or what else a connection
    (tcp) or a datagram on a connected socket (udp) to VIP:port meets."""
    res = lb.client.run([PYTHON, "-c",
                         "import socket\n"
                         "udp = %r == 'udp'\n"
                         "s = socket.socket(type=socket.SOCK_DGRAM if udp "
                         "else socket.SOCK_STREAM); s.settimeout(3)\n"
                         "try:\n"
                         "    s.connect(('%s', %d))\n"
                         "    if udp: s.send(b'x'); s.recv(100)\n"
                         "    print('answered')\n"
                         "except ConnectionRefusedError: print('refused')\n"
                         "except socket.timeout: print('timeout')\n"
                         "except OSError as e: print('other', e)\n"
                         % (proto, VIP, port)])
    return res.stdout.strip()


def test_below_quorum_refuses_even_with_accept_mode_off(topo, vipd_bin):
    """accept_mode = false: the master drops what is addressed to its VIP
    (the accept filter, input hook), yet a service below quorum without a
    sorry server still refuses its clients at once, TCP with a reset and
    UDP with port unreachable: lb_input runs before the accept filter."""
    lb = Balancer(topo, ["b1"], accept_mode=False)
    dns = {"name": "dns", "address": VIP, "port": 53, "protocol": "udp",
           "backends": [{"address": "10.1.0.11", "port": 53,
                         "check": dict(TCP_CHECK, port=9)}]}
    lb.start([lb.service(check=TCP_CHECK), dns])
    lb.wait_health({"b1": "up"})
    lb.wait_health({"b1": "down"}, service="dns")
    wait_until(lambda: lb.node.instance()["accept_dropping"], 10.0,
               "the accept filter to drop")
    # Balanced flows are forwarded, not accepted: the filter lets them be.
    res = lb.fire(20)
    assert res["errors"] == 0 and spread(res) == {"b1": 20}, res
    # What no service claims is dropped: a client would time out.
    assert refused_or_not(lb, "tcp", 81) == "timeout"
    assert refused_or_not(lb, "udp", 53) == "refused"
    lb.stop_server("b1")
    lb.wait_health({"b1": "down"})
    assert refused_or_not(lb, "tcp", PORT) == "refused"


def test_weight_zero_drains_new_flows_and_keeps_established_one(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="rr")])
    held = lb.hold()
    other = "b2" if held.backend == "b1" else "b1"
    lb.reload([lb.service(scheduler="rr", backends={held.backend: 0,
                                                     other: 1})])
    wait_until(lambda: [b["weight"] for b in lb.services()["web"]["backends"]]
               == [0 if held.backend == "b1" else 1,
                   0 if held.backend == "b2" else 1],
               10.0, "the reload")
    res = lb.fire(200)
    assert res["errors"] == 0 and spread(res) == {other: 200}, res
    # Still on its drained backend after the new rules took 200 flows (had
    # it lost its conntrack entry, it would now go to the other and break).
    held.assert_alive_through(time.monotonic())


def test_reload_with_unchanged_services_keeps_rules_and_flows(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    services = [lb.service(scheduler="wrr", check=TCP_CHECK)]
    lb.start(services)
    lb.wait_health({"b1": "up", "b2": "up"})
    before = lb.node.dump()["balancer"]["transactions"]
    rules = lb.ruleset()
    held = lb.hold()
    lb.node.instances[0]["priority"] = 140        # a change elsewhere
    lb.reload(services)
    wait_until(lambda: lb.node.dump()["reloads"] == 1, 10.0, "the reload")
    assert lb.node.dump()["balancer"]["transactions"] == before
    assert lb.ruleset() == rules
    # A changed service is replaced in one transaction, and keeps what its
    # checks knew (no window without backends until the next check).
    checks = lb.services()["web"]["backends"][0]["checks"]
    lb.reload([lb.service(scheduler="rr", check=TCP_CHECK)])
    wait_until(lambda: lb.node.dump()["balancer"]["transactions"] == before + 1,
               10.0, "the changed service's transaction")
    web = lb.services()["web"]
    assert web["scheduler"] == "rr"
    assert web["backends"][0]["checks"] >= checks, (checks, web)
    res = lb.fire(20)
    assert res["errors"] == 0 and spread(res) == {"b1": 10, "b2": 10}, res
    # The held flow ran through both reloads, the second replacing its
    # service's chains.
    held.assert_alive_through(time.monotonic())


# 4. config errors, stop ---------------------------------------------------

def test_config_errors_name_file_and_line(topo, vipd_bin):
    host = topo.add_host("a", "192.0.2.1")
    path = os.path.join(topo.workdir, "bad.conf")
    with open(path, "w") as f:
        f.write('virtual_services = (\n'                                    # 1
                '  { name = "web"; address = "10.0.0.300"; port = 80;\n'    # 2
                '    backends = ( { address = "10.1.0.11"; port = 70000 } ) },\n'  # 3
                '  { name = "web"; address = "10.0.0.10"; port = 80;\n'    # 4
                '    scheduler = "lblc";\n'                                 # 5
                '    backends = ( { address = "10.1.0.11" } ) }\n'         # 6
                ');\n')
    res = host.run([vipd_bin, "-t", "-f", path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "%s:2: virtual_services[web].address: '10.0.0.300' is not an IPv4 " \
        "or IPv6 address" % path in out, out
    assert "%s:3: virtual_services[web].backends[0].port: 70000 is out of " \
        "range 1..65535" % path in out, out
    assert "%s:5: virtual_services[web].scheduler: 'lblc' is not a scheduler" \
        % path in out, out
    assert "%s:4: virtual_services[web]: duplicate name" % path in out, out


def test_start_after_a_crash_replaces_the_stale_table(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="rr")])
    lb.node.kill(signal.SIGKILL)
    lb.node.wait_exit(5.0)
    # The crashed run's rules are still there; a new run starts afresh.
    assert "lb_s_web" in lb.nft("list", "table", "inet", "vipd").stdout
    lb.node.start()
    lb.node.wait_state("MASTER", timeout=TIMEOUT_S)
    rules = lb.nft("list", "chain", "inet", "vipd", "lb_prerouting").stdout
    assert rules.count("jump lb_s_web") == 1, rules
    res = lb.fire(100)
    assert res["errors"] == 0 and spread(res) == {"b1": 50, "b2": 50}, res


def test_stop_removes_table_inet_vipd(topo, vipd_bin):
    lb = Balancer(topo, ["b1"])
    lb.start([lb.service()])
    assert "table inet vipd" in lb.nft("list", "tables").stdout
    assert lb.node.stop() == 0
    assert "table inet vipd" not in lb.nft("list", "tables").stdout


# Tables of others on the node: a base chain in each hook vipd uses, a
# named counter, sets and a map with elements, and a table with vipd's own
# name in another family. Their rules match only 203.0.113.0/24, which no
# test packet uses, so their counters stay as they are.
FOREIGN_TABLES = """
table ip foreign {
    counter seen { }
    set blocked { type ipv4_addr; elements = { 203.0.113.7, 203.0.113.8 }; }
    chain input {
        type filter hook input priority 0; policy accept;
        ip saddr @blocked counter name "seen" drop
        ip daddr 203.0.113.9 counter accept
    }
    chain helper {
        ip saddr 203.0.113.1 counter
    }
}
table inet other {
    map ports { type inet_service : verdict; elements = { 9999 : drop }; }
    chain pre {
        type nat hook prerouting priority -100; policy accept;
        ip daddr 203.0.113.5 tcp dport 80 counter dnat ip to 203.0.113.6
    }
    chain input_watch {
        type filter hook input priority -10; policy accept;
        ip saddr 203.0.113.0/24 tcp dport vmap @ports
    }
    chain forward_watch {
        type filter hook forward priority 0; policy accept;
        ip saddr 203.0.113.0/24 counter
    }
}
table ip vipd {
    chain c {
        ip saddr 203.0.113.2 counter
    }
}
"""
FOREIGN = (("ip", "foreign"), ("inet", "other"), ("ip", "vipd"))


def test_other_tables_are_never_touched(topo, vipd_bin):
    """Start, a reload that changes a service, a health change, a crash
    and a restart (the stale table replaced), and a stop leave the other
    tables exactly as they were, handles and counters included."""
    lb = Balancer(topo, ["b1", "b2"], accept_mode=False)
    lb.node.global_settings["peer_filter"] = ["192.0.2.2"]
    lb.node.host.run(["nft", "-f", "-"], input=FOREIGN_TABLES)

    def listing():
        return {"%s %s" % t: lb.nft("-a", "list", "table", *t).stdout
                for t in FOREIGN}
    before = listing()
    assert all("handle" in text for text in before.values()), before

    def unchanged(when):
        assert listing() == before, when

    lb.start([lb.service(scheduler="rr", check=TCP_CHECK)])
    lb.wait_health({"b1": "up", "b2": "up"})
    res = lb.fire(20)
    assert res["errors"] == 0 and spread(res) == {"b1": 10, "b2": 10}, res
    unchanged("start")
    ruleset = lb.nft("list", "table", "inet", "vipd").stdout
    assert "accept_filter" in ruleset and "peer_input" in ruleset, ruleset
    n = lb.node.dump()["balancer"]["transactions"]
    lb.reload([lb.service(scheduler="wrr", backends={"b1": 1, "b2": 2},
                          check=TCP_CHECK)])
    wait_until(lambda: lb.services()["web"]["scheduler"] == "wrr", 10.0,
               "the reload")
    assert lb.node.dump()["balancer"]["transactions"] > n
    unchanged("a reload that changed the service")
    lb.stop_server("b2")
    lb.wait_health({"b2": "down"})
    unchanged("a health change")
    lb.node.kill(signal.SIGKILL)
    lb.node.wait_exit(5.0)
    lb.node.start()
    lb.node.wait_state("MASTER", timeout=TIMEOUT_S)
    lb.wait_health({"b1": "up"})
    unchanged("a start over a crashed run's table")
    assert lb.node.stop() == 0
    unchanged("stop")
    tables = lb.nft("list", "tables").stdout.split("\n")
    assert sorted(t for t in tables if t) == sorted(
        "table %s %s" % t for t in FOREIGN), tables


# 5. the shipped NAT pair ---------------------------------------------------

def test_example_nat_pair_balances_through_either_node(topo, vipd_bin):
    """etc/examples/balancer-a.conf and -b.conf as shipped: external VIP
    10.0.0.10, internal VIP 10.1.0.1 that the backends route through, one
    sync group. Both nodes hold the rules; after the master stops, the
    other balances new connections."""
    nodes, client, _ = example_pair(topo)
    a, b = nodes["a"], nodes["b"]
    a.start()
    a.wait_state("MASTER", "ext", TIMEOUT_S)
    b.start()
    b.wait_state("BACKUP", "ext", TIMEOUT_S)
    b.wait_state("BACKUP", "int", TIMEOUT_S)

    def fire():
        res = client.run([PYTHON, LBTOOL, "fire", "--addr", "10.0.0.10",
                          "--port", "80", "--count", "300"], timeout=120)
        return json.loads(res.stdout)

    def all_up(node):
        svc = node.dump()["virtual_services"][0]
        return svc["quorum_met"] and all(x["health"] == "up"
                                         for x in svc["backends"])
    wait_until(lambda: all_up(a), TIMEOUT_S, "backends up on lb-a")
    res = fire()
    assert res["errors"] == 0 and set(res["backends"]) == {"b11", "b12", "b13"}, res
    # The backup holds the same rules and checks the backends too.
    assert "lb_s_web" in b.host.run(["nft", "list", "table", "inet",
                                     "vipd"]).stdout
    wait_until(lambda: all_up(b), TIMEOUT_S, "backends up on lb-b")
    assert a.stop() == 0
    b.wait_state("MASTER", "ext", TIMEOUT_S)
    b.wait_state("MASTER", "int", TIMEOUT_S)
    res = fire()
    assert res["errors"] == 0 and set(res["backends"]) == {"b11", "b12", "b13"}, res


def test_service_below_quorum_demotes_the_node_by_its_track_weight(topo, vipd_bin):
    """lb1 (150) loses its path to the backends: its service falls below
    quorum, track_weight -60 takes it to 90, and lb2 (100) takes over."""
    topo.add_segment("br1")
    nodes = []
    for name, ip, prio, inside in (("lb1", "192.0.2.1", 150, "10.1.0.1"),
                                   ("lb2", "192.0.2.2", 100, "10.1.0.2")):
        node = topo.add_vipd(name, ip, priority=prio)
        node.host.attach("br1", inside + "/24", "eth1")
        nodes.append(node)
    backend = topo.add_host("b1", "198.51.100.11")
    backend.unplug()
    backend.link_set("down")
    backend.attach("br1", "10.1.0.11/24", "eth1")
    backend.popen([PYTHON, LBTOOL, "serve", "--port", "8080", "--name", "b1"])
    svc = {"name": "web", "address": VIP, "port": PORT, "track_weight": -60,
           "backends": [{"address": "10.1.0.11", "port": 8080,
                         "check": dict(TCP_CHECK)}]}
    for node in nodes:
        node.write_config(node.config_text() + libconfig_text(
            {"virtual_services": [svc]}))
        node.start()
    lb1, lb2 = nodes
    lb1.wait_state("MASTER", timeout=TIMEOUT_S)
    lb2.wait_state("BACKUP", timeout=TIMEOUT_S)
    topo.sw_run(["ip", "link", "set", "lb1-eth1", "down"])
    lb2.wait_state("MASTER", timeout=TIMEOUT_S)
    inst = lb1.instance()
    assert inst["effective_priority"] == 90, inst
    assert not lb1.dump()["virtual_services"][0]["quorum_met"]
    topo.sw_run(["ip", "link", "set", "lb1-eth1", "up"])
    lb1.wait_state("MASTER", timeout=TIMEOUT_S)
    assert lb1.instance()["effective_priority"] == 150
