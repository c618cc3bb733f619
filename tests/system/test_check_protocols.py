# SPDX-License-Identifier: GPL-2.0-or-later
"""
The udp, dns, smtp and ping checks, and http urls with digests and status
ranges, each against a real server in a backend's namespace
(tests/lib/ckserve.py, or lbtool's HTTP server), and each failing the way
it should: a wrong or missing reply, an ICMP port unreachable, a wrong
rcode, a missing expected address, no banner, a refused greeting, a host
that is not there, a wrong digest, a status outside the range.
"""

import hashlib
import os
import time

import pytest

from vipnet import PYTHON, LIB_DIR, wait_until
from test_balancer import Balancer, BACKEND_PORT

CKSERVE = os.path.join(LIB_DIR, "ckserve.py")
PROTO_PORT = 5300
FAST = {"interval_ms": 300, "timeout_ms": 250, "rise": 1, "fall": 1}


def serve(lb, name, *args):
    host = lb.backends[name]
    proc = host.popen([PYTHON, CKSERVE] + [str(a) for a in args],
                      label="ckserve %s %s" % (name, " ".join(map(str, args))))
    lb.servers[name + "-ck"] = proc
    # Listening before the first probe: a refusal would count as a failure.
    flags = "-Hltn" if args[0] in ("http", "smtp") else "-Hlun"
    wait_until(lambda: ":%d " % args[1] in host.run(["ss", flags]).stdout,
               5.0, "ckserve on %s to listen" % name)
    return proc


def with_checks(lb, checks):
    """One service whose backends each have their own check."""
    svc = lb.service(scheduler="rr")
    for entry, name in zip(svc["backends"], lb.backends):
        entry["check"] = dict(FAST, **checks[name])
    return svc


def reasons(lb):
    by_ip = {h.ip_internal: n for n, h in lb.backends.items()}
    return {by_ip.get(b["address"], b["address"]): b["last_check"]["reason"]
            for b in lb.services()["web"]["backends"]}


def test_udp_check_reply_wrong_reply_silence_and_port_unreachable(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3", "b4", "b5"])
    serve(lb, "b1", "udp", PROTO_PORT, "echo")
    serve(lb, "b2", "udp", PROTO_PORT, "wrong")
    serve(lb, "b4", "udp", PROTO_PORT, "silent")
    serve(lb, "b5", "udp", PROTO_PORT, "echo")
    udp = {"type": "udp", "port": PROTO_PORT, "payload": "hello",
           "expect_reply": "hel"}
    lb.start([with_checks(lb, {
        "b1": udp, "b2": udp,
        "b3": udp,                       # nothing listens: ICMP unreachable
        "b4": udp,
        "b5": {"type": "udp", "port": PROTO_PORT, "payload_hex": "68 69",
               "expect_reply_regex": "^h[a-z]$"}})])
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down", "b4": "down",
                    "b5": "up"})
    r = reasons(lb)
    assert r["b1"] == "udp: expected reply", r
    assert "does not start with expect_reply" in r["b2"], r
    assert "ICMP port unreachable" in r["b3"], r
    assert "timeout" in r["b4"], r
    assert r["b5"] == "udp: the reply matches", r


def test_udp_check_without_expected_reply_fails_only_on_icmp_error(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    serve(lb, "b1", "udp", PROTO_PORT, "silent")
    udp = {"type": "udp", "port": PROTO_PORT, "payload": "x"}
    lb.start([with_checks(lb, {"b1": udp, "b2": udp})])
    lb.wait_health({"b1": "up", "b2": "down"})
    r = reasons(lb)
    assert "no ICMP error" in r["b1"], r
    assert "ICMP port unreachable" in r["b2"], r


def test_dns_check_rcode_and_expected_address(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3", "b4", "b5"])
    serve(lb, "b1", "dns", PROTO_PORT, 0, "10.9.9.9")
    serve(lb, "b2", "dns", PROTO_PORT, 2)
    serve(lb, "b3", "dns", PROTO_PORT, 0, "10.9.9.8")
    serve(lb, "b4", "dns", PROTO_PORT, 3)
    serve(lb, "b5", "dns", PROTO_PORT, 0)
    a = {"type": "dns", "port": PROTO_PORT, "query_name": "www.example",
         "query_type": "A", "expect_address": "10.9.9.9"}
    lb.start([with_checks(lb, {
        "b1": a, "b2": a, "b3": a, "b4": a,
        "b5": {"type": "dns", "port": PROTO_PORT}})])     # ". SOA"
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down", "b4": "down",
                    "b5": "up"})
    r = reasons(lb)
    assert r["b1"] == "dns: NOERROR with the expected address", r
    assert r["b2"] == "dns: SERVFAIL", r
    assert "expected address is not in the answer" in r["b3"], r
    assert r["b4"] == "dns: NXDOMAIN", r
    assert r["b5"].startswith("dns: NOERROR"), r


