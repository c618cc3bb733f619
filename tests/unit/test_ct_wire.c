/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connection-sync wire format: every datagram type round-trips, the
 * layout is the documented one, each malformed datagram is refused with its
 * own reason, the trailer is left for the caller's MAC (test_ct_auth checks
 * the MAC), and the replay window refuses replays, old numbers and old
 * sessions while reporting the gaps to repair. Links the pure library only.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "base/addr.h"
#include "ctsync/ct_wire.h"

static struct ct_entry
v4_entry(uint16_t sport)
{
	struct ct_entry e = {
		.op = CT_OP_UPDATE, .family = AF_INET, .proto = IPPROTO_TCP,
		.tcp_state = 3, .status = 0x18e, .timeout_s = 432000,
		.mark = 0x76697064,
		.orig = { .src = { 10, 0, 0, 100 }, .dst = { 10, 0, 0, 10 },
		    .sport = sport, .dport = 80 },
		.reply = { .src = { 10, 1, 0, 11 }, .dst = { 10, 0, 0, 100 },
		    .sport = 8080, .dport = sport },
	};
	return e;
}

static struct ct_wire_header
header(uint8_t type, uint16_t count, uint32_t seq)
{
	return (struct ct_wire_header){ .type = type, .count = count,
	    .session = 0x0123456789abcdefull, .sender_id = 0xdeadbeef,
	    .seq = seq, .sent_ms = 77, .flags = CT_WIRE_F_RESYNC_DONE };
}

static void
test_entries_round_trip_with_documented_layout(void **state)
{
	struct ct_entry in[CT_WIRE_MAX_ENTRIES];
	struct ct_wire_header hdr = header(CT_WIRE_ENTRIES, CT_WIRE_MAX_ENTRIES, 5);
	struct ct_wire_msg msg;
	uint8_t buf[CT_WIRE_MAX_BYTES];
	int len;

	(void)state;
	for (int i = 0; i < CT_WIRE_MAX_ENTRIES; i++)
		in[i] = v4_entry((uint16_t)(40000 + i));
	in[3].family = AF_INET6;
	memset(in[3].orig.src, 0x20, 16);
	in[4].op = CT_OP_DESTROY;
	len = ct_wire_encode(&hdr, in, NULL, buf, sizeof(buf));
	assert_int_equal(len, CT_WIRE_HEADER_BYTES +
	    CT_WIRE_MAX_ENTRIES * CT_WIRE_ENTRY_BYTES + CT_WIRE_HMAC_BYTES);
	assert_true(len <= 1472);     /* one UDP datagram on a 1500 MTU */
	/* Header fields at their documented offsets, network byte order. */
	assert_memory_equal(buf, "VSYC", 4);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[5], CT_WIRE_ENTRIES);
	assert_int_equal(buf[7], CT_WIRE_MAX_ENTRIES);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(buf[23], 5);
	/* First entry: op, family, proto, state, then mark at 12, tuple at 16. */
	assert_int_equal(buf[32], CT_OP_UPDATE);
	assert_int_equal(buf[33], AF_INET);
	assert_int_equal(buf[34], IPPROTO_TCP);
	assert_memory_equal(buf + 32 + 12, "vipd", 4);
	assert_memory_equal(buf + 32 + 16, "\x0a\x00\x00\x64", 4);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_NONE);
	assert_int_equal(msg.hdr.type, CT_WIRE_ENTRIES);
	assert_int_equal(msg.hdr.count, CT_WIRE_MAX_ENTRIES);
	assert_true(msg.hdr.session == hdr.session);
	assert_int_equal(msg.hdr.sender_id, hdr.sender_id);
	assert_int_equal(msg.hdr.seq, 5);
	assert_int_equal(msg.hdr.sent_ms, 77);
	assert_int_equal(msg.hdr.flags, CT_WIRE_F_RESYNC_DONE);
	assert_int_equal(buf[31], CT_WIRE_F_RESYNC_DONE);
	assert_memory_equal(msg.entries, in, sizeof(in));
	/* The trailer is the caller's to sign: left zero. */
	for (int i = len - CT_WIRE_HMAC_BYTES; i < len; i++)
		assert_int_equal(buf[i], 0);
}

