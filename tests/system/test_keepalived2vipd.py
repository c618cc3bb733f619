# SPDX-License-Identifier: GPL-2.0-or-later
"""
contrib/keepalived2vipd: the keepalived sample configs shipped by Debian's
keepalived package convert into configs that `vipd -t` accepts; every
keyword it cannot convert is listed with its line; bad input is refused
clearly; SSL_GET becomes an https check; and two nodes running what it
makes of Debian's keepalived.conf.vrrp (addresses changed only) elect one
master per instance and fail over and back in namespaces.
"""

import glob
import json
import os
import re
import subprocess

import pytest

import conftest
from vipnet import hold_for, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMPORTER = os.path.join(REPO, "contrib", "keepalived2vipd")
SAMPLE_DIR = "/usr/share/doc/keepalived/samples"
SAMPLES = sorted(glob.glob(os.path.join(SAMPLE_DIR, "keepalived.conf.*")))
NOTE = re.compile(r"^(.+):(\d+): (\S.*?): (.+)$")
SETTLE_S = 15.0
# Samples with nothing vipd can run: each with the note that must say why.
NOTHING_TO_CONVERT = {
    "keepalived.conf.fwmark": "virtual_server: not converted: vipd balances "
                              "ADDRESS PORT services only",
}


def convert(path, *extra):
    return subprocess.run(["/usr/bin/python3", IMPORTER, path] + list(extra),
                          capture_output=True, text=True, timeout=30)


