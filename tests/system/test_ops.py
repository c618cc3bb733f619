# SPDX-License-Identifier: GPL-2.0-or-later
"""
Operating vipd as keepalived users run it: a configuration split over
@include files, systemd's notify protocol and watchdog (against a
NOTIFY_SOCKET listener of the test's own), and process tracking.
"""

import json
import os
import signal
import socket
import subprocess
import time

from vipnet import libconfig_text, vipctl, vipd_instance, wait_until

SETTLE_S = 15.0


def _status(vipctl_bin, node):
    """vipctl status --json without what changes from run to run."""
    res = vipctl(vipctl_bin, node, "status", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)

    def scrub(obj):
        if isinstance(obj, dict):
            return {k: scrub(v) for k, v in obj.items()
                    if not any(w in k for w in ("_ms", "_s", "since", "uptime",
                                                "pid", "time", "count", "sent",
                                                "received", "last"))}
        if isinstance(obj, list):
            return [scrub(v) for v in obj]
        return obj
    return scrub(data)


def _split(node, instances):
    """node's config as main.conf + conf.d/ + instances/, same meaning."""
    d = node.dir
    os.makedirs(os.path.join(d, "conf.d"), exist_ok=True)
    os.makedirs(os.path.join(d, "instances"), exist_ok=True)
    glob_text = libconfig_text({"global": {"router_id": node.host.name,
                                           "state_dir": node.state_dir}})
    with open(os.path.join(d, "conf.d", "00-global.conf"), "w") as f:
        f.write(glob_text)
    for i, inst in enumerate(instances):
        body = libconfig_text({"vrrp_instances": [inst]}).splitlines()[1:-1]
        # Sorted order: 1-ext before 2-int whatever the directory says.
        with open(os.path.join(d, "instances", "%d-%s.inc" % (i + 1, inst["name"])),
                  "w") as f:
            f.write(("  ,\n" if i else "") + "\n".join(body) + "\n")
    with open(node.conf_path, "w") as f:
        f.write("# node %s, shared parts in conf.d/ and instances/\n"
                "@include \"conf.d/*.conf\"\n"
                "vrrp_instances = (\n"
                "@include \"instances/*.inc\"\n"
                ");\n"
                "@include \"site/*.conf\"\n" % node.host.name)


