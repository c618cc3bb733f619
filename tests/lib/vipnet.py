# SPDX-License-Identifier: GPL-2.0-or-later
"""
vipnet - throw-away networks of namespaces for vipd system tests and benchmarks.

A Topology is one Ethernet segment: a Linux bridge inside its own "switch"
namespace, and hosts (one namespace each) plugged into it with a veth pair whose
inner end is called eth0. Every name starts with a random prefix, so tests can
run next to each other and next to anything else on the machine; nothing is
created in the root namespace. close() kills every process started through the
topology (SIGTERM, then SIGKILL) and deletes every namespace, which also removes
every link in it.

On top of hosts run daemons: VipdNode (the daemon under test) and KeepalivedNode
(the reference peer). Both write their config and logs into a per-test work
directory, so a failing test can show them.

Everything here asserts with deadlines and polling, never with sleeps tuned to
one machine's speed.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time

LIB_DIR = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"      # Debian's, with scapy; not the pyenv one on PATH
KEEPALIVED_BIN = "/usr/sbin/keepalived"
LAN_PREFIX_LEN = 24
LAN6_PREFIX_LEN = 64              # IPv6 hosts (add_host(..., ipv6=...)): 2001:db8::/64
DEFAULT_VIP = "192.0.2.100"
VIPD_STOP_S = 10.0                # teardown's patience with a SIGTERMed vipd
# What AddressSanitizer, LeakSanitizer and UBSan print when they find
# something (make check's second pass runs an ASan+UBSan vipd).
SANITIZER_REPORT = re.compile(r"ERROR: (?:Address|Leak|UndefinedBehavior|Memory)"
                              r"Sanitizer|runtime error:")


# --------------------------------------------------------------------------
# small utilities

class CommandError(RuntimeError):
    pass


def run(cmd, check=True, timeout=30, input=None):
    """Run cmd (a list) in the current namespace; return CompletedProcess."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          input=input)
    if check and proc.returncode != 0:
        raise CommandError("%s: exit %d: %s" % (" ".join(cmd), proc.returncode,
                                                proc.stderr.strip()))
    return proc