def vipd_test(vipd_bin, text, tmp_path):
    conf = tmp_path / "converted.conf"
    conf.write_text(text)
    return subprocess.run([vipd_bin, "-t", "-f", str(conf)], capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("sample", SAMPLES or ["(none)"],
                         ids=[os.path.basename(s) for s in SAMPLES] or ["none"])
def test_debian_sample_converts_to_a_valid_vipd_config(sample, vipd_bin, tmp_path):
    if not SAMPLES:
        # make system (VIPD_REQUIRE_TOOLS=1) fails here: install-deps.sh
        # installs keepalived, whose package ships the samples.
        conftest.missing_tool("keepalived's samples are not installed "
                              "(/usr/share/doc/keepalived/samples)")
    res = convert(sample)
    assert res.returncode == 0, res.stderr
    for line in res.stderr.splitlines():
        m = NOTE.match(line)
        assert m and m.group(1) == sample, line
        assert 1 <= int(m.group(2)) <= len(open(sample).read().splitlines())
    check = vipd_test(vipd_bin, res.stdout, tmp_path)
    assert check.returncode == 0, res.stdout + check.stderr
    # Something to run came out of it: an instance or a service.
    m = re.search(r"configuration OK \((\d+) instances\)", check.stdout + check.stderr)
    assert m, check.stdout + check.stderr
    instances = int(m.group(1))
    services = len(re.findall(r"^\s+scheduler = ", res.stdout, re.M))
    why = NOTHING_TO_CONVERT.get(os.path.basename(sample))
    if why is None:
        assert instances + services >= 1, res.stdout + res.stderr
    else:
        assert instances + services == 0 and why in res.stderr, res.stderr


def test_virtual_server_group_becomes_one_service_per_member(tmp_path, vipd_bin):
    conf = tmp_path / "keepalived.conf"
    conf.write_text("""\
virtual_server_group WEB {
    192.0.2.10 80
    192.0.2.20-22 8080
    fwmark 7
}
virtual_server group WEB {
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.11 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
""")
    res = convert(str(conf))
    assert res.returncode == 0, res.stderr
    names = re.findall(r'^\s+name = "([^"]+)";', res.stdout, re.M)
    assert names == ["WEB_192.0.2.10_80", "WEB_192.0.2.20_8080",
                     "WEB_192.0.2.21_8080", "WEB_192.0.2.22_8080"], res.stdout
    assert res.stdout.count('scheduler = "wrr";') == 4
    assert res.stdout.count('address = "10.1.0.11";') == 4
    # No delay_loop: keepalived's default of 60 s, not vipd's 1 s.
    assert res.stdout.count("interval_ms = 60000;") == 4, res.stdout
    assert res.stderr == "%s:4: fwmark: fwmark member: not converted (vipd " \
        "balances ADDRESS PORT services only)\n" % conf, res.stderr
    check = vipd_test(vipd_bin, res.stdout, tmp_path)
    assert check.returncode == 0, res.stdout + check.stderr


KEEPALIVED_CONF = """\
! every keyword the importer knows, and some it does not
global_defs {
   router_id lb-a
   script_user nobody
   enable_script_security
   notification_email { ops@example.org }
}
include extra/*.conf
@high priority_note_only_for_high
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    nopreempt
    preempt_delay 2.5
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.0.2.100/24 dev eth0
        192.0.2.101
        192.0.2.101
        2001:db8::1/64
    }
    unicast_src_ip 192.0.2.1
    unicast_peer {
        192.0.2.2
    }
    track_interface {
        eth1 weight -20
        eth2
    }
    track_script {
        chk_web
        chk_db weight 5
    }
    notify_master "/etc/keepalived/master.sh --now"
    notify_backup /etc/keepalived/backup.sh
    notify /etc/keepalived/any.sh
    use_vmac vrrp51
    accept
    garp_master_delay 5
    garp_master_repeat 2
    garp_master_refresh 60
    smtp_alert
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
    notify_fault /etc/keepalived/group-fault.sh
}
virtual_server 192.0.2.100 80 {
    delay_loop 3
    lb_algo wlc
    lb_kind DR
    persistence_timeout 30
    protocol TCP
    quorum 1
    hysteresis 1
    quorum_up "/etc/keepalived/q-up.sh web"
    quorum_down /etc/keepalived/q-down.sh
    sorry_server 10.1.0.99 80
    real_server 10.1.0.11 8080 {
        weight 3
        notify_up /etc/keepalived/rs-up.sh
        notify_down "/etc/keepalived/rs.sh down" root
        HTTP_GET {
            url {
                path /healthz
                status_code 204
            }
            connect_timeout 2
            retry 4
        }
    }
    real_server 10.1.0.12 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.1.0.13 8080 {
        MISC_CHECK {
            misc_path "/usr/local/bin/check_app --port 8080"
            misc_timeout 2.5
            misc_dynamic
        }
    }
}
virtual_server fwmark 1 {
    lb_algo rr
}
"""

EXTRA_CONF = """\
vrrp_script chk_web {
    script "/usr/bin/curl -fsS http://127.0.0.1/"
    interval 2
    timeout 1
    weight -60
    rise 2
    fall 3
}
vrrp_script chk_db {
    script "</dev/tcp/127.0.0.1/5432"
    interval 1
}
"""


def test_importer_converts_keywords_and_lists_the_rest(tmp_path, vipd_bin):
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "scripts.conf").write_text(EXTRA_CONF)
    src = tmp_path / "keepalived.conf"
    src.write_text(KEEPALIVED_CONF)
    res = convert(str(src))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for want in ('router_id = "lb-a";', 'script_user = "nobody";',
                 'name = "VI_1";', 'interface = "eth0";', "vrid = 51;",
                 "priority = 150;", "version = 2;", "advert_interval_ms = 1000;",
                 "preempt = false;", "preempt_delay_ms = 2500;",
                 'type = "pass";', 'secret = "s3cret";',
                 'addresses = ( "192.0.2.100/24", "192.0.2.101/32" );',
                 'unicast_src = "192.0.2.1";', 'unicast_peers = ( "192.0.2.2" );',
                 'name = "eth1";', "weight = -20;", 'name = "eth2";',
                 'name = "chk_web";', "weight = -60;", 'name = "chk_db";',
                 "weight = 5;",
                 'master = "/etc/keepalived/master.sh";',
                 'backup = "/etc/keepalived/backup.sh";',
                 'any = "/etc/keepalived/any.sh";', "use_vmac = true;",
                 'vmac_name = "vrrp51";', "accept_mode = true;",
                 "delay_ms = 5000;", "repeat = 2;", "refresh_s = 60;",
                 'command = [ "/usr/bin/curl", "-fsS", "http://127.0.0.1/" ];',
                 'command = [ "/bin/sh", "-c", "</dev/tcp/127.0.0.1/5432" ];',
                 "interval_ms = 2000;", "timeout_ms = 1000;", "rise = 2;",
                 "fall = 3;", 'members = ( "VI_1" );',
                 'fault = "/etc/keepalived/group-fault.sh";',
                 'address = "192.0.2.100";', "port = 80;", 'protocol = "tcp";',
                 'forwarding = "dr";', 'scheduler = "mh";', "quorum = 1;",
                 "hysteresis = 1;",
                 'quorum_up = [ "/etc/keepalived/q-up.sh", "web" ];',
                 'quorum_down = [ "/etc/keepalived/q-down.sh" ];',
                 'notify_up = [ "/etc/keepalived/rs-up.sh" ];',
                 'notify_down = [ "/etc/keepalived/rs.sh", "down" ];',
                 'address = "10.1.0.11";', "weight = 3;", 'type = "http";',
                 'path = "/healthz";', "expect_status = 204;", "retry = 4;",
                 "fall = 1;",
                 "interval_ms = 3000;", 'type = "tcp";', 'type = "script";',
                 'command = [ "/usr/local/bin/check_app", "--port", "8080" ];',
                 "timeout_ms = 2500;"):
        assert want in out, want

    notes = {}
    for line in res.stderr.splitlines():
        m = NOTE.match(line)
        assert m, line
        notes.setdefault(m.group(3), []).append((m.group(1), int(m.group(2)),
                                                 m.group(4)))
    lines = KEEPALIVED_CONF.splitlines()

    def noted(keyword, why=None):
        assert keyword in notes, (keyword, res.stderr)
        for path, number, reason in notes[keyword]:
            if path == str(src):
                assert keyword.split()[0].lstrip("@") in lines[number - 1] or \
                    keyword.startswith("@"), (keyword, number)
            if why is None or why in reason:
                return
        raise AssertionError((keyword, why, notes[keyword]))

    noted("notification_email")
    noted("@high", "--config-id")
    noted("state", "ignored")
    noted("2001:db8::1/64", "one address family")
    noted("192.0.2.101", "listed twice")
    noted("notify_master", "dropped")
    noted("smtp_alert")
    assert not any(k.startswith("lb_algo") for k in notes), notes
    noted("notify_down user root", "script_user")
    # lb_kind DR: vipd's stateless DR takes neither wlc, persistence, a
    # sorry server nor another backend port.
    noted("lb_kind DR (lb_algo wlc)", "mh used")
    noted("lb_kind DR (persistence_s)", "connection state")
    noted("lb_kind DR (sorry_server)", "connection state")
    noted("lb_kind DR (real_server port 8080)", "service port")
    for gone in ("persistence_s", "sorry_server", "port = 8080;"):
        assert gone not in out.split("virtual_services")[1], gone
    noted("misc_dynamic")
    noted("virtual_server", "ADDRESS PORT services only")
    assert "enable_script_security" not in notes

    # The result is a valid vipd config.
    check = vipd_test(vipd_bin, out, tmp_path)
    assert check.returncode == 0, out + check.stderr

    # --strict: the notes make it fail; --no-include: the scripts are gone.
    assert convert(str(src), "--strict").returncode == 1
    res = convert(str(src), "--no-include")
    assert "chk_web" not in res.stdout.split("vrrp_instances")[0]
    assert re.search(r"keepalived\.conf:8: include: not followed", res.stderr)
    res = convert(str(src), "--config-id", "high")
    assert "@high" not in res.stderr


