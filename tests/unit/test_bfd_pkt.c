/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BFD control packet codec (RFC 5880 4.1, 4.4, 6.8.6): packets laid
 * out by hand from the RFC's field diagrams, round trips, every drop
 * reason of the decoder, the SHA1 authentication section and the names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bfd/bfd_pkt.h"

/*
 * RFC 5880 4.1, bit by bit: Vers 1 (001) Diag 3 (00011) = 0x23; Sta Up
 * (11) P 1 F 0 C 0 A 0 D 0 M 0 = 0xe0; Detect Mult 3; Length 24; My
 * Discriminator 0x01020304; Your Discriminator 0x0a0b0c0d; Desired Min TX
 * 10000 us (0x2710); Required Min RX 20000 us (0x4e20); Required Min Echo
 * RX 0.
 */
static const uint8_t up_poll[] = {
	0x23, 0xe0, 0x03, 0x18,
	0x01, 0x02, 0x03, 0x04,
	0x0a, 0x0b, 0x0c, 0x0d,
	0x00, 0x00, 0x27, 0x10,
	0x00, 0x00, 0x4e, 0x20,
	0x00, 0x00, 0x00, 0x00,
};

/*
 * RFC 5880 4.1 and 4.4: Vers 1 Diag 0 = 0x20; Sta Down (01) F 1 A 1 =
 * 0x40 | 0x10 | 0x04 = 0x54; Detect Mult 5; Length 52; My Discriminator
 * 1; Your Discriminator 0 (allowed: Down); 1 s (0x000f4240) for both
 * intervals; then Auth Type 5 (meticulous keyed SHA1), Auth Len 28, Key
 * ID 2, Reserved 0, Sequence Number 5, and a 20-byte hash 0x01..0x14.
 */
static const uint8_t down_sha1[] = {
	0x20, 0x54, 0x05, 0x34,
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40,
	0x00, 0x0f, 0x42, 0x40,
	0x00, 0x00, 0x00, 0x00,
	0x05, 0x1c, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x05,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
};

static void
test_decode_known_bytes(void **state)
{
	struct bfd_pkt p;

	(void)state;
	assert_int_equal(bfd_pkt_decode(up_poll, sizeof(up_poll), BFD_AUTH_NONE,
	    &p), BFD_DROP_NONE);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(p.state, BFD_STATE_UP);
	assert_true(p.poll);
	assert_false(p.final || p.cpi || p.auth_present || p.demand ||
	    p.multipoint);
	assert_int_equal(p.detect_mult, 3);
	assert_int_equal(p.length, 24);
	assert_int_equal(p.my_discr, 0x01020304);
	assert_int_equal(p.your_discr, 0x0a0b0c0d);
	assert_int_equal(p.desired_min_tx_us, 10000);
	assert_int_equal(p.required_min_rx_us, 20000);
	assert_int_equal(p.required_min_echo_rx_us, 0);
}

static void
test_encode_known_bytes(void **state)
{
	struct bfd_pkt p = {
		.version = 1, .diag = 3, .state = BFD_STATE_UP, .poll = true,
		.detect_mult = 3, .my_discr = 0x01020304,
		.your_discr = 0x0a0b0c0d, .desired_min_tx_us = 10000,
		.required_min_rx_us = 20000,
	};
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), 24);
	assert_memory_equal(buf, up_poll, sizeof(up_poll));
}

static void
test_auth_section_layout(void **state)
{
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	assert_int_equal(bfd_pkt_decode(down_sha1, sizeof(down_sha1),
	    BFD_AUTH_METICULOUS_SHA1, &p), BFD_DROP_NONE);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_true(p.final && p.auth_present);
	assert_int_equal(p.detect_mult, 5);
	assert_int_equal(p.length, 52);
	assert_int_equal(p.your_discr, 0);
	assert_int_equal(p.desired_min_tx_us, 1000000);
	assert_int_equal(p.auth_type, BFD_AUTH_METICULOUS_SHA1);
	assert_int_equal(p.auth_key_id, 2);
	assert_int_equal(p.auth_seq, 5);
	assert_int_equal(p.auth_hash[0], 0x01);
	assert_int_equal(p.auth_hash[19], 0x14);
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), 52);
	assert_memory_equal(buf, down_sha1, sizeof(down_sha1));
	assert_int_equal(BFD_AUTH_HASH_OFFSET, 32);
}

