# SPDX-License-Identifier: GPL-2.0-or-later
"""
monitor - samples the soak network the whole run, for the invariants.

One thread per node asks `vipctl status --json` (1 s timeout: a frozen
daemon does not answer) as fast as it can; one thread reads every node's
kernel state (VIPs, the virtual route, vipd's nftables table) about every
50 ms in one shell per node and notices daemons that died unasked; one
thread reads RSS and open fds of every daemon each second. Samples are
kept in memory and judged at the end (tests/soak/judge.py); the flags
(a node's vipd down on purpose, its cables pulled, frozen) are recorded
with their times so the judge knows whom to count.
"""

import json
import os
import subprocess
import threading
import time

from soaktopo import INT_VIP, VIP, VROUTE

KERNEL_PERIOD_S = 0.05
RESOURCE_PERIOD_S = 1.0


class Monitor:
    def __init__(self, net):
        self.net = net
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.states = []        # (t, node, {"ext": state, "int": state} | None)
        self.kernel = []        # (t, node, {"vip", "int_vip", "route", "nft"})
        self.resources = []     # (t, node, pid, rss_kib, fds)
        self.flags = []         # (t, node, flag, on)
        self.crashes = []       # (t, node, pid, returncode)
        self.repairs = []       # (fault, item)
        self.down = set()
        self.seen_dead = set()
        self.threads = []

    # flags set by the injector
    def _flag(self, node, flag, on):
        with self.lock:
            self.flags.append((time.monotonic(), node, flag, on))
            if flag == "down":
                (self.down.add if on else self.down.discard)(node)

    def expect_down(self, node, on):
        self._flag(node, "down", on)

    def isolated(self, node, on):
        self._flag(node, "isolated", on)

    def frozen(self, node, on):
        self._flag(node, "frozen", on)

    def watch_repair(self, fault, item):
        self.repairs.append((fault, item))

    # threads
    def start(self):
        for name in sorted(self.net.nodes):
            self.threads.append(threading.Thread(target=self._status_loop,
                                                 args=(name,), daemon=True))
        self.threads.append(threading.Thread(target=self._kernel_loop, daemon=True))
        self.threads.append(threading.Thread(target=self._resource_loop, daemon=True))
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(10.0)

    def _status_loop(self, name):
        node = self.net.nodes[name]
        sock = os.path.join(node.state_dir, "vipd.sock")
        while not self.stop_ev.is_set():
            t = time.monotonic()
            states = None
            try:
                res = subprocess.run([self.net.vipctl_bin, "-s", sock, "status",
                                      "--json"], capture_output=True, text=True,
                                     timeout=1.0)
                if res.returncode == 0:
                    doc = json.loads(res.stdout)
                    states = {i["name"]: i["state"] for i in doc["instances"]}
            except (subprocess.TimeoutExpired, ValueError, KeyError):
                pass
            self.states.append((t, name, states))
            self.stop_ev.wait(max(0.0, 0.05 - (time.monotonic() - t)))

    def _kernel_one(self, node):
        script = ("ip -4 -o addr show; echo ==; ip route show %s; echo ==; "
                  "nft list tables" % VROUTE)
        res = subprocess.run(["ip", "netns", "exec", node.host.ns, "sh", "-c",
                              script], capture_output=True, text=True, timeout=5)
        parts = res.stdout.split("==\n")
        if len(parts) < 3:
            return None
        addrs = parts[0]
        return {"vip": (" %s/" % VIP) in addrs and "eth0" in
                [l.split()[1] for l in addrs.splitlines() if (" %s/" % VIP) in l],
                "int_vip": (" %s/" % INT_VIP) in addrs,
                "route": VROUTE.split("/")[0] in parts[1],
                "nft": "table inet vipd" in parts[2]}

    def _kernel_loop(self):
        while not self.stop_ev.is_set():
            t = time.monotonic()
            for name, node in sorted(self.net.nodes.items()):
                try:
                    k = self._kernel_one(node)
                except (subprocess.TimeoutExpired, OSError):
                    k = None
                if k is not None:
                    self.kernel.append((time.monotonic(), name, k))
                proc = node.proc
                if proc is not None and not proc.alive() and \
                        proc.pid not in self.seen_dead:
                    with self.lock:
                        asked = name in self.down
                    self.seen_dead.add(proc.pid)
                    if not asked:
                        self.crashes.append((time.monotonic(), name, proc.pid,
                                             proc.popen.returncode))
            self.stop_ev.wait(max(0.0, KERNEL_PERIOD_S - (time.monotonic() - t)))

    def _resource_loop(self):
        while not self.stop_ev.is_set():
            for name, node in sorted(self.net.nodes.items()):
                proc = node.proc
                if proc is None or not proc.alive():
                    continue
                try:
                    with open("/proc/%d/status" % proc.pid) as f:
                        rss = [int(l.split()[1]) for l in f
                               if l.startswith("VmRSS:")][0]
                    fds = len(os.listdir("/proc/%d/fd" % proc.pid))
                except (OSError, IndexError, ValueError):
                    continue
                self.resources.append((time.monotonic(), name, proc.pid, rss, fds))
            self.stop_ev.wait(RESOURCE_PERIOD_S)
