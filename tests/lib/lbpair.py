# SPDX-License-Identifier: GPL-2.0-or-later
"""
Host-side helpers for the balancer pair topology (a client side, an inside
segment with backends that route through the pair's internal VIP, a sync
link), shared by tests/system/test_balancer.py, test_conn_sync.py,
tests/bench/sync.py and tests/bench/demo.py.

  appliance_host(topo, name, eth0, eth1, eth2)
                                a node: eth0 on br0, eth1 on br1, eth2 on
                                br2 (addresses "IP/24"), forwarding on
  inside_host(topo, name, ip, gateway)
                                a host on br1 only (a backend), default
                                route via gateway
  example_pair(topo, sync_key)  etc/examples/balancer-a.conf / -b.conf as
                                shipped (conn_sync switched on with a key),
                                a client and three lbtool.py backends
  write_key(path, data, mode)   a sync key file with exactly that mode
  conns(node)                   `vipctl conns --json`, counters at the top
  LoadClient(host, target)      tests/lib/syncload.py (client or churn) in a
                                namespace, with its status and stop files
  node_ports(node), cables(node, state)
                                the switch ends of every NIC of a node: a
                                box that dies has all of them pulled
"""

import json
import os
import re
import subprocess

from vipnet import LIB_DIR, PYTHON, VipdNode, wait_until

SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")
LBTOOL = os.path.join(LIB_DIR, "lbtool.py")
EXAMPLES = os.path.join(LIB_DIR, "..", "..", "etc", "examples")
EXAMPLE_EXT_VIP, EXAMPLE_INT_VIP = "10.0.0.10", "10.1.0.1"


def appliance_host(topo, name, eth0, eth1, eth2=None):
    """A pair node's host: eth0 = eth0 ("IP/24") on br0, eth1 on br1, eth2
    on br2 (the segments must exist), IP forwarding on."""
    host = topo.add_host(name, eth0.split("/")[0])
    host.attach("br1", eth1, "eth1")
    if eth2:
        host.attach("br2", eth2, "eth2")
    host.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    return host


def inside_host(topo, name, ip, gateway):
    """A host on br1 only: add_host plugs an eth0 into br0, which is pulled
    and downed (`name`'s eth0 address, from 198.51.100.0/24, serves no one),
    so it reaches the client side only through the pair."""
    host = topo.add_host(name, "198.51.100.%s" % ip.rsplit(".", 1)[1])
    host.unplug()
    host.link_set("down")
    host.attach("br1", ip + "/24", "eth1")
    host.run(["ip", "route", "add", "default", "via", gateway])
    return host


def example_config(node, key_path=None):
    """etc/examples/balancer-NODE.conf as shipped; with key_path, the
    conn_sync line it leaves commented out switched on, with that key."""
    with open(os.path.join(EXAMPLES, "balancer-%s.conf" % node)) as f:
        text = f.read()
    if key_path is None:
        return text
    m = re.search(r"^#\s+(conn_sync = \{.*?\};)", text, re.M | re.S)
    if m is None:
        raise RuntimeError("balancer-%s.conf no longer has a conn_sync line" % node)
    sync = re.sub(r"\n#\s*", " ", m.group(1)).replace("/etc/vipd/sync.key", key_path)
    return text + "\n# switched on by tests/lib/lbpair.py\n" + sync + "\n"


