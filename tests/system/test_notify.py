"""
Notify scripts and the notify FIFO: called in the order of the transitions
with keepalived's arguments (TYPE NAME STATE PRIORITY), one at a time per
instance, never delaying a transition; failures and hangs are counted.
"""

import os

from vipnet import DEFAULT_VIP as VIP, wait_until, write_script

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
