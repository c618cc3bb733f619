#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The balancer's own cost: new TCP connections per second and UDP packets per
second through one node, four ways in one run: plain routed forwarding
(the reference), vipd NAT, vipd DR and HAProxy (mode tcp).

Topology (tests/lib/vipnet.py): a client cl (192.0.2.50) on br0; the node
lb1 with eth0 192.0.2.1 on br0 and eth1 10.1.0.1 on br1, forwarding on;
backends b1, b2 with eth1 10.1.0.11/12 on br1 (default route via lb1) and
eth0 on br0 with only a /32 address, the VIP 192.0.2.100 on lo,
arp_ignore=1, arp_announce=2, and a rule that sends what leaves from the
VIP straight to br0. So:

  plain     the client connects to 10.1.0.11 and 10.1.0.12 in turn, routed
            through lb1 both ways, nothing else running on lb1;
  vipd-nat  vipd on lb1 (VRRP instance holding the VIP, services VIP:80
            tcp and udp, mh), DNAT + conntrack, replies back through lb1;
  vipd-dr   the same services with forwarding = "dr", interface = "eth1":
            lb1 sees only the inbound half, the backends answer from the
            VIP on br0 directly;
  haproxy   Debian's haproxy, mode tcp, roundrobin, bound to the VIP
            (added to lb1's eth0 by hand), pidfile and stats socket in the
            run directory; it proxies no UDP.

The backends and the load client are tests/bench/lbperf.c, built by this
script: one epoll loop each, a short HTTP/1.0 answer and close per
connection, a UDP echo; the client opens a new connection per request
(--concurrency at a time) and keeps --concurrency UDP requests in flight.

The node's CPU: lb1's two veth devices (and their bridge ends) run threaded
NAPI with GRO on and TSO off, so everything lb1's kernel does with a packet
it receives (routing, nftables, conntrack, NAT, HAProxy's socket receive,
the transmit to the next veth) runs in lb1's own two napi/ kernel threads,
and the work beyond lb1 (the bridges, the backends, the client) in other
threads. The node's CPU is the utime + stime (/proc/PID/stat) of those two
threads plus that of vipd or haproxy (their transmits run in their own
system calls), sampled around each load run; per 1000 connections (or 1000
UDP exchanges) in ms.

Each implementation runs --runs times, in alternating order; figures are
min / median / max and the ratio of medians over plain. Printed and written
to --json. --smoke: one run of 1 s each; exits 1 unless every available
implementation served requests.

    make bench-balancer [BENCH_RUNS=5]
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
import vipnet  # noqa: E402
from failover import summary  # noqa: E402

VIP = vipnet.DEFAULT_VIP
PORT = 80
BACKENDS = ("10.1.0.11", "10.1.0.12")
IMPLS = ("plain", "vipd-nat", "vipd-dr", "haproxy")
HAPROXY_BIN = "/usr/sbin/haproxy"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CPU_METHOD = ("utime+stime of the node's threaded-NAPI kernel threads (its eth0 "
              "and eth1) and of vipd/haproxy, /proc/PID/stat")
FIGURES = ("tcp_cps", "tcp_p99_ms", "tcp_cpu_ms_per_1k",
           "udp_pps", "udp_p99_ms", "udp_cpu_ms_per_1k")


def build_lbperf(work):
    out = os.path.join(work, "lbperf")
    vipnet.run(["cc", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", out,
                os.path.join(HERE, "lbperf.c")])
    return out


def napi_threads():
    """{pid: comm} of every napi/ kernel thread on the machine."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith("napi/"):
            found[int(pid)] = comm
    return found


def threaded_napi(run, devs):
    """GRO on (veth's NAPI mode), TSO off (veth hands only non-TSO packets
    to NAPI), threaded NAPI on, for each of devs, with run() in their
    namespace."""
    for dev in devs:
        run(["ethtool", "-K", dev, "tso", "off", "gro", "on"])
        run(["sh", "-c", "echo 1 > /sys/class/net/%s/threaded" % dev])


def build(topo, lbperf):
    topo.add_segment("br1")
    node = topo.add_vipd("lb1", "192.0.2.1", priority=150)
    lb1 = node.host
    lb1.attach("br1", "10.1.0.1/24", "eth1")
    for key in ("net.ipv4.ip_forward=1", "net.ipv4.ip_local_port_range=1024 65535"):
        lb1.run(["sysctl", "-qw", key])
    client = topo.add_host("cl", "192.0.2.50")
    client.run(["ip", "route", "add", "10.1.0.0/24", "via", "192.0.2.1"])
    client.run(["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535"])
    backends = []
    for i, ip in enumerate(BACKENDS):
        b = topo.add_host("b%d" % (i + 1), "192.0.2.%d" % (11 + i))
        # No 192.0.2.0/24 route on the backend: only what leaves from the
        # VIP (DR) goes out on br0; the rest goes back through lb1. The /32
        # is the source of its ARP requests there (arp_announce=2).
        b.run(["ip", "addr", "flush", "dev", "eth0"])
        b.add_addr("192.0.2.%d/32" % (11 + i))
        b.attach("br1", ip + "/24", "eth1")
        b.run(["ip", "route", "add", "default", "via", "10.1.0.1"])
        b.add_addr(VIP + "/32", dev="lo")
        for key in ("arp_ignore=1", "arp_announce=2", "rp_filter=0"):
            for dev in ("all", "eth0", "eth1"):
                b.run(["sysctl", "-qw", "net.ipv4.conf.%s.%s" % (dev, key)])
        b.run(["ip", "rule", "add", "from", VIP, "lookup", "100", "pref", "100"])
        b.run(["ip", "route", "add", "192.0.2.0/24", "dev", "eth0", "src", VIP,
               "table", "100"])
        b.popen([lbperf, "serve", str(PORT)], label="lbperf on %s" % b.name)
        backends.append(b)
    for b in backends:
        vipnet.wait_until(lambda b=b: ":%d" % PORT in b.run(["ss", "-Hltn"]).stdout,
                          5.0, "%s to listen" % b.name)
    threaded_napi(topo.sw_run, ("p-lb1", "lb1-eth1"))
    before = napi_threads()
    threaded_napi(lb1.run, ("eth0", "eth1"))
    mine = {pid: comm for pid, comm in napi_threads().items()
            if pid not in before and comm.startswith(("napi/eth0-", "napi/eth1-"))}
    if len(mine) != 2:
        raise RuntimeError("expected 2 new napi threads for lb1, found %r" % mine)
    topo.snapshot()
    return node, client, mine


def vipd_config(node, dr):
    extra = {"forwarding": "dr", "interface": "eth1"} if dr else {}
    services = [dict({"name": "bench-" + proto, "address": VIP, "port": PORT,
                      "protocol": proto, "scheduler": "mh",
                      "backends": [{"address": ip, "port": PORT} for ip in BACKENDS]},
                     **extra)
                for proto in ("tcp", "udp")]
    return node.config_text() + vipnet.libconfig_text({"virtual_services": services})


def vipd_test(node):
    """None if vipd accepts node's config, else its first error line."""
    r = node.host.run([node.topo.vipd_bin, "-t", "-f", node.conf_path], check=False)
    if r.returncode == 0:
        return None
    lines = (r.stderr + r.stdout).strip().splitlines()
    first = lines[0] if lines else "exit %d" % r.returncode
    return first.replace(node.conf_path, "vipd.conf")


HAPROXY_CFG = """\
# written by tests/bench/balancer.py
global
    maxconn 8000
    pidfile {run}/haproxy.pid
    stats socket {run}/haproxy.sock mode 600 level admin

defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend bench
    bind {vip}:{port}
    default_backend bench

backend bench
    balance roundrobin
{servers}
"""


class Impl:
    """One way through lb1: start(), pid (the process whose CPU counts, or
    None), tcp/udp targets, stop()."""

    def __init__(self, name, topo, node):
        self.name, self.topo, self.node = name, topo, node
        self.proc = None
        self.haproxy_pid = None
        self.unavailable = None
        self.tcp = ["%s:%d" % (VIP, PORT)]
        self.udp = list(self.tcp)
        self.run_dir = os.path.join(topo.workdir, name)
        os.makedirs(self.run_dir, exist_ok=True)
        if name == "plain":
            self.tcp = self.udp = ["%s:%d" % (ip, PORT) for ip in BACKENDS]
        elif name.startswith("vipd-"):
            self.vipd = vipnet.VipdNode(topo, node.host, node.instances,
                                        run_dir=os.path.join(name, "vipd"))
            self.vipd.write_config(vipd_config(self.vipd, dr=name == "vipd-dr"))
            topo.nodes.append(self.vipd)
            err = vipd_test(self.vipd)
            if err:
                self.unavailable = "vipd -t: %s" % err
        elif name == "haproxy":
            self.udp = None
            if not os.access(HAPROXY_BIN, os.X_OK):
                self.unavailable = "%s is not installed" % HAPROXY_BIN
            self.cfg = os.path.join(self.run_dir, "haproxy.cfg")
            with open(self.cfg, "w") as f:
                f.write(HAPROXY_CFG.format(
                    run=self.run_dir, vip=VIP, port=PORT,
                    servers="\n".join("    server b%d %s:%d" % (i + 1, ip, PORT)
                                      for i, ip in enumerate(BACKENDS))))

    @property
    def pid(self):
        if self.name == "haproxy":
            return self.haproxy_pid
        return self.proc.pid if self.proc else None

    def start(self):
        if self.name.startswith("vipd-"):
            self.vipd.start()
            self.vipd.wait_state("MASTER", timeout=15.0)
            self.proc = self.vipd.proc
        elif self.name == "haproxy":
            self.node.host.add_addr(VIP + "/32")
            pidfile = os.path.join(self.run_dir, "haproxy.pid")
            if os.path.exists(pidfile):
                os.unlink(pidfile)
            # -D: haproxy daemonizes and writes its pidfile; the parent
            # exits once the listener is bound.
            parent = self.node.host.popen(
                [HAPROXY_BIN, "-D", "-f", self.cfg],
                log_name=os.path.join(self.name, "haproxy.log"), label="haproxy")
            if parent.wait(15.0) != 0:
                raise RuntimeError("haproxy did not start:\n%s" % parent.log_text())
            with open(pidfile) as f:
                self.haproxy_pid = int(f.read().split()[0])

    def stop(self):
        if self.name == "haproxy" and self.haproxy_pid:
            stop_pid(self.haproxy_pid, "haproxy")
            self.haproxy_pid = None
        if self.proc is not None:
            self.proc.stop(timeout=10.0)
            if self.proc.alive():
                raise RuntimeError("%s did not stop" % self.name)
        self.proc = None
        self.topo.reset([])


def stop_pid(pid, what, timeout=10.0):
    """SIGTERM a daemon we started (not our child: it forked), then wait
    until it is gone; SIGKILL after timeout."""
    def gone():
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True
    for sig, wait_s in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + wait_s
        while time.monotonic() < end:
            if gone():
                return
            time.sleep(0.05)
    raise RuntimeError("%s (pid %d) did not stop" % (what, pid))


def stat_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])       # utime, stime


