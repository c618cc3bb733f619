# SPDX-License-Identifier: GPL-2.0-or-later
"""
Notify scripts and the notify FIFO: called in the order of the transitions
with keepalived's arguments (TYPE NAME STATE PRIORITY), one at a time per
instance, never delaying a transition; failures and hangs are counted.
"""

import os
import signal
import time

from vipnet import DEFAULT_VIP as VIP, hold_for, wait_until, write_script

SETTLE_S = 15.0


def recorder(directory, name, record):
    """A notify script appending 'name ARGS...' to record."""
    return write_script(directory, name, 'echo "%s $*" >> %s' % (name, record))


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_notify_scripts_run_in_order_with_keepalived_arguments(topo, vipd_bin, script_dir):
    record = os.path.join(script_dir, "record")
    fifo = os.path.join(script_dir, "notify.fifo")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["script_user"] = "root"
    a.global_settings["notify_fifo"] = fifo
    a.instances[0]["notify"] = {
        kind: recorder(script_dir, kind, record)
        for kind in ("master", "backup", "fault", "stop", "any")}
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        expected = ["backup INSTANCE ext BACKUP 150", "any INSTANCE ext BACKUP 150",
                    "master INSTANCE ext MASTER 150", "any INSTANCE ext MASTER 150"]
        wait_until(lambda: read_lines(record) == expected, 10.0,
                   "the notify scripts of BACKUP then MASTER")
        fifo_text = os.read(reader, 65536).decode()
    finally:
        os.close(reader)
    assert fifo_text.splitlines() == ['INSTANCE "ext" BACKUP 150',
                                      'INSTANCE "ext" MASTER 150'], fifo_text

    # A graceful stop: FAULT is not involved, STOP is, before vipd exits.
    assert a.stop() == 0
    assert read_lines(record)[4:] == ["stop INSTANCE ext STOP 150",
                                      "any INSTANCE ext STOP 150"], read_lines(record)


def test_failing_and_hanging_notify_scripts_never_delay_a_transition(
        topo, vipd_bin, script_dir):
    record = os.path.join(script_dir, "record")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    a.global_settings["script_user"] = "root"
    a.instances[0]["notify"] = {
        "backup": write_script(script_dir, "hang", "sleep 60 & sleep 60"),
        "master": write_script(script_dir, "fail", "exit 3"),
        "any": recorder(script_dir, "any", record),
        "timeout_ms": 500}
    a.start()
    b.start()
    # The BACKUP script hangs; MASTER still comes on time, its script waits
    # its turn (one at a time per instance) and fails.
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip(VIP), SETTLE_S, "a to hold the VIP")
    wait_until(lambda: read_lines(record) == ["any INSTANCE ext BACKUP 150",
                                              "any INSTANCE ext MASTER 150"],
               10.0, "both 'any' calls, in order")
    counters = a.dump()["notify"]
    assert counters["timed_out"] >= 1 and counters["failed"] >= 2, counters
    log = a.log_text()
    assert "timed out after" in log and "exit 3" in log
    # Transitions keep coming while notify scripts misbehave.
    b.stop()
    a.wait_state("MASTER", timeout=SETTLE_S)
    assert a.alive()


def test_notify_fifo_that_is_not_a_fifo_is_reported_and_vipd_runs(topo, vipd_bin, script_dir):
    path = os.path.join(script_dir, "plain")
    open(path, "w").close()
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["notify_fifo"] = path
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    assert "notify_fifo %s" % path in a.log_text()


