/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_sched's Maglev table as several nodes must compute it: independent of
 * the config's order, sized from the configured backends, with a digest
 * that names the backends; and its disruption at the largest size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lb/lb_sched.h"

static uint16_t table_a[LB_SCHED_MAGLEV_MAX], table_b[LB_SCHED_MAGLEV_MAX];

static void
backends(struct lb_sched_backend *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)i * 7919u + 11;

		b[i] = (struct lb_sched_backend){ lb_sched_key(&id, sizeof(id)),
		    1, 1 };
	}
}

static void
test_size_is_a_prime_of_100_to_200_slots_a_backend_in_steps(void **state)
{
	(void)state;
	assert_int_equal(lb_sched_maglev_size(0), 101);
	assert_int_equal(lb_sched_maglev_size(1), 101);
	assert_int_equal(lb_sched_maglev_size(2), 211);
	assert_int_equal(lb_sched_maglev_size(5), 809);
	assert_int_equal(lb_sched_maglev_size(8), 809);
	assert_int_equal(lb_sched_maglev_size(33), 6421);
	assert_int_equal(lb_sched_maglev_size(64), 6421);
	assert_int_equal(lb_sched_maglev_size(100), 12809);
	assert_int_equal(lb_sched_maglev_size(256), 25601);
	assert_int_equal(lb_sched_maglev_size(257), 51203);
	assert_int_equal(lb_sched_maglev_size(513), LB_SCHED_MAGLEV_MAX);
	assert_int_equal(lb_sched_maglev_size(5000), LB_SCHED_MAGLEV_MAX);
}

static void
test_reversed_config_order_gives_the_same_backends_and_digest(void **state)
{
	struct lb_sched_backend fwd[8], rev[8];
	size_t m = lb_sched_maglev_size(8);

	(void)state;
	backends(fwd, 8);
	fwd[2].weight = 3;
	for (size_t i = 0; i < 8; i++)
		rev[i] = fwd[7 - i];
	lb_sched_maglev(fwd, 8, table_a, m);
	lb_sched_maglev(rev, 8, table_b, m);
	for (size_t s = 0; s < m; s++)
		assert_true(fwd[table_a[s]].key == rev[table_b[s]].key);
	assert_true(lb_sched_table_digest(fwd, 8, table_a, m) ==
	    lb_sched_table_digest(rev, 8, table_b, m));
}

static void
test_digest_changes_with_any_slot(void **state)
{
	struct lb_sched_backend b[4];
	size_t m = lb_sched_maglev_size(4);
	uint64_t d;

	(void)state;
	backends(b, 4);
	lb_sched_maglev(b, 4, table_a, m);
	d = lb_sched_table_digest(b, 4, table_a, m);
	table_a[m / 2] = (uint16_t)((table_a[m / 2] + 1) % 4);
	assert_true(lb_sched_table_digest(b, 4, table_a, m) != d);
	b[1].usable = 0;
	lb_sched_maglev(b, 4, table_a, m);
	assert_true(lb_sched_table_digest(b, 4, table_a, m) != d);
}

/*
 * At 65537 slots, removing one of N (up to 100 a table that size serves
 * at 100 slots a backend; the case) moves its share and within
 * 1 % more.
 */
static void
test_removing_one_of_n_at_the_largest_size_moves_about_one_nth(void **state)
{
	struct lb_sched_backend b[LB_SCHED_MAX_BACKENDS];
	size_t m = LB_SCHED_MAGLEV_MAX;

	(void)state;
	for (size_t n = 10; n <= 100; n += 18) {
		size_t moved_other = 0, owned = 0;

		backends(b, n);
		lb_sched_maglev(b, n, table_a, m);
		b[n / 2].usable = 0;
		lb_sched_maglev(b, n, table_b, m);
		for (size_t s = 0; s < m; s++) {
			owned += table_a[s] == n / 2;
			if (table_a[s] != n / 2 && table_b[s] != table_a[s])
				moved_other++;
			assert_int_not_equal(table_b[s], n / 2);
		}
		assert_true(owned >= m / n - m / 100 && owned <= m / n + m / 100);
		assert_true(moved_other <= m / 100);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_is_a_prime_of_100_to_200_slots_a_backend_in_steps),
		cmocka_unit_test(test_reversed_config_order_gives_the_same_backends_and_digest),
		cmocka_unit_test(test_digest_changes_with_any_slot),
		cmocka_unit_test(test_removing_one_of_n_at_the_largest_size_moves_about_one_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
