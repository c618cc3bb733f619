#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The embedded balancer's cost: wrk through the VIP (nftables DNAT +
conntrack on the vipd node) against wrk straight to the same backend
(routed through the same node, no NAT), in one run.

Topology (tests/lib/vipnet.py): a client on br0; vipd on lb1 (VIP
192.0.2.100, forwarding on) with eth1 on br1; one backend 10.1.0.11 on br1
whose default route is lb1. The client reaches 10.1.0.0/24 through lb1, so
both paths cross the same forwarding node; the only difference is the
balancer. The backend is tests/lib/lbtool.py (one HTTP/1.0 answer per
connection), so every request is a new connection: the figure includes the
per-connection work of the balancer (a DNAT decision, a conntrack entry).

The two targets run in alternation, --runs times each; the figures that
count are the ratios of the medians (requests/s and p99 latency, VIP over
direct). Results are printed and written to --json.

    make bench-balancer
"""

import argparse
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchmeta  # noqa: E402
import vipnet  # noqa: E402
from failover import summary  # noqa: E402

VIP = vipnet.DEFAULT_VIP
LBTOOL = os.path.join(HERE, "..", "lib", "lbtool.py")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def build(topo):
    topo.add_segment("br1")
    node = topo.add_vipd("lb1", "192.0.2.1", priority=150)
    node.host.attach("br1", "10.1.0.1/24", "eth1")
    node.host.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    client = topo.add_host("cl", "192.0.2.50")
    client.run(["ip", "route", "add", "10.1.0.0/24", "via", "192.0.2.1"])
    backend = topo.add_host("b1", "198.51.100.11")
    backend.unplug()
    backend.link_set("down")
    backend.attach("br1", "10.1.0.11/24", "eth1")
    backend.run(["ip", "route", "add", "default", "via", "10.1.0.1"])
    backend.popen([vipnet.PYTHON, LBTOOL, "serve", "--port", "8080",
                   "--name", "b1"])
    vipnet.wait_until(lambda: ":8080" in backend.run(["ss", "-Hltn"]).stdout,
                      5.0, "the backend to listen")
    node.write_config(node.config_text() + vipnet.libconfig_text({
        "virtual_services": [{
            "name": "web", "address": VIP, "port": 80, "scheduler": "rr",
            "backends": [{"address": "10.1.0.11", "port": 8080}]}]}))
    node.start()
    node.wait_state("MASTER", timeout=15.0)
    return client


def wrk(client, url, seconds, connections):
    out = client.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds,
                      "--latency", url], timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(m.group(1)) * UNITS[m.group(2)]
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p99_ms": p99_ms,
            "socket_errors": errors.group(1) if errors else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--json")
    args = ap.parse_args()
    if not os.environ.get("VIPD_BIN"):
        sys.exit("set VIPD_BIN")
    results = {"vip": [], "direct": []}
    with tempfile.TemporaryDirectory(prefix="vipd-bench-lb-") as work:
        topo = vipnet.Topology(work)
        try:
            client = build(topo)
            urls = {"vip": "http://%s/" % VIP,
                    "direct": "http://10.1.0.11:8080/"}
            for run in range(args.runs):
                for target in (("vip", "direct") if run % 2 == 0 else ("direct", "vip")):
                    r = wrk(client, urls[target], args.seconds,
                            args.connections)
                    results[target].append(r)
                    print("run %d %-6s %8.0f req/s  p99 %7.2f ms%s" % (
                        run + 1, target, r["rps"], r["p99_ms"],
                        "  errors: " + r["socket_errors"]
                        if r["socket_errors"] else ""), flush=True)
        finally:
            topo.close()
    stats = {t: {k: summary([r[k] for r in results[t]]) for k in ("rps", "p99_ms")}
             for t in results}
    med = {t: {k: stats[t][k]["median"] for k in ("rps", "p99_ms")} for t in results}
    summary_doc = {
        "bench": "balancer", "runs": args.runs, "seconds": args.seconds,
        "connections": args.connections,
        "summary": stats,
        "median": med,
        "rps_ratio_vip_over_direct": med["vip"]["rps"] / med["direct"]["rps"],
        "p99_ratio_vip_over_direct":
            med["vip"]["p99_ms"] / med["direct"]["p99_ms"],
        "runs_detail": results,
    }
    print()
    print("wrk, %d connections, %d s, min / median / max over %d runs"
          % (args.connections, args.seconds, args.runs))
    print("%-14s %-28s %-28s %s" % ("figure", "through the VIP",
                                    "straight to the backend", "VIP/direct"))
    for key, label, fmt in (("rps", "requests/s", "%.0f"),
                            ("p99_ms", "p99 latency ms", "%.2f")):
        cells = [" / ".join([fmt] * 3) % (stats[t][key]["min"], stats[t][key]["median"],
                                          stats[t][key]["max"])
                 for t in ("vip", "direct")]
        print("%-14s %-28s %-28s %.3f" % (label, cells[0], cells[1],
                                          med["vip"][key] / med["direct"][key]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**benchmeta.run_meta(), **summary_doc}, f, indent=2)


if __name__ == "__main__":
    main()
