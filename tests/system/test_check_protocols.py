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

import pytest

from vipnet import PYTHON, LIB_DIR
from test_balancer import Balancer, BACKEND_PORT

CKSERVE = os.path.join(LIB_DIR, "ckserve.py")
PROTO_PORT = 5300
FAST = {"interval_ms": 300, "timeout_ms": 250, "rise": 1, "fall": 1}


def serve(lb, name, *args):
    host = lb.backends[name]
    proc = host.popen([PYTHON, CKSERVE] + [str(a) for a in args],
                      label="ckserve %s %s" % (name, " ".join(map(str, args))))
    lb.servers[name + "-ck"] = proc
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
