/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA1 over BFD control packets (RFC 5880 6.7.4): signing and verifying
 * against hashes computed apart from vipd, with Python's hashlib:
 *
 *   python3 -c 'import hashlib; pkt = bytes([0x20, 0x44, 0x03, 0x34,
 *     0, 0, 0, 1, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40, 0, 0x0f, 0x42, 0x40,
 *     0, 0, 0, 0, 0x05, 0x1c, 0x01, 0x00, 0, 0, 0, 0x2a]);
 *     print(hashlib.sha1(pkt + KEY.ljust(20, b"\0")).hexdigest())'
 *
 * with KEY = b"vipd-bfd-key" (padded with zeros to 20 bytes, as 6.7.4
 * says) and KEY = b"0123456789abcdefghij" (20 bytes, no padding).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bfd/bfd_auth.h"
#include "bfd/bfd_pkt.h"

static const uint8_t key12[] = "vipd-bfd-key";
static const uint8_t key20[] = "0123456789abcdefghij";

/* 8ec2b801fb6b5c205e1b61474dde5c69f37e0d87 */
static const uint8_t hash_key12[BFD_AUTH_HASH_LEN] = {
	0x8e, 0xc2, 0xb8, 0x01, 0xfb, 0x6b, 0x5c, 0x20, 0x5e, 0x1b,
	0x61, 0x47, 0x4d, 0xde, 0x5c, 0x69, 0xf3, 0x7e, 0x0d, 0x87,
};

/* 5949f9eb2254adbe750ed9be61791a63d23e3a00 */
static const uint8_t hash_key20[BFD_AUTH_HASH_LEN] = {
	0x59, 0x49, 0xf9, 0xeb, 0x22, 0x54, 0xad, 0xbe, 0x75, 0x0e,
	0xd9, 0xbe, 0x61, 0x79, 0x1a, 0x63, 0xd2, 0x3e, 0x3a, 0x00,
};

/*
 * A Down packet, A bit set, Detect Mult 3, My Discriminator 1, 1 s
 * intervals; meticulous keyed SHA1, key id 1, sequence number 42.
 */
static void
sample(uint8_t buf[BFD_PKT_MAX_LEN])
{
	struct bfd_pkt p = {
		.version = 1, .state = BFD_STATE_DOWN, .auth_present = true,
		.detect_mult = 3, .my_discr = 1, .desired_min_tx_us = 1000000,
		.required_min_rx_us = 1000000,
		.auth_type = BFD_AUTH_METICULOUS_SHA1, .auth_key_id = 1,
		.auth_seq = 42,
	};

	assert_int_equal(bfd_pkt_encode(&p, buf, BFD_PKT_MAX_LEN),
	    BFD_PKT_MAX_LEN);
}

static void
test_sign_matches_hashlib(void **state)
{
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	sample(buf);
	assert_int_equal(bfd_auth_sign(buf, sizeof(buf), key12,
	    sizeof(key12) - 1), 0);
	assert_memory_equal(buf + BFD_AUTH_HASH_OFFSET, hash_key12,
	    BFD_AUTH_HASH_LEN);
	sample(buf);
	assert_int_equal(bfd_auth_sign(buf, sizeof(buf), key20,
	    sizeof(key20) - 1), 0);
	assert_memory_equal(buf + BFD_AUTH_HASH_OFFSET, hash_key20,
	    BFD_AUTH_HASH_LEN);
}

static void
test_verify_accepts_signed_refuses_changed(void **state)
{
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	sample(buf);
	assert_int_equal(bfd_auth_sign(buf, sizeof(buf), key12,
	    sizeof(key12) - 1), 0);
	assert_int_equal(bfd_auth_verify(buf, sizeof(buf), key12,
	    sizeof(key12) - 1), BFD_DROP_NONE);
	/* Another key, or the same one cut short by a byte. */
	assert_int_equal(bfd_auth_verify(buf, sizeof(buf), key20,
	    sizeof(key20) - 1), BFD_DROP_AUTH);
	assert_int_equal(bfd_auth_verify(buf, sizeof(buf), key12,
	    sizeof(key12) - 2), BFD_DROP_AUTH);
	/*
	 * A trailing zero byte is the padding itself (6.7.4): such keys are
	 * one key on the wire, whoever reads the key file must know it.
	 */
	assert_int_equal(bfd_auth_verify(buf, sizeof(buf), key12,
	    sizeof(key12)), BFD_DROP_NONE);
	/* Any byte changed, hashed or hash. */
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x01;
		if (bfd_auth_verify(buf, sizeof(buf), key12,
		    sizeof(key12) - 1) != BFD_DROP_AUTH)
			fail_msg("byte %zu changed, still verified", i);
		buf[i] ^= 0x01;
	}
}

static void
test_refuses_bad_lengths(void **state)
{
	uint8_t buf[BFD_PKT_MAX_LEN];

	(void)state;
	sample(buf);
	assert_int_equal(bfd_auth_sign(buf, 24, key12, 12), -EINVAL);
	assert_int_equal(bfd_auth_sign(buf, sizeof(buf), key12, 0), -EINVAL);
	assert_int_equal(bfd_auth_sign(buf, sizeof(buf), key20, 21), -EINVAL);
	assert_int_equal(bfd_auth_verify(buf, 51, key12, 12), BFD_DROP_LENGTH);
	assert_int_equal(bfd_auth_verify(buf, sizeof(buf), key20, 21),
	    BFD_DROP_AUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_matches_hashlib),
		cmocka_unit_test(test_verify_accepts_signed_refuses_changed),
		cmocka_unit_test(test_refuses_bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
