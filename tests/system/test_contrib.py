# SPDX-License-Identifier: GPL-2.0-or-later
"""
contrib/: the systemd unit passes systemd-analyze verify; the SysV script
starts, reports (LSB status codes 0, 1 for a stale pid file, 3), reloads,
dumps, restarts and stops a real vipd in a namespace; the notify examples do
what they say when vipd calls them (the syslog one to a stand-in syslog
socket, never the host's).
"""

import http.server
import json
import os
import shutil
import socket
import subprocess
import threading

import conftest
from vipnet import wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRIB = os.path.join(REPO, "contrib")
SETTLE_S = 15.0


def _bin(env, name):
    path = os.environ.get(env) or os.path.join(REPO, "build", name)
    if not os.access(path, os.X_OK):
        conftest.missing_tool("%s not found at %s (set %s)" % (name, path, env))
    return os.path.abspath(path)


def test_systemd_unit_verifies_and_keeps_what_vipd_needs(tmp_path):
    if shutil.which("systemd-analyze") is None:
        conftest.missing_tool("systemd-analyze (systemd) is not installed")
    vipd = _bin("VIPD_BIN", "vipd")
    with open(os.path.join(CONTRIB, "vipd.service")) as f:
        unit = f.read()
    for needed in ("ExecReload=/bin/kill -HUP $MAINPID", "AF_NETLINK", "AF_PACKET",
                   "CAP_NET_RAW", "CAP_NET_ADMIN", "CAP_SETUID", "CAP_KILL",
                   "NoNewPrivileges=yes", "ProtectSystem=strict",
                   "ProtectHome=yes", "ReadWritePaths=/run/vipd",
                   # a stop must not empty /run/vipd: conn_sync.session
                   # there carries the sync session across restarts
                   "RuntimeDirectory=vipd", "RuntimeDirectoryPreserve=yes",
                   "LimitNOFILE=65536",
                   # systemd readiness and the watchdog (vipd_sdnotify.c)
                   "Type=notify", "WatchdogSec=", "Restart=on-failure",
                   # a killed vipd's announced routes go with it
                   "ExecStopPost=-/usr/sbin/ip route flush table all proto 91",
                   "ExecStopPost=-/usr/sbin/ip -6 route flush table all "
                   "proto 91",
                   # track_processes must see other users' processes
                   "ProtectProc=default"):
        assert needed in unit, needed
    # verify wants the binaries it names to exist: point them at this build.
    path = tmp_path / "vipd.service"
    path.write_text(unit.replace("/usr/local/sbin/vipd", vipd))
    res = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout + res.stderr == "", \
        res.stdout + res.stderr


def init_script(host, env, *args, check=True):
    cmd = ["env"] + ["%s=%s" % kv for kv in env.items()] + \
        ["sh", os.path.join(CONTRIB, "vipd.init")] + list(args)
    return host.run(cmd, check=check, timeout=30)


def test_sysv_script_start_status_reload_dump_stop(lan, vipd_bin):
    a, b, client = lan
    vipctl = _bin("VIPCTL_BIN", "vipctl")
    a.write_config()
    env = {"DAEMON": vipd_bin, "VIPCTL": vipctl, "CONFIG": a.conf_path,
           "PIDFILE": a.pid_path, "STATEDIR": a.state_dir,
           "DEFAULTS": "/nonexistent", "DAEMON_ARGS": "-l warning"}
    try:
        res = init_script(a.host, env, "status", check=False)
        assert res.returncode == 3 and "not running" in res.stdout

        init_script(a.host, env, "start")
        wait_until(lambda: os.path.exists(a.pid_path), 10, "the pid file")
        wait_until(lambda: a.has_vip(), SETTLE_S, "vipd started by the script "
                   "to take the VIP")
        res = init_script(a.host, env, "status")
        assert "vipd is running" in res.stdout and "MASTER" in res.stdout, res.stdout
        res = init_script(a.host, env, "start")
        assert "already running" in res.stdout

        # reload: a broken config is refused by the script, the daemon runs on
        good = a.config_text()
        a.write_config(good.replace("vrid = 51;", "vrid = 0;"))
        res = init_script(a.host, env, "reload", check=False)
        assert res.returncode == 1 and "vrid" in res.stdout + res.stderr
        a.write_config(good.replace('"192.0.2.100/24"',
                                    '"192.0.2.100/24", "192.0.2.110/24"'))
        init_script(a.host, env, "reload")
        wait_until(lambda: a.has_vip("192.0.2.110"), 10, "the VIP added by reload")

        res = init_script(a.host, env, "dump")
        assert "instance ext" in res.stdout and "192.0.2.110/24" in res.stdout

        # restart: a new process (the old one stopped first), master again.
        old = int(open(a.pid_path).read())
        init_script(a.host, env, "restart")
        assert not os.path.exists("/proc/%d" % old), "the old vipd is gone"
        wait_until(lambda: os.path.exists(a.pid_path) and
                   int(open(a.pid_path).read()) != old, 10, "the new pid file")
        wait_until(lambda: a.has_vip("192.0.2.110"), SETTLE_S,
                   "the restarted vipd to take the VIPs")
        res = init_script(a.host, env, "status")
        assert "vipd is running (pid %s)" % open(a.pid_path).read().strip() \
            in res.stdout, res.stdout

        pid = int(open(a.pid_path).read())
        init_script(a.host, env, "stop")
        assert not os.path.exists("/proc/%d" % pid)
        assert not a.has_vip() and not a.has_vip("192.0.2.110")
        res = init_script(a.host, env, "status", check=False)
        assert res.returncode == 3 and "vipd is not running" in res.stdout

        # A pid file whose process is gone (a crash): LSB status 1.
        dead = subprocess.Popen(["true"])
        dead.wait()
        with open(a.pid_path, "w") as f:
            f.write("%d\n" % dead.pid)
        try:
            res = init_script(a.host, env, "status", check=False)
            assert res.returncode == 1, (res.returncode, res.stdout)
            assert "pid file %s remains (stale)" % a.pid_path in res.stdout, \
                res.stdout
        finally:
            os.unlink(a.pid_path)    # that pid is nobody's to kill below
    finally:
        # Started outside the topology's process list: stop it ourselves.
        try:
            pid = int(open(a.pid_path).read())
            os.kill(pid, 9)
        except (OSError, ValueError):
            pass


