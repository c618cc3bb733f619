#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
soak - hours (or minutes) of random overlapping faults on a three-node
vipd group with clients watching; exits 0 when every invariant held, 1
when one did not, 2 when the harness itself could not run.

  make soak [SOAK_MINUTES=10] [SOAK_SEED=N] [SOAK_PATCH=file]

Builds an ASan+UBSan vipd (make BUILD=build-asan SAN=1 all; with a patch,
in a scratch copy of the tree with the patch applied by git apply, so a
planted bug needs no hook in vipd), builds the network (soaktopo.py),
starts the client (traffic.py: pings every 10 ms, long-lived connections
with numbered echoes through the NAT and the DR service, new connections
at a steady rate), runs the fault schedule drawn from the seed for
SOAK_MINUTES (faults.py), lets the network settle, and judges the run
(judge.py). The seed is printed first; the same seed draws the same
schedule (which node is master when a fault starts still depends on the
run). The table and every breach go to stdout and to --json.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from vipnet import PYTHON, LIB_DIR, PingerRun  # noqa: E402
import soaktopo  # noqa: E402
from soaktopo import DR_PORT, NAT_PORT, VIP  # noqa: E402
from faults import KINDS, NODE_DOWN, Fault, Injector  # noqa: E402
from monitor import Monitor  # noqa: E402
from judge import Judge  # noqa: E402

MAX_IN_FORCE = 2            # K: faults in force at once
MEAN_GAP_S = 4.0            # mean time between fault starts
NODE_DOWN_SETTLE_S = 6.0    # after a node-down fault ends, before the next
SETTLE_S = 10.0             # quiet time after the last fault, still judged
TEARDOWN_RESERVE_S = 60.0   # kept for the end of the run within the limit
CONNS_PER_SERVICE = 10
NEW_PER_S = 5


def log(msg):
    sys.stdout.write("soak: %s\n" % msg)
    sys.stdout.flush()