def wait_until(predicate, timeout, what, interval=0.05):
    """Poll predicate until it returns something truthy; return that value.
    Raise AssertionError naming `what` when timeout seconds pass."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (CommandError, OSError, ValueError) as err:
            last_error = err
        if time.monotonic() >= deadline:
            detail = " (last error: %s)" % last_error if last_error else ""
            raise AssertionError("timed out after %.1f s waiting for %s%s"
                                 % (timeout, what, detail))
        time.sleep(interval)


def sanitizer_reports(text, context=6):
    """Excerpts of text (a daemon's log) around each sanitizer report: the
    line that names it and a few after (the first frames of its stack)."""
    lines = text.splitlines()
    excerpts, shown_to = [], -1
    for i, line in enumerate(lines):
        if i > shown_to and SANITIZER_REPORT.search(line):
            shown_to = i + context
            excerpts.append("\n".join(lines[i:shown_to + 1]))
    return excerpts


def hold_for(predicate, duration, what, interval=0.05):
    """Assert predicate stays truthy for duration seconds (polled)."""
    deadline = time.monotonic() + duration
    while True:
        if not predicate():
            raise AssertionError("no longer true: %s" % what)
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)


def _signals_ready(pid, signums):
    """True when pid blocks or catches every signal in signums: then sending
    one of them cannot kill it by its default action."""
    try:
        with open("/proc/%d/status" % pid) as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return False
    mask = int(fields["SigBlk"], 16) | int(fields["SigCgt"], 16)
    return all(mask & (1 << (s - 1)) for s in signums)


# --------------------------------------------------------------------------
# processes

class Process:
    """A process started in a namespace, with its output in a log file."""

    def __init__(self, popen, log_path, label):
        self.popen = popen
        self.log_path = log_path
        self.label = label
        # Teardown judges a daemon under test (VipdNode sets `checked`): its
        # log must hold no sanitizer report, and it must exit with one of
        # expected_codes unless the test SIGKILLed it (signals_sent).
        self.checked = False
        self.expected_codes = {0}
        self.signals_sent = set()
        self.stop_forced = False       # teardown had to SIGKILL it

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            self.signals_sent.add(sig)
            self.popen.send_signal(sig)

    def wait(self, timeout):
        """Wait for exit; return the exit code, or None on timeout."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=3.0):
        """SIGTERM, then SIGKILL if it has not gone after timeout seconds."""
        if not self.alive():
            return self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        code = self.wait(timeout)
        if code is None:
            self.stop_forced = True
            self.popen.kill()
            code = self.wait(timeout)
        return code

    def findings(self):
        """What teardown holds against a checked daemon's exit (when the
        test did not SIGKILL it), as lines of text; [] when it behaved.
        Topology.close() adds the sanitizer reports of its log."""
        if not self.checked:
            return []
        found = []
        code = self.popen.returncode
        if self.stop_forced:
            found.append("%s (pid %d) did not exit within %.0f s of SIGTERM"
                         % (self.label, self.pid, VIPD_STOP_S))
        elif code is not None and code not in self.expected_codes and \
                signal.SIGKILL not in self.signals_sent:
            found.append("%s (pid %d) exited with %s%s, not %s"
                         % (self.label, self.pid, code,
                            " (signal %d)" % -code if code < 0 else "",
                            " or ".join(str(c) for c in sorted(self.expected_codes))))
        return found

    def log_text(self):
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


# --------------------------------------------------------------------------
# the network

class Host:
    """One namespace on the segment, with eth0 plugged into the bridge."""

    def __init__(self, topo, name, ip):
        self.topo = topo
        self.name = name
        self.ns = "%s-%s" % (topo.prefix, name)
        self.ip = ip
        self.ifname = "eth0"
        self.port = "p-" + name          # the bridge end, in the switch namespace
        self.mac = None
        self.ip6 = None                  # global IPv6 address, when IPv6 is on

    # running things in the namespace

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def run(self, argv, check=True, timeout=30, input=None):
        return run(self.cmd(argv), check=check, timeout=timeout, input=input)

    def popen(self, argv, log_name=None, label=None, stdout=None):
        """Start argv in the namespace; remembered so teardown stops it.
        `ip netns exec` execs the command, so the pid is the command's own.
        Output goes to log_name in the work dir; if `stdout` (a file) is
        given, only stderr does."""
        log_path = os.path.join(self.topo.workdir, log_name or "%s-%d.log"
                                % (self.name, len(self.topo.procs)))
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(self.cmd(argv), stdin=subprocess.DEVNULL,
                                     stdout=stdout or log,
                                     stderr=log if stdout else subprocess.STDOUT,
                                     start_new_session=True)
        proc = Process(popen, log_path, label or "%s: %s" % (self.name, argv[0]))
        self.topo.procs.append(proc)
        return proc

    # addresses and links

    def addresses(self):
        """Every IPv4/IPv6 address in the namespace, as {ifname: [ip, ...]}."""
        out = self.run(["ip", "-j", "addr", "show"]).stdout
        result = {}
        for link in json.loads(out or "[]"):
            result[link["ifname"]] = [a["local"] for a in link.get("addr_info", [])]
        return result

    def has_addr(self, ip):
        return any(ip in addrs for addrs in self.addresses().values())

    def add_addr(self, cidr, dev="eth0"):
        self.run(["ip", "addr", "add", cidr, "dev", dev])

    def link_set(self, state, dev="eth0"):
        self.run(["ip", "link", "set", dev, state])

    def unplug(self):
        """Pull the cable at the switch: the host's eth0 loses carrier and
        nothing it sends reaches anyone (a dead box, seen from the network)."""
        self.topo.sw_run(["ip", "link", "set", self.port, "down"])

    def plug(self):
        self.topo.sw_run(["ip", "link", "set", self.port, "up"])

    def isolate(self, on=True):
        """Bridge port isolation: isolated hosts cannot hear each other
        (a split brain) but still reach every other host, and keep carrier."""
        self.topo.sw_run(["bridge", "link", "set", "dev", self.port, "isolated",
                          "on" if on else "off"])

    def attach(self, segment, cidr, dev):
        """Plug a second NIC `dev` (address cidr, e.g. "10.1.0.1/24") into
        `segment`, a bridge made by Topology.add_segment(). Its switch end
        is named after the host and the device, so it is unique."""
        port = "%s-%s" % (self.name, dev)
        assert len(port) <= 15, "host + device name too long for an interface"
        self.topo.sw_run(["ip", "link", "add", port, "type", "veth",
                          "peer", "name", dev, "netns", self.ns])
        self.topo.sw_run(["ip", "link", "set", port, "master", segment, "up"])
        self.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev],
                 check=False)
        if cidr:
            self.add_addr(cidr, dev=dev)
        self.link_set("up", dev=dev)
        return port

    def snapshot(self):
        """Remember the host as it is now (its links and addresses), for
        reset(): benchmarks build a topology once and run one daemon after
        the other on it."""
        self.base_links = self._links()

    def _links(self):
        out = self.run(["ip", "-j", "addr", "show"]).stdout
        return {link["ifname"]: set("%s/%s" % (a["local"], a["prefixlen"])
                                    for a in link.get("addr_info", []))
                for link in json.loads(out or "[]")}

    def reset(self):
        """Put the host back as snapshot() saw it, after a daemon ran on it
        (and maybe was SIGKILLed, or had its cables pulled): links it made
        (macvlans) deleted, addresses it left (VIPs) removed, every link and
        switch port up, vipd's nftables table and the conntrack table gone."""
        now = self._links()
        for ifname in set(now) - set(self.base_links):
            self.run(["ip", "link", "del", ifname], check=False)
        for ifname, addrs in self.base_links.items():
            for addr in now.get(ifname, set()) - addrs:
                self.run(["ip", "addr", "del", addr, "dev", ifname], check=False)
            self.link_set("up", dev=ifname)
        out = self.topo.sw_run(["ip", "-j", "link", "show"]).stdout
        for link in json.loads(out or "[]"):
            if link["ifname"] == self.port or link["ifname"].startswith(self.name + "-"):
                self.topo.sw_run(["ip", "link", "set", link["ifname"], "up"])
        self.run(["nft", "delete", "table", "inet", "vipd"], check=False)
        self.run(["conntrack", "-F"], check=False)
        self.run(["ip", "neigh", "flush", "all"], check=False)

    def link_local(self, dev="eth0"):
        """The link-local IPv6 address of dev (IPv6 hosts only)."""
        out = self.run(["ip", "-j", "-6", "addr", "show", "dev", dev,
                        "scope", "link"]).stdout
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                if a.get("local"):
                    return a["local"]
        return None

    def start_pinger(self, target, interval_ms=10, duration=None):
        return PingerRun(self, target, interval_ms, duration)

    def arp_owners(self, target, timeout=1.5, count=3):
        return arp_owners(self, target, timeout, count)

    def send_frames(self, frames, count=1, interval_ms=0):
        """Send raw Ethernet frames (bytes) out of eth0 with scapy."""
        argv = [PYTHON, os.path.join(LIB_DIR, "scapytool.py"), "send",
                "--iface", self.ifname, "--count", str(count),
                "--interval-ms", str(interval_ms)]
        for frame in frames:
            argv += ["--hex", bytes(frame).hex()]
        self.run(argv, timeout=60)


