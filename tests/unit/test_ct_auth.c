/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The conn_sync trailer: HMAC-SHA256 under the key over header and body,
 * the bytes on the wire as OpenSSL computes them; every flipped bit and
 * every other key is refused as bad_hmac; and the receive order (framing,
 * MAC, body) gives each tampered datagram its reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ctsync/ct_auth.h"
#include "ctsync/ct_wire.h"

static struct ct_auth_key
test_key(char c)
{
	struct ct_auth_key k = { .len = 32 };

	memset(k.bytes, c, k.len);
	return k;
}

/* A signed datagram of one entry; returns its length. */
static size_t
signed_one(uint8_t *buf, const struct ct_auth_key *key)
{
	struct ct_entry e = {
		.op = CT_OP_UPDATE, .family = AF_INET, .proto = IPPROTO_UDP,
		.timeout_s = 30, .mark = 0x76697064,
		.orig = { .src = { 10, 0, 0, 100 }, .dst = { 10, 0, 0, 10 },
		    .sport = 5000, .dport = 53 },
		.reply = { .src = { 10, 1, 0, 11 }, .dst = { 10, 0, 0, 100 },
		    .sport = 53, .dport = 5000 },
	};
	struct ct_wire_header hdr = { .type = CT_WIRE_ENTRIES, .count = 1,
	    .session = 42, .sender_id = 0x0a020001, .seq = 7 };
	int len = ct_wire_encode(&hdr, &e, NULL, buf, CT_WIRE_MAX_BYTES);

	assert_true(len > 0);
	assert_int_equal(ct_auth_sign(key, buf, (size_t)len), 0);
	return (size_t)len;
}

/* As the receiver reads one: framing, MAC, body (lib/ctsync/ct_auth.h). */
static enum ct_drop
receive(const uint8_t *buf, size_t len, const struct ct_auth_key *key)
{
	static struct ct_wire_msg msg;
	enum ct_drop r;

	if ((r = ct_wire_check(buf, len)) != CT_DROP_NONE ||
	    (r = ct_auth_verify(key, buf, len)) != CT_DROP_NONE)
		return r;
	return ct_wire_decode(buf, len, &msg);
}

static void
test_the_trailer_is_hmac_sha256_of_header_and_body(void **state)
{
	struct ct_auth_key key = test_key('k');
	uint8_t buf[CT_WIRE_MAX_BYTES], want[32];
	unsigned int md_len = 0;
	size_t len = signed_one(buf, &key);

	(void)state;
	HMAC(EVP_sha256(), key.bytes, (int)key.len, buf,
	    len - CT_WIRE_HMAC_BYTES, want, &md_len);
	assert_int_equal(md_len, CT_WIRE_HMAC_BYTES);
	assert_memory_equal(buf + len - CT_WIRE_HMAC_BYTES, want, md_len);
	assert_int_equal(ct_auth_verify(&key, buf, len), CT_DROP_NONE);
	assert_int_equal(receive(buf, len, &key), CT_DROP_NONE);
}

static void
test_another_key_or_any_flipped_bit_is_a_bad_hmac(void **state)
{
	struct ct_auth_key key = test_key('k'), other = test_key('x');
	uint8_t buf[CT_WIRE_MAX_BYTES], copy[CT_WIRE_MAX_BYTES];
	size_t len = signed_one(buf, &key);

	(void)state;
	assert_int_equal(ct_auth_verify(&other, buf, len), CT_DROP_BAD_HMAC);
	assert_int_equal(receive(buf, len, &other), CT_DROP_BAD_HMAC);
	memcpy(copy, buf, len);
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, copy, len);
		buf[i] ^= 0x10;
		assert_int_equal(ct_auth_verify(&key, buf, len), CT_DROP_BAD_HMAC);
	}
	/* Past the fixed fields, what the framing lets through the MAC stops. */
	for (size_t i = 8; i < len; i++) {
		memcpy(buf, copy, len);
		buf[i] ^= 0x10;
		assert_int_equal(receive(buf, len, &key), CT_DROP_BAD_HMAC);
	}
}

static void
test_no_key_signs_nothing_and_verifies_nothing(void **state)
{
	struct ct_auth_key key = test_key('k'), none = { .len = 0 };
	uint8_t buf[CT_WIRE_MAX_BYTES];
	size_t len = signed_one(buf, &key);

	(void)state;
	assert_int_equal(ct_auth_sign(&none, buf, len), -EINVAL);
	assert_int_equal(ct_auth_verify(&none, buf, len), CT_DROP_BAD_HMAC);
	assert_int_equal(ct_auth_sign(&key, buf, CT_WIRE_HMAC_BYTES - 1),
	    -EINVAL);
}

/* A holder of the key can sign a bad body: decoding refuses it after. */
static void
test_a_signed_bad_entry_is_a_bad_entry(void **state)
{
	struct ct_auth_key key = test_key('k');
	uint8_t buf[CT_WIRE_MAX_BYTES];
	size_t len = signed_one(buf, &key);

	(void)state;
	buf[CT_WIRE_HEADER_BYTES + 1] = 99;           /* family */
	assert_int_equal(receive(buf, len, &key), CT_DROP_BAD_HMAC);
	assert_int_equal(ct_auth_sign(&key, buf, len), 0);
	assert_int_equal(receive(buf, len, &key), CT_DROP_BAD_ENTRY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_trailer_is_hmac_sha256_of_header_and_body),
		cmocka_unit_test(test_another_key_or_any_flipped_bit_is_a_bad_hmac),
		cmocka_unit_test(test_no_key_signs_nothing_and_verifies_nothing),
		cmocka_unit_test(test_a_signed_bad_entry_is_a_bad_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
