#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Check scale: 1000 backends health-checked every second (tcp, http, udp,
dns, smtp, ping), vipd against keepalived's checker (virtual_server /
real_server with TCP_CHECK, HTTP_GET, UDP_CHECK, DNS_CHECK, SMTP_CHECK,
PING_CHECK, same interval and timeout), in one run.

Topology (tests/lib/vipnet.py): the checking node lb1 (192.0.2.1) and one
backend namespace be (10 addresses 192.0.2.11..20 on eth0) on br0. The
backends are 10 addresses x 100 ports (10000..10099), 1000 listening
sockets of one asyncio server (this file, `serve`) that answers a GET with
"HTTP/1.0 200 OK" and closes; the same process answers SMTP on ports
11000..11099 (220 banner, 250 to EHLO/HELO, 221 to QUIT), echoes UDP
datagrams on 10000..10099 and answers DNS queries on UDP 12000..12099
(NOERROR, the question copied, no records). A ping check probes the
backend's address (the port plays no part). Both daemons get the same 20 services of 50
backends (vipd allows 64 backends per service), VIP 192.0.2.100, ports
8000..8019, check interval 1000 ms, timeout 500 ms.

Start-up: the time from starting the daemon until it holds every backend
up (vipd: its dump; keepalived: its log, "... succeed on service"). Then,
--warmup-s later, for --duration seconds:
  CPU      utime + stime of every process of the daemon (keepalived's
           parent and its checker child) over the window, in % of one core;
  RSS      VmRSS of those processes at the end, KiB;
  jitter   tcpdump in the backend namespace records every SYN, or every
           datagram of a udp/dns check (kernel
           timestamps, so the server's own delays do not count); per
           backend, the intervals between consecutive probes minus the
           configured 1000 ms, as absolute values; p50 / p99 / max over all
           intervals of all backends, in ms. A missed probe shows as +1000.
           Intervals of 1.5 s or more are also counted as missed probes.
           Ping probes cannot be told apart per backend (100 backends share
           an address): no jitter, only probes/backend/s.
  coverage how many of the 1000 backends were probed at all, the mean
           number of probes per backend per second, and how many backends
           the daemon holds up at the end (vipd: its dump; keepalived: its
           last log line on each real server).

vipd and keepalived run in alternation, --runs times each, on one
topology built once (the same backend sockets for every run); min /
median / max and the vipd/keepalived ratio of medians are printed and
written to --json. The machine is shared: figures are noisy, the ratios
from one run are what counts.

keepalived and IPVS: this kernel has no ip_vs module, and keepalived's
checker does not check without it: it logs "IPVS: Can't initialize ipvs: No
such file or directory" and exits ("exited with permanent error FATAL").
So keepalived runs with tests/bench/fake_ipvs.c preloaded, a shim that
answers its IPVS [gs]etsockopt calls as an empty IPVS would; the checks are
keepalived's own, only its IPVS updates (at start and on a health change)
are skipped. --no-fake-ipvs runs it as it is, and the output then says why
its figures are missing.

    make bench-checks                    (1 run, 10 s; part of make bench)
    make bench-checks BENCH_CHECK_RUNS=3 BENCH_IDLE_S=30   (README figures)
    tests/bench/checks.py --runs 1 --duration 10
"""

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import statistics
import struct
import sys
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchmeta  # noqa: E402
import vipnet  # noqa: E402
from failover import summary  # noqa: E402
from scale import cpu_seconds, rss_kib  # noqa: E402

LB_IP = "192.0.2.1"
VIP = vipnet.DEFAULT_VIP
ADDRS = ["192.0.2.%d" % (11 + i) for i in range(10)]
PORT_BASE = 10000
SERVICE_PORT_BASE = 8000
PER_SERVICE = 50
INTERVAL_MS = 1000
TIMEOUT_MS = 500
ANSWER = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
          b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n")
SMTP_OFFSET = 1000          # smtp on PORT_BASE + 1000 + i
DNS_OFFSET = 2000           # dns on UDP PORT_BASE + 2000 + i
UDP_PAYLOAD = b"ping"
DNS_NAME = "example.test"
KINDS = ("tcp", "http", "udp", "dns", "smtp", "ping")


# ---- the backends: one asyncio server, many listening sockets -------------

async def _answer(reader, writer):
    """A tcp check connects and closes; an http check sends a GET."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0)
        if head:
            writer.write(ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError,
            asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def _smtp(reader, writer):
    """A 220 banner, 250 to EHLO or HELO, 221 to QUIT."""
    try:
        writer.write(b"220 be.test ESMTP bench\r\n")
        while True:
            line = await asyncio.wait_for(reader.readline(), 2.0)
            verb = line[:4].upper()
            if not line or verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            writer.write(b"250 be.test\r\n" if verb in (b"EHLO", b"HELO")
                         else b"500 what\r\n")
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError,
            asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


class _Udp(asyncio.DatagramProtocol):
    """Echo (udp checks) or a NOERROR answer without records (dns)."""

    def __init__(self, dns):
        self.dns = dns

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if not self.dns:
            self.transport.sendto(data, addr)
        elif len(data) >= 12:
            # id, QR + RD, RA, NOERROR, the question(s) copied, no records
            self.transport.sendto(data[:2] + bytes([0x80 | (data[2] & 1),
                                                    0x80]) + data[4:6] +
                                  b"\0\0\0\0\0\0" + data[12:], addr)


async def _serve(addrs, ports, ready_path):
    servers = []
    loop = asyncio.get_running_loop()
    for a in addrs:
        for p in ports:
            servers.append(await asyncio.start_server(_answer, a, p, backlog=64))
            servers.append(await asyncio.start_server(
                _smtp, a, p + SMTP_OFFSET, backlog=64))
            for port, dns in ((p, False), (p + DNS_OFFSET, True)):
                servers.append(await loop.create_datagram_endpoint(
                    lambda dns=dns: _Udp(dns), local_addr=(a, port)))
    with open(ready_path, "w") as f:
        f.write("%d\n" % len(servers))
    await asyncio.Event().wait()


def serve_main(argv):
    ap = argparse.ArgumentParser(prog="checks.py serve")
    ap.add_argument("--addrs", required=True)
    ap.add_argument("--ports", required=True, help="FIRST-LAST")
    ap.add_argument("--ready", required=True, help="written once listening")
    args = ap.parse_args(argv)
    first, last = (int(x) for x in args.ports.split("-"))
    # four sockets per backend
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_serve(args.addrs.split(","), range(first, last + 1), args.ready))


# ---- topology and daemons ---------------------------------------------------

def backends(count):
    """[(address, port)] of count backends, address-major."""
    per_addr = -(-count // len(ADDRS))
    return [(a, PORT_BASE + p) for a in ADDRS for p in range(per_addr)][:count]


def groups(rows):
    return [rows[i:i + PER_SERVICE] for i in range(0, len(rows), PER_SERVICE)]


def vipd_check(kind, port):
    check = {"type": kind, "interval_ms": INTERVAL_MS, "timeout_ms": TIMEOUT_MS}
    if kind == "udp":
        check.update(payload=UDP_PAYLOAD.decode(),
                     expect_reply=UDP_PAYLOAD.decode())
    elif kind == "dns":
        check.update(port=port + DNS_OFFSET, query_name=DNS_NAME,
                     query_type="A")
    elif kind == "smtp":
        check.update(port=port + SMTP_OFFSET)
    return check


def vipd_services(rows, kind):
    return [{"name": "s%d" % k, "address": VIP, "port": SERVICE_PORT_BASE + k,
             "scheduler": "rr",
             "backends": [{"address": a, "port": p,
                           "check": vipd_check(kind, p)}
                          for a, p in group]}
            for k, group in enumerate(groups(rows))]


def keepalived_check(kind, port, timeout):
    """The same check in keepalived's words."""
    if kind == "tcp":
        return "TCP_CHECK {\n connect_timeout %s\n}" % timeout
    if kind == "http":
        return ("HTTP_GET {\n url {\n path /\n status_code 200\n }\n"
                " connect_timeout %s\n}" % timeout)
    if kind == "udp":
        hexp = UDP_PAYLOAD.hex()
        return ("UDP_CHECK {\n connect_timeout %s\n payload %s\n"
                " require_reply %s\n}" % (timeout, hexp, hexp))
    if kind == "dns":
        return ("DNS_CHECK {\n connect_port %d\n connect_timeout %s\n"
                " type A\n name %s\n}" % (port + DNS_OFFSET, timeout,
                                             DNS_NAME))
    if kind == "smtp":
        return ("SMTP_CHECK {\n connect_port %d\n connect_timeout %s\n"
                " helo_name lb1.test\n}" % (port + SMTP_OFFSET, timeout))
    return "PING_CHECK {\n connect_timeout %s\n}" % timeout


class KeepalivedChecker(vipnet.KeepalivedNode):
    """keepalived's checker alone (-C): virtual_server / real_server."""

    def __init__(self, topo, host, rows, kind, preload=None, run_dir=None):
        super().__init__(topo, host, run_dir=run_dir)
        self.rows, self.kind, self.preload = rows, kind, preload

    def config_text(self):
        timeout = "%g" % (TIMEOUT_MS / 1000.0)
        parts = ["global_defs {\n    router_id %s\n}\n" % self.host.name]
        for k, group in enumerate(groups(self.rows)):
            # DNS_CHECK logs nothing when a check passes: with alpha the
            # real servers start down and "Adding service" says when
            # each is up.
            parts.append("virtual_server %s %d {\n    delay_loop %g\n"
                         "    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n%s"
                         % (VIP, SERVICE_PORT_BASE + k, INTERVAL_MS / 1000.0,
                            "    alpha\n" if self.kind == "dns" else ""))
            for a, p in group:
                parts.append("    real_server %s %d {\n        weight 1\n%s\n"
                             "    }\n" % (a, p, keepalived_check(
                                 self.kind, p, timeout)))
            parts.append("}\n")
        return "".join(parts)

    def start(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        self.check_pid_path = os.path.join(self.dir, "keepalived-check.pid")
        # the child that KeepalivedNode.kill() also SIGKILLs: the checker
        self.vrrp_pid_path = self.check_pid_path
        # -C: the checker only; -n -l -D -G: foreground, console log. env
        # execs keepalived: the pid stays keepalived's.
        env = ["env", "LD_PRELOAD=" + self.preload] if self.preload else []
        self.proc = self.host.popen(
            env + [vipnet.KEEPALIVED_BIN, "-n", "-l", "-D", "-G", "-C",
             "-f", self.conf_path,
             "-p", os.path.join(self.dir, "keepalived.pid"),
             "-c", self.check_pid_path],
            log_name=os.path.relpath(self.log_path, self.topo.workdir),
            label="keepalived on %s" % self.host.name)
        return self

    def checker_pid(self):
        try:
            with open(self.check_pid_path) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def pids(self):
        child = self.checker_pid()
        return [self.proc.pid] + ([child] if child else [])


def build_topology(workdir, rows):
    """The backend namespace with its server and the checking node's host,
    built once: every run checks the same listening sockets."""
    topo = vipnet.Topology(os.path.join(workdir, "topology"))
    try:
        be = topo.add_host("be", ADDRS[0])
        for a in ADDRS[1:]:
            be.add_addr("%s/%d" % (a, vipnet.LAN_PREFIX_LEN))
        topo.add_host("lb1", LB_IP)
        topo.snapshot()
        ready = os.path.join(topo.workdir, "serve.ready")
        be.popen([vipnet.PYTHON, os.path.abspath(__file__), "serve",
                  "--addrs", ",".join(sorted(set(a for a, _ in rows))),
                  "--ports", "%d-%d" % (PORT_BASE, max(p for _, p in rows)),
                  "--ready", ready], label="backends")
        vipnet.wait_until(lambda: os.path.exists(ready), 60.0,
                          "the backends to listen", interval=0.2)
    except BaseException:
        topo.close()
        raise
    return topo


def make_node(topo, impl, kind, rows, preload, run_dir):
    host = topo.hosts["lb1"]
    if impl == "vipd":
        node = vipnet.VipdNode(topo, host, [vipnet.vipd_instance(
            priority=150, advert_interval_ms=1000)], run_dir=run_dir)
        node.sections["virtual_services"] = vipd_services(rows, kind)
    else:
        node = KeepalivedChecker(topo, host, rows, kind, preload, run_dir=run_dir)
    topo.nodes.append(node)
    return node


IPVS_NOTE = ("no ip_vs module here; its checker exits without it, so it ran "
             "with tests/bench/fake_ipvs.c preloaded (its IPVS calls answered "
             "as by an empty IPVS; its checks are its own)")


def build_shim(workdir):
    """tests/bench/fake_ipvs.c as a shared object in workdir."""
    so = os.path.join(workdir, "fake_ipvs.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-o", so,
                    os.path.join(HERE, "fake_ipvs.c"), "-ldl"], check=True)
    return so


def daemon_pids(node):
    return [node.pid] if isinstance(node, vipnet.VipdNode) else node.pids()


# ---- probe times from a capture --------------------------------------------

CAPTURE = {
    "tcp": "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "http": "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "smtp": "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "udp": "udp and dst portrange %d-%d" % (PORT_BASE, PORT_BASE + 999),
    "dns": "udp and dst portrange %d-%d" % (PORT_BASE + DNS_OFFSET,
                                            PORT_BASE + DNS_OFFSET + 999),
    "ping": "icmp[icmptype] == icmp-echo",
}


def read_syns(path):
    """[(time s, dst address, dst port, key)] of the probes in a pcap
    written by tcpdump (Ethernet frames, IPv4): the SYNs of stream checks
    (key: source port and sequence number, the same for a retransmission),
    the datagrams of udp and dns checks (key: unique, nothing is
    retransmitted), the echo requests of ping checks (port 0)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 + 4 or pkt[12:14] != b"\x08\x00":
            continue
        ihl = (pkt[14] & 0x0f) * 4
        l4, proto = 14 + ihl, pkt[23]
        dst = ".".join(str(b) for b in pkt[30:34])
        t = sec + frac / (1e9 if nano else 1e6)
        if proto == 6:
            sport, dport, seq = struct.unpack("!HHI", pkt[l4:l4 + 8])
            out.append((t, dst, dport, (sport, seq)))
        elif proto == 17:
            sport, dport = struct.unpack("!HH", pkt[l4:l4 + 4])
            out.append((t, dst, dport, (sport, off)))
        elif proto == 1:
            out.append((t, dst, 0, (pkt[l4 + 4:l4 + 8], off)))
    return out


def jitter(syns, t0, t1):
    """Per backend intervals between probes inside [t0, t1], minus the
    interval; returns (signed deviations in ms, probes per backend)."""
    seen, probes = set(), {}
    for t, dst, dport, conn in sorted(syns):
        # A retransmitted SYN repeats the source port and the initial
        # sequence number: not a new probe. (The source port alone is
        # reused: when the backend closes first, its TIME_WAIT does not
        # keep the checker from taking the same port again.)
        if (dst, dport, conn) in seen or not t0 <= t <= t1:
            continue
        seen.add((dst, dport, conn))
        probes.setdefault((dst, dport), []).append(t)
    devs = []
    for times in probes.values():
        devs += [(b - a) * 1000.0 - INTERVAL_MS for a, b in zip(times, times[1:])]
    return devs, probes


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100.0 * (len(s) - 1))))]


# ---- one run ------------------------------------------------------------------

KA_RESULT = re.compile(r"\[([0-9.]+)\]:tcp:(\d+) (succe|fail|timeout)|"
                       r"(Add|Enabl|Remov|Disabl)ing service \[([0-9.]+)\]:"
                       r"tcp:(\d+)")


def backends_up(node):
    """Backends the daemon holds healthy: vipd's dump; keepalived's last
    word on each real server in its log ("... succeed on service",
    "TCP connection to ... success", "... failed")."""
    if isinstance(node, vipnet.VipdNode):
        return sum(1 for s in node.dump()["virtual_services"]
                   for b in s["backends"] if b["health"] == "up")
    last = {}
    for m in KA_RESULT.finditer(node.log_text()):
        if m.group(1):
            last[(m.group(1), m.group(2))] = m.group(3) == "succe"
        else:             # DNS_CHECK says only this
            last[(m.group(5), m.group(6))] = m.group(4) in ("Add", "Enabl")
    return sum(1 for ok in last.values() if ok)


def why_not_checking(node):
    """None while keepalived's checker runs, else what its log says."""
    if node.proc.alive() and node.checker_pid() is not None:
        return None
    lines = [ln for ln in node.log_text().splitlines()
             if "IPVS" in ln or "rror" in ln or "xit" in ln]
    return "keepalived's checker is not running: " + (
        " | ".join(lines[-4:]) if lines else "no reason in its log")


def wait_all_up(node, impl, count):
    """Until the daemon holds every backend up (keepalived: or raises why
    its checker is not running)."""
    def all_up():
        if impl != "vipd" and why_not_checking(node):
            raise RuntimeError(why_not_checking(node))
        try:
            return backends_up(node) == count
        except AssertionError:            # no dump in time: the loop is busy
            return False
    vipnet.wait_until(all_up, 180.0, "every backend to be up", interval=0.5)


def one_run(topo, impl, kind, count, warmup_s, duration_s, preload, run_dir):
    rows = backends(count)
    be = topo.hosts["be"]
    node = make_node(topo, impl, kind, rows, preload, run_dir)
    dump = None
    try:
        started = time.monotonic()
        node.start()
        if impl != "vipd":
            vipnet.wait_until(lambda: node.checker_pid() is not None or
                              not node.proc.alive(), 20.0,
                              "keepalived's checker to start")
        wait_all_up(node, impl, count)
        settle_s = time.monotonic() - started
        time.sleep(warmup_s)              # the start-up work is over
        pcap = os.path.join(node.dir, "syn.pcap")
        dump = be.popen(["tcpdump", "-i", "eth0", "-n", "-B", "8192", "-U",
                         "-w", pcap, CAPTURE[kind]], label="tcpdump")
        vipnet.wait_until(lambda: "listening on" in dump.log_text(), 10.0,
                          "tcpdump to listen")
        pids = daemon_pids(node)
        cpu0, t0, w0 = cpu_seconds(pids), time.monotonic(), time.time()
        time.sleep(duration_s)
        cpu1, t1, w1 = cpu_seconds(pids), time.monotonic(), time.time()
        rss = rss_kib(pids)
        dump.signal(signal.SIGINT)
        dump.wait(10.0)
        if impl != "vipd" and why_not_checking(node):
            raise RuntimeError(why_not_checking(node))
        dropped = re.search(r"(\d+) packets? dropped by kernel", dump.log_text())
        signed, probes = jitter(read_syns(pcap), w0, w1)
        if not signed:
            raise RuntimeError("no backend was probed twice in the window")
        devs = [abs(d) for d in signed]
        result = {"cpu_pct": 100.0 * (cpu1 - cpu0) / (t1 - t0),
                  "rss_kib": float(rss),
                  "probes_per_backend_s": sum(len(v) for v in probes.values())
                  / float(count) / (w1 - w0)}
        if kind != "ping":        # per address, not per backend: no jitter
            result.update({
                "jitter_p50_ms": statistics.median(devs),
                "jitter_p99_ms": percentile(devs, 99),
                "jitter_max_ms": max(devs),
                # an interval of 1.5 x or more: a probe did not happen
                "missed_probes": float(sum(1 for d in signed
                                           if d >= INTERVAL_MS / 2.0)),
                "backends_probed": float(len(probes))})
        result["backends_up"] = float(backends_up(node))
        result["settle_s"] = settle_s
        # SYNs the capture lost would read as missed probes.
        result["capture_dropped"] = float(dropped.group(1)) if dropped else -1.0
        return result
    finally:
        if dump is not None and dump.alive():
            dump.stop()
        topo.reset([node])
        # the backend host keeps its server and addresses: nothing to undo


METRICS = [("cpu_pct", "CPU % of a core", "%.2f"),
           ("rss_kib", "RSS KiB", "%.0f"),
           ("jitter_p50_ms", "jitter p50 ms", "%.2f"),
           ("jitter_p99_ms", "jitter p99 ms", "%.2f"),
           ("jitter_max_ms", "jitter max ms", "%.2f"),
           ("missed_probes", "missed probes", "%.0f"),
           ("backends_up", "backends up", "%.0f"),
           ("capture_dropped", "SYNs tcpdump lost", "%.0f"),
           ("settle_s", "all up after s", "%.1f"),
           ("backends_probed", "backends probed", "%.0f"),
           ("probes_per_backend_s", "probes/backend/s", "%.3f")]


def report(results, impls, args):
    print()
    print("%d backends, checks every %d ms (timeout %d ms), %.0f s window, "
          "min / median / max over %d runs (noisy: shared 2-core machine; "
          "the ratio is what counts)" % (args.backends, INTERVAL_MS, TIMEOUT_MS,
                                         args.duration, args.runs))
    print("%-5s %-18s " % ("check", "figure") +
          " ".join("%-30s" % impl for impl in impls) + " vipd/keepalived")
    for row in results:
        for m, label, fmt in METRICS:
            cells = []
            for impl in impls:
                s = row[impl].get(m)
                cells.append("%-30s" % (" / ".join([fmt] * 3) % (
                    s["min"], s["median"], s["max"]) if s else "n/a"))
            ratio = row.get("ratio_" + m)
            print("%-5s %-18s " % (row["check"], label) + " ".join(cells) +
                  (" %.2f" % ratio if ratio is not None else " n/a"))
        for impl in impls:
            for err in sorted(set(row.get(impl + "_errors", []))):
                print("      %s not measured: %s" % (impl, err))


def run_all(topo, workdir, impls, args, results):
    """Per check kind, args.runs runs of each implementation in
    alternation on the one topology; a row of figures each."""
    preload = None if args.no_fake_ipvs else build_shim(workdir)
    for kind in args.kinds.split(","):
        runs = {impl: [] for impl in impls}
        errors = {impl: [] for impl in impls}
        for run in range(args.runs):
            for impl in (impls if run % 2 == 0 else list(reversed(impls))):
                try:
                    r = one_run(topo, impl, kind, args.backends,
                                args.warmup_s, args.duration, preload,
                                "run%d-%s-%s" % (run + 1, impl, kind))
                    runs[impl].append(r)
                    print("  %-10s %-4s run %d: %s" % (
                        impl, kind, run + 1, ", ".join(
                            "%s %.2f" % (k, v) for k, v in r.items())),
                          flush=True)
                except Exception as err:   # a figure says why it is missing
                    errors[impl].append(str(err))
                    print("  %-10s %-4s run %d: FAILED: %s"
                          % (impl, kind, run + 1, err), flush=True)
        row = {"check": kind, "backends": args.backends,
               "interval_ms": INTERVAL_MS, "timeout_ms": TIMEOUT_MS}
        for impl in impls:
            row[impl] = {m: summary([r[m] for r in runs[impl] if m in r])
                         for m, _, _ in METRICS}
            if errors[impl]:
                row[impl + "_errors"] = errors[impl]
        for m, _, _ in METRICS:
            v, k = row.get("vipd", {}).get(m), row.get("keepalived", {}).get(m)
            if v and k and k["median"]:
                row["ratio_" + m] = round(v["median"] / k["median"], 3)
        results.append(row)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=30.0,
                    help="measuring window, seconds")
    ap.add_argument("--warmup-s", type=float, default=3.0,
                    help="wait after every backend is up, seconds")
    ap.add_argument("--backends", type=int, default=1000)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--impls", default="vipd,keepalived")
    ap.add_argument("--json", default="build/bench-checks.json")
    ap.add_argument("--no-fake-ipvs", action="store_true",
                    help="run keepalived without tests/bench/fake_ipvs.c")
    args = ap.parse_args(argv)

    if os.geteuid() != 0:
        sys.exit("checks bench: needs root (network namespaces)")
    if not os.environ.get("VIPD_BIN"):
        sys.exit("checks bench: set VIPD_BIN (make bench does)")
    if not 1 <= args.backends <= len(ADDRS) * 1000:
        sys.exit("checks bench: --backends 1..%d" % (len(ADDRS) * 1000))
    impls = args.impls.split(",")
    if "keepalived" in impls and not os.path.exists(vipnet.KEEPALIVED_BIN):
        print("keepalived is not installed: its column is not measured")
        impls.remove("keepalived")

    results = []
    with tempfile.TemporaryDirectory(prefix="vipd-bench-") as workdir:
        topo = build_topology(workdir, backends(args.backends))
        try:
            run_all(topo, workdir, impls, args, results)
        finally:
            topo.close()
    report(results, impls, args)
    ipvs_note = IPVS_NOTE if not args.no_fake_ipvs else \
        "ran as it is (--no-fake-ipvs): no IPVS, see why above"
    if "keepalived" in impls:
        print("keepalived: " + ipvs_note)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({**benchmeta.run_meta(), "bench": "checks", "backends": args.backends,
                   "interval_ms": INTERVAL_MS, "timeout_ms": TIMEOUT_MS,
                   "duration_s": args.duration, "runs": args.runs,
                   "note": "shared 2-core machine: figures are noisy, ratios "
                   "of medians from one run are what counts",
                   "keepalived_ipvs": ipvs_note if "keepalived" in impls
                   else None, "results": results}, f, indent=2)
    print("\nwritten to %s" % args.json)
    return 1 if any(row.get(impl + "_errors") for row in results
                    for impl in impls) else 0


if __name__ == "__main__":
    sys.exit(main())
