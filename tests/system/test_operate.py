# SPDX-License-Identifier: GPL-2.0-or-later
"""
Operating vipd: the JSON control protocol under bad input (raw sockets),
vipctl's exit codes, the transition timeline in status / vipd.data /
vipd.json, and the OpenMetrics endpoint scraped and parsed.
"""

import json
import os
import re
import socket
import subprocess
import time

import vrrpcraft
from lbpair import write_key
from vipnet import (DEFAULT_VIP, Array, libconfig_text, vipctl, wait_until,
                    write_script)

SETTLE_S = 15.0
METRICS_PORT = 9650


def raw_request(node, payload, shutdown=True, timeout=10.0):
    """Send payload as it is on the control socket; the reply as parsed
    JSON (or None when the daemon closed without one)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(os.path.join(node.state_dir, "vipd.sock"))
    try:
        if payload:
            s.sendall(payload)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return json.loads(data) if data else None


def test_control_protocol_answers_json_and_survives_bad_requests(lan, vipctl_bin):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    # The documented request and both reply shapes.
    reply = raw_request(a, b'{"command": "status", "args": []}\n', shutdown=False)
    assert reply["ok"] is True and re.search(r"^ext +MASTER +150/150 ",
                                             reply["text"], re.M), reply
    reply = raw_request(a, b'{"command": "status", "args": ["--json"]}')
    assert reply["ok"] is True and reply["result"]["instances"][0]["state"] == "MASTER"
    reply = raw_request(a, b'{"command": "fault", "args": ["nosuch", "on"]}')
    assert reply == {"ok": False, "error": "no instance named 'nosuch'\n"}

    # Garbage, a wrong shape, an unknown key: an error reply each.
    for bad, why in ((b"status\n", "not a JSON object"),
                     (b'{"command": 5}\n', "expected a string"),
                     (b'{"command": "status", "verb": 1}\n', "unknown key"),
                     (b'{"command": "st\\u0000atus"}\n', "\\u0000"),
                     (b"\xff\xfe{}\n", "not a JSON object")):
        reply = raw_request(a, bad)
        assert reply["ok"] is False and "bad request" in reply["error"], bad
        assert why in reply["error"], (bad, reply)

    # Oversized: refused as soon as the limit is passed, without a newline.
    reply = raw_request(a, b"{" + b" " * 5000, shutdown=False)
    assert reply["ok"] is False and "longer than 4096 bytes" in reply["error"]

    # Half-sent: the client stops mid-request. Others are served meanwhile,
    # and the stalled one gets an error reply when its time is up.
    stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stalled.settimeout(10)
    stalled.connect(os.path.join(a.state_dir, "vipd.sock"))
    stalled.sendall(b'{"command": "sta')
    res = vipctl(vipctl_bin, a, "status")
    assert res.returncode == 0 and "MASTER" in res.stdout
    started = time.monotonic()
    data = stalled.recv(4096)
    waited = time.monotonic() - started
    stalled.close()
    assert b"not finished in time" in data, data
    assert waited < 8, waited

    # Connect and close without a word: nothing to answer, nothing breaks.
    assert raw_request(a, b"") is None

    assert a.alive() and a.state() == "MASTER" and a.has_vip()
    stats = a.stats()["global"]
    assert stats["control_bad_requests"] >= 5, stats
    assert stats["control_too_long"] >= 1 and stats["control_timeouts"] >= 1, stats
    assert stats["control_refused"] >= 1, stats


def test_vipctl_exit_codes_ok_refused_unreachable(lan, vipctl_bin, tmp_path):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    res = vipctl(vipctl_bin, a, "status", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["instances"][0]["name"] == "ext"

    res = vipctl(vipctl_bin, a, "fault", "nosuch", "on")
    assert res.returncode == 1 and "no instance named 'nosuch'" in res.stderr
    res = vipctl(vipctl_bin, a, "status", "--yaml")
    assert res.returncode == 1 and "usage: status [--json]" in res.stderr
    res = vipctl(vipctl_bin, a, "drill")
    assert res.returncode == 1 and "usage: drill" in res.stderr
    res = vipctl(vipctl_bin, a, "Status")    # not a command word: never sent
    assert res.returncode == 1 and "bad request" in res.stderr

    # No socket at all, and a socket file nobody listens on.
    res = vipctl(vipctl_bin, a, "status", sock=str(tmp_path / "none.sock"))
    assert res.returncode == 2
    assert "cannot reach vipd at" in res.stderr and "none.sock" in res.stderr
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(tmp_path / "dead.sock"))
    dead.close()
    res = vipctl(vipctl_bin, a, "status", sock=str(tmp_path / "dead.sock"))
    assert res.returncode == 2 and "Connection refused" in res.stderr


def test_timeline_in_status_data_and_json(lan, vipctl_bin):
    a, b, client = lan
    a.global_settings = {"handover": "rfc"}
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    # Each round: MASTER -> FAULT (forced), FAULT -> BACKUP, BACKUP -> MASTER.
    for _ in range(3):
        assert vipctl(vipctl_bin, a, "fault", "ext", "on").returncode == 0
        a.wait_state("FAULT", timeout=SETTLE_S)
        assert vipctl(vipctl_bin, a, "fault", "ext", "off").returncode == 0
        a.wait_state("MASTER", timeout=SETTLE_S)

    res = vipctl(vipctl_bin, a, "status", "--json")
    ext = json.loads(res.stdout)["instances"][0]
    timeline = ext["timeline"]
    # INIT -> BACKUP -> MASTER at start, then three rounds of three.
    assert len(timeline) == ext["transitions_kept"] == 11, timeline
    assert [(t["from"], t["to"]) for t in timeline[:3]] == [
        ("BACKUP", "MASTER"), ("FAULT", "BACKUP"), ("MASTER", "FAULT")]
    assert timeline[-1]["from"] == "INIT"
    ages = [t["age_ms"] for t in timeline]
    assert ages == sorted(ages), "newest first"
    for t in timeline:
        assert t["reason"] and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                                        t["time"]), t
    assert ext["last_transition"]["to"] == "MASTER"

    # The status table shows the newest five; vipd.data all of them.
    text = vipctl(vipctl_bin, a, "status").stdout
    assert "\ntransitions of ext (newest first, 5 of 11):\n" in text, text
    assert len(re.findall(r"^  \d{4}-.*-> ", text, re.M)) == 5, text
    a.dump()
    with open(os.path.join(a.state_dir, "vipd.data")) as f:
        data = f.read()
    assert "transitions (newest first, 11 of 11)" in data, data
    assert len(re.findall(r"^    \d{4}-.*-> ", data, re.M)) == 11
    # Each forced FAULT and its end say so, in every round (handover =
    # "rfc": priority 0 and the VIPs at once, no hand-over to wait for).
    assert len(re.findall(r"^    \d{4}-\S+  MASTER -> FAULT   forced fault "
                          r"\(vipctl fault on\) \(", data, re.M)) == 3, data
    assert len(re.findall(r"^    \d{4}-\S+  FAULT  -> BACKUP  forced fault "
                          r"cleared \(vipctl fault off\) \(", data, re.M)) == 3, data
    assert [t["reason"] for t in timeline if t["to"] == "FAULT"] == \
        ["forced fault (vipctl fault on)"] * 3, timeline


# ---- metrics ---------------------------------------------------------------

HTTP_CLIENT = r"""
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
"""


def http(host, request):
    out = host.run(["/usr/bin/python3", "-c", HTTP_CLIENT, str(METRICS_PORT),
                    request]).stdout
    # run() reads text with universal newlines: "\r\n" arrives as "\n".
    head, _, body = out.partition("\n\n")
    return head.split("\n"), body


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_openmetrics(text):
    """A strict reading of the OpenMetrics text format, as far as vipd uses
    it: {family: {"type":, "help":, "samples": [(name, labels, value)]}}."""
    lines = text.split("\n")
    assert lines[-2:] == ["# EOF", ""], lines[-3:]
    families, current, seen = {}, None, []
    for line in lines[:-2]:
        if line.startswith("# "):
            kind, name, rest = (line[2:].split(" ", 2) + [""])[:3]
            assert kind in ("TYPE", "HELP", "UNIT"), line
            if kind == "TYPE":
                assert name not in families, "family %s twice" % name
                assert rest in ("gauge", "counter", "stateset", "info"), line
                families[name] = {"type": rest, "help": None, "samples": []}
                current = name
                seen.append(name)
            else:
                assert name == current, "%s outside its family" % line
                families[name][kind.lower()] = rest
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample: %r" % line
        name, labels = m.group(1), {}
        if m.group(3):
            pos = 0
            for lm in LABEL.finditer(m.group(3)):
                assert lm.start() == pos, line
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
            assert pos == len(m.group(3)), line
        value = float(m.group(4))
        fam = families[current]
        want = current + "_total" if fam["type"] == "counter" else current
        assert name == want, "sample %s in family %s" % (name, current)
        if fam["type"] == "stateset":
            assert labels.get(current) is not None and value in (0, 1), line
        fam["samples"].append((name, labels, value))
    for name, fam in families.items():
        assert name.startswith("vipd_") and fam["help"], name
        if name.endswith("_seconds"):
            assert fam.get("unit") == "seconds", name
        if fam["type"] == "stateset":
            # Every state of the set for each labelled thing, exactly one 1.
            things = {}
            for _, labels, value in fam["samples"]:
                key = tuple(sorted((k, v) for k, v in labels.items() if k != name))
                things.setdefault(key, []).append((labels[name], value))
            sets = {tuple(sorted(st for st, _ in v)) for v in things.values()}
            assert len(sets) == 1, "%s: states differ: %r" % (name, things)
            for thing, states in things.items():
                assert sum(v for _, v in states) == 1, (name, thing, states)
    return families


def value_of(families, family, **labels):
    for _, l, v in families[family]["samples"]:
        if all(l.get(k) == val for k, val in labels.items()):
            return v
    raise AssertionError("no %s%r in %r" % (family, labels, families.get(family)))


def test_metrics_endpoint_scraped_and_parsed(lan):
    a, b, client = lan
    a.global_settings = {"metrics_listen": "127.0.0.1:%d" % METRICS_PORT}
    b.global_settings = {"metrics_listen": "127.0.0.1:%d" % METRICS_PORT}
    # A balanced service with a checked backend: its metrics come from the
    # balancer's part of the dump, without metrics code of their own.
    a.write_config(a.config_text() + libconfig_text({"virtual_services": [{
        "name": "web", "address": DEFAULT_VIP, "port": 80, "protocol": "tcp",
        "scheduler": "rr", "backends": [{
            "address": "192.0.2.50", "port": 8080, "weight": 1,
            "check": {"type": "tcp", "interval_ms": 200, "timeout_ms": 100}}]}]}))
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)

    head, body = http(a.host, r"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
    assert head[0] == "HTTP/1.0 200 OK", head
    assert "Content-Type: application/openmetrics-text; version=1.0.0; " \
        "charset=utf-8" in head
    fams = parse_openmetrics(body)
    assert fams["vipd_instance_state"]["type"] == "stateset"
    assert value_of(fams, "vipd_instance_state", instance="ext",
                    vipd_instance_state="MASTER") == 1
    assert value_of(fams, "vipd_instance_state", instance="ext",
                    vipd_instance_state="BACKUP") == 0
    assert value_of(fams, "vipd_instance_base_priority", instance="ext") == 150
    assert value_of(fams, "vipd_instance_effective_priority", instance="ext") == 150
    for counter in ("vipd_instance_adverts_sent", "vipd_instance_adverts_received",
                    "vipd_instance_transitions", "vipd_instance_drops",
                    "vipd_unmatched_drops", "vipd_reloads"):
        assert fams[counter]["type"] == "counter", counter
    assert value_of(fams, "vipd_instance_adverts_sent", instance="ext") > 0
    assert value_of(fams, "vipd_instance_transitions", instance="ext") >= 2
    assert value_of(fams, "vipd_instance_drops", instance="ext", reason="ttl") == 0
    assert fams["vipd_uptime_seconds"]["type"] == "gauge"
    backend = [f for f in fams if f.startswith("vipd_virtual_service_backend_")]
    assert backend, sorted(fams)
    for f in backend:
        for _, labels, _ in fams[f]["samples"]:
            assert labels.get("virtual_service") == "web", (f, labels)

    _, body = http(b.host, r"GET /metrics?x=1 HTTP/1.1\r\n\r\n")
    fams = parse_openmetrics(body)
    assert value_of(fams, "vipd_instance_state", instance="ext",
                    vipd_instance_state="BACKUP") == 1
    assert value_of(fams, "vipd_instance_adverts_received", instance="ext") > 0

    # Wrong requests get an HTTP error, not metrics.
    assert http(a.host, r"GET / HTTP/1.0\r\n\r\n")[0][0] == "HTTP/1.0 404 Not Found"
    assert http(a.host, r"POST /metrics HTTP/1.0\r\n\r\n")[0][0] == \
        "HTTP/1.0 405 Method Not Allowed"
    assert http(a.host, r"hello\r\n\r\n")[0][0] == "HTTP/1.0 400 Bad Request"
    big = "GET /metrics HTTP/1.0\\r\\nX: " + "y" * 3000 + "\\r\\n\\r\\n"
    assert http(a.host, big)[0][0].startswith("HTTP/1.0 431")

    # A client that connects and never asks is cut off; scrapes go on.
    slow = a.host.popen(["/usr/bin/python3", "-c",
                         "import socket,time; s=socket.create_connection("
                         "('127.0.0.1', %d)); s.sendall(b'GET /met'); "
                         "print(s.recv(10) == b'', flush=True); time.sleep(30)"
                         % METRICS_PORT], log_name="slow.log")
    time.sleep(0.5)
    assert http(a.host, r"GET /metrics HTTP/1.0\r\n\r\n")[0][0] == "HTTP/1.0 200 OK"
    wait_until(lambda: "True" in open(slow.log_path).read(), 12,
               "the stalled metrics client to be disconnected")
    slow.stop()
    assert a.alive() and a.state() == "MASTER"
    # ... and each refusal was counted, where the scraper sees it too.
    fams = parse_openmetrics(http(a.host, r"GET /metrics HTTP/1.0\r\n\r\n")[1])
    assert value_of(fams, "vipd_metrics_bad_requests") >= 4
    assert value_of(fams, "vipd_metrics_timeouts") >= 1
    assert value_of(fams, "vipd_metrics_scrapes") >= 3
    assert a.stats()["global"]["metrics_timeouts"] >= 1


def test_metrics_show_checks_sync_and_drops_live(topo, script_dir):
    """Series that modules add to the dump, live: a track script's state, a
    backend's health (a stateset with all its states), conn_sync's role and
    counters on both sides, and a drop reason that is not zero after a
    crafted advert with TTL 1 (RFC 5798 5.1.1.3)."""
    check = write_script(script_dir, "chk.sh", "exit 0")
    nodes = []
    for name, n, prio in (("a", 1, 150), ("b", 2, 100)):
        node = topo.add_vipd(name, "192.0.2.%d" % n, priority=prio)
        key = os.path.join(node.dir, "sync.key")
        write_key(key, b"operate-test-conn-sync-key-0123456789", 0o600)
        node.global_settings = {"metrics_listen": "127.0.0.1:%d" % METRICS_PORT}
        node.instances[0]["track_scripts"] = [{"name": "chk", "weight": -10}]
        node.sections = {
            "track_scripts": [{"name": "chk", "command": Array([check]),
                               "interval_ms": 200}],
            "virtual_services": [{
                "name": "web", "address": DEFAULT_VIP, "port": 80,
                "protocol": "tcp", "scheduler": "rr", "backends": [
                    {"address": "192.0.2.50", "port": 8080,
                     "check": {"type": "tcp", "interval_ms": 200,
                               "timeout_ms": 100}}]}],
            "conn_sync": {"interface": "eth0", "local": "192.0.2.%d" % n,
                          "peer": "192.0.2.%d" % (3 - n), "port": 7788,
                          "key_file": key, "follow": "ext"},
        }
        nodes.append(node)
    a, b = nodes
    rogue = topo.add_host("rogue", "192.0.2.66")
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.start()
    b.wait_state("BACKUP", timeout=SETTLE_S)
    wait_until(lambda: b.dump()["conn_sync"]["synced"], SETTLE_S,
               "b's first resync")
    wait_until(lambda: a.dump()["virtual_services"][0]["backends"][0]["health"]
               == "down", SETTLE_S, "the backend nobody serves to be down")

    low_ttl = vrrpcraft.frame(rogue.mac, "192.0.2.66",
                              vrrpcraft.advert("192.0.2.66", priority=255), ttl=1)
    rogue.send_frames([low_ttl], count=5, interval_ms=10)
    wait_until(lambda: a.dump()["instances"][0]["counters"]["drops"]["ttl"] >= 5,
               10, "a to count the TTL-1 adverts")

    fams = parse_openmetrics(http(a.host, r"GET /metrics HTTP/1.0\r\n\r\n")[1])
    # The drop reason, live, and the others still there at 0.
    assert fams["vipd_instance_drops"]["type"] == "counter"
    assert value_of(fams, "vipd_instance_drops", instance="ext", reason="ttl") >= 5
    assert value_of(fams, "vipd_instance_drops", instance="ext", reason="checksum") == 0
    assert a.state() == "MASTER"
    # Check states: the track script (succeeding) and the backend (down).
    assert value_of(fams, "vipd_track_script_up", track_script="chk") == 1
    assert value_of(fams, "vipd_track_script_runs", track_script="chk") >= 1
    assert fams["vipd_track_script_runs"]["type"] == "counter"
    assert value_of(fams, "vipd_instance_tracking_script_up", instance="ext",
                    script="chk") == 1
    health = "vipd_virtual_service_backend_health"
    assert fams[health]["type"] == "stateset"
    for st, want in (("down", 1), ("up", 0), ("unknown", 0)):
        assert value_of(fams, health, virtual_service="web",
                        backend="192.0.2.50:8080", **{health: st}) == want, st
    assert value_of(fams, "vipd_virtual_service_backend_checks_failed",
                    virtual_service="web", backend="192.0.2.50:8080") >= 1
    assert value_of(fams, "vipd_virtual_service_quorum_met",
                    virtual_service="web") == 0
    assert fams["vipd_balancer_probes_refused"]["type"] == "counter"
    assert fams["vipd_balancer_probes_in_flight"]["type"] == "gauge"
    # conn_sync: the role as a stateset, and counters on both sides.
    assert value_of(fams, "vipd_conn_sync_role", vipd_conn_sync_role="sender") == 1
    assert value_of(fams, "vipd_conn_sync_resyncs_served") >= 1
    assert value_of(fams, "vipd_conn_sync_datagrams_sent") >= 1
    assert fams["vipd_conn_sync_datagrams_sent"]["type"] == "counter"
    assert value_of(fams, "vipd_conn_sync_drops", reason="bad_hmac") == 0
    fams = parse_openmetrics(http(b.host, r"GET /metrics HTTP/1.0\r\n\r\n")[1])
    assert value_of(fams, "vipd_conn_sync_role", vipd_conn_sync_role="receiver") == 1
    assert value_of(fams, "vipd_conn_sync_role", vipd_conn_sync_role="sender") == 0
    assert value_of(fams, "vipd_conn_sync_synced") == 1
    assert value_of(fams, "vipd_conn_sync_resyncs_completed") >= 1
    assert value_of(fams, "vipd_conn_sync_datagrams_received") >= 1
    assert value_of(fams, "vipd_instance_drops", instance="ext", reason="ttl") >= 5


def test_metrics_listen_validated(lan, vipd_bin):
    a, b, client = lan
    for value, ok in (("127.0.0.1:9650", True), ("[::1]:9650", True),
                      ("192.0.2.1:9650", False), ("127.0.0.1:0", False),
                      ("localhost:9650", False), ("::1:9650", False)):
        a.global_settings = {"metrics_listen": value}
        a.write_config()
        res = subprocess.run([vipd_bin, "-t", "-f", a.conf_path],
                             capture_output=True, text=True, timeout=10)
        assert (res.returncode == 0) == ok, (value, res.stdout, res.stderr)
        if not ok:
            assert re.search(r"vipd\.conf:\d+: global\.metrics_listen: ",
                             res.stderr), res.stderr
    a.global_settings = {"metrics_listen": "192.0.2.1:9650",
                         "metrics_allow_remote": True}
    a.write_config()
    res = subprocess.run([vipd_bin, "-t", "-f", a.conf_path],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res.stderr


def test_metrics_endpoint_follows_reload(lan, vipctl_bin):
    a, b, client = lan
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    def scrape_ok():
        res = a.host.run(["/usr/bin/python3", "-c", HTTP_CLIENT, str(METRICS_PORT),
                          r"GET /metrics HTTP/1.0\r\n\r\n"], check=False)
        return res.returncode == 0 and "200 OK" in res.stdout

    assert not scrape_ok(), "no endpoint unless metrics_listen is set"
    a.global_settings = {"metrics_listen": "127.0.0.1:%d" % METRICS_PORT}
    a.write_config()
    assert vipctl(vipctl_bin, a, "reload").returncode == 0
    wait_until(scrape_ok, 10, "the endpoint opened by reload")
    a.global_settings = {}
    a.write_config()
    assert vipctl(vipctl_bin, a, "reload").returncode == 0
    wait_until(lambda: not scrape_ok(), 10, "the endpoint closed by reload")
    assert a.state() == "MASTER" and "metrics: endpoint closed" in a.log_text()


def test_status_json_of_many_instances_arrives_whole(lan, vipctl_bin):
    """A reply larger than a default socket buffer (200 instances with their
    timelines: ~300 KB) still arrives whole."""
    from vipnet import vipd_instance
    a, b, client = lan
    a.instances = [vipd_instance(name="i%d" % v, vrid=v, priority=150,
                                 advert_interval_ms=1000,
                                 vips=("198.51.%d.1/24" % v,))
                   for v in range(1, 201)]
    a.start()

    def whole():
        res = vipctl(vipctl_bin, a, "status", "--json")
        assert res.returncode == 0, res.stderr
        doc = json.loads(res.stdout)
        assert len(doc["instances"]) == 200
        return all(len(i["timeline"]) >= 1 for i in doc["instances"])
    wait_until(whole, SETTLE_S, "every instance in one status --json reply")
    assert "cut short" not in a.log_text()
