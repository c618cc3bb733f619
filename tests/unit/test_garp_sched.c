/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gratuitous ARP schedule (lib/garp_sched), driven with injected time:
 * burst, second burst after delay_ms, refresh rounds, fresh bursts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/garp_sched.h"

#define T0 ((uint64_t)1000000)

/* Run the schedule from `from` to `to` (inclusive), 1 ms ticks, and record
 * the time of every round it asks for. Returns how many. */
static size_t
run(struct garp_sched *s, const struct conf_garp *g, uint64_t from,
    uint64_t to, uint64_t *at, size_t cap)
{
	size_t n = 0;

	for (uint64_t t = from; t <= to; t++) {
		if (!garp_sched_due(s, g, t))
			continue;
		if (n < cap)
			at[n] = t;
		n++;
		/* At most one round per instant. */
		assert_false(garp_sched_due(s, g, t));
	}
	return n;
}

static void
test_burst_is_repeat_rounds_interval_apart(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 10 };
	struct garp_sched s;
	uint64_t at[8];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_int_equal(garp_sched_next(&s), T0);
	assert_int_equal(run(&s, &g, T0, T0 + 10000, at, 8), 3);
	assert_int_equal(at[0], T0);
	assert_int_equal(at[1], T0 + 10);
	assert_int_equal(at[2], T0 + 20);
	assert_int_equal(garp_sched_next(&s), 0);
}

static void
test_second_burst_comes_delay_ms_after_the_first(void **state)
{
	const struct conf_garp g = { .repeat = 2, .interval_ms = 100,
		.delay_ms = 5000 };
	struct garp_sched s;
	uint64_t at[8];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_int_equal(run(&s, &g, T0, T0 + 20000, at, 8), 4);
	assert_int_equal(at[0], T0);
	assert_int_equal(at[1], T0 + 100);
	assert_int_equal(at[2], T0 + 5000);
	assert_int_equal(at[3], T0 + 5100);
}

static void
test_refresh_is_one_round_every_refresh_s(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 10,
		.refresh_s = 2 };
	struct garp_sched s;
	uint64_t at[16];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_int_equal(run(&s, &g, T0, T0 + 6500, at, 16), 3 + 3);
	assert_int_equal(at[3], T0 + 2000);
	assert_int_equal(at[4], T0 + 4000);
	assert_int_equal(at[5], T0 + 6000);
	assert_int_equal(garp_sched_next(&s), T0 + 8000);
}

static void
test_late_tick_owes_one_refresh_not_a_catch_up(void **state)
{
	const struct conf_garp g = { .repeat = 1, .interval_ms = 10,
		.refresh_s = 1 };
	struct garp_sched s;

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_true(garp_sched_due(&s, &g, T0));
	/* The loop stalled for 10 s: one round, then the next a period on. */
	assert_true(garp_sched_due(&s, &g, T0 + 10000));
	assert_false(garp_sched_due(&s, &g, T0 + 10000));
	assert_int_equal(garp_sched_next(&s), T0 + 11000);
}

static void
test_fresh_burst_keeps_second_burst_and_refresh_times(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 10,
		.delay_ms = 1000, .refresh_s = 5 };
	struct garp_sched s;
	uint64_t at[16];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_int_equal(run(&s, &g, T0, T0 + 500, at, 16), 3);
	garp_sched_fresh(&s, &g, T0 + 600);
	assert_int_equal(s.second_burst_ms, T0 + 1000);
	assert_int_equal(s.refresh_ms, T0 + 5000);
	assert_int_equal(run(&s, &g, T0 + 600, T0 + 900, at, 16), 3);
	assert_int_equal(at[0], T0 + 600);
	assert_int_equal(at[2], T0 + 620);
	/* The second burst still comes at delay_ms. */
	assert_int_equal(run(&s, &g, T0 + 901, T0 + 1100, at, 16), 3);
	assert_int_equal(at[0], T0 + 1000);
}