def test_importer_refuses_what_it_cannot_read(tmp_path):
    res = convert(str(tmp_path / "missing.conf"))
    assert res.returncode == 2 and "No such file" in res.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text("vrrp_instance VI_1 {\n  interface eth0\n")
    res = convert(str(bad))
    assert res.returncode == 2 and "inside a block" in res.stderr
    bad.write_text("global_defs {\n}\n}\n")
    res = convert(str(bad))
    assert res.returncode == 2 and "bad.conf:3: '}' without a block" in res.stderr
    bad.write_text('vrrp_script x {\n  script "/bin/true\n}\n')
    res = convert(str(bad))
    assert res.returncode == 2 and "bad.conf:2: unterminated string" in res.stderr
    # A value keepalived would refuse costs its statement, not the run.
    bad.write_text("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n"
                   "  track_interface {\n    eth1 weight lots\n  }\n"
                   "  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n"
                   "virtual_server 10.0.0.1 http {\n}\n")
    res = convert(str(bad))
    assert res.returncode == 0, res.stderr
    assert "bad.conf:4: track_interface: bad value" in res.stderr
    assert "bad.conf:11: virtual_server: bad value '10.0.0.1 http'" in res.stderr
    assert 'addresses = ( "10.0.0.1/24" );' in res.stdout


