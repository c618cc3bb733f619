# SPDX-License-Identifier: GPL-2.0-or-later
"""
judge - the soak's invariants, applied to what the monitor and the client
recorded, and the table of client impact per fault kind.

  one master    at most one node holds the external VIP in its kernel (or
                says MASTER of ext), counting only nodes whose vipd runs,
                is not frozen and has its cables; a second one is a breach
                when it lasts longer than 3 advert intervals + one sample
                outside a split or a freeze (and their 3-interval tail);
  reachable     no silence of the pings to the VIP longer than the bound
                of the faults in force (faults.KINDS; NOISE_S when none);
  established   no long-lived connection broken unless a fault in force
                allows it (split; a backend of that service killed; a
                sync link cut during which a takeover happened);
  new           no new connection failed unless a fault in force allows
                it (a takeover, a split, a backend, drift of the table);
  repair        drift (nft table, VIP, virtual route) put back within
                REPAIR_S on a node still master;
  daemons       no vipd exit we did not ask for, no sanitizer report, RSS
                growth at most RSS_GROWTH_KIB and fds growth at most
                FD_GROWTH (medians of the 30 s after its first minute and
                of its last 30 s) for each daemon that lived 150 s, at
                most LOG_LINES_PER_MIN log lines per minute per node.
"""

import glob
import os
import re

from faults import HEAL_S, KINDS, NOISE_S
from vipnet import sanitizer_reports

DUAL_TOLERANCE_S = HEAL_S + 0.25
REPAIR_S = 1.0 + 0.3           # a second, plus the kernel sampling period
RSS_GROWTH_KIB = 16 * 1024
FD_GROWTH = 4
RESOURCE_LIFE_S = 150.0   # shorter lives are not judged for growth
LOG_LINES_PER_MIN = 600
GAP_MIN_S = 0.1                # silences shorter than this are not recorded


