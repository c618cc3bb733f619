# SPDX-License-Identifier: GPL-2.0-or-later
"""
The balancer's checker at scale (tests/bench/checks.py findings): health
changes batched into few nftables transactions, the open-files limit raised
at start, probes held within the open files there are.

Topology: vipd on lb1 (192.0.2.1, VIP 192.0.2.100); backends are ports of
one server on srv (192.0.2.60), or addresses nobody holds (192.0.2.2xx:
their probes hang until the timeout, each holding a socket).
"""

import os
import signal

from vipnet import DEFAULT_VIP as VIP, PYTHON, libconfig_text, wait_until

TIMEOUT_S = 20.0
BASE_PORT = 9000

# Listens on ports argv[1] .. argv[1] + argv[2] - 1, accepts and closes.
SERVER = r"""
import selectors, socket, sys
base, n = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
for p in range(base, base + n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()
"""


def service(name, port, backends, check):
    return {"name": name, "address": VIP, "port": port, "protocol": "tcp",
            "scheduler": "rr",
            "backends": [dict({"address": a, "port": p},
                              **({"check": dict(check)} if check else {}))
                         for a, p in backends]}


def start_lb(topo, services, nofile=None):
    node = topo.add_vipd("lb1", "192.0.2.1", priority=150)
    if nofile is not None:
        # vipd started with a low soft limit (and hard limit `nofile`).
        soft, hard = nofile
        wrapper = os.path.join(topo.workdir, "vipd-nofile")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec prlimit --nofile=%d:%d %s \"$@\"\n"
                    % (soft, hard, topo.vipd_bin))
        os.chmod(wrapper, 0o755)
        topo.vipd_bin = wrapper
    node.write_config(node.config_text() + libconfig_text(
        {"virtual_services": services}))
    node.start()
    node.wait_state("MASTER", timeout=TIMEOUT_S)
    return node


def balancer(node):
    return node.dump()["balancer"]


def healths(node):
    return [b["health"] for s in node.dump()["virtual_services"]
            for b in s["backends"]]


def test_backends_coming_up_at_once_share_few_transactions(topo, vipd_bin):
    n = 40
    srv = topo.add_host("srv", "192.0.2.60")
    check = {"type": "tcp", "interval_ms": 200, "timeout_ms": 150, "rise": 1,
             "fall": 1}
    # Two services, so that the batch spans services too.
    services = [service("web%d" % k, 80 + k,
                        [("192.0.2.60", BASE_PORT + k * n // 2 + i)
                         for i in range(n // 2)], check) for k in range(2)]
    node = start_lb(topo, services)
    wait_until(lambda: healths(node) == ["down"] * n, TIMEOUT_S,
               "every backend down (nothing listens yet)")
    before = balancer(node)
    proc = srv.popen([PYTHON, "-c", SERVER, str(BASE_PORT), str(n)],
                     label="server on %d ports" % n)
    wait_until(lambda: "listening" in proc.log_text(), 10.0, "the server")
    wait_until(lambda: healths(node) == ["up"] * n, TIMEOUT_S,
               "every backend up")
    after = balancer(node)
    assert after["health_changes"] - before["health_changes"] == n, after
    # One transaction per change was n; batched, a handful.
    applied = after["transactions"] - before["transactions"]
    assert 1 <= applied <= n // 4, (applied, after)
    assert after["transaction_errors"] == 0, after
    # The rules follow: every backend is in its service's DNAT chain.
    rules = node.host.run(["nft", "list", "table", "inet", "vipd"]).stdout
    for i in range(n):
        assert "192.0.2.60 . %d" % (BASE_PORT + i) in rules or \
            "192.0.2.60:%d" % (BASE_PORT + i) in rules, (i, rules)
    proc.signal(signal.SIGKILL)
    proc.wait(5.0)


def soft_nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no open-files line in /proc/%d/limits" % pid)


def test_open_files_limit_is_raised_to_the_hard_limit(topo, vipd_bin):
    node = start_lb(topo, [service("web", 80, [("192.0.2.60", 80)], None)],
                    nofile=(256, 4096))
    assert soft_nofile(node.pid) == 4096
    assert balancer(node)["probe_limit"] == 4096 - 128


def test_probes_beyond_the_open_files_are_refused_and_counted(topo, vipd_bin):
    # Hard limit 160: room for 32 probes; 60 backends whose probes hang.
    n = 60
    check = {"type": "tcp", "interval_ms": 1000, "timeout_ms": 900,
             "rise": 1, "fall": 1}
    backends = [("192.0.2.%d" % (200 + i // 4), 9000 + i) for i in range(n)]
    node = start_lb(topo, [service("web", 80, backends, check)],
                    nofile=(160, 160))
    wait_until(lambda: balancer(node)["probes_refused"] > 0, TIMEOUT_S,
               "probes refused for want of open files")
    lb = balancer(node)
    assert lb["probe_limit"] == 160 - 128, lb
    assert lb["probes_in_flight"] <= lb["probe_limit"], lb
    # The probes that ran failed on the backend, not on the daemon's limit.
    wait_until(lambda: any(b["last_check"] for s in node.dump()[
        "virtual_services"] for b in s["backends"]), TIMEOUT_S, "a result")
    for b in node.dump()["virtual_services"][0]["backends"]:
        if b["last_check"]:
            assert "open files" not in b["last_check"]["reason"], b
    assert "probes not started" in node.log_text()
