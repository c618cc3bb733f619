#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Active/active through BGP and ECMP (issue 20, vipd(7)): what long-lived
flows see when balancer nodes leave, die, join, and when a backend goes.

Topology (tests/lib/aanet.py): a client behind a router running FRR
(contrib/frr/router.conf: ECMP, L4 hash, fixed seed, BFD 100 ms x 3),
three balancer nodes each running FRR (contrib/frr/balancer.conf) and
vipd with one announced DR service (mh), three backends with the VIP on
lo answering through the router. --flows long-lived TCP flows send a
numbered line every --interval-ms and check its echo (syncload.py).

Steps, each with the flows broken (closed, reset or a wrong echo):
  spread   how the router spreads the flows over the nodes (each node
           counts the source ports it sees)
  leave    SIGTERM of lb2's vipd: withdraw, drain, exit       (target 0)
  join     lb2's vipd started again: it announces, and the router moves
           flows to it (reported: how many changed node)        (target 0)
  crash    lb3's vipd, bgpd, bfdd and zebra SIGKILLed and its cable
           pulled: BFD takes it out; the longest stall a flow saw (target 0)
  backend  be3's echo server killed: only its flows break      (others <= 1 %)
Route times: from vipd's log line (withdrawn / announced) to the router's
FIB change (`ip -ts monitor route` in the router), p50 / p99 over
--rounds leave/join rounds.

    make bench-aa                    (1000 flows, 10 rounds)
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import aanet  # noqa: E402
import benchmeta  # noqa: E402
import vipnet  # noqa: E402
from lbpair import LoadClient  # noqa: E402
from routing import frr_missing  # noqa: E402
from vipnet import wait_until  # noqa: E402

SETTLE_S = 3.0                  # traffic after each step before counting


def wall(text_ts):
    """An HH:MM:SS.mmm of today (vipd's log) or ip -ts's ISO stamp, as
    seconds of the epoch (both are the local wall clock)."""
    if "T" in text_ts:
        return datetime.datetime.fromisoformat(text_ts).timestamp()
    today = datetime.date.today().isoformat()
    return datetime.datetime.fromisoformat(today + "T" + text_ts).timestamp()


class Monitor:
    """`ip -ts monitor route` in the router: when the VIP's route changed."""

    def __init__(self, router, workdir):
        self.path = os.path.join(workdir, "route-monitor.txt")
        self.out = open(self.path, "w")
        self.proc = router.popen(["ip", "-ts", "monitor", "route"],
                                 log_name="route-monitor.log", stdout=self.out)

    def changes(self):
        """(wall time, line) of each change of the VIP's route."""
        found = []
        with open(self.path, errors="replace") as f:
            for line in f:
                m = re.match(r"\[([0-9T:.\-]+)\]\s*(.*)", line)
                if m and aanet.VIP in m.group(2):
                    found.append((wall(m.group(1)), m.group(2)))
        return found

    def first_after(self, t):
        for when, line in self.changes():
            if when >= t:
                return when
        return None


def log_time(node, word, after):
    """Wall time of node's last "web: WORD" log line at or after `after`."""
    last = None
    for line in node.log_text().splitlines():
        m = re.match(r"(\d\d:\d\d:\d\d\.\d+) \w+: web: %s" % word, line)
        if m:
            t = wall(m.group(1))
            if t >= after - 0.5:
                last = t
    return last


