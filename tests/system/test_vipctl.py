"""
vipctl against a running vipd: the control socket's exit codes, status in
text and JSON, reload through the socket (accepted and refused), and the
socket's root-only mode.
"""

import json
import os
import re
import stat
import time

from vipnet import DEFAULT_VIP, PingerRun, vipctl, wait_until

SETTLE_S = 15.0


def start_pair(a, b):
    """Start a (priority 150) and b (100); wait until a is master."""
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)


def test_vipctl_status_dump_stats_and_exit_codes(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

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


def test_vipctl_fault_on_hands_over_without_loss_and_off_returns(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    pinger = PingerRun(client, DEFAULT_VIP, 2, None)
    time.sleep(0.5)
    res = vipctl(vipctl_bin, a, "fault", "ext", "on")
    assert res.returncode == 0, res.stderr
    assert "forced FAULT on" in res.stdout
    wait_until(lambda: a.state() == "FAULT", 10, "a to be in FAULT")
    wait_until(b.has_vip, 10, "b to take over")
    time.sleep(0.3)
    result = pinger.stop()
    assert result["lost"] == 0, result
    assert not a.has_vip()

    # Shown as forced everywhere: status text and JSON; kept until off.
    assert "forced by vipctl fault on" in vipctl(vipctl_bin, a, "status").stdout
    ext = a.instance()
    assert ext["state"] == "FAULT" and ext["forced_fault"] is True
    res = vipctl(vipctl_bin, a, "fault", "ext", "on")
    assert res.returncode == 1 and "already on" in res.stderr

    res = vipctl(vipctl_bin, a, "fault", "ext", "off")
    assert res.returncode == 0, res.stderr
    # Back as at startup, then preempting b (priority 150 > 100).
    wait_until(lambda: a.has_vip() and not b.has_vip(), SETTLE_S,
               "a to take the VIP back after fault off")
    assert a.instance()["forced_fault"] is False

    res = vipctl(vipctl_bin, a, "fault", "nosuch", "on")
    assert res.returncode == 1 and "no instance named" in res.stderr


def run_drill(vipctl_bin, node, *args):
    return vipctl(vipctl_bin, node, "drill", *args, timeout=60)


def test_vipctl_drill_measures_handover_and_takeback_without_loss(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    pinger = PingerRun(client, DEFAULT_VIP, 2, None)
    res = run_drill(vipctl_bin, a, "ext", "--hold", "1")
    result = pinger.stop()
    assert res.returncode == 0, res.stdout + res.stderr
    m = re.search(r"192\.0\.2\.2 took over (\d+) ms after our priority 0; "
                  r"held BACKUP 1\.0 s; took the VIPs back in (\d+) ms", res.stdout)
    assert m, res.stdout
    # b's Skew_Time at 100 ms adverts is 60 ms; take-back needs b's adverts
    # ignored for a Master_Down_Interval (341 ms for a).
    assert 20 <= int(m.group(1)) <= 1000, res.stdout
    assert 100 <= int(m.group(2)) <= 3000, res.stdout
    assert result["lost"] == 0, result
    assert a.state() == "MASTER" and a.has_vip() and not b.has_vip()
    assert "drill ext:" in a.log_text()


def test_vipctl_drill_refused_on_backup_and_fails_without_peer(lan, vipctl_bin):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    # Alone: nobody takes over, the drill says so and exits 1; a is master again.
    res = run_drill(vipctl_bin, a, "ext", "--hold", "0")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "no peer took over within Master_Down_Interval" in res.stderr
    a.wait_state("MASTER", timeout=SETTLE_S)

    b.start()
    b.wait_state("BACKUP", timeout=SETTLE_S)
    # b enters BACKUP before it has heard a's first advert; the refusal
    # names the master only once it is known.
    wait_until(lambda: b.instance("ext").get("master_address") == "192.0.2.1",
               SETTLE_S, "b to have heard a's advert")
    res = run_drill(vipctl_bin, b, "ext")
    assert res.returncode == 1
    assert "not MASTER" in res.stderr and "192.0.2.1" in res.stderr


def test_vipctl_drill_with_keepalived_peer(topo, vipd_bin, keepalived_bin, vipctl_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_keepalived("b", "192.0.2.2", priority=100, advert_int=0.1)
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: not b.has_vip(), SETTLE_S, "keepalived to be backup")

    res = run_drill(vipctl_bin, a, "ext", "--hold", "0.5")
    assert res.returncode == 0, res.stdout + res.stderr
    assert re.search(r"192\.0\.2\.2 took over \d+ ms", res.stdout), res.stdout
    wait_until(lambda: a.has_vip() and not b.has_vip(), SETTLE_S,
               "a to hold the VIP again after the drill")
