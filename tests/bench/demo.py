#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The demo (`make demo`): a whole appliance pair in network namespaces, a
drill, a crash and a restart, narrated one line per step with what the
client saw.

    client 10.0.0.50 ──br0── lba 10.0.0.2 / lbb 10.0.0.3   VIP 10.0.0.10 (ext)
    b11 b12 b13 10.1.0.11-13 ──br1── lba 10.1.0.2 / lbb 10.1.0.3
                                    VIP 10.1.0.1 (int): the backends' route
    lba 10.2.0.1 ──br2── lbb 10.2.0.2   conn_sync link, port 7788

The nodes run etc/examples/balancer-a.conf and balancer-b.conf with one
change: the conn_sync line the examples leave commented out is switched on,
with a key file the demo writes (mode 0600). Each backend is
tests/lib/lbtool.py: it answers the balancer's HTTP checks and echoes the
client's long-lived connections (tests/lib/syncload.py client).

Steps: 1 `vipctl status` of both nodes; 2 N connections through the VIP
(a message every 20 ms each, echo checked) and a ping every 10 ms; 3
`vipctl drill ext --hold 2` on the master; 4 the master dies (SIGKILL, every
cable pulled); 5 it comes back (cables, vipd), resyncs and preempts; 6
tests/bench/failover.py's kill scenario at 100 ms, vipd and keepalived once
each. Connections broken are reported, not asserted; the exit status is 0
only when every step worked. A summary table is printed and written to
--json. Everything is removed at the end, also on failure or Ctrl-C.

    VIPD_BIN=build/vipd VIPCTL_BIN=build/vipctl /usr/bin/python3 \\
        tests/bench/demo.py --json build/demo.json
"""

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchmeta  # noqa: E402
sys.path.insert(0, HERE)
import vipnet  # noqa: E402
import lbpair  # noqa: E402
import failover  # noqa: E402

EXT_VIP = lbpair.EXAMPLE_EXT_VIP
SETTLE_S = 20.0
PROGRESS_STEPS = 10        # messages every connection must exchange after a step


def say(text):
    print(text, flush=True)


def indent(text):
    return "\n".join("      " + line for line in text.rstrip().splitlines())


# --------------------------------------------------------------------------
# the pair

class Demo:
    def __init__(self, topo, conns, ping_ms):
        self.topo = topo
        self.n_conns = conns
        self.ping_ms = ping_ms
        self.vipctl_bin = os.environ["VIPCTL_BIN"]
        self.nodes = {}
        self.client = None          # the LoadClient, once step 2 ran
        self.pinger = None
        self.build()

    def build(self):
        # The pair of etc/examples/balancer-*.conf with conn_sync switched
        # on (tests/lib/lbpair.py), backends that also echo.
        self.nodes, self.cl, _ = lbpair.example_pair(
            self.topo, sync_key=os.urandom(32).hex().encode(), echo=True)

    def start(self):
        a, b = self.nodes["a"], self.nodes["b"]
        a.start()
        for inst in ("ext", "int"):
            a.wait_state("MASTER", inst, SETTLE_S)
        b.start()
        for inst in ("ext", "int"):
            b.wait_state("BACKUP", inst, SETTLE_S)
        for node in (a, b):
            vipnet.wait_until(lambda: self.backends_up(node), SETTLE_S,
                              "every backend up on %s" % node.name, interval=0.2)
        vipnet.wait_until(lambda: lbpair.conns(b)["synced"], SETTLE_S,
                          "lbb to complete its first resync", interval=0.2)

    @staticmethod
    def backends_up(node):
        svc = node.dump()["virtual_services"][0]
        return svc["quorum_met"] and all(x["health"] == "up" for x in svc["backends"])

    def vipctl(self, node, *args, timeout=20):
        return vipnet.vipctl(self.vipctl_bin, node, *args, timeout=timeout)

    # -- what the client sees ----------------------------------------------

    def replies(self):
        """[(seq, time)] of the pinger's replies so far."""
        out = []
        with open(self.pinger.out_path) as f:
            for line in f:
                if line.startswith("reply ") and line.endswith("\n"):
                    _, seq, t = line.split()
                    out.append((int(seq), float(t)))
        return out

    def ping_window(self, t0, t1, event=None):
        """Pings lost and the longest silence between t0 and t1 (monotonic);
        with event, also when replies resumed after that longest silence,
        counted from the event."""
        rep = self.replies()
        before = [r for r in rep if r[1] < t0][-1:]
        inside = before + [r for r in rep if t0 <= r[1] <= t1]
        lost, gap, gap_end = 0, 0.0, None
        for (s1, t1_), (s2, t2) in zip(inside, inside[1:]):
            lost += max(0, ((s2 - s1) & 0xFFFF) - 1)
            if t2 - t1_ > gap:
                gap, gap_end = t2 - t1_, t2
        fig = {"pings_lost": lost, "longest_silence_ms": round(gap * 1000.0, 1),
               "replies": len(inside) - len(before)}
        if event is not None and gap_end is not None:
            fig["pings_flow_again_ms"] = round((gap_end - event) * 1000.0, 1)
        return fig

    def failures(self):
        s = self.client.now() if self.client else None
        return sum(s["failures"].values()) if s else 0

    def settle(self, timeout=15.0):
        """Until every connection has exchanged PROGRESS_STEPS more
        messages, or timeout (a broken one never will: syncload gives up on
        a reply after 10 s and counts it). True when all progressed."""
        if self.client is None:
            return False
        base = self.client.now()["per_conn_min_messages"]
        try:
            vipnet.wait_until(lambda: self.client.now()["per_conn_min_messages"]
                              >= base + PROGRESS_STEPS, timeout,
                              "every connection to progress", interval=0.1)
            return True
        except AssertionError:
            return False

    def conn_figures(self, failures_before):
        if self.client is None:
            return {"connections_broken": None}
        progressed = self.settle()
        s = self.client.now()
        return {"connections_broken": self.failures() - failures_before,
                "connections_open": s["open"],
                "all_connections_progressed": progressed}


