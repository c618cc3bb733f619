#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Cost at scale: RSS and CPU of an idle pair with 1, 50, 200 and 1000 VRRP
instances (100 ms adverts), vipd against keepalived, in one run.

Topology (tests/lib/vipnet.py), built once for every run: node A (priority 150 everywhere, the master
of every instance) and node B (priority 100, backup), each with one NIC per
block of up to 250 instances on a segment of its own (a VRID names an
instance per LAN, and there are only 255). 1000 instances are 4 NICs of
250; every instance has one VIP. Once A holds every VIP and B none, both
daemons are left alone for --idle-s seconds (default 30) and we read, from
/proc, the CPU time they used (utime + stime, keepalived's parent and VRRP
child together) and their resident memory (VmRSS) at the end.

Design note: vipd opens one advert socket per interface, shared by all the
instances on it, and one event loop with one timer for all; sending and
receiving N adverts every 100 ms is N small syscalls each way, whatever N.

vipd and keepalived run in alternation, --runs times each; min / median /
max and the vipd/keepalived ratio of medians are printed and written to
--json. Figures from a shared machine are noisy; the ratio is what counts.

    make bench                      (5 runs, 30 s idle)
    tests/bench/scale.py --runs 1 --idle-s 10 --counts 1,50
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchmeta  # noqa: E402
import vipnet  # noqa: E402
from failover import summary  # noqa: E402

PER_NIC = 250
INTERVAL_MS = 100
PRIORITY = {"a": 150, "b": 100}


def layout(count):
    """[(instance name, nic index 1.., vrid, vip)] for count instances."""
    rows = []
    for j in range(count):
        nic, i = 1 + j // PER_NIC, j % PER_NIC
        rows.append(("i%d" % j, nic, i + 1, "10.%d.%d.%d" % (nic, 1 + i // 250,
                                                          i % 250 + 1)))
    return rows


class KeepalivedMany(vipnet.KeepalivedNode):
    """keepalived with many instances (KeepalivedNode writes one)."""

    def __init__(self, topo, host, priority, rows, run_dir=None):
        super().__init__(topo, host, priority=priority, run_dir=run_dir)
        self.rows = rows

    def config_text(self):
        parts = ["global_defs {\n    router_id %s\n    vrrp_version 3\n}\n"
                 % self.host.name]
        for name, nic, vrid, vip in self.rows:
            parts.append(
                "vrrp_instance %s {\n    state BACKUP\n    interface eth%d\n"
                "    virtual_router_id %d\n    priority %d\n    advert_int %s\n"
                "    virtual_ipaddress {\n        %s/16 dev eth%d\n    }\n}\n"
                % (name, nic, vrid, self.priority, INTERVAL_MS / 1000.0, vip, nic))
        return "".join(parts)


def build_topology(workdir, max_count):
    """Hosts a and b with as many NICs (and segments) as max_count
    instances need, built once for every run."""
    nics = 1 + (max_count - 1) // PER_NIC
    topo = vipnet.Topology(os.path.join(workdir, "topology"))
    try:
        for nic in range(1, nics + 1):
            topo.add_segment("bs%d" % nic)
        for name, last in (("a", 1), ("b", 2)):
            host = topo.add_host(name, "192.0.2.%d" % last)
            for nic in range(1, nics + 1):
                host.attach("bs%d" % nic, "10.%d.0.%d/16" % (nic, 100 + last),
                            "eth%d" % nic)
        topo.snapshot()
    except BaseException:
        topo.close()
        raise
    return topo


def make_nodes(topo, impl, rows, run_dir):
    nodes = {}
    for name in ("a", "b"):
        host = topo.hosts[name]
        if impl == "vipd":
            node = vipnet.VipdNode(topo, host, [
                vipnet.vipd_instance(name=n, vrid=vrid, priority=PRIORITY[name],
                                     interface="eth%d" % nic, vips=(vip + "/16",),
                                     advert_interval_ms=INTERVAL_MS)
                for n, nic, vrid, vip in rows], run_dir="%s-%s" % (run_dir, name))
        else:
            node = KeepalivedMany(topo, host, PRIORITY[name], rows,
                                  run_dir="%s-%s" % (run_dir, name))
        topo.nodes.append(node)
        nodes[name] = node
    return nodes["a"], nodes["b"]


def vips_held(node, rows):
    held = set(a for addrs in node.host.addresses().values() for a in addrs)
    return sum(1 for _, _, _, vip in rows if vip in held)


def pids(node):
    if isinstance(node, vipnet.VipdNode):
        return [node.pid]
    child = node._vrrp_pid()
    return [node.proc.pid] + ([child] if child else [])


