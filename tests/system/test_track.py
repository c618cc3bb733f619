# SPDX-License-Identifier: GPL-2.0-or-later
"""
Health that moves the VIP: track scripts (rise/fall, timeouts, hanging and
chatty scripts), tracked interfaces, track files, script security. The pair
is a (priority 150) and b (100); a's tracked objects decide who is master.

Scripts are small shell scripts in a directory the test creates under /tmp
(root-owned, mode 0755, so that the security rule accepts it and the script
user can reach it) and removes afterwards.
"""

import json
import os
import shutil
import time

from vipnet import (DEFAULT_VIP as VIP, hold_for, vipctl, wait_until,
                    write_script)

SETTLE_S = 15.0


def track_pair(topo, script_dir, body, weight=-60, rise=1, fall=1,
               interval_ms=100, timeout_ms=1000, user="root"):
    """a (150) tracks script chk (body) with weight; b (100) tracks nothing."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    path = write_script(script_dir, "chk.sh", body)
    a.global_settings["script_user"] = user
    a.sections["track_scripts"] = [{
        "name": "chk", "command": [path], "interval_ms": interval_ms,
        "timeout_ms": timeout_ms, "rise": rise, "fall": fall}]
    a.instances[0]["track_scripts"] = [{"name": "chk", "weight": weight}]
    return a, b


def settle(master, backup, timeout=SETTLE_S):
    master.wait_state("MASTER", timeout=timeout)
    wait_until(lambda: master.has_vip(VIP), timeout, "%s to hold the VIP" % master.name)
    backup.wait_state("BACKUP", timeout=timeout)
    wait_until(lambda: not backup.has_vip(VIP), timeout,
               "%s to release the VIP" % backup.name)


def tracking(node, name="ext"):
    return node.instance(name)["tracking"]


def pid_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


# --------------------------------------------------------------------------

def test_failing_track_script_moves_vip_to_peer_and_back_respecting_rise_fall(
        topo, vipd_bin, script_dir):
    flag = os.path.join(script_dir, "fail")
    once = os.path.join(script_dir, "fail_once")
    a, b = track_pair(topo, script_dir,
                      '[ -e %s ] && exit 1\n'
                      'if [ -e %s ]; then rm -f %s; exit 1; fi\nexit 0'
                      % (flag, once, once), weight=-60, rise=3, fall=2)
    a.start()
    b.start()
    settle(a, b)

    # One failure is less than fall = 2: nothing moves.
    open(once, "w").close()
    wait_until(lambda: not os.path.exists(once), 5.0, "the script to fail once")
    hold_for(lambda: a.state() == "MASTER" and
             a.instance()["effective_priority"] == 150, 1.0, "a to stay MASTER at 150")

    open(flag, "w").close()
    settle(b, a)
    inst = a.instance()
    assert inst["effective_priority"] == 90, inst
    assert "chk" in inst["tracking"]["reason"], inst["tracking"]
    assert inst["tracking"]["scripts"][0]["up"] is False
    assert "exit 1" in inst["tracking"]["scripts"][0]["last"]
    assert "priority 150 -> 90" in a.log_text()

    os.unlink(flag)
    settle(a, b)
    assert a.instance()["effective_priority"] == 150
    scripts = a.dump()["track_scripts"]
    assert scripts[0]["name"] == "chk" and scripts[0]["up"] is True
    # That rise and fall count runs: test_rise_and_fall_count_runs_in_a_row.
    assert "rise 3, fall 2" in a.log_text()


def test_hanging_script_and_its_children_are_killed_at_the_timeout(
        topo, vipd_bin, script_dir):
    pids = os.path.join(script_dir, "pids")
    a, b = track_pair(topo, script_dir,
                      'echo $$ >> %s\nsleep 60 &\necho $! >> %s\nwait' % (pids, pids),
                      weight=0, interval_ms=200, timeout_ms=300)
    a.start()
    b.start()
    # A hanging check fails (weight 0: FAULT) and b serves.
    a.wait_state("FAULT", timeout=SETTLE_S)
    b.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: b.has_vip(VIP), SETTLE_S, "b to hold the VIP")
    assert not a.has_vip(VIP)
    inst = a.instance()
    assert "timed out" in inst["tracking"]["reason"], inst["tracking"]
    assert "timed out" in inst["timeline"][0]["detail"], inst["timeline"][0]
    # Every script and every child it forked is gone after its timeout.
    with open(pids) as f:
        started = [int(x) for x in f.read().split()]
    assert len(started) >= 2
    old = started[:-2]          # the last run may still be within its timeout
    wait_until(lambda: all(pid_gone(p) for p in started[:2]), 5.0,
               "the first run and its child to be killed")
    assert all(pid_gone(p) for p in old)
    assert a.dump()["scripts"]["timed_out"] >= 1
    assert a.alive()


def test_script_printing_megabytes_neither_blocks_nor_fails(topo, vipd_bin, script_dir):
    a, b = track_pair(topo, script_dir,
                      "head -c 3000000 /dev/zero | tr '\\000' x\necho\necho all good\nexit 0",
                      weight=-60, interval_ms=200, timeout_ms=5000)
    a.start()
    b.start()
    settle(a, b)
    wait_until(lambda: a.dump()["scripts"]["output_bytes"] > 6000000, 15.0,
               "two runs' output to be read and thrown away")
    inst = a.instance()
    assert inst["tracking"]["scripts"][0]["up"] is True
    assert inst["effective_priority"] == 150
    assert a.dump()["scripts"]["succeeded"] >= 2


def test_missing_script_counts_as_failing(topo, vipd_bin, script_dir):
    a, b = track_pair(topo, script_dir, "exit 0", weight=0)
    os.unlink(os.path.join(script_dir, "chk.sh"))
    a.start()
    b.start()
    a.wait_state("FAULT", timeout=SETTLE_S)
    b.wait_state("MASTER", timeout=SETTLE_S)
    inst = a.instance()
    assert "No such file" in inst["tracking"]["reason"], inst["tracking"]
    assert a.dump()["scripts"]["start_failed"] >= 1
    # Installed later: picked up at the next run, no restart needed.
    write_script(script_dir, "chk.sh", "exit 0")
    settle(a, b)


def test_script_forking_without_end_is_bounded_and_killed(topo, vipd_bin, script_dir):
    pids = os.path.join(script_dir, "pgid")
    open(pids, "w").close()
    os.chmod(pids, 0o666)
    a, b = track_pair(topo, script_dir,
                      'echo $$ >> %s\nwhile :; do sleep 30 & done' % pids,
                      weight=0, interval_ms=1000, timeout_ms=300, user="nobody")
    a.start()
    b.start()
    a.wait_state("FAULT", timeout=SETTLE_S)
    with open(pids) as f:
        first = int(f.read().split()[0])

    def group_empty():
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(") ", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[2]) == first and fields[0] != "Z":
                return False
        return True
    wait_until(group_empty, 10.0, "the forking script's process group to be gone")
    assert a.alive()
    # Stopped by RLIMIT_NPROC ("Cannot fork") or by its timeout, whichever
    # comes first; either way a failure, and nothing of it is left.
    reason = a.instance()["tracking"]["reason"]
    assert "Cannot fork" in reason or "timed out" in reason, reason


def test_tracked_interface_down_is_fault_and_up_recovers(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    topo.add_segment("br1")
    a.host.attach("br1", "10.1.0.1/24", "eth1")
    a.instances[0]["track_interfaces"] = [{"name": "eth1", "weight": 0}]
    a.start()
    b.start()
    settle(a, b)

    a.host.link_set("down", dev="eth1")
    a.wait_state("FAULT", timeout=SETTLE_S)
    wait_until(lambda: b.has_vip(VIP) and not a.has_vip(VIP), SETTLE_S,
               "the VIP to move to b")
    inst = a.instance()
    assert inst["tracking"]["fault"] is True
    assert "interface eth1 down" in inst["tracking"]["reason"]
    assert inst["timeline"][0]["to"] == "FAULT"
    assert inst["timeline"][0]["reason"] == "tracked object failed"

    a.host.link_set("up", dev="eth1")
    settle(a, b)
    timeline = a.instance()["timeline"]
    # Back through BACKUP, then preempting b.
    assert [e["to"] for e in timeline[:2]] == ["MASTER", "BACKUP"], timeline[:3]


def test_tracked_interface_with_weight_lowers_priority_while_down(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    topo.add_segment("br1")
    a.host.attach("br1", "10.1.0.1/24", "eth1")
    a.instances[0]["track_interfaces"] = [{"name": "eth1", "weight": -100}]
    a.start()
    b.start()
    settle(a, b)
    a.host.link_set("down", dev="eth1")
    settle(b, a)
    assert a.instance()["effective_priority"] == 50
    a.host.link_set("up", dev="eth1")
    settle(a, b)


def test_track_file_demotes_and_promotes(topo, vipd_bin, vipctl_bin, script_dir):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    path = os.path.join(script_dir, "ext.prio")
    with open(path, "w") as f:
        f.write("0\n")
    a.instances[0]["track_files"] = [{"path": path, "weight": 1}]
    a.start()
    b.start()
    settle(a, b)

    with open(path, "w") as f:          # an operator demotes a
        f.write("-60\n")
    settle(b, a)
    inst = a.instance()
    assert inst["effective_priority"] == 90
    assert inst["tracking"]["files"][0]["value"] == -60
    # vipctl status shows what the dump shows.
    res = vipctl(vipctl_bin, a, "status", "--json")
    assert res.returncode == 0, res.stderr
    ext = json.loads(res.stdout)["instances"][0]
    assert ext["tracking"]["files"][0] == inst["tracking"]["files"][0]
    assert ext["effective_priority"] == 90
    res = vipctl(vipctl_bin, a, "dump")        # status is the table
    assert "file %s: -60, weight 1" % path in res.stdout, res.stdout

    tmp = path + ".new"                 # replaced by rename, as tools do
    with open(tmp, "w") as f:
        f.write("0\n")
    os.rename(tmp, path)
    settle(a, b)
    assert a.instance()["effective_priority"] == 150

    os.unlink(path)                     # missing: a failure, i.e. FAULT
    a.wait_state("FAULT", timeout=SETTLE_S)
    assert "unreadable" in a.instance()["tracking"]["reason"]


def test_insecure_script_is_refused_with_its_reason(topo, vipd_bin, script_dir):
    a, b = track_pair(topo, script_dir, "exit 0")
    path = os.path.join(script_dir, "chk.sh")
    a.write_config()
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    assert res.returncode == 0, res.stdout + res.stderr

    os.chmod(path, 0o757)               # anyone may rewrite it
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "%s:" % a.conf_path in out and "writable by everyone" in out, out

    os.chmod(path, 0o755)
    os.chmod(script_dir, 0o777)         # or the directory above it
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "%s is writable by everyone" % script_dir in out, out
    # Refused at start as well.
    res = a.host.run([vipd_bin, "-n", "-f", a.conf_path, "-p",
                      os.path.join(a.dir, "x.pid"), "-S", a.state_dir], check=False)
    assert res.returncode == 1 and "writable by everyone" in res.stdout + res.stderr
    os.chmod(script_dir, 0o755)

    # And at reload: the old configuration keeps running.
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    os.chmod(path, 0o757)
    a.reload()
    wait_until(lambda: "reload refused" in a.log_text() and
               "writable by everyone" in a.log_text(), 10.0, "the reload to be refused")
    assert a.alive() and a.dump()["reloads_refused"] == 1
    os.chmod(path, 0o755)


def test_reload_adding_a_track_file_demotes_without_restart(topo, vipd_bin, script_dir):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    a.start()
    b.start()
    settle(a, b)
    before = a.instance()["counters"]["transitions"]
    path = os.path.join(script_dir, "ext.prio")
    with open(path, "w") as f:
        f.write("-60\n")
    a.instances[0]["track_files"] = [{"path": path, "weight": 1}]
    a.reload()
    # Kept (not restarted): MASTER -> BACKUP on b's preemption, no INIT.
    settle(b, a)
    inst = a.instance()
    assert inst["effective_priority"] == 90
    assert "1 kept" in a.log_text()
    assert all(e["to"] != "INIT" and e["from"] != "INIT"
               for e in inst["timeline"][:inst["counters"]["transitions"] - before])
    # And removing it again gives the base priority back.
    a.instances[0].pop("track_files")
    a.reload()
    settle(a, b)
    assert a.instance()["effective_priority"] == 150


def test_config_test_refuses_a_script_user_that_does_not_exist(topo, vipd_bin, script_dir):
    a, b = track_pair(topo, script_dir, "exit 0", user="vipd-no-such-user")
    a.write_config()
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "global.script_user: no user named 'vipd-no-such-user'" in out, out


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_rise_and_fall_count_runs_in_a_row(topo, vipd_bin, script_dir):
    """Each run appends ok or fail to a file; a moves only after `fall`
    failures, and comes back only after `rise` successes, counted there.
    Runs are 1 s apart, so a move one run early shows in the count."""
    flag = os.path.join(script_dir, "fail")
    runs = os.path.join(script_dir, "runs")
    open(runs, "w").close()
    os.chmod(runs, 0o666)
    a, b = track_pair(topo, script_dir,
                      'if [ -e %s ]; then echo fail >> %s; exit 1; fi\n'
                      'echo ok >> %s\nexit 0' % (flag, runs, runs),
                      weight=-60, rise=3, fall=2, interval_ms=1000, timeout_ms=900)
    a.start()
    b.start()
    settle(a, b)

    def run_of(word):
        """Runs of `word` at the end of the record (its current streak)."""
        lines = read_lines(runs)
        n = 0
        while n < len(lines) and lines[-1 - n] == word:
            n += 1
        return n

    open(flag, "w").close()
    seen = {}

    def demoted():
        prio = a.instance()["effective_priority"]    # the state first,
        seen["fails"] = run_of("fail")                # then the count
        return prio == 90
    wait_until(demoted, 15.0, "a to drop to priority 90", interval=0.05)
    assert seen["fails"] >= 2, (seen, read_lines(runs))
    settle(b, a)

    os.unlink(flag)

    def promoted():
        inst = a.instance()
        seen["oks"] = run_of("ok")
        return inst["effective_priority"] == 150 or inst["state"] == "MASTER"
    wait_until(promoted, 15.0, "a to come back to priority 150", interval=0.05)
    assert seen["oks"] >= 3, (seen, read_lines(runs))
    settle(a, b)


def test_weight_driven_failover_records_the_track_reason_on_both_nodes(
        topo, vipd_bin, script_dir):
    """A priority lowered by a weight moves the VIP by plain VRRP rules;
    the transitions still say why: a (demoted) names its track change, b
    knows only the priority a advertised, and says that."""
    flag = os.path.join(script_dir, "fail")
    a, b = track_pair(topo, script_dir, "[ ! -e %s ]" % flag, weight=-60)
    a.start()
    b.start()
    settle(a, b)

    open(flag, "w").close()
    settle(b, a)
    ta = a.instance()["timeline"][0]
    assert (ta["to"], ta["reason"]) == ("BACKUP", "higher priority advert"), ta
    assert ta["detail"].startswith("script chk failing (exit 1), weight -60, "
                                   "priority 150 -> 90"), ta
    assert ("ext: MASTER -> BACKUP (higher priority advert, 192.0.2.2 advertises "
            "priority 100, above our 90; ours: script chk failing (exit 1), "
            "weight -60, priority 150 -> 90)") in a.log_text()
    tb = b.instance()["timeline"][0]
    assert (tb["to"], tb["reason"]) == ("MASTER", "preempting lower-priority master"), tb
    assert tb["detail"] == "192.0.2.1 advertised priority 90, below our 100", tb
    assert "192.0.2.1 advertised priority 90, below our 100)" in b.log_text()

    os.unlink(flag)
    settle(a, b)
    ta = a.instance()["timeline"][0]
    assert (ta["to"], ta["reason"]) == ("MASTER", "preempting lower-priority master"), ta
    assert ta["detail"] == ("tracked objects ok, priority 90 -> 150; 192.0.2.2 "
                            "advertised priority 100, below our 150"), ta
    tb = b.instance()["timeline"][0]
    assert (tb["to"], tb["reason"]) == ("BACKUP", "higher priority advert"), tb
    assert tb["detail"] == "192.0.2.1 advertises priority 150, above our 100", tb


def test_scripts_run_as_script_user_with_only_the_clean_environment(
        topo, vipd_bin, script_dir, monkeypatch):
    """script_user = "nobody": a track script and a notify script record
    who they run as and what environment they got (/proc/$$/environ: what
    exec handed over, not what the shell adds)."""
    out = os.path.join(script_dir, "out")
    os.mkdir(out)
    # The scripts stay in script_dir, root's and closed to others (the
    # security rule); their records go to a directory of the test that
    # anyone may write into (sticky, as /tmp), so a script running as
    # anyone else would leave its own uid there, not fail to write.
    os.chmod(out, 0o1777)
    st = os.stat(script_dir)
    assert st.st_uid == 0 and st.st_mode & 0o022 == 0, oct(st.st_mode)

    def recorder(name):
        f = os.path.join(out, name)
        return ('{ echo "uid $(id -u)"; echo "gid $(id -g)"; echo "groups $(id -G)"; '
                'echo "cwd $(pwd)"; tr "\\000" "\\n" < /proc/$$/environ; } > %s.tmp '
                '&& mv %s.tmp %s' % (f, f, f))
    a, b = track_pair(topo, script_dir, recorder("track") + "\nexit 0", user="nobody")
    a.instances[0]["notify"] = {"master": write_script(script_dir, "notify",
                                                       recorder("notify"))}
    # Whatever vipd's own environment holds, scripts do not see it.
    monkeypatch.setenv("VIPD_TEST_SECRET", "leak")
    a.start()
    b.start()
    settle(a, b)
    for name in ("track", "notify"):
        path = os.path.join(out, name)
        wait_until(lambda: os.path.exists(path), 10.0, "the %s script's record" % name)
        lines = read_lines(path)
        assert lines[:4] == ["uid 65534", "gid 65534", "groups 65534", "cwd /"], \
            (name, lines)
        assert lines[4:] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], (name, lines)
        assert os.stat(path).st_uid == 65534


def test_symlink_to_a_script_in_a_user_writable_directory_is_refused(
        topo, vipd_bin, script_dir):
    """The script is root's and the link is in a root-only directory, but
    the directory the link leads to is nobody's: nobody could replace it."""
    a, b = track_pair(topo, script_dir, "exit 0")
    userdir = os.path.join(script_dir, "user")
    os.mkdir(userdir)
    os.chown(userdir, 65534, 65534)
    target = os.path.join(userdir, "chk.sh")
    os.rename(os.path.join(script_dir, "chk.sh"), target)
    os.symlink(target, os.path.join(script_dir, "chk.sh"))
    a.write_config()
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "%s is owned by uid 65534, not root (%s resolves to %s)" % (
        userdir, os.path.join(script_dir, "chk.sh"), target) in out, out
    # The same tree with a root-owned directory is fine.
    os.chown(userdir, 0, 0)
    res = a.host.run([vipd_bin, "-t", "-f", a.conf_path], check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def test_tracked_interface_losing_carrier_at_the_switch_is_fault(topo, vipd_bin):
    """The switch port goes down (a cable pulled, a switch reboot): eth1 is
    still administratively up on a, but has no carrier. FAULT as well."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    topo.add_segment("br1")
    port = a.host.attach("br1", "10.1.0.1/24", "eth1")
    a.instances[0]["track_interfaces"] = [{"name": "eth1", "weight": 0}]
    a.start()
    b.start()
    settle(a, b)

    topo.sw_run(["ip", "link", "set", port, "down"])
    a.wait_state("FAULT", timeout=SETTLE_S)
    wait_until(lambda: b.has_vip(VIP) and not a.has_vip(VIP), SETTLE_S,
               "the VIP to move to b")
    link = json.loads(a.host.run(["ip", "-j", "link", "show", "dev", "eth1"]).stdout)[0]
    assert "UP" in link["flags"] and "LOWER_UP" not in link["flags"], link
    inst = a.instance()
    assert "interface eth1 down" in inst["tracking"]["reason"], inst["tracking"]
    assert inst["timeline"][0]["to"] == "FAULT"

    topo.sw_run(["ip", "link", "set", port, "up"])
    settle(a, b)


def test_track_file_directory_made_later_or_recreated_is_watched_again(
        topo, vipd_bin, script_dir):
    """The track file's directory does not exist at start (a tmpfs not yet
    mounted), and later is removed and made again: each time vipd watches
    it again, without a reload."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    d = os.path.join(script_dir, "later")
    path = os.path.join(d, "ext.prio")
    a.instances[0]["track_files"] = [{"path": path, "weight": 1}]

    def write(value):
        with open(path + ".new", "w") as f:
            f.write("%d\n" % value)
        os.rename(path + ".new", path)

    a.start()
    b.start()
    a.wait_state("FAULT", timeout=SETTLE_S)         # missing: a failure
    b.wait_state("MASTER", timeout=SETTLE_S)
    os.mkdir(d)
    write(0)
    settle(a, b)

    shutil.rmtree(d)
    a.wait_state("FAULT", timeout=SETTLE_S)
    time.sleep(0.3)                                 # the watch is gone now
    os.mkdir(d)
    write(0)
    settle(a, b)
    # The new watch sees changes, not only the read when it came back.
    write(-60)
    settle(b, a)
    assert a.instance()["effective_priority"] == 90
    assert "watching %s again" % d in a.log_text()