def libconfig_values(text):
    """The converted config as Python values (groups as dicts, lists and
    arrays as lists): the subset of libconfig that the importer writes,
    read independently of it, so that tests can look at one field of one
    block. Raises ValueError on anything else."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|[A-Za-z_][\w-]*'
                        r'|[{}()\[\];,=:]|#[^\n]*|\s+', text)
    if "".join(tokens) != text:
        raise ValueError("not the importer's libconfig")
    tokens = [t for t in tokens if not t.isspace() and not t.startswith("#")]
    pos = 0

    def take(want=None):
        nonlocal pos
        tok = tokens[pos]
        if want is not None and tok != want:
            raise ValueError("%r where %r belongs (token %d)" % (tok, want, pos))
        pos += 1
        return tok

    def settings(end):
        out = {}
        while pos < len(tokens) and tokens[pos] != end:
            key = take()
            take("=")
            out[key] = value()
            take(";")
        return out

    def value():
        tok = take()
        if tok == "{":
            out = settings("}")
            take("}")
            return out
        if tok in "([":
            close = ")" if tok == "(" else "]"
            out = []
            while tokens[pos] != close:
                out.append(value())
                if tokens[pos] == ",":
                    take(",")
            take(close)
            return out
        if tok.startswith('"'):
            return json.loads(tok)
        if tok in ("true", "false"):
            return tok == "true"
        return float(tok) if "." in tok else int(tok)

    out = settings(None)
    if pos != len(tokens):
        raise ValueError("trailing tokens from %d" % pos)
    return out


def test_ssl_get_sample_converts_to_an_https_check(vipd_bin, tmp_path):
    """keepalived.conf.SSL_GET: the 443 service's SSL_GET is an https check of
    both urls with their digests, its HTTP_GET twin on port 80 an http one;
    retry and delay_before_retry are vipd's own."""
    sample = os.path.join(SAMPLE_DIR, "keepalived.conf.SSL_GET")
    if not os.path.exists(sample):
        conftest.missing_tool("%s is not installed (keepalived)" % sample)
    res = convert(sample)
    assert res.returncode == 0, res.stderr
    conf = libconfig_values(res.stdout)
    by_port = {vs["port"]: vs for vs in conf["virtual_services"]}
    assert sorted(by_port) == [80, 443], by_port
    for port, kind in ((443, "https"), (80, "http")):
        [backend] = by_port[port]["backends"]
        assert (backend["address"], backend["port"]) == ("192.168.201.100", port)
        check = backend["check"]
        assert check["type"] == kind, check
        assert [(u["path"], u["digest"]) for u in check["urls"]] == [
            ("/", "ff20ad2481f97b1754ef3e12ecd3a9cc"),
            ("/mrtg/", "9b3a0c85a887a256d6939da88aabd8cd")], check
        # connect_timeout 3, retry 3, delay_before_retry 3, delay_loop 6
        assert (check["timeout_ms"], check["retry"], check["fall"],
                check["delay_before_retry_ms"], check["interval_ms"]) == \
            (3000, 3, 1, 3000, 6000), check
    assert "url" not in res.stderr, res.stderr
    check = vipd_test(vipd_bin, res.stdout, tmp_path)
    assert check.returncode == 0, res.stdout + check.stderr


# keepalived.conf.vrrp, as shipped, on our segments: its 192.168.200.0/24
# (on eth0) and 192.168.201.0/24 (on eth1) become documentation networks.
PAIR_SAMPLE = "keepalived.conf.vrrp"
PAIR_SED = ["-e", r"s/192\.168\.200\./192.0.2./g",
            "-e", r"s/192\.168\.201\./198.51.100./g"]


# The sample's advert_int 1 and priorities of 50 and 100: RFC 5798 6.1,
# 3 * Advertisement_Interval + Skew_Time (of the lower priority, the longer).
MASTER_DOWN_S = 3 * 1.0 + (256 - 50) / 256


def instance_states(node):
    return {inst["name"]: inst["state"] for inst in node.dump()["instances"]}


def one_master_each(nodes, vips, master=None):
    """Each instance MASTER on one node (on master, if given) and BACKUP on
    the other, and its VIPs on its master only; False until then."""
    states = [instance_states(n) for n in nodes]
    for name, addrs in vips.items():
        owners = [n for n, st in zip(nodes, states) if st.get(name) == "MASTER"]
        others = [st.get(name) for n, st in zip(nodes, states) if n not in owners]
        if len(owners) != 1 or others != ["BACKUP"] * (len(nodes) - 1):
            return False
        if master is not None and owners[0] is not master:
            return False
        for n in nodes:
            if any(n.has_vip(a) != (n is owners[0]) for a in addrs):
                return False
    return True


