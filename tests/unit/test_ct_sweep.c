/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sync receiver's mark-and-sweep: what the master sent after the
 * resync request is kept, anything else in the receiver's table is stale;
 * only the dump answering this generation's request (its tag) closes it;
 * the bounds spoil a generation instead of growing without limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ctsync/ct_sweep.h"

/* A TCP flow from 10.0.0.100:sport to 10.0.0.10:80, DNATed to a backend. */
static struct ct_entry
flow(uint16_t sport)
{
	struct ct_entry e = { .op = CT_OP_UPDATE, .family = AF_INET,
	    .proto = 6, .tcp_state = 3, .timeout_s = 600 };

	memcpy(e.orig.src, (uint8_t[]){ 10, 0, 0, 100 }, 4);
	memcpy(e.orig.dst, (uint8_t[]){ 10, 0, 0, 10 }, 4);
	e.orig.sport = sport;
	e.orig.dport = 80;
	memcpy(e.reply.src, (uint8_t[]){ 10, 1, 0, 11 }, 4);
	memcpy(e.reply.dst, e.orig.src, 4);
	e.reply.sport = 8080;
	e.reply.dport = sport;
	return e;
}

static void
test_unmarked_entries_are_stale_and_collected_for_deletion(void **state)
{
	struct ct_sweep w;
	struct ct_entry seen = flow(40000), gone = flow(40001), other;

	(void)state;
	ct_sweep_init(&w, 0);
	/* No generation: nothing is collected, whatever comes. */
	ct_sweep_collect(&w, &gone);
	assert_int_equal(w.nstale, 0);

	assert_int_not_equal(ct_sweep_begin(&w), 0);
	ct_sweep_mark(&w, &seen);
	assert_false(ct_sweep_is_stale(&w, &seen));
	assert_true(ct_sweep_is_stale(&w, &gone));
	/* The same flow with another state or timeout is the same flow. */
	other = seen;
	other.tcp_state = 5;
	other.timeout_s = 10;
	assert_false(ct_sweep_is_stale(&w, &other));
	/* Another protocol or port is another flow. */
	other = seen;
	other.proto = 17;
	assert_true(ct_sweep_is_stale(&w, &other));

	ct_sweep_collect(&w, &seen);
	ct_sweep_collect(&w, &gone);
	assert_int_equal(w.nstale, 1);
	assert_int_equal(w.stale[0].orig.sport, 40001);
	assert_int_equal(w.stale[0].op, CT_OP_DESTROY);
	assert_false(ct_sweep_spoiled(&w));
	ct_sweep_end(&w);
	assert_false(ct_sweep_open(&w));
	assert_int_equal(w.nstale, 0);
}

static void
test_only_the_answer_to_this_generation_closes_it(void **state)
{
	struct ct_sweep w;
	uint16_t tag, again;

	(void)state;
	ct_sweep_init(&w, 0);
	assert_false(ct_sweep_answers(&w, 0));
	tag = ct_sweep_begin(&w);
	/* A repeated request belongs to the open generation. */
	assert_int_equal(ct_sweep_begin(&w), tag);
	assert_true(ct_sweep_open(&w));
	/* A periodic refresh (tag 0) or an older answer does not close it. */
	assert_false(ct_sweep_answers(&w, 0));
	assert_false(ct_sweep_answers(&w, (uint16_t)(tag - 1)));
	assert_true(ct_sweep_answers(&w, tag));
	ct_sweep_end(&w);
	/* The next generation has a new tag: a late answer to tag is old. */
	again = ct_sweep_begin(&w);
	assert_int_not_equal(again, tag);
	assert_false(ct_sweep_answers(&w, tag));
	ct_sweep_end(&w);

	/* Tags wrap around 0, which means "no request". */
	w.last_tag = 65535;
	assert_int_equal(ct_sweep_begin(&w), 1);
	ct_sweep_end(&w);
}