class Topology:
    """A bridge in a switch namespace plus hosts; close() removes it all."""

    def __init__(self, workdir, vipd_bin=None, ns_prefix="v"):
        self.workdir = str(workdir)
        self.vipd_bin = vipd_bin or os.environ.get("VIPD_BIN")
        self.prefix = self._fresh_prefix(ns_prefix)
        self.switch_ns = self.prefix + "-sw"
        self.hosts = {}
        self.nodes = []
        self.procs = []
        self.namespaces = []
        self.findings = []             # close(): what the daemons did wrong
        os.makedirs(self.workdir, exist_ok=True)
        try:
            self._add_ns(self.switch_ns)
            self.sw_run(["ip", "link", "add", "br0", "type", "bridge",
                         "forward_delay", "0", "stp_state", "0"])
            self.sw_run(["ip", "link", "set", "br0", "up"])
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _fresh_prefix(start="v"):
        """start (a test's own letters, "v" by default) and random hex."""
        existing = run(["ip", "netns", "list"]).stdout
        while True:
            prefix = start + secrets.token_hex(3)[:5]
            if prefix not in existing:
                return prefix

    def _add_ns(self, ns):
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # No IPv6 on the segment: no DAD, RS or MLD noise in captures and logs.
        for key in ("all", "default"):
            run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                 "net.ipv6.conf.%s.disable_ipv6=1" % key], check=False)

    def sw_run(self, argv, check=True):
        return run(["ip", "netns", "exec", self.switch_ns] + argv, check=check)

    def add_segment(self, name):
        """Another switch (bridge `name`, at most 15 characters, not "br0")
        in the switch namespace, for hosts with a second NIC (Host.attach):
        an internal side, a dedicated sync link."""
        self.sw_run(["ip", "link", "add", name, "type", "bridge",
                     "forward_delay", "0", "stp_state", "0"])
        self.sw_run(["ip", "link", "set", name, "up"])
        return name

    def add_host(self, name, ip, ipv6=None):
        """A new namespace `name` with eth0 = ip/24 on the segment. IPv6 is
        off unless `ipv6` gives eth0 a global address (ipv6/64); DAD is
        skipped for it and the link-local address, so that they serve at
        once, and back on for addresses added later (VIPs)."""
        assert name not in self.hosts, name
        assert len("p-" + name) <= 15, "host name too long for an interface"
        host = Host(self, name, ip)
        self._add_ns(host.ns)
        self.hosts[name] = host
        self.sw_run(["ip", "link", "add", host.port, "type", "veth",
                     "peer", "name", host.ifname, "netns", host.ns])
        self.sw_run(["ip", "link", "set", host.port, "master", "br0", "up"])
        if ipv6:
            for key in ("accept_dad=0", "disable_ipv6=0"):
                host.run(["sysctl", "-qw", "net.ipv6.conf.eth0." + key])
            host.add_addr("%s/%d" % (ipv6, LAN6_PREFIX_LEN))
            host.ip6 = ipv6
        else:
            host.run(["sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1"],
                     check=False)
        host.add_addr("%s/%d" % (ip, LAN_PREFIX_LEN))
        host.link_set("up")
        info = json.loads(host.run(["ip", "-j", "link", "show", "eth0"]).stdout)
        host.mac = info[0]["address"]
        if ipv6:
            wait_until(lambda: host.link_local() is not None, 5.0,
                       "a link-local address on %s" % name)
            # Addresses added from now on (VIPs) get DAD unless they ask
            # for none, as on a real host.
            host.run(["sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=1"])
        return host

    # daemons

    def add_vipd(self, name, ip, ipv6=None, **instance):
        """A host running vipd (not started yet) with one instance whose
        settings default to those of vipd_instance()."""
        host = self.add_host(name, ip, ipv6=ipv6)
        node = VipdNode(self, host, instances=[vipd_instance(**instance)])
        self.nodes.append(node)
        return node

    def add_keepalived(self, name, ip, ipv6=None, **instance):
        host = self.add_host(name, ip, ipv6=ipv6)
        node = KeepalivedNode(self, host, **instance)
        self.nodes.append(node)
        return node

    # one topology, many runs (benchmarks)

    def snapshot(self):
        """Remember every host as it is now; see reset()."""
        for host in self.hosts.values():
            host.snapshot()

    def reset(self, nodes):
        """Between two runs on the same topology: stop the daemons of
        `nodes` (gracefully, else SIGKILL), then put every host back as
        snapshot() saw it (Host.reset)."""
        for node in nodes:
            if node.alive():
                try:
                    node.stop(timeout=10.0)
                except Exception:
                    pass
            if node.alive():
                node.kill(signal.SIGKILL)
                node.wait_exit(5.0)
        for host in self.hosts.values():
            host.reset()

    # teardown

    def logs_report(self):
        parts = []
        for node in self.nodes:
            parts.append("----- %s (%s) log -----\n%s" %
                         (node.host.name, type(node).__name__, node.log_text()))
        return "\n".join(parts)

    def close(self):
        """Stop every process we started, then delete every namespace.
        Safe to call twice; never raises. Afterwards self.findings lists
        what the vipd daemons did wrong (Process.findings(), sanitizer
        reports in their logs); the test fixture fails the test on them."""
        for proc in reversed(self.procs):
            try:
                proc.stop(timeout=VIPD_STOP_S if proc.checked else 3.0)
            except Exception as err:       # keep going: the rest must go too
                print("teardown: %s: %s" % (proc.label, err), file=sys.stderr)
        try:
            self.findings += self._daemon_findings()
        except Exception as err:
            self.findings.append("teardown could not judge the daemons: %s" % err)
        for ns in reversed(self.namespaces):
            # Anything still inside one of our namespaces was started by us
            # (e.g. keepalived's VRRP child): kill it by pid before deleting.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        self.procs = []

    def _daemon_findings(self):
        found, logs = [], []
        for proc in self.procs:
            found += proc.findings()
            if proc.checked and proc.log_path not in logs:
                logs.append(proc.log_path)
        for path in logs:       # one log for every run of a restarted node
            with open(path, errors="replace") as f:
                for excerpt in sanitizer_reports(f.read()):
                    found.append("sanitizer report in %s:\n%s" % (path, excerpt))
        return found