static void
test_control_datagrams_round_trip(void **state)
{
	struct ct_range ranges[2] = { { 3, 4 }, { 9, 9 } };
	struct ct_wire_header hdr;
	struct ct_wire_msg msg;
	uint8_t buf[CT_WIRE_MAX_BYTES];
	int len;

	(void)state;
	hdr = header(CT_WIRE_NACK, 2, 1);
	len = ct_wire_encode(&hdr, NULL, ranges, buf, sizeof(buf));
	assert_int_equal(len, CT_WIRE_HEADER_BYTES + 16 + CT_WIRE_HMAC_BYTES);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_NONE);
	assert_int_equal(msg.hdr.count, 2);
	assert_int_equal(msg.ranges[0].first, 3);
	assert_int_equal(msg.ranges[0].last, 4);
	assert_int_equal(msg.ranges[1].first, 9);
	for (uint8_t t = CT_WIRE_RESYNC; t <= CT_WIRE_HEARTBEAT; t += 2) {
		hdr = header(t, 0, 2);
		len = ct_wire_encode(&hdr, NULL, NULL, buf, sizeof(buf));
		assert_int_equal(len, CT_WIRE_HEADER_BYTES + CT_WIRE_HMAC_BYTES);
		assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
		    CT_DROP_NONE);
		assert_int_equal(msg.hdr.type, t);
	}
}

/*
 * Link probes and their answers (types 5 and 6): header only, seq the
 * nonce; a count is refused, and a type after the last known one is
 * unknown.
 */
static void
test_link_probes_round_trip_header_only(void **state)
{
	struct ct_wire_header hdr;
	struct ct_wire_msg msg;
	uint8_t buf[CT_WIRE_MAX_BYTES];
	int len;

	(void)state;
	for (uint8_t t = CT_WIRE_PROBE; t <= CT_WIRE_PROBE_ANSWER; t++) {
		hdr = header(t, 0, 0xfffffff0u);
		len = ct_wire_encode(&hdr, NULL, NULL, buf, sizeof(buf));
		assert_int_equal(len, CT_WIRE_HEADER_BYTES + CT_WIRE_HMAC_BYTES);
		assert_int_equal(buf[5], t);
		assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
		    CT_DROP_NONE);
		assert_int_equal(msg.hdr.type, t);
		assert_int_equal(msg.hdr.seq, 0xfffffff0u);
		buf[7] = 1;
		assert_int_equal(ct_wire_check(buf, (size_t)len),
		    CT_DROP_BAD_COUNT);
		hdr.count = 1;
		assert_int_equal(ct_wire_encode(&hdr, NULL, NULL, buf,
		    sizeof(buf)), -EINVAL);
	}
	hdr = header(CT_WIRE_PROBE, 0, 1);
	len = ct_wire_encode(&hdr, NULL, NULL, buf, sizeof(buf));
	buf[5] = CT_WIRE_EXPECTS + 1;
	assert_int_equal(ct_wire_check(buf, (size_t)len), CT_DROP_BAD_TYPE);
}

static int
encode_one(uint8_t *buf)
{
	struct ct_entry e = v4_entry(1234);
	struct ct_wire_header hdr = header(CT_WIRE_ENTRIES, 1, 1);

	return ct_wire_encode(&hdr, &e, NULL, buf, CT_WIRE_MAX_BYTES);
}

static void
test_every_malformed_datagram_has_its_reason(void **state)
{
	uint8_t buf[CT_WIRE_MAX_BYTES + 8], copy[sizeof(buf)];
	struct ct_wire_msg msg;
	int len;

	(void)state;
	len = encode_one(buf);
	assert_true(len > 0);
	memcpy(copy, buf, sizeof(buf));
	assert_int_equal(ct_wire_check(buf, (size_t)len), CT_DROP_NONE);
	for (size_t cut = 0; cut < (size_t)len; cut++) {
		assert_int_equal(ct_wire_check(buf, cut), CT_DROP_TRUNCATED);
		assert_int_equal(ct_wire_decode(buf, cut, &msg),
		    CT_DROP_TRUNCATED);
	}
	assert_int_equal(ct_wire_decode(buf, (size_t)len + 1, &msg),
	    CT_DROP_OVERSIZED);
	assert_int_equal(ct_wire_decode(buf, CT_WIRE_MAX_BYTES + 1, &msg),
	    CT_DROP_OVERSIZED);
	buf[0] ^= 1;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_MAGIC);
	memcpy(buf, copy, sizeof(buf));
	buf[4] = 2;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_VERSION);
	memcpy(buf, copy, sizeof(buf));
	buf[5] = 9;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_TYPE);
	memcpy(buf, copy, sizeof(buf));
	buf[7] = CT_WIRE_MAX_ENTRIES + 1;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_COUNT);
	buf[7] = 0;
	assert_int_equal(ct_wire_check(buf, (size_t)len), CT_DROP_BAD_COUNT);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_COUNT);
	/* A buffer too small for the datagram is the caller's error. */
	assert_int_equal(ct_wire_encode(&(struct ct_wire_header){
	    .type = CT_WIRE_HEARTBEAT }, NULL, NULL, buf,
	    CT_WIRE_HEADER_BYTES + CT_WIRE_HMAC_BYTES - 1), -EINVAL);
}

