#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Writes the benchmark tables of tests/bench/README.md from the JSON that the
benchmarks leave in build/ (bench-failover, bench-scale, bench-checks,
bench-balancer, bench-sync .json).

Each table sits between <!-- bench:NAME --> and <!-- /bench:NAME --> and is
replaced only when build/bench-NAME.json exists, so tables not measured
again stay as they are. Each says when it was measured, on what machine and
with what command: the JSON's "date", "machine" and "command" when it has
them, else the file's modification time, this machine, and the command
rebuilt from the parameters the JSON records.

    tests/bench/tables.py [--build build] [--readme tests/bench/README.md]
"""

import argparse
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from benchmeta import machine  # noqa: E402
SCENARIOS = {"kill": "node dies (SIGKILL + link cut)", "term": "SIGTERM",
             "linkdown": "own link down", "drill": "drill"}
NOT_IMPLS = ("interval_ms", "scenario", "instances", "idle_s", "check",
             "backends", "timeout_ms", "entries")


def impls_of(rows):
    """The implementations measured, in the order the rows name them."""
    out = []
    for row in rows:
        for key, val in row.items():
            name = key[:-len("_errors")] if key.endswith("_errors") else key
            if key in NOT_IMPLS or key.startswith("ratio_") or name in out:
                continue
            if isinstance(val, (dict, list)) or val is None:
                out.append(name)
    return out


def mmm(s, fmt="%.1f", unit=""):
    if not s:
        return "n/a"
    return " / ".join(fmt % s[k] for k in ("min", "median", "max")) + unit


def med(s, fmt):
    return fmt % s["median"] if s else "n/a"


def runs(n):
    return "one run" if n == 1 else "%d runs" % n


def mib(s):
    return "%.1f MiB" % (s["median"] / 1024.0) if s else "n/a"


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def failover(doc):
    rows, impls = doc["results"], impls_of(doc["results"])
    out = []
    for r in rows:
        cells = []
        for impl in impls:
            s = r.get(impl)
            if s:
                cells.append(mmm(s, unit=" ms") + " [%d]" % sum(s.get("lost_pings", [])))
            else:
                cells.append("; ".join(r.get(impl + "_errors", ["n/a"])))
        ratio = r.get("ratio_vipd_over_keepalived")
        out.append(["%d ms" % r["interval_ms"], SCENARIOS.get(r["scenario"], r["scenario"])]
                   + cells + ["%.2f" % ratio if ratio is not None else ""])
    cmd = ("tests/bench/failover.py --runs %d --intervals %s --scenarios %s --ping-ms %d "
           "--impls %s" % (doc["runs"], ",".join(sorted({str(r["interval_ms"]) for r in rows},
                                                       key=int, reverse=True)),
                           ",".join(dict.fromkeys(r["scenario"] for r in rows)),
                           doc["ping_ms"], ",".join(impls)))
    text = ("Longest gap between two replies of a client pinging the VIP every %d ms, "
            "min / median / max over %s, pings lost in all runs in brackets.\n\n"
            % (doc["ping_ms"], runs(doc["runs"])))
    return cmd, text + table(["advert interval", "stop"] + impls + ["vipd / keepalived"], out)


def scale(doc):
    rows, impls = doc["results"], impls_of(doc["results"])
    out = [[r["instances"]] + [med((r.get(i) or {}).get("a_cpu_pct"), "%.2f %%")
                               for i in impls]
           + [mib((r.get(i) or {}).get("a_rss_kib")) for i in impls]
           for r in rows]
    cmd = "tests/bench/scale.py --runs %d --idle-s %g --counts %s --impls %s" % (
        doc["runs"], doc["idle_s"], ",".join(str(r["instances"]) for r in rows),
        ",".join(impls))
    text = ("An idle pair, %d ms adverts, %g s: CPU of one core and resident memory of "
            "the master node, medians of %s.\n\n"
            % (doc["advert_interval_ms"], doc["idle_s"], runs(doc["runs"])))
    return cmd, text + table(["instances"] + ["CPU " + i for i in impls]
                             + ["RSS " + i for i in impls], out)


def checks(doc):
    rows, impls = doc["results"], impls_of(doc["results"])
    out = []
    for r in rows:
        line = [r["check"]]
        line += [med((r.get(i) or {}).get("cpu_pct"), "%.1f %%") for i in impls]
        line += [mib((r.get(i) or {}).get("rss_kib")) for i in impls]
        line += [" / ".join(med((r.get(i) or {}).get(k), "%.2f") for k in
                            ("jitter_p50_ms", "jitter_p99_ms", "jitter_max_ms")) + " ms"
                 for i in impls]
        line += [" / ".join(med((r.get(i) or {}).get("settle_s"), "%.1f") for i in impls) + " s"]
        out.append(line)
    cmd = "tests/bench/checks.py --runs %d --duration %g --backends %d --kinds %s --impls %s" % (
        doc["runs"], doc["duration_s"], doc["backends"],
        ",".join(r["check"] for r in rows), ",".join(impls))
    text = ("%d backends checked every %d ms, timeout %d ms, medians of %s of %g s; "
            "jitter p50 / p99 / max is the interval between two probes of a backend "
            "minus the check interval.%s\n\n"
            % (doc["backends"], doc["interval_ms"], doc["timeout_ms"], runs(doc["runs"]),
               doc["duration_s"], " keepalived: %s." % doc["keepalived_ipvs"]
               if doc.get("keepalived_ipvs") else ""))
    return cmd, text + table(["check"] + ["CPU " + i for i in impls]
                             + ["RSS " + i for i in impls]
                             + ["jitter " + i for i in impls]
                             + ["all up, " + " / ".join(impls)], out)


BALANCER_FIGURES = [("tcp_cps", "new TCP connections/s", "%.0f", ""),
                    ("tcp_p99_ms", "TCP p99 latency", "%.2f", " ms"),
                    ("tcp_cpu_ms_per_1k", "node CPU per 1000 connections", "%.1f", " ms"),
                    ("udp_pps", "UDP exchanges/s (request + answer)", "%.0f", ""),
                    ("udp_p99_ms", "UDP p99 latency", "%.2f", " ms"),
                    ("udp_cpu_ms_per_1k", "node CPU per 1000 UDP exchanges", "%.2f", " ms")]


def balancer(doc):
    impls, s, ratio = doc["impls"], doc["summary"], doc["ratio_over_plain"]
    out = []
    for key, label, fmt, unit in BALANCER_FIGURES:
        cells = []
        for impl in impls:
            fig = s[impl].get(key)
            r = ratio[impl].get(key)
            cells.append(mmm(fig, fmt, unit) + (" (%.2f)" % r if impl != "plain" and
                                                 r is not None else ""))
        out.append([label] + cells)
    head = ["figure"] + impls + [i for i in doc.get("unavailable", {})]
    out = [row + ["not available" for _ in doc.get("unavailable", {})] for row in out]
    cmd = "tests/bench/balancer.py --runs %d --seconds %d --concurrency %d" % (
        doc["runs"], doc["seconds"], doc["concurrency"])
    missing = "".join(" %s: not available (%s)." % (i, why)
                      for i, why in doc.get("unavailable", {}).items())
    text = ("A new TCP connection per request and UDP request/answer, %d at a time, "
            "%d s each, through one node; min / median / max over %s in alternation, "
            "in brackets the ratio of medians over plain forwarding. Node CPU: %s.%s\n\n"
            % (doc["concurrency"], doc["seconds"], runs(doc["runs"]), doc["cpu_method"],
               missing))
    return cmd, text + table(head, out)


SYNC_FIGURES = [("flows_per_s", "replicated (flows/s)"),
                ("takeover_ms", "takeover: master after (ms)"),
                ("longest_wait_ms", "longest wait of a live message (ms)"),
                ("memory_growth_kb", "sync process RSS growth, both nodes (kB)")]


def sync(doc):
    rows, impls = doc["summary"], doc["impls"]
    head = ["figure"] + ["%s %d" % (i, r["entries"]) for r in rows for i in impls]
    out = [[label] + [med((r.get(i) or {}).get(key), "%.0f") for r in rows for i in impls]
           for key, label in SYNC_FIGURES]
    failed = []
    for r in rows:
        for i in impls:
            got = [x["connections_failed"] for x in doc.get("results", [])
                   if x["impl"] == i and x["entries"] == r["entries"]]
            failed.append(max(got) if got else "n/a")
    out.append(["connections failed (of 200, most in a run)"] + failed)
    cmd = "tests/bench/sync.py --runs %d --sizes %s --impls %s" % (
        doc["runs"], ",".join(str(r["entries"]) for r in rows), ",".join(impls))
    text = ("N entries created at once in the master's table, time until the backup's "
            "kernel holds them all, then the master killed under 200 live connections; "
            "medians of %s in alternation.\n\n" % runs(doc["runs"]))
    return cmd, text + table(head, out)


def bfd_cpu(doc):
    rows = doc["results"]
    out = [[r["sessions"], "%d ms x 3" % r["tx_ms"], "%.2f %%" % r["cpu_percent"],
            "" if r["sessions"] == 0 else "%+.2f %%" % r.get("over_anchor_percent", 0),
            r["down_count"]] for r in rows]
    secs = rows[0]["seconds"] if rows else 0
    cmd = "tests/bench/bfd_cpu.py --seconds %g" % round(secs)
    text = ("CPU of the vipd at one end (user + system from /proc/PID/stat over "
            "%.0f s, every session Up), against an idle vipd with no session.\n\n"
            % secs)
    return cmd, text + table(["sessions", "interval", "CPU", "over idle",
                              "session downs"], out)


def sync_firewall(doc):
    cmd, body = sync(doc)
    body = body.replace("N entries created at once in the master's table",
                        "Firewall (NAT gateway) pair, every flow synced: N "
                        "entries created at once in the master's table", 1)
    return cmd.replace("sync.py", "sync.py --firewall", 1), body


def aa(doc):
    r = doc["results"]
    n = r["flows"]
    fib = lambda k: ("%.0f / %.0f ms" % (r[k]["p50"], r[k]["p99"])
                     if k in r else "-")
    spread = ", ".join("%s %d" % kv for kv in sorted(r["spread"].items()))
    rows = [
        ["spread of new flows", spread, ""],
        ["planned leave (SIGTERM of a node's vipd)", "%d broken" % r["leave_broken"],
         "0"],
        ["join (the node's vipd again)", "%d broken, %d changed node"
         % (r["join_broken"], r["join_moved"]), "0 broken"],
        ["crash (vipd + FRR SIGKILLed, cable cut)", "%d broken, longest stall %.0f ms"
         % (r["crash_broken"], r["crash_max_stall_ms"]), "0 broken"],
        ["backend removed", "%d of its %d broken, %d of the %d others"
         % (min(r["backend_broken"], r["backend_own_flows"]),
            r["backend_own_flows"], r["backend_others_broken"],
            n - r["backend_own_flows"]), "others <= 1 %"],
        ["withdraw -> router FIB, p50 / p99", fib("withdraw_fib_ms"), ""],
        ["announce -> router FIB, p50 / p99", fib("announce_fib_ms"), ""],
    ]
    cmd = "tests/bench/aa.py --flows %d" % n
    text = ("%d long-lived TCP flows (an echo every %.0f ms) from a client through "
            "an FRR router (ECMP, L4 hash, BFD 100 ms x 3) to three vipd nodes "
            "with FRR (contrib/frr), DR to three backends.\n\n"
            % (n, r["interval_ms"]))
    return cmd, text + table(["step", "vipd", "target"], rows)


BENCHES = {"aa": aa, "failover": failover, "scale": scale, "checks": checks,
           "balancer": balancer, "sync": sync, "bfd-cpu": bfd_cpu,
           "sync-firewall": sync_firewall}


def block(name, path):
    with open(path) as f:
        doc = json.load(f)
    cmd, body = BENCHES[name](doc)
    date = doc.get("date") or datetime.datetime.fromtimestamp(
        os.path.getmtime(path), datetime.timezone.utc).strftime("%Y-%m-%d")
    return "%s\n\nMeasured %s on %s: `%s`.\n" % (
        body, date, doc.get("machine") or machine(), doc.get("command") or cmd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    args = ap.parse_args(argv)
    with open(args.readme) as f:
        text = f.read()
    done = []
    for name in BENCHES:
        path = os.path.join(args.build, "bench-%s.json" % name)
        if not os.path.exists(path):
            continue
        mark = re.compile(r"(<!-- bench:%s -->\n).*?(<!-- /bench:%s -->)" % (name, name),
                          re.S)
        if not mark.search(text):
            sys.exit("%s: no <!-- bench:%s --> block" % (args.readme, name))
        new = block(name, path)
        text = mark.sub(lambda m: m.group(1) + new + m.group(2), text)
        done.append(name)
    with open(args.readme, "w") as f:
        f.write(text)
    print("%s: %s" % (args.readme, ", ".join(done) + " rewritten" if done else
                      "no build/bench-*.json, nothing rewritten"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