class Judge:
    def __init__(self, seed, t0, faults, monitor, replies, events, net):
        self.seed = seed
        self.t0 = t0
        self.faults = [f for f in faults if f.start is not None]
        self.mon = monitor
        self.replies = replies
        self.events = events
        self.net = net
        self.breaches = []

    def rel(self, t):
        return round(t - self.t0, 3)

    def in_force(self, t, pred=lambda f: True, tail=True):
        out = []
        for f in self.faults:
            start, end = f.window()
            if not tail:
                end = (f.end or end)
            if start <= t <= end and pred(f):
                out.append(f)
        return out

    def breach(self, t, invariant, what):
        labels = [f.label() for f in self.in_force(t)] if t else []
        # drift that was never put back is still in force after its window
        labels += [f.label() + " unrepaired" for f in self.faults
                   if t and getattr(f, "repaired_at", None) is not None and
                   f.window()[1] < t < f.repaired_at]
        self.breaches.append({
            "t_s": self.rel(t) if t is not None else None,
            "invariant": invariant, "what": what,
            "faults_in_force": labels, "seed": self.seed})

    # ------------------------------------------------------------------
    def flag_state(self):
        """[(t, node, flag, on)] replayed: excluded(node, t)."""
        flags = sorted(self.mon.flags)

        def excluded(node, t):
            on = {}
            for ft, n, flag, v in flags:
                if ft > t:
                    break
                if n == node:
                    on[flag] = v
            return any(on.values())
        return excluded

    def check_one_master(self):
        excluded = self.flag_state()
        nodes = sorted(self.net.nodes)
        latest_k, latest_s = {}, {}
        samples = sorted([(t, "k", n, v) for t, n, v in self.mon.kernel] +
                         [(t, "s", n, v) for t, n, v in self.mon.states])
        run_start, run_who = None, None
        self.master_changes = []
        last_holder = None
        dual_allowed = lambda f: KINDS[f.kind][5]
        for t, src, n, v in samples:
            (latest_k if src == "k" else latest_s)[n] = v
            holders = [x for x in nodes if latest_k.get(x, {}).get("vip")
                       and not excluded(x, t)]
            masters = [x for x in nodes if (latest_s.get(x) or {}).get("ext")
                       == "MASTER" and not excluded(x, t)]
            who = sorted(set(holders) | set(masters))
            if len(holders) == 1 and holders[0] != last_holder:
                if last_holder is not None:
                    self.master_changes.append((t, last_holder, holders[0]))
                last_holder = holders[0]
            if len(holders) > 1 or len(masters) > 1:
                if run_start is None:
                    run_start, run_who = t, who
            elif run_start is not None:
                self._judge_dual(run_start, t, run_who, dual_allowed)
                run_start = None
        if run_start is not None:
            self._judge_dual(run_start, samples[-1][0], run_who, dual_allowed)

    def _judge_dual(self, a, b, who, allowed):
        if b - a <= DUAL_TOLERANCE_S:
            return
        # allowed when a split/freeze (or its tail) covers the whole run
        if self.in_force(a, allowed) and self.in_force(b, allowed):
            return
        self.breach(a, "one master", "%s all master of ext for %.2f s"
                    % (" and ".join(who), b - a))

    def gaps(self):
        out = []
        for x, y in zip(self.replies, self.replies[1:]):
            if y - x > GAP_MIN_S:
                out.append((x, y))
        return out

    def check_reachable(self):
        for a, b in self.gaps():
            overlapping = [f for f in self.faults
                           if f.window()[0] <= b and f.window()[1] >= a]
            bounds = [KINDS[f.kind][1] for f in overlapping]
            if any(x is None for x in bounds):
                continue
            bound = max(bounds + [NOISE_S])
            if b - a > bound:
                self.breach(a, "reachable", "no ping reply for %.3f s (bound "
                            "%.2f s)" % (b - a, bound))

    def _allows(self, f, which, port):
        rule = KINDS[f.kind][which]
        if rule == "service":
            return port == (80 if f.target.startswith("b") else 81)
        if rule == "takeover":
            a, b = f.window()
            return any(a <= t <= b for t, _x, _y in self.master_changes)
        return bool(rule)

    def check_connections(self):
        for e in self.events:
            if e["kind"] == "break":
                which, inv = 3, "established"
            elif e["kind"] == "new_failed":
                which, inv = 4, "new"
            else:
                continue
            t = e["at"]
            if not self.in_force(t, lambda f: self._allows(f, which, e["port"])):
                self.breach(t, inv, "%s on port %d: %s%s" % (
                    "connection broken" if inv == "established" else
                    "new connection failed", e["port"], e["error"],
                    " (conn %s, after %s echoes)" % (e.get("conn"), e.get("seq"))
                    if inv == "established" else ""))

    def check_repairs(self):
        states = sorted(self.mon.states)
        for f, item in self.mon.repairs:
            key = {"nft": "nft", "vip": "vip", "route": "route"}[item]
            was_master = [v for t, n, v in states if n == f.target and
                          t <= f.start and v is not None]
            # every node installs the table; the VIP and route only a master
            if item != "nft" and (not was_master or
                                  (was_master[-1] or {}).get("ext") != "MASTER"):
                f.notes.append("not master: drift not judged")
                continue
            back = [t for t, n, v in self.mon.kernel
                    if n == f.target and t > f.start and v[key]]
            still_master = [v for t, n, v in states if n == f.target and
                            f.start < t <= f.start + REPAIR_S + 0.5 and v]
            if item != "nft" and still_master and any(
                    (v or {}).get("ext") != "MASTER" for v in still_master):
                f.notes.append("left MASTER meanwhile: drift not judged")
                continue
            took = (back[0] - f.start) if back else None
            f.repaired_at = back[0] if back else float("inf")
            f.notes.append("repaired in %s" % ("%.2f s" % took if took is not None
                                               else "never"))
            if took is None or took > REPAIR_S:
                self.breach(f.start, "repair", "%s on %s not put back within "
                            "%.1f s (%s)" % ({"nft": "nftables table inet vipd",
                                              "vip": "VIP " + "10.0.0.10",
                                              "route": "virtual route"}[item],
                                             f.target, REPAIR_S,
                                             "after %.2f s" % took if took
                                             else "never"))

    def check_daemons(self, workdir):
        for t, n, pid, code in self.mon.crashes:
            self.breach(t, "daemons", "vipd on %s (pid %d) exited unasked "
                        "with %s" % (n, pid, code))
        for f in self.faults:
            for b in f.breaches:
                self.breach(f.start, "fault check", b)
        reports = []
        for node in self.net.nodes.values():
            for ex in sanitizer_reports(node.log_text()):
                reports.append((node.name, ex))
        for path in glob.glob(os.path.join(workdir, "asan*")):
            with open(path, errors="replace") as fh:
                text = fh.read()
            for ex in sanitizer_reports(text) or ([text[:400]] if text.strip() else []):
                reports.append((os.path.basename(path), ex))
        for who, ex in reports:
            self.breach(None, "daemons", "sanitizer report (%s): %s" % (who, ex[:600]))
        by_pid = {}
        for t, n, pid, rss, fds in self.mon.resources:
            by_pid.setdefault((n, pid), []).append((t, rss, fds))
        self.resource_summary = []
        for (n, pid), rows in sorted(by_pid.items()):
            life = rows[-1][0] - rows[0][0]
            if life < RESOURCE_LIFE_S:
                continue
            # medians, so that a check's socket or a script's pipes open
            # at the moment of a sample do not count as growth
            first = [r for r in rows if 60.0 <= r[0] - rows[0][0] < 90.0]
            last = [r for r in rows if rows[-1][0] - r[0] < 30.0]
            med = lambda xs: sorted(xs)[len(xs) // 2]
            b_rss, b_fds = med([r[1] for r in first]), med([r[2] for r in first])
            e_rss, e_fds = med([r[1] for r in last]), med([r[2] for r in last])
            self.resource_summary.append({"node": n, "pid": pid,
                                          "life_s": round(life),
                                          "rss_kib_after_1min": b_rss,
                                          "rss_kib_at_end": e_rss,
                                          "fds_after_1min": b_fds,
                                          "fds_at_end": e_fds})
            if e_rss - b_rss > RSS_GROWTH_KIB:
                self.breach(rows[-1][0], "daemons", "vipd on %s (pid %d): RSS "
                            "grew %d KiB after its first minute" % (n, pid, e_rss - b_rss))
            if e_fds - b_fds > FD_GROWTH:
                self.breach(rows[-1][0], "daemons", "vipd on %s (pid %d): open "
                            "fds grew by %d after its first minute" % (n, pid, e_fds - b_fds))
        stamp = re.compile(r"^(\d\d):(\d\d):\d\d\.\d+ ")
        self.log_rates = {}
        for node in self.net.nodes.values():
            per = {}
            for line in node.log_text().splitlines():
                m = stamp.match(line)
                if m:
                    per[m.group(1, 2)] = per.get(m.group(1, 2), 0) + 1
            worst = max(per.values()) if per else 0
            self.log_rates[node.name] = worst
            if worst > LOG_LINES_PER_MIN:
                self.breach(None, "daemons", "vipd on %s logged %d lines in one "
                            "minute (bound %d)" % (node.name, worst, LOG_LINES_PER_MIN))

    # ------------------------------------------------------------------
    def table(self):
        rows = {}
        gaps = self.gaps()
        for f in self.faults:
            r = rows.setdefault(f.kind, {"count": 0, "pings_lost": 0,
                                         "longest_silence_ms": 0.0,
                                         "conns_broken": 0, "new_failed": 0,
                                         "stalls": 0, "held": True})
            r["count"] += 1
            a, b = f.window()
            for x, y in gaps:
                if x <= b and y >= a:
                    # estimated from the silence: one ping every 10 ms
                    r["pings_lost"] += max(0, int(round((y - x) / 0.01)) - 1)
                    r["longest_silence_ms"] = max(r["longest_silence_ms"],
                                                  round((y - x) * 1000, 1))
            for e in self.events:
                if a <= e.get("at", e["t"]) <= b:
                    if e["kind"] == "break":
                        r["conns_broken"] += 1
                    elif e["kind"] == "new_failed":
                        r["new_failed"] += 1
                    elif e["kind"] == "stall":
                        r["stalls"] += 1
        for br in self.breaches:
            for label in br["faults_in_force"]:
                kind = label.split("(")[0]
                if kind in rows:
                    rows[kind]["held"] = False
        return rows

    def grouped(self):
        """Breaches of one invariant under the same faults within 2 s of
        each other, as one line with a count (ten connections reset by
        one event are one finding)."""
        out = []
        for b in self.breaches:
            last = out[-1] if out else None
            if last and last["invariant"] == b["invariant"] and \
                    last["faults_in_force"] == b["faults_in_force"] and \
                    b["t_s"] is not None and last["t_s"] is not None and \
                    b["t_s"] - last["last_t_s"] <= 2.0:
                last["count"] += 1
                last["last_t_s"] = b["t_s"]
                continue
            out.append(dict(b, count=1, last_t_s=b["t_s"]))
        return out

    def run(self, workdir):
        self.check_repairs()
        self.check_one_master()
        self.check_reachable()
        self.check_connections()
        self.check_daemons(workdir)
        self.breaches.sort(key=lambda b: (b["t_s"] is None, b["t_s"] or 0))
        return self.breaches
