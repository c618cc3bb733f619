# SPDX-License-Identifier: GPL-2.0-or-later
"""
The soak harness (tests/soak, `make soak`) itself: a one-minute run with a
fixed seed prints its seed, a table of every fault kind it ran and its
breaches, writes the same to JSON, leaves no namespace behind, and exits 1
exactly when it found a breach; and a planted bug (a master that keeps its
VIPs when it becomes BACKUP, applied to a scratch copy of the tree) is
caught as a second master.
"""

import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SOAK = os.path.join(REPO, "tests", "soak", "soak.py")
PLANTED = os.path.join(REPO, "tests", "soak", "planted", "backup-keeps-vip.patch")


def namespaces(prefix):
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.startswith(prefix + "-")]


def soak(tmp_path, *extra, timeout=600):
    out = tmp_path / "soak.json"
    res = subprocess.run(["/usr/bin/python3", SOAK, "--minutes", "1", "--json",
                          str(out), "--workdir", str(tmp_path / "run")] + list(extra),
                         capture_output=True, text=True, timeout=timeout)
    assert os.path.exists(out), res.stdout + res.stderr
    with open(out) as f:
        return res, json.load(f)


def test_a_one_minute_soak_reports_its_seed_table_and_verdict(tmp_path, vipd_bin):
    vipctl = os.environ.get("VIPCTL_BIN") or os.path.join(
        os.path.dirname(vipd_bin), "vipctl")
    res, doc = soak(tmp_path, "--seed", "7", "--vipd", vipd_bin, "--vipctl", vipctl)
    text = res.stdout
    print(text)
    assert res.returncode in (0, 1), text + res.stderr
    assert "error" not in doc, doc.get("error")
    assert text.startswith("soak: seed 7 (replay: make soak SOAK_SEED=7"), text
    assert doc["seed"] == 7
    kinds = sorted(set(f["kind"] for f in doc["faults"]))
    assert len(kinds) >= 5, kinds
    assert sorted(doc["table"]) == kinds
    for kind in kinds:
        assert "| %s | %d |" % (kind, doc["table"][kind]["count"]) in text
    assert doc["pings"]["sent"] > 3000 and doc["pings"]["received"] > 0
    assert doc["client_totals"].get("echo:80", 0) > 0
    assert doc["client_totals"].get("echo:81", 0) > 0
    # the verdict and the breaches agree, each breach says when and what
    assert res.returncode == (1 if doc["breaches"] else 0), text
    for b in doc["breaches"]:
        assert b["seed"] == 7 and b["invariant"] and b["what"]
        assert "BREACH at %s s [%s]" % (b["t_s"], b["invariant"]) in text
    assert ("FAILED: " if doc["breaches"] else "every invariant held") in text
    assert doc["elapsed_s"] < 60 + 300
    assert doc["netns_prefix"] and not namespaces(doc["netns_prefix"])


@pytest.mark.heavy
def test_a_planted_backup_that_keeps_its_vip_is_caught(tmp_path):
    """Seed 1 begins with the master's track script failing: the node that
    takes over is a second holder of the VIP with the planted bug."""
    res, doc = soak(tmp_path, "--seed", "1", "--patch", PLANTED, timeout=900)
    assert res.returncode == 1, res.stdout + res.stderr
    found = [b for b in doc["breaches"] if b["invariant"] == "one master"]
    assert found, res.stdout
    assert "all master of ext" in found[0]["what"]
    assert "applied %s" % PLANTED in res.stdout
