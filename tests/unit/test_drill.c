/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drill: the phases of `vipctl drill`, and above all that every way a drill
 * can be cut short still ends it with a report (never a drill that hangs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/drill.h"

#define WAIT_MS 341u            /* Master_Down_Interval of the drilled node */
#define HOLD_MS 5000u

static struct addr
addr4(uint8_t last)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.bytes[0] = 192;
	a.bytes[1] = 0;
	a.bytes[2] = 2;
	a.bytes[3] = last;
	return a;
}

/* Started at 1000, 192.0.2.2 (priority 100) takes over at 1050: HOLD. */
static void
drill_in_hold(struct drill *d, bool preempt)
{
	struct addr peer = addr4(2);

	drill_start(d, "ext", 150, preempt, HOLD_MS, WAIT_MS, 1000);
	assert_int_equal(d->phase, DRILL_HANDOVER);
	drill_on_advert(d, &peer, 100, 1050);
	assert_int_equal(d->phase, DRILL_HOLD);
	drill_on_state(d, VRRP_STATE_BACKUP, VRRP_REASON_DRILL_HANDED_OVER, 1060);
	assert_true(drill_running(d));
}

static void
test_full_drill_reports_takeover_and_failback(void **state)
{
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_tick(&d, VRRP_STATE_BACKUP, 6060, 3000);
	assert_int_equal(d.phase, DRILL_HOLD);
	drill_tick(&d, VRRP_STATE_BACKUP, 6060, 6060);
	assert_int_equal(d.phase, DRILL_FAILBACK);
	drill_on_state(&d, VRRP_STATE_MASTER, VRRP_REASON_PREEMPT, 6500);
	assert_false(drill_running(&d));
	assert_true(d.ok);
	assert_false(d.early);
	assert_string_equal(d.report, "drill ext: 192.0.2.2 took over 50 ms "
	    "after our priority 0; held BACKUP 5.0 s; took the VIPs back in "
	    "440 ms (preempt)");
}

static void
test_no_peer_fails_at_the_handover_deadline(void **state)
{
	struct drill d;

	(void)state;
	drill_start(&d, "ext", 150, true, HOLD_MS, WAIT_MS, 1000);
	assert_int_equal(drill_next_deadline(&d, 0), 1000 + WAIT_MS + 100);
	drill_tick(&d, VRRP_STATE_MASTER, 0, 1000 + WAIT_MS + 99);
	assert_true(drill_running(&d));
	drill_tick(&d, VRRP_STATE_MASTER, 0, 1000 + WAIT_MS + 100);
	assert_false(drill_running(&d));
	assert_false(d.ok);
	assert_string_equal(d.report, "drill ext: FAILED: no peer took over "
	    "within Master_Down_Interval (341 ms)");
}

/*
 * Make-before-break with nobody there: the state machine calls the hand-over
 * off at Master_Down_Interval and the drill is refused, the VIPs kept.
 */
static void
test_no_taker_is_refused_with_vips_kept(void **state)
{
	struct drill d;

	(void)state;
	drill_start(&d, "ext", 150, true, HOLD_MS, WAIT_MS, 1000);
	drill_on_handover_kept(&d, 1000 + WAIT_MS);
	assert_false(drill_running(&d));
	assert_false(d.ok);
	assert_false(d.early);
	assert_string_equal(d.report, "drill ext: refused: no peer took over "
	    "within Master_Down_Interval (341 ms); kept the VIPs, still MASTER");
	assert_int_equal(drill_next_deadline(&d, 0), 0);
	/* The deadline that follows changes nothing. */
	drill_tick(&d, VRRP_STATE_MASTER, 0, 1000 + WAIT_MS + 100);
	assert_non_null(strstr(d.report, "refused:"));
	/* Past the hand-over it means nothing. */
	drill_in_hold(&d, true);
	drill_on_handover_kept(&d, 2000);
	assert_int_equal(d.phase, DRILL_HOLD);
}

