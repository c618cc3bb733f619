# SPDX-License-Identifier: GPL-2.0-or-later
"""
faults - what the soak does to the soak network, and what each fault may
cost the clients (the allowances the invariants are judged against).

Every kind has apply() and restore(); a fault is in force from apply to
restore, and its allowances last `tail` seconds past restore (the time
the design gives to recover). Models:

  kill      the vipd process dies (SIGKILL), the box stays up with what
            it left in the kernel; restarted after the fault's duration.
  term      SIGTERM (a planned stop: exit 0 within 10 s), then restart.
  cut       every cable of the node pulled at the switch, then plugged.
  split     VRRP (protocol 112) dropped at the switch between the node
            and one other node, both directions; clients still reach
            both (a split brain); healed by removing the drop.
  synccut   the node's sync link (eth2) down at the switch.
  reload    a valid changed config (track script interval 200 <-> 250 ms)
            by `vipctl reload` or SIGHUP, alternately; must be accepted.
  badreload a config with an out-of-range priority by `vipctl reload`
            (must exit 1) or SIGHUP; must be refused, the old one kept;
            the good file is put back at restore.
  backend   a backend's echo server killed (SIGKILL), started again.
  track     the node's track-script flag file created (weight -60: the
            node drops below both others), removed at restore.
  freeze    SIGSTOP for 3..6 x Master_Down_Interval, then SIGCONT.
  hostile   bursts of adverts the design rejects (TTL 64, bad checksum,
            truncated, version 1, address count past the packet) from a
            host on the clients' segment, claiming priority 254.
  nftflush  `nft flush ruleset` in the node's namespace (drift).
  addrdel   `ip addr del` of the external VIP on the node (drift).
  routedel  `ip route del` of the virtual route on the node (drift).

No VMAC is configured in the soak, so the VMAC drift is not exercised.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from soaktopo import (ADVERT_MS, VIP, VROUTE, master_down_s)

NOISE_S = 0.5          # a silence a busy 2-core machine causes on its own
MDI_S = master_down_s(100)
CRASH_BOUND_S = MDI_S + 1.0   # takeover after a crash: Master_Down + margin
HEAL_S = 3 * ADVERT_MS / 1000.0

# kind: (node-level, ping-gap bound s, tail s, established breaks allowed,
#        new-connection failures allowed, second holder allowed, duration s)
KINDS = {
    "kill":      (True,  CRASH_BOUND_S, 3.0, False, True,  False, (2, 5)),
    "term":      (True,  NOISE_S,       3.0, False, False, False, (2, 5)),
    "cut":       (True,  CRASH_BOUND_S, 4.0, False, True,  False, (2, 6)),
    "split":     (True,  None,          2.0, True,  True,  True,  (2, 5)),
    "synccut":   (False, NOISE_S,       3.0, "takeover", False, False, (3, 8)),
    "reload":    (False, NOISE_S,       1.0, False, False, False, (0.5, 0.5)),
    "badreload": (False, NOISE_S,       1.0, False, False, False, (1, 3)),
    "backend":   (False, NOISE_S,       1.5, "service", "service", False, (2, 6)),
    "track":     (True,  NOISE_S,       2.0, False, False, False, (2, 6)),
    "freeze":    (True,  CRASH_BOUND_S, HEAL_S + 0.2, False, True, True,
                  (3 * MDI_S, 6 * MDI_S)),
    "hostile":   (False, NOISE_S,       1.0, False, False, False, (1, 3)),
    "nftflush":  (False, NOISE_S,       1.5, False, True,  False, (3, 3)),
    "addrdel":   (False, 1.5,           1.5, False, True,  False, (3, 3)),
    "routedel":  (False, NOISE_S,       1.0, False, False, False, (3, 3)),
}
NODE_DOWN = ("kill", "term", "cut", "freeze")


class Fault:
    def __init__(self, kind, target, duration, rng_word):
        self.kind = kind
        self.target = target            # node name (or backend name)
        self.duration = duration
        self.word = rng_word            # per-fault choice (variant, peer)
        self.start = None
        self.end = None
        self.notes = []
        self.breaches = []              # what this fault's own checks found

    @property
    def spec(self):
        return KINDS[self.kind]

    def label(self):
        return "%s(%s)" % (self.kind, self.target)

    def window(self):
        end = self.end if self.end is not None else time.monotonic()
        return self.start, end + self.spec[2]

    def to_json(self, t0):
        return {"kind": self.kind, "target": self.target,
                "start_s": round(self.start - t0, 3) if self.start else None,
                "end_s": round(self.end - t0, 3) if self.end else None,
                "notes": self.notes}


class Injector:
    """Applies and restores faults on a SoakNet."""

    def __init__(self, net, monitor, workdir):
        self.net = net
        self.monitor = monitor
        self.workdir = workdir
        self.reload_count = 0
        self.lock = threading.Lock()

    def node(self, f):
        return self.net.nodes[f.target]

    def vipctl(self, node, *args, timeout=10):
        return subprocess.run([self.net.vipctl_bin, "-s",
                               os.path.join(node.state_dir, "vipd.sock")] +
                              list(args), capture_output=True, text=True,
                              timeout=timeout)

    # ------------------------------------------------------------------

    def apply(self, f):
        f.start = time.monotonic()
        getattr(self, "_apply_" + f.kind)(f)

    def restore(self, f):
        getattr(self, "_restore_" + f.kind)(f)
        f.end = time.monotonic()

    def _restart(self, node, f):
        """The node counts again once its new vipd is ready: what the dead
        one left in the kernel (its VIPs) is the new one's to remove at
        start-up, and until then it is the crashed box's, not a master."""
        try:
            node.start()
        except AssertionError as err:
            f.breaches.append("restart of %s failed: %s" % (node.name, err))
        self.monitor.expect_down(node.name, False)

    # kill
    def _apply_kill(self, f):
        node = self.node(f)
        self.monitor.expect_down(node.name, True)
        node.kill(signal.SIGKILL)
        node.wait_exit(5.0)

    def _restore_kill(self, f):
        self._restart(self.node(f), f)

    # term
    def _apply_term(self, f):
        node = self.node(f)
        self.monitor.expect_down(node.name, True)
        code = node.stop(timeout=10.0)
        if code != 0:
            f.breaches.append("vipd on %s exited with %s after SIGTERM, not 0"
                              % (node.name, code))
            if code is None:
                node.kill(signal.SIGKILL)
                node.wait_exit(5.0)

    _restore_term = _restore_kill

    # cut
    def _ports(self, node):
        return ["p-" + node.name, node.name + "-eth1", node.name + "-eth2"]

    def _apply_cut(self, f):
        node = self.node(f)
        self.monitor.isolated(node.name, True)
        for port in self._ports(node):
            self.net.topo.sw_run(["ip", "link", "set", port, "down"], check=False)

    def _restore_cut(self, f):
        node = self.node(f)
        for port in self._ports(node):
            self.net.topo.sw_run(["ip", "link", "set", port, "up"], check=False)
        self.monitor.isolated(node.name, False)

    # split
    def _split_peer(self, f):
        others = sorted(n for n in self.net.nodes if n != f.target)
        return others[f.word % len(others)]

    def _split_rules(self, a, b):
        rules = []
        for x, y in ((a, b), (b, a)):
            for dx, dy in (("p-%s" % x, "p-%s" % y), ("%s-eth1" % x, "%s-eth1" % y)):
                rules.append('iifname "%s" oifname "%s" ip protocol 112 drop'
                             % (dx, dy))
        return rules

    def _apply_split(self, f):
        peer = self._split_peer(f)
        f.notes.append("VRRP cut between %s and %s" % (f.target, peer))
        table = "soak_split_%s_%s" % (f.target, peer)
        text = ("table bridge %s {\n chain vrrpcut {\n  type filter hook forward "
                "priority 0; policy accept;\n%s\n }\n}\n"
                % (table, "\n".join("  " + r for r in
                                    self._split_rules(f.target, peer))))
        subprocess.run(["ip", "netns", "exec", self.net.topo.switch_ns, "nft",
                        "-f", "-"], input=text, text=True, check=True,
                       capture_output=True)
        f.table = table

    def _restore_split(self, f):
        self.net.topo.sw_run(["nft", "delete", "table", "bridge", f.table],
                             check=False)

    # synccut
    def _apply_synccut(self, f):
        self.net.topo.sw_run(["ip", "link", "set", f.target + "-eth2", "down"],
                             check=False)

    def _restore_synccut(self, f):
        self.net.topo.sw_run(["ip", "link", "set", f.target + "-eth2", "up"],
                             check=False)

    # reload / badreload
    def _send_reload(self, node, f, expect_ok):
        self.reload_count += 1
        if f.word % 2 == 0:
            f.notes.append("vipctl reload")
            res = self.vipctl(node, "reload", timeout=20)
            want = 0 if expect_ok else 1
            if res.returncode != want:
                f.breaches.append("vipctl reload on %s exited %d, not %d: %s"
                                  % (node.name, res.returncode, want,
                                     (res.stdout + res.stderr).strip()[:300]))
        else:
            f.notes.append("SIGHUP")
            node.kill(signal.SIGHUP)

    def _apply_reload(self, f):
        node = self.node(f)
        node.track_interval = 250 if getattr(node, "track_interval", 200) == 200 else 200
        node.good_config = self.net.config_text(node, node.track_interval)
        node.write_config(node.good_config)
        self._send_reload(node, f, True)

    def _restore_reload(self, f):
        pass

    def _apply_badreload(self, f):
        node = self.node(f)
        bad = node.good_config.replace("priority = %d;" % node_priority(node),
                                       "priority = 300;", 1)
        assert bad != node.good_config
        node.write_config(bad)
        self._send_reload(node, f, False)

    def _restore_badreload(self, f):
        node = self.node(f)
        node.write_config(node.good_config)
        if "SIGHUP" in f.notes:
            n = node.log_text().count("reload refused")
            if n == 0:
                f.notes.append("no 'reload refused' line seen")

    # backend
    def _apply_backend(self, f):
        self.net.kill_backend(f.target)

    def _restore_backend(self, f):
        self.net.serve(f.target)

    # track
    def _apply_track(self, f):
        open(self.node(f).flag_path, "w").close()

    def _restore_track(self, f):
        try:
            os.unlink(self.node(f).flag_path)
        except FileNotFoundError:
            pass

    # freeze
    def _apply_freeze(self, f):
        node = self.node(f)
        self.monitor.frozen(node.name, True)
        node.proc.popen.send_signal(signal.SIGSTOP)

    def _restore_freeze(self, f):
        node = self.node(f)
        node.proc.popen.send_signal(signal.SIGCONT)
        f.resumed = time.monotonic()
        self.monitor.frozen(node.name, False)

    # hostile
    def _hostile_frames(self):
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
        import vrrpcraft as vc
        hx = self.net.hostile
        src = hx.ip
        good = dict(vrid=51, priority=254, addrs=(VIP,))
        return [
            vc.frame(hx.mac, src, vc.advert(src, **good), ttl=64),
            vc.frame(hx.mac, src, vc.advert(src, bad_checksum=True, **good)),
            vc.frame(hx.mac, src, vc.advert(src, truncate=6, **good)),
            vc.frame(hx.mac, src, vc.advert(src, version=1, **good)),
            vc.frame(hx.mac, src, vc.advert(src, count=9, **good)),
        ]

    def _apply_hostile(self, f):
        frames = self._hostile_frames()
        count = max(1, int(f.duration * 20))
        f.hostile_thread = threading.Thread(
            target=lambda: self.net.hostile.send_frames(frames, count=count,
                                                        interval_ms=50),
            daemon=True)
        f.hostile_thread.start()

    def _restore_hostile(self, f):
        f.hostile_thread.join(60.0)

    # drift
    def _apply_nftflush(self, f):
        self.node(f).host.run(["nft", "flush", "ruleset"], check=False)
        self.monitor.watch_repair(f, "nft")

    def _apply_addrdel(self, f):
        self.node(f).host.run(["ip", "addr", "del", VIP + "/24", "dev", "eth0"],
                              check=False)
        self.monitor.watch_repair(f, "vip")

    def _apply_routedel(self, f):
        self.node(f).host.run(["ip", "route", "del", VROUTE], check=False)
        self.monitor.watch_repair(f, "route")

    def _restore_nftflush(self, f):
        pass

    _restore_addrdel = _restore_nftflush
    _restore_routedel = _restore_nftflush


def node_priority(node):
    from soaktopo import PRIORITIES
    return PRIORITIES[node.name]
