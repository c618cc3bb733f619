#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Connection sync figures, on the topology of tests/system/test_conn_sync.py
(client, vipd pair with the balancer, two echo backends, a sync link).

For each table size N (--sizes, default 10000,100000):
  replication  N established, balanced, NATed entries are created in the
               master's kernel table at once (tests/bench/ct_inject.c, as
               fast as ctnetlink takes them); the time until the backup's
               kernel table holds all N gives flows per second replicated
               (master event -> backup kernel entry), including the repair
               of what the burst overran (events lost, datagrams lost).
  memory       vipd's resident size on both nodes before and after, and the
               kernel's size of one conntrack entry (slab object).
  takeover     200 live connections (a message every 20 ms each, echo
               checked) run on top; the master is killed (SIGKILL, cables
               pulled). Figures: time from the kill to the backup being
               MASTER, the longest wait of any message (the stall a user
               sees), and whether every connection continued.

    VIPD_BIN=build/vipd VIPCTL_BIN=build/vipctl /usr/bin/python3 \\
        tests/bench/sync.py --sizes 10000,100000 --json build/bench-sync.json

--impls (default vipd,conntrackd) also runs the same with conntrackd (Debian package,
FTFW over UDP on the same link, DisableExternalCache On so that it too
writes straight into the kernel table) in place of vipd's conn_sync; vipd
still moves the addresses and balances.

--firewall runs the same on a firewall (NAT gateway) pair instead, the
topology of tests/system/test_conn_sync_gw.py: no balancer, every flow
synced (vipd: conn_sync.select = "all"; conntrackd: TCP, UDP and ICMP
accepted), a strict forward chain (nf_conntrack_tcp_loose off) and the
inside host's SNAT to the VIP; the 200 live connections go from the
inside host through the gateway to a server outside.

The implementations run in alternation, --runs times each (default 5);
per size and figure, min / median / max of each and the vipd/conntrackd
ratio of medians are printed and written to --json along with every run.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchmeta  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "system"))
sys.path.insert(0, HERE)
import vipnet  # noqa: E402
import test_conn_sync as tcs  # noqa: E402
import test_conn_sync_gw as gw  # noqa: E402
from failover import summary  # noqa: E402

# (key in the summary, label, how to get it from one run's result)
FIGURES = [
    ("flows_per_s", "flows/s", lambda r: r["flows_per_s"]),
    ("takeover_ms", "takeover ms", lambda r: r["takeover_to_master_ms"]),
    ("longest_wait_ms", "longest wait ms", lambda r: r["stall_ms"]),
    # resident size growth of the sync process, both nodes added up
    ("memory_growth_kb", "memory growth kB",
     lambda r: sum(r["rss_kb_after"]) - sum(r["rss_kb_before"])),
]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def conntrack_objsize():
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith("nf_conntrack "):
                return int(line.split()[3])
    return None


def count(host):
    res = host.run(["conntrack", "-C"], check=False)
    try:
        return int(res.stdout.strip())
    except ValueError:
        return 0


CONNTRACKD_CONF = """
Sync {
    Mode FTFW {
        DisableExternalCache On
    }
    UDP {
        IPv4_address %(local)s
        IPv4_Destination_Address %(peer)s
        Port 3780
        Interface eth2
        SndSocketBuffer 8388608
        RcvSocketBuffer 8388608
        Checksum on
    }
}
General {
    HashSize 65536
    HashLimit 262144
    LogFile %(dir)s/conntrackd.log
    Syslog off
    LockFile %(dir)s/conntrackd.lock
    UNIX {
        Path %(dir)s/conntrackd.ctl
    }
    NetlinkBufferSize 8388608
    NetlinkBufferSizeMaxGrowth 33554432
    Filter From Kernelspace {
        Protocol Accept {
            %(protocols)s
        }
    }
}
"""


def start_conntrackd(pair):
    """conntrackd on both nodes, vipd's conn_sync off; their processes."""
    procs = {}
    for name, node in pair.nodes.items():
        node.sync = None
        node.write_config(pair.config_text(node, pair.balancer))
    for name, node in pair.nodes.items():
        local = "10.2.0.1" if name == "a" else "10.2.0.2"
        peer = "10.2.0.2" if name == "a" else "10.2.0.1"
        path = os.path.join(node.dir, "conntrackd.conf")
        with open(path, "w") as f:
            f.write(CONNTRACKD_CONF % {
                "local": local, "peer": peer, "dir": node.dir,
                "protocols": "TCP UDP ICMP" if isinstance(pair, gw.GwPair)
                else "TCP"})
        procs[name] = node.host.popen(["conntrackd", "-C", path],
                                      log_name="%s-conntrackd.out" % name)
    return procs


