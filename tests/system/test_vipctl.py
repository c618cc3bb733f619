# SPDX-License-Identifier: GPL-2.0-or-later
"""
vipctl against a running vipd: the control socket's exit codes, the status
table and status --json, dump, stats, conns and reload through the socket
(accepted and refused), the socket's root-only mode (and vipd's own check of
its peer), and drills: measured, refused, without fail-back, cut short.
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

from lbpair import write_key
from vipnet import (DEFAULT_VIP, PingerRun, hold_for, vipctl, vipd_instance,
                    wait_until)

SETTLE_S = 15.0
STATUS_COLUMNS = ["INSTANCE", "STATE", "PRIORITY", "MASTER", "VIPS", "SINCE",
                  "LAST TRANSITION"]


def parse_status(text):
    """`vipctl status` read as a person reads it, asserting its shape on
    the way: a header line, a table with one row per instance whose cells
    start under their column's title, then blocks separated by blank lines
    (sync groups, virtual services, conn_sync, transitions of each
    instance). Returns {"rows": {instance: {column: cell}},
    "blocks": {title: [lines]}}."""
    lines = text.split("\n")
    assert re.match(r"vipd \S+, pid \d+, up \d+\.\d s$", lines[0]), text
    assert lines[1] == "" and lines[-1] == "", text
    head = lines[2]
    assert re.split(r"\s{2,}", head) == STATUS_COLUMNS, head
    starts = [head.index(c) for c in STATUS_COLUMNS]
    rows, i = {}, 3
    while lines[i]:
        line = lines[i]
        for s in starts[1:]:
            assert line[s - 2:s] == "  " and line[s] != " ", (line, head)
        cells = [line[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
        assert len(re.split(r"\s{2,}", line.strip())) == len(STATUS_COLUMNS), line
        rows[cells[0]] = dict(zip(STATUS_COLUMNS, cells))
        i += 1
    blocks = {}
    for block in "\n".join(lines[i:]).strip("\n").split("\n\n"):
        if block:
            title, *body = block.split("\n")
            assert title not in blocks, title
            blocks[title] = body
    return {"rows": rows, "blocks": blocks}


def start_pair(a, b):
    """Start a (priority 150) and b (100); wait until a is master."""
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)


TRANSITION_LINE = re.compile(r"  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  "
                             r"(\w+) +-> (\w+) +(.+) \((.+) ago\)$")


def test_vipctl_status_table_json_stats_and_exit_codes(lan, vipctl_bin):
    a, b, client = lan
    start_pair(a, b)

    sock = os.path.join(a.state_dir, "vipd.sock")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600

    # The table: one row per instance, the facts of the moment.
    res = vipctl(vipctl_bin, a, "status")
    assert res.returncode == 0, res.stderr
    table = parse_status(res.stdout)
    ext = table["rows"]["ext"]
    assert re.match(r"\d+\.\d s$", ext.pop("SINCE")), ext
    assert ext == {"INSTANCE": "ext", "STATE": "MASTER", "PRIORITY": "150/150",
                   "MASTER": "192.0.2.1", "VIPS": "192.0.2.100/24",
                   "LAST TRANSITION": "master down timer expired"}, ext
    # No sync group, service or conn_sync: only the newest transitions.
    assert list(table["blocks"]) == ["transitions of ext (newest first, 2 of 2):"], \
        table["blocks"]
    moves = [TRANSITION_LINE.match(l).groups()[:3]
             for l in table["blocks"]["transitions of ext (newest first, 2 of 2):"]]
    assert moves[0][:2] == ("BACKUP", "MASTER"), moves
    assert moves[0][2].startswith("master down timer expired"), moves
    assert moves[1] == ("INIT", "BACKUP", "starting"), moves
    # The details are dump's: no counters or intervals at a glance.
    assert "adverts:" not in res.stdout and "advert interval" not in res.stdout

    row = parse_status(vipctl(vipctl_bin, b, "status").stdout)["rows"]["ext"]
    assert (row["STATE"], row["PRIORITY"], row["MASTER"], row["LAST TRANSITION"]) \
        == ("BACKUP", "100/100", "192.0.2.1", "starting"), row

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


SYNC_KEY = b"vipctl-test-conn-sync-key-0123456789abcdef"


def appliance_pair(topo):
    """a (150) and b (100) with two instances in a sync group, a balanced
    service with one backend that is checked and down (nobody listens) and
    one without a check, and conn_sync between them on the same segment."""
    nodes = []
    for name, n, prio in (("a", 1, 150), ("b", 2, 100)):
        node = topo.add_vipd(name, "192.0.2.%d" % n, priority=prio)
        node.instances.append(vipd_instance(name="int", vrid=52, priority=prio,
                                            vips=("192.0.2.101",)))
        key = os.path.join(node.dir, "sync.key")
        write_key(key, SYNC_KEY, 0o600)
        node.sections = {
            "sync_groups": [{"name": "edge", "members": ["ext", "int"]}],
            "virtual_services": [{
                "name": "web", "address": DEFAULT_VIP, "port": 80,
                "protocol": "tcp", "scheduler": "rr", "backends": [
                    {"address": "192.0.2.50", "port": 8080,
                     "check": {"type": "tcp", "interval_ms": 200,
                               "timeout_ms": 100}},
                    {"address": "192.0.2.51", "port": 8080}]}],
            "conn_sync": {"interface": "eth0", "local": "192.0.2.%d" % n,
                          "peer": "192.0.2.%d" % (3 - n), "port": 7788,
                          "key_file": key, "follow": "edge"},
        }
        nodes.append(node)
    return nodes


def vipctl_json(vipctl_bin, node, *args):
    res = vipctl(vipctl_bin, node, *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_vipctl_status_dump_stats_conns_and_reload_on_an_appliance_pair(
        topo, vipctl_bin):
    a, b = appliance_pair(topo)
    a.start()
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)
    b.start()
    b.wait_state("BACKUP", "ext", SETTLE_S)
    b.wait_state("BACKUP", "int", SETTLE_S)
    wait_until(lambda: vipctl_json(vipctl_bin, b, "conns", "--json")["synced"],
               SETTLE_S, "b to complete its first resync")

    def backend_down():
        svc = a.dump()["virtual_services"][0]
        return [x["health"] for x in svc["backends"]] == ["down", "up"]
    wait_until(backend_down, SETTLE_S, "the checked backend to be down on a")

    # status: the rows, then one short section each.
    table = parse_status(vipctl(vipctl_bin, a, "status").stdout)
    assert {n: r["STATE"] for n, r in table["rows"].items()} == \
        {"ext": "MASTER", "int": "MASTER"}, table
    assert table["rows"]["int"]["VIPS"] == "192.0.2.101/24"
    assert re.match(r"  edge  MASTER  for \S+(?: s)? +members: ext MASTER, "
                    r"int MASTER$", table["blocks"]["sync groups:"][0]), table
    assert re.match(r"  web  192\.0\.2\.100:80/tcp  nat  quorum 1 met  "
                    r"backends 1/2 up$", table["blocks"]["virtual services:"][0]), \
        table
    assert "conn_sync: sender, synced n/a (sender), following sync group " \
        "edge, peer 192.0.2.2" in table["blocks"], table["blocks"]
    assert "transitions of int (newest first, 2 of 2):" in table["blocks"]
    blocks = parse_status(vipctl(vipctl_bin, b, "status").stdout)["blocks"]
    assert "conn_sync: receiver, synced yes, following sync group edge, " \
        "peer 192.0.2.1" in blocks, blocks
    assert blocks["sync groups:"][0].startswith("  edge  BACKUP  "), blocks

    # dump: everything, instance by instance (vipd.data's text).
    res = vipctl(vipctl_bin, a, "dump")
    assert res.returncode == 0, res.stderr
    for needed in ("\ninstance ext\n", "\ninstance int\n", "  state: MASTER",
                   "  priority: 150 (effective 150)", "  vips: 192.0.2.101/24",
                   "  preempt: yes, delay 0 ms", "Sync group edge: MASTER",
                   "\nvirtual service web\n",
                   "  backend 192.0.2.50:8080 weight 1: down, tcp check FAILED",
                   "  backend 192.0.2.51:8080 weight 1: up (no check)",
                   "conn_sync: sender, following sync group edge",
                   "transitions (newest first, 2 of 2)"):
        assert needed in res.stdout, (needed, res.stdout)
    assert re.search(r"  adverts: [1-9]\d* sent, \d+ received", res.stdout)

    # dump --json is vipd.json: the same document the signal writes.
    doc = vipctl_json(vipctl_bin, a, "dump", "--json")
    signal_doc = a.dump()
    assert sorted(doc) == sorted(signal_doc), (sorted(doc), sorted(signal_doc))
    assert [i["name"] for i in doc["instances"]] == ["ext", "int"]
    assert doc["sync_groups"][0]["members"] == ["ext", "int"]
    assert doc["conn_sync"]["role"] == "sender"
    assert [x["health"] for x in doc["virtual_services"][0]["backends"]] == \
        ["down", "up"]

    # stats --json: the counters, with the control socket's own.
    stats = vipctl_json(vipctl_bin, b, "stats", "--json")
    # conns --json, status and this one at least.
    assert stats["control_counters"]["requests"] >= 3, stats["control_counters"]
    ext = stats["instances"][0]
    assert ext["name"] == "ext" and ext["counters"]["adverts_received"] > 0
    assert ext["counters"]["drops"]["ttl"] == 0
    assert stats["conn_sync"]["counters"]["resyncs_completed"] >= 1
    res = vipctl(vipctl_bin, b, "stats")
    assert re.search(r"^instance int\n  adverts_sent 0\n  adverts_received "
                     r"[1-9]", res.stdout, re.M), res.stdout

    # conns: the sync's side of each node.
    res = vipctl(vipctl_bin, a, "conns")
    assert res.returncode == 0, res.stderr
    assert "conn_sync: sender, following sync group edge" in res.stdout
    assert "link: eth0, local 192.0.2.1, peer 192.0.2.2 port 7788" in res.stdout
    assert "bad_hmac 0" in res.stdout, res.stdout
    got = vipctl_json(vipctl_bin, b, "conns", "--json")
    assert (got["role"], got["peer"], got["synced"]) == ("receiver", "192.0.2.1",
                                                          True), got

    # reload: accepted (b lower still, its state kept) and refused.
    b.instances[0]["priority"] = 90
    b.write_config()
    res = vipctl(vipctl_bin, b, "reload")
    assert res.returncode == 0 and res.stdout.startswith("reload accepted"), \
        res.stdout + res.stderr
    row = parse_status(vipctl(vipctl_bin, b, "status").stdout)["rows"]["ext"]
    assert (row["STATE"], row["PRIORITY"]) == ("BACKUP", "90/90"), row
    b.write_config(b.config_text().replace('"follow" = "edge"', "x")
                   .replace('follow = "edge";', 'follow = "nosuch";'))
    res = vipctl(vipctl_bin, b, "reload")
    assert res.returncode == 1 and "reload refused" in res.stderr, res.stderr
    assert "nosuch" in res.stderr, res.stderr
    assert vipctl_json(vipctl_bin, b, "conns", "--json")["synced"] is True
    assert a.state("ext") == "MASTER" and b.state("ext") == "BACKUP"


def test_vipctl_as_non_root_is_refused_with_a_clear_message(lan, vipctl_bin):
    """The socket is 0600; vipd checks its peer too (SO_PEERCRED), which is
    tested by opening the socket's mode. vipd refuses before reading the
    request: it must drain it, or the kernel resets the connection, and
    vipctl must keep the reply that came before a reset."""
    a, b, client = lan
    # A state directory others may traverse, so that only the socket's
    # own mode stands in the way.
    state = tempfile.mkdtemp(prefix="vipd-ctl-", dir="/tmp")
    os.chmod(state, 0o755)
    a.state_dir = state
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    sock = os.path.join(state, "vipd.sock")
    try:
        a.start()
        a.wait_state("MASTER", timeout=SETTLE_S)
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600

        res = subprocess.run(nobody + [vipctl_bin, "-s", sock, "status"],
                             capture_output=True, text=True, timeout=20)
        assert res.returncode == 2, (res.returncode, res.stderr)
        assert res.stderr == "vipctl: cannot reach vipd at %s: Permission " \
            "denied (the control socket is for root only: run vipctl as " \
            "root)\n" % sock, res.stderr

        # Past the mode: vipd itself refuses, and says why.
        os.chmod(sock, 0o666)
        res = subprocess.run(nobody + [vipctl_bin, "-s", sock, "fault", "ext",
                                       "on"], capture_output=True, text=True,
                             timeout=20)
        assert res.returncode == 1, (res.returncode, res.stderr)
        assert res.stderr == REFUSED, res.stderr
        # The request already waits when vipd accepts (vipd is stopped
        # meanwhile): vipd must drain it before closing, else the kernel
        # resets the connection after the reply; and vipctl must keep a
        # reply that a reset follows.
        code, out, err = while_stopped(a, nobody + [vipctl_bin, "-s", sock,
                                                    "status"])
        assert (code, err) == (1, REFUSED), (code, err)
        code, out, err = while_stopped(a, nobody + ["/usr/bin/python3", "-c",
                                                    RAW_CLIENT, sock])
        assert code == 0, out + err
        assert json.loads(out) == {"reply": REFUSED.rstrip("\n"), "reset": False}, out

        assert a.state() == "MASTER" and a.has_vip()
        assert a.stats()["global"]["control_not_root"] == 3
        assert "control: connection refused: uid 65534" in a.log_text()
    finally:
        a.stop()
        shutil.rmtree(state, ignore_errors=True)


REFUSED = "permission denied: vipd's control socket is for root only " \
    "(you are uid 65534)\n"

# One request, read to the end: the error text, and whether a reset came.
RAW_CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"command": "status", "args": []}\n')
data, reset = b"", False
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    reset = True
print(json.dumps({"reply": json.loads(data)["error"] if data else None,
                  "reset": reset}))
"""


