/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sync sender's ring: datagrams queue in order and leave in order; a
 * nack finds what was sent and is still held, waits for what is queued,
 * and asks for a resync for what is gone; a full queue overwrites (and
 * counts) the oldest unsent datagram rather than growing; a restart
 * forgets everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctsync/ct_ring.h"

static struct ct_ring ring;

static int
setup(void **state)
{
	(void)state;
	return ct_ring_init(&ring);
}

static int
teardown(void **state)
{
	(void)state;
	ct_ring_free(&ring);
	return 0;
}

/* Queue one datagram whose first byte is its sequence number. */
static uint32_t
queue_one(void)
{
	uint32_t seq;
	struct ct_ring_slot *slot = ct_ring_next(&ring, &seq);

	slot->bytes[0] = (uint8_t)seq;
	ct_ring_commit(&ring, slot, seq, 1);
	return seq;
}

static void
send_all(void)
{
	while (ct_ring_unsent(&ring) != NULL)
		ct_ring_sent(&ring);
}

static void
test_datagrams_leave_in_order_from_1(void **state)
{
	const struct ct_ring_slot *slot;

	(void)state;
	ct_ring_restart(&ring);
	assert_null(ct_ring_unsent(&ring));
	assert_int_equal(queue_one(), 1);
	assert_int_equal(queue_one(), 2);
	slot = ct_ring_unsent(&ring);
	assert_non_null(slot);
	assert_int_equal(slot->seq, 1);
	assert_int_equal(slot->bytes[0], 1);
	assert_int_equal(ct_ring_queued(&ring), 2);
	ct_ring_sent(&ring);
	assert_int_equal(ct_ring_queued(&ring), 1);
	assert_int_equal(ct_ring_unsent(&ring)->seq, 2);
	ct_ring_sent(&ring);
	assert_null(ct_ring_unsent(&ring));
	assert_int_equal(ct_ring_queued(&ring), 0);
	ct_ring_sent(&ring);                  /* nothing queued: no effect */
	assert_int_equal(ring.sent_upto, 2);
}

static void
test_nack_lookup_found_queued_gone(void **state)
{
	const struct ct_ring_slot *slot = NULL;

	(void)state;
	ct_ring_restart(&ring);
	for (int i = 0; i < 10; i++)
		queue_one();
	for (int i = 0; i < 6; i++)
		ct_ring_sent(&ring);
	assert_int_equal(ct_ring_find(&ring, 4, &slot), CT_RING_FOUND);
	assert_int_equal(slot->seq, 4);
	assert_int_equal(slot->bytes[0], 4);
	assert_int_equal(ct_ring_find(&ring, 7, &slot), CT_RING_QUEUED);
	assert_int_equal(ct_ring_find(&ring, 11, &slot), CT_RING_GONE);
	assert_int_equal(ct_ring_find(&ring, 0, &slot), CT_RING_GONE);
	/* Once the ring has wrapped, the oldest are gone. */
	send_all();
	for (int i = 0; i < CT_RING_SLOTS; i++) {
		queue_one();
		send_all();
	}
	assert_int_equal(ct_ring_find(&ring, 4, &slot), CT_RING_GONE);
	assert_int_equal(ct_ring_find(&ring, 11, &slot), CT_RING_FOUND);
	assert_int_equal(ring.overwritten, 0);
}

static void
test_full_queue_overwrites_and_counts_the_oldest_unsent(void **state)
{
	const struct ct_ring_slot *slot;

	(void)state;
	ct_ring_restart(&ring);
	ring.overwritten = 0;
	for (int i = 0; i < CT_RING_SLOTS; i++)
		queue_one();
	assert_int_equal(ring.overwritten, 0);
	queue_one();                          /* seq CT_RING_SLOTS + 1 */
	queue_one();
	assert_int_equal(ring.overwritten, 2);
	slot = ct_ring_unsent(&ring);
	assert_int_equal(slot->seq, 3);       /* 1 and 2 were lost */
	/* What waits is what a paced dump looks at: never over the ring. */
	assert_int_equal(ct_ring_queued(&ring), CT_RING_SLOTS);
	send_all();
	assert_int_equal(ring.sent_upto, CT_RING_SLOTS + 2);
	assert_int_equal(ct_ring_queued(&ring), 0);
}

static void
test_aborted_encode_is_never_sent(void **state)
{
	struct ct_ring_slot *slot;
	uint32_t seq;

	(void)state;
	ct_ring_restart(&ring);
	ring.overwritten = 0;
	for (int i = 0; i < CT_RING_SLOTS; i++)
		queue_one();
	/* Encoding over the oldest queued one fails: that one is lost too. */
	slot = ct_ring_next(&ring, &seq);
	ct_ring_abort(&ring, slot);
	assert_int_equal(ct_ring_unsent(&ring)->seq, 2);
	assert_int_equal(ring.overwritten, 1);
	assert_int_equal(queue_one(), CT_RING_SLOTS + 1);
}

static void
test_exhausted_numbers_restart_at_1(void **state)
{
	(void)state;
	ct_ring_restart(&ring);
	ring.seq = ring.sent_upto = UINT32_MAX - 1;
	assert_false(ct_ring_exhausted(&ring));
	queue_one();
	assert_true(ct_ring_exhausted(&ring));
	ct_ring_restart(&ring);
	assert_false(ct_ring_exhausted(&ring));
	assert_null(ct_ring_unsent(&ring));
	assert_int_equal(queue_one(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagrams_leave_in_order_from_1),
		cmocka_unit_test(test_nack_lookup_found_queued_gone),
		cmocka_unit_test(test_full_queue_overwrites_and_counts_the_oldest_unsent),
		cmocka_unit_test(test_aborted_encode_is_never_sent),
		cmocka_unit_test(test_exhausted_numbers_restart_at_1),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
