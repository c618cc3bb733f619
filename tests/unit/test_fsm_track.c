/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state machine's health entries: priority changes at run time
 * (vrrp_fsm_set_priority), FAULT from tracking, and the sync group gate.
 * Two machines exchange adverts in simulated time, so that the tests show
 * who ends up Master, not only which flags one call returns.
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

#define T0 ((uint64_t)1000000)

static const struct addr addr_a = { .family = AF_INET, .bytes = { 10, 0, 0, 1 } };
static const struct addr addr_b = { .family = AF_INET, .bytes = { 10, 0, 0, 2 } };

struct node {
	struct vrrp_fsm fsm;
	const struct addr *addr;
	unsigned adverts_sent;
	uint8_t last_advert_priority;
};

static void
node_init(struct node *n, uint8_t prio, bool preempt, const struct addr *addr)
{
	struct vrrp_fsm_config cfg;

	memset(n, 0, sizeof(*n));
	memset(&cfg, 0, sizeof(cfg));
	cfg.priority = prio;
	cfg.advert_interval_ms = 100;
	cfg.preempt = preempt;
	cfg.primary_addr = *addr;
	cfg.version = 3;
	n->addr = addr;
	vrrp_fsm_init(&n->fsm, &cfg);
}

/* Deliver what `from` must send to `to`. */
static void
route(struct node *from, struct node *to, const struct vrrp_actions *a,
    uint64_t now)
{
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT };
	struct vrrp_actions out;

	if (!(a->flags & VRRP_ACT_SEND_ADVERT))
		return;
	from->adverts_sent++;
	from->last_advert_priority = a->advert_priority;
	if (to == NULL)
		return;
	ev.priority = a->advert_priority;
	ev.max_adver_int_ms = 100;
	ev.src = *from->addr;
	vrrp_fsm_handle(&to->fsm, &ev, now, &out);
	route(to, from, &out, now);
}

static void
feed(struct node *n, struct node *peer, enum vrrp_event_type type, uint64_t now)
{
	struct vrrp_event ev = { .type = type };
	struct vrrp_actions out;

	vrrp_fsm_handle(&n->fsm, &ev, now, &out);
	route(n, peer, &out, now);
}

/* Run both machines' timers until `until`; returns the time reached. */
static uint64_t
run(struct node *a, struct node *b, uint64_t now, uint64_t until)
{
	while (now < until) {
		uint64_t da = vrrp_fsm_next_deadline(&a->fsm);
		uint64_t db = b ? vrrp_fsm_next_deadline(&b->fsm) : 0;
		uint64_t next = until;

		if (da != 0 && da < next)
			next = da;
		if (db != 0 && db < next)
			next = db;
		now = next < now ? now : next;
		if (da != 0 && da <= now)
			feed(a, b, VRRP_EV_TIMER, now);
		if (b && db != 0 && db <= now)
			feed(b, a, VRRP_EV_TIMER, now);
		if (next == until)
			break;
	}
	return until;
}

static uint64_t
start_pair(struct node *a, struct node *b)
{
	feed(a, b, VRRP_EV_STARTUP, T0);
	feed(b, a, VRRP_EV_STARTUP, T0);
	return run(a, b, T0, T0 + 2000);
}

/* a (150, preempting) and b (100) started and settled: a is Master. */
static uint64_t
start_ab(struct node *a, struct node *b, bool b_preempt)
{
	node_init(a, 150, true, &addr_a);
	node_init(b, 100, b_preempt, &addr_b);
	return start_pair(a, b);
}

