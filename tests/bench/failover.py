#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Client-visible failover outage, vipd against keepalived, in one run.

Topology (tests/lib/vipnet.py): one bridge, node A (priority 150), node B
(priority 100) and a client, all in throw-away network namespaces, built
once for the whole bench: every run starts its pair of daemons on the same
hosts and Topology.reset() puts them back afterwards. The client
pings the VIP every --ping-ms; we stop the master and measure the longest gap
between two replies: the outage a user of the VIP sees.

Scenarios:
  kill   SIGKILL of the master and its link cut at the same moment: the box
         died (a SIGKILLed daemon alone leaves its VIP answering).
  term   SIGTERM: graceful stop, the master sends priority 0 and the backup
         takes over after Skew_Time.
  linkdown  the master's own interface goes down (ip link set eth0 down in
         its namespace): it goes to FAULT, and the backup takes over after
         Master_Down_Interval.
  drill  vipctl drill --hold 1 on the master: hand-over, one second as
         backup, take-back (vipd only: keepalived has no drill).

Implementations: vipd, vipd-rfc (handover = "rfc"), keepalived, and
vipd-bfd10 / vipd-bfd50: vipd with a BFD session between the nodes at
10 ms x 3 or 50 ms x 3 and master_down_bfd on the backup (the adverts
keep their interval); the kill is measured once the session is Up.

vipd and keepalived run in alternation, --runs times each, so that the noise
of a shared machine falls on both; the figure that counts is the ratio of the
medians. Results are printed and written to --json.

    make bench                      (5 runs, intervals 1000, 100 and 10 ms)
    make demo                       (1 run, 100 ms: the short tour)
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchmeta  # noqa: E402
import vipnet  # noqa: E402

VIP = vipnet.DEFAULT_VIP
IPS = {"a": "192.0.2.1", "b": "192.0.2.2", "c": "192.0.2.50"}
BFD_MS = {"vipd-bfd10": 10, "vipd-bfd50": 50}     # min_tx_ms = min_rx_ms, x 3