def test_debian_vrrp_sample_converted_pair_elects_and_fails_over(topo, vipd_bin,
                                                                 tmp_path):
    """Two nodes run what the importer makes of Debian's keepalived.conf.vrrp
    (four instances on eth0 and eth1, PASS authentication on two), changed
    only in its addresses: each instance gets exactly one master; when the
    box holding VI_1 dies the other takes all four; the dead one, back,
    stays backup (same priorities: no preemption), and takes all four back
    when the other dies in turn."""
    sample = os.path.join(SAMPLE_DIR, PAIR_SAMPLE)
    if not os.path.exists(sample):
        conftest.missing_tool("%s is not installed (keepalived)" % sample)
    adapted = tmp_path / PAIR_SAMPLE
    adapted.write_text(subprocess.run(["sed"] + PAIR_SED + [sample], check=True,
                                      capture_output=True, text=True).stdout)
    nodes = [topo.add_vipd("a", "192.0.2.1"), topo.add_vipd("b", "192.0.2.2")]
    topo.add_segment("br1")
    ports = {}
    for i, node in enumerate(nodes):
        ports[node.name] = node.host.attach("br1", "198.51.100.%d/24" % (i + 1), "eth1")
        res = convert(str(adapted), "--state-dir", node.state_dir)
        assert res.returncode == 0, res.stderr
        node.write_config(res.stdout)
    conf = libconfig_values(res.stdout)
    vips = {inst["name"]: [a.split("/")[0] for a in inst["addresses"]]
            for inst in conf["vrrp_instances"]}
    assert {(i["name"], i["interface"], i["vrid"], i["priority"])
            for i in conf["vrrp_instances"]} == {
        ("VI_1", "eth0", 51, 100), ("VI_2", "eth0", 50, 50),
        ("VI_3", "eth1", 52, 100), ("VI_4", "eth1", 53, 50)}
    assert vips["VI_1"] == ["192.0.2.16", "192.0.2.17", "192.0.2.18"]
    assert vips["VI_3"] == ["198.51.100.13", "198.51.100.14", "198.51.100.15"]

    def dies(node):
        node.crash()                   # SIGKILL, eth0's cable pulled
        topo.sw_run(["ip", "link", "set", ports[node.name], "down"])

    def comes_back(node):
        node.host.plug()
        topo.sw_run(["ip", "link", "set", ports[node.name], "up"])
        node.start()

    for node in nodes:
        node.start()
    wait_until(lambda: one_master_each(nodes, vips), SETTLE_S,
               "one master per instance, its VIPs on it only")
    first = next(n for n in nodes if instance_states(n)["VI_1"] == "MASTER")
    other = nodes[1] if first is nodes[0] else nodes[0]

    dies(first)
    wait_until(lambda: one_master_each([other], vips), SETTLE_S,
               "%s to take all four instances from the dead %s"
               % (other.name, first.name))

    comes_back(first)
    wait_until(lambda: one_master_each(nodes, vips, master=other), SETTLE_S,
               "%s back as backup of every instance, its left-over VIPs gone"
               % first.name)
    # Past its Master_Down_Interval twice over: a backup that took equal
    # priority for a reason to preempt would have become master by then.
    hold_for(lambda: one_master_each(nodes, vips, master=other),
             2 * MASTER_DOWN_S, "%s to stay master of all four" % other.name)

    dies(other)
    wait_until(lambda: one_master_each([first], vips), SETTLE_S,
               "%s to take all four back" % first.name)


GATEWAY_CONF = """\
static_ipaddress {
    10.9.0.1/24 dev eth1 label eth1:mgmt
    10.9.0.2/24
}
static_routes {
    10.8.0.0/16 via 10.9.0.254 dev eth1 table main
    blackhole 10.7.0.0/16
}
static_rules {
    from 10.9.0.0/24 table 200 priority 2000
    from all fwmark 0x10/0xff lookup 100
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    skip_check_adv_addr
    notify_master_rx_lower_pri /etc/keepalived/rx.sh
    virtual_ipaddress {
        192.0.2.10/24 dev eth0 brd 192.0.2.255 label eth0:vip scope global
        10.0.0.10/24 dev eth1
    }
    virtual_ipaddress_excluded {
        2001:db8::10/64
    }
    virtual_routes {
        src 192.0.2.10 to 198.51.100.0/24 via 192.0.2.254 dev eth0 metric 10 table 100
        unreachable 203.0.113.0/24
        10.5.0.0/16 via 10.0.0.1 onlink
    }
    virtual_rules {
        from 192.0.2.10/32 table 100 preference 1000
        to 10.1.0.0/16
    }
}
"""


