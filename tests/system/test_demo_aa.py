# SPDX-License-Identifier: GPL-2.0-or-later
"""
`make demo-aa` (tests/bench/demo_aa.py), run as a newcomer runs it (a
process of its own) with few connections: every step runs and reports
what the client saw, no flow breaks, and nothing is left behind.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

from conftest import missing_tool
from routing import frr_missing
from vipnet import PYTHON, run

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "tests", "bench", "demo_aa.py")


def test_demo_aa_runs_every_step_and_leaves_nothing(vipd_bin, tmp_path):
    if frr_missing():
        missing_tool(frr_missing())
    # The demo's temporary dirs (its own and FRR's) go here, where the frr
    # user can reach them, and where the test can see what is left.
    tmpdir = tempfile.mkdtemp(prefix="aafd", dir="/tmp")
    os.chmod(tmpdir, 0o755)
    out = tmp_path / "demo.json"
    try:
        proc = subprocess.run([PYTHON, DEMO, "--flows", "30", "--json", str(out)],
                              env=dict(os.environ, VIPD_BIN=vipd_bin, TMPDIR=tmpdir),
                              capture_output=True, text=True, timeout=600)
        left = os.listdir(tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    assert doc["ok"] and [s["step"] for s in doc["steps"]] == [1, 2, 3, 4, 5, 6], doc
    text = proc.stdout
    for what in ("lb2 drained", "lb3 killed", "lb2 added back"):
        assert what in text, text
    # The DR table is the same on every node: no step breaks a flow.
    assert "failures none" in text, text
    assert not left, left
    prefix = re.search(r"namespace prefix (\S+)", text).group(1)
    namespaces = run(["ip", "netns", "list"]).stdout.split()
    assert not [n for n in namespaces if n.startswith(prefix + "-")], namespaces
