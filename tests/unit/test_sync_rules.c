/*
 * lib/sync_rules: what a sync group does to its members.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sync_rules.h"

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
	m[2].releasing = true;                 /* already handing over */
	assert_int_equal(sync_rules_decide(m, 3, act), 1);
	assert_int_equal(act[0], SYNC_BACKUP);
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
		cmocka_unit_test(test_a_group_of_one_decides_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