def build(patch, jobs):
    """The ASan build; with patch, in a scratch copy. Returns (vipd, vipctl,
    scratch dir or None)."""
    src, scratch = ROOT, None
    if patch:
        scratch = tempfile.mkdtemp(prefix="vipd-soak-")
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard",
                                "-z"], cwd=ROOT, capture_output=True,
                               check=True).stdout.split(b"\0")
        for name in filter(None, files):
            name = name.decode()
            if not os.path.isfile(os.path.join(ROOT, name)):
                continue
            dst = os.path.join(scratch, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, name), dst)
        res = subprocess.run(["git", "apply", "--verbose", patch], cwd=scratch,
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError("git apply %s failed: %s" % (patch, res.stderr))
        log("applied %s in %s" % (patch, scratch))
        src = scratch
    res = subprocess.run(["make", "-j%d" % jobs, "BUILD=build-asan", "SAN=1", "all"],
                         cwd=src, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("build failed:\n%s" % res.stderr[-3000:])
    return (os.path.join(src, "build-asan", "vipd"),
            os.path.join(src, "build-asan", "vipctl"), scratch)


def schedule(rng, seconds):
    """[(offset s, kind, duration s, word)] drawn from rng."""
    kinds = sorted(KINDS)
    out, t = [], 3.0
    while True:
        t += rng.expovariate(1.0 / MEAN_GAP_S)
        if t >= seconds:
            return out
        kind = rng.choice(kinds)
        lo, hi = KINDS[kind][6]
        out.append((t, kind, rng.uniform(lo, hi), rng.randrange(1 << 30)))


def pick_target(kind, word, net, active, last_down_end):
    """A target not already under a fault, or None (the fault waits)."""
    busy = {f.target for f in active}
    if kind == "backend":
        names = sorted(n for n in net.backends if n not in busy)
        return names[word % len(names)] if names else None
    if kind == "hostile":
        return None if "hx" in busy else "hx"
    if kind in NODE_DOWN or kind == "split":
        if any(f.kind in NODE_DOWN or f.kind == "split" for f in active) or \
                time.monotonic() - last_down_end < NODE_DOWN_SETTLE_S:
            return None
    free = sorted(n for n in net.nodes if n not in busy)
    if not free:
        return None
    master = net.master_of_ext()
    if master in free and word % 5 < 3:      # 3 in 5: the master
        return master
    return free[word % len(free)]


def run_faults(net, inj, plan, t0, phase_s):
    """plan's offsets count from the start of the phase; the log's times
    from t0 (the clients' start), as the breaches' do."""
    active, done, pending = [], [], list(plan)
    p0 = time.monotonic()
    last_down_end = 0.0
    while True:
        now = time.monotonic()
        for f in list(active):
            if now >= f.start + f.duration:
                try:
                    inj.restore(f)
                except Exception as err:
                    f.breaches.append("restore failed: %s" % err)
                    f.end = time.monotonic()
                active.remove(f)
                done.append(f)
                if f.kind in NODE_DOWN or f.kind == "split":
                    last_down_end = f.end
                log("%7.2f s  end   %s" % (f.end - t0, f.label()))
        if now - p0 >= phase_s and not active:
            return done
        while pending and now - p0 >= pending[0][0] and now - p0 < phase_s and \
                len(active) < MAX_IN_FORCE:
            offset, kind, duration, word = pending[0]
            target = pick_target(kind, word, net, active, last_down_end)
            if target is None:
                break               # waits for the fault in its way to end
            pending.pop(0)
            f = Fault(kind, target, duration, word)
            try:
                inj.apply(f)
            except Exception as err:
                f.breaches.append("apply failed: %s" % err)
                f.start = f.start or time.monotonic()
            active.append(f)
            log("%7.2f s  start %s for %.1f s" % (f.start - t0, f.label(), duration))
        time.sleep(0.02)


def print_table(rows, out=sys.stdout):
    head = ("fault", "count", "pings lost", "longest silence ms",
            "conns broken", "new failed", "stalls", "invariants")
    out.write("\n| %s |\n|%s\n" % (" | ".join(head), " --- |" * len(head)))
    for kind in sorted(rows):
        r = rows[kind]
        out.write("| %s | %d | %d | %.1f | %d | %d | %d | %s |\n" % (
            kind, r["count"], r["pings_lost"], r["longest_silence_ms"],
            r["conns_broken"], r["new_failed"], r["stalls"],
            "held" if r["held"] else "BREACHED"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--patch")
    ap.add_argument("--json")
    ap.add_argument("--workdir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--vipd", help="run this vipd (no build; not with --patch)")
    ap.add_argument("--vipctl", help="with --vipd: its vipctl")
    args = ap.parse_args()
    started = time.monotonic()
    deadline = started + args.minutes * 60 + 300
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    log("seed %d (replay: make soak SOAK_SEED=%d SOAK_MINUTES=%g%s)" % (
        seed, seed, args.minutes, " SOAK_PATCH=" + args.patch if args.patch else ""))
    rng = random.Random(seed)
    try:
        if args.vipd and not args.patch:
            vipd, vipctl, scratch = (os.path.abspath(args.vipd), os.path.abspath(
                args.vipctl or os.path.join(os.path.dirname(args.vipd), "vipctl")),
                None)
        else:
            vipd, vipctl, scratch = build(args.patch and os.path.abspath(args.patch),
                                          args.jobs)
    except Exception as err:
        log("cannot run: %s" % err)
        return 2
    log("built %s in %.0f s" % (vipd, time.monotonic() - started))
    workdir = args.workdir or tempfile.mkdtemp(prefix="vipd-soak-run-")
    os.makedirs(workdir, exist_ok=True)
    # ASan keeps freed memory in a quarantine (256 MiB by default), which
    # shows as RSS growth: 4 MiB keeps it well under the growth bound.
    os.environ["ASAN_OPTIONS"] = ("detect_leaks=1:quarantine_size_mb=4:"
                                  "log_path=%s/asan" % workdir)
    os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/asan" % workdir
    net = soaktopo.SoakNet(workdir, vipd, vipctl)
    result = {"seed": seed, "minutes": args.minutes, "patch": args.patch,
              "workdir": workdir, "netns_prefix": net.topo.prefix}
    code = 2
    try:
        net.start_all()
        log("three nodes up, n1 master; starting the clients")
        t0 = time.monotonic()
        mon = Monitor(net)
        mon.start()
        pinger = PingerRun(net.client, VIP, 10, None)
        events_path = os.path.join(workdir, "client-events.jsonl")
        stop_path = os.path.join(workdir, "client-stop")
        client_out = open(os.path.join(workdir, "client-totals.json"), "w")
        client = net.client.popen(
            [PYTHON, soaktopo.TRAFFIC, "client", "--target", VIP, "--ports",
             "%d,%d" % (NAT_PORT, DR_PORT), "--conns", str(CONNS_PER_SERVICE),
             "--rate", str(NEW_PER_S), "--events", events_path, "--stop",
             stop_path], log_name="client.log", stdout=client_out)
        time.sleep(3.0)
        phase_s = min(args.minutes * 60,
                      deadline - time.monotonic() - SETTLE_S - TEARDOWN_RESERVE_S)
        if phase_s < args.minutes * 60:
            log("fault phase cut to %.0f s to end within SOAK_MINUTES + 5" % phase_s)
        plan = schedule(rng, phase_s)
        log("fault phase: %.0f s, %d faults drawn, at most %d at once"
            % (phase_s, len(plan), MAX_IN_FORCE))
        inj = Injector(net, mon, workdir)
        faults = run_faults(net, inj, plan, t0, phase_s)
        log("faults over; %.0f s of quiet, still judged" % SETTLE_S)
        time.sleep(SETTLE_S)
        open(stop_path, "w").close()
        client.wait(30.0)
        client_out.close()
        ping = pinger.stop()
        mon.stop()
        events = []
        with open(events_path) as f:
            for line in f:
                if line.endswith("\n"):
                    events.append(json.loads(line))
        with open(os.path.join(workdir, "client-totals.json")) as f:
            totals = f.read().strip()
        judge = Judge(seed, t0, faults, mon, ping["reply_times"], events, net)
        # the daemons' own exits are judged after teardown (LSan at exit)
        findings = net.close()
        breaches = judge.run(workdir)
        for item in findings:
            judge.breach(None, "daemons", item)
        breaches = judge.breaches
        rows = judge.table()
        print_table(rows)
        log("pings: %d sent, %d answered, longest silence %.1f ms; client: %s"
            % (ping["sent"], ping["received"], ping["max_gap_ms"], totals))
        log("RSS/fds (daemons that lived 150 s): %s" % judge.resource_summary)
        log("busiest log minute per node: %s" % judge.log_rates)
        grouped = judge.grouped()
        for b in grouped:
            log("BREACH at %s s [%s] %s%s; faults in force: %s; seed %d" % (
                b["t_s"], b["invariant"], b["what"],
                " (and %d more like it until %s s)" % (b["count"] - 1, b["last_t_s"])
                if b["count"] > 1 else "",
                ", ".join(b["faults_in_force"]) or "none", seed))
        log("%s: %d breaches, seed %d" % ("FAILED" if breaches else "every invariant held",
                                          len(breaches), seed))
        result.update({"table": rows, "breaches": grouped,
                       "faults": [f.to_json(t0) for f in faults],
                       "pings": {k: ping[k] for k in ("sent", "received", "lost",
                                                      "max_gap_ms")},
                       "client_totals": json.loads(totals or "{}"),
                       "resources": judge.resource_summary,
                       "log_lines_per_min_max": judge.log_rates,
                       "master_changes": len(judge.master_changes),
                       "elapsed_s": round(time.monotonic() - started, 1)})
        code = 1 if breaches else 0
    except Exception as err:
        import traceback
        traceback.print_exc()
        log("harness error: %s" % err)
        result["error"] = str(err)
    finally:
        net.close()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        log("wrote %s" % args.json)
    log("took %.0f s in all" % (time.monotonic() - started))
    return code


if __name__ == "__main__":
    sys.exit(main())