# --------------------------------------------------------------------------
# vipd

def vipd_instance(name="ext", vrid=51, priority=100, advert_interval_ms=100,
                  preempt=True, preempt_delay_ms=0, vips=(DEFAULT_VIP,),
                  interface="eth0", version=3, **extra):
    """One vrrp_instances entry, as a dict ready for libconfig_text()."""
    inst = {
        "name": name, "interface": interface, "vrid": vrid, "version": version,
        "priority": priority, "advert_interval_ms": advert_interval_ms,
        "preempt": preempt, "preempt_delay_ms": preempt_delay_ms,
        "addresses": [with_prefix(v) for v in vips],
        "garp": {"repeat": 3, "interval_ms": 10},
    }
    inst.update(extra)
    return inst


def with_prefix(vip):
    """vip with the segment's prefix length unless it has one: /24, or /64
    for IPv6."""
    if "/" in vip:
        return vip
    return "%s/%d" % (vip, LAN6_PREFIX_LEN if ":" in vip else LAN_PREFIX_LEN)


class Array(list):
    """A libconfig array [ ... ] (scalars of one type); a plain list is a
    libconfig list ( ... )."""


def _lc_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)       # same escapes as libconfig's strings
    if isinstance(value, dict):
        return "{ " + " ".join("%s = %s;" % (k, _lc_scalar(v))
                               for k, v in value.items()) + " }"
    if isinstance(value, Array):
        return "[ " + ", ".join(_lc_scalar(v) for v in value) + " ]"
    if isinstance(value, (list, tuple)):
        return "( " + ", ".join(_lc_scalar(v) for v in value) + " )"
    raise TypeError("no libconfig form for %r" % (value,))


