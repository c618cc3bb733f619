/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * master_down_bfd: the decision table (state, session, probe -> take over
 * or wait), the skew, and VRRP_EV_BFD_MASTER_DOWN in the FSM: a Backup
 * takes over after the skew, never later than its own timer, and an
 * advert from a live master cancels it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_bfd.h"
#include "vrrp/vrrp_fsm.h"

static const struct addr addr_a = { .family = AF_INET, .bytes = { 10, 0, 0, 1 } };
static const struct addr addr_b = { .family = AF_INET, .bytes = { 10, 0, 0, 2 } };

static void
test_decision_table(void **state)
{
	static const struct {
		bool enabled;
		enum vrrp_state st;
		bool known, is_master;
		enum vrrp_bfd_probe probe;
		enum vrrp_bfd_decision want;
	} rows[] = {
		{ false, VRRP_STATE_BACKUP, true, true, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_IGNORE_OFF },
		{ true, VRRP_STATE_MASTER, true, true, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_IGNORE_NOT_BACKUP },
		{ true, VRRP_STATE_FAULT, true, true, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_IGNORE_NOT_BACKUP },
		{ true, VRRP_STATE_BACKUP, false, true, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_IGNORE_NOT_MASTER },
		{ true, VRRP_STATE_BACKUP, true, false, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_IGNORE_NOT_MASTER },
		{ true, VRRP_STATE_BACKUP, true, true, VRRP_BFD_PROBE_PENDING,
		  VRRP_BFD_WAIT_PROBE },
		/* The rule against split brain: a live master is waited for. */
		{ true, VRRP_STATE_BACKUP, true, true, VRRP_BFD_PROBE_ANSWERED,
		  VRRP_BFD_WAIT_MASTER_ANSWERS },
		{ true, VRRP_STATE_BACKUP, true, true, VRRP_BFD_PROBE_NONE,
		  VRRP_BFD_WAIT_NO_PROBE },
		{ true, VRRP_STATE_BACKUP, true, true, VRRP_BFD_PROBE_SILENT,
		  VRRP_BFD_TAKE_OVER },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_bfd_input in = { .enabled = rows[i].enabled,
		    .state = rows[i].st, .master_known = rows[i].known,
		    .peer_is_master = rows[i].is_master, .probe = rows[i].probe };

		assert_int_equal(vrrp_bfd_decide(&in), rows[i].want);
		assert_non_null(vrrp_bfd_decision_name(rows[i].want));
	}
}

static void
test_skew_scales_with_priority_and_detection_time(void **state)
{
	(void)state;
	assert_int_equal(vrrp_bfd_skew_ms(100, 30), 156 * 30 / 256);
	assert_int_equal(vrrp_bfd_skew_ms(200, 30), 56 * 30 / 256);
	assert_true(vrrp_bfd_skew_ms(200, 150) < vrrp_bfd_skew_ms(100, 150));
	assert_int_equal(vrrp_bfd_skew_ms(255, 1000), 3);
	assert_int_equal(vrrp_bfd_probe_wait_ms(30, 10), 15);
	assert_int_equal(vrrp_bfd_probe_wait_ms(6, 10), 10);
}

static void
backup_of(struct vrrp_fsm *fsm, uint64_t now)
{
	struct vrrp_fsm_config cfg = { .priority = 100,
	    .advert_interval_ms = 1000, .preempt = true, .primary_addr = addr_b,
	    .version = 3 };
	struct vrrp_event ev = { .type = VRRP_EV_STARTUP };
	struct vrrp_actions out;

	vrrp_fsm_init(fsm, &cfg);
	vrrp_fsm_handle(fsm, &ev, now, &out);
	ev = (struct vrrp_event){ .type = VRRP_EV_ADVERT, .priority = 150,
	    .max_adver_int_ms = 1000, .src = addr_a };
	vrrp_fsm_handle(fsm, &ev, now, &out);
	assert_int_equal(fsm->state, VRRP_STATE_BACKUP);
	assert_true(fsm->master_known);
}

static void
test_backup_takes_over_after_the_skew(void **state)
{
	struct vrrp_event ev = { .type = VRRP_EV_BFD_MASTER_DOWN,
	    .bfd_skew_ms = 18 };
	struct vrrp_event tick = { .type = VRRP_EV_TIMER };
	struct vrrp_fsm fsm;
	struct vrrp_actions out;

	(void)state;
	backup_of(&fsm, 1000);
	vrrp_fsm_handle(&fsm, &ev, 1100, &out);
	assert_int_equal(out.flags, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 1118);
	vrrp_fsm_handle(&fsm, &tick, 1117, &out);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	vrrp_fsm_handle(&fsm, &tick, 1118, &out);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_true(out.flags & VRRP_ACT_ADD_VIPS);
	assert_int_equal(out.reason, VRRP_REASON_BFD_MASTER_DOWN);
	assert_string_equal(vrrp_reason_name(out.reason),
	    "master's BFD session down");
}

static void
test_an_advert_from_the_master_cancels_it(void **state)
{
	struct vrrp_event ev = { .type = VRRP_EV_BFD_MASTER_DOWN,
	    .bfd_skew_ms = 18 };
	struct vrrp_event adv = { .type = VRRP_EV_ADVERT, .priority = 150,
	    .max_adver_int_ms = 1000, .src = addr_a };
	struct vrrp_event tick = { .type = VRRP_EV_TIMER };
	struct vrrp_fsm fsm;
	struct vrrp_actions out;

	(void)state;
	backup_of(&fsm, 1000);
	vrrp_fsm_handle(&fsm, &ev, 1100, &out);
	vrrp_fsm_handle(&fsm, &adv, 1110, &out);
	assert_true(vrrp_fsm_next_deadline(&fsm) > 4000);
	vrrp_fsm_handle(&fsm, &tick, 1200, &out);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
}

static void
test_never_later_than_the_timer_and_only_in_backup(void **state)
{
	struct vrrp_event ev = { .type = VRRP_EV_BFD_MASTER_DOWN,
	    .bfd_skew_ms = 60000 };
	struct vrrp_fsm fsm;
	struct vrrp_actions out;
	uint64_t due;

	(void)state;
	backup_of(&fsm, 1000);
	due = vrrp_fsm_next_deadline(&fsm);
	vrrp_fsm_handle(&fsm, &ev, 1100, &out);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), due);
	assert_int_equal(fsm.takeover_reason, VRRP_REASON_MASTER_DOWN);
	/* A master ignores it. */
	ev.bfd_skew_ms = 1;
	fsm.state = VRRP_STATE_MASTER;
	fsm.master_down_due_ms = 0;
	vrrp_fsm_handle(&fsm, &ev, 1100, &out);
	assert_int_equal(fsm.master_down_due_ms, 0);
	assert_int_equal(out.flags, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_skew_scales_with_priority_and_detection_time),
		cmocka_unit_test(test_backup_takes_over_after_the_skew),
		cmocka_unit_test(test_an_advert_from_the_master_cancels_it),
		cmocka_unit_test(test_never_later_than_the_timer_and_only_in_backup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