static void
test_auth_reserved_byte_ignored_and_sent_zero(void **state)
{
	uint8_t pkt[sizeof(down_sha1)], buf[BFD_PKT_MAX_LEN];
	struct bfd_pkt p;

	(void)state;
	memcpy(pkt, down_sha1, sizeof(pkt));
	pkt[27] = 0xff;
	assert_int_equal(bfd_pkt_decode(pkt, sizeof(pkt),
	    BFD_AUTH_METICULOUS_SHA1, &p), BFD_DROP_NONE);
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), 52);
	assert_int_equal(buf[27], 0);
}

static void
test_round_trip_every_flag_and_state(void **state)
{
	uint8_t buf[BFD_PKT_MAX_LEN];
	struct bfd_pkt p, q;

	(void)state;
	for (unsigned bits = 0; bits < 32; bits++) {
		for (uint8_t st = 0; st <= BFD_STATE_UP; st++) {
			memset(&p, 0, sizeof(p));
			p.version = 1;
			p.diag = (uint8_t)(bits ^ 0x15);
			p.state = st;
			p.poll = bits & 1;
			p.final = bits & 2;
			p.cpi = bits & 4;
			p.demand = bits & 8;
			p.auth_present = bits & 16;
			p.auth_type = p.auth_present ? BFD_AUTH_KEYED_SHA1 : 0;
			p.auth_key_id = p.auth_present ? 7 : 0;
			p.auth_seq = p.auth_present ? 0xfffffffe : 0;
			p.detect_mult = 255;
			p.my_discr = 0xffffffff;
			p.your_discr = 0x80000001;
			p.desired_min_tx_us = 0xdeadbeef;
			p.required_min_rx_us = 1;
			p.required_min_echo_rx_us = 0x01000000;
			int n = bfd_pkt_encode(&p, buf, sizeof(buf));
			assert_int_equal(n, p.auth_present ? 52 : 24);
			assert_int_equal(bfd_pkt_decode(buf, (size_t)n,
			    p.auth_type, &q), BFD_DROP_NONE);
			p.length = (uint8_t)n;
			assert_memory_equal(&p, &q, sizeof(p));
		}
	}
}

struct drop_row {
	const char *name;
	int offset;             /* byte to change, -1 for none */
	uint8_t value;
	size_t len;             /* UDP payload length given to decode */
	uint8_t auth_type;      /* the session's */
	bool sha1_base;         /* start from down_sha1 rather than up_poll */
	enum bfd_drop want;
};

/* RFC 5880 6.8.6, one rule per row, in the RFC's order. */
static const struct drop_row drop_rows[] = {
	{ "valid", -1, 0, 24, BFD_AUTH_NONE, false, BFD_DROP_NONE },
	{ "shorter than 24", -1, 0, 23, BFD_AUTH_NONE, false,
	  BFD_DROP_TRUNCATED },
	{ "version 0", 0, 0x03, 24, BFD_AUTH_NONE, false, BFD_DROP_VERSION },
	{ "version 2", 0, 0x43, 24, BFD_AUTH_NONE, false, BFD_DROP_VERSION },
	{ "length under 24", 3, 23, 24, BFD_AUTH_NONE, false, BFD_DROP_LENGTH },
	{ "length over payload", 3, 25, 24, BFD_AUTH_NONE, false,
	  BFD_DROP_LENGTH },
	{ "payload over length", -1, 0, 26, BFD_AUTH_NONE, false,
	  BFD_DROP_LENGTH },
	{ "A bit, length 24", 1, 0xe4, 24, BFD_AUTH_KEYED_SHA1, false,
	  BFD_DROP_LENGTH },
	{ "detect mult 0", 2, 0, 24, BFD_AUTH_NONE, false,
	  BFD_DROP_DETECT_MULT },
	{ "multipoint", 1, 0xe1, 24, BFD_AUTH_NONE, false,
	  BFD_DROP_MULTIPOINT },
	{ "my discriminator 0", 7, 0, 52, BFD_AUTH_METICULOUS_SHA1, true,
	  BFD_DROP_MY_DISCR },
	{ "your discriminator 0, Init", 1, 0x94, 52, BFD_AUTH_METICULOUS_SHA1,
	  true, BFD_DROP_YOUR_DISCR },
	{ "your discriminator 0, Up", 1, 0xd4, 52, BFD_AUTH_METICULOUS_SHA1,
	  true, BFD_DROP_YOUR_DISCR },
	{ "your discriminator 0, AdminDown", 1, 0x14, 52,
	  BFD_AUTH_METICULOUS_SHA1, true, BFD_DROP_NONE },
	{ "A bit without authentication", -1, 0, 52, BFD_AUTH_NONE, true,
	  BFD_DROP_AUTH_UNEXPECTED },
	{ "no A bit with authentication", -1, 0, 24, BFD_AUTH_KEYED_SHA1,
	  false, BFD_DROP_AUTH_MISSING },
	{ "keyed where meticulous", 24, BFD_AUTH_KEYED_SHA1, 52,
	  BFD_AUTH_METICULOUS_SHA1, true, BFD_DROP_AUTH_TYPE },
	{ "keyed MD5", 24, BFD_AUTH_KEYED_MD5, 52, BFD_AUTH_KEYED_MD5, true,
	  BFD_DROP_AUTH_TYPE },
	{ "auth len 24", 25, 24, 52, BFD_AUTH_METICULOUS_SHA1, true,
	  BFD_DROP_AUTH_LEN },
	{ "length 51 with SHA1", 3, 51, 51, BFD_AUTH_METICULOUS_SHA1, true,
	  BFD_DROP_LENGTH },
};

