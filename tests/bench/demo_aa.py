#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
`make demo-aa`: active/active in namespaces, narrated (about a minute).

A client behind a router running FRR (contrib/frr/router.conf: ECMP over
the nodes, BFD), three balancer nodes with FRR (contrib/frr/balancer.conf)
and vipd (one announced DR service), three backends; the client keeps
--flows long-lived TCP connections with numbered echoes through it all.
Then: lb2 drained (SIGTERM of its vipd: withdraw, drain, exit), lb3 killed
(vipd and FRR SIGKILLed, its cable pulled: BFD takes it out), lb2 added
back; after each step what the client saw. The exit status is 1 when a
step could not run; the connections broken are reported, not judged.

    make demo-aa                    tests/bench/demo_aa.py [--flows 200]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import aa  # noqa: E402
import aanet  # noqa: E402
from routing import ecmp_nexthops, frr_missing  # noqa: E402


def paths(run):
    return ", ".join(sorted(ecmp_nexthops(run.aa.router, aanet.VIP + "/32"))) or "none"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flows", type=int, default=200)
    p.add_argument("--interval-ms", type=float, default=200.0)
    p.add_argument("--json", help="write the steps here")
    args = p.parse_args(argv)
    if frr_missing():
        sys.exit("demo-aa: %s" % frr_missing())
    if not os.environ.get("VIPD_BIN"):
        sys.exit("demo-aa: VIPD_BIN is not set")
    bench_args = argparse.Namespace(flows=args.flows, interval_ms=args.interval_ms,
                                    rounds=1)
    workdir = tempfile.mkdtemp(prefix="aaf")
    run, steps, ok = None, [], True

    def say(n, what, detail):
        steps.append({"step": n, "what": what, "detail": detail})
        print("[%d] %s: %s" % (n, what, detail), flush=True)

    try:
        print("building: router (FRR), lb1..lb3 (FRR + vipd), be1..be3, client",
              flush=True)
        run = aa.Run(bench_args, workdir)
        print("namespace prefix %s" % run.topo.prefix, flush=True)
        say(1, "three nodes announce %s" % aanet.VIP,
            "router's ECMP route via %s; %d flows open" % (paths(run), args.flows))
        run.spread()
        say(2, "the router spreads the flows", ", ".join(
            "%s %d" % kv for kv in sorted(run.results["spread"].items())))
        lb2, lb3 = run.aa.nodes[1], run.aa.nodes[2]
        run.leave(lb2, record=True)
        say(3, "lb2 drained (SIGTERM of its vipd)",
            "route via %s; %d flows broken; FIB changed %.0f ms after vipd's "
            "withdraw" % (paths(run), run.results["leave_broken"], run.withdraw_ms[-1]))
        run.crash(lb3)
        say(4, "lb3 killed (vipd and FRR SIGKILLed, cable pulled)",
            "route via %s; %d flows broken; longest echo wait %.0f ms"
            % (paths(run), run.results["crash_broken"],
               run.results["crash_max_stall_ms"]))
        run.join(lb2, record=True)
        say(5, "lb2 added back (its vipd started)",
            "route via %s; %d flows broken, %d of %d moved to lb2"
            % (paths(run), run.results["join_broken"], run.results["join_moved"],
               args.flows))
        final = run.client.finish()
        say(6, "client, all steps", "%d messages echoed, failures %s"
            % (final["messages"], final["failures"] or "none"))
    except Exception as err:             # a step that cannot run says why
        ok = False
        print("demo-aa: step failed: %s" % err, flush=True)
    finally:
        if run is not None:
            run.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ok": ok, "steps": steps}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