def example_pair(topo, sync_key=None, echo=False):
    """The NAT pair of etc/examples/balancer-*.conf: nodes lba (10.0.0.2,
    10.1.0.2) and lbb (.3), client cl 10.0.0.50, backends b11 b12 b13
    (10.1.0.11-13:8080, lbtool.py serve, --echo if echo) routing through
    the internal VIP. With sync_key (bytes), a sync link br2 (10.2.0.1 and
    .2, eth2, as in the examples' comment) and conn_sync on, the key in a
    0600 file. Nothing is started. Returns ({"a": node, "b": node}, client,
    [backend hosts])."""
    topo.add_segment("br1")
    if sync_key is not None:
        topo.add_segment("br2")
    nodes = {}
    for n, i, s in (("a", 2, 1), ("b", 3, 2)):
        host = appliance_host(topo, "lb" + n, "10.0.0.%d/24" % i, "10.1.0.%d/24" % i,
                              "10.2.0.%d/24" % s if sync_key is not None else None)
        node = VipdNode(topo, host, instances=[])
        key_path = None
        if sync_key is not None:
            key_path = os.path.join(node.dir, "sync.key")
            write_key(key_path, sync_key, 0o600)
        node.write_config(example_config(n, key_path))
        topo.nodes.append(node)
        nodes[n] = node
    client = topo.add_host("cl", "10.0.0.50")
    backends = []
    for i in (11, 12, 13):
        host = inside_host(topo, "b%d" % i, "10.1.0.%d" % i, EXAMPLE_INT_VIP)
        host.popen([PYTHON, LBTOOL, "serve", "--port", "8080", "--name", "b%d" % i]
                   + (["--echo"] if echo else []), label="backend b%d" % i)
        backends.append(host)
    return nodes, client, backends


def vipctl_bin():
    return os.environ.get("VIPCTL_BIN") or os.path.join(
        LIB_DIR, "..", "..", "build", "vipctl")


def write_key(path, data, mode):
    """The file is created with `mode` (and chmod'ed, so that the umask
    cannot widen or narrow it): vipd refuses keys others may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def conns(node):
    """`vipctl conns --json` on node, its counters lifted to the top."""
    sock = os.path.join(node.state_dir, "vipd.sock")
    res = subprocess.run([vipctl_bin(), "-s", sock, "conns", "--json"],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, "vipctl conns on %s: exit %d: %s" % (
        node.name, res.returncode, (res.stdout + res.stderr).strip())
    doc = json.loads(res.stdout)
    doc.update(doc.pop("counters"))
    return doc


def node_ports(node):
    """Switch ends of eth0 (p-NAME) and of the NICs Host.attach() added."""
    return ["p-" + node.name, node.name + "-eth1", node.name + "-eth2"]


def cables(node, state):
    """Pull ("down") or plug back ("up") every cable of node at the switch."""
    for port in node_ports(node):
        node.topo.sw_run(["ip", "link", "set", port, state], check=False)


class LoadClient:
    """syncload.py `mode` in host's namespace against target:port. now()
    is its latest status (written every 0.2 s), finish() stops it and
    returns its final counts."""

    def __init__(self, host, target, mode="client", extra=(), port=80):
        # files of their own: a later client in the same topology (a
        # benchmark's next run) must not read this one's stop file
        work = host.topo.workdir
        tag = "%s-%d" % (mode, len(host.topo.procs))
        self.status = os.path.join(work, "%s-status.json" % tag)
        self.stop_path = os.path.join(work, "%s-stop" % tag)
        self.out_path = os.path.join(work, "%s-out.json" % tag)
        self.out = open(self.out_path, "w")
        self.proc = host.popen(
            [PYTHON, SYNCLOAD, mode, "--target", target, "--port", str(port),
             "--status", self.status, "--stop", self.stop_path] + list(extra),
            log_name="%s.log" % mode, stdout=self.out)

    def now(self):
        try:
            with open(self.status) as f:
                return json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def wait(self, predicate, timeout, what, failures_ok=False):
        def check():
            s = self.now()
            if s is not None and s["failures"] and not failures_ok:
                raise AssertionError("client failures: %r" % s)
            return s is not None and predicate(s)
        wait_until(check, timeout, what, interval=0.1)
        return self.now()

    def finish(self):
        open(self.stop_path, "w").close()
        assert self.proc.wait(30.0) == 0, self.proc.log_text()
        self.out.close()
        with open(self.out_path) as f:
            return json.loads(f.read())
