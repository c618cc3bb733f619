# SPDX-License-Identifier: GPL-2.0-or-later
"""
Connection-count schedulers (lc, wlc), keepalived's weighted quorum with
hysteresis and its scripts, and run-time backend changes (vipctl backend).

Topology: test_balancer's (client 192.0.2.50, vipd on lb1, backends on
br1 each a lbtool server answering its name). tests/lib/sc_conns.py opens
and holds connections from the client.
"""

import json
import os
import time

from vipnet import DEFAULT_VIP as VIP, LIB_DIR, PYTHON, vipctl, wait_until, \
    write_script
from test_balancer import Balancer, PORT, BACKEND_PORT, TCP_CHECK, spread

CONNS = os.path.join(LIB_DIR, "sc_conns.py")


class Opened:
    """Connections sc_conns.py holds open until close()."""

    def __init__(self, lb, count, mode="burst", gap_ms=0):
        n = len(lb.topo.procs)
        self.out = os.path.join(lb.topo.workdir, "sc-open-%d.json" % n)
        self.stop = os.path.join(lb.topo.workdir, "sc-open-%d.stop" % n)
        with open(self.out, "wb") as f:
            self.proc = lb.client.popen(
                [PYTHON, CONNS, "open", "--addr", VIP, "--port", str(PORT),
                 "--count", str(count), "--mode", mode, "--backends",
                 ",".join(lb.backends), "--gap-ms", str(gap_ms),
                 "--stop", self.stop],
                stdout=f, label="sc_conns open")

        def done():
            with open(self.out) as f:
                return f.read().strip()
        wait_until(lambda: done() != "", 60.0, "%d connections" % count)
        self.result = json.loads(done())
        assert self.result["errors"] == [], self.result

    def counts(self):
        c = {}
        for b in self.result["backends"]:
            c[b] = c.get(b, 0) + 1
        return c

    def close(self):
        open(self.stop, "w").close()
        self.proc.wait(30.0)


def active(lb, service="web"):
    by_ip = {h.ip_internal: n for n, h in lb.backends.items()}
    return {by_ip[b["address"]]: b["active"]
            for b in lb.services()[service]["backends"]}


def ctl(lb, vipctl_bin, *args):
    return vipctl(vipctl_bin, lb.node, *args)


def test_lc_sequential_connections_go_to_a_backend_with_fewest(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="lc")])
    # No pause between them: one that comes before vipd has seen the
    # previous one's event takes the pick written after it (lb_nft.h).
    held = Opened(lb, 60, mode="sequential")
    assert held.result["not_fewest"] == [], held.result
    assert held.counts() == {"b1": 20, "b2": 20, "b3": 20}, held.counts()
    # vipd's own counts, from conntrack, agree.
    wait_until(lambda: active(lb) == {"b1": 20, "b2": 20, "b3": 20}, 10.0,
               "vipd to count 20 active each")
    held.close()
    wait_until(lambda: sum(active(lb).values()) == 0, 30.0,
               "the closed connections to leave the counts")