class _Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_notify_examples_record_state_and_post_webhook(lan, tmp_path):
    a, b, client = lan
    state_dir = tmp_path / "notify-state"
    script = os.path.join(CONTRIB, "notify", "notify-state-file.sh")
    a.global_settings = {"script_user": "root"}
    # vipd passes no environment to scripts: the script's default directory
    # is /run/vipd/notify, so call it through a wrapper that sets ours.
    wrapper = tmp_path / "notify.sh"
    wrapper.write_text("#!/bin/sh\nSTATE_FILE_DIR=%s exec %s \"$@\"\n"
                       % (state_dir, script))
    wrapper.chmod(0o755)
    a.instances[0]["notify"] = {"any": str(wrapper)}
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    path = state_dir / "ext.state"
    wait_until(lambda: path.exists() and path.read_text().startswith("MASTER "),
               10, "the state file to say MASTER")
    state, prio, when, kind = path.read_text().split()
    assert (prio, kind) == ("150", "INSTANCE") and when.endswith("Z")

    # The webhook example posts the event as JSON (to a server on loopback).
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = dict(os.environ, WEBHOOK_URL="http://127.0.0.1:%d/hook"
                   % server.server_port, MAIL_TO="")
        res = subprocess.run([os.path.join(CONTRIB, "notify", "notify-webhook.py"),
                              "INSTANCE", "ext", "BACKUP", "100"], env=env,
                             capture_output=True, text=True, timeout=20)
        assert res.returncode == 0, res.stderr
        event = _Hook.received[-1]
        assert (event["type"], event["name"], event["state"], event["priority"]) \
            == ("INSTANCE", "ext", "BACKUP", 100)
        # A dead endpoint: one clear line, exit 1.
        env["WEBHOOK_URL"] = "http://127.0.0.1:1/hook"
        res = subprocess.run([os.path.join(CONTRIB, "notify", "notify-webhook.py"),
                              "INSTANCE", "ext", "FAULT", "0"], env=env,
                             capture_output=True, text=True, timeout=20)
        assert res.returncode == 1 and "vipd-notify: webhook" in res.stderr
    finally:
        server.shutdown()
        server.server_close()


# daemon.notice, as the <PRI> of a syslog line: facility 3 * 8 + severity 5.
SYSLOG_DAEMON_NOTICE = 29


def _syslog_lines(sock):
    """Every datagram waiting on the stand-in syslog socket, decoded."""
    lines = []
    while True:
        try:
            lines.append(sock.recv(4096).decode())
        except BlockingIOError:
            return lines


def test_notify_syslog_example_logs_each_transition(lan, tmp_path):
    """contrib/notify/notify-syslog.sh, called by vipd, hands logger one
    line per transition at daemon.notice, tagged vipd-notify; here to a unix
    datagram socket of the test's own (SYSLOG_SOCKET) in place of /dev/log."""
    a, b, client = lan
    script = os.path.join(CONTRIB, "notify", "notify-syslog.sh")
    path = str(tmp_path / "syslog.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    got = []
    try:
        wrapper = tmp_path / "notify.sh"
        wrapper.write_text("#!/bin/sh\nSYSLOG_SOCKET=%s exec %s \"$@\"\n"
                           % (path, script))
        wrapper.chmod(0o755)
        a.global_settings = {"script_user": "root"}
        a.instances[0]["notify"] = {"any": str(wrapper)}
        a.start()
        a.wait_state("MASTER", timeout=SETTLE_S)

        def logged(text):
            got.extend(_syslog_lines(sock))
            return any(line.endswith(text) for line in got)
        wait_until(lambda: logged("INSTANCE ext is now MASTER (priority 150)"),
                   10, "the MASTER line on the syslog socket")
        line = [g for g in got if g.endswith("MASTER (priority 150)")][0]
        assert line.startswith("<%d>" % SYSLOG_DAEMON_NOTICE), line
        assert " vipd-notify: INSTANCE ext is now MASTER" in line, line
        assert any(g.endswith(" vipd-notify: INSTANCE ext is now BACKUP "
                              "(priority 150)") for g in got), got
        assert a.stop() == 0
        wait_until(lambda: logged("INSTANCE ext is now STOP (priority 150)"),
                   10, "the STOP line of the graceful stop")

        # Without a priority the line says none; without a state the script
        # refuses (usage on stderr) and logs nothing.
        env = dict(os.environ, SYSLOG_SOCKET=path)
        res = subprocess.run([script, "GROUP", "edge", "FAULT"], env=env,
                             capture_output=True, text=True, timeout=20)
        assert res.returncode == 0, res.stderr
        wait_until(lambda: logged(" vipd-notify: GROUP edge is now FAULT"), 10,
                   "the GROUP line")
        res = subprocess.run([script, "INSTANCE", "ext"], env=env,
                             capture_output=True, text=True, timeout=20)
        assert res.returncode != 0 and res.stderr, res
        assert _syslog_lines(sock) == []
    finally:
        sock.close()
