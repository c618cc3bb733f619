/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drift: a burst of events is one check, at once after a quiet spell, a
 * tool that keeps deleting gets one repair per window and a bounded log,
 * and an answer of "already there" is not a repair.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/drift.h"

static void
test_a_burst_of_events_is_one_check_at_once_then_one_per_window(void **state)
{
	struct drift d;

	(void)state;
	drift_init(&d);
	assert_int_equal(drift_deadline(&d), 0);
	/* The first event after a quiet spell: checked at once. */
	drift_note(&d, DRIFT_NFT_TABLE, 1000);
	drift_note(&d, DRIFT_NFT_TABLE, 1000);
	assert_int_equal(drift_deadline(&d), 1000);
	assert_false(drift_take_due(&d, DRIFT_ADDRESS, 1000));
	assert_true(drift_take_due(&d, DRIFT_NFT_TABLE, 1000));
	assert_false(drift_take_due(&d, DRIFT_NFT_TABLE, 1000));
	assert_int_equal(drift_deadline(&d), 0);
	/* The next ones within the window: one check at its end. */
	drift_note(&d, DRIFT_NFT_TABLE, 1010);
	drift_note(&d, DRIFT_NFT_TABLE, 1040);
	assert_int_equal(drift_deadline(&d), 1000 + DRIFT_COALESCE_MS);
	assert_false(drift_take_due(&d, DRIFT_NFT_TABLE, 1049));
	assert_true(drift_take_due(&d, DRIFT_NFT_TABLE, 1050));
	assert_false(drift_take_due(&d, DRIFT_NFT_TABLE, 1051));
	/* After a quiet spell, at once again. */
	drift_note(&d, DRIFT_NFT_TABLE, 2000);
	assert_int_equal(drift_deadline(&d), 2000);
}

static void
test_kinds_have_windows_of_their_own(void **state)
{
	struct drift d;

	(void)state;
	drift_init(&d);
	drift_note(&d, DRIFT_ADDRESS, 500);
	assert_true(drift_take_due(&d, DRIFT_ADDRESS, 500));
	drift_note(&d, DRIFT_ADDRESS, 510);
	drift_note(&d, DRIFT_MACVLAN, 520);
	assert_int_equal(drift_deadline(&d), 520);
	assert_true(drift_take_due(&d, DRIFT_MACVLAN, 520));
	assert_int_equal(drift_deadline(&d), 500 + DRIFT_COALESCE_MS);
	assert_false(drift_take_due(&d, DRIFT_ADDRESS, 549));
	assert_true(drift_take_due(&d, DRIFT_ADDRESS, 550));
}

static void
test_a_tool_deleting_every_ms_gets_one_check_per_window(void **state)
{
	struct drift d;
	unsigned checks = 0;

	(void)state;
	drift_init(&d);
	for (uint64_t t = 0; t < 1000; t++) {
		drift_note(&d, DRIFT_ADDRESS, t);
		if (drift_take_due(&d, DRIFT_ADDRESS, t))
			checks++;
	}
	assert_true(checks <= 1000 / DRIFT_COALESCE_MS + 1);
	assert_true(checks >= 1000 / DRIFT_COALESCE_MS - 1);
}

static void
test_a_failed_repair_is_tried_again_later(void **state)
{
	struct drift d;

	(void)state;
	drift_init(&d);
	drift_note(&d, DRIFT_NFT_TABLE, 100);
	assert_true(drift_take_due(&d, DRIFT_NFT_TABLE, 100));
	drift_retry_at(&d, DRIFT_NFT_TABLE, 1100);
	assert_int_equal(drift_deadline(&d), 1100);
	/* An event meanwhile waits for it: no busy loop against a refusal. */
	drift_note(&d, DRIFT_NFT_TABLE, 200);
	assert_int_equal(drift_deadline(&d), 1100);
	drift_retry_at(&d, DRIFT_NFT_TABLE, 150);
	assert_int_equal(drift_deadline(&d), 150);
	assert_true(drift_take_due(&d, DRIFT_NFT_TABLE, 150));
}

static void
test_only_a_missing_object_put_back_is_a_repair(void **state)
{
	(void)state;
	assert_int_equal(drift_outcome_of(-EEXIST), DRIFT_WAS_THERE);
	assert_int_equal(drift_outcome_of(0), DRIFT_REPAIRED);
	assert_int_equal(drift_outcome_of(-ENODEV), DRIFT_FAILED);
	assert_int_equal(drift_outcome_of(-EPERM), DRIFT_FAILED);
}

static void
test_log_lines_are_bounded_and_every_repair_counted(void **state)
{
	struct drift d;
	uint64_t suppressed = 0, logged = 0, told = 0;

	(void)state;
	drift_init(&d);
	/* 50 repairs in 5 s: a burst, then one a second. */
	for (uint64_t i = 0; i < 50; i++)
		if (drift_record(&d, DRIFT_ADDRESS, true, i * 100, &suppressed)) {
			logged++;
			told += suppressed;
		}
	assert_int_equal(drift_repairs(&d, DRIFT_ADDRESS), 50);
	assert_int_equal(drift_repairs(&d, DRIFT_NFT_TABLE), 0);
	assert_true(logged >= DRIFT_LOG_BURST);
	assert_true(logged <= DRIFT_LOG_BURST + 5 * DRIFT_LOG_PER_S + 1);
	/* Each line suppressed is reported by the next one that gets out. */
	assert_true(logged + told <= 50);
	assert_true(logged + told >= 50 - 10);
	/* After a quiet spell the first line gets out again. */
	assert_true(drift_record(&d, DRIFT_ADDRESS, false, 60000, &suppressed));
	assert_int_equal(drift_failures(&d, DRIFT_ADDRESS), 1);
	assert_true(suppressed > 0);
	assert_true(drift_record(&d, DRIFT_ADDRESS, true, 60001, &suppressed));
	assert_int_equal(suppressed, 0);
}

static void
test_kind_names_are_the_metric_labels(void **state)
{
	(void)state;
	assert_string_equal(drift_kind_name(DRIFT_NFT_TABLE), "nft_table");
	assert_string_equal(drift_kind_name(DRIFT_ADDRESS), "address");
	assert_string_equal(drift_kind_name(DRIFT_MACVLAN), "macvlan");
	assert_string_equal(drift_kind_name(DRIFT_ROUTE), "route");
	assert_string_equal(drift_kind_name(DRIFT_ANNOUNCE_ROUTE),
	    "announce_route");
	assert_string_equal(drift_kind_name(DRIFT__COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_burst_of_events_is_one_check_at_once_then_one_per_window),
		cmocka_unit_test(test_kinds_have_windows_of_their_own),
		cmocka_unit_test(test_a_tool_deleting_every_ms_gets_one_check_per_window),
		cmocka_unit_test(test_a_failed_repair_is_tried_again_later),
		cmocka_unit_test(test_only_a_missing_object_put_back_is_a_repair),
		cmocka_unit_test(test_log_lines_are_bounded_and_every_repair_counted),
		cmocka_unit_test(test_kind_names_are_the_metric_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