def test_lc_burst_evens_out_a_loaded_backend(topo, vipd_bin, vipctl_bin):
    """b1 holds 100 long-lived connections (b2, b3 drained meanwhile); a
    burst of 300 concurrent ones then leaves the three within 10 % of
    equal (133): the kernel walks the picks vipd writes ahead of it, and
    vipd's rewrites during the burst start where the kernel has come to,
    so the burst fills b2 and b3 first instead of splitting evenly or
    piling onto whichever was lowest."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="lc")])
    for b in ("10.1.0.12", "10.1.0.13"):
        r = ctl(lb, vipctl_bin, "backend", "web", "%s:%d" % (b, BACKEND_PORT),
                "drain")
        assert r.returncode == 0, r.stdout + r.stderr
    first = Opened(lb, 100)
    assert first.counts() == {"b1": 100}, first.counts()
    for b in ("10.1.0.12", "10.1.0.13"):
        r = ctl(lb, vipctl_bin, "backend", "web", "%s:%d" % (b, BACKEND_PORT),
                "enable")
        assert r.returncode == 0, r.stdout + r.stderr
    wait_until(lambda: active(lb)["b1"] == 100, 10.0, "b1 counted at 100")
    burst = Opened(lb, 300, mode="burst")
    total = first.counts()
    for b, n in burst.counts().items():
        total[b] = total.get(b, 0) + n
    for b in ("b1", "b2", "b3"):
        assert abs(total.get(b, 0) - 400 / 3) <= 400 / 3 * 0.10, total
    burst.close()
    first.close()


def churn(lb):
    res = lb.client.run([PYTHON, CONNS, "churn", "--addr", VIP, "--port",
                         str(PORT), "--seconds", "6", "--interval-ms", "20",
                         "--long-backend", "b1", "--long-ms", "1000",
                         "--short-ms", "100"], timeout=120)
    out = json.loads(res.stdout)
    assert out["errors"] == [], out
    return out["counts"]


def test_lc_sends_fewer_to_a_backend_whose_connections_last_longer(topo,
                                                                   vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.start([lb.service(scheduler="rr")])
    rr = churn(lb)
    lb.reload([lb.service(scheduler="lc")])
    wait_until(lambda: lb.services()["web"]["scheduler"] == "lc", 10.0,
               "lc")
    lc = churn(lb)
    share = lambda c: c.get("b1", 0) / float(sum(c.values()))
    assert share(lc) < share(rr) * 0.6, (rr, lc)


def test_wlc_holds_connections_in_weight_proportion(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    lb.start([lb.service(scheduler="wlc", backends={"b1": 3, "b2": 1})])
    held = Opened(lb, 200, mode="burst")
    c = held.counts()
    assert abs(c.get("b1", 0) - 150) <= 15, c
    wait_until(lambda: active(lb) == c, 10.0, "vipd's counts %r" % c)
    held.close()


# ---- quorum ----------------------------------------------------------------

def quorum_scripts(lb, script_dir):
    lb.node.global_settings["script_user"] = "root"
    log = os.path.join(script_dir, "quorum.log")
    up = write_script(script_dir, "q_up.sh", 'echo up >> "%s"' % log)
    down = write_script(script_dir, "q_down.sh", 'echo down >> "%s"' % log)
    nd = write_script(script_dir, "n_down.sh", 'echo "nd $1" >> "%s"' % log)
    return log, {"quorum_up": [up], "quorum_down": [down]}, nd


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().split()


def test_quorum_is_a_sum_of_weights_and_quorum_down_runs_once(topo, vipd_bin,
                                                              script_dir):
    lb = Balancer(topo, ["b1", "b2"])
    log, scripts, nd = quorum_scripts(lb, script_dir)
    svc = lb.service(backends={"b1": 3, "b2": 1}, check=TCP_CHECK, quorum=3,
                     **scripts)
    svc["backends"][0]["notify_down"] = [nd, "b1"]
    lb.start([svc])
    wait_until(lambda: lb.services()["web"]["quorum_met"], 20.0, "quorum")
    # b2 (weight 1) dying leaves weight 3: still met.
    lb.stop_server("b2")
    lb.wait_health({"b2": "down"})
    assert lb.services()["web"]["quorum_met"]
    lb.serve("b2")
    lb.wait_health({"b2": "up"})
    # b1 (weight 3) dying leaves 1 < 3: new connections are refused.
    lb.stop_server("b1")
    lb.wait_health({"b1": "down"})
    wait_until(lambda: not lb.services()["web"]["quorum_met"], 10.0,
               "quorum lost")
    wait_until(lambda: "down" in lines(log) and "b1" in lines(log), 10.0,
               "quorum_down and notify_down")
    res = lb.fire(20)
    assert res["errors"] == 20, res
    time.sleep(1.0)
    assert lines(log).count("down") == 1, lines(log)
    assert lines(log).count("up") == 1, lines(log)


def test_hysteresis_holds_quorum_through_a_flap(topo, vipd_bin, script_dir):
    lb = Balancer(topo, ["b1", "b2", "b3"])
    log, scripts, _ = quorum_scripts(lb, script_dir)
    lb.start([lb.service(backends={"b1": 2, "b2": 1, "b3": 1},
                         check=TCP_CHECK, quorum=4, hysteresis=1, **scripts)])
    wait_until(lambda: lb.services()["web"]["quorum_met"], 20.0, "quorum")
    # b3 flaps: weight 3 of quorum 4 is within the hysteresis.
    lb.stop_server("b3")
    lb.wait_health({"b3": "down"})
    assert lb.services()["web"]["quorum_met"]
    lb.serve("b3")
    lb.wait_health({"b3": "up"})
    assert lb.services()["web"]["quorum_met"]
    assert "down" not in lines(log), lines(log)
    # Beyond it (weight 2 < 4 - 1) the quorum goes.
    lb.stop_server("b2")
    lb.stop_server("b3")
    wait_until(lambda: not lb.services()["web"]["quorum_met"], 20.0,
               "quorum lost")
    wait_until(lambda: lines(log).count("down") == 1, 10.0, "quorum_down")


def test_config_test_warns_when_an_old_quorum_reads_differently(topo,
                                                                vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    text = lb.config_text([lb.service(backends={"b1": 3, "b2": 1},
                                      quorum=2)])
    path = os.path.join(topo.workdir, "old.conf")
    with open(path, "w") as f:
        f.write(text)
    import subprocess
    r = subprocess.run([vipd_bin, "-t", "-f", path], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stderr.splitlines() if "warning" in l]
    assert len(line) == 1, r.stderr
    n = [i + 1 for i, l in enumerate(text.splitlines()) if "quorum" in l][0]
    assert line[0].startswith("%s:%d: warning: virtual_services[web].quorum: "
                              "2 now means a sum of the weights" % (path, n)), \
        line[0]
    assert "weights here 3+1" in line[0] and "count of 2" in line[0], line[0]


# ---- vipctl backend ----------------------------------------------------------

def test_vipctl_backend_drain_enable_weight_and_reload(topo, vipd_bin,
                                                       vipctl_bin):
    lb = Balancer(topo, ["b1", "b2"])
    svc = lb.service(scheduler="wrr")
    lb.start([svc])
    held = lb.hold()
    target = lb.backends[held.backend].ip_internal + ":%d" % BACKEND_PORT
    r = ctl(lb, vipctl_bin, "backend", "web", target, "drain")
    assert r.returncode == 0 and "drained" in r.stdout, r.stdout + r.stderr
    res = lb.fire(100)
    assert res["errors"] == 0 and held.backend not in spread(res), res
    b = [x for x in lb.services()["web"]["backends"]
         if x["address"] + ":%d" % x["port"] == target][0]
    assert b["weight"] == 0 and b["configured_weight"] == 1, b
    status = ctl(lb, vipctl_bin, "status").stdout
    assert "drained (weight 0, the file's 1)" in status, status
    t = time.monotonic()
    r = ctl(lb, vipctl_bin, "backend", "web", target, "enable")
    assert r.returncode == 0, r.stdout + r.stderr
    assert held.backend in spread(lb.fire(100))
    r = ctl(lb, vipctl_bin, "backend", "web", target, "weight", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    res = lb.fire(400)
    assert abs(spread(res)[held.backend] - 300) <= 40, res
    held.assert_alive_through(t)
    # A reload goes back to the file's weight, and says so.
    lb.reload([svc])
    wait_until(lambda: "weight 1 from the file again" in lb.node.log_text(),
               10.0, "the reload's log line")
    b = [x for x in lb.services()["web"]["backends"]
         if x["address"] + ":%d" % x["port"] == target][0]
    assert b["weight"] == 1, b
    # Unknown service or backend: exit 1 with the reason.
    r = ctl(lb, vipctl_bin, "backend", "nope", target, "drain")
    assert r.returncode == 1 and "no virtual service 'nope'" in \
        r.stdout + r.stderr, r
    r = ctl(lb, vipctl_bin, "backend", "web", "10.9.9.9:80", "drain")
    assert r.returncode == 1 and "has no backend 10.9.9.9:80" in \
        r.stdout + r.stderr, r
