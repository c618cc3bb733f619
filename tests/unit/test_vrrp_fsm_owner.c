/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The address owner (priority 255) in the RFC 5798 state machine: master at
 * once, never preempted by a lower priority, preempting whatever
 * Preempt_Mode says. Time is injected.
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

static const struct addr self = {
	.family = AF_INET, .bytes = { 10, 0, 0, 5 } };
static const struct addr higher = {
	.family = AF_INET, .bytes = { 10, 0, 0, 6 } };

static void
setup(struct vrrp_fsm *fsm, uint8_t priority, bool preempt)
{
	struct vrrp_fsm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.priority = priority;
	cfg.advert_interval_ms = 1000;
	cfg.preempt = preempt;
	cfg.primary_addr = self;
	vrrp_fsm_init(fsm, &cfg);
}

static struct vrrp_actions
event(struct vrrp_fsm *fsm, enum vrrp_event_type type, uint8_t priority,
    uint64_t now_ms)
{
	struct vrrp_event ev;
	struct vrrp_actions a;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.priority = priority;
	ev.max_adver_int_ms = 1000;
	ev.src = higher;
	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

/* RFC 5798 6.4.1: the owner skips Backup and its Master_Down_Timer. */
static void
test_owner_is_master_on_startup_even_without_preempt(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 255, false);
	a = event(&fsm, VRRP_EV_STARTUP, 0, T0);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.reason, VRRP_REASON_STARTUP_OWNER);
	assert_true(a.flags & VRRP_ACT_ADD_VIPS);
	assert_true(a.flags & VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 255);
	assert_int_equal(fsm.master_down_due_ms, 0);
}

/* RFC 5798 6.4.3: nothing below 255 moves the owner, whatever the address. */
static void
test_owner_master_is_never_preempted_by_a_lower_priority(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 255, true);
	event(&fsm, VRRP_EV_STARTUP, 0, T0);
	for (unsigned p = 1; p < 255; p++) {
		a = event(&fsm, VRRP_EV_ADVERT, (uint8_t)p, T0 + p * 10);
		assert_int_equal(fsm.state, VRRP_STATE_MASTER);
		assert_false(a.flags & VRRP_ACT_STATE_CHANGED);
		assert_false(a.flags & VRRP_ACT_REMOVE_VIPS);
	}
	/* Nor does time: the owner's timer only sends adverts. */
	a = event(&fsm, VRRP_EV_TIMER, 0, T0 + 60000);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(a.advert_priority, 255);
}

/* Another master leaving (priority 0) makes the owner reassert at once. */
static void
test_owner_master_answers_priority_zero_with_an_advert(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 255, true);
	event(&fsm, VRRP_EV_STARTUP, 0, T0);
	a = event(&fsm, VRRP_EV_ADVERT, 0, T0 + 100);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_true(a.flags & VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 255);
}

/*
 * A non-owner master hearing the owner yields at once (no timer): what
 * makes "owner preempts immediately" true on the wire.
 */
static void
test_non_owner_master_yields_to_the_owner_at_once(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	setup(&fsm, 254, true);
	event(&fsm, VRRP_EV_STARTUP, 0, T0);
	event(&fsm, VRRP_EV_TIMER, 0, T0 + 5000);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	a = event(&fsm, VRRP_EV_ADVERT, 255, T0 + 5100);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_HIGHER_PRIORITY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_is_master_on_startup_even_without_preempt),
		cmocka_unit_test(test_owner_master_is_never_preempted_by_a_lower_priority),
		cmocka_unit_test(test_owner_master_answers_priority_zero_with_an_advert),
		cmocka_unit_test(test_non_owner_master_yields_to_the_owner_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