class NodeCpu:
    def __init__(self, napi):
        self.napi = napi

    def ticks(self, pid):
        total = 0
        for tid, comm in self.napi.items():
            with open("/proc/%d/comm" % tid) as f:
                if f.read().strip() != comm:
                    raise RuntimeError("lb1's NAPI thread %d (%s) went away" % (tid, comm))
            total += stat_ticks(tid)
        return total + (stat_ticks(pid) if pid else 0)


def load(client, lbperf, mode, seconds, concurrency, targets):
    out = client.run([lbperf, mode, str(seconds), str(concurrency)] + targets,
                     timeout=seconds + 30).stdout
    return json.loads(out)


def wait_serving(client, lbperf, impl, deadline_s=15.0):
    """Until a short TCP load through impl completes a connection."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if load(client, lbperf, "tcp", 1, 2, impl.tcp)["done"] > 0:
            return
    raise RuntimeError("%s served no connection within %.0f s" % (impl.name, deadline_s))


def measure(client, lbperf, cpu, impl, mode, seconds, concurrency):
    targets = impl.tcp if mode == "tcp" else impl.udp
    t0 = cpu.ticks(impl.pid)
    r = load(client, lbperf, mode, seconds, concurrency, targets)
    used_ms = (cpu.ticks(impl.pid) - t0) * 1000.0 / CLK_TCK
    return {"rate": r["rate"], "done": r["done"], "p99_ms": r["p99_us"] / 1000.0,
            "p50_ms": r["p50_us"] / 1000.0, "errors": r["errors"],
            "cpu_ms": used_ms,
            "cpu_ms_per_1k": used_ms * 1000.0 / r["done"] if r["done"] else None}


def one_run(client, lbperf, cpu, impl, args):
    impl.start()
    try:
        wait_serving(client, lbperf, impl)
        row = {"impl": impl.name,
               "tcp": measure(client, lbperf, cpu, impl, "tcp", args.seconds,
                              args.concurrency)}
        if impl.udp:
            row["udp"] = measure(client, lbperf, cpu, impl, "udp", args.seconds,
                                 args.concurrency)
    finally:
        impl.stop()
    return row


def fmt_row(run, row):
    t = row["tcp"]
    text = "run %d %-9s tcp %7.0f conn/s p99 %6.2f ms cpu %5.1f ms/1k" % (
        run + 1, row["impl"], t["rate"], t["p99_ms"], t["cpu_ms_per_1k"] or 0)
    if "udp" in row:
        u = row["udp"]
        text += " | udp %7.0f exch/s p99 %6.2f ms cpu %5.2f ms/1k" % (
            u["rate"], u["p99_ms"], u["cpu_ms_per_1k"] or 0)
    errs = {k: v for m in ("tcp", "udp") if m in row
            for k, v in row[m]["errors"].items() if v}
    return text + ("  errors: %s" % errs if errs else "")


def summarize(results, impls):
    stats = {}
    for impl in impls:
        rows = [r for r in results if r["impl"] == impl]
        s = {}
        for key in FIGURES:
            mode, fig = key.split("_", 1)
            src = {"cps": "rate", "pps": "rate"}.get(fig, fig)
            vals = [r[mode][src] for r in rows if mode in r and r[mode][src] is not None]
            s[key] = summary(vals)
        stats[impl] = s
    ratios = {}
    for impl in impls:
        ratios[impl] = {}
        for key in FIGURES:
            a, b = stats[impl].get(key), stats["plain"].get(key)
            ratios[impl][key] = (a["median"] / b["median"]
                                 if a and b and b["median"] else None)
    return stats, ratios


def print_table(stats, ratios, impls, unavailable):
    labels = {"tcp_cps": ("connections/s", "%.0f"), "tcp_p99_ms": ("tcp p99 ms", "%.2f"),
              "tcp_cpu_ms_per_1k": ("tcp node CPU ms/1k", "%.1f"),
              "udp_pps": ("udp exchanges/s", "%.0f"), "udp_p99_ms": ("udp p99 ms", "%.2f"),
              "udp_cpu_ms_per_1k": ("udp node CPU ms/1k", "%.2f")}
    print("%-20s" % "figure" + "".join("%-30s" % i for i in impls))
    for key in FIGURES:
        label, fmt = labels[key]
        cells = []
        for impl in impls:
            s = stats[impl].get(key)
            if not s:
                cells.append("n/a")
                continue
            cell = " / ".join(fmt % s[k] for k in ("min", "median", "max"))
            if impl != "plain" and ratios[impl][key] is not None:
                cell += " (%.2f)" % ratios[impl][key]
            cells.append(cell)
        print("%-20s" % label + "".join("%-30s" % c for c in cells))
    for impl, why in unavailable.items():
        print("%s: not available (%s)" % (impl, why))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--impls", default=",".join(IMPLS))
    ap.add_argument("--smoke", action="store_true",
                    help="one 1 s run each; fail unless each one served")
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.smoke:
        args.runs, args.seconds = 1, 1
    if not os.environ.get("VIPD_BIN"):
        sys.exit("set VIPD_BIN")
    wanted = [i for i in args.impls.split(",") if i]
    if "plain" not in wanted or any(i not in IMPLS for i in wanted):
        sys.exit("--impls: a list of %s, with plain (the reference)" % ",".join(IMPLS))
    results, unavailable = [], {}
    with tempfile.TemporaryDirectory(prefix="vipd-bench-lb-") as work:
        topo = vipnet.Topology(work)
        try:
            lbperf = build_lbperf(work)
            node, client, napi = build(topo, lbperf)
            cpu = NodeCpu(napi)
            impls = [Impl(name, topo, node) for name in wanted]
            for impl in impls:
                if impl.unavailable:
                    unavailable[impl.name] = impl.unavailable
                    print("%s: not available (%s)" % (impl.name, impl.unavailable),
                          flush=True)
            live = [i for i in impls if not i.unavailable]
            for run in range(args.runs):
                for impl in (live if run % 2 == 0 else live[::-1]):
                    row = one_run(client, lbperf, cpu, impl, args)
                    row["run"] = run + 1
                    results.append(row)
                    print(fmt_row(run, row), flush=True)
        except subprocess.CalledProcessError as err:
            sys.exit("%s\n%s" % (err, err.stderr))
        finally:
            topo.close()
    measured = [i for i in wanted if i not in unavailable]
    stats, ratios = summarize(results, measured)
    print()
    print("new TCP connection per request and UDP request/answer, %d at a time, "
          "%d s; min / median / max over %d runs (ratio of medians over plain)"
          % (args.concurrency, args.seconds, args.runs))
    print_table(stats, ratios, measured, unavailable)
    doc = {"bench": "balancer", "runs": args.runs, "seconds": args.seconds,
           "concurrency": args.concurrency, "impls": measured,
           "unavailable": unavailable, "cpu_method": CPU_METHOD,
           "summary": stats, "ratio_over_plain": ratios, "results": results}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**benchmeta.run_meta(), **doc}, f, indent=2)
    if args.smoke:
        idle = [r["impl"] + " " + m for r in results for m in ("tcp", "udp")
                if m in r and r[m]["done"] == 0]
        if idle or not results:
            sys.exit("smoke: served nothing: %s" % ", ".join(idle or ["no run"]))
        print("smoke: every available implementation served requests")


if __name__ == "__main__":
    main()