/* handover = "rfc": Master again on our own timer during the hand-over. */
static void
test_rfc_no_taker_fails_saying_the_vips_went(void **state)
{
	struct drill d;

	(void)state;
	drill_start(&d, "ext", 150, true, HOLD_MS, WAIT_MS, 1000);
	drill_on_state(&d, VRRP_STATE_BACKUP, VRRP_REASON_DRILL, 1000);
	assert_true(drill_running(&d));
	drill_on_state(&d, VRRP_STATE_MASTER, VRRP_REASON_MASTER_DOWN, 1341);
	assert_false(drill_running(&d));
	assert_false(d.ok);
	assert_string_equal(d.report, "drill ext: FAILED: no peer took over "
	    "within Master_Down_Interval (341 ms); handover = \"rfc\" released "
	    "the VIPs with priority 0 and took them back after 341 ms (master "
	    "down timer expired)");
}

/* The bug: Master again during the hold left the drill in HOLD for ever. */
static void
test_master_down_during_hold_ends_the_drill_early(void **state)
{
	struct addr peer = addr4(2);
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_on_advert(&d, &peer, 100, 2000);     /* its last advert */
	drill_on_state(&d, VRRP_STATE_MASTER, VRRP_REASON_MASTER_DOWN, 2350);
	assert_false(drill_running(&d));
	assert_int_equal(d.phase, DRILL_DONE);
	assert_int_equal(drill_next_deadline(&d, 6060), 0);
	assert_true(d.early);
	assert_true(d.ok);                          /* the takeover was measured */
	assert_string_equal(d.report, "drill ext: ended early: peer 192.0.2.2 "
	    "went away during the hold, took the VIPs back after 350 ms (master "
	    "down timer expired); 192.0.2.2 took over 50 ms after our priority 0");
	/* A later tick must not rewrite the report. */
	drill_tick(&d, VRRP_STATE_MASTER, 6060, 7000);
	assert_int_equal(d.phase, DRILL_DONE);
	assert_non_null(strstr(d.report, "went away during the hold"));
}

/* Also without preemption (no fail-back planned) and with its priority 0. */
static void
test_peer_leaving_during_hold_without_preempt_ends_early(void **state)
{
	struct addr peer = addr4(2), other = addr4(3);
	struct drill d;

	(void)state;
	drill_in_hold(&d, false);
	drill_on_advert(&d, &peer, 0, 3000);        /* the peer stops cleanly */
	drill_on_advert(&d, &other, 90, 3040);      /* someone else: not counted */
	drill_on_state(&d, VRRP_STATE_MASTER, VRRP_REASON_MASTER_LEFT, 3060);
	assert_false(drill_running(&d));
	assert_true(d.ok);
	assert_non_null(strstr(d.report, "took the VIPs back after 60 ms "
	    "(master sent priority 0)"));
}

static void
test_fault_during_hold_ends_early_with_the_reason(void **state)
{
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_on_state(&d, VRRP_STATE_FAULT, VRRP_REASON_IFACE_DOWN, 2000);
	assert_false(drill_running(&d));
	assert_true(d.early);
	assert_true(d.ok);
	assert_string_equal(d.report, "drill ext: ended early: the instance "
	    "went FAULT (interface down) during the hold; 192.0.2.2 took over "
	    "50 ms after our priority 0");

	drill_in_hold(&d, true);
	drill_on_state(&d, VRRP_STATE_FAULT, VRRP_REASON_TRACK_FAULT, 2000);
	assert_non_null(strstr(d.report, "went FAULT (tracked object failed) "
	    "during the hold"));

	drill_in_hold(&d, true);
	drill_on_state(&d, VRRP_STATE_FAULT, VRRP_REASON_FORCED_FAULT, 2000);
	assert_non_null(strstr(d.report, "went FAULT (forced fault (vipctl "
	    "fault on)) during the hold"));
}