def libconfig_text(settings):
    """Render {name: value} as a libconfig file, one setting per line, lists
    of groups one group per block (so that error line numbers mean something)."""
    lines = []
    for key, value in settings.items():
        if isinstance(value, list) and not isinstance(value, Array) and \
                all(isinstance(v, dict) for v in value):
            lines.append("%s = (" % key)
            for i, group in enumerate(value):
                lines.append("  {")
                for k, v in group.items():
                    lines.append("    %s = %s;" % (k, _lc_scalar(v)))
                lines.append("  }" + ("," if i + 1 < len(value) else ""))
            lines.append(");")
        elif isinstance(value, dict):
            lines.append("%s = {" % key)
            for k, v in value.items():
                lines.append("  %s = %s;" % (k, _lc_scalar(v)))
            lines.append("};")
        else:
            lines.append("%s = %s;" % (key, _lc_scalar(value)))
    return "\n".join(lines) + "\n"


class VipdNode:
    """vipd on one host: config, process, dumps, stats."""

    READY_SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2)

    def __init__(self, topo, host, instances, run_dir=None):
        self.topo = topo
        self.host = host
        self.instances = instances
        self.global_settings = {}      # extra keys of `global`, e.g. handover
        self.sections = {}             # more top-level sections: track_scripts...
        # run_dir: a directory of its own for one of several daemons that
        # run one after the other on the same host (benchmarks).
        self.dir = os.path.join(topo.workdir, run_dir or host.name)
        self.state_dir = os.path.join(self.dir, "state")
        self.conf_path = os.path.join(self.dir, "vipd.conf")
        self.pid_path = os.path.join(self.dir, "vipd.pid")
        self.log_path = os.path.join(self.dir, "vipd.log")
        self.proc = None
        os.makedirs(self.state_dir, exist_ok=True)

    @property
    def name(self):
        return self.host.name

    @property
    def mac(self):
        return self.host.mac

    def config_text(self, instances=None):
        return libconfig_text({
            "global": dict({"router_id": self.host.name, "state_dir": self.state_dir},
                           **self.global_settings),
            "vrrp_instances": list(self.instances if instances is None else instances),
            **self.sections,
        })

    def write_config(self, text=None):
        """Write the config (text as given, or built from self.instances)."""
        with open(self.conf_path, "w") as f:
            f.write(self.config_text() if text is None else text)

    # process

    def start(self, wait_ready=True, expect_exit=0):
        """Start vipd. expect_exit: the exit code this run must end with (a
        start that is meant to be refused says 1); teardown holds any other
        exit against the test, unless the test SIGKILLed it."""
        if self.topo.vipd_bin is None:
            raise RuntimeError("VIPD_BIN is not set")
        if not os.path.exists(self.conf_path):
            self.write_config()
        self.started_at = time.monotonic()
        self.proc = self.host.popen(
            [self.topo.vipd_bin, "-n", "-f", self.conf_path, "-p", self.pid_path,
             "-S", self.state_dir],
            log_name=os.path.relpath(self.log_path, self.topo.workdir),
            label="vipd on %s" % self.host.name)
        self.proc.checked = True
        self.proc.expected_codes = {expect_exit}
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        """Until vipd handles its signals (a signal sent earlier would kill
        it by its default action)."""
        def ready():
            if not self.proc.alive():
                raise AssertionError("vipd on %s exited with %s during start-up:\n%s"
                                     % (self.name, self.proc.popen.returncode,
                                        self.log_text()))
            return _signals_ready(self.proc.pid, self.READY_SIGNALS)
        wait_until(ready, timeout, "vipd on %s to be ready" % self.name)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def kill(self, sig=signal.SIGTERM):
        self.proc.signal(sig)

    def wait_exit(self, timeout=10.0):
        """Exit code, or None if still running after timeout."""
        return self.proc.wait(timeout)

    def stop(self, timeout=10.0):
        """Graceful stop; returns the exit code."""
        self.kill(signal.SIGTERM)
        return self.wait_exit(timeout)

    def crash(self):
        """The box dies: SIGKILL, and the cable is pulled, so the VIP that
        the dead process leaves on eth0 cannot answer anyone."""
        self.kill(signal.SIGKILL)
        self.wait_exit(5.0)
        self.host.unplug()

    def reload(self, instances=None, text=None):
        """Write a new config (instances or raw text) and send SIGHUP."""
        if instances is not None:
            self.instances = instances
        self.write_config(text)
        self.kill(signal.SIGHUP)

    def log_text(self):
        return self.proc.log_text() if self.proc else ""

    # dumps

    def _fresh_file(self, path, sig, timeout):
        """Send sig and wait until path is rewritten; return its text. The
        daemon renames a new file into place, so inode or mtime changes."""
        def stamp():
            try:
                st = os.stat(path)
                return (st.st_ino, st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                return None

        before = stamp()
        self.kill(sig)

        def fresh():
            if not self.alive():
                raise AssertionError("vipd on %s is not running:\n%s"
                                     % (self.name, self.log_text()))
            now = stamp()
            return now is not None and now != before
        wait_until(fresh, timeout, "%s from vipd on %s" % (os.path.basename(path),
                                                           self.name))
        with open(path) as f:
            return f.read()

    def dump(self, timeout=5.0):
        """SIGUSR1; the parsed vipd.json."""
        path = os.path.join(self.state_dir, "vipd.json")
        return json.loads(self._fresh_file(path, signal.SIGUSR1, timeout))

    def instance(self, name="ext"):
        """This instance's entry in a fresh dump, or None if it has none."""
        for inst in self.dump()["instances"]:
            if inst["name"] == name:
                return inst
        return None

    def state(self, name="ext"):
        inst = self.instance(name)
        return inst["state"] if inst else None

    def wait_state(self, state, name="ext", timeout=10.0):
        return wait_until(lambda: self.state(name) == state, timeout,
                          "%s on %s to be %s" % (name, self.name, state),
                          interval=0.1)

    def stats(self, timeout=5.0):
        """SIGUSR2; vipd.stats parsed leniently into
        {"global": {name: value}, "instances": {instance: {name: value}}}."""
        path = os.path.join(self.state_dir, "vipd.stats")
        return parse_stats(self._fresh_file(path, signal.SIGUSR2, timeout))

    def has_vip(self, ip=DEFAULT_VIP):
        return self.host.has_addr(ip)


def write_script(directory, name, body, mode=0o755):
    """A /bin/sh script directory/name running body; returns its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, mode)
    return path


def vipctl(vipctl_bin, node, *args, sock=None, timeout=20):
    """Run vipctl against node's control socket (or sock); the completed
    process, output as text."""
    sock = sock or os.path.join(node.state_dir, "vipd.sock")
    return subprocess.run([vipctl_bin, "-s", sock] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def parse_stats(text):
    result = {"global": {}, "instances": {}}
    section = result["global"]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "instance" and len(words) >= 2:
            section = result["instances"].setdefault(words[1], {})
        elif len(words) >= 2:
            section[words[0].rstrip(":")] = _number(words[-1])
    return result


# --------------------------------------------------------------------------
# keepalived

class KeepalivedNode:
    """keepalived 2.2 (VRRP only) on one host, as a reference peer. With
    version=2, auth_type "PASS" or "AH" and auth_pass add keepalived's
    VRRPv2 authentication block; unicast_peers (with unicast_src, else
    keepalived's default source) makes it unicast."""

    def __init__(self, topo, host, priority=100, vrid=51, advert_int=0.1,
                 preempt=True, vips=(DEFAULT_VIP,), version=3, name="ext",
                 auth_type=None, auth_pass=None, unicast_src=None,
                 unicast_peers=(), run_dir=None):
        self.topo = topo
        self.host = host
        self.priority = priority
        self.vrid = vrid
        self.advert_int = advert_int
        self.preempt = preempt
        self.vips = vips
        self.version = version
        self.instance_name = name
        self.auth_type = auth_type
        self.auth_pass = auth_pass
        self.unicast_src = unicast_src
        self.unicast_peers = unicast_peers
        self.dir = os.path.join(topo.workdir, run_dir or host.name)
        self.conf_path = os.path.join(self.dir, "keepalived.conf")
        self.log_path = os.path.join(self.dir, "keepalived.log")
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)

    @property
    def name(self):
        return self.host.name

    @property
    def mac(self):
        return self.host.mac

    def config_text(self):
        vips = "\n".join("        %s dev eth0" % with_prefix(v)
                         for v in self.vips)
        auth = ""
        if self.auth_type:
            auth = ("    authentication {\n        auth_type %s\n"
                    "        auth_pass %s\n    }\n" % (self.auth_type,
                                                     self.auth_pass))
        if self.unicast_src:
            auth += "    unicast_src_ip %s\n" % self.unicast_src
        if self.unicast_peers:
            auth += "    unicast_peer {\n%s\n    }\n" % "\n".join(
                "        %s" % p for p in self.unicast_peers)
        return (
            "global_defs {\n"
            "    router_id %s\n"
            "    vrrp_version %d\n"
            "}\n"
            "vrrp_instance %s {\n"
            "    state BACKUP\n"
            "    interface eth0\n"
            "    virtual_router_id %d\n"
            "    priority %d\n"
            "    advert_int %s\n"
            "%s%s"
            "    virtual_ipaddress {\n%s\n    }\n"
            "}\n" % (self.host.name, self.version, self.instance_name, self.vrid,
                     self.priority, self.advert_int,
                     "" if self.preempt else "    nopreempt\n", auth, vips))

    def start(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        files = {k: os.path.join(self.dir, "keepalived%s.pid" % k)
                 for k in ("", "-vrrp", "-check", "-bfd")}
        self.vrrp_pid_path = files["-vrrp"]
        # -P: VRRP only; -n -l -G: stay in the foreground, log to the console
        # and not to the host's syslog. The namespace comes from ip netns exec.
        self.proc = self.host.popen(
            [KEEPALIVED_BIN, "-n", "-l", "-D", "-G", "-P", "-f", self.conf_path,
             "-p", files[""], "-r", files["-vrrp"], "-c", files["-check"],
             "-b", files["-bfd"]],
            log_name=os.path.relpath(self.log_path, self.topo.workdir),
            label="keepalived on %s" % self.host.name)
        wait_until(lambda: self._vrrp_pid() is not None, 10.0,
                   "keepalived's VRRP process on %s" % self.name)
        return self

    def _vrrp_pid(self):
        """The VRRP child's pid (from its pid file), if it is running."""
        try:
            with open(self.vrrp_pid_path) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def kill(self, sig=signal.SIGTERM):
        """sig to the parent; SIGKILL also goes to the VRRP child, which
        would otherwise outlive its parent."""
        child = self._vrrp_pid()
        if sig == signal.SIGKILL and child is not None:
            # Freeze the child first: the parent's death reaches it as a
            # signal it handles (a priority-0 advert, a graceful stop)
            # if it runs on a moment before its own SIGKILL lands.
            try:
                os.kill(child, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        self.proc.signal(sig)
        if sig == signal.SIGKILL and child is not None:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait_exit(self, timeout=10.0):
        return self.proc.wait(timeout)

    def stop(self, timeout=10.0):
        self.kill(signal.SIGTERM)
        return self.wait_exit(timeout)

    def crash(self):
        self.kill(signal.SIGKILL)
        self.wait_exit(5.0)
        self.host.unplug()

    def has_vip(self, ip=DEFAULT_VIP):
        return self.host.has_addr(ip)

    def log_text(self):
        return self.proc.log_text() if self.proc else ""


# --------------------------------------------------------------------------
# the client's view: pings and ARP

class PingerRun:
    """tests/lib/pinger.py running in a host's namespace."""

    def __init__(self, host, target, interval_ms, duration, macs=False):
        argv = [PYTHON, os.path.join(LIB_DIR, "pinger.py"), "--target", target,
                "--interval-ms", str(interval_ms), "--json", "--stream"]
        if duration is not None:
            argv += ["--duration", str(duration)]
        if macs:               # result["responders"]: who answered, in turn
            argv.append("--macs")
        self.host = host
        self.duration = duration
        self.out_path = os.path.join(host.topo.workdir, "%s-pinger-%d.json"
                                     % (host.name, len(host.topo.procs)))
        with open(self.out_path, "wb") as out:
            self.proc = host.popen(argv, stdout=out, label="pinger on %s" % host.name)
        self.result = None

    def stop(self, timeout=10.0):
        """Stop (SIGTERM if still running) and return the result dict."""
        if self.result is None:
            if self.duration is None:
                # A SIGTERM before pinger.py installs its handler would kill
                # it without a result.
                wait_until(lambda: not self.proc.alive() or
                           _signals_ready(self.proc.pid, (signal.SIGTERM,)),
                           timeout, "the pinger to start")
                self.proc.signal(signal.SIGTERM)
                self.proc.wait(timeout)
            else:
                self.proc.wait(self.duration + timeout)
            with open(self.out_path) as f:
                last = f.read().strip().splitlines()[-1:]
            if not last or not last[0].startswith("{"):
                raise AssertionError("pinger on %s gave no result:\n%s"
                                     % (self.host.name, self.proc.log_text()))
            self.result = json.loads(last[0])
        return self.result

    def reply_times(self):
        """Arrival times of the replies so far (while it runs)."""
        with open(self.out_path) as f:
            return [float(line.split()[2]) for line in f
                    if line.startswith("reply ") and line.endswith("\n")]

    def replies_since(self, when):
        return sum(1 for t in self.reply_times() if t > when)


def arp_owners(host, target, timeout=1.5, count=3):
    """Ask the segment, from host, who has `target`; return the sorted list
    of distinct MAC addresses that answered (all of them, not only the
    first: a VIP answered by two nodes is a split brain)."""
    out = host.run([PYTHON, os.path.join(LIB_DIR, "scapytool.py"), "arping",
                    "--iface", host.ifname, "--target", target,
                    "--timeout", str(timeout), "--count", str(count)],
                   timeout=60).stdout
    return sorted(set(json.loads(out)["macs"]))


def arp_owner(host, target, timeout=1.5):
    """The one MAC answering ARP for target; AssertionError if none or many."""
    macs = arp_owners(host, target, timeout)
    assert len(macs) == 1, "ARP for %s answered by %s" % (target, macs or "nobody")
    return macs[0]
