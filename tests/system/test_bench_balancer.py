# SPDX-License-Identifier: GPL-2.0-or-later
"""
make bench-balancer still measures something: its --smoke mode (one run of
1 s of each implementation) must see every available implementation serve
TCP connections, and UDP where it proxies UDP. No timing is asserted.
"""

import json
import os
import shutil
import subprocess

import pytest

from conftest import missing_tool

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench",
                     "balancer.py")


def test_balancer_bench_smoke_serves_through_every_implementation(tmp_path, vipd_bin):
    for tool in ("haproxy", "ethtool", "cc"):
        if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
            missing_tool("%s is not installed (contrib/install-deps.sh)" % tool)
    out = tmp_path / "bench-balancer.json"
    env = dict(os.environ, VIPD_BIN=vipd_bin)
    r = subprocess.run(["/usr/bin/python3", BENCH, "--smoke", "--json", str(out)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    served = {row["impl"]: row for row in doc["results"]}
    # DR may not be built yet: then it must say why, not vanish.
    assert set(served) | set(doc["unavailable"]) == {"plain", "vipd-nat", "vipd-dr",
                                                     "haproxy"}
    assert {"plain", "vipd-nat", "haproxy"} <= set(served), doc["unavailable"]
    for impl, row in served.items():
        assert row["tcp"]["done"] > 0, (impl, row)
        if impl != "haproxy":
            assert row["udp"]["done"] > 0, (impl, row)
    assert "haproxy" not in doc["unavailable"]
    for key in ("date", "machine", "command"):
        assert doc[key]