def build_pair(workdir, vipd_bin, firewall=False):
    """The topology of tests/system/test_conn_sync.py, built once for every
    run: each run makes fresh nodes on the same hosts (Pair.make_nodes) and
    Topology.reset() clears what it left (addresses, tables, conntrack)."""
    topo = vipnet.Topology(os.path.join(workdir, "topology"), vipd_bin=vipd_bin)
    try:
        pair = gw.GwPair(topo) if firewall else tcs.Pair(topo, balancer=True)
        topo.snapshot()
    except BaseException:
        topo.close()
        raise
    return pair


def one_size(pair, inject_bin, n, impl, run=1):
    topo = pair.topo
    a, b = pair.make_nodes("run%d-%s-%d" % (run, impl, n)).values()
    procs = {}
    try:
        pids = {"a": lambda: a.pid, "b": lambda: b.pid}
        if impl == "conntrackd":
            procs = start_conntrackd(pair)
            pids = {k: (lambda p=p: p.pid) for k, p in procs.items()}
        pair.start(a, b)
        if impl == "vipd":
            vipnet.wait_until(lambda: tcs.conns(b)["synced"], 15.0, "b synced")
        else:
            time.sleep(2.0)      # conntrackd has no "synced" to wait for
        rss0 = (rss_kb(pids["a"]()), rss_kb(pids["b"]()))
        base = count(b.host)

        t0 = time.monotonic()
        out = a.host.run([inject_bin, str(n), tcs.VIP, "10.1.0.11"],
                         timeout=600).stdout.strip()
        t_inject = time.monotonic() - t0
        vipnet.wait_until(lambda: count(b.host) >= base + n, 600.0,
                          "b to hold %d entries" % n, interval=0.05)
        t_repl = time.monotonic() - t0
        rss1 = (rss_kb(pids["a"]()), rss_kb(pids["b"]()))
        sa = tcs.conns(a) if impl == "vipd" else {}
        sb = tcs.conns(b) if impl == "vipd" else {}

        extra = ["--conns", str(tcs.CONNS), "--interval-ms", "20"]
        if isinstance(pair, gw.GwPair):     # inside host -> outside server
            client = tcs.LoadClient(pair.inside, gw.SERVER, "client", extra,
                                    port=8080)
        else:
            client = tcs.Client(pair, extra=extra)
        client.wait(lambda s: s["open"] == tcs.CONNS and
                    s["per_conn_min_messages"] >= 5, 30.0, "connections")
        vipnet.wait_until(lambda: count(b.host) >= base + n + tcs.CONNS, 60.0,
                          "b to hold the live connections too")
        before = client.now()["max_reply_ms"]
        t_kill = time.monotonic()
        pair.crash(a)
        vipnet.wait_until(lambda: b.state("ext") == "MASTER", 30.0,
                          "b master", interval=0.02)
        t_master = time.monotonic() - t_kill
        tcs.all_progress(client, timeout=60.0)
        final = client.finish()
        return {
            "impl": impl, "entries": n, "inject": out, "inject_s": round(t_inject, 3),
            "replicated_s": round(t_repl, 3),
            "flows_per_s": round(n / t_repl),
            "sender": {k: sa.get(k) for k in ("entries_sent", "datagrams_sent",
                                          "datagrams_resent", "events_lost",
                                          "resyncs_served", "queue_full")},
            "receiver": {k: sb.get(k) for k in ("entries_received",
                                            "entries_installed",
                                            "entries_updated", "nacks_sent",
                                            "resyncs_requested", "table_full",
                                            "install_errors")},
            "rss_kb_before": rss0, "rss_kb_after": rss1,
            "kernel_bytes_per_entry": conntrack_objsize(),
            "takeover_to_master_ms": round(t_master * 1000.0),
            "stall_ms": round(final["max_reply_ms"]),
            "stall_before_ms": round(before),
            "connections_failed": sum(final["failures"].values()),
            "bytes_equal": final["bytes_sent"] == final["bytes_received"],
        }
    finally:
        for proc in procs.values():
            proc.stop()
        topo.reset([a, b])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--impls", default="vipd,conntrackd")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json")
    p.add_argument("--firewall", action="store_true",
                   help="a firewall (NAT gateway) pair, every flow synced")
    args = p.parse_args(argv)
    vipd_bin = os.environ.get("VIPD_BIN") or os.path.join(HERE, "..", "..",
                                                         "build", "vipd")
    impls = args.impls.split(",")
    results = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="vipd-bench-sync-") as workdir:
        pair = build_pair(workdir, vipd_bin, args.firewall)
        try:
            run_all(pair, workdir, impls, args, results, rows)
        finally:
            pair.topo.close()
    report(args, impls, results, rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**benchmeta.run_meta(), "bench": "sync-firewall"
                       if args.firewall else "sync", "runs": args.runs, "impls": impls,
                       "summary": rows, "results": results}, f, indent=1)
    return 1 if any(row.get(impl + "_errors") for row in rows
                    for impl in impls) else 0


