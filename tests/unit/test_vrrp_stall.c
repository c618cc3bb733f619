/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A loop that was stalled (lib/vrrp/vrrp_stall.h): when an instance counts
 * as stalled, from its deadlines and the time, and what a Master that
 * finds another master's adverts queued does then, up to its taking over
 * again by the normal preemption path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_stall.h"

#define T0 ((uint64_t)1000000)
#define INTERVAL 100

static const struct addr self_addr = {
	.family = AF_INET, .bytes = { 10, 0, 0, 1 } };
static const struct addr peer_addr = {
	.family = AF_INET, .bytes = { 10, 0, 0, 2 } };

static void
setup(struct vrrp_fsm *fsm, uint8_t priority, bool preempt,
    uint32_t preempt_delay_ms)
{
	struct vrrp_fsm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.priority = priority;
	cfg.advert_interval_ms = INTERVAL;
	cfg.preempt = preempt;
	cfg.preempt_delay_ms = preempt_delay_ms;
	cfg.primary_addr = self_addr;
	cfg.make_before_break = true;
	cfg.version = 3;
	vrrp_fsm_init(fsm, &cfg);
}

static struct vrrp_actions
feed(struct vrrp_fsm *fsm, enum vrrp_event_type type, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = type };
	struct vrrp_actions a;

	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

static struct vrrp_actions
advert(struct vrrp_fsm *fsm, uint8_t priority, bool stalled, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT, .priority = priority,
	    .max_adver_int_ms = INTERVAL, .src = peer_addr,
	    .stalled = stalled };
	struct vrrp_actions a;

	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

/* Master since the returned time, its last advert sent then. */
static uint64_t
to_master(struct vrrp_fsm *fsm)
{
	uint64_t now;

	feed(fsm, VRRP_EV_STARTUP, T0);
	now = vrrp_fsm_next_deadline(fsm);
	feed(fsm, VRRP_EV_TIMER, now);
	assert_int_equal(fsm->state, VRRP_STATE_MASTER);
	return now;
}

static void
test_master_stalled_once_silent_for_three_intervals(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_stall st;
	uint64_t sent;

	(void)state;
	setup(&fsm, 150, true, 0);
	sent = to_master(&fsm);
	/* On time, and late but silent less than 3 intervals: not stalled. */
	assert_false(vrrp_stall_detect(&fsm, sent + INTERVAL, &st));
	assert_false(vrrp_stall_detect(&fsm, sent + 3 * INTERVAL - 1, &st));
	assert_int_equal(st.silent_ms, 3 * INTERVAL - 1);
	/* Silent as long as the shortest Master_Down_Interval: stalled. */
	assert_true(vrrp_stall_detect(&fsm, sent + 3 * INTERVAL, &st));
	assert_true(vrrp_stall_detect(&fsm, sent + 1300, &st));
	assert_int_equal(st.silent_ms, 1300);
	assert_int_equal(st.late_ms, 1300 - INTERVAL);
}

static void
test_backup_stalled_once_its_timer_is_an_interval_overdue(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_stall st;
	uint64_t due;

	(void)state;
	setup(&fsm, 100, true, 0);
	assert_false(vrrp_stall_detect(&fsm, T0, &st));   /* INIT */
	feed(&fsm, VRRP_EV_STARTUP, T0);
	advert(&fsm, 150, false, T0 + 10);
	due = vrrp_fsm_next_deadline(&fsm);
	assert_false(vrrp_stall_detect(&fsm, due, &st));
	assert_false(vrrp_stall_detect(&fsm, due + INTERVAL - 1, &st));
	assert_true(vrrp_stall_detect(&fsm, due + 800, &st));
	assert_int_equal(st.late_ms, 800);
	assert_int_equal(st.silent_ms, due + 800 - (T0 + 10));
	feed(&fsm, VRRP_EV_IFACE_DOWN, due + 900);
	assert_false(vrrp_stall_detect(&fsm, due + 5000, &st));   /* FAULT */
}

static void
test_master_handing_over_is_never_stalled(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_stall st;
	uint64_t sent;

	(void)state;
	setup(&fsm, 150, true, 0);
	sent = to_master(&fsm);
	feed(&fsm, VRRP_EV_SHUTDOWN, sent + 10);
	assert_true(fsm.releasing);
	assert_false(vrrp_stall_detect(&fsm, sent + 5000, &st));
}

/*
 * The breach it guards against: the resumed Master must not advertise
 * (the node that took over would yield) nor keep the VIPs, whatever the
 * other's priority.
 */
