/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nodes of a sync group (lib/ctsync/ct_peer): one window per sender
 * id, a receiver follows a new sender only once the followed one is
 * silent, and each node's stream takes one of the links that reach it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctsync/ct_peer.h"

static void
test_each_sender_id_has_its_own_window(void **state)
{
	struct ct_peers t = { .n = 0 };
	struct ct_peer *a, *b;

	(void)state;
	assert_null(ct_peers_get(&t, 0));
	a = ct_peers_get(&t, 0x0a020002);
	b = ct_peers_get(&t, 0x0a020003);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(ct_peers_get(&t, 0x0a020002), a);
	assert_ptr_equal(ct_peers_find(&t, 0x0a020003), b);
	assert_null(ct_peers_find(&t, 0x0a020004));
	a->window.session = 7;
	assert_int_equal(b->window.session, 0);
	assert_int_equal(t.n, 2);
}

static void
test_the_table_holds_at_most_ct_peer_max(void **state)
{
	struct ct_peers t = { .n = 0 };

	(void)state;
	for (uint32_t i = 1; i <= CT_PEER_MAX; i++)
		assert_non_null(ct_peers_get(&t, i));
	assert_null(ct_peers_get(&t, CT_PEER_MAX + 1));
	assert_non_null(ct_peers_get(&t, 1));
}

static void
test_a_receiver_moves_to_another_sender_only_after_silence(void **state)
{
	(void)state;
	assert_true(ct_peer_follow(0, 0, 5, 1000));
	assert_false(ct_peer_follow(5, 900, 5, 1000));
	assert_false(ct_peer_follow(5, 900, 6, 1000));
	assert_false(ct_peer_follow(5, 900, 6, 900 + CT_PEER_FOLLOW_SILENT_MS - 1));
	assert_true(ct_peer_follow(5, 900, 6, 900 + CT_PEER_FOLLOW_SILENT_MS));
	assert_false(ct_peer_follow(5, 900, 0, 5000));
}

static void
test_one_link_per_node_carries_the_stream(void **state)
{
	/* links 0 and 1 reach node A, link 2 node B, link 3 unknown yet. */
	struct ct_link l[4] = { { .state = CT_LINK_UNKNOWN },
	    { .state = CT_LINK_UP }, { .state = CT_LINK_DOWN },
	    { .state = CT_LINK_UNKNOWN } };
	uint32_t node[4] = { 0xa, 0xa, 0xb, 0 };
	bool active[4] = { true, false, true, true };
	size_t from[4];

	(void)state;
	assert_int_equal(ct_peer_pick_links(l, node, 4, active, from), 2);
	assert_false(active[0]);
	assert_true(active[1]);
	assert_int_equal(from[1], 0);       /* takes over link 0's place */
	assert_true(active[2]);             /* B's only link: kept while down */
	assert_int_equal(from[2], 2);
	assert_true(active[3]);
	/* Link 0 answers again: the stream goes back to it. */
	l[0].state = CT_LINK_UP;
	assert_int_equal(ct_peer_pick_links(l, node, 4, active, from), 2);
	assert_true(active[0]);
	assert_false(active[1]);
	assert_int_equal(from[0], 1);
	/* Nothing up, nothing active: the first of the node. */
	l[0].state = l[1].state = CT_LINK_DOWN;
	active[0] = active[1] = false;
	ct_peer_pick_links(l, node, 2, active, from);
	assert_true(active[0]);
	assert_false(active[1]);
	assert_int_equal(from[0], 2);
}

static void
test_links_of_unknown_nodes_are_each_active(void **state)
{
	struct ct_link l[3] = { { .state = CT_LINK_UP }, { .state = CT_LINK_UP },
	    { .state = CT_LINK_DOWN } };
	uint32_t node[3] = { 0, 0, 0 };
	bool active[3] = { false, false, false };
	size_t from[3];

	(void)state;
	assert_int_equal(ct_peer_pick_links(l, node, 3, active, from), 3);
	assert_true(active[0] && active[1] && active[2]);
	/* Both learnt to reach the same node: one of them stays. */
	node[0] = node[1] = 0x42;
	assert_int_equal(ct_peer_pick_links(l, node, 3, active, from), 1);
	assert_true(active[0]);
	assert_false(active[1]);
}

/*
 * Extended records go out only while every node heard from said it
 * decodes them (CT_WIRE_F_EXT): one node of an earlier release is enough
 * to hold them back.
 */
static void
test_extended_records_need_every_node_to_take_them(void **state)
{
	struct ct_peers t = { 0 };
	struct ct_peer *a, *b;

	(void)state;
	assert_true(ct_peers_all_ext(&t));
	a = ct_peers_get(&t, 0x0a020002);
	b = ct_peers_get(&t, 0x0a020003);
	a->ext = true;
	assert_false(ct_peers_all_ext(&t));
	b->ext = true;
	assert_true(ct_peers_all_ext(&t));
	a->ext = false;
	assert_false(ct_peers_all_ext(&t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_sender_id_has_its_own_window),
		cmocka_unit_test(test_extended_records_need_every_node_to_take_them),
		cmocka_unit_test(test_the_table_holds_at_most_ct_peer_max),
		cmocka_unit_test(test_a_receiver_moves_to_another_sender_only_after_silence),
		cmocka_unit_test(test_one_link_per_node_carries_the_stream),
		cmocka_unit_test(test_links_of_unknown_nodes_are_each_active),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