# --------------------------------------------------------------------------
# the steps: each returns (figures, one line of narration) or raises

def step_status(demo):
    for node in demo.nodes.values():
        res = demo.vipctl(node, "status")
        if res.returncode != 0:
            raise RuntimeError("vipctl status on %s: exit %d: %s"
                               % (node.name, res.returncode, res.stderr.strip()))
        say("    vipctl status on %s:\n%s" % (node.name, indent(res.stdout)))
    a, b = demo.nodes["a"], demo.nodes["b"]
    fig = {"lba": "%s/%s" % (a.state("ext"), a.state("int")),
           "lbb": "%s/%s" % (b.state("ext"), b.state("int")),
           "lbb_synced": lbpair.conns(b)["synced"]}
    return fig, "lba is %s, lbb is %s (ext/int); lbb's connection table synced: %s" % (
        fig["lba"], fig["lbb"], fig["lbb_synced"])


def step_traffic(demo):
    demo.pinger = vipnet.PingerRun(demo.cl, EXT_VIP, demo.ping_ms, None)
    demo.client = lbpair.LoadClient(demo.cl, EXT_VIP, extra=[
        "--conns", str(demo.n_conns), "--interval-ms", "20"])
    demo.client.wait(lambda s: s["open"] == demo.n_conns and
                     s["per_conn_min_messages"] >= 5, SETTLE_S,
                     "%d connections exchanging messages" % demo.n_conns)
    b = demo.nodes["b"]

    def synced():
        c = lbpair.conns(b)
        return c["synced"] and c["entries_installed"] + c["entries_updated"] >= demo.n_conns
    vipnet.wait_until(synced, SETTLE_S, "lbb to hold every flow", interval=0.2)
    spread = {}
    for be in demo.nodes["a"].dump()["virtual_services"][0]["backends"]:
        spread[be["address"]] = be.get("connections")
    spread_text = ", ".join("%s %s" % kv for kv in sorted(spread.items()))
    fig = {"connections": demo.n_conns, "spread": spread,
           "entries_on_lbb": lbpair.conns(b)["entries_installed"]}
    return fig, ("%d connections open through %s:80 (a message every 20 ms each), "
                 "per backend %s; lbb holds them (%d entries installed); pinging "
                 "%s every %d ms" % (demo.n_conns, EXT_VIP, spread_text,
                                     fig["entries_on_lbb"], EXT_VIP, demo.ping_ms))


def step_drill(demo):
    a = demo.nodes["a"]
    f0, t0 = demo.failures(), time.monotonic()
    res = demo.vipctl(a, "drill", "ext", "--hold", "2", timeout=60)
    report = (res.stdout + res.stderr).strip()
    say("    vipctl drill ext --hold 2 on lba: " + report)
    if res.returncode != 0:
        raise RuntimeError("drill failed (exit %d): %s" % (res.returncode, report))
    for inst in ("ext", "int"):
        a.wait_state("MASTER", inst, SETTLE_S)
    fig = {"report": report}
    m = re.search(r"(\S+) took over (\d+) ms", report)
    if m:
        fig["new_master"], fig["takeover_ms"] = m.group(1), int(m.group(2))
    m = re.search(r"took the VIPs back in (\d+) ms", report)
    if m:
        fig["failback_ms"] = int(m.group(1))
    fig.update(demo.conn_figures(f0))
    fig.update(demo.ping_window(t0, time.monotonic()))
    return fig, ("drill: %s took over in %s ms, lba took back in %s ms; client: "
                 "%d pings lost, longest silence %.1f ms, %s connections broken"
                 % (fig.get("new_master", "?"), fig.get("takeover_ms", "?"),
                    fig.get("failback_ms", "?"), fig["pings_lost"],
                    fig["longest_silence_ms"], fig["connections_broken"]))