def test_smtp_check_ehlo_helo_no_banner_and_rejection(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2", "b3", "b4"])
    for name, mode in (("b1", "ok"), ("b2", "helo"), ("b3", "silent"),
                       ("b4", "reject")):
        serve(lb, name, "smtp", PROTO_PORT, mode)
    smtp = {"type": "smtp", "port": PROTO_PORT, "helo_name": "lb1.test"}
    lb.start([with_checks(lb, {n: smtp for n in lb.backends})])
    lb.wait_health({"b1": "up", "b2": "up", "b3": "down", "b4": "down"})
    r = reasons(lb)
    assert r["b1"] == "smtp: 250 to EHLO", r
    assert r["b2"] == "smtp: 250 to HELO", r
    assert "timeout" in r["b3"], r
    assert "smtp banner: '554 no service here'" in r["b4"], r


@pytest.mark.parametrize("socket_kind", ["raw", "ping-socket"])
def test_ping_check_up_and_down(topo, vipd_bin, socket_kind):
    lb = Balancer(topo, ["b1"])
    if socket_kind == "ping-socket":
        # vipd's group may open ICMP datagram sockets (see vipd.conf(5)).
        lb.node.host.run(["sysctl", "-qw",
                          "net.ipv4.ping_group_range=0 2147483647"])
    svc = with_checks(lb, {"b1": {"type": "ping"}})
    svc["backends"].append({"address": "10.1.0.77", "port": BACKEND_PORT,
                            "check": dict(FAST, type="ping")})
    lb.start([svc])
    lb.wait_health({"b1": "up", "10.1.0.77": "down"})
    r = reasons(lb)
    assert r["b1"] == "ping: echo reply", r
    assert "timeout" in r["10.1.0.77"] or "unreachable" in r["10.1.0.77"], r


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def test_http_urls_digest_and_status_range(topo, vipd_bin):
    """lbtool answers 200 with its name as the body."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    urls = [{"path": "/", "digest": md5("b1")},
            {"path": "/second", "expect_status": "200-299",
             "expect_body_regex": "^b[0-9]$"}]
    lb.start([with_checks(lb, {
        "b1": {"type": "http", "urls": urls},
        "b2": {"type": "http", "urls": urls},
        "b3": {"type": "http", "expect_status": "300-399"}})])
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down"})
    r = reasons(lb)
    assert r["b1"] == "2 urls: body matches", r
    assert r["b2"] == "/: body digest %s, expected %s" % (md5("b2"),
                                                          md5("b1")), r
    assert r["b3"] == "status 200, expected 300-399", r


def test_tcp_check_with_retry_and_connect_ip_goes_down_when_refused(topo, vipd_bin):
    lb = Balancer(topo, ["b1"])
    lb.start([with_checks(lb, {"b1": {"type": "tcp", "retry": 2,
                                      "delay_before_retry_ms": 100,
                                      "connect_ip": "10.1.0.11"}})])
    lb.wait_health({"b1": "up"})
    lb.stop_server("b1")
    lb.wait_health({"b1": "down"})
    b = lb.services()["web"]["backends"][0]
    # Three tries per counted failure: runs count the counted ones.
    assert "refused" in b["last_check"]["reason"], b


def serve_http(lb, name, mode, *args):
    return serve(lb, name, "http", PROTO_PORT, mode, *args)


def test_http_check_sends_headers_host_and_basic_authentication(topo, vipd_bin):
    """The servers answer 200 only to a request carrying what they want."""
    lb = Balancer(topo, ["b1", "b2", "b3", "b4"])
    serve_http(lb, "b1", "header", "X-Probe: vipd", "web.test")
    serve_http(lb, "b2", "header", "X-Probe: vipd", "web.test")
    serve_http(lb, "b3", "auth", "ops:s3cret pass")
    serve_http(lb, "b4", "auth", "ops:s3cret pass")
    base = {"type": "http", "port": PROTO_PORT}
    lb.start([with_checks(lb, {
        "b1": dict(base, headers=["X-Probe: vipd"], host="web.test"),
        "b2": dict(base, headers=["X-Probe: other"], host="web.test"),
        "b3": dict(base, user="ops", password="s3cret pass"),
        "b4": dict(base, user="ops", password="wrong")})])
    lb.wait_health({"b1": "up", "b2": "down", "b3": "up", "b4": "down"})
    r = reasons(lb)
    assert r["b2"] == "status 400, expected 200", r
    assert r["b4"] == "status 401, expected 200", r


def test_retry_after_delay_brings_up_a_backend_failing_each_first_try(topo, vipd_bin):
    """
    The server answers 503, then 200 to a request that comes 300 ms or
    more after the 503. With rise 2 only a retry delay_before_retry_ms
    later makes two good probes in a row: no retry, or a retry at once,
    fails every other probe and never rises.
    """
    lb = Balancer(topo, ["b1", "b2", "b3"])
    for name in lb.backends:
        serve_http(lb, name, "flaky", 300)
    slow = {"type": "http", "port": PROTO_PORT, "interval_ms": 1500,
            "timeout_ms": 500, "rise": 2, "fall": 1}
    lb.start([with_checks(lb, {
        "b1": dict(slow, retry=1, delay_before_retry_ms=700),
        "b2": dict(slow, retry=1, delay_before_retry_ms=0),
        "b3": dict(slow)})])
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down"})
    for _ in range(8):
        h = lb.health()
        assert h["b1"] == "up" and h["b2"] != "up" and h["b3"] != "up", h
        time.sleep(0.5)
    b1 = lb.services()["web"]["backends"][0]
    # Every counted probe of b1 passed: each first try's 503 was retried.
    assert b1["checks"] >= 2 and b1["checks_failed"] == 0, b1
    assert b1["last_check"]["ok"], b1


def test_warmup_delays_the_first_probe(topo, vipd_bin):
    lb = Balancer(topo, ["b1", "b2"])
    logs = {n: os.path.join(topo.workdir, "ck-%s.log" % n) for n in lb.backends}
    for name in lb.backends:
        serve_http(lb, name, "log", logs[name])
    base = {"type": "http", "port": PROTO_PORT}
    lb.start([with_checks(lb, {"b1": dict(base, warmup_ms=6000),
                               "b2": base})])
    lb.wait_health({"b2": "up"})
    assert lb.health()["b1"] == "unknown", lb.health()
    lb.wait_health({"b1": "up"})

    def first(name):
        with open(logs[name]) as f:
            return float(f.readline())
    assert first("b1") - first("b2") >= 4.5, (first("b1"), first("b2"))


def test_bind_to_sets_the_source_address_of_probes(topo, vipd_bin):
    """The servers answer only probes from 10.1.0.250, the lb's second address."""
    lb = Balancer(topo, ["b1", "b2", "b3"])
    lb.node.host.run(["ip", "addr", "add", "10.1.0.250/24", "dev", "eth1"])
    for name in lb.backends:
        serve_http(lb, name, "peer", "10.1.0.250")
    base = {"type": "http", "port": PROTO_PORT}
    lb.start([with_checks(lb, {
        "b1": dict(base, bind_to="10.1.0.250"),
        "b2": base,
        "b3": dict(base, bind_to="10.1.0.251")})])     # not the lb's
    lb.wait_health({"b1": "up", "b2": "down", "b3": "down"})
    r = reasons(lb)
    assert r["b2"] == "status 403, expected 200", r
    assert r["b3"].startswith("bind_to 10.1.0.251: "), r
