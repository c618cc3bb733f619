#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
CPU cost of BFD sessions: vipd with 0, 1 and 100 sessions at 10 ms x 3 to
a second vipd, measured from /proc/PID/stat (user + system time) over
--seconds once every session is Up. The 0-session row is the anchor (an
idle vipd with one instance); the others are given as the share of one
CPU and the difference to the anchor.

Each session has an address pair of its own on the one segment
(10.77.0.N on a, 10.77.1.N on b), as BFD needs one session per
neighbour address.

    make bench-bfd-cpu
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchmeta  # noqa: E402
import vipnet  # noqa: E402


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])       # utime, stime


def measure(topo, a_host, b_host, n, tx_ms, seconds, tag):
    for i in range(1, n + 1):
        a_host.add_addr("10.77.0.%d/16" % i)
        b_host.add_addr("10.77.1.%d/16" % i)
    nodes = []
    for host, mine, theirs, prio in ((a_host, "10.77.0.", "10.77.1.", 150),
                                     (b_host, "10.77.1.", "10.77.0.", 100)):
        node = vipnet.VipdNode(topo, host, [vipnet.vipd_instance(
            priority=prio, advert_interval_ms=1000)],
            run_dir="%s-%s" % (tag, host.name))
        if n:
            node.sections["bfd_sessions"] = [{
                "name": "s%d" % i, "peer": theirs + str(i), "local": mine + str(i),
                "interface": "eth0", "min_tx_ms": tx_ms, "min_rx_ms": tx_ms,
                "multiplier": 3} for i in range(1, n + 1)]
        topo.nodes.append(node)
        nodes.append(node)
        node.start()
    a, b = nodes
    try:
        if n:
            vipnet.wait_until(lambda: all(
                s["state"] == "Up" for s in a.dump()["bfd"]["sessions"]),
                60, "every session Up")
        time.sleep(2)
        t0, c0 = time.monotonic(), cpu_ticks(a.pid)
        time.sleep(seconds)
        t1, c1 = time.monotonic(), cpu_ticks(a.pid)
        downs = sum(s["down_count"] for s in a.dump()["bfd"]["sessions"]) if n else 0
        tck = os.sysconf("SC_CLK_TCK")
        return {"sessions": n, "tx_ms": tx_ms, "seconds": round(t1 - t0, 1),
                "cpu_percent": round(100.0 * (c1 - c0) / tck / (t1 - t0), 3),
                "down_count": downs}
    finally:
        topo.reset(nodes)          # the addresses go with the rest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--tx-ms", type=int, default=10)
    ap.add_argument("--sessions", default="0,1,100")
    ap.add_argument("--json", default="build/bench-bfd-cpu.json")
    args = ap.parse_args(argv)
    if os.geteuid() != 0 or not os.environ.get("VIPD_BIN"):
        sys.exit("bfd cpu bench: needs root and VIPD_BIN (make does it)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="vipd-bench-") as workdir:
        topo = vipnet.Topology(os.path.join(workdir, "topology"))
        try:
            a = topo.add_host("a", "192.0.2.1")
            b = topo.add_host("b", "192.0.2.2")
            topo.snapshot()
            for n in [int(x) for x in args.sessions.split(",")]:
                row = measure(topo, a, b, n, args.tx_ms, args.seconds, "n%d" % n)
                rows.append(row)
                print("  %3d sessions at %d ms x 3: %.2f %% of one CPU over "
                      "%.0f s, %d session downs" % (n, args.tx_ms,
                      row["cpu_percent"], row["seconds"], row["down_count"]),
                      flush=True)
        finally:
            topo.close()
    anchor = rows[0]["cpu_percent"] if rows and rows[0]["sessions"] == 0 else None
    print("\nvipd CPU (user + system, /proc/PID/stat), %d ms x 3 sessions" % args.tx_ms)
    for r in rows:
        extra = "" if anchor is None or r["sessions"] == 0 else \
            ", +%.2f %% over the idle anchor" % (r["cpu_percent"] - anchor)
        print("  %3d sessions: %.2f %%%s" % (r["sessions"], r["cpu_percent"], extra))
        if anchor is not None:
            r["over_anchor_percent"] = round(r["cpu_percent"] - anchor, 3)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({**benchmeta.run_meta(), "bench": "bfd-cpu", "results": rows},
                  f, indent=2)
    print("\nwritten to %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