def test_config_split_over_includes_runs_as_the_whole_file(topo, vipd_bin,
                                                           vipctl_bin):
    instances = [vipd_instance("ext", vrid=51, priority=150),
                 vipd_instance("int", vrid=52, priority=120,
                               vips=("192.0.2.101",))]
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.instances = instances
    a.start()
    a.wait_state("MASTER", "ext", timeout=SETTLE_S)
    a.wait_state("MASTER", "int", timeout=SETTLE_S)
    whole = _status(vipctl_bin, a)
    assert a.stop() == 0

    _split(a, instances)
    res = subprocess.run([vipd_bin, "-t", "-f", a.conf_path], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    # The glob that matches nothing is a warning at its own line.
    assert "%s:6: warning: @include \"site/*.conf\" matches no file" \
        % a.conf_path in res.stderr, res.stderr
    a.start()
    a.wait_state("MASTER", "ext", timeout=SETTLE_S)
    a.wait_state("MASTER", "int", timeout=SETTLE_S)
    assert _status(vipctl_bin, a) == whole

    # A bad value in an included file: refused at that file's own line, by
    # -t and by reload alike; the running config stays.
    inc = os.path.join(a.dir, "instances", "2-int.inc")
    with open(inc) as f:
        text = f.read()
    bad = text.replace("priority = 120;", "priority = 900;")
    assert bad != text
    with open(inc, "w") as f:
        f.write(bad)
    line = bad.splitlines().index("    priority = 900;") + 1
    want = "%s:%d: vrrp_instances[int].priority: 900 is out of range" % (inc, line)
    res = subprocess.run([vipd_bin, "-t", "-f", a.conf_path], capture_output=True,
                         text=True)
    assert res.returncode == 1 and want in res.stderr, res.stderr
    res = vipctl(vipctl_bin, a, "reload")
    assert res.returncode == 1 and want in res.stdout + res.stderr, res
    assert a.state("int") == "MASTER"

    # A loop names the chain, at the line that closes it.
    loop = os.path.join(a.dir, "conf.d", "99-loop.conf")
    with open(loop, "w") as f:
        f.write("# back to the top\n@include \"../vipd.conf\"\n")
    with open(inc, "w") as f:
        f.write(text)
    res = subprocess.run([vipd_bin, "-t", "-f", a.conf_path], capture_output=True,
                         text=True)
    assert res.returncode == 1, res.stdout
    assert "%s:2: @include loop: %s -> %s -> %s" % (
        loop, os.path.realpath(a.conf_path), os.path.realpath(loop),
        os.path.realpath(a.conf_path)) in res.stderr, res.stderr
    os.unlink(loop)
    res = vipctl(vipctl_bin, a, "reload")
    assert res.returncode == 0, res.stdout + res.stderr


class NotifyListener:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []

    def drain(self):
        new = []
        while True:
            try:
                new.append(self.sock.recv(4096).decode())
            except socket.timeout:
                break
        self.messages += new
        return new

    def wait_for(self, key, timeout, start=0):
        """Index of the first message from start on holding the line key."""
        def seen():
            self.drain()
            return any(key in m.split("\n") for m in self.messages[start:])
        wait_until(seen, timeout, "%r on NOTIFY_SOCKET (got %r)"
                   % (key, self.messages[start:]), interval=0.01)
        return next(i for i, m in enumerate(self.messages)
                    if i >= start and key in m.split("\n"))

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def _start_notified(node, env):
    """node.start() under systemd's variables (`env` execs, same pid)."""
    node.write_config()
    node.proc = node.host.popen(
        ["env"] + ["%s=%s" % kv for kv in env.items()] +
        [node.topo.vipd_bin, "-n", "-f", node.conf_path, "-p", node.pid_path,
         "-S", node.state_dir],
        log_name=os.path.relpath(node.log_path, node.topo.workdir),
        label="vipd on %s" % node.host.name)
    node.proc.checked = True
    node.proc.expected_codes = {0}
    node.wait_ready()


def _stopped(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")


def test_systemd_notify_ready_reload_stop_and_watchdog(topo, tmp_path):
    listener = NotifyListener(str(tmp_path / "notify.sock"))
    try:
        a = topo.add_vipd("a", "192.0.2.1", priority=150)
        _start_notified(a, {"NOTIFY_SOCKET": listener.path,
                            "WATCHDOG_USEC": "400000"})
        ready = listener.wait_for("READY=1", SETTLE_S)
        assert any(line.startswith("STATUS=1 instances: ")
                   for line in listener.messages[ready].split("\n")), \
            listener.messages
        a.wait_state("MASTER", timeout=SETTLE_S)
        status = listener.wait_for("STATUS=1 instances: 1 MASTER, 0 BACKUP, "
                                   "0 FAULT", SETTLE_S)
        listener.wait_for("WATCHDOG=1", 5.0, start=status)

        # Reload: RELOADING=1 with the monotonic clock, then READY=1.
        mark = len(listener.drain()) and len(listener.messages)
        a.kill(signal.SIGHUP)
        reloading = listener.wait_for("RELOADING=1", 10.0, start=mark)
        lines = listener.messages[reloading].split("\n")
        usec = [int(x.split("=", 1)[1]) for x in lines
                if x.startswith("MONOTONIC_USEC=")]
        assert len(usec) == 1 and abs(usec[0] / 1e6 - time.monotonic()) < 30, lines
        listener.wait_for("READY=1", 10.0, start=reloading + 1)

        # A frozen loop sends no WATCHDOG=1; it resumes with the loop.
        a.kill(signal.SIGSTOP)
        try:
            wait_until(lambda: _stopped(a.pid), 5.0, "vipd to stop")
            listener.drain()
            frozen = len(listener.messages)
            time.sleep(2.0)          # five watchdog periods
            listener.drain()
            assert not any("WATCHDOG=1" in m for m in listener.messages[frozen:]), \
                listener.messages[frozen:]
        finally:
            a.kill(signal.SIGCONT)
        listener.wait_for("WATCHDOG=1", 5.0, start=frozen)

        mark = len(listener.messages)
        assert a.stop() == 0
        stopping = listener.wait_for("STOPPING=1", 5.0, start=mark)
        assert not any("READY=1" in m for m in listener.messages[stopping:])
    finally:
        listener.close()


def test_watchdog_for_another_pid_is_not_ours(topo, tmp_path):
    listener = NotifyListener(str(tmp_path / "notify.sock"))
    try:
        a = topo.add_vipd("a", "192.0.2.1", priority=150)
        # WATCHDOG_PID of another process (a parent that forked): no pings.
        _start_notified(a, {"NOTIFY_SOCKET": listener.path,
                            "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
        listener.wait_for("READY=1", SETTLE_S)
        time.sleep(1.0)
        listener.drain()
        assert not any("WATCHDOG=1" in m for m in listener.messages), \
            listener.messages
    finally:
        listener.close()


def _tracked(host, tag):
    """A process for a tracker to find: sleep with an argument of its own."""
    return host.popen(["sleep", tag], label="tracked sleep %s" % tag)


def test_tracked_process_killed_lowers_priority_and_restart_restores_it(lan):
    a, b, client = lan
    tag = "%d.%03d" % (40000 + os.getpid() % 10000, os.getpid() % 1000)
    a.sections["track_processes"] = [
        {"name": "sleeper", "process": "sleep", "args": tag,
         "fork_delay_ms": 1000, "terminate_delay_ms": 500},
        # Two needed, and not more than two: one running is below quorum.
        {"name": "pair", "process": "sleep", "args": tag, "quorum": 2,
         "quorum_max": 2},
    ]
    a.instances = [vipd_instance("ext", priority=150, track_processes=[
        {"name": "sleeper", "weight": -60}])]
    b.instances = [vipd_instance("ext", priority=100)]
    first = _tracked(a.host, tag)
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)
    assert a.instance()["effective_priority"] == 150
    # vipd runs in a network namespace: no connector there, said once.
    wait_until(lambda: "following matched processes by pidfd" in a.log_text(),
               10.0, "the pidfd fallback in the log")
    assert a.log_text().count("process events connector") == 1

    # Killed: after terminate_delay_ms, priority 150 - 60 = 90 < 100.
    first.signal(signal.SIGKILL)
    first.wait(5.0)
    b.wait_state("MASTER", timeout=SETTLE_S)
    inst = a.instance()
    assert inst["state"] == "BACKUP" and inst["effective_priority"] == 90, inst
    assert "track process sleeper: now down (0 running, quorum 1)" in a.log_text()

    # Restarted: counted after fork_delay_ms, a preempts back.
    started = time.monotonic()
    again = _tracked(a.host, tag)
    a.wait_state("MASTER", timeout=SETTLE_S)
    assert time.monotonic() - started >= 1.0, "counted before fork_delay_ms"
    assert a.instance()["effective_priority"] == 150
    assert "track process sleeper: now up (1 running, quorum 1)" in a.log_text()

    # quorum 2..2: two up, a third is too many.
    second = _tracked(a.host, tag)
    wait_until(lambda: "track process pair: now up (2 running, quorum 2..2)"
               in a.log_text(), 10.0, "pair up with two")
    third = _tracked(a.host, tag)
    wait_until(lambda: "track process pair: now down (3 running, quorum 2..2)"
               in a.log_text(), 10.0, "pair down with three")
    for p in (again, second, third):
        p.signal(signal.SIGKILL)
        p.wait(5.0)


def test_track_processes_errors_name_their_line(topo, vipd_bin, tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text(
        "vrrp_instances = (\n"
        "  { name = \"ext\"; interface = \"eth0\"; vrid = 51; priority = 100;\n"
        "    addresses = ( \"192.0.2.100/24\" );\n"
        "    track_processes = ( { name = \"nosuch\"; } ); }\n"
        ");\n"
        "track_processes = (\n"
        "  { name = \"web\"; process = \"nginx\";\n"
        "    quorum = 3; quorum_max = 2; }\n"
        ");\n")
    res = subprocess.run([vipd_bin, "-t", "-f", str(path)], capture_output=True,
                         text=True)
    assert res.returncode == 1
    assert "%s:4: vrrp_instances[ext].track_processes[0].name: no process " \
        "tracker named 'nosuch'" % path in res.stderr, res.stderr
    assert "%s:8: track_processes[web].quorum_max: 2 is below quorum 3" % path \
        in res.stderr, res.stderr