def pid_running(pid):
    """Alive and not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return not f.read().rsplit(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_hanging_backup_notify_does_not_delay_master_and_is_killed_on_stop(
        topo, vipd_bin, script_dir):
    """The BACKUP script sleeps 60 s (timeout 30 s): MASTER comes on time
    while it still runs, the MASTER script waits its turn, and stopping
    vipd kills the hanging script with what it forked."""
    pids = os.path.join(script_dir, "pids")
    record = os.path.join(script_dir, "record")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["script_user"] = "root"
    a.instances[0]["notify"] = {
        "backup": write_script(script_dir, "hang",
                               "echo $$ >> %s\nsleep 60 &\necho $! >> %s\nwait"
                               % (pids, pids)),
        "master": recorder(script_dir, "master", record),
        "timeout_ms": 30000}
    started = time.monotonic()
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: a.has_vip(VIP), SETTLE_S, "a to hold the VIP")
    took = time.monotonic() - started
    wait_until(lambda: len(read_lines(pids)) == 2, 5.0, "the hanging script's pids")
    script, child = (int(p) for p in read_lines(pids))
    # MASTER while the BACKUP script (and its child) still run.
    assert pid_running(script) and pid_running(child)
    assert took < 10.0, took
    # One at a time: the MASTER script waits behind the hanging one.
    hold_for(lambda: read_lines(record) == [], 1.0, "the MASTER script to wait")
    assert a.dump()["notify"]["timed_out"] == 0

    assert a.stop() == 0
    wait_until(lambda: not pid_running(script) and not pid_running(child), 5.0,
               "the hanging script and its child to be killed on stop")


def test_fault_notify_carries_keepalived_arguments(topo, vipd_bin, script_dir):
    """Tracked interface down: FAULT runs the fault script then any, with
    the arguments; back up: BACKUP then MASTER. The FIFO says the same."""
    record = os.path.join(script_dir, "record")
    fifo = os.path.join(script_dir, "notify.fifo")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    topo.add_segment("br1")
    a.host.attach("br1", "10.1.0.1/24", "eth1")
    a.instances[0]["track_interfaces"] = [{"name": "eth1", "weight": 0}]
    a.global_settings["script_user"] = "root"
    a.global_settings["notify_fifo"] = fifo
    a.instances[0]["notify"] = {
        kind: recorder(script_dir, kind, record)
        for kind in ("master", "backup", "fault", "any")}
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    up = ["backup INSTANCE ext BACKUP 150", "any INSTANCE ext BACKUP 150",
          "master INSTANCE ext MASTER 150", "any INSTANCE ext MASTER 150"]
    wait_until(lambda: read_lines(record) == up, 10.0, "BACKUP then MASTER")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.read(reader, 65536)                  # what came before
        a.host.link_set("down", dev="eth1")
        a.wait_state("FAULT", timeout=SETTLE_S)
        fault = ["fault INSTANCE ext FAULT 150", "any INSTANCE ext FAULT 150"]
        wait_until(lambda: read_lines(record) == up + fault, 10.0,
                   "the fault script, then any")
        a.host.link_set("up", dev="eth1")
        a.wait_state("MASTER", timeout=SETTLE_S)
        wait_until(lambda: read_lines(record) == up + fault + up, 10.0,
                   "BACKUP then MASTER again")
        fifo_text = os.read(reader, 65536).decode()
    finally:
        os.close(reader)
    assert fifo_text.splitlines() == ['INSTANCE "ext" FAULT 150',
                                      'INSTANCE "ext" BACKUP 150',
                                      'INSTANCE "ext" MASTER 150'], fifo_text


def test_notify_scripts_of_one_instance_never_run_two_at_once(
        topo, vipd_bin, script_dir):
    """Each script writes start and end around a sleep longer than the
    time between BACKUP and MASTER: the record shows no overlap, in
    transition order (the state's own script, then any)."""
    record = os.path.join(script_dir, "record")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["script_user"] = "root"
    body = 'echo "start %%s $3" >> %s\nsleep 0.6\necho "end %%s $3" >> %s' % (
        record, record)
    a.instances[0]["notify"] = {
        kind: write_script(script_dir, kind, body % (kind, kind))
        for kind in ("master", "backup", "any")}
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    want = []
    for kind, state in (("backup", "BACKUP"), ("any", "BACKUP"),
                        ("master", "MASTER"), ("any", "MASTER")):
        want += ["start %s %s" % (kind, state), "end %s %s" % (kind, state)]
    wait_until(lambda: len(read_lines(record)) >= len(want), 10.0,
               "the four scripts to be done")
    assert read_lines(record) == want


def read_pids(path, count):
    lines = read_lines(path)
    if len(lines) < count:
        return None
    return [int(p) for p in lines[:count]]


def test_notify_script_leaves_its_background_service_running(
        topo, vipd_bin, script_dir):
    """keepalived's habit: a MASTER script starts a service with `foo &`
    and exits 0. The service keeps running after the script is gone (vipd
    kills only what a script leaves behind at its timeout), also when it
    writes to its stdout once the script has exited."""
    pids = os.path.join(script_dir, "pids")
    record = os.path.join(script_dir, "record")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["script_user"] = "root"
    a.instances[0]["notify"] = {
        "master": write_script(
            script_dir, "master",
            "(sleep 0.5; echo service up; sleep 30) &\necho $! > %s\nexit 0"
            % pids),
        "any": recorder(script_dir, "any", record),
        "timeout_ms": 2000}
    a.start()
    service = None
    try:
        a.wait_state("MASTER", timeout=SETTLE_S)
        [service] = wait_until(lambda: read_pids(pids, 1), 10.0,
                               "the MASTER script's background service")
        # The script has exited: the next one (any, MASTER) has run.
        wait_until(lambda: "any INSTANCE ext MASTER 150" in read_lines(record),
                   10.0, "the MASTER script to be done")
        # Past the timeout and past its write: still running.
        hold_for(lambda: pid_running(service), 3.0,
                 "the service started by the MASTER script to keep running")
        counters = a.dump()["notify"]
        assert counters["failed"] == 0 and counters["timed_out"] == 0, counters
    finally:
        if service is not None and pid_running(service):
            os.kill(service, signal.SIGKILL)
    assert a.stop() == 0


def test_hanging_notify_script_and_its_children_are_killed_at_the_timeout(
        topo, vipd_bin, script_dir):
    """A BACKUP script that forks a child and waits for it outlives its
    timeout (1 s): both die then, with vipd still running, MASTER on time,
    and the timeout counted."""
    pids = os.path.join(script_dir, "pids")
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.global_settings["script_user"] = "root"
    a.instances[0]["notify"] = {
        "backup": write_script(script_dir, "hang",
                               "echo $$ >> %s\nsleep 60 &\necho $! >> %s\nwait"
                               % (pids, pids)),
        "timeout_ms": 1000}
    a.start()
    script, child = wait_until(lambda: read_pids(pids, 2), 10.0,
                               "the hanging script's pids")
    try:
        a.wait_state("MASTER", timeout=SETTLE_S)
        wait_until(lambda: not pid_running(script) and not pid_running(child),
                   10.0, "the hanging script and its child to be killed")
        wait_until(lambda: a.dump()["notify"]["timed_out"] == 1, 10.0,
                   "the timeout to be counted")
        assert a.alive()
        assert "timed out after" in a.log_text()
    finally:
        for pid in (script, child):
            if pid_running(pid):
                os.kill(pid, signal.SIGKILL)
    assert a.stop() == 0
