"""
Host-side helpers for a vipd pair with conn_sync, shared by
tests/system/test_conn_sync.py, tests/bench/sync.py and tests/bench/demo.py.

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
import subprocess

from vipnet import LIB_DIR, PYTHON, wait_until

SYNCLOAD = os.path.join(LIB_DIR, "syncload.py")


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
        work = host.topo.workdir
        self.status = os.path.join(work, "%s-status.json" % mode)
        self.stop_path = os.path.join(work, "%s-stop" % mode)
        self.out_path = os.path.join(work, "%s-out.json" % mode)
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
