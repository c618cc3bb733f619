"""
vipctl against a running vipd: the control socket's exit codes, status in
text and JSON, reload through the socket (accepted and refused), the
socket's root-only mode, and drills, also those cut short.
"""

import json
import os
import re
import stat
import subprocess
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


def start_drill(vipctl_bin, node, *args):
    """vipctl drill in the background: the Popen, output as text."""
    sock = os.path.join(node.state_dir, "vipd.sock")
    return subprocess.Popen([vipctl_bin, "-s", sock, "drill"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def drill_answer(drill, timeout):
    """(exit status, stdout + stderr) of a background drill; it must answer
    within timeout (the hold is longer, so it must have ended early)."""
    try:
        out, err = drill.communicate(timeout=timeout)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    return drill.returncode, out + err


def drill_until_held(vipctl_bin, a, b, name="ext"):
    """Start a 5 s drill on a; return once b serves and a holds BACKUP."""
    drill = start_drill(vipctl_bin, a, name, "--hold", "5")
    try:
        wait_until(lambda: b.has_vip() and not a.has_vip(), 5,
                   "b to take over in the drill")
        a.wait_state("BACKUP", name=name, timeout=5)
    except Exception:
        drill.kill()
        drill.wait()
        raise
    return drill


EARLY_TAKEOVER = r"; 192\.0\.2\.2 took over \d+ ms after our priority 0"


def test_vipctl_drill_ends_early_when_the_peer_dies_during_the_hold(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    drill = drill_until_held(vipctl_bin, a, b)
    b.crash()
    # Master_Down_Interval is 341 ms: far sooner than the 5 s hold's end.
    code, text = drill_answer(drill, 3)
    assert code == 0, text
    assert re.search(r"drill ext: ended early: peer 192\.0\.2\.2 went away "
                     r"during the hold, took the VIPs back after \d+ ms "
                     r"\(master down timer expired\)" + EARLY_TAKEOVER,
                     text), text
    assert a.state() == "MASTER" and a.has_vip()
    assert "ended early: peer 192.0.2.2 went away" in a.log_text()


def test_vipctl_drill_cut_short_by_fault_on_or_link_down(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    drill = drill_until_held(vipctl_bin, a, b)
    res = vipctl(vipctl_bin, a, "fault", "ext", "on")
    assert res.returncode == 0, res.stderr
    code, text = drill_answer(drill, 3)
    assert code == 0, text
    assert re.search(r"drill ext: ended early: the instance went FAULT "
                     r"\(forced fault \(vipctl fault on\)\) during the hold"
                     + EARLY_TAKEOVER, text), text
    assert b.has_vip() and not a.has_vip()

    assert vipctl(vipctl_bin, a, "fault", "ext", "off").returncode == 0
    wait_until(lambda: a.has_vip() and not b.has_vip(), SETTLE_S,
               "a to take the VIP back after fault off")
    a.wait_state("MASTER", timeout=SETTLE_S)

    drill = drill_until_held(vipctl_bin, a, b)
    a.host.link_set("down")
    try:
        code, text = drill_answer(drill, 3)
    finally:
        a.host.link_set("up")
    assert code == 0, text
    assert re.search(r"drill ext: ended early: the instance went FAULT "
                     r"\(interface down\) during the hold" + EARLY_TAKEOVER,
                     text), text


def test_vipctl_drill_cut_short_by_reload_or_stop(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    # The drilled instance is removed by reload (ext2 replaces it).
    drill = drill_until_held(vipctl_bin, a, b)
    renamed = [dict(a.instances[0], name="ext2")]
    a.reload(instances=renamed)
    code, text = drill_answer(drill, 3)
    assert code == 0, text
    assert re.search(r"drill ext: ended early: the instance was stopped "
                     r"\(removed or changed by reload\) during the hold"
                     + EARLY_TAKEOVER, text), text
    a.wait_state("MASTER", name="ext2", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip() and not b.has_vip(), SETTLE_S,
               "a (ext2) to preempt b")

    # vipd stops (SIGTERM) during the hold: the drill is answered first.
    drill = drill_until_held(vipctl_bin, a, b, name="ext2")
    a.kill()
    code, text = drill_answer(drill, 5)
    assert code == 0, text
    assert re.search(r"drill ext2: ended early: the instance went INIT "
                     r"\(shutdown\) during the hold" + EARLY_TAKEOVER,
                     text), text
    assert a.wait_exit(10) == 0
    assert b.has_vip()