/* A peer with the key can sign anything: the body is checked anyway. */
static void
test_bad_entries_are_refused_even_with_a_good_hmac(void **state)
{
	struct ct_wire_header hdr = header(CT_WIRE_ENTRIES, 1, 1);
	struct ct_entry e = v4_entry(1);
	uint8_t buf[CT_WIRE_MAX_BYTES];
	struct ct_wire_msg msg;
	int len;

	(void)state;
	e.proto = 47;
	assert_int_equal(ct_wire_encode(&hdr, &e, NULL, buf, sizeof(buf)),
	    -EINVAL);
	e = v4_entry(1);
	len = ct_wire_encode(&hdr, &e, NULL, buf, sizeof(buf));
	buf[CT_WIRE_HEADER_BYTES + 1] = 99;           /* family */
	assert_int_equal(ct_wire_check(buf, (size_t)len), CT_DROP_NONE);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
	    CT_DROP_BAD_ENTRY);
	e = v4_entry(1);
	e.tcp_state = 11;
	assert_false(ct_entry_valid(&e));
	e = v4_entry(1);
	e.orig.src[5] = 1;                /* junk past an IPv4 address */
	assert_false(ct_entry_valid(&e));
	e = v4_entry(1);
	e.op = 3;
	assert_false(ct_entry_valid(&e));
	hdr = header(CT_WIRE_NACK, 1, 1);
	{
		struct ct_range r = { 5, 4 };

		len = ct_wire_encode(&hdr, NULL, &r, buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg),
		    CT_DROP_BAD_ENTRY);
	}
}

static void
test_drop_reasons_all_have_names(void **state)
{
	(void)state;
	for (int r = 0; r < CT_DROP__COUNT; r++) {
		assert_non_null(ct_drop_name((enum ct_drop)r));
		assert_string_not_equal(ct_drop_name((enum ct_drop)r), "unknown");
	}
	assert_string_equal(ct_drop_name(CT_DROP_BAD_HMAC), "bad_hmac");
	assert_string_equal(ct_drop_name(CT_DROP_REFLECTED), "reflected");
	assert_string_equal(ct_drop_name(CT_DROP__COUNT), "unknown");
}

static enum ct_drop
offer(struct ct_window *w, uint64_t session, uint32_t seq)
{
	bool fresh;
	enum ct_drop r = ct_window_check(w, session, seq, &fresh);

	if (r == CT_DROP_NONE)
		ct_window_accept(w, session, seq);
	return r;
}

static void
test_replay_window_refuses_replays_and_old_numbers(void **state)
{
	struct ct_window w;
	bool fresh;

	(void)state;
	ct_window_reset(&w);
	assert_int_equal(ct_window_check(&w, 10, 1, &fresh), CT_DROP_NONE);
	assert_true(fresh);
	assert_int_equal(offer(&w, 10, 1), CT_DROP_NONE);
	assert_int_equal(offer(&w, 10, 1), CT_DROP_REPLAYED);
	assert_int_equal(offer(&w, 10, 0), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 10, 3), CT_DROP_NONE);
	/* Reordered but new: accepted once. */
	assert_int_equal(offer(&w, 10, 2), CT_DROP_NONE);
	assert_int_equal(offer(&w, 10, 2), CT_DROP_REPLAYED);
	assert_int_equal(offer(&w, 10, 3 + CT_WIRE_WINDOW), CT_DROP_NONE);
	assert_int_equal(offer(&w, 10, 3), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 10, 4), CT_DROP_NONE);     /* last in window */
	assert_int_equal(offer(&w, 10, 4), CT_DROP_REPLAYED);
	/* An earlier run of the peer: refused; a later one restarts. */
	assert_int_equal(offer(&w, 9, 100000), CT_DROP_TOO_OLD);
	assert_int_equal(ct_window_check(&w, 11, 1, &fresh), CT_DROP_NONE);
	assert_true(fresh);
	assert_int_equal(offer(&w, 11, 1), CT_DROP_NONE);
	assert_int_equal(offer(&w, 10, 5000), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 11, 1), CT_DROP_REPLAYED);
}

static void
test_window_shift_keeps_bits_across_words(void **state)
{
	struct ct_window w;

	(void)state;
	ct_window_reset(&w);
	for (uint32_t s = 1; s <= 200; s += 3)
		assert_int_equal(offer(&w, 1, s), CT_DROP_NONE);
	assert_int_equal(offer(&w, 1, 263), CT_DROP_NONE);
	assert_int_equal(offer(&w, 1, 333), CT_DROP_NONE);
	for (uint32_t s = 1; s <= 200; s++)
		assert_int_equal(offer(&w, 1, s), (s - 1) % 3 == 0 ?
		    CT_DROP_REPLAYED : CT_DROP_NONE);
}

