/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_least: lc, wlc, sed and nq pick as IPVS does, a weight-0 or down
 * backend takes nothing, and the sequence fills the backends furthest
 * below first, then spreads by weight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lb/lb_least.h"

#define B(w, a, i) { (w), 1, (a), (i) }

static void
test_lc_picks_the_lowest_overhead(void **state)
{
	/* 1 active (256) weighs more than 255 inactive. */
	struct lb_least_backend b[] = { B(1, 1, 0), B(1, 0, 255), B(1, 0, 256) };

	(void)state;
	assert_int_equal(lb_least_pick(LB_LEAST_LC, b, 3), 1);
	b[1].inactive = 257;
	assert_int_equal(lb_least_pick(LB_LEAST_LC, b, 3), 0);
	/* Ties go to the first, as IPVS's list walk. */
	b[0].active = 0;
	b[0].inactive = 256;
	assert_int_equal(lb_least_pick(LB_LEAST_LC, b, 3), 0);
}

static void
test_lc_ignores_weight_but_weight_0_and_down_take_nothing(void **state)
{
	struct lb_least_backend b[] = { B(100, 5, 0), B(1, 4, 0), B(0, 0, 0),
		{ 1, 0, 0, 0 } };

	(void)state;
	assert_int_equal(lb_least_pick(LB_LEAST_LC, b, 4), 1);
	b[1].weight = 0;
	b[0].usable = 0;
	assert_int_equal(lb_least_pick(LB_LEAST_LC, b, 4), -1);
	assert_int_equal(lb_least_seq(LB_LEAST_LC, b, 4, (uint16_t[4]){ 0 }, 4),
	    0);
}

static void
test_wlc_divides_the_overhead_by_weight(void **state)
{
	/* 3 x 256 / 3 = 256 against 2 x 256 / 1 = 512. */
	struct lb_least_backend b[] = { B(3, 3, 0), B(1, 2, 0) };

	(void)state;
	assert_int_equal(lb_least_pick(LB_LEAST_WLC, b, 2), 0);
	b[0].active = 7;              /* 597 > 512 */
	assert_int_equal(lb_least_pick(LB_LEAST_WLC, b, 2), 1);
}

static void
test_sed_counts_the_connection_to_come(void **state)
{
	/* (0 + 1) / 1 = 1 against (1 + 1) / 3 = 0.67: sed takes the big one,
	   wlc the idle one. */
	struct lb_least_backend b[] = { B(1, 0, 0), B(3, 1, 0) };

	(void)state;
	assert_int_equal(lb_least_pick(LB_LEAST_SED, b, 2), 1);
	assert_int_equal(lb_least_pick(LB_LEAST_WLC, b, 2), 0);
	/* sed ignores inactive connections. */
	b[0].inactive = 1000;
	assert_int_equal(lb_least_pick(LB_LEAST_SED, b, 2), 1);
}

static void
test_nq_takes_an_idle_backend_first(void **state)
{
	struct lb_least_backend b[] = { B(10, 1, 0), B(1, 0, 50), B(1, 0, 0) };

	(void)state;
	assert_int_equal(lb_least_pick(LB_LEAST_NQ, b, 3), 1);
	b[1].active = 1;
	b[2].active = 1;
	/* None idle: as sed, (1 + 1) / 10 is the lowest. */
	assert_int_equal(lb_least_pick(LB_LEAST_NQ, b, 3), 0);
}

static void
test_sequence_fills_the_room_then_spreads_by_weight(void **state)
{
	struct lb_least_backend b[] = { B(1, 100, 0), B(1, 0, 0), B(1, 0, 0) };
	uint16_t seq[300];
	size_t got[3] = { 0 };

	(void)state;
	assert_int_equal(lb_least_seq(LB_LEAST_LC, b, 3, seq, 300), 300);
	/* The first 200 all go to the two empty ones, alternating. */
	for (size_t s = 0; s < 200; s++)
		assert_int_equal(seq[s], 1 + s % 2);
	for (size_t s = 0; s < 300; s++)
		got[seq[s]]++;
	/* 400 in all: 133 or 134 each. */
	assert_true(got[0] + 100 >= 133 && got[0] + 100 <= 134);
	assert_true(got[1] >= 133 && got[1] <= 134);
	assert_true(got[2] >= 133 && got[2] <= 134);
	/* b[] is left as it was. */
	assert_int_equal(b[0].active, 100);
	assert_int_equal(b[1].active, 0);
}

static void
test_wlc_sequence_keeps_weight_proportions(void **state)
{
	struct lb_least_backend b[] = { B(3, 0, 0), B(1, 0, 0) };
	uint16_t seq[400];
	size_t got[2] = { 0 };

	(void)state;
	lb_least_seq(LB_LEAST_WLC, b, 2, seq, 400);
	for (size_t s = 0; s < 400; s++)
		got[seq[s]]++;
	assert_int_equal(got[0], 300);
	assert_int_equal(got[1], 100);
}

static void
test_len_grows_with_backends(void **state)
{
	(void)state;
	assert_int_equal(lb_least_len(1), 256);
	assert_int_equal(lb_least_len(8), 256);
	assert_int_equal(lb_least_len(64), 2048);
}

/* The picks go into the ring from where numgen has come to, wrapping. */
static void
test_place_starts_at_the_kernels_position(void **state)
{
	const uint16_t seq[4] = { 7, 8, 9, 10 };
	uint16_t slots[4];

	(void)state;
	lb_least_place(seq, 4, 0, slots);
	assert_int_equal(slots[0], 7);
	assert_int_equal(slots[3], 10);
	lb_least_place(seq, 4, 6, slots);        /* 6 mod 4 = 2 */
	assert_int_equal(slots[2], 7);
	assert_int_equal(slots[3], 8);
	assert_int_equal(slots[0], 9);
	assert_int_equal(slots[1], 10);
}

/*
 * What the kernel walks does not change under a burst: the picks from
 * counts that include the flows placed so far, written from their
 * position, are the ones already written there.
 */
static void
test_sequence_from_later_counts_continues_the_first(void **state)
{
	struct lb_least_backend b[] = { B(1, 100, 0), B(1, 0, 0), B(1, 0, 0) };
	uint16_t seq[256], later[256], first[256], again[256];

	(void)state;
	assert_int_equal(lb_least_seq(LB_LEAST_LC, b, 3, seq, 256), 256);
	lb_least_place(seq, 256, 0, first);
	for (size_t j = 0; j < 90; j++)          /* 90 flows placed */
		b[seq[j]].active++;
	assert_int_equal(lb_least_seq(LB_LEAST_LC, b, 3, later, 256), 256);
	lb_least_place(later, 256, 90, again);
	assert_memory_equal(first + 90, again + 90, (256 - 90) * 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lc_picks_the_lowest_overhead),
		cmocka_unit_test(
		    test_lc_ignores_weight_but_weight_0_and_down_take_nothing),
		cmocka_unit_test(test_wlc_divides_the_overhead_by_weight),
		cmocka_unit_test(test_sed_counts_the_connection_to_come),
		cmocka_unit_test(test_nq_takes_an_idle_backend_first),
		cmocka_unit_test(test_sequence_fills_the_room_then_spreads_by_weight),
		cmocka_unit_test(test_wlc_sequence_keeps_weight_proportions),
		cmocka_unit_test(test_len_grows_with_backends),
		cmocka_unit_test(test_place_starts_at_the_kernels_position),
		cmocka_unit_test(
		    test_sequence_from_later_counts_continues_the_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
