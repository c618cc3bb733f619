# SPDX-License-Identifier: GPL-2.0-or-later
"""
VRRPv2 (RFC 3768) with authentication, against keepalived 2.2.7: a vipd and a
keepalived node share one VRID with a simple password or with IPsec AH,
elect one master and hand the VIP over both ways; a secret that differs is
never acted on (each side drops the other's adverts, vipd counts them, and
both become master: the split brain a wrong secret must give); a replayed AH
advert is dropped for its sequence number.
"""

import pytest

import vrrpcraft
from vipnet import DEFAULT_VIP as VIP, arp_owners, hold_for, wait_until

SETTLE_S = 20.0        # v2 counts seconds: Master_Down_Interval is ~3.6 s
SECRET = "s3cret"      # 1..8 characters, as keepalived carries them
V_IP, K_IP, ROGUE_IP = "192.0.2.1", "192.0.2.2", "192.0.2.66"


def v2_pair(topo, auth, v_priority, k_priority, v_secret=SECRET,
            k_secret=SECRET):
    """vipd on v and keepalived on k, VRRPv2 with 1 s adverts and the same
    authentication type (not started), plus a client."""
    v = topo.add_vipd("v", V_IP, priority=v_priority, version=2,
                      advert_interval_ms=1000,
                      authentication={"type": auth, "secret": v_secret})
    k = topo.add_keepalived("k", K_IP, priority=k_priority, version=2,
                            advert_int=1, auth_type=auth.upper(),
                            auth_pass=k_secret)
    client = topo.add_host("client", "192.0.2.50")
    return v, k, client


# What keepalived logs when it refuses an advert for its secret.
KEEPALIVED_REFUSAL = {"pass": "invalid passwd", "ah": "HMAC-MD5"}


def wrong_secret_frame(auth, src_mac, secret="other"):
    """A keepalived-style advert from K_IP under another secret, claiming
    priority 255: taken, it would make any master yield at once."""
    if auth == "pass":
        payload = vrrpcraft.advert(K_IP, priority=255, addrs=(VIP,), version=2,
                                   interval_cs=100, auth_type=1,
                                   auth_data=secret.encode())
        return vrrpcraft.frame(src_mac, K_IP, payload)
    payload = vrrpcraft.advert(K_IP, priority=255, addrs=(VIP,), version=2,
                               interval_cs=100, auth_type=2)
    return vrrpcraft.ah_frame(src_mac, K_IP, payload, secret, seq=1 << 30)


def counters(node):
    return node.instance()["counters"]


def drops(node, reason):
    """Adverts node dropped for reason, in vipd.json and in vipd.stats."""
    by_json = counters(node)["drops"][reason]
    by_stats = node.stats()["instances"]["ext"]["drop_" + reason]
    assert by_json == by_stats, (reason, by_json, by_stats)
    return by_json


def assert_no_auth_drops(node):
    for reason in ("auth_type", "auth", "ah_seq", "interval"):
        assert drops(node, reason) == 0, (node.name, reason)


@pytest.mark.parametrize("auth", ["pass", "ah"])
def test_vipd_and_keepalived_v2_fail_over_both_ways(topo, vipd_bin,
                                                    keepalived_bin, auth):
    v, k, client = v2_pair(topo, auth, v_priority=150, k_priority=100)

    # keepalived alone becomes master; vipd, higher, preempts it: keepalived
    # must take vipd's adverts (with AH: vipd's first sequence number must
    # be above the last keepalived sent, whatever vipd's own count).
    k.start()
    wait_until(k.has_vip, SETTLE_S, "keepalived alone to take the VIP")
    v.start()
    v.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: not k.has_vip(), SETTLE_S, "keepalived to yield to vipd")
    wait_until(v.has_vip, SETTLE_S, "vipd to hold the VIP")
    assert counters(v)["adverts_received"] >= 1, "vipd never heard keepalived"
    hold_for(lambda: not k.has_vip(), 4.0,
             "keepalived stays backup under vipd's adverts")
    assert arp_owners(client, VIP) == [v.mac]

    # vipd dies: keepalived takes over.
    v.crash()
    wait_until(k.has_vip, SETTLE_S, "keepalived to take over from vipd")
    assert arp_owners(client, VIP) == [k.mac]

    # vipd comes back with no memory of its sequence numbers, hears
    # keepalived, and preempts it again.
    v.host.plug()
    v.start()
    v.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: not k.has_vip(), SETTLE_S,
               "keepalived to yield to the restarted vipd")
    assert counters(v)["adverts_received"] >= 1
    assert arp_owners(client, VIP) == [v.mac]
    assert_no_auth_drops(v)