# keepalived's doc/samples UDP_CHECK, SMTP_CHECK, PING_CHECK and
# status_code use these checks; a DNS_CHECK and the keys every checker
# takes, written here in their style.
CHECKS_CONF = """\
virtual_server 192.0.2.100 53 {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 10.1.0.11 53 {
        DNS_CHECK {
            type AAAA
            name www.example.test
            connect_timeout 2
            retry 2
            delay_before_retry 1
            warmup 4
            bind_to 10.1.0.1
        }
    }
    real_server 10.1.0.12 53 {
        UDP_CHECK {
            connect_port 5353
            payload 68656c6c6f
            require_reply 68656c
            min_reply_length 3
        }
    }
}
virtual_server 192.0.2.100 25 {
    delay_loop 10
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.21 25 {
        SMTP_CHECK {
            helo_name lb1.example.test
            connect_ip 10.1.0.121
            connect_timeout 3
        }
    }
    real_server 10.1.0.22 25 {
        PING_CHECK {
            retry 1
        }
    }
    real_server 10.1.0.23 25 {
        HTTP_GET {
            url {
                path /health
                status_code 200-204
                digest 0123456789ABCDEF0123456789abcdef
            }
            url {
                path /ready
                status_code 200 204
            }
            connect_timeout 2
        }
    }
}
"""


def test_importer_converts_the_gateway_keywords(tmp_path, vipd_bin):
    src = tmp_path / "keepalived.conf"
    src.write_text(GATEWAY_CONF)
    res = convert(str(src))
    assert res.returncode == 0, res.stderr
    text = res.stdout
    for want in ('broadcast = "192.0.2.255";', 'label = "eth0:vip";',
                 'scope = "global";', 'dev = "eth1";',
                 'address = "2001:db8::10/64";', "advertise = false;",
                 'destination = "198.51.100.0/24";', 'src = "192.0.2.10";',
                 'via = "192.0.2.254";', "metric = 10;", "table = 100;",
                 'type = "unreachable";', 'type = "blackhole";',
                 "priority = 1000;", 'from = "192.0.2.10/32";',
                 'fwmark = "0x10/0xff";', "table = 254;",
                 'label = "eth1:mgmt";', "check_advert_addresses = false;",
                 'notify_master_rx_lower_pri = "/etc/keepalived/rx.sh";'):
        assert want in text, want
    notes = res.stderr
    assert re.search(r"keepalived\.conf:3: 10\.9\.0\.2/24: not converted: no "
                     r"dev", notes), notes
    assert re.search(r"keepalived\.conf:30: onlink: not converted", notes), notes
    assert re.search(r"keepalived\.conf:34: to: no table", notes), notes
    assert "skip_check_adv_addr" in notes
    check = vipd_test(vipd_bin, text, tmp_path)
    assert check.returncode == 0, text + check.stderr


