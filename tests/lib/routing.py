# SPDX-License-Identifier: GPL-2.0-or-later
"""
routing - FRR and BIRD daemons inside the namespaces of a vipnet.Topology,
for the active/active tests, benchmark and demo.

Each daemon set has a directory of its own (in $TMPDIR or /tmp, mode
0755, owned by the frr user, who must be able to reach it: pytest's
tmp_path is not) for
its config, pid files, vty sockets, zserv socket and bfdd's control socket,
so several instances run side by side and never touch /etc/frr, /run/frr
or a distribution service. The daemons run in the foreground, started
through Host.popen(): Topology.close() ends them by PID. close() here ends
them too and removes the directory.

The configs are contrib/frr/*.conf and contrib/bird/*.conf with their
example values replaced (contrib_config): the files users install are the
files tested.
"""

import json
import os
import pwd
import re
import shutil
import signal
import tempfile

from vipnet import wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRIB = os.path.join(REPO, "contrib")
FRR_DIR = "/usr/lib/frr"
VTYSH = "/usr/bin/vtysh"
BIRD = "/usr/sbin/bird"
BIRDC = "/usr/sbin/birdc"
VIPD_PROTO = 91                 # contrib/iproute2/rt_protos.d/vipd.conf


def frr_missing():
    """None when FRR and BIRD are installed, else what is missing."""
    for path in [os.path.join(FRR_DIR, d) for d in ("zebra", "bgpd", "bfdd")] + \
            [VTYSH, BIRD, BIRDC]:
        if not os.access(path, os.X_OK):
            return "%s is not installed (contrib/install-deps.sh)" % path
    try:
        pwd.getpwnam("frr")
    except KeyError:
        return "no frr user (the frr package makes it)"
    return None


def contrib_config(relpath, values):
    """The text of contrib/RELPATH with each example value (a key of
    values) replaced by its value. Every key must occur in the file: an
    example changed there without the tests fails here, loudly."""
    with open(os.path.join(CONTRIB, relpath)) as f:
        text = f.read()
    # One pass, whole values only: 10.0.0.1 must not match inside
    # 10.0.0.11, and a value replaced is not replaced again.
    keys = sorted(values, key=len, reverse=True)
    if not keys:
        return text
    pattern = r"(?<![\w.])(%s)(?![\w]|\.\d)" % "|".join(map(re.escape, keys))
    seen = set()

    def swap(match):
        seen.add(match.group(1))
        return values[match.group(1)]
    text = re.sub(pattern, swap, text)
    for key in keys:
        if key not in seen:
            raise AssertionError("%s no longer holds %r" % (relpath, key))
    return text


def _private_dir(host, kind):
    path = tempfile.mkdtemp(prefix="%s-%s-%s-" % (host.topo.prefix, host.name, kind))
    os.chmod(path, 0o755)
    return path


class Frr:
    """zebra, bgpd and bfdd (or those named) of one namespace, configured
    by one integrated frr.conf loaded with `vtysh -b`, as frrinit does."""

    def __init__(self, host, conf_text, daemons=("zebra", "bgpd", "bfdd")):
        self.host = host
        self.daemons = daemons
        self.dir = _private_dir(host, "frr")
        self.procs = {}
        frr = pwd.getpwnam("frr")
        for name, text, mode in (("frr.conf", conf_text, 0o640),
                                 ("vtysh.conf", "service integrated-vtysh-config\n",
                                  0o640)):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, mode)
        for name in os.listdir(self.dir) + [""]:
            os.chown(os.path.join(self.dir, name), frr.pw_uid, frr.pw_gid)

    def path(self, name):
        return os.path.join(self.dir, name)

    def start(self, timeout=20.0):
        # zebra first, as frrinit: a daemon that finds no zserv socket
        # retries only seconds later, and bgpd's BFD registrations made
        # before then are lost ("BFD session ... was not installed").
        for daemon in self.daemons:
            self.start_daemon(daemon)
            if daemon == "zebra":
                wait_until(lambda: os.path.exists(self.path("zserv.api")), timeout,
                           "zebra's zserv socket on %s" % self.host.name)
        # Every daemon's vty socket must exist before vtysh -b hands out
        # the config, or that daemon's part is lost.
        for daemon in self.daemons:
            wait_until(lambda d=daemon: os.path.exists(self.path(d + ".vty")),
                       timeout, "%s's vty socket on %s" % (daemon, self.host.name))
        out = self.host.run([VTYSH, "--vty_socket", self.dir, "--config_dir",
                             self.dir, "-b"], timeout=timeout)
        errors = [l for l in (out.stdout + out.stderr).splitlines()
                  if "error" in l.lower() or "unknown command" in l.lower()]
        if errors:
            raise AssertionError("FRR on %s refused its config:\n%s"
                                 % (self.host.name, "\n".join(errors)))
        return self

    def start_daemon(self, daemon):
        argv = [os.path.join(FRR_DIR, daemon), "-f", "/dev/null",
                "-i", self.path(daemon + ".pid"), "-z", self.path("zserv.api"),
                "--vty_socket", self.dir, "-P", "0", "--log", "stdout"]
        if daemon == "bfdd":
            argv += ["--bfdctl", self.path("bfdd.sock")]
        self.procs[daemon] = self.host.popen(
            argv, log_name="%s-%s.log" % (self.host.name, daemon),
            label="%s on %s" % (daemon, self.host.name))
        return self.procs[daemon]

    def kill(self, daemon, sig=signal.SIGKILL):
        proc = self.procs[daemon]
        proc.signal(sig)
        proc.wait(5.0)

    def vtysh(self, *commands, timeout=15):
        argv = [VTYSH, "--vty_socket", self.dir]
        for c in commands:
            argv += ["-c", c]
        return self.host.run(argv, timeout=timeout).stdout

    def vtysh_json(self, command):
        return json.loads(self.vtysh(command) or "{}")

    def bgp_peers(self):
        """{peer address: state} of the IPv4 unicast sessions."""
        summary = self.vtysh_json("show bgp ipv4 unicast summary json")
        return {addr: p.get("state") for addr, p in summary.get("peers", {}).items()}

    def wait_established(self, peers, timeout=60.0):
        def up():
            states = self.bgp_peers()
            return all(states.get(p) == "Established" for p in peers)
        wait_until(up, timeout, "BGP Established with %s on %s"
                   % (", ".join(peers), self.host.name), interval=0.3)

    def bfd_peers(self):
        """{peer address: status} of bfdd's sessions."""
        return {p["peer"]: p.get("status")
                for p in json.loads(self.vtysh("show bfd peers json") or "[]")}

    def wait_bfd_up(self, peers, timeout=60.0):
        wait_until(lambda: all(self.bfd_peers().get(p) == "up" for p in peers),
                   timeout, "BFD up with %s on %s" % (", ".join(peers), self.host.name),
                   interval=0.3)

    def close(self):
        for proc in reversed(list(self.procs.values())):     # zebra last
            proc.stop(timeout=5.0)
        shutil.rmtree(self.dir, ignore_errors=True)