static void
test_fault_before_takeover_fails(void **state)
{
	struct drill d;

	(void)state;
	drill_start(&d, "ext", 150, true, HOLD_MS, WAIT_MS, 1000);
	drill_on_state(&d, VRRP_STATE_FAULT, VRRP_REASON_IFACE_DOWN, 1020);
	assert_false(drill_running(&d));
	assert_true(d.early);
	assert_false(d.ok);
	assert_string_equal(d.report, "drill ext: ended early: the instance "
	    "went FAULT (interface down) during the hand-over; no peer had "
	    "taken over");
}

static void
test_shutdown_during_failback_ends_early(void **state)
{
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_tick(&d, VRRP_STATE_BACKUP, 6060, 6060);
	assert_int_equal(d.phase, DRILL_FAILBACK);
	drill_on_state(&d, VRRP_STATE_INIT, VRRP_REASON_SHUTDOWN, 6100);
	assert_false(drill_running(&d));
	assert_true(d.ok);
	assert_non_null(strstr(d.report, "ended early: the instance went INIT "
	    "(shutdown) during the fail-back"));
}

static void
test_end_early_reports_why_and_only_once(void **state)
{
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_end_early(&d, "the instance was stopped (vipd is stopping)", 2000);
	assert_false(drill_running(&d));
	assert_true(d.ok);
	assert_string_equal(d.report, "drill ext: ended early: the instance was "
	    "stopped (vipd is stopping) during the hold; 192.0.2.2 took over "
	    "50 ms after our priority 0");
	/* Done already: nothing changes. */
	drill_end_early(&d, "again", 2100);
	assert_non_null(strstr(d.report, "vipd is stopping"));

	drill_start(&d, "ext", 150, true, HOLD_MS, WAIT_MS, 1000);
	drill_end_early(&d, "the instance was stopped", 1010);
	assert_false(d.ok);
	assert_non_null(strstr(d.report, "during the hand-over; no peer had "
	    "taken over"));
}

/* A hold the state machine never runs (never Backup) still ends. */
static void
test_hold_that_never_ends_is_bounded(void **state)
{
	struct drill d;
	uint64_t bound = 1050 + HOLD_MS + 2 * WAIT_MS + 1000;

	(void)state;
	drill_in_hold(&d, true);
	assert_int_equal(drill_next_deadline(&d, 0), bound);
	assert_int_equal(drill_next_deadline(&d, 6060), 6060);
	drill_tick(&d, VRRP_STATE_BACKUP, 0, bound - 1);
	assert_true(drill_running(&d));
	drill_tick(&d, VRRP_STATE_BACKUP, 0, bound);
	assert_false(drill_running(&d));
	assert_true(d.early);
	assert_non_null(strstr(d.report, "ended early: the hold did not end "
	    "within 6682 ms (instance BACKUP)"));
}

/* The hold's end and our preemption in the same tick: a plain fail-back. */
static void
test_preempt_at_hold_end_counts_as_failback(void **state)
{
	struct drill d;

	(void)state;
	drill_in_hold(&d, true);
	drill_on_state(&d, VRRP_STATE_MASTER, VRRP_REASON_PREEMPT, 6060);
	assert_false(drill_running(&d));
	assert_true(d.ok);
	assert_false(d.early);
	assert_non_null(strstr(d.report, "took the VIPs back in 0 ms (preempt)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_drill_reports_takeover_and_failback),
		cmocka_unit_test(test_no_peer_fails_at_the_handover_deadline),
		cmocka_unit_test(test_no_taker_is_refused_with_vips_kept),
		cmocka_unit_test(test_rfc_no_taker_fails_saying_the_vips_went),
		cmocka_unit_test(test_master_down_during_hold_ends_the_drill_early),
		cmocka_unit_test(test_peer_leaving_during_hold_without_preempt_ends_early),
		cmocka_unit_test(test_fault_during_hold_ends_early_with_the_reason),
		cmocka_unit_test(test_fault_before_takeover_fails),
		cmocka_unit_test(test_shutdown_during_failback_ends_early),
		cmocka_unit_test(test_end_early_reports_why_and_only_once),
		cmocka_unit_test(test_hold_that_never_ends_is_bounded),
		cmocka_unit_test(test_preempt_at_hold_end_counts_as_failback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