static void
test_every_drop_reason(void **state)
{
	uint8_t buf[64];
	struct bfd_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(drop_rows) / sizeof(drop_rows[0]); i++) {
		const struct drop_row *r = &drop_rows[i];

		memset(buf, 0, sizeof(buf));
		if (r->sha1_base)
			memcpy(buf, down_sha1, sizeof(down_sha1));
		else
			memcpy(buf, up_poll, sizeof(up_poll));
		if (r->offset >= 0)
			buf[r->offset] = r->value;
		enum bfd_drop got = bfd_pkt_decode(buf, r->len, r->auth_type,
		    &p);
		if (got != r->want)
			fail_msg("%s: got %s, want %s", r->name,
			    bfd_drop_name(got), bfd_drop_name(r->want));
	}
}

static void
test_decode_leaves_out_alone_on_drop(void **state)
{
	struct bfd_pkt p;

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(bfd_pkt_decode(up_poll, 23, BFD_AUTH_NONE, &p),
	    BFD_DROP_TRUNCATED);
	assert_int_equal(p.detect_mult, 0xa5);
}

static void
test_encode_refuses_what_does_not_fit(void **state)
{
	struct bfd_pkt p = { .version = 1, .state = BFD_STATE_DOWN,
		.detect_mult = 3, .my_discr = 1 };
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	assert_int_equal(bfd_pkt_encode(&p, buf, 23), -ENOSPC);
	p.auth_present = true;
	p.auth_type = BFD_AUTH_METICULOUS_SHA1;
	assert_int_equal(bfd_pkt_encode(&p, buf, 51), -ENOSPC);
	p.auth_type = BFD_AUTH_SIMPLE;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), -EINVAL);
	p.auth_present = false;
	p.version = 0;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), -EINVAL);
	p.version = 1;
	p.diag = 32;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), -EINVAL);
	p.diag = 0;
	p.state = 4;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), -EINVAL);
}

static void
test_names_are_the_documented_words(void **state)
{
	(void)state;
	for (int r = 0; r < BFD_DROP__COUNT; r++)
		assert_non_null(bfd_drop_name((enum bfd_drop)r));
	assert_string_equal(bfd_drop_name(BFD_DROP_YOUR_DISCR), "your_discr");
	assert_string_equal(bfd_drop_name(BFD_DROP_AUTH_SEQ), "auth_seq");
	assert_string_equal(bfd_drop_name(BFD_DROP__COUNT), "unknown");
	assert_string_equal(bfd_state_name(BFD_STATE_ADMIN_DOWN), "AdminDown");
	assert_string_equal(bfd_state_name(BFD_STATE_UP), "Up");
	assert_string_equal(bfd_diag_name(BFD_DIAG_DETECT_EXPIRED),
	    "control detection time expired");
	assert_string_equal(bfd_diag_name(BFD_DIAG_ADMIN_DOWN),
	    "administratively down");
	assert_string_equal(bfd_diag_name((enum bfd_diag)31), "reserved");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_known_bytes),
		cmocka_unit_test(test_encode_known_bytes),
		cmocka_unit_test(test_auth_section_layout),
		cmocka_unit_test(test_auth_reserved_byte_ignored_and_sent_zero),
		cmocka_unit_test(test_round_trip_every_flag_and_state),
		cmocka_unit_test(test_every_drop_reason),
		cmocka_unit_test(test_decode_leaves_out_alone_on_drop),
		cmocka_unit_test(test_encode_refuses_what_does_not_fit),
		cmocka_unit_test(test_names_are_the_documented_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