def cpu_seconds(pid_list):
    total = 0.0
    for pid in pid_list:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_kib(pid_list):
    total = 0
    for pid in pid_list:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def one_run(topo, impl, count, idle_s, run_dir):
    """{"a_cpu_pct", "b_cpu_pct", "a_rss_kib", "b_rss_kib"} of one run."""
    rows = layout(count)
    a, b = make_nodes(topo, impl, rows, run_dir)
    try:
        a.start()
        b.start()
        vipnet.wait_until(lambda: vips_held(a, rows) == count and
                          vips_held(b, rows) == 0, 60 + count * 0.05,
                          "A to hold all %d VIPs and B none" % count, interval=0.5)
        time.sleep(2.0)               # start-up work (GARP bursts) is over
        procs = {"a": pids(a), "b": pids(b)}
        before = {k: cpu_seconds(p) for k, p in procs.items()}
        t0 = time.monotonic()
        time.sleep(idle_s)
        elapsed = time.monotonic() - t0
        result = {}
        for k, p in procs.items():
            result["%s_cpu_pct" % k] = 100.0 * (cpu_seconds(p) - before[k]) / elapsed
            result["%s_rss_kib" % k] = rss_kib(p)
        if vips_held(a, rows) != count or vips_held(b, rows) != 0:
            raise RuntimeError("roles changed while idle")
        return result
    finally:
        topo.reset([a, b])


METRICS = [("a_cpu_pct", "CPU %, master"), ("b_cpu_pct", "CPU %, backup"),
           ("a_rss_kib", "RSS KiB, master"), ("b_rss_kib", "RSS KiB, backup")]


def run_all(topo, impls, counts, args, results):
    """For each instance count, args.runs runs of each implementation in
    alternation on the one topology; a row of figures each."""
    for count in counts:
        runs = {impl: [] for impl in impls}
        errors = {impl: [] for impl in impls}
        for run in range(args.runs):
            for impl in (impls if run % 2 == 0 else list(reversed(impls))):
                try:
                    r = one_run(topo, impl, count, args.idle_s,
                                "run%d-%s-%d" % (run + 1, impl, count))
                    runs[impl].append(r)
                    print("  %-10s %4d instances run %d: %s" % (
                        impl, count, run + 1, ", ".join(
                            "%s %.2f" % (k, v) for k, v in r.items())), flush=True)
                except Exception as err:   # a figure says why it is missing
                    errors[impl].append(str(err))
                    print("  %-10s %4d instances run %d: FAILED: %s"
                          % (impl, count, run + 1, err), flush=True)
        row = {"instances": count, "idle_s": args.idle_s}
        for impl in impls:
            row[impl] = {m: summary([r[m] for r in runs[impl]]) for m, _ in METRICS}
            if errors[impl]:
                row[impl + "_errors"] = errors[impl]
        for m, _ in METRICS:
            v, k = row.get("vipd", {}).get(m), row.get("keepalived", {}).get(m)
            if v and k and k["median"]:
                row["ratio_" + m] = round(v["median"] / k["median"], 3)
        results.append(row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--counts", default="1,50,200,1000",
                    help="numbers of instances, comma-separated")
    ap.add_argument("--idle-s", type=float, default=30.0)
    ap.add_argument("--impls", default="vipd,keepalived")
    ap.add_argument("--json", default="build/bench-scale.json")
    args = ap.parse_args(argv)

    if os.geteuid() != 0:
        sys.exit("scale bench: needs root (network namespaces)")
    if not os.environ.get("VIPD_BIN"):
        sys.exit("scale bench: set VIPD_BIN (make bench does)")
    impls = args.impls.split(",")
    if "keepalived" in impls and not os.path.exists(vipnet.KEEPALIVED_BIN):
        print("keepalived is not installed: its column is not measured")
        impls.remove("keepalived")

    results = []
    counts = [int(x) for x in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="vipd-bench-") as workdir:
        topo = build_topology(workdir, max(counts))
        try:
            run_all(topo, impls, counts, args, results)
        finally:
            topo.close()


    print()
    print("idle pair, %d ms adverts, %.0f s, min / median / max over %d runs "
          "(noisy: shared machine; the ratio is what counts)"
          % (INTERVAL_MS, args.idle_s, args.runs))
    print("%-9s %-16s " % ("instances", "figure") +
          " ".join("%-26s" % impl for impl in impls) + " vipd/keepalived")
    for row in results:
        for m, label in METRICS:
            cells = []
            for impl in impls:
                s = row[impl][m]
                fmt = " / ".join(["%.0f" if "rss" in m else "%.2f"] * 3)
                cells.append("%-26s" % (fmt % (s["min"], s["median"], s["max"])
                                        if s else "n/a: " + "; ".join(
                                            row.get(impl + "_errors", ["?"]))[:20]))
            ratio = row.get("ratio_" + m)
            print("%-9d %-16s " % (row["instances"], label) + " ".join(cells) +
                  (" %.2f" % ratio if ratio is not None else " n/a"))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({**benchmeta.run_meta(), "bench": "scale", "advert_interval_ms": INTERVAL_MS,
                   "idle_s": args.idle_s, "runs": args.runs, "results": results},
                  f, indent=2)
    print("\nwritten to %s" % args.json)
    return 1 if any(row.get(impl + "_errors") for row in results for impl in impls) else 0


if __name__ == "__main__":
    sys.exit(main())
