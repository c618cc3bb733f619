/* SPDX-License-Identifier: GPL-2.0-or-later */
/* digest: known answers from RFC 2202 / RFC 4231 and FIPS 180 test vectors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "os/digest.h"

static void
test_hmac_md5_rfc2202_case_2(void **state)
{
	static const uint8_t want[16] = { 0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0,
		0xb5, 0x03, 0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38 };
	uint8_t out[16];

	(void)state;
	assert_int_equal(digest_hmac(DIGEST_MD5, "Jefe", 4,
	    "what do ya want for nothing?", 28, out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_hmac_sha256_rfc4231_case_2_truncated(void **state)
{
	static const uint8_t want[12] = { 0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60,
		0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26 };
	uint8_t out[12];

	(void)state;
	assert_int_equal(digest_hmac(DIGEST_SHA256, "Jefe", 4,
	    "what do ya want for nothing?", 28, out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_sha1_of_abc(void **state)
{
	static const uint8_t want[20] = { 0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06,
		0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c,
		0x9c, 0xd0, 0xd8, 0x9d };
	uint8_t out[20];

	(void)state;
	assert_int_equal(digest_hash(DIGEST_SHA1, "abc", 3, out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(digest_len(DIGEST_SHA1), 20);
}

static void
test_longer_output_than_the_digest_is_refused(void **state)
{
	uint8_t out[DIGEST_MAX_BYTES + 1];

	(void)state;
	assert_int_equal(digest_hash(DIGEST_MD5, "x", 1, out, 17), -EINVAL);
	assert_int_equal(digest_hmac(DIGEST_SHA256, "k", 1, "x", 1, out,
	    sizeof(out)), -EINVAL);
}

static void
test_equal_compares_every_byte(void **state)
{
	(void)state;
	assert_true(digest_equal("abcd", "abcd", 4));
	assert_false(digest_equal("abcd", "abce", 4));
	assert_false(digest_equal("xbcd", "abcd", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_md5_rfc2202_case_2),
		cmocka_unit_test(test_hmac_sha256_rfc4231_case_2_truncated),
		cmocka_unit_test(test_sha1_of_abc),
		cmocka_unit_test(test_longer_output_than_the_digest_is_refused),
		cmocka_unit_test(test_equal_compares_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
