# SPDX-License-Identifier: GPL-2.0-or-later
"""
`make demo` (tests/bench/demo.py): the example balancer pair with conn_sync,
a client and backends in namespaces, narrated step by step. The demo runs
as a newcomer runs it (a separate process), with fewer connections to stay
short; these tests check that every step works and reports its figures,
that a step that cannot run says why and fails the exit status, and that
nothing is left behind, also after Ctrl-C.
"""

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from vipnet import PYTHON, run, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "tests", "bench", "demo.py")


@pytest.fixture
def tmp_path():
    """A short work dir: vipd's control socket path below it must fit in
    sun_path (108 bytes), which pytest's own tmp_path under xdist does not."""
    path = tempfile.mkdtemp(prefix="vd", dir="/tmp")
    try:
        yield pathlib.Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def start_demo(tmp_path, vipd_bin, vipctl_bin, *extra):
    env = dict(os.environ, VIPD_BIN=vipd_bin, VIPCTL_BIN=vipctl_bin,
               TMPDIR=str(tmp_path))       # its work dir, to look for leftovers
    out = open(tmp_path / "demo.out", "w")
    proc = subprocess.Popen([PYTHON, DEMO, "--json", str(tmp_path / "demo.json"),
                             "--conns", "20"] + list(extra), env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_default_sigint)
    return proc, out


def _default_sigint():
    # pytest-xdist workers ignore SIGINT, and an ignored signal stays ignored
    # across exec: Python then never raises KeyboardInterrupt. The demo must
    # see Ctrl-C the way it does from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def output(tmp_path):
    return (tmp_path / "demo.out").read_text()


def prefix_of(text):
    m = re.search(r"in namespaces (v[0-9a-f]+)-\*", text)
    assert m, text
    return m.group(1)


def assert_nothing_left(tmp_path, prefix):
    names = run(["ip", "netns", "list"]).stdout
    assert not re.search(r"^%s-" % prefix, names, re.M), names
    assert not [p for p in os.listdir(tmp_path) if p.startswith("vipd-")], \
        os.listdir(tmp_path)
    # No process started from the demo's work dir (vipd, backends, client).
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        assert str(tmp_path) + "/vipd-" not in cmd, (pid, cmd)


def test_demo_runs_every_step_and_reports_its_figures(tmp_path, vipd_bin,
                                                      vipctl_bin, keepalived_bin):
    proc, out = start_demo(tmp_path, vipd_bin, vipctl_bin,
                           "--logs", str(tmp_path / "logs"))
    code = proc.wait(240)
    out.close()
    text = output(tmp_path)
    print(text)
    assert code == 0, text
    # Both daemons' logs, to their exit (an ASan build reports there).
    logs = sorted(os.listdir(tmp_path / "logs"))
    assert logs == ["lba-vipd.log", "lbb-vipd.log"], logs
    for name in logs:
        log = (tmp_path / "logs" / name).read_text()
        assert "INIT -> BACKUP" in log
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            assert bad not in log, log
    doc = json.loads((tmp_path / "demo.json").read_text())
    assert doc["ok"] and [s["step"] for s in doc["steps"]] == [1, 2, 3, 4, 5, 6]
    assert all(s["ok"] for s in doc["steps"]), doc
    fig = {s["step"]: s["figures"] for s in doc["steps"]}
    # 1: both status outputs printed, lbb synced before any traffic
    assert text.count("vipctl status on lb") == 2
    # Each status is the table: the service's row with its backends.
    assert len(re.findall(r"^ +web +10\.0\.0\.10:80/tcp +nat +quorum \d+ met +backends "
                          r"3/3 up$", text, re.M)) == 2, text
    assert fig[1]["lba"] == "MASTER/MASTER" and fig[1]["lbb"] == "BACKUP/BACKUP"
    # 2: the connections are balanced over the three backends and on lbb
    assert sum(fig[2]["spread"].values()) == 20 and len(fig[2]["spread"]) == 3
    assert fig[2]["entries_on_lbb"] >= 20
    # 3: the drill's own report, parsed
    assert fig[3]["new_master"] == "10.0.0.3"
    assert fig[3]["takeover_ms"] > 0 and fig[3]["failback_ms"] > 0
    # 4, 5: the client's figures (connections broken: reported, not asserted)
    for step in (3, 4, 5):
        assert isinstance(fig[step]["connections_broken"], int)
        assert fig[step]["pings_lost"] >= 0 and fig[step]["replies"] > 0
    assert fig[4]["pings_flow_again_ms"] > 0 and fig[4]["lbb_role"] == "sender"
    assert "vipctl conns on lbb" in text and "conn_sync: sender" in text
    assert fig[5]["lba_resyncs_completed"] >= 1 and fig[5]["lba_role"] == "sender"
    # 6: failover.py's kill scenario for both, and the ratio
    assert fig[6]["vipd"]["outage_ms"] > 0 and fig[6]["keepalived"]["outage_ms"] > 0
    assert fig[6]["ratio_vipd_over_keepalived"] > 0
    # the summary table: one row per step
    for step in range(1, 7):
        assert re.search(r"^%d +\S.* ok " % step, text, re.M), text
    assert "every step worked" in text
    assert_nothing_left(tmp_path, prefix_of(text))


def test_a_step_that_cannot_run_says_why_and_fails_the_demo(tmp_path, vipd_bin,
                                                           keepalived_bin):
    """vipctl that always fails: set-up cannot see lbb's sync state; the
    demo says so, still runs what does not need vipctl, exits 1."""
    proc, out = start_demo(tmp_path, vipd_bin, "/bin/false")
    code = proc.wait(240)
    out.close()
    text = output(tmp_path)
    print(text)
    assert code == 1, text
    assert re.search(r"^\[0\] FAILED: \S", text, re.M), text
    doc = json.loads((tmp_path / "demo.json").read_text())
    assert not doc["ok"]
    assert doc["steps"][0]["step"] == 0 and doc["steps"][0]["why"]
    assert "SOME STEPS FAILED" in text
    assert_nothing_left(tmp_path, prefix_of(text))


def test_ctrl_c_mid_demo_removes_everything(tmp_path, vipd_bin, vipctl_bin):
    proc, out = start_demo(tmp_path, vipd_bin, vipctl_bin)
    try:
        # Interrupt while the connections and the pinger run.
        wait_until(lambda: "[2] connections" in output(tmp_path), 120,
                   "the demo to reach step 2", interval=0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        out.close()
    text = output(tmp_path)
    print(text)
    assert code == 130, text
    assert "interrupted" in text
    assert_nothing_left(tmp_path, prefix_of(text))