static void
test_master_dropping_below_backup_is_preempted_by_it(void **state)
{
	struct node a, b;
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, true);
	assert_int_equal(a.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(b.fsm.state, VRRP_STATE_BACKUP);

	/* A Master advertises its new priority at once. */
	assert_true(vrrp_fsm_set_priority(&a.fsm, 90, now, &out));
	assert_true(out.flags & VRRP_ACT_SEND_ADVERT);
	assert_int_equal(out.advert_priority, 90);
	assert_false(out.flags & VRRP_ACT_STATE_CHANGED);
	route(&a, &b, &out, now);
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(b.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(a.fsm.last_reason, VRRP_REASON_HIGHER_PRIORITY);
	assert_int_equal(b.fsm.last_reason, VRRP_REASON_PREEMPT);
}

static void
test_lowered_master_keeps_the_role_when_backup_does_not_preempt(void **state)
{
	struct node a, b;
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, false);
	assert_true(vrrp_fsm_set_priority(&a.fsm, 90, now, &out));
	route(&a, &b, &out, now);
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(a.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(b.fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(a.last_advert_priority, 90);
}

static void
test_backup_rising_above_master_preempts_when_configured(void **state)
{
	struct node a, b;
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, true);
	/* A Backup's new priority needs no advert; the next one it hears does it. */
	assert_true(vrrp_fsm_set_priority(&b.fsm, 200, now, &out));
	assert_int_equal(out.flags, 0);
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(b.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(b.last_advert_priority, 200);
}

static void
test_backup_rising_above_master_waits_without_preempt(void **state)
{
	struct node a, b;
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, false);
	assert_true(vrrp_fsm_set_priority(&b.fsm, 200, now, &out));
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(a.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(b.fsm.state, VRRP_STATE_BACKUP);
}

static void
test_owner_and_zero_priorities_are_refused(void **state)
{
	struct node a, o;
	struct vrrp_actions out;

	(void)state;
	node_init(&a, 150, true, &addr_a);
	node_init(&o, 255, true, &addr_b);
	assert_false(vrrp_fsm_set_priority(&a.fsm, 0, T0, &out));
	assert_false(vrrp_fsm_set_priority(&a.fsm, 255, T0, &out));
	assert_int_equal(a.fsm.cfg.priority, 150);
	assert_false(vrrp_fsm_set_priority(&o.fsm, 100, T0, &out));
	assert_int_equal(o.fsm.cfg.priority, 255);
}

static void
test_track_fault_releases_stops_adverts_and_comes_back_through_backup(void **state)
{
	struct node a, b;
	struct vrrp_event ev = { .type = VRRP_EV_TRACK_FAULT };
	struct vrrp_actions out;
	uint64_t now;
	unsigned sent;

	(void)state;
	now = start_ab(&a, &b, true);
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.to, VRRP_STATE_FAULT);
	assert_int_equal(out.reason, VRRP_REASON_TRACK_FAULT);
	assert_true(out.flags & VRRP_ACT_REMOVE_VIPS);
	/* The link still works: a goodbye lets the Backup take over in Skew_Time. */
	assert_true(out.flags & VRRP_ACT_SEND_ADVERT);
	assert_int_equal(out.advert_priority, 0);
	route(&a, &b, &out, now);
	sent = a.adverts_sent;
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(a.adverts_sent, sent);          /* silent in FAULT */
	assert_int_equal(vrrp_fsm_next_deadline(&a.fsm), 0);
	assert_int_equal(b.fsm.state, VRRP_STATE_MASTER);

	ev.type = VRRP_EV_TRACK_OK;
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.from, VRRP_STATE_FAULT);
	assert_int_equal(out.to, VRRP_STATE_BACKUP);
	assert_int_equal(out.reason, VRRP_REASON_TRACK_OK);
	now = run(&a, &b, now, now + 2000);
	assert_int_equal(a.fsm.state, VRRP_STATE_MASTER);  /* preempted back */
	assert_int_equal(b.fsm.state, VRRP_STATE_BACKUP);
}

