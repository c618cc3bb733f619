/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schedule of health checks (lib/check_heap): the earliest node is on
 * top whatever the order of inserts, moves and removals, each node knows
 * its place (a stale place would move the wrong node), a key of 0 takes a
 * node out, and a full heap refuses a new node instead of growing behind
 * the owner's back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lb/check_heap.h"

#define NODES 200

/* Every invariant, against the model's keys (0 = not in the heap). */
static void
verify(const struct check_heap *h, const struct check_heap_node *nodes,
    const uint64_t *model)
{
	size_t in = 0;
	uint64_t min = 0;

	for (size_t i = 0; i < NODES; i++) {
		if (model[i] == 0) {
			assert_int_equal(nodes[i].pos, CHECK_HEAP_NONE);
			continue;
		}
		in++;
		assert_true(nodes[i].pos < h->len);
		assert_ptr_equal(h->nodes[nodes[i].pos], &nodes[i]);
		assert_int_equal(nodes[i].due_ms, model[i]);
		if (min == 0 || model[i] < min)
			min = model[i];
	}
	assert_int_equal(h->len, in);
	for (size_t i = 1; i < h->len; i++)
		assert_true(h->nodes[(i - 1) / 2]->due_ms <= h->nodes[i]->due_ms);
	assert_int_equal(check_heap_next_ms(h), min);
	if (in == 0)
		assert_null(check_heap_top(h));
	else
		assert_int_equal(check_heap_top(h)->due_ms, min);
}

/* A fixed sequence, so that a failure is the same on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void
test_random_changes_keep_the_earliest_on_top(void **state)
{
	static struct check_heap_node nodes[NODES];
	uint64_t model[NODES] = { 0 };
	struct check_heap h;
	uint32_t seed = 42;
	uint64_t last;

	(void)state;
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, NODES), 0);
	for (size_t i = 0; i < NODES; i++)
		check_heap_node_init(&nodes[i]);
	verify(&h, nodes, model);
	for (int op = 0; op < 20000; op++) {
		size_t i = next_rand(&seed) % NODES;
		uint32_t what = next_rand(&seed) % 8;

		if (what == 0) {
			check_heap_remove(&h, &nodes[i]);
			model[i] = 0;
		} else {
			/* Few distinct keys: ties too; 0 now and then. */
			uint64_t due = what == 1 ? 0 : next_rand(&seed) % 300;

			assert_int_equal(check_heap_set(&h, &nodes[i], due), 0);
			model[i] = due;
		}
		verify(&h, nodes, model);
	}
	/* Taking the top each time gives the keys in order. */
	last = 0;
	while (check_heap_top(&h) != NULL) {
		struct check_heap_node *n = check_heap_top(&h);

		assert_true(n->due_ms >= last);
		last = n->due_ms;
		check_heap_remove(&h, n);
		model[n - nodes] = 0;
		verify(&h, nodes, model);
	}
	check_heap_free(&h);
}

static void
test_moves_go_both_ways(void **state)
{
	struct check_heap_node a, b, c;
	struct check_heap h;

	(void)state;
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 3), 0);
	check_heap_node_init(&a);
	check_heap_node_init(&b);
	check_heap_node_init(&c);
	assert_int_equal(check_heap_set(&h, &a, 100), 0);
	assert_int_equal(check_heap_set(&h, &b, 200), 0);
	assert_int_equal(check_heap_set(&h, &c, 300), 0);
	assert_ptr_equal(check_heap_top(&h), &a);
	/* The top goes later (a probe started: its deadline). */
	assert_int_equal(check_heap_set(&h, &a, 400), 0);
	assert_ptr_equal(check_heap_top(&h), &b);
	/* A later one comes first (its probe ended early). */
	assert_int_equal(check_heap_set(&h, &c, 50), 0);
	assert_ptr_equal(check_heap_top(&h), &c);
	assert_int_equal(check_heap_next_ms(&h), 50);
	/* The same key again changes nothing. */
	assert_int_equal(check_heap_set(&h, &c, 50), 0);
	assert_ptr_equal(check_heap_top(&h), &c);
	assert_int_equal(h.len, 3);
	check_heap_free(&h);
	/* Freed: the nodes know they are in no heap. */
	assert_int_equal(a.pos, CHECK_HEAP_NONE);
	assert_int_equal(c.pos, CHECK_HEAP_NONE);
	assert_int_equal(check_heap_next_ms(&h), 0);
}

static void
test_full_heap_refuses_a_new_node_but_moves_its_own(void **state)
{
	struct check_heap_node a, b;
	struct check_heap h;

	(void)state;
	check_heap_init(&h);
	check_heap_node_init(&a);
	check_heap_node_init(&b);
	/* No room reserved: nothing goes in. */
	assert_int_equal(check_heap_set(&h, &a, 10), -ENOSPC);
	assert_int_equal(a.pos, CHECK_HEAP_NONE);
	assert_int_equal(check_heap_reserve(&h, 1), 0);
	assert_int_equal(check_heap_set(&h, &a, 10), 0);
	assert_int_equal(check_heap_set(&h, &b, 5), -ENOSPC);
	assert_int_equal(b.pos, CHECK_HEAP_NONE);
	assert_int_equal(check_heap_set(&h, &a, 20), 0);
	assert_int_equal(check_heap_next_ms(&h), 20);
	/* A smaller reserve keeps the room there is. */
	assert_int_equal(check_heap_reserve(&h, 0), 0);
	assert_int_equal(h.cap, 1);
	assert_int_equal(check_heap_reserve(&h, 2), 0);
	assert_int_equal(check_heap_set(&h, &b, 5), 0);
	assert_ptr_equal(check_heap_top(&h), &b);
	/* Key 0 takes a node out; removing one not in is nothing. */
	assert_int_equal(check_heap_set(&h, &b, 0), 0);
	assert_int_equal(b.pos, CHECK_HEAP_NONE);
	check_heap_remove(&h, &b);
	assert_int_equal(h.len, 1);
	assert_ptr_equal(check_heap_top(&h), &a);
	check_heap_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_changes_keep_the_earliest_on_top),
		cmocka_unit_test(test_moves_go_both_ways),
		cmocka_unit_test(test_full_heap_refuses_a_new_node_but_moves_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