def step_crash(demo):
    a, b = demo.nodes["a"], demo.nodes["b"]
    f0 = demo.failures()
    # The kernel of a SIGKILLed node still answers for its VIPs: the box is
    # dead once its cables are out, and the client's wait counts from there.
    a.kill(signal.SIGKILL)
    lbpair.cables(a, "down")
    t0 = time.monotonic()
    a.wait_exit(5.0)
    for inst in ("ext", "int"):
        b.wait_state("MASTER", inst, SETTLE_S)
    fig = demo.conn_figures(f0)
    fig.update(demo.ping_window(t0, time.monotonic(), event=t0))
    res = demo.vipctl(b, "conns")
    say("    vipctl conns on lbb:\n" + indent(res.stdout or res.stderr))
    fig["lbb_role"] = lbpair.conns(b)["role"]
    return fig, ("lba killed (SIGKILL, cables pulled): lbb is MASTER, pings flow "
                 "again %s ms after the cables went (%d lost), %s connections broken, "
                 "lbb's sync role: %s" % (fig.get("pings_flow_again_ms", "?"),
                                          fig["pings_lost"],
                                          fig["connections_broken"], fig["lbb_role"]))


def step_restart(demo):
    a = demo.nodes["a"]
    f0, t0 = demo.failures(), time.monotonic()
    lbpair.cables(a, "up")
    a.start()
    for inst in ("ext", "int"):
        a.wait_state("MASTER", inst, SETTLE_S)
    took = round((time.monotonic() - t0) * 1000.0)     # polled: +- 100 ms
    vipnet.wait_until(lambda: lbpair.conns(a)["resyncs_completed"] >= 1,
                      SETTLE_S, "lba to complete a resync", interval=0.2)
    fig = demo.conn_figures(f0)
    fig.update(demo.ping_window(t0, time.monotonic()))
    c = lbpair.conns(a)
    fig.update({"master_again_ms": took, "lba_role": c["role"],
                "lba_resyncs_completed": c["resyncs_completed"]})
    return fig, ("lba restarted: resynced (%d resyncs), MASTER again (sync role "
                 "%s); client: %d pings lost, longest silence %.1f ms, %s "
                 "connections broken" % (c["resyncs_completed"], c["role"],
                                         fig["pings_lost"], fig["longest_silence_ms"],
                                         fig["connections_broken"]))


def step_compare(workdir, ping_ms):
    fig, why = {}, []
    impls = ["vipd"] + (["keepalived"] if os.path.exists(vipnet.KEEPALIVED_BIN)
                        else [])
    if len(impls) == 1:
        why.append("keepalived is not installed")
    # one topology for both, as in failover.py
    bench = failover.Bench(os.path.join(workdir, "compare"))
    try:
        for impl in impls:
            try:
                gap, lost = failover.one_run(bench, impl, 100, "kill", ping_ms)
                fig[impl] = {"outage_ms": round(gap, 1), "pings_lost": lost}
            except Exception as err:        # the figure says why it is missing
                why.append("%s: %s" % (impl, err))
    finally:
        bench.close()
    if why:
        raise RuntimeError("; ".join(why))
    fig["ratio_vipd_over_keepalived"] = round(
        fig["vipd"]["outage_ms"] / fig["keepalived"]["outage_ms"], 2)
    return fig, ("the master dies at 100 ms adverts (failover.py kill): vipd "
                 "%.1f ms, keepalived %.1f ms, ratio %.2f" % (
                     fig["vipd"]["outage_ms"], fig["keepalived"]["outage_ms"],
                     fig["ratio_vipd_over_keepalived"]))


# --------------------------------------------------------------------------

def reason(err):
    """The first line of an error, for one line of narration."""
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:300]


def run_step(results, number, title, fn, *args):
    say("[%d] %s" % (number, title))
    entry = {"step": number, "title": title}
    t0 = time.monotonic()
    try:
        fig, line = fn(*args)
        entry.update({"ok": True, "figures": fig})
        say("[%d] ok: %s" % (number, line))
    except Exception as err:            # a step that failed says why
        entry.update({"ok": False, "why": reason(err)})
        say("[%d] FAILED: %s" % (number, entry["why"]))
    entry["seconds"] = round(time.monotonic() - t0, 1)
    results.append(entry)
    return entry["ok"]


def cell(entry, key, fmt="%s"):
    v = entry.get("figures", {}).get(key)
    return "-" if v is None else fmt % v


