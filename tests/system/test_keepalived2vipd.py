"""
contrib/keepalived2vipd: the keepalived sample configs shipped by Debian's
keepalived package convert into configs that `vipd -t` accepts; every
keyword it cannot convert is listed with its line; bad input is refused
clearly; and a converted pair elects a master and fails over in namespaces.
"""

import glob
import os
import re
import subprocess

import pytest

import conftest
from vipnet import DEFAULT_VIP, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMPORTER = os.path.join(REPO, "contrib", "keepalived2vipd")
SAMPLES = sorted(glob.glob("/usr/share/doc/keepalived/samples/keepalived.conf.*"))
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
    sorry_server 10.1.0.99 80
    real_server 10.1.0.11 8080 {
        weight 3
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
                 'scheduler = "wrr";', "persistence_s = 30;", "quorum = 1;",
                 'sorry_server = "10.1.0.99:80";', 'address = "10.1.0.11";',
                 "port = 8080;", "weight = 3;", 'type = "http";',
                 'path = "/healthz";', "expect_status = 204;", "fall = 4;",
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
    noted("lb_algo wlc", "wrr used")
    noted("lb_kind DR", "NAT")
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


PAIR_CONF = """\
global_defs {
    router_id %(name)s
    vrrp_version 3
}
vrrp_instance ext {
    state %(state)s
    interface eth0
    virtual_router_id 51
    priority %(priority)d
    advert_int 0.1
    virtual_ipaddress {
        %(vip)s/24 dev eth0
    }
    garp_master_repeat 3
}
"""


def test_converted_pair_elects_and_fails_over(lan, tmp_path):
    a, b, client = lan
    for node, prio, state in ((a, 150, "MASTER"), (b, 100, "BACKUP")):
        src = tmp_path / ("keepalived-%s.conf" % node.name)
        src.write_text(PAIR_CONF % {"name": node.name, "state": state,
                                    "priority": prio, "vip": DEFAULT_VIP})
        res = convert(str(src), "--state-dir", node.state_dir)
        assert res.returncode == 0, res.stderr
        assert "advert_interval_ms = 100;" in res.stdout
        node.write_config(res.stdout)
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)
    assert a.has_vip() and not b.has_vip()

    a.crash()
    wait_until(b.has_vip, SETTLE_S, "b to take over from the crashed a")
    assert b.state() == "MASTER"