static void
test_stalled_master_yields_to_a_lower_priority_master_at_once(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t now;

	(void)state;
	setup(&fsm, 150, true, 0);
	now = to_master(&fsm) + 1300;
	a = advert(&fsm, 100, true, now);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.reason, VRRP_REASON_STALLED);
	assert_int_equal(a.from, VRRP_STATE_MASTER);
	assert_int_equal(addr_cmp(&a.peer, &peer_addr), 0);
	assert_true(fsm.master_known);
	assert_int_equal(addr_cmp(&fsm.master_addr, &peer_addr), 0);
	assert_int_equal(fsm.adver_due_ms, 0);
	assert_int_equal(fsm.vips_release_due_ms, 0);
	assert_int_equal(fsm.master_down_due_ms,
	    now + vrrp_fsm_down_ms(&fsm, 150, INTERVAL));
	assert_string_equal(vrrp_reason_name(VRRP_REASON_STALLED),
	    "loop stalled, another master took over");

	/* Not stalled, the same advert is a split brain healing: reassert. */
	setup(&fsm, 150, true, 0);
	now = to_master(&fsm) + 50;
	a = advert(&fsm, 100, false, now);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_true(a.flags & VRRP_ACT_REASSERTED);
}

static void
test_stalled_master_yields_to_a_higher_one_without_grace(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 100, true, 0);
	a = advert(&fsm, 200, true, to_master(&fsm) + 1300);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	/* The VIPs go now, no make-before-break grace, no advert. */
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(fsm.vips_release_due_ms, 0);
}

static void
test_stalled_master_ignores_a_leaving_master(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 150, true, 0);
	a = advert(&fsm, 0, true, to_master(&fsm) + 1300);
	/* RFC 5798 6.4.3: another leaving: reassert, stay Master. */
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
}

/*
 * Back through the normal path: no preemption while the table is on its
 * way (table_hold), then preempt_delay_ms from the resume, then
 * Master_Down_Interval of ignored lower-priority adverts.
 */
static void
test_resumed_master_takes_over_again_only_by_preemption(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t resumed, now;

	(void)state;
	setup(&fsm, 150, true, 1000);
	resumed = to_master(&fsm) + 1300;
	advert(&fsm, 100, true, resumed);
	fsm.table_hold = true;
	/* The table is on its way: every advert arms the timer again. */
	for (now = resumed + INTERVAL; now < resumed + 600; now += INTERVAL) {
		a = feed(&fsm, VRRP_EV_TIMER, now);
		assert_int_equal(a.flags, 0);
		advert(&fsm, 100, false, now);
		assert_int_equal(fsm.takeover_reason, VRRP_REASON_MASTER_DOWN);
	}
	fsm.table_hold = false;
	/* The table is here, but preempt_delay_ms runs from the resume. */
	for (; now < resumed + 1000; now += INTERVAL) {
		advert(&fsm, 100, false, now);
		assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
		assert_int_equal(fsm.takeover_reason, VRRP_REASON_MASTER_DOWN);
	}
	advert(&fsm, 100, false, now);
	assert_int_equal(fsm.takeover_reason, VRRP_REASON_PREEMPT);
	a = feed(&fsm, VRRP_EV_TIMER, vrrp_fsm_next_deadline(&fsm));
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.reason, VRRP_REASON_PREEMPT);
	assert_true(a.flags & VRRP_ACT_ADD_VIPS);
}

static void
test_resumed_master_without_preempt_stays_backup(void **state)
{
	struct vrrp_fsm fsm;
	uint64_t now;

	(void)state;
	setup(&fsm, 150, false, 0);
	now = to_master(&fsm) + 1300;
	advert(&fsm, 100, true, now);
	for (int i = 0; i < 50; i++) {
		now += INTERVAL;
		feed(&fsm, VRRP_EV_TIMER, now);
		advert(&fsm, 100, false, now);
		assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master_stalled_once_silent_for_three_intervals),
		cmocka_unit_test(test_backup_stalled_once_its_timer_is_an_interval_overdue),
		cmocka_unit_test(test_master_handing_over_is_never_stalled),
		cmocka_unit_test(test_stalled_master_yields_to_a_lower_priority_master_at_once),
		cmocka_unit_test(test_stalled_master_yields_to_a_higher_one_without_grace),
		cmocka_unit_test(test_stalled_master_ignores_a_leaving_master),
		cmocka_unit_test(test_resumed_master_takes_over_again_only_by_preemption),
		cmocka_unit_test(test_resumed_master_without_preempt_stays_backup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