def print_table(results):
    say("")
    say("%-3s %-34s %-6s %6s %12s %10s %8s  %s" % (
        "", "step", "result", "lost", "silence ms", "resume ms", "broken", "notes"))
    for e in results:
        f = e.get("figures", {})
        if not e["ok"]:
            note = e["why"]
        elif e["step"] == 3:
            note = "takeover %s ms, failback %s ms" % (
                f.get("takeover_ms", "?"), f.get("failback_ms", "?"))
        elif e["step"] == 6:
            note = "vipd %.1f ms, keepalived %.1f ms, ratio %.2f" % (
                f["vipd"]["outage_ms"], f["keepalived"]["outage_ms"],
                f["ratio_vipd_over_keepalived"])
        elif e["step"] == 2:
            note = "%d connections, %d entries on lbb" % (
                f["connections"], f["entries_on_lbb"])
        elif e["step"] == 4:
            note = "lbb MASTER, sync role %s" % f.get("lbb_role")
        elif e["step"] == 5:
            note = "lba MASTER again, seen after %s ms; %s resync(s)" % (
                f.get("master_again_ms"), f.get("lba_resyncs_completed"))
        else:
            note = ""
        say("%-3d %-34s %-6s %6s %12s %10s %8s  %s" % (
            e["step"], e["title"][:34], "ok" if e["ok"] else "FAILED",
            cell(e, "pings_lost"), cell(e, "longest_silence_ms"),
            cell(e, "pings_flow_again_ms"), cell(e, "connections_broken"), note))


def save_logs(topo, directory):
    os.makedirs(directory, exist_ok=True)
    for node in topo.nodes:
        with open(os.path.join(directory, "%s-vipd.log" % node.name), "w") as f:
            f.write(node.log_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conns", type=int, default=100,
                    help="long-lived connections through the VIP")
    ap.add_argument("--ping-ms", type=int, default=10)
    ap.add_argument("--json", default="build/demo.json")
    ap.add_argument("--logs", help="copy the nodes' vipd logs to this directory "
                    "at the end")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("demo: needs root (network namespaces)")
    if not os.environ.get("VIPD_BIN") or not os.environ.get("VIPCTL_BIN"):
        sys.exit("demo: set VIPD_BIN and VIPCTL_BIN (make demo does)")
    # SIGTERM tears down like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results, started = [], time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vipd-demo-") as workdir:
        topo = vipnet.Topology(os.path.join(workdir, "pair"))
        try:
            say("[0] a client, the vipd pair lba/lbb (etc/examples/balancer-*.conf "
                "with conn_sync on), backends b11 b12 b13, in namespaces %s-*"
                % topo.prefix)
            demo = Demo(topo, args.conns, args.ping_ms)
            demo.start()
            say("[0] ok: lba MASTER of ext and int, lbb BACKUP, backends up on "
                "both, lbb synced")
            run_step(results, 1, "vipctl status of both nodes", step_status, demo)
            run_step(results, 2, "connections + pings via the VIP",
                     step_traffic, demo)
            run_step(results, 3, "drill ext --hold 2 on lba", step_drill, demo)
            run_step(results, 4, "lba dies (SIGKILL, cables pulled)",
                     step_crash, demo)
            run_step(results, 5, "lba restarts, resyncs, preempts", step_restart, demo)
            if demo.client is not None:
                final = demo.client.finish()
                demo.client = None
                say("    client, all steps: %d messages echoed, failures %s"
                    % (final["messages"], final["failures"] or "none"))
        except Exception as err:
            results.append({"step": 0, "title": "set-up", "ok": False,
                            "why": reason(err)})
            say("[0] FAILED: %s" % results[-1]["why"])
        finally:
            if any(not e["ok"] for e in results):
                say("    logs:\n" + indent(topo.logs_report()[-3000:]))
            # A second Ctrl-C must not cut the teardown short.
            old = signal.signal(signal.SIGINT, signal.SIG_IGN)
            topo.close()
            signal.signal(signal.SIGINT, old)
            if args.logs:               # after the stop: with what vipd said last
                save_logs(topo, args.logs)
        run_step(results, 6, "vipd vs keepalived, kill at 100 ms",
                 step_compare, workdir, 5)
    print_table(results)
    doc = {"demo": "vipd pair", "seconds": round(time.monotonic() - started, 1),
           "conns": args.conns, "ping_ms": args.ping_ms, "steps": results,
           "ok": len(results) == 6 and all(e["ok"] for e in results)}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({**benchmeta.run_meta(), **doc}, f, indent=2)
    say("\n%s in %.0f s; written to %s" % ("every step worked" if doc["ok"]
                                           else "SOME STEPS FAILED",
                                           doc["seconds"], args.json))
    return 0 if doc["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:       # the finally clauses have torn down
        print("\ninterrupted (namespaces and processes removed)", file=sys.stderr)
        sys.exit(130)
