# SPDX-License-Identifier: GPL-2.0-or-later
"""
Make-before-break hand-over on a graceful stop: the leaving master announces
priority 0 but keeps its VIPs until it hears the new master, so a client
pinging the VIP every 2 ms loses nothing; with handover = "rfc" the old gap of
about Skew_Time returns; a lone node still stops within Master_Down_Interval.
"""

import signal
import time

import pytest

from vipnet import DEFAULT_VIP as VIP, PingerRun, wait_until

SETTLE_S = 15.0


def stop_master_under_pings(master, new_master, client, interval_s):
    """SIGTERM the master while the client pings every 2 ms; returns the
    pinger's result and the exit code."""
    pinger = PingerRun(client, VIP, 2, None)
    wait_until(pinger.reply_times, 10, "replies flowing before the stop")
    master.kill(signal.SIGTERM)
    code = master.wait_exit(timeout=4 * interval_s + 10)
    wait_until(new_master.has_vip, 10, "the new master to hold the VIP")
    time.sleep(0.3)
    return pinger.stop(), code


def test_graceful_stop_hands_over_without_losing_a_ping(lan):
    a, b, client = lan
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)

    result, code = stop_master_under_pings(a, b, client, 0.1)
    assert code == 0, a.log_text()
    assert result["lost"] == 0, result
    assert not a.has_vip()
    log = a.log_text()
    assert "handing over" in log, log
    # The transition says why the hand-over began.
    assert "ext: MASTER -> INIT (stopping (SIGTERM/SIGINT): handed over to " \
        "the new master, 192.0.2.2 heard" in log, log


def test_graceful_stop_hands_over_to_keepalived_without_losing_a_ping(topo, vipd_bin,
                                                                     keepalived_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_keepalived("b", "192.0.2.2", priority=100, advert_int=0.1)
    client = topo.add_host("client", "192.0.2.50")
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    wait_until(lambda: not b.has_vip(), SETTLE_S, "keepalived to be backup")

    result, code = stop_master_under_pings(a, b, client, 0.1)
    assert code == 0, a.log_text()
    assert result["lost"] == 0, result
    assert "handed over to the new master" in a.log_text()


def test_vip_stays_on_the_old_master_until_the_new_one_is_heard(lan):
    """With 1 s adverts the backup takes over after Skew_Time (609 ms): in
    between, the old master still holds the VIP and says why in its dump."""
    a, b, client = lan
    for node in (a, b):
        node.instances[0]["advert_interval_ms"] = 1000
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)

    a.kill(signal.SIGTERM)
    # Some moment inside Skew_Time: releasing, VIP still here, b not master.
    wait_until(lambda: a.instance()["handover"] is not None, 2,
               "a to report the hand-over")
    inst = a.instance()
    assert inst["state"] == "MASTER"
    assert inst["handover"] in ("releasing, waiting for new master",
                                "releasing, new master heard")
    assert a.has_vip()
    assert a.wait_exit(timeout=10) == 0
    assert b.has_vip() and not a.has_vip()


def test_rfc_handover_brings_back_the_skew_time_gap(lan):
    a, b, client = lan
    a.global_settings["handover"] = "rfc"
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)

    result, code = stop_master_under_pings(a, b, client, 0.1)
    assert code == 0
    # Skew_Time of b is 60 ms at 100 ms adverts: many 2 ms pings go unanswered.
    assert result["lost"] >= 5, result
    assert result["max_gap_ms"] >= 30, result


def test_lone_master_still_stops_within_master_down_interval(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, advert_interval_ms=1000)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    started = time.monotonic()
    a.kill(signal.SIGTERM)
    code = a.wait_exit(timeout=15)
    waited = time.monotonic() - started
    assert code == 0
    # Master_Down_Interval at priority 150, 1 s adverts: 3.414 s.
    assert waited < 3.414 + 3.0, waited
    assert not a.has_vip()
    assert "no new master within Master_Down_Interval" in a.log_text()


def test_second_sigterm_cuts_the_hand_over_short(topo, vipd_bin):
    a = topo.add_vipd("a", "192.0.2.1", priority=150, advert_interval_ms=1000)
    a.start()
    a.wait_state("MASTER", timeout=SETTLE_S)

    a.kill(signal.SIGTERM)
    wait_until(lambda: "handing over" in a.log_text(), 5, "the hand-over to start")
    started = time.monotonic()
    a.kill(signal.SIGTERM)
    assert a.wait_exit(timeout=10) == 0
    assert time.monotonic() - started < 2.0
    assert not a.has_vip()


def test_reload_lowering_priority_hands_over_without_losing_a_ping(lan):
    """A reload that demotes the master keeps its state (no restart): it
    serves until b preempts it, then lets go after b's advert and GARP."""
    a, b, client = lan
    a.start()
    b.start()
    a.wait_state("MASTER", timeout=SETTLE_S)
    b.wait_state("BACKUP", timeout=SETTLE_S)
    transitions_before = a.instance()["counters"]["transitions"]

    pinger = PingerRun(client, VIP, 2, None)
    wait_until(pinger.reply_times, 10, "replies flowing before the reload")
    a.instances[0]["priority"] = 50
    a.reload()
    wait_until(lambda: b.has_vip() and not a.has_vip(), SETTLE_S,
               "b to preempt the demoted a")
    time.sleep(0.3)
    result = pinger.stop()
    assert result["lost"] == 0, result
    inst = a.instance()
    assert inst["state"] == "BACKUP" and inst["base_priority"] == 50
    # Updated in place: MASTER -> BACKUP is its only new transition.
    assert inst["counters"]["transitions"] == transitions_before + 1
    assert "priority 150 -> 50 (reload, state kept)" in a.log_text()