static void
test_group_gate_holds_takeover_until_group_master(void **state)
{
	struct node a;
	struct vrrp_event ev = { .type = VRRP_EV_GROUP_MASTER };
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	node_init(&a, 100, true, &addr_a);
	a.fsm.group_gate = true;
	feed(&a, NULL, VRRP_EV_STARTUP, T0);
	now = run(&a, NULL, T0, T0 + 2000);
	assert_int_equal(a.fsm.state, VRRP_STATE_BACKUP);
	assert_true(a.fsm.want_master);
	assert_int_equal(vrrp_fsm_next_deadline(&a.fsm), 0);
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.to, VRRP_STATE_MASTER);
	assert_int_equal(out.reason, VRRP_REASON_GROUP_MASTER);
	assert_true(out.flags & VRRP_ACT_ADD_VIPS);
	assert_false(a.fsm.want_master);
}

static void
test_group_backup_makes_master_yield_with_priority_zero(void **state)
{
	struct node a, b;
	struct vrrp_event ev = { .type = VRRP_EV_GROUP_BACKUP };
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, true);
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.to, VRRP_STATE_BACKUP);
	assert_int_equal(out.reason, VRRP_REASON_GROUP_BACKUP);
	assert_true(out.flags & VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(out.advert_priority, 0);
	/* Not a Master: nothing happens. */
	vrrp_fsm_handle(&b.fsm, &ev, now, &out);
	assert_int_equal(out.flags, 0);
}

/*
 * Make-before-break in a group: GROUP_HANDOVER (another member is drilled
 * or forced into FAULT) keeps the VIPs until the new master is heard and
 * holds Backup like a drill; GROUP_BACKUP keeps them a grace longer.
 */
static void
test_group_handover_keeps_vips_until_the_new_master_is_heard(void **state)
{
	struct node a, b;
	struct vrrp_event ev = { .type = VRRP_EV_GROUP_HANDOVER, .hold_ms = 500 };
	struct vrrp_actions out;
	uint64_t now;

	(void)state;
	now = start_ab(&a, &b, true);
	a.fsm.cfg.make_before_break = true;
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_true(out.flags & VRRP_ACT_HANDOVER_STARTED);
	assert_int_equal(out.advert_priority, 0);
	assert_false(out.flags & VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(a.fsm.state, VRRP_STATE_MASTER);
	assert_true(a.fsm.releasing);
	route(&a, &b, &out, now);
	/* b takes over after its Skew_Time; a lets go once it heard b + grace. */
	now = run(&a, &b, now, now + 200);
	assert_int_equal(b.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(a.fsm.last_reason, VRRP_REASON_GROUP_HANDED_OVER);
	assert_true(a.fsm.hold_until_ms >= now + 300);
	/* Not a Master: nothing happens. */
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.flags, 0);

	now = start_ab(&a, &b, true);
	a.fsm.cfg.make_before_break = true;
	ev.type = VRRP_EV_GROUP_BACKUP;
	vrrp_fsm_handle(&a.fsm, &ev, now, &out);
	assert_int_equal(out.to, VRRP_STATE_BACKUP);
	assert_false(out.flags & VRRP_ACT_REMOVE_VIPS);
	ev.type = VRRP_EV_TIMER;
	vrrp_fsm_handle(&a.fsm, &ev, now + VRRP_HANDOVER_GRACE_MS, &out);
	assert_true(out.flags & VRRP_ACT_REMOVE_VIPS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master_dropping_below_backup_is_preempted_by_it),
		cmocka_unit_test(test_lowered_master_keeps_the_role_when_backup_does_not_preempt),
		cmocka_unit_test(test_backup_rising_above_master_preempts_when_configured),
		cmocka_unit_test(test_backup_rising_above_master_waits_without_preempt),
		cmocka_unit_test(test_owner_and_zero_priorities_are_refused),
		cmocka_unit_test(test_track_fault_releases_stops_adverts_and_comes_back_through_backup),
		cmocka_unit_test(test_group_gate_holds_takeover_until_group_master),
		cmocka_unit_test(test_group_backup_makes_master_yield_with_priority_zero),
		cmocka_unit_test(test_group_handover_keeps_vips_until_the_new_master_is_heard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