class Run:
    def __init__(self, args, workdir):
        self.args = args
        self.topo = vipnet.Topology(os.path.join(workdir, "topology"),
                                    ns_prefix="aaf")
        self.daemons = []
        self.aa = aanet.AANet(self.topo, self.daemons)
        self.monitor = Monitor(self.aa.router, self.topo.workdir)
        self.aa.start()
        self.reset_max = os.path.join(self.topo.workdir, "reset-max")
        self.client = LoadClient(self.aa.client, aanet.VIP, extra=[
            "--conns", str(args.flows), "--interval-ms", str(args.interval_ms),
            "--reset-max", self.reset_max])
        self.client.wait(lambda s: s["open"] == args.flows and
                         s["per_conn_min_messages"] >= 2, 120.0,
                         "%d flows exchanging" % args.flows, failures_ok=True)
        self.results = {"flows": args.flows, "interval_ms": args.interval_ms}
        self.withdraw_ms, self.announce_ms = [], []

    def broken(self):
        return self.args.flows - self.client.now()["open"]

    def settle(self):
        before = self.client.now()["messages"]
        self.client.wait(lambda s: s["messages"] > before + s["open"] * 2, 60.0,
                         "flows exchanging again", failures_ok=True)
        time.sleep(SETTLE_S)

    def spread(self):
        for node in self.aa.nodes:
            aanet.forget_flows(node.host)
        time.sleep(max(2.0, 3 * self.args.interval_ms / 1000.0))
        counts = {n.name: len(aanet.flows(n.host)) for n in self.aa.nodes}
        self.results["spread"] = counts
        print("spread of %d flows over the nodes: %s" % (self.args.flows, counts),
              flush=True)

    def leave(self, node, record):
        b0, t0 = self.broken(), time.time()
        node.kill(signal.SIGTERM)
        others = [n for n in self.aa.nodes if n is not node and n.alive()]
        aanet.wait_paths(self.aa.router, self.aa.ips(others), "%s left" % node.name)
        assert node.wait_exit(30.0) == 0, node.log_text()
        self.route_time(node, "withdrawn", t0, self.withdraw_ms)
        self.settle()
        if record:
            self.results["leave_broken"] = self.broken() - b0
            print("leave (SIGTERM of %s's vipd): %d flows broken"
                  % (node.name, self.results["leave_broken"]), flush=True)
        return self.broken() - b0

    def join(self, node, record):
        for n in self.aa.nodes:
            aanet.forget_flows(n.host)
        b0, t0 = self.broken(), time.time()
        node.start()
        alive = [n for n in self.aa.nodes if n.alive()]
        aanet.wait_paths(self.aa.router, self.aa.ips(alive), "%s joined" % node.name)
        self.route_time(node, "announced", t0, self.announce_ms)
        self.settle()
        moved = len(aanet.flows(node.host))
        if record:
            self.results["join_broken"] = self.broken() - b0
            self.results["join_moved"] = moved
            print("join (%s's vipd again): %d flows broken, %d of %d changed node"
                  % (node.name, self.results["join_broken"], moved,
                     self.args.flows), flush=True)

    def route_time(self, node, word, t0, samples):
        decided = wait_until(lambda: log_time(node, word, t0), 10.0,
                             "%s's log: web: %s" % (node.name, word))
        changed = wait_until(lambda: self.monitor.first_after(decided - 0.001),
                             10.0, "the router's FIB change")
        samples.append((changed - decided) * 1000.0)

    def crash(self, node):
        b0 = self.broken()
        open(self.reset_max, "w").close()
        wait_until(lambda: not os.path.exists(self.reset_max), 10.0,
                   "the client to start a new longest wait")
        node.kill(signal.SIGKILL)
        for daemon in ("bfdd", "bgpd", "zebra"):
            node.frr.kill(daemon)
        node.host.unplug()
        others = [n for n in self.aa.nodes if n is not node and n.alive()]
        aanet.wait_paths(self.aa.router, self.aa.ips(others), "%s crashed" % node.name)
        self.settle()
        stall = self.client.now()["max_reply_ms"]       # since the crash
        self.results["crash_broken"] = self.broken() - b0
        self.results["crash_max_stall_ms"] = round(stall, 1)
        print("crash (%s: vipd and FRR SIGKILLed, cable pulled): %d flows broken,"
              " longest stall %.0f ms" % (node.name, self.results["crash_broken"],
                                         stall), flush=True)

    def backend(self, be):
        est = be.run(["ss", "-Htn", "state", "established", "(", "sport", "=",
                      ":%d" % aanet.PORT, ")"]).stdout
        own = len([l for l in est.splitlines() if l.strip()])
        b0 = self.broken()
        proc = self.aa.echo[be.name]
        proc.signal(signal.SIGKILL)
        proc.wait(5.0)
        self.settle()
        broken = self.broken() - b0
        others = max(0, broken - own)
        self.results.update({"backend_own_flows": own, "backend_broken": broken,
                             "backend_others_broken": others})
        print("backend %s removed: %d flows broken, %d of them its own, %d of "
              "the %d others" % (be.name, broken, min(own, broken), others,
                                 self.args.flows - own), flush=True)

    def finish(self):
        final = self.client.finish()
        self.results["failures"] = final["failures"]
        for name, samples in (("withdraw", self.withdraw_ms),
                              ("announce", self.announce_ms)):
            if samples:
                s = sorted(samples)
                self.results["%s_fib_ms" % name] = {
                    "samples": [round(x, 1) for x in s],
                    "p50": round(statistics.median(s), 1),
                    "p99": round(s[min(len(s) - 1, int(len(s) * 0.99))], 1)}
                print("%s -> router FIB change: p50 %.1f ms, p99 %.1f ms (%d samples)"
                      % (name, self.results["%s_fib_ms" % name]["p50"],
                         self.results["%s_fib_ms" % name]["p99"], len(s)), flush=True)

    def close(self):
        for d in reversed(self.daemons):
            d.close()
        self.topo.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flows", type=int, default=1000)
    p.add_argument("--interval-ms", type=float, default=500.0)
    p.add_argument("--rounds", type=int, default=10, help="leave/join rounds")
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    if frr_missing():
        sys.exit("aa: %s" % frr_missing())
    if not os.environ.get("VIPD_BIN"):
        sys.exit("aa: VIPD_BIN is not set")
    workdir = tempfile.mkdtemp(prefix="aaf")
    run = None
    try:
        run = Run(args, workdir)
        run.spread()
        lb2, lb3 = run.aa.nodes[1], run.aa.nodes[2]
        for i in range(args.rounds):
            run.leave(lb2, record=(i == 0))
            run.join(lb2, record=(i == 0))
        run.crash(lb3)
        run.backend(run.aa.backends[2])
        run.finish()
        doc = dict(benchmeta.run_meta(), results=run.results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
    finally:
        if run is not None:
            run.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
