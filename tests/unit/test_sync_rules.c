/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/sync_rules: what a sync group does to its members.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "health/sync_rules.h"

#define M(st) ((struct sync_member_view){ .state = VRRP_STATE_##st })

static void
test_own_fault_of_one_member_faults_the_others(void **state)
{
	struct sync_member_view m[3] = { M(MASTER), M(FAULT), M(BACKUP) };
	enum sync_action act[3];

	(void)state;
	m[1].own_fault = true;
	assert_int_equal(sync_rules_decide(m, 3, act), 1);
	assert_int_equal(act[0], SYNC_FAULT);
	assert_int_equal(act[1], SYNC_NONE);
	assert_int_equal(act[2], SYNC_FAULT);
	assert_int_equal(sync_rules_state(m, 3), VRRP_STATE_FAULT);

	/* Already held: nothing more; a member not started yet is left alone. */
	m[0] = M(FAULT);
	m[0].group_fault = true;
	m[2] = M(INIT);
	assert_int_equal(sync_rules_decide(m, 3, act), 1);
	assert_int_equal(act[0], SYNC_NONE);
	assert_int_equal(act[2], SYNC_NONE);
}

static void
test_members_leave_group_fault_when_no_own_fault_is_left(void **state)
{
	struct sync_member_view m[2] = { M(FAULT), M(BACKUP) };
	enum sync_action act[2];

	(void)state;
	m[0].group_fault = true;
	assert_int_equal(sync_rules_decide(m, 2, act), -1);
	assert_int_equal(act[0], SYNC_FAULT_OFF);
	assert_int_equal(act[1], SYNC_NONE);   /* nothing else this round */
}

static void
test_one_backup_makes_the_masters_yield(void **state)
{
	struct sync_member_view m[3] = { M(MASTER), M(BACKUP), M(MASTER) };
	enum sync_action act[3];

	(void)state;
	assert_int_equal(sync_rules_decide(m, 3, act), 1);
	assert_int_equal(act[0], SYNC_BACKUP);
	assert_int_equal(act[1], SYNC_NONE);
	assert_int_equal(act[2], SYNC_BACKUP);
	/* A member already handing over is left to finish (rule 0 instead). */
	m[2].releasing = true;
	assert_int_equal(sync_rules_decide(m, 3, act), 2);
	assert_int_equal(act[0], SYNC_HANDOVER);
	assert_int_equal(act[1], SYNC_NONE);
	assert_int_equal(act[2], SYNC_NONE);
	assert_int_equal(sync_rules_state(m, 3), VRRP_STATE_BACKUP);
}

static void
test_takeover_only_when_every_member_is_ready(void **state)
{
	struct sync_member_view m[2] = { M(BACKUP), M(BACKUP) };
	enum sync_action act[2];

	(void)state;
	m[0].want_master = true;               /* the other still hears a master */
	assert_int_equal(sync_rules_decide(m, 2, act), -1);
	assert_int_equal(act[0], SYNC_NONE);
	assert_int_equal(act[1], SYNC_NONE);
	m[1].want_master = true;
	sync_rules_decide(m, 2, act);
	assert_int_equal(act[0], SYNC_MASTER);
	assert_int_equal(act[1], SYNC_MASTER);
	/* A member already Master counts as ready. */
	m[1] = M(MASTER);
	sync_rules_decide(m, 2, act);
	assert_int_equal(act[0], SYNC_MASTER);
	assert_int_equal(act[1], SYNC_NONE);
	m[0] = M(MASTER);
	assert_int_equal(sync_rules_state(m, 2), VRRP_STATE_MASTER);
}

/* The bug of the demo's step 3: a drill of ext alone left int advertising. */
static void
test_a_member_handing_over_takes_the_other_masters_along(void **state)
{
	struct sync_member_view m[3] = { M(MASTER), M(MASTER), M(MASTER) };
	enum sync_action act[3];

	(void)state;
	m[1].releasing = true;                 /* vipctl drill ext */
	assert_int_equal(sync_rules_decide(m, 3, act), 1);
	assert_int_equal(act[0], SYNC_HANDOVER);
	assert_int_equal(act[1], SYNC_NONE);
	assert_int_equal(act[2], SYNC_HANDOVER);
	assert_int_equal(sync_rules_state(m, 3), VRRP_STATE_MASTER);
	/* All handing over: nothing more until each is done. */
	m[0].releasing = m[2].releasing = true;
	assert_int_equal(sync_rules_decide(m, 3, act), -1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(act[i], SYNC_NONE);
	/* One done (drill Backup): the others still hand over, not yield. */
	m[1] = M(BACKUP);
	assert_int_equal(sync_rules_decide(m, 3, act), -1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(act[i], SYNC_NONE);
	/* A member that is not Master has nothing to hand over. */
	m[0] = M(BACKUP);
	m[2] = M(BACKUP);
	m[1] = M(MASTER);
	m[1].releasing = true;
	assert_int_equal(sync_rules_decide(m, 3, act), -1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(act[i], SYNC_NONE);
}

/*
 * vipctl fault ext on: ext is FAULT of its own while still Master handing
 * over; int hands over with it instead of going FAULT at once (VIPs
 * dropped before the peer takes over), and goes FAULT once it is done.
 */
static void
test_forced_fault_hands_over_first_then_faults_the_group(void **state)
{
	struct sync_member_view m[2] = { M(MASTER), M(MASTER) };
	enum sync_action act[2];

	(void)state;
	m[0].releasing = m[0].own_fault = true;
	assert_int_equal(sync_rules_decide(m, 2, act), 0);
	assert_int_equal(act[0], SYNC_NONE);
	assert_int_equal(act[1], SYNC_HANDOVER);
	m[1].releasing = true;
	assert_int_equal(sync_rules_decide(m, 2, act), 0);
	assert_int_equal(act[1], SYNC_NONE);   /* not FAULT while handing over */
	/* ext done (FAULT): int still hands over; then done, it goes FAULT. */
	m[0] = M(FAULT);
	m[0].own_fault = true;
	sync_rules_decide(m, 2, act);
	assert_int_equal(act[1], SYNC_NONE);
	m[1] = M(BACKUP);
	assert_int_equal(sync_rules_decide(m, 2, act), 0);
	assert_int_equal(act[1], SYNC_FAULT);
}

static void
test_a_group_of_one_decides_nothing(void **state)
{
	struct sync_member_view m[1] = { M(BACKUP) };
	enum sync_action act[1];

	(void)state;
	m[0].want_master = true;
	assert_int_equal(sync_rules_decide(m, 1, act), -1);
	assert_int_equal(act[0], SYNC_NONE);
	m[0] = M(INIT);
	assert_int_equal(sync_rules_state(m, 1), VRRP_STATE_INIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_fault_of_one_member_faults_the_others),
		cmocka_unit_test(test_members_leave_group_fault_when_no_own_fault_is_left),
		cmocka_unit_test(test_one_backup_makes_the_masters_yield),
		cmocka_unit_test(test_takeover_only_when_every_member_is_ready),
		cmocka_unit_test(test_a_member_handing_over_takes_the_other_masters_along),
		cmocka_unit_test(test_forced_fault_hands_over_first_then_faults_the_group),
		cmocka_unit_test(test_a_group_of_one_decides_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
