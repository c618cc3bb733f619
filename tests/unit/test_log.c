/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The log rate limiter: a hostile peer must not flood the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "os/log.h"

static void
test_ratelimit_allows_burst_then_refuses(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(5, 1);
	int allowed = 0;

	(void)state;
	/* 10 000 events in the same millisecond: only the burst gets through. */
	for (int i = 0; i < 10000; i++)
		allowed += log_ratelimit_allow(&rl, 1000, NULL);
	assert_int_equal(allowed, 5);
}

static void
test_ratelimit_refills_and_reports_suppressed(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(2, 1);
	uint64_t suppressed = 99;

	(void)state;
	assert_true(log_ratelimit_allow(&rl, 0, &suppressed));
	assert_int_equal(suppressed, 0);
	assert_true(log_ratelimit_allow(&rl, 0, NULL));
	for (int i = 0; i < 7; i++)
		assert_false(log_ratelimit_allow(&rl, 10, NULL));
	/* One second later one token is back, and the 7 refused are reported. */
	assert_false(log_ratelimit_allow(&rl, 500, NULL));
	assert_true(log_ratelimit_allow(&rl, 1010, &suppressed));
	assert_int_equal(suppressed, 8);
	assert_false(log_ratelimit_allow(&rl, 1011, NULL));
}

static void
test_ratelimit_steady_rate_over_a_minute(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(5, 1);
	int allowed = 0;

	(void)state;
	/* An event every millisecond for 60 s: burst plus one a second. */
	for (uint64_t t = 0; t < 60000; t++)
		allowed += log_ratelimit_allow(&rl, t, NULL);
	assert_in_range(allowed, 60, 66);
}

static void
test_log_level_names(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
	assert_int_equal(log_level_parse("INFO"), LOG_INFO);
	assert_int_equal(log_level_parse("warning"), LOG_WARNING);
	assert_int_equal(log_level_parse("err"), LOG_ERR);
	assert_int_equal(log_level_parse("loud"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_allows_burst_then_refuses),
		cmocka_unit_test(test_ratelimit_refills_and_reports_suppressed),
		cmocka_unit_test(test_ratelimit_steady_rate_over_a_minute),
		cmocka_unit_test(test_log_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
