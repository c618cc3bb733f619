/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reconcile: the keep / delete / new tags that reload and the balancer
 * walk; each old object is kept at most once, first come first kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/reconcile.h"

struct lists {
	const char *const *old, *const *new;
	unsigned calls;
};

static bool
same_word(void *arg, size_t o, size_t n)
{
	struct lists *l = arg;

	l->calls++;
	return strcmp(l->old[o], l->new[n]) == 0;
}

static void
test_equal_objects_are_kept_others_deleted_or_new(void **state)
{
	static const char *const old[] = { "a", "b", "c" };
	static const char *const new[] = { "c", "d", "a" };
	struct lists l = { old, new, 0 };
	struct reconcile r;

	(void)state;
	assert_int_equal(reconcile_match(&r, 3, 3, same_word, &l), 0);
	assert_int_equal(r.kept, 2);
	assert_int_equal(r.old_tag[0], RECONCILE_KEEP);
	assert_int_equal(r.old_tag[1], RECONCILE_DELETE);
	assert_int_equal(r.old_tag[2], RECONCILE_KEEP);
	assert_int_equal(r.new_tag[0], RECONCILE_KEEP);
	assert_int_equal(r.from[0], 2);
	assert_int_equal(r.new_tag[1], RECONCILE_NEW);
	assert_int_equal(r.new_tag[2], RECONCILE_KEEP);
	assert_int_equal(r.from[2], 0);
	reconcile_free(&r);
}

static void
test_an_old_object_is_kept_once_even_when_two_new_ones_match(void **state)
{
	static const char *const old[] = { "x" };
	static const char *const new[] = { "x", "x" };
	struct lists l = { old, new, 0 };
	struct reconcile r;

	(void)state;
	assert_int_equal(reconcile_match(&r, 1, 2, same_word, &l), 0);
	assert_int_equal(r.new_tag[0], RECONCILE_KEEP);
	assert_int_equal(r.new_tag[1], RECONCILE_NEW);
	/* The kept one is never asked again: a callback may rebind it. */
	assert_int_equal(l.calls, 1);
	reconcile_free(&r);
}

static bool
is_b(void *arg, size_t i)
{
	return strcmp(((const char *const *)arg)[i], "b") == 0;
}

static void
test_predecessor_and_successor_are_found_among_the_untagged(void **state)
{
	static const char *const old[] = { "a", "b" };
	static const char *const new[] = { "a", "b" };
	struct lists l = { old, new, 0 };
	struct reconcile r;

	(void)state;
	assert_int_equal(reconcile_match(&r, 2, 2, same_word, &l), 0);
	/* Both kept: b has neither a deleted predecessor nor a new successor. */
	assert_int_equal(reconcile_deleted_where(&r, is_b, (void *)old),
	    (size_t)-1);
	r.old_tag[1] = RECONCILE_DELETE;
	r.new_tag[1] = RECONCILE_NEW;
	assert_int_equal(reconcile_deleted_where(&r, is_b, (void *)old), 1);
	assert_int_equal(reconcile_new_where(&r, is_b, (void *)new), 1);
	reconcile_free(&r);
}

static void
test_empty_lists(void **state)
{
	struct lists l = { NULL, NULL, 0 };
	struct reconcile r;

	(void)state;
	assert_int_equal(reconcile_match(&r, 0, 0, same_word, &l), 0);
	assert_int_equal(r.kept, 0);
	assert_int_equal(l.calls, 0);
	reconcile_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_objects_are_kept_others_deleted_or_new),
		cmocka_unit_test(test_an_old_object_is_kept_once_even_when_two_new_ones_match),
		cmocka_unit_test(test_predecessor_and_successor_are_found_among_the_untagged),
		cmocka_unit_test(test_empty_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