static void
test_fresh_burst_during_a_burst_does_not_add_rounds(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 10 };
	struct garp_sched s;
	uint64_t at[16];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_true(garp_sched_due(&s, &g, T0));
	/* Many triggers in a row: the burst is refilled, never stacked. */
	for (int i = 0; i < 100; i++)
		garp_sched_fresh(&s, &g, T0 + 1);
	assert_int_equal(run(&s, &g, T0 + 1, T0 + 1000, at, 16), 3);
}

static void
test_stop_cancels_everything(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 10,
		.delay_ms = 1000, .refresh_s = 5 };
	struct garp_sched s;
	uint64_t at[4];

	(void)state;
	garp_sched_master(&s, &g, T0);
	garp_sched_stop(&s);
	assert_int_equal(garp_sched_next(&s), 0);
	assert_int_equal(run(&s, &g, T0, T0 + 20000, at, 4), 0);
}

static void
test_interval_zero_sends_one_round_per_tick(void **state)
{
	const struct conf_garp g = { .repeat = 3, .interval_ms = 0 };
	struct garp_sched s;
	uint64_t at[4];

	(void)state;
	garp_sched_master(&s, &g, T0);
	assert_int_equal(run(&s, &g, T0, T0 + 100, at, 4), 3);
	assert_int_equal(at[1], T0 + 1);
	assert_int_equal(at[2], T0 + 2);
}

/*
 * The daemon calls garp_sched_due() once per tick, woken at
 * garp_sched_next(): that alone must give the same rounds, at the same
 * times, as polling every millisecond, also where timers coincide (a
 * second burst on a round of the first, a refresh on the second burst).
 */
static void
test_one_call_per_deadline_gives_every_round(void **state)
{
	const struct conf_garp cases[] = {
		{ .repeat = 3, .interval_ms = 10, .delay_ms = 20 },
		{ .repeat = 2, .interval_ms = 100, .delay_ms = 2000,
		    .refresh_s = 2 },
		{ .repeat = 4, .interval_ms = 500, .refresh_s = 1 },
		{ .repeat = 3, .interval_ms = 0, .delay_ms = 1, .refresh_s = 1 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct conf_garp *g = &cases[c];
		struct garp_sched polled, woken;
		uint64_t want[64], got[64], t;
		size_t nwant, ngot = 0;

		garp_sched_master(&polled, g, T0);
		nwant = run(&polled, g, T0, T0 + 5000, want, 64);
		assert_true(nwant > 0 && nwant <= 64);
		garp_sched_master(&woken, g, T0);
		while ((t = garp_sched_next(&woken)) != 0 && t <= T0 + 5000) {
			if (garp_sched_due(&woken, g, t)) {
				assert_true(ngot < 64);
				got[ngot++] = t;
			}
			/* The deadline moved on, round or not. */
			assert_true(garp_sched_next(&woken) == 0 ||
			    garp_sched_next(&woken) > t);
		}
		if (ngot != nwant)
			fail_msg("case %zu: %zu rounds woken, %zu polled", c,
			    ngot, nwant);
		assert_memory_equal(got, want, nwant * sizeof(want[0]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_is_repeat_rounds_interval_apart),
		cmocka_unit_test(test_second_burst_comes_delay_ms_after_the_first),
		cmocka_unit_test(test_refresh_is_one_round_every_refresh_s),
		cmocka_unit_test(test_late_tick_owes_one_refresh_not_a_catch_up),
		cmocka_unit_test(test_fresh_burst_keeps_second_burst_and_refresh_times),
		cmocka_unit_test(test_fresh_burst_during_a_burst_does_not_add_rounds),
		cmocka_unit_test(test_stop_cancels_everything),
		cmocka_unit_test(test_interval_zero_sends_one_round_per_tick),
		cmocka_unit_test(test_one_call_per_deadline_gives_every_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
