/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the sync datagram decoder: whatever reaches the sync
 * port goes through the receiver's order, ct_wire_check, ct_auth_verify
 * with the key the corpus was signed with (the seeds in
 * tests/fuzz/corpus/fuzz_ct_wire were made with 32 bytes of 'k'), then
 * ct_wire_decode, so that mutations of signed seeds reach past the HMAC
 * only when the fuzzer keeps the signature valid, and every input is also
 * decoded as if its HMAC were right (re-signed here) so that the body
 * checks are reached. A datagram that decodes must encode and sign back
 * to the same bytes; then it goes
 * through the receiver's decisions (lib/ct_recv) against a window and an
 * order table that live across inputs, acted on as lib/ctsync/ct_sync_recv.c
 * does, with the invariants those decisions promise: an accepted datagram
 * is refused the second time, a flow noted at a number makes every older
 * change of it stale, the gap rule answers for any clock, and a nack
 * leaves no gap it named new. Link probes and answers stay out of the
 * window (lib/ctsync/ct_wire.h) and go to a link's liveness decisions
 * (lib/ct_link) instead: an answer is taken only for one of the last
 * probes, and a link it took is up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctsync/ct_auth.h"
#include "ctsync/ct_link.h"
#include "ctsync/ct_order.h"
#include "ctsync/ct_recv.h"
#include "ctsync/ct_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The receiver's state, kept from one input to the next as on a socket. */
static struct ct_window window;
static struct ct_order order;
static struct ct_recv_repair repair;
static uint64_t clock_ms;
static struct ct_link link;

/* A probe is sent, an answer taken or refused, the clock runs. */
static void
probe(const struct ct_wire_msg *msg, uint8_t salt)
{
	bool changed, taken;

	clock_ms += (uint64_t)salt * 7 + 1;
	if (msg->hdr.type == CT_WIRE_PROBE) {
		ct_link_probe_sent(&link, clock_ms);
		return;
	}
	taken = ct_link_answer(&link, msg->hdr.seq, clock_ms, &changed);
	if (taken != (link.probed &&
	    (uint32_t)(link.nonce - msg->hdr.seq) < CT_LINK_NONCES))
		__builtin_trap();
	if (taken && link.state != CT_LINK_UP)
		__builtin_trap();
	(void)ct_link_tick(&link, clock_ms);
	if (ct_link_deadline(&link) > clock_ms + CT_LINK_DEAD_MS + CT_LINK_PROBE_MS)
		__builtin_trap();
}

static void
receive(const struct ct_wire_msg *msg, uint8_t salt)
{
	struct ct_recv_view view = { .window = &window,
	    .own_session = 0x5eed, .own_id = 0x0a020002,
	    .silent_ms = (uint64_t)salt * 20, .receiving = salt & 1 };
	struct ct_recv_verdict d, again;
	struct ct_range gaps[8];
	enum ct_recv_gap g;
	size_t n;
	bool gapped;
	uint32_t lowest;

	if (order.max == 0)
		ct_order_init(&order, 4096);
	clock_ms += (uint64_t)salt * 7 + 1;
	ct_recv_datagram(&view, &msg->hdr, &d);
	if (d.drop != CT_DROP_NONE)
		return;
	if (d.adopt)
		ct_window_reset(&window);
	if (d.new_session)
		ct_order_clear(&order);
	ct_window_accept(&window, msg->hdr.session, msg->hdr.seq);
	/* What was just accepted can never be accepted again. */
	view.silent_ms = 0;
	ct_recv_datagram(&view, &msg->hdr, &again);
	if (again.drop == CT_DROP_NONE && !again.adopt)
		__builtin_trap();
	gapped = ct_window_has_gaps(&window);
	lowest = ct_window_lowest(&window);
	for (size_t i = 0; msg->hdr.type != CT_WIRE_EXPECTS &&
	    i < msg->hdr.count; i++) {
		uint64_t key = ct_entry_key(&msg->entries[i]);

		if (ct_recv_entry(&order, d.late, msg->hdr.seq, key) ==
		    CT_RECV_SKIP)
			continue;
		if (gapped && ct_order_note(&order, key, msg->hdr.seq,
		    lowest) == 0 && msg->hdr.seq > 0 &&
		    ct_recv_entry(&order, true, msg->hdr.seq - 1, key) !=
		    CT_RECV_SKIP)
			__builtin_trap();
	}
	if (!gapped)
		ct_order_clear(&order);
	(void)ct_window_gaps(&window, gaps, 8);
	if (salt & 2)
		ct_recv_repair_drained(&repair, clock_ms);
	switch ((g = ct_recv_gap(&window, &repair, clock_ms))) {
	case CT_RECV_GAP_NONE:
	case CT_RECV_GAP_RESYNC:
		ct_recv_repair_reset(&repair);
		break;
	case CT_RECV_GAP_NACK_NEW:
	case CT_RECV_GAP_NACK:
		/* As lib/ctsync/ct_sync_recv.c: what the nack names is asked for. */
		n = g == CT_RECV_GAP_NACK ? ct_window_gaps(&window, gaps, 8) :
		    ct_window_unasked(&window, gaps, 8);
		ct_window_ask(&window, gaps, n);
		ct_recv_repair_nacked(&repair, clock_ms);
		/* All of it: no gap named is new any more. */
		if (n < 8 && ct_window_unasked(&window, gaps, 1) != 0)
			__builtin_trap();
		break;
	case CT_RECV_GAP_WAIT:
		break;
	}
}

static void
check(const uint8_t *buf, size_t size, const struct ct_auth_key *key)
{
	static struct ct_wire_msg msg;
	uint8_t again[CT_WIRE_MAX_BYTES];
	int len;

	if (ct_wire_check(buf, size) != CT_DROP_NONE ||
	    ct_auth_verify(key, buf, size) != CT_DROP_NONE ||
	    ct_wire_decode(buf, size, &msg) != CT_DROP_NONE)
		return;
	/* Expectations (type 8) have their own encoder; entries of type 7
	 * carry zone and helper (lib/ctsync/ct_wire.h). */
	len = msg.hdr.type == CT_WIRE_EXPECTS ?
	    ct_wire_encode_expects(&msg.hdr, msg.expects, again, sizeof(again)) :
	    ct_wire_encode(&msg.hdr, msg.entries, msg.ranges, again,
	    sizeof(again));
	if (len != (int)size || ct_auth_sign(key, again, (size_t)len) != 0 ||
	    memcmp(again, buf, size) != 0)
		__builtin_trap();
	if (msg.hdr.type == CT_WIRE_PROBE || msg.hdr.type == CT_WIRE_PROBE_ANSWER)
		probe(&msg, buf[size - 1]);
	else
		receive(&msg, buf[size - 1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[CT_WIRE_MAX_BYTES];
	struct ct_auth_key key = { .len = 32 };

	memset(key.bytes, 'k', key.len);
	check(data, size, &key);
	if (size < CT_WIRE_HMAC_BYTES || size > sizeof(copy))
		return 0;
	memcpy(copy, data, size);
	if (ct_auth_sign(&key, copy, size) != 0)
		__builtin_trap();
	check(copy, size, &key);
	return 0;
}