static void
test_gaps_name_the_missing_numbers_since_the_first_seen(void **state)
{
	struct ct_window w;
	struct ct_range r[4];

	(void)state;
	ct_window_reset(&w);
	assert_int_equal(ct_window_gaps(&w, r, 4), 0);
	offer(&w, 1, 50);                  /* floor: nothing below is a gap */
	offer(&w, 1, 51);
	assert_int_equal(ct_window_gaps(&w, r, 4), 0);
	offer(&w, 1, 55);
	offer(&w, 1, 57);
	assert_int_equal(ct_window_gaps(&w, r, 4), 2);
	assert_int_equal(r[0].first, 52);
	assert_int_equal(r[0].last, 54);
	assert_int_equal(r[1].first, 56);
	assert_int_equal(r[1].last, 56);
	assert_int_equal(ct_window_gaps(&w, r, 1), 1);
	offer(&w, 1, 53);
	assert_int_equal(ct_window_gaps(&w, r, 4), 3);
	offer(&w, 1, 52);
	offer(&w, 1, 54);
	offer(&w, 1, 56);
	assert_int_equal(ct_window_gaps(&w, r, 4), 0);
}

/*
 * The gap scan passes over whole words with nothing missing: the missing
 * numbers it reports, next to and between full words and on word edges,
 * are exactly those never accepted (checked against every number).
 */
static void
test_gaps_across_full_words_are_all_found(void **state)
{
	static const uint32_t missing[] = { 2, 63, 64, 65, 127, 128, 700, 701,
		702, 4095, 4096, 6000 };
	struct ct_range r[CT_WIRE_MAX_RANGES];
	struct ct_window w;
	size_t n, k, want = 0;

	(void)state;
	ct_window_reset(&w);
	for (uint32_t seq = 1; seq <= 6100; seq++) {
		bool skip = false;

		for (k = 0; k < sizeof(missing) / sizeof(missing[0]); k++)
			skip |= missing[k] == seq;
		if (!skip)
			assert_int_equal(offer(&w, 1, seq), CT_DROP_NONE);
	}
	n = ct_window_gaps(&w, r, CT_WIRE_MAX_RANGES);
	/* Ranges: 2, 63-65, 127-128, 700-702, 4095-4096, 6000. */
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		for (uint32_t seq = r[i].first; seq <= r[i].last; seq++) {
			bool found = false;

			for (k = 0; k < sizeof(missing) / sizeof(missing[0]); k++)
				found |= missing[k] == seq;
			assert_true(found);
			want++;
		}
	assert_int_equal(want, sizeof(missing) / sizeof(missing[0]));
	assert_int_equal(r[0].first, 2);
	assert_int_equal(r[5].first, 6000);
	assert_true(ct_window_has_gaps(&w));
}

/*
 * What a nack asked for moves with the window: asked numbers are no
 * longer new gaps (ct_window_unasked), stay asked once they came (a second
 * copy is a duplicate), and are forgotten when they slide out or the
 * session changes.
 */
static void
test_numbers_asked_for_move_with_the_window(void **state)
{
	struct ct_window w;
	struct ct_range r[4], ask = { 3, 4 };

	(void)state;
	ct_window_reset(&w);
	for (uint32_t seq = 1; seq <= 10; seq++)
		if (seq != 3 && seq != 4 && seq != 7)
			offer(&w, 1, seq);
	assert_int_equal(ct_window_unasked(&w, r, 4), 2);
	ct_window_ask(&w, &ask, 1);
	assert_true(ct_window_asked(&w, 3) && ct_window_asked(&w, 4));
	assert_false(ct_window_asked(&w, 5) || ct_window_asked(&w, 7));
	assert_int_equal(ct_window_unasked(&w, r, 4), 1);
	assert_int_equal(r[0].first, 7);
	assert_int_equal(r[0].last, 7);
	assert_int_equal(ct_window_gaps(&w, r, 4), 2);
	assert_int_equal(offer(&w, 1, 4), CT_DROP_NONE);
	assert_true(ct_window_asked(&w, 4));
	/* Across words: the marks age with the numbers. */
	offer(&w, 1, 100);
	assert_true(ct_window_asked(&w, 3) && ct_window_asked(&w, 4));
	assert_false(ct_window_asked(&w, 7));
	assert_int_equal(ct_window_unasked(&w, r, 4), 2);
	assert_int_equal(r[0].first, 7);
	assert_int_equal(r[1].first, 11);
	assert_int_equal(r[1].last, 99);
	/* Ranges beyond the window are marked only where it spans. */
	ask = (struct ct_range){ 1, 500 };
	ct_window_ask(&w, &ask, 1);
	assert_int_equal(ct_window_unasked(&w, r, 4), 0);
	assert_false(ct_window_asked(&w, 101));
	offer(&w, 1, 4 + CT_WIRE_WINDOW);
	assert_false(ct_window_asked(&w, 4));
	assert_true(ct_window_asked(&w, 99));
	offer(&w, 2, 1);
	assert_false(ct_window_asked(&w, 1));
	assert_int_equal(ct_window_gaps(&w, r, 4), 0);
}