static void
test_marks_grow_and_every_one_is_found(void **state)
{
	struct ct_sweep w;

	(void)state;
	ct_sweep_init(&w, 0);
	ct_sweep_begin(&w);
	for (uint32_t i = 0; i < 20000; i++) {
		struct ct_entry e = flow((uint16_t)(1024 + i));

		ct_sweep_mark(&w, &e);
		ct_sweep_mark(&w, &e);   /* twice: one mark */
	}
	assert_int_equal(w.used, 20000);
	assert_false(ct_sweep_spoiled(&w));
	for (uint32_t i = 0; i < 20000; i++) {
		struct ct_entry e = flow((uint16_t)(1024 + i));

		assert_false(ct_sweep_is_stale(&w, &e));
	}
	for (uint32_t i = 20000; i < 21000; i++) {
		struct ct_entry e = flow((uint16_t)(1024 + i));

		ct_sweep_collect(&w, &e);
	}
	assert_int_equal(w.nstale, 1000);
	ct_sweep_end(&w);
}

static void
test_over_the_bound_the_generation_is_spoiled(void **state)
{
	struct ct_sweep w;
	struct ct_entry e;

	(void)state;
	/* Too many marks. */
	ct_sweep_init(&w, 4);
	ct_sweep_begin(&w);
	for (uint16_t i = 0; i < 5; i++) {
		e = flow((uint16_t)(2000 + i));
		ct_sweep_mark(&w, &e);
	}
	assert_true(ct_sweep_spoiled(&w));
	e = flow(3000);
	ct_sweep_collect(&w, &e);
	assert_int_equal(w.nstale, 0);
	/* It still closes on its answer, for the caller to count. */
	assert_true(ct_sweep_answers(&w, w.tag));
	ct_sweep_end(&w);

	/* Too many stale entries. */
	ct_sweep_begin(&w);
	assert_false(ct_sweep_spoiled(&w));
	for (uint16_t i = 0; i < 5; i++) {
		e = flow((uint16_t)(2000 + i));
		ct_sweep_collect(&w, &e);
	}
	assert_true(ct_sweep_spoiled(&w));
	assert_int_equal(w.nstale, 4);
	ct_sweep_end(&w);
}

/*
 * A dump that skipped entries of the master's table (unreadable) must not
 * claim to be whole: its tag would close the generation and the sweep
 * would delete those live flows on the receiver. End to end: the
 * receiver's generation stays open.
 */
static void
test_a_dump_that_skipped_entries_claims_nothing(void **state)
{
	struct ct_sweep w;
	uint16_t tag;
	uint32_t flags;

	(void)state;
	ct_sweep_init(&w, 0);
	tag = ct_sweep_begin(&w);
	flags = ct_sweep_dump_end_flags(tag, 0);
	assert_int_equal(flags, CT_WIRE_F_RESYNC_DONE |
	    (uint32_t)tag << CT_SWEEP_TAG_SHIFT);
	assert_true(ct_sweep_answers(&w, CT_SWEEP_TAG_OF(flags)));
	/* A dump no request asked for: whole, tag 0. */
	assert_int_equal(ct_sweep_dump_end_flags(0, 0), CT_WIRE_F_RESYNC_DONE);
	/* One entry skipped: no end mark, no tag; nothing closes. */
	flags = ct_sweep_dump_end_flags(tag, 1);
	assert_int_equal(flags, 0);
	assert_false(flags & CT_WIRE_F_RESYNC_DONE);
	assert_false(ct_sweep_answers(&w, CT_SWEEP_TAG_OF(flags)));
	assert_int_equal(ct_sweep_dump_end_flags(0, 3), 0);
	ct_sweep_end(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_unmarked_entries_are_stale_and_collected_for_deletion),
		cmocka_unit_test(test_only_the_answer_to_this_generation_closes_it),
		cmocka_unit_test(test_marks_grow_and_every_one_is_found),
		cmocka_unit_test(test_over_the_bound_the_generation_is_spoiled),
		cmocka_unit_test(test_a_dump_that_skipped_entries_claims_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
