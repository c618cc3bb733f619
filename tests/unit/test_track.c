/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/track: weights, FAULT, clamping, the owner, rise/fall, track files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "health/track.h"

static struct track_obj
obj(enum track_kind kind, const char *name, int weight, bool up, long long value)
{
	return (struct track_obj){ .kind = kind, .name = name, .weight = weight,
	    .up = up, .value = value };
}

static void
test_negative_weight_applies_while_failing_positive_while_ok(void **state)
{
	struct track_obj o[2];
	struct track_result r;

	(void)state;
	o[0] = obj(TRACK_SCRIPT, "chk_web", -60, true, 0);
	o[1] = obj(TRACK_SCRIPT, "chk_db", 20, false, 0);
	track_evaluate(150, o, 2, &r);
	assert_false(r.fault);
	assert_int_equal(r.priority, 150);     /* neither applies */
	assert_int_equal(r.adjust, 0);
	o[0].up = false;
	o[0].detail = "exit 1";
	o[1].up = true;
	track_evaluate(150, o, 2, &r);
	assert_int_equal(r.adjust, -40);
	assert_int_equal(r.priority, 110);
	assert_non_null(strstr(r.reason, "chk_web failing (exit 1), weight -60"));
}

static void
test_weight_zero_failing_is_fault_with_its_reason(void **state)
{
	struct track_obj o[2];
	struct track_result r;

	(void)state;
	o[0] = obj(TRACK_INTERFACE, "eth1", 0, false, 0);
	o[1] = obj(TRACK_SCRIPT, "chk", 0, true, 0);
	track_evaluate(150, o, 2, &r);
	assert_true(r.fault);
	assert_string_equal(r.reason, "interface eth1 down");
	o[0].up = true;
	track_evaluate(150, o, 2, &r);
	assert_false(r.fault);
	assert_int_equal(r.priority, 150);
	assert_string_equal(r.reason, "");
	o[1].up = false;
	o[1].detail = "timed out after 300 ms";
	track_evaluate(150, o, 2, &r);
	assert_true(r.fault);
	assert_string_equal(r.reason, "script chk failing (timed out after 300 ms)");
}

static void
test_priority_is_clamped_to_1_254_and_owner_never_adjusted(void **state)
{
	struct track_obj o[1];
	struct track_result r;

	(void)state;
	o[0] = obj(TRACK_SCRIPT, "s", -254, false, 0);
	track_evaluate(100, o, 1, &r);
	assert_int_equal(r.priority, 1);
	o[0] = obj(TRACK_SCRIPT, "s", 254, true, 0);
	track_evaluate(100, o, 1, &r);
	assert_int_equal(r.priority, 254);
	track_evaluate(255, o, 1, &r);
	assert_int_equal(r.priority, 255);
	assert_int_equal(r.adjust, 0);
	/* An owner can still be put in FAULT. */
	o[0] = obj(TRACK_INTERFACE, "eth1", 0, false, 0);
	track_evaluate(255, o, 1, &r);
	assert_true(r.fault);
}

static void
test_track_file_value_times_weight_and_its_faults(void **state)
{
	struct track_obj o[1];
	struct track_result r;

	(void)state;
	o[0] = obj(TRACK_FILE, "/run/vipd/ext.prio", 2, true, -30);
	track_evaluate(150, o, 1, &r);
	assert_false(r.fault);
	assert_int_equal(r.priority, 90);
	assert_non_null(strstr(r.reason, "= -30, weight 2"));
	o[0].value = -127;                     /* -254: FAULT as keepalived */
	track_evaluate(150, o, 1, &r);
	assert_true(r.fault);
	o[0] = obj(TRACK_FILE, "/f", 0, true, 0);
	track_evaluate(150, o, 1, &r);
	assert_false(r.fault);
	o[0].value = 1;                        /* weight 0, value not 0 */
	track_evaluate(150, o, 1, &r);
	assert_true(r.fault);
	o[0] = obj(TRACK_FILE, "/f", 1, false, 0);   /* missing or unreadable */
	o[0].detail = "No such file or directory";
	track_evaluate(150, o, 1, &r);
	assert_true(r.fault);
	assert_string_equal(r.reason, "file /f unreadable (No such file or directory)");
}

static void
test_rise_and_fall_need_results_in_a_row(void **state)
{
	struct track_script_state st;

	(void)state;
	track_script_init(&st);
	assert_true(st.up);
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_false(track_script_feed(&st, true, 2, 3));   /* resets the count */
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_true(st.up);
	assert_true(track_script_feed(&st, false, 2, 3));
	assert_false(st.up);
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_false(track_script_feed(&st, true, 2, 3));
	assert_false(track_script_feed(&st, false, 2, 3));
	assert_false(track_script_feed(&st, true, 2, 3));
	assert_true(track_script_feed(&st, true, 2, 3));
	assert_true(st.up);
	assert_int_equal(st.runs, 11);
}

static void
test_track_file_parsing(void **state)
{
	long long v = 0;

	(void)state;
	assert_true(track_parse_file("-60\n", 4, &v));
	assert_int_equal(v, -60);
	assert_true(track_parse_file("  +7 \n", 6, &v));
	assert_int_equal(v, 7);
	assert_false(track_parse_file("", 0, &v));
	assert_false(track_parse_file("abc", 3, &v));
	assert_false(track_parse_file("1 2", 3, &v));
	assert_false(track_parse_file("12x", 3, &v));
	assert_false(track_parse_file("99999999999", 11, &v));
	assert_false(track_parse_file("-", 1, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_weight_applies_while_failing_positive_while_ok),
		cmocka_unit_test(test_weight_zero_failing_is_fault_with_its_reason),
		cmocka_unit_test(test_priority_is_clamped_to_1_254_and_owner_never_adjusted),
		cmocka_unit_test(test_track_file_value_times_weight_and_its_faults),
		cmocka_unit_test(test_rise_and_fall_need_results_in_a_row),
		cmocka_unit_test(test_track_file_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