/*
 * The word-at-a-time scans against a bit-by-bit one, over a window of
 * random losses and random nacks.
 */
static void
test_gap_scans_match_a_plain_count(void **state)
{
	struct ct_range r[CT_WIRE_MAX_RANGES], a;
	struct ct_window w;
	uint32_t x = 12345, top = 3 * CT_WIRE_WINDOW;

	(void)state;
	ct_window_reset(&w);
	offer(&w, 1, 1);
	for (uint32_t seq = 2; seq <= top; seq++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 97 < 3)
			continue;               /* lost */
		offer(&w, 1, seq);
		if ((x >> 16) % 97 == 50 && ct_window_unasked(&w, &a, 1) == 1)
			ct_window_ask(&w, &a, 1);
	}
	for (int unasked = 0; unasked < 2; unasked++) {
		size_t n = unasked ? ct_window_unasked(&w, r, CT_WIRE_MAX_RANGES) :
		    ct_window_gaps(&w, r, CT_WIRE_MAX_RANGES);
		size_t k = 0;

		assert_true(n > 0);
		for (uint32_t seq = ct_window_lowest(&w); seq < w.highest &&
		    k < n; seq++) {
			bool missing = w.bits[(w.highest - seq) / 64] >>
			    ((w.highest - seq) % 64) & 1 ? false : true;

			if (unasked && ct_window_asked(&w, seq))
				missing = false;
			if (seq > r[k].last)
				k++;
			if (k == n)
				break;
			assert_int_equal(missing, seq >= r[k].first);
		}
		assert_true(k >= n - 1);
	}
}

static void
test_numbers_below_the_floor_are_too_old(void **state)
{
	struct ct_window w;

	(void)state;
	ct_window_reset(&w);
	/* The first datagram seen is the floor: earlier ones came too late. */
	assert_int_equal(offer(&w, 1, 40), CT_DROP_NONE);
	assert_int_equal(ct_window_lowest(&w), 40);
	assert_int_equal(offer(&w, 1, 39), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 1, 43), CT_DROP_NONE);
	assert_true(ct_window_has_gaps(&w));
	/* A full resync request raises the floor past what is missing
	 * (lib/ctsync/ct_sync_recv.c request_resync): the dump supersedes it. */
	w.floor = w.highest + 1;
	assert_false(ct_window_has_gaps(&w));
	assert_int_equal(offer(&w, 1, 41), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 1, 42), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 1, 44), CT_DROP_NONE);
	/* Far ahead, the window's span is the bound again. */
	assert_int_equal(offer(&w, 1, 100 + 2 * CT_WIRE_WINDOW), CT_DROP_NONE);
	assert_int_equal(ct_window_lowest(&w), 100 + CT_WIRE_WINDOW + 1);
	assert_int_equal(offer(&w, 1, 100 + CT_WIRE_WINDOW), CT_DROP_TOO_OLD);
	assert_int_equal(offer(&w, 1, 100 + CT_WIRE_WINDOW + 1), CT_DROP_NONE);
}

static void
test_a_restart_with_the_clock_set_back_starts_a_newer_session(void **state)
{
	(void)state;
	/* The clock is past the last session: it is the session. */
	assert_true(ct_wire_session_next(2000, 1000) == 2000);
	assert_true(ct_wire_session_next(2000, 0) == 2000);
	/* Set back (or not moved): one more than the last, still newer. */
	assert_true(ct_wire_session_next(500, 1000) == 1001);
	assert_true(ct_wire_session_next(1000, 1000) == 1001);
	assert_true(ct_wire_session_next(0, UINT64_MAX) == 1);
}

static void
test_an_older_session_is_followed_only_after_silence(void **state)
{
	struct ct_window w;
	bool fresh;

	(void)state;
	ct_window_reset(&w);
	assert_false(ct_window_adopts(&w, 5, 1, 60000));   /* nothing followed */
	assert_int_equal(offer(&w, 1000, 1), CT_DROP_NONE);
	assert_int_equal(ct_window_check(&w, 999, 1, &fresh), CT_DROP_TOO_OLD);
	/* A live peer (heartbeats every 250 ms) is never replaced. */
	assert_false(ct_window_adopts(&w, 999, 1, 250));
	assert_false(ct_window_adopts(&w, 999, 1, CT_WIRE_ADOPT_SILENT_MS - 1));
	assert_true(ct_window_adopts(&w, 999, 1, CT_WIRE_ADOPT_SILENT_MS));
	/* Only older sessions; a newer one is followed anyway, sequence 0
	 * and session 0 never. */
	assert_false(ct_window_adopts(&w, 1000, 1, 60000));
	assert_false(ct_window_adopts(&w, 1001, 1, 60000));
	assert_false(ct_window_adopts(&w, 999, 0, 60000));
	assert_false(ct_window_adopts(&w, 0, 1, 60000));
	/* Adopted: the window restarts on the older session. */
	ct_window_reset(&w);
	assert_int_equal(offer(&w, 999, 7), CT_DROP_NONE);
	assert_int_equal(offer(&w, 999, 7), CT_DROP_REPLAYED);
	assert_int_equal(offer(&w, 1000, 2), CT_DROP_NONE);  /* newer: back */
}

