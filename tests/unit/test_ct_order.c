/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sync receiver's order of changes: a flow noted at a later sequence
 * number makes an earlier change to it stale, and nothing else; the
 * highest number per flow is kept; the bound forgets what no acceptable
 * datagram can meet before it refuses a note; and, with the replay window,
 * the scenario the table exists for: datagram k (an update of flow X) is
 * lost, k+1 (its destroy) is applied, the resend of k must not bring X back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ctsync/ct_order.h"
#include "ctsync/ct_wire.h"

static struct ct_entry
flow(uint8_t op, uint16_t sport)
{
	struct ct_entry e = { .op = op, .family = AF_INET, .proto = 6,
	    .tcp_state = 3, .timeout_s = 600 };

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
test_a_later_change_makes_an_earlier_one_stale(void **state)
{
	struct ct_order o;
	struct ct_entry ex = flow(CT_OP_UPDATE, 40000), ey = flow(CT_OP_UPDATE, 40001);
	uint64_t x, y;

	(void)state;
	x = ct_entry_key(&ex);
	y = ct_entry_key(&ey);
	assert_int_not_equal(x, y);
	/* The key is the flow's identity: op, state, timer and NAT aside. */
	ex.op = CT_OP_DESTROY;
	ex.tcp_state = 7;
	ex.timeout_s = 1;
	ex.reply.src[3] = 12;
	assert_true(ct_entry_key(&ex) == x);

	ct_order_init(&o, 0);
	assert_false(ct_order_newer(&o, x, 5));
	assert_int_equal(ct_order_note(&o, x, 10, 1), 0);
	assert_true(ct_order_newer(&o, x, 9));
	assert_false(ct_order_newer(&o, x, 10));   /* same datagram: in order */
	assert_false(ct_order_newer(&o, x, 11));
	assert_false(ct_order_newer(&o, y, 9));    /* another flow: untouched */
	/* The highest number is kept, whatever the order of the notes. */
	assert_int_equal(ct_order_note(&o, x, 7, 1), 0);
	assert_true(ct_order_newer(&o, x, 9));
	assert_int_equal(ct_order_note(&o, x, 12, 1), 0);
	assert_true(ct_order_newer(&o, x, 11));
	assert_int_equal(ct_order_count(&o), 1);
	ct_order_clear(&o);
	assert_int_equal(ct_order_count(&o), 0);
	assert_false(ct_order_newer(&o, x, 9));
	ct_order_free(&o);
}

static void
test_the_bound_forgets_below_the_floor_then_refuses(void **state)
{
	struct ct_order o;

	(void)state;
	ct_order_init(&o, 8);
	for (uint64_t k = 1; k <= 8; k++)
		assert_int_equal(ct_order_note(&o, k * 7919, (uint32_t)k, 1), 0);
	assert_int_equal(ct_order_count(&o), 8);
	/* Full: the records below 5 can meet no acceptable datagram. */
	assert_int_equal(ct_order_note(&o, 100 * 7919, 9, 5), 0);
	assert_int_equal(ct_order_count(&o), 5);
	assert_int_equal(o.forgotten, 4);
	assert_false(ct_order_newer(&o, 1 * 7919, 0));
	assert_true(ct_order_newer(&o, 6 * 7919, 5));
	assert_true(ct_order_newer(&o, 100 * 7919, 8));
	/* A known flow is updated in place even when full. */
	for (uint64_t k = 101; k <= 103; k++)
		assert_int_equal(ct_order_note(&o, k * 7919, 10, 5), 0);
	assert_int_equal(ct_order_note(&o, 6 * 7919, 11, 5), 0);
	/* Nothing below the floor is left: the note is refused. */
	assert_int_equal(ct_order_note(&o, 200 * 7919, 12, 5), -ENOSPC);
	assert_int_equal(ct_order_count(&o), 8);
	ct_order_forget_below(&o, 11);
	assert_int_equal(ct_order_count(&o), 1);
	assert_true(ct_order_newer(&o, 6 * 7919, 10));
	ct_order_free(&o);
}

static void
test_many_flows_stay_exact(void **state)
{
	struct ct_order o;

	(void)state;
	ct_order_init(&o, 0);
	for (uint32_t i = 0; i < CT_ORDER_MAX; i++) {
		struct ct_entry e = flow(CT_OP_UPDATE, (uint16_t)i);

		e.orig.src[2] = (uint8_t)(i >> 16);
		assert_int_equal(ct_order_note(&o, ct_entry_key(&e), i + 2, 1), 0);
	}
	assert_int_equal(ct_order_count(&o), CT_ORDER_MAX);
	for (uint32_t i = 0; i < CT_ORDER_MAX; i++) {
		struct ct_entry e = flow(CT_OP_UPDATE, (uint16_t)i);

		e.orig.src[2] = (uint8_t)(i >> 16);
		assert_true(ct_order_newer(&o, ct_entry_key(&e), i + 1));
		assert_false(ct_order_newer(&o, ct_entry_key(&e), i + 2));
	}
	ct_order_free(&o);
}

/*
 * What the receiver (lib/ctsync/ct_sync_recv.c receive_one, then
 * ct_sync_apply.c) does with the window and this table, in the order it
 * does it; its kernel table is
 * present[], by the flows' source port.
 */
struct receiver {
	struct ct_window w;
	struct ct_order o;
	bool present[4];
	unsigned stale;
};

static void
deliver(struct receiver *r, uint32_t seq, const struct ct_entry *e,
    size_t n)
{
	bool fresh, late;

	if (ct_window_check(&r->w, 1, seq, &fresh) != CT_DROP_NONE)
		return;
	late = !fresh && seq < r->w.highest;
	ct_window_accept(&r->w, 1, seq);
	for (size_t i = 0; i < n; i++) {
		uint64_t key = ct_entry_key(&e[i]);

		if (late && ct_order_newer(&r->o, key, seq)) {
			r->stale++;
			continue;
		}
		r->present[e[i].orig.sport] = e[i].op == CT_OP_UPDATE;
		if (ct_window_has_gaps(&r->w))
			assert_int_equal(ct_order_note(&r->o, key, seq,
			    ct_window_lowest(&r->w)), 0);
	}
	if (!ct_window_has_gaps(&r->w))
		ct_order_clear(&r->o);
}

static void
test_a_resent_update_does_not_undo_a_destroy_that_came_first(void **state)
{
	struct receiver r = { 0 };
	struct ct_entry up_x = flow(CT_OP_UPDATE, 1), del_x = flow(CT_OP_DESTROY, 1);
	struct ct_entry up_y = flow(CT_OP_UPDATE, 2), both[2];

	(void)state;
	ct_window_reset(&r.w);
	ct_order_init(&r.o, 0);
	deliver(&r, 1, NULL, 0);                 /* a heartbeat */
	/* 2 (X created, Y created) is lost; 3 destroys X. */
	deliver(&r, 3, &del_x, 1);
	assert_false(r.present[1]);
	assert_int_equal(ct_order_count(&r.o), 1);
	/* The resend of 2: Y is new, X's update is older than its destroy. */
	both[0] = up_x;
	both[1] = up_y;
	deliver(&r, 2, both, 2);
	assert_false(r.present[1]);
	assert_true(r.present[2]);
	assert_int_equal(r.stale, 1);
	/* No gap left: the table is empty again, later updates apply. */
	assert_int_equal(ct_order_count(&r.o), 0);
	deliver(&r, 4, &up_x, 1);
	assert_true(r.present[1]);
	/* In order, nothing is ever stale. */
	deliver(&r, 5, &del_x, 1);
	deliver(&r, 6, &up_x, 1);
	assert_true(r.present[1]);
	assert_int_equal(r.stale, 1);
	ct_order_free(&r.o);
}

static void
test_a_late_destroy_does_not_remove_a_flow_created_again(void **state)
{
	struct receiver r = { 0 };
	struct ct_entry up_x = flow(CT_OP_UPDATE, 1), del_x = flow(CT_OP_DESTROY, 1);

	(void)state;
	ct_window_reset(&r.w);
	ct_order_init(&r.o, 0);
	deliver(&r, 10, &up_x, 1);
	/* 11 (the destroy) is lost; 12 is the same tuple's new flow. */
	deliver(&r, 12, &up_x, 1);
	deliver(&r, 11, &del_x, 1);
	assert_true(r.present[1]);
	assert_int_equal(r.stale, 1);
	/* Two gaps, filled in reverse order. */
	deliver(&r, 15, &del_x, 1);
	deliver(&r, 14, &up_x, 1);               /* older than 15: stale */
	deliver(&r, 13, &up_x, 1);
	assert_false(r.present[1]);
	assert_int_equal(r.stale, 3);
	ct_order_free(&r.o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_later_change_makes_an_earlier_one_stale),
		cmocka_unit_test(test_the_bound_forgets_below_the_floor_then_refuses),
		cmocka_unit_test(test_many_flows_stay_exact),
		cmocka_unit_test(test_a_resent_update_does_not_undo_a_destroy_that_came_first),
		cmocka_unit_test(test_a_late_destroy_does_not_remove_a_flow_created_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