def run_all(pair, workdir, impls, args, results, rows):
    """Per table size, args.runs runs of each implementation in
    alternation on the one topology; a row of figures each."""
    inject_bin = os.path.join(workdir, "ct_inject")
    subprocess.run(["gcc", "-O2", "-o", inject_bin,
                    os.path.join(HERE, "ct_inject.c"),
                    "-lnetfilter_conntrack"], check=True)
    for n in (int(x) for x in args.sizes.split(",")):
        runs = {impl: [] for impl in impls}
        errors = {impl: [] for impl in impls}
        for run in range(args.runs):
            # alternate, and swap who goes first every other run
            for impl in (impls if run % 2 == 0 else list(reversed(impls))):
                try:
                    r = one_size(pair, inject_bin, n, impl, run + 1)
                except Exception as err:   # a figure says why it is missing
                    errors[impl].append(str(err))
                    print("%-10s %7d entries run %d: FAILED: %s"
                          % (impl, n, run + 1, err), flush=True)
                    continue
                r["run"] = run + 1
                runs[impl].append(r)
                results.append(r)
                print(json.dumps(r), flush=True)
        row = {"entries": n}
        for impl in impls:
            row[impl] = {key: summary([get(r) for r in runs[impl]])
                         for key, _, get in FIGURES}
            if errors[impl]:
                row[impl + "_errors"] = errors[impl]
        for key, _, _ in FIGURES:
            v = row.get("vipd", {}).get(key)
            c = row.get("conntrackd", {}).get(key)
            if v and c and c["median"]:
                row["ratio_" + key] = round(v["median"] / c["median"], 3)
        rows.append(row)


def report(args, impls, results, rows):
    for r in results:
        print("%-10s %7d entries run %d: replicated in %.2f s (%d flows/s); takeover: "
              "master after %d ms, longest message wait %d ms, %d connections "
              "failed; sync process RSS a %s -> %s kB, b %s -> %s kB; kernel %s B/entry"
              % (r["impl"], r["entries"], r["run"], r["replicated_s"], r["flows_per_s"],
                 r["takeover_to_master_ms"], r["stall_ms"],
                 r["connections_failed"], r["rss_kb_before"][0],
                 r["rss_kb_after"][0], r["rss_kb_before"][1],
                 r["rss_kb_after"][1], r["kernel_bytes_per_entry"]))
    print()
    print("min / median / max over %d runs (memory growth: sync process RSS, "
          "both nodes added up)" % args.runs)
    print("%-7s %-17s " % ("entries", "figure") +
          " ".join("%-26s" % impl for impl in impls) + " vipd/conntrackd")
    for row in rows:
        for key, label, _ in FIGURES:
            cells = []
            for impl in impls:
                s = row[impl][key]
                cells.append("%-26s" % ("%.0f / %.0f / %.0f"
                                        % (s["min"], s["median"], s["max"])
                                        if s else "n/a: " + "; ".join(
                                            row.get(impl + "_errors", ["?"]))[:21]))
            ratio = row.get("ratio_" + key)
            print("%-7d %-17s " % (row["entries"], label) + " ".join(cells) +
                  (" %.2f" % ratio if ratio is not None else " n/a"))


if __name__ == "__main__":
    sys.exit(main())