/*
 * A number that never came and slides below the window is lost for good:
 * a jump of more than the window over numbers never seen, or a gap that
 * CT_WIRE_WINDOW later numbers pushed out; one that came, or that is below
 * the floor (a resync covers it), is not.
 */
static void
test_numbers_sliding_out_unseen_are_lost(void **state)
{
	struct ct_window w;

	(void)state;
	ct_window_reset(&w);
	assert_false(ct_window_loses(&w, 100000));           /* no session yet */
	assert_int_equal(offer(&w, 1, 10), CT_DROP_NONE);
	/* In the window's reach: the gap can still be asked for. */
	assert_false(ct_window_loses(&w, 11));
	assert_false(ct_window_loses(&w, 10 + CT_WIRE_WINDOW));
	/* 11 would fall out unseen. */
	assert_true(ct_window_loses(&w, 11 + CT_WIRE_WINDOW));
	assert_true(ct_window_loses(&w, 100000));
	/* All seen up to 20: the window may move over them. */
	for (uint32_t seq = 11; seq <= 20; seq++)
		assert_int_equal(offer(&w, 1, seq), CT_DROP_NONE);
	assert_false(ct_window_loses(&w, 20 + CT_WIRE_WINDOW));
	assert_true(ct_window_loses(&w, 21 + CT_WIRE_WINDOW));
	/* A gap (25) pushed out by later numbers, one at a time. */
	for (uint32_t seq = 21; seq <= 24; seq++)
		assert_int_equal(offer(&w, 1, seq), CT_DROP_NONE);
	for (uint32_t seq = 26; seq < 25 + CT_WIRE_WINDOW; seq++) {
		assert_false(ct_window_loses(&w, seq));
		assert_int_equal(offer(&w, 1, seq), CT_DROP_NONE);
	}
	assert_true(ct_window_loses(&w, 25 + CT_WIRE_WINDOW));
	/* Older numbers never make a loss; neither do those below the floor
	 * (a resync request moved it past the highest). */
	assert_false(ct_window_loses(&w, 30));
	w.floor = w.highest + 1;
	assert_false(ct_window_loses(&w, w.highest + CT_WIRE_WINDOW));
	assert_true(ct_window_loses(&w, w.highest + CT_WIRE_WINDOW + 1));
}

/*
 * The sender id tells a node's own datagrams from its peer's (reflected):
 * two IPv4 nodes never share one, IPv6 addresses are hashed (32-bit
 * FNV-1a over the 16 bytes; the value below was worked out separately).
 */
static void
test_sender_ids_tell_the_two_nodes_apart(void **state)
{
	const struct addr a4 = { AF_INET, { 10, 2, 0, 1 } },
	    b4 = { AF_INET, { 10, 2, 0, 2 } }, z6 = { AF_INET6, { 0 } },
	    a6 = { AF_INET6, { 0xfd, 0x00, 0x00, 0x02, [15] = 1 } };
	struct addr b6 = a6;

	(void)state;
	assert_int_equal(addr_id32(&a4), 0x0a020001u);
	assert_int_not_equal(addr_id32(&a4), addr_id32(&b4));
	/* FNV-1a 32 of sixteen zero bytes. */
	assert_int_equal(addr_id32(&z6), 0x69691905u);
	b6.bytes[15] = 2;
	assert_int_not_equal(addr_id32(&a6), addr_id32(&b6));
}

/*
 * Type 7: the 88-byte entry, then zone at 88, reserved at 90, the
 * helper's name at 92 and the sequence offsets at 108 (original) and 120
 * (reply); a type 1 datagram of the same entries leaves them out (an
 * earlier release's receiver).
 */