class Bird:
    """One BIRD 2 daemon of a namespace (foreground, its own control
    socket and pid file)."""

    def __init__(self, host, conf_text):
        self.host = host
        self.dir = _private_dir(host, "bird")
        self.conf = os.path.join(self.dir, "bird.conf")
        self.sock = os.path.join(self.dir, "bird.ctl")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.host.run([BIRD, "-p", "-c", self.conf])     # parse only

    def start(self, timeout=20.0):
        self.proc = self.host.popen(
            [BIRD, "-f", "-c", self.conf, "-s", self.sock,
             "-P", os.path.join(self.dir, "bird.pid")],
            log_name="%s-bird.log" % self.host.name,
            label="bird on %s" % self.host.name)
        wait_until(lambda: os.path.exists(self.sock), timeout,
                   "bird's control socket on %s" % self.host.name)
        return self

    def birdc(self, *words):
        return self.host.run([BIRDC, "-s", self.sock] + list(words)).stdout

    def protocol_state(self, name):
        """The Info column of `show protocols NAME` (BGP: Established)."""
        for line in self.birdc("show", "protocols", name).splitlines():
            fields = line.split()
            if fields and fields[0] == name:
                return " ".join(fields[5:]) if len(fields) > 5 else ""
        return ""

    def wait_established(self, name, timeout=60.0):
        wait_until(lambda: "Established" in self.protocol_state(name), timeout,
                   "BIRD's %s Established on %s" % (name, self.host.name),
                   interval=0.3)

    def close(self):
        if self.proc:
            self.proc.stop(timeout=5.0)
        shutil.rmtree(self.dir, ignore_errors=True)


def ecmp_nexthops(host, prefix):
    """The gateways of host's main-table route to prefix (a set; empty when
    there is none). One gateway: a plain route; several: ECMP."""
    family = ["-6"] if ":" in prefix else []
    out = host.run(["ip", "-j"] + family + ["route", "show", "exact",
                                            prefix]).stdout
    gateways = set()
    for route in json.loads(out or "[]"):
        if route.get("gateway"):
            gateways.add(route["gateway"])
        for nh in route.get("nexthops", []):
            if nh.get("gateway"):
                gateways.add(nh["gateway"])
    return gateways


def add_vip_route(host, vip):
    """What vipd does for a ready service with announce = true."""
    plen = 128 if ":" in vip else 32
    host.run(["ip", "route", "add", "blackhole", "%s/%d" % (vip, plen),
              "proto", str(VIPD_PROTO)])


def del_vip_route(host, vip):
    plen = 128 if ":" in vip else 32
    host.run(["ip", "route", "del", "blackhole", "%s/%d" % (vip, plen),
              "proto", str(VIPD_PROTO)])


def router_sysctls(host, seed=1):
    """contrib/frr/sysctl-router.conf, applied to host's namespace (the
    lines of that file, so that a key it gains is tested)."""
    with open(os.path.join(CONTRIB, "frr", "sysctl-router.conf")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, value = (s.strip() for s in line.split("=", 1))
            if key == "net.ipv4.fib_multipath_hash_seed":
                value = str(seed)
            if key.startswith("net.ipv6.") and not os.path.exists(
                    "/proc/sys/" + key.replace(".", "/")):
                continue
            host.run(["sysctl", "-qw", "%s=%s" % (key, value)])