def while_stopped(node, argv):
    """Run argv (it connects and sends) while node's vipd is stopped, so
    that its request is queued before vipd accepts; (code, stdout, stderr)."""
    os.kill(node.pid, signal.SIGSTOP)
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
    finally:
        os.kill(node.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_vipctl_keeps_a_reply_that_a_reset_follows(vipctl_bin, tmp_path):
    """A peer that answers and closes with the request unread (as vipd
    refusing a connection would, without its drain): the kernel resets the
    connection after the reply, and vipctl must still print the reply."""
    path = str(tmp_path / "resetting.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    proc = subprocess.Popen([vipctl_bin, "-s", path, "status"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        server.settimeout(10)
        conn, _ = server.accept()
        select.select([conn], [], [], 10)     # the request is in, unread
        conn.sendall(b'{"ok": false, "error": "busy: 8 requests are waiting"}\n')
        conn.close()
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.close()
    assert (proc.returncode, err) == (1, "busy: 8 requests are waiting\n"), \
        (proc.returncode, err)


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

    # Shown as forced everywhere: status table, dump, JSON; kept until off.
    # The hand-over says what started it, in the table, the timeline and
    # the log line.
    row = parse_status(vipctl(vipctl_bin, a, "status").stdout)["rows"]["ext"]
    assert (row["STATE"], row["MASTER"], row["LAST TRANSITION"]) == \
        ("FAULT (forced)", "-",
         "vipctl fault on: handed over to the new master"), row
    last = a.instance()["last_transition"]
    assert (last["from"], last["to"], last["reason"], last["peer"]) == \
        ("MASTER", "FAULT", "vipctl fault on: handed over to the new master",
         "192.0.2.2"), last
    assert re.search(r"ext: MASTER -> FAULT \(vipctl fault on: handed over to "
                     r"the new master, 192\.0\.2\.2 heard \d+ ms after our "
                     r"priority 0; VIPs released\)", a.log_text()), a.log_text()
    assert "state: FAULT (forced by vipctl fault on)" in \
        vipctl(vipctl_bin, a, "dump").stdout
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

    pinger = PingerRun(client, DEFAULT_VIP, 2, None, macs=True)
    # The pinger (Python and scapy) can take longer to start than the drill
    # takes to hand over: a must have answered it before the drill begins.
    wait_until(lambda: pinger.reply_times(), SETTLE_S, "the pinger's first reply")
    res = run_drill(vipctl_bin, a, "ext", "--hold", "1")
    # The report comes as a takes the VIP back: let the client's pings
    # follow its gratuitous ARP before looking at who answered.
    time.sleep(0.5)
    result = pinger.stop()
    # Who answered the client: a, then b during the hold, then a again.
    owners = [mac for _when, mac in result["responders"]]
    assert owners == [a.mac, b.mac, a.mac], (owners, a.mac, b.mac)
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
    # The hand-over's transition names the drill, in the timeline too.
    handed = [t for t in a.instance()["timeline"]
              if (t["from"], t["to"]) == ("MASTER", "BACKUP")]
    assert [(t["reason"], t["peer"]) for t in handed] == \
        [("drill (vipctl drill): handed over to the new master", "192.0.2.2")], \
        handed
    assert "ext: MASTER -> BACKUP (drill (vipctl drill): handed over to the " \
        "new master, 192.0.2.2 heard" in a.log_text(), a.log_text()


def drill_watching_the_vip(vipctl_bin, node, *args):
    """Run a drill while sampling, every few ms, whether node holds the VIP;
    (completed vipctl, samples)."""
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append(node.has_vip())
            time.sleep(0.005)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        res = run_drill(vipctl_bin, node, *args)
    finally:
        done.set()
        sampler.join()
    return res, samples


def test_vipctl_drill_without_peer_keeps_the_vip_and_is_refused_on_backup(
        lan, vipctl_bin):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    before = a.instance()["counters"]["transitions"]

    # Alone: nobody takes over. The drill is called off at a's
    # Master_Down_Interval (300 + 106 * 100 / 256 = 341 ms) and a keeps the
    # VIP throughout: the client loses nothing, a never leaves MASTER.
    pinger = PingerRun(client, DEFAULT_VIP, 5, None)
    res, held = drill_watching_the_vip(vipctl_bin, a, "ext", "--hold", "0")
    result = pinger.stop()
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stderr == "drill ext: refused: no peer took over within " \
        "Master_Down_Interval (341 ms); kept the VIPs, still MASTER\n", res.stderr
    assert len(held) >= 10 and all(held), held
    assert result["lost"] == 0 and result["received"] > 0, result
    ext = a.instance()
    assert ext["state"] == "MASTER" and ext["counters"]["transitions"] == before, ext
    assert ext["counters"]["priority_zero_sent"] == 1, ext["counters"]
    assert "hand-over called off: no peer took over" in a.log_text()
    # It advertises again at once: adverts keep coming after the drill.
    sent = ext["counters"]["adverts_sent"]
    wait_until(lambda: a.instance()["counters"]["adverts_sent"] >= sent + 3, 5,
               "a to keep advertising after the drill")

    # handover = "rfc": priority 0 takes the VIPs with it; alone, a gets them
    # back only on its Master_Down_Timer. The report says so.
    a.global_settings = {"handover": "rfc"}
    a.write_config()
    assert vipctl(vipctl_bin, a, "reload").returncode == 0
    res = run_drill(vipctl_bin, a, "ext", "--hold", "0")
    assert res.returncode == 1, res.stdout + res.stderr
    assert re.match(r'drill ext: FAILED: no peer took over within '
                    r'Master_Down_Interval \(341 ms\); handover = "rfc" '
                    r'released the VIPs with priority 0 and took them back '
                    r'after \d+ ms \(master down timer expired\)$', res.stderr), \
        res.stderr
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(a.has_vip, 5, "a to hold the VIP again")

    b.start()
    b.wait_state("BACKUP", timeout=SETTLE_S)
    # b enters BACKUP before it has heard a's first advert; the refusal
    # names the master only once it is known.
    wait_until(lambda: b.instance("ext").get("master_address") == "192.0.2.1",
               SETTLE_S, "b to have heard a's advert")
    res = run_drill(vipctl_bin, b, "ext")
    assert res.returncode == 1
    assert "not MASTER" in res.stderr and "192.0.2.1" in res.stderr


def test_vipctl_drill_of_a_lone_sync_group_keeps_every_vip(topo, vipctl_bin):
    """A sync group hands over as one; alone, every member keeps its VIPs.
    ext and int have different priorities, so their hand-overs are called
    off a few ms apart: the one called off first must not be handed over
    again while the other still waits (the members would take turns for
    ever, and the drill would never be answered)."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    a.instances.append(vipd_instance(name="int", vrid=52, priority=140,
                                     vips=("192.0.2.101",)))
    a.sections = {"sync_groups": [{"name": "edge", "members": ["ext", "int"]}]}
    a.start()
    a.wait_state("MASTER", "ext", SETTLE_S)
    a.wait_state("MASTER", "int", SETTLE_S)

    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append((a.has_vip(), a.has_vip("192.0.2.101")))
            time.sleep(0.005)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        res = run_drill(vipctl_bin, a, "ext", "--hold", "0")
        time.sleep(1.5)              # any second round would show by now
    finally:
        done.set()
        sampler.join()
    assert res.returncode == 1, res.stdout + res.stderr
    assert "refused: no peer took over within Master_Down_Interval" in \
        res.stderr and "kept the VIPs, still MASTER" in res.stderr, res.stderr
    assert len(samples) >= 10 and all(x and y for x, y in samples), samples
    log = a.log_text()
    assert log.count("handing over: priority 0 sent") == 2, log
    assert log.count("hand-over called off") == 2, log
    assert a.state("ext") == "MASTER" and a.state("int") == "MASTER"


def test_vipctl_drill_without_preempt_stays_backup_after_the_hold(topo, vipctl_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, preempt=False)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    start_pair(a, b)

    res = run_drill(vipctl_bin, a, "ext", "--hold", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert re.match(r"drill ext: 192\.0\.2\.2 took over \d+ ms after our "
                    r"priority 0; held BACKUP 1\.0 s; no fail-back: preempt is "
                    r"off or the new master has a higher priority$", res.stdout), \
        res.stdout
    # Past the hold, a stays BACKUP: with preempt off nothing brings it back.
    hold_for(lambda: a.state() == "BACKUP" and b.has_vip() and not a.has_vip(),
             2.0, "a to stay BACKUP after the hold (preempt off)")
    assert b.state() == "MASTER"


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