static void
test_extended_entries_carry_zone_and_helper(void **state)
{
	struct ct_entry in[CT_WIRE_MAX_ENTRIES_EXT];
	struct ct_wire_header hdr = header(CT_WIRE_ENTRIES_EXT,
	    CT_WIRE_MAX_ENTRIES_EXT, 6);
	struct ct_wire_msg msg;
	uint8_t buf[CT_WIRE_MAX_BYTES];
	int len;

	(void)state;
	for (int i = 0; i < CT_WIRE_MAX_ENTRIES_EXT; i++)
		in[i] = v4_entry((uint16_t)(41000 + i));
	in[0].zone = 5;
	memcpy(in[0].helper, "ftp", 3);
	in[0].seqadj[0] = (struct ct_seqadj){ .pos = 0x01020304,
	    .before = 0, .after = 0xffffffffu };
	in[0].seqadj[1].after = 7;
	len = ct_wire_encode(&hdr, in, NULL, buf, sizeof(buf));
	assert_int_equal(len, CT_WIRE_HEADER_BYTES + CT_WIRE_MAX_ENTRIES_EXT *
	    CT_WIRE_ENTRY_EXT_BYTES + CT_WIRE_HMAC_BYTES);
	assert_true(len <= CT_WIRE_MAX_BYTES);
	assert_int_equal(buf[5], CT_WIRE_ENTRIES_EXT);
	assert_int_equal(buf[32 + 88], 0);
	assert_int_equal(buf[32 + 89], 5);
	assert_memory_equal(buf + 32 + 92, "ftp\0", 4);
	assert_memory_equal(buf + 32 + 108, "\x01\x02\x03\x04", 4);
	assert_memory_equal(buf + 32 + 116, "\xff\xff\xff\xff", 4);
	assert_int_equal(buf[32 + 131], 7);
	assert_memory_equal(buf + 32 + 132, "\x01\x02\x06", 3);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_NONE);
	assert_memory_equal(msg.entries, in, sizeof(in));
	/* The zone is part of the flow's identity. */
	msg.entries[0].zone = 0;
	assert_true(ct_entry_key(&msg.entries[0]) != ct_entry_key(&in[0]));

	/* Reserved bytes and names with bytes after their NUL are refused. */
	buf[32 + 91] = 1;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + 91] = 0;
	buf[32 + 92 + 5] = 'x';
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + 92 + 5] = 0;
	memset(buf + 32 + 92, 'a', CT_WIRE_HELPER_MAX);   /* no NUL */
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	/* More than fit a datagram: refused by count. */
	hdr.count = CT_WIRE_MAX_ENTRIES_EXT + 1;
	assert_int_equal(ct_wire_encode(&hdr, in, NULL, buf, sizeof(buf)), -EINVAL);

	/* Type 1 leaves zone and helper out. */
	hdr = header(CT_WIRE_ENTRIES, 1, 7);
	len = ct_wire_encode(&hdr, in, NULL, buf, sizeof(buf));
	assert_int_equal(len, CT_WIRE_HEADER_BYTES + CT_WIRE_ENTRY_BYTES +
	    CT_WIRE_HMAC_BYTES);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_NONE);
	assert_int_equal(msg.entries[0].zone, 0);
	assert_string_equal(msg.entries[0].helper, "");
	assert_int_equal(msg.entries[0].seqadj[0].pos, 0);
}

static struct ct_expect
ftp_expect(void)
{
	struct ct_expect x = {
		.op = CT_OP_UPDATE, .family = AF_INET, .proto = IPPROTO_TCP,
		.master_proto = IPPROTO_TCP, .zone = 0, .nat_dir = 1,
		.has_nat = true, .timeout_s = 300, .flags = 0, .class = 0,
		.master = { .src = { 10, 1, 0, 11 }, .dst = { 10, 0, 0, 100 },
		    .sport = 40000, .dport = 21 },
		.tuple = { .src = { 10, 0, 0, 100 }, .dst = { 10, 0, 0, 10 },
		    .sport = 0, .dport = 50000 },
		.mask = { .src = { 255, 255, 255, 255 },
		    .dst = { 255, 255, 255, 255 }, .sport = 0, .dport = 0xffff },
		.nat = { .src = { 10, 1, 0, 11 }, .sport = 50000 },
		.helper = "ftp", .fn = "nat-follow-master",
	};
	return x;
}

/*
 * Type 8: expectations with their documented layout; malformed ones are
 * refused as bad_entry, a datagram holds at most CT_WIRE_MAX_EXPECTS, and
 * entries and expectations need their own encoder.
 */
