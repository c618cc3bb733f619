"""
vipctl against a running vipd: the control socket's exit codes, status in
text and JSON, reload through the socket (accepted and refused), and the
socket's root-only mode.
"""

import json
import os
import stat
import subprocess

import pytest

from vipnet import wait_until

SETTLE_S = 15.0


@pytest.fixture
def vipctl_bin():
    path = os.environ.get("VIPCTL_BIN") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "vipctl")
    if not os.access(path, os.X_OK):
        pytest.skip("vipctl not found at %s (set VIPCTL_BIN)" % path)
    return path


def vipctl(vipctl_bin, node, *args):
    sock = os.path.join(node.state_dir, "vipd.sock")
    return subprocess.run([vipctl_bin, "-s", sock] + list(args),
                          capture_output=True, text=True, timeout=10)


def test_vipctl_status_dump_stats_and_exit_codes(lan, vipctl_bin):
    a, b, client = lan
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)

    sock = os.path.join(a.state_dir, "vipd.sock")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600

    res = vipctl(vipctl_bin, a, "status")
    assert res.returncode == 0, res.stderr
    assert "instance ext" in res.stdout and "MASTER" in res.stdout

    res = vipctl(vipctl_bin, b, "status", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    ext = doc["instances"][0]
    assert ext["state"] == "BACKUP"
    assert ext["master_address"] == "192.0.2.1"

    res = vipctl(vipctl_bin, a, "stats")
    assert res.returncode == 0 and "adverts_sent" in res.stdout

    # A request the daemon does not know is refused: exit 1, reason on stderr.
    res = vipctl(vipctl_bin, a, "frobnicate")
    assert res.returncode == 1 and "unknown command" in res.stderr

    # No daemon behind the socket: exit 2.
    a.stop()
    res = vipctl(vipctl_bin, a, "status")
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert not os.path.exists(sock), "vipd must remove its socket on stop"


def test_vipctl_reload_reports_acceptance_and_refusal(lan, vipctl_bin):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    good = a.config_text()
    a.write_config(good.replace('"192.0.2.100/24"', '"192.0.2.100/24", "192.0.2.110/24"'))
    res = vipctl(vipctl_bin, a, "reload")
    assert res.returncode == 0, res.stderr
    assert "reload accepted" in res.stdout
    wait_until(lambda: a.has_vip("192.0.2.110"), 10, "the VIP added by reload")

    a.write_config(good.replace("vrid = 51;", "vrid = 0;"))
    res = vipctl(vipctl_bin, a, "reload")
    assert res.returncode == 1
    assert "reload refused" in res.stderr and a.conf_path in res.stderr
    assert a.alive() and a.state() == "MASTER" and a.has_vip("192.0.2.110")