@pytest.mark.parametrize("auth", ["pass", "ah"])
def test_wrong_secret_is_never_acted_on(topo, vipd_bin, keepalived_bin, auth):
    # keepalived is higher: if vipd took its adverts, vipd would stay backup.
    v, k, client = v2_pair(topo, auth, v_priority=100, k_priority=150,
                           k_secret="other")
    rogue = topo.add_host("rogue", ROGUE_IP)
    k.start()
    v.start()
    wait_until(k.has_vip, SETTLE_S, "keepalived to become master")
    v.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(v.has_vip, SETTLE_S, "vipd to become master as well")
    # keepalived's adverts came first (shorter Master_Down_Interval): vipd
    # refused them and took over when its own timer ran out.
    assert drops(v, "auth") >= 1
    # keepalived refuses vipd's in turn. (A keepalived master restarts its
    # advert timer on every packet of its VRID, valid or not, so vipd's
    # adverts, one a second, also keep keepalived's own back.)
    wait_until(lambda: KEEPALIVED_REFUSAL[auth] in k.log_text(), SETTLE_S,
               "keepalived to refuse vipd's adverts")
    hold_for(lambda: v.has_vip() and k.has_vip(), 3.0,
             "both masters: neither takes the other's adverts")

    # Every further advert under the other secret is counted, none obeyed.
    before, transitions = drops(v, "auth"), counters(v)["transitions"]
    rogue.send_frames([wrong_secret_frame(auth, rogue.mac)], count=5,
                      interval_ms=50)
    wait_until(lambda: drops(v, "auth") >= before + 5, 10,
               "vipd to count the adverts with the other secret")
    hold_for(lambda: v.state() == "MASTER" and v.has_vip(), 1.0,
             "vipd unmoved by priority 255 under the other secret")
    c = counters(v)
    assert c["adverts_received"] == 0
    assert c["transitions"] == transitions        # BACKUP, MASTER, no more
    assert drops(v, "auth_type") == 0
    assert sorted(arp_owners(client, VIP)) == sorted([v.mac, k.mac])


def test_replayed_ah_advert_is_dropped_for_its_sequence_number(
        topo, vipd_bin, keepalived_bin):
    v, k, client = v2_pair(topo, "ah", v_priority=100, k_priority=150)
    rogue = topo.add_host("rogue", ROGUE_IP)
    k.start()
    v.start()
    wait_until(k.has_vip, SETTLE_S, "keepalived to hold the VIP")
    wait_until(lambda: v.instance()["master_address"] == K_IP, SETTLE_S,
               "vipd to follow keepalived")
    wait_until(lambda: counters(v)["adverts_received"] >= 2, SETTLE_S,
               "vipd to take two of keepalived's adverts")

    # keepalived's first advert, signed with the right key, sent again by
    # someone else: priority 0 would make vipd take over within Skew_Time.
    payload = vrrpcraft.advert(K_IP, vrid=51, priority=0, addrs=(VIP,),
                               version=2, interval_cs=100, auth_type=2)
    frame = vrrpcraft.ah_frame(rogue.mac, K_IP, payload, SECRET, seq=1)
    before = drops(v, "ah_seq")
    transitions = counters(v)["transitions"]
    rogue.send_frames([frame], count=5, interval_ms=100)
    wait_until(lambda: drops(v, "ah_seq") >= before + 5, 10,
               "vipd to count the replays")
    hold_for(lambda: v.state() == "BACKUP" and not v.has_vip(), 2.0,
             "vipd unmoved by the replayed priority 0")
    assert counters(v)["transitions"] == transitions
    assert drops(v, "auth") == 0