class Bench:
    """The topology of every run: hosts a, b and the client c, built once;
    each run starts a pair of daemons on a and b and Topology.reset() puts
    the hosts back afterwards, so that vipd and keepalived meet the same
    namespaces, links and addresses."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.runs = 0
        self.topo = None
        self.build()

    def build(self):
        self.topo = vipnet.Topology(os.path.join(self.workdir, "topology"))
        try:
            for name, ip in IPS.items():
                self.topo.add_host(name, ip)
            self.topo.snapshot()
        except BaseException:
            self.topo.close()
            raise

    def rebuild(self):
        """After a run that left the topology in doubt (it raised)."""
        print("  (rebuilding the topology after a failed run)", flush=True)
        self.topo.close()
        self.build()

    def close(self):
        self.topo.close()

    def start_pair(self, impl, interval_ms):
        self.runs += 1
        hosts = self.topo.hosts
        nodes = []
        for name, priority in (("a", 150), ("b", 100)):
            run_dir = "run%d-%s-%s" % (self.runs, impl, name)
            if impl.startswith("vipd"):
                node = vipnet.VipdNode(self.topo, hosts[name], [vipnet.vipd_instance(
                    priority=priority, advert_interval_ms=interval_ms)],
                    run_dir=run_dir)
                # vipd-rfc: release at once on stop, as RFC 5798 and
                # keepalived do.
                node.global_settings["handover"] = (
                    "rfc" if impl == "vipd-rfc" else "make-before-break")
                if impl in BFD_MS:
                    peer = IPS["b" if name == "a" else "a"]
                    node.sections["bfd_sessions"] = [{
                        "name": "peer", "peer": peer, "local": IPS[name],
                        "interface": "eth0", "min_tx_ms": BFD_MS[impl],
                        "min_rx_ms": BFD_MS[impl], "multiplier": 3}]
                    node.instances[0]["master_down_bfd"] = True
            else:
                node = vipnet.KeepalivedNode(self.topo, hosts[name], priority=priority,
                                             advert_int=interval_ms / 1000.0,
                                             run_dir=run_dir)
            self.topo.nodes.append(node)
            nodes.append(node)
        a, b = nodes
        try:
            a.start()
            b.start()
            # A becomes master once its Master_Down_Interval has passed.
            vipnet.wait_until(lambda: a.has_vip() and not b.has_vip(),
                              4 * interval_ms / 1000.0 + 10, "A to own the VIP")
            if impl in BFD_MS:
                vipnet.wait_until(lambda: all(
                    s["state"] == "Up" for s in b.dump()["bfd"]["sessions"]),
                    10, "B's BFD session to be Up")
                # B has heard an advert since: it knows its master.
                time.sleep(interval_ms / 1000.0 + 0.2)
        except BaseException:
            self.topo.reset(nodes)
            raise
        return a, b, hosts["c"]


def one_run(bench, impl, interval_ms, scenario, ping_ms):
    """The outage in ms of one failover, or raises."""
    a, b, client = bench.start_pair(impl, interval_ms)
    pinger = None
    try:
        pinger = vipnet.PingerRun(client, VIP, ping_ms, None)
        time.sleep(0.5)              # a steady stream of replies before the cut
        if scenario == "drill":
            sock = os.path.join(a.state_dir, "vipd.sock")
            res = subprocess.run([os.environ["VIPCTL_BIN"], "-s", sock, "drill",
                                  "ext", "--hold", "1"], capture_output=True,
                                 text=True, timeout=60)
            if res.returncode != 0:
                raise RuntimeError("drill failed: " + res.stdout + res.stderr)
            vipnet.wait_until(a.has_vip, 10, "A to take the VIP back")
        elif scenario == "kill":
            a.kill(signal.SIGKILL)
            a.host.unplug()
        elif scenario == "linkdown":
            a.host.link_set("down")
        else:
            a.kill(signal.SIGTERM)
        if scenario != "drill":
            vipnet.wait_until(b.has_vip, 4 * interval_ms / 1000.0 + 10,
                              "B to take the VIP")
        time.sleep(max(0.5, 2 * interval_ms / 1000.0))   # replies resume
        result = pinger.stop()
        pinger = None
        if result["received"] == 0 or result["last_reply"] is None:
            raise RuntimeError("client got no replies at all")
        return result["max_gap_ms"], result["lost"]
    finally:
        if pinger is not None:
            try:
                pinger.stop()
            except Exception:
                pass
        bench.topo.reset([a, b])


def summary(values):
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": values}


def run_all(bench, impls, intervals, scenarios, args, results):
    """Every (interval, scenario): args.runs runs of each implementation,
    in alternation; one row of figures each, appended to results."""
    for interval_ms in intervals:
        for scenario in scenarios:
            figures = {impl: [] for impl in impls}
            losses = {impl: [] for impl in impls}
            errors = {impl: [] for impl in impls}
            for run in range(args.runs):
                # Alternate the order, so drift hits all alike.
                order = impls if run % 2 == 0 else list(reversed(impls))
                for impl in order:
                    if scenario == "drill" and impl == "keepalived":
                        errors[impl] = ["keepalived has no drill command"]
                        continue
                    try:
                        gap, lost = one_run(bench, impl, interval_ms,
                                            scenario, args.ping_ms)
                        figures[impl].append(gap)
                        losses[impl].append(lost)
                        print("  %-10s %5d ms %-4s run %d: outage %.1f ms, "
                              "%d pings lost" % (impl, interval_ms, scenario,
                                                 run + 1, gap, lost),
                              flush=True)
                    except Exception as err:   # a figure says why it is missing
                        errors[impl].append(str(err))
                        bench.rebuild()
                        print("  %-10s %5d ms %-4s run %d: FAILED: %s"
                              % (impl, interval_ms, scenario, run + 1, err),
                              flush=True)
            row = {"interval_ms": interval_ms, "scenario": scenario}
            for impl in impls:
                row[impl] = summary(figures[impl])
                if row[impl]:
                    row[impl]["lost_pings"] = losses[impl]
                if errors[impl]:
                    row[impl + "_errors"] = errors[impl]
            results.append(row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--intervals", default="1000,100,10",
                    help="advert intervals in ms, comma-separated")
    ap.add_argument("--scenarios", default="kill,term,linkdown,drill")
    ap.add_argument("--ping-ms", type=int, default=5)
    ap.add_argument("--json", default="build/bench-failover.json")
    ap.add_argument("--impls", default="vipd,keepalived",
                    help="any of vipd (make-before-break hand-over), vipd-rfc "
                    "(handover = \"rfc\"), keepalived")
    args = ap.parse_args(argv)

    if os.geteuid() != 0:
        sys.exit("failover bench: needs root (network namespaces)")
    if not os.environ.get("VIPD_BIN") or not os.environ.get("VIPCTL_BIN"):
        sys.exit("failover bench: set VIPD_BIN and VIPCTL_BIN (make bench does)")
    impls = args.impls.split(",")
    if "keepalived" in impls and not os.path.exists(vipnet.KEEPALIVED_BIN):
        print("keepalived is not installed: its column is not measured")
        impls.remove("keepalived")

    intervals = [int(x) for x in args.intervals.split(",")]
    scenarios = args.scenarios.split(",")
    results = []
    with tempfile.TemporaryDirectory(prefix="vipd-bench-") as workdir:
        bench = Bench(workdir)
        try:
            run_all(bench, impls, intervals, scenarios, args, results)
        finally:
            bench.close()


    print()
    print("client-visible outage (ms, ping every %d ms), min / median / max "
          "[pings lost] over %d runs" % (args.ping_ms, args.runs))
    print("%-9s %-5s " % ("interval", "stop") +
          " ".join("%-32s" % impl for impl in impls) + " ratio of medians")
    for row in results:
        cells = []
        for impl in impls:
            s = row.get(impl)
            cells.append("%-32s" % ("%.1f / %.1f / %.1f [%d]" % (
                s["min"], s["median"], s["max"], sum(s["lost_pings"]))
                if s else "n/a: " + "; ".join(row.get(impl + "_errors", ["?"]))[:26]))
        ratios = []
        for impl in impls:
            if impl != "keepalived" and row.get(impl) and row.get("keepalived") \
                    and row["keepalived"]["median"]:
                ratio = row[impl]["median"] / row["keepalived"]["median"]
                row["ratio_%s_over_keepalived" % impl.replace("-", "_")] = round(ratio, 3)
                ratios.append("%s/keepalived %.2f" % (impl, ratio))
        print("%-9s %-5s " % ("%d ms" % row["interval_ms"], row["scenario"]) +
              " ".join(cells) + " " + ", ".join(ratios))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({**benchmeta.run_meta(), "bench": "failover", "ping_ms": args.ping_ms, "runs": args.runs,
                   "results": results}, f, indent=2)
    print("\nwritten to %s" % args.json)
    failed = any(row.get(impl + "_errors") for row in results for impl in impls
                 if not (impl == "keepalived" and row["scenario"] == "drill"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