static void
test_expectations_round_trip_with_documented_layout(void **state)
{
	struct ct_expect in[CT_WIRE_MAX_EXPECTS];
	struct ct_wire_header hdr = header(CT_WIRE_EXPECTS, CT_WIRE_MAX_EXPECTS, 8);
	struct ct_wire_msg msg;
	uint8_t buf[CT_WIRE_MAX_BYTES];
	int len;

	(void)state;
	for (int i = 0; i < CT_WIRE_MAX_EXPECTS; i++) {
		in[i] = ftp_expect();
		in[i].tuple.dport = (uint16_t)(50000 + i);
	}
	in[1].op = CT_OP_DESTROY;
	in[2].has_nat = false;
	in[2].nat_dir = 0;
	memset(&in[2].nat, 0, sizeof(in[2].nat));
	in[2].fn[0] = '\0';
	memset(in[2].fn, 0, sizeof(in[2].fn));
	in[3].zone = 5;
	len = ct_wire_encode_expects(&hdr, in, buf, sizeof(buf));
	assert_int_equal(len, CT_WIRE_HEADER_BYTES + CT_WIRE_MAX_EXPECTS *
	    CT_WIRE_EXPECT_BYTES + CT_WIRE_HMAC_BYTES);
	assert_true(len <= CT_WIRE_MAX_BYTES);
	assert_int_equal(buf[5], CT_WIRE_EXPECTS);
	assert_int_equal(buf[32 + 0], CT_OP_UPDATE);
	assert_int_equal(buf[32 + 2], IPPROTO_TCP);
	assert_int_equal(buf[32 + 6], 1);
	assert_int_equal(buf[32 + 7], 1);
	assert_int_equal(buf[32 + 11], 44);                  /* 300 s */
	assert_memory_equal(buf + 32 + 20, "\x0a\x01\x00\x0b", 4);
	assert_memory_equal(buf + 32 + 20 + 34, "\x00\x15", 2);   /* port 21 */
	assert_memory_equal(buf + 32 + 56 + 16, "\x0a\x00\x00\x0a", 4);
	assert_memory_equal(buf + 32 + 128, "\x0a\x01\x00\x0b", 4);
	assert_memory_equal(buf + 32 + 164, "ftp\0", 4);
	assert_memory_equal(buf + 32 + 180, "nat-follow-master\0", 18);
	assert_int_equal(buf[32 + CT_WIRE_EXPECT_BYTES * 3 + 5], 5);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_NONE);
	assert_int_equal(msg.hdr.count, CT_WIRE_MAX_EXPECTS);
	assert_memory_equal(msg.expects, in, sizeof(in));

	/* Malformed: has_nat neither 0 nor 1, a NAT tuple without has_nat,
	 * a direction past reply, an unknown protocol, fn without a NUL. */
	buf[32 + 7] = 2;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + 7] = 1;
	buf[32 + CT_WIRE_EXPECT_BYTES * 2 + 128] = 10;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + CT_WIRE_EXPECT_BYTES * 2 + 128] = 0;
	buf[32 + 6] = 2;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + 6] = 1;
	buf[32 + 2] = 47;
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	buf[32 + 2] = IPPROTO_TCP;
	memset(buf + 32 + 180, 'f', CT_WIRE_FN_MAX);
	assert_int_equal(ct_wire_decode(buf, (size_t)len, &msg), CT_DROP_BAD_ENTRY);
	/* A count past the bound, and the wrong encoder for the type. */
	hdr.count = CT_WIRE_MAX_EXPECTS + 1;
	assert_int_equal(ct_wire_encode_expects(&hdr, in, buf, sizeof(buf)),
	    -EINVAL);
	hdr.count = 1;
	assert_int_equal(ct_wire_encode(&hdr, NULL, NULL, buf, sizeof(buf)),
	    -EINVAL);
	hdr.type = CT_WIRE_ENTRIES;
	assert_int_equal(ct_wire_encode_expects(&hdr, in, buf, sizeof(buf)),
	    -EINVAL);
	in[0].op = 9;
	hdr = header(CT_WIRE_EXPECTS, 1, 9);
	assert_int_equal(ct_wire_encode_expects(&hdr, in, buf, sizeof(buf)),
	    -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_round_trip_with_documented_layout),
		cmocka_unit_test(test_control_datagrams_round_trip),
		cmocka_unit_test(test_link_probes_round_trip_header_only),
		cmocka_unit_test(test_extended_entries_carry_zone_and_helper),
		cmocka_unit_test(test_expectations_round_trip_with_documented_layout),
		cmocka_unit_test(test_every_malformed_datagram_has_its_reason),
		cmocka_unit_test(test_bad_entries_are_refused_even_with_a_good_hmac),
		cmocka_unit_test(test_drop_reasons_all_have_names),
		cmocka_unit_test(test_replay_window_refuses_replays_and_old_numbers),
		cmocka_unit_test(test_window_shift_keeps_bits_across_words),
		cmocka_unit_test(test_gaps_name_the_missing_numbers_since_the_first_seen),
		cmocka_unit_test(test_numbers_below_the_floor_are_too_old),
		cmocka_unit_test(test_gaps_across_full_words_are_all_found),
		cmocka_unit_test(test_numbers_asked_for_move_with_the_window),
		cmocka_unit_test(test_gap_scans_match_a_plain_count),
		cmocka_unit_test(test_a_restart_with_the_clock_set_back_starts_a_newer_session),
		cmocka_unit_test(test_an_older_session_is_followed_only_after_silence),
		cmocka_unit_test(test_sender_ids_tell_the_two_nodes_apart),
		cmocka_unit_test(test_numbers_sliding_out_unseen_are_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
