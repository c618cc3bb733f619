# SPDX-License-Identifier: GPL-2.0-or-later
"""
soaktopo - the soak's network: three vipd nodes, backends, a client.

  br0 10.0.0.0/24  clients side: n1 .1, n2 .2, n3 .3, client cl .50,
                   DR backends d1 .21 d2 .22 (VIP on lo), hostile host hx .66
  br1 10.1.0.0/24  inside: n1..n3 .2-.4 (eth1), NAT backends b1 .11 b2 .12
                   routing through the internal VIP 10.1.0.1
  br2 10.2.0.0/24  sync links: n1..n3 .1-.3 (eth2)

Each node: instances ext (eth0, vrid 51, VIP 10.0.0.10) and int (eth1,
vrid 52, VIP 10.1.0.1) in sync group edge, 100 ms adverts, priorities
150 / 120 / 100, n1 without preemption (so that once deposed it stays a
backup and the group's master wanders: a resumed master then often meets
a higher priority, which it must yield to); a track script on ext (weight -60: a flag file present
puts the node below both others); a virtual route 10.9.9.0/24 blackhole
on ext; services nat (10.0.0.10:80, rr over b1 b2:8080) and dr
(10.0.0.10:81, mh over d1 d2); conn_sync links to both other nodes on
eth2, following edge.
"""

import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from vipnet import (PYTHON, Array, Topology, VipdNode, libconfig_text,  # noqa: E402
                    wait_until)
from lbpair import appliance_host, inside_host, write_key  # noqa: E402

TRAFFIC = os.path.join(HERE, "traffic.py")
VIP, INT_VIP = "10.0.0.10", "10.1.0.1"
NAT_PORT, DR_PORT = 80, 81
VROUTE = "10.9.9.0/24"
PRIORITIES = {"n1": 150, "n2": 120, "n3": 100}
ADVERT_MS = 100
TRACK_WEIGHT = -60
SYNC_PORT = 7788
KEY = b"soak-sync-key-0123456789abcdef-0123456789"
CHECK = {"type": "tcp", "interval_ms": 300, "timeout_ms": 200, "rise": 2,
         "fall": 2}


def master_down_s(priority):
    """RFC 5798 6.1: 3 x interval + skew (the skew at this priority)."""
    return (3 * ADVERT_MS + (256 - priority) * ADVERT_MS / 256.0) / 1000.0


class SoakNet:
    def __init__(self, workdir, vipd_bin, vipctl_bin):
        self.vipctl_bin = vipctl_bin
        self.topo = Topology(workdir, vipd_bin)
        try:
            self._build()
        except BaseException:
            self.topo.close()
            raise

    def _build(self):
        topo = self.topo
        topo.add_segment("br1")
        topo.add_segment("br2")
        self.nodes = {}
        for i, name in enumerate(sorted(PRIORITIES), 1):
            host = appliance_host(topo, name, "10.0.0.%d/24" % i,
                                  "10.1.0.%d/24" % (i + 1), "10.2.0.%d/24" % i)
            node = VipdNode(topo, host, instances=[])
            node.index = i
            node.key_path = os.path.join(node.dir, "sync.key")
            node.flag_path = os.path.join(node.dir, "track.flag")
            write_key(node.key_path, KEY, 0o600)
            node.good_config = self.config_text(node)
            node.write_config(node.good_config)
            topo.nodes.append(node)
            self.nodes[name] = node
        self.client = topo.add_host("cl", "10.0.0.50")
        self.hostile = topo.add_host("hx", "10.0.0.66")
        self.backends = {}
        for name, ip in (("b1", "10.1.0.11"), ("b2", "10.1.0.12")):
            host = inside_host(topo, name, ip, INT_VIP)
            host.service_port = 8080
            self.backends[name] = host
        for name, ip in (("d1", "10.0.0.21"), ("d2", "10.0.0.22")):
            host = topo.add_host(name, ip)
            for key in ("all", "eth0"):
                host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_ignore=1" % key])
                host.run(["sysctl", "-qw", "net.ipv4.conf.%s.arp_announce=2" % key])
            host.run(["ip", "addr", "add", VIP + "/32", "dev", "lo"])
            host.service_port = DR_PORT
            self.backends[name] = host
        self.servers = {}
        for name in self.backends:
            self.serve(name)

    def config_text(self, node, track_interval=200):
        n = node.index
        prio = PRIORITIES[node.name]
        def inst(name, vrid, dev, vip, **extra):
            d = {"name": name, "interface": dev, "vrid": vrid, "version": 3,
                 "priority": prio, "advert_interval_ms": ADVERT_MS,
                 "preempt": node.name != "n1", "addresses": [vip + "/24"],
                 "garp": {"repeat": 3, "interval_ms": 10}}
            d.update(extra)
            return d
        others = [i for i in (1, 2, 3) if i != n]
        conf = {
            "global": {"router_id": node.name, "state_dir": node.state_dir,
                       "script_user": "root"},
            "vrrp_instances": [
                inst("ext", 51, "eth0", VIP,
                     track_scripts=[{"name": "chk", "weight": TRACK_WEIGHT}],
                     virtual_routes=[{"destination": VROUTE, "type": "blackhole"}]),
                inst("int", 52, "eth1", INT_VIP)],
            "sync_groups": [{"name": "edge", "members": Array(["ext", "int"])}],
            "track_scripts": [{"name": "chk",
                               "command": Array(["/bin/sh", "-c",
                                                 "test ! -e " + node.flag_path]),
                               "interval_ms": track_interval, "timeout_ms": 1000,
                               "rise": 1, "fall": 1}],
            "virtual_services": [
                {"name": "nat", "address": VIP, "port": NAT_PORT,
                 "protocol": "tcp", "scheduler": "rr", "backends": [
                     {"address": "10.1.0.11", "port": 8080, "check": CHECK},
                     {"address": "10.1.0.12", "port": 8080, "check": CHECK}]},
                {"name": "dr", "address": VIP, "port": DR_PORT,
                 "protocol": "tcp", "forwarding": "dr", "scheduler": "mh",
                 "backends": [
                     {"address": "10.0.0.21", "check": CHECK},
                     {"address": "10.0.0.22", "check": CHECK}]}],
            "conn_sync": {"links": [
                {"interface": "eth2", "local": "10.2.0.%d" % n,
                 "peer": "10.2.0.%d" % o} for o in others],
                "port": SYNC_PORT, "key_file": node.key_path,
                "follow": "edge"},
        }
        return libconfig_text(conf)

    # backends

    def serve(self, name):
        host = self.backends[name]
        self.servers[name] = host.popen(
            [PYTHON, TRAFFIC, "echo", "--port", str(host.service_port)],
            log_name="%s-echo.log" % name, label="backend %s" % name)
        wait_until(lambda: ":%d " % host.service_port in
                   host.run(["ss", "-Hltn"]).stdout, 10.0, "%s to listen" % name)

    def kill_backend(self, name):
        proc = self.servers.pop(name, None)
        if proc is not None:
            proc.signal(signal.SIGKILL)
            proc.wait(5.0)

    # nodes

    def start_all(self):
        for name in sorted(self.nodes):
            self.nodes[name].start()
        n1 = self.nodes["n1"]
        n1.wait_state("MASTER", "ext", 30.0)
        n1.wait_state("MASTER", "int", 30.0)

    def close(self):
        self.topo.close()
        return self.topo.findings

    def master_of_ext(self):
        """The node holding the external VIP in its kernel (one of them)."""
        for name, node in sorted(self.nodes.items()):
            try:
                if node.host.has_addr(VIP):
                    return name
            except Exception:
                pass
        return None