def test_importer_maps_udp_dns_smtp_ping_and_the_common_check_keys(tmp_path,
                                                                   vipd_bin):
    src = tmp_path / "keepalived.conf"
    src.write_text(CHECKS_CONF)
    res = convert(str(src))
    assert res.returncode == 0, res.stderr
    conf = libconfig_values(res.stdout)
    checks = {b["address"]: b["check"] for vs in conf["virtual_services"]
              for b in vs["backends"]}
    assert checks["10.1.0.11"] == {
        "type": "dns", "query_type": "AAAA", "query_name": "www.example.test",
        "timeout_ms": 2000, "retry": 2, "fall": 1,
        "delay_before_retry_ms": 1000, "warmup_ms": 4000,
        "bind_to": "10.1.0.1", "interval_ms": 5000}, checks["10.1.0.11"]
    assert checks["10.1.0.12"] == {
        "type": "udp", "port": 5353, "payload_hex": "68656c6c6f",
        "expect_reply_hex": "68656c", "interval_ms": 5000}, checks["10.1.0.12"]
    assert checks["10.1.0.21"] == {
        "type": "smtp", "helo_name": "lb1.example.test",
        "connect_ip": "10.1.0.121", "timeout_ms": 3000,
        "interval_ms": 10000}, checks["10.1.0.21"]
    assert checks["10.1.0.22"] == {"type": "ping", "retry": 1, "fall": 1,
                                   "interval_ms": 10000}, checks["10.1.0.22"]
    http = checks["10.1.0.23"]
    assert http["urls"] == [
        {"path": "/health", "expect_status": "200-204",
         "digest": "0123456789abcdef0123456789abcdef"},
        {"path": "/ready"}], http
    # What vipd has no key for is listed with its line, never dropped.
    lines = CHECKS_CONF.splitlines()
    notes = [NOTE.match(line) for line in res.stderr.splitlines()]
    assert all(notes), res.stderr
    noted = {(m.group(3), int(m.group(2))) for m in notes}
    for key, text in (("min_reply_length", "min_reply_length 3"),
                      ("status_code", "status_code 200 204")):
        [number] = [i + 1 for i, ln in enumerate(lines) if text in ln]
        assert (key, number) in noted, (key, number, res.stderr)
    assert len(noted) == 2, res.stderr
    check = vipd_test(vipd_bin, res.stdout, tmp_path)
    assert check.returncode == 0, res.stdout + check.stderr


BFD_KEEPALIVED = """
bfd_instance to_router {
    neighbor_ip 192.0.2.254
    source_ip 192.0.2.1
    min_rx 20
    min_tx 30
    multiplier 3
    weight -30
    max_hops 1
}
bfd_instance to_b {
    neighbor_ip 192.0.2.2
    source_ip 192.0.2.1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_bfd {
        to_router
        to_b weight 0
        nowhere
    }
}
"""


def test_bfd_instance_and_track_bfd_convert(vipd_bin, tmp_path):
    src = tmp_path / "keepalived.conf"
    src.write_text(BFD_KEEPALIVED)
    res = convert(str(src))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert re.search(r'name = "to_router";\s*peer = "192.0.2.254";\s*'
                     r'local = "192.0.2.1";\s*min_tx_ms = 30;\s*min_rx_ms = 20;'
                     r'\s*multiplier = 3;', out), out
    # keepalived's defaults: 10 ms, multiplier 5.
    assert re.search(r'name = "to_b";[^}]*min_tx_ms = 10;\s*min_rx_ms = 10;'
                     r'\s*multiplier = 5;', out), out
    assert re.search(r'track_bfd = \(\s*\{\s*name = "to_router";\s*weight = -30;'
                     r'\s*\},\s*\{\s*name = "to_b";\s*weight = 0;\s*\}\s*\)', out), out
    assert ":9: max_hops: not converted" in res.stderr, res.stderr
    assert "nowhere: no such bfd_instance" in res.stderr, res.stderr
    t = vipd_test(vipd_bin, out, tmp_path)
    assert t.returncode == 0, t.stdout + t.stderr


TRACK_PROCESS_CONF = """\
vrrp_track_process track_nginx {
    process nginx -g daemon
    param_match partial
    quorum 2
    quorum_max 4
    delay 1.5
    terminate_delay 0.5
    weight -40 reverse
    full_command
}
vrrp_track_process track_db {
    process "/usr/sbin/mysqld"
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_process {
        track_nginx
        track_db weight 10
        nosuch
    }
}
"""


def test_vrrp_track_process_converts_to_track_processes(tmp_path, vipd_bin):
    src = tmp_path / "keepalived.conf"
    src.write_text(TRACK_PROCESS_CONF)
    res = convert(str(src))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for want in ('name = "track_nginx";', 'process = "nginx";',
                 'args = "-g daemon";', 'param_match = "initial";',
                 "quorum = 2;", "quorum_max = 4;", "delay_ms = 1500;",
                 "terminate_delay_ms = 500;", "weight = -40;",
                 'name = "track_db";', 'process = "/usr/sbin/mysqld";',
                 "weight = 10;"):
        assert want in out, (want, out)
    notes = res.stderr
    assert "%s:3: param_match partial: converted to \"initial\"" % src in notes
    assert "%s:8: weight reverse: 'reverse' not converted" % src in notes
    assert "%s:24: nosuch: no such vrrp_track_process" % src in notes
    test = vipd_test(vipd_bin, out, tmp_path)
    assert test.returncode == 0, test.stderr + out
