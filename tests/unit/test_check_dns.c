/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_dns: the query's bytes, and each way an answer is good or bad.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lb/check_dns.h"

static void
test_query_encodes_labels_type_and_class(void **state)
{
	static const uint8_t want[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0,
		0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0, 0, 28, 0, 1 };
	uint8_t buf[CHECK_DNS_QUERY_MAX];

	(void)state;
	assert_int_equal(check_dns_query(buf, sizeof(buf), 0x1234,
	    "www.example.", 28), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(check_dns_query(buf, sizeof(buf), 1, ".", 6), 17);
	assert_int_equal(buf[12], 0);
	assert_int_equal(check_dns_query(buf, sizeof(buf), 1, "a..b", 1),
	    -EINVAL);
	assert_int_equal(check_dns_query(buf, sizeof(buf), 1,
	    "0123456789012345678901234567890123456789012345678901234567890123.x",
	    1), -EINVAL);
}

/* An answer to the query for www.example A with one record. */
static size_t
answer(uint8_t *m, uint16_t id, unsigned rcode, const uint8_t *a4)
{
	uint8_t q[CHECK_DNS_QUERY_MAX];
	int n = check_dns_query(q, sizeof(q), id, "www.example", 1);
	size_t o = (size_t)n;

	memcpy(m, q, o);
	m[2] = 0x81;
	m[3] = (uint8_t)(0x80 | rcode);
	m[7] = a4 != NULL;
	if (a4 != NULL) {
		static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60,
			0, 4 };

		memcpy(m + o, rr, sizeof(rr));
		memcpy(m + o + sizeof(rr), a4, 4);
		o += sizeof(rr) + 4;
	}
	return o;
}

static void
test_answer_rcode_id_and_expected_address(void **state)
{
	static const uint8_t a[4] = { 10, 1, 0, 11 }, b[4] = { 10, 1, 0, 12 };
	struct addr want = { .family = AF_INET, .bytes = { 10, 1, 0, 11 } };
	uint8_t m[512];
	char why[128];
	size_t n;

	(void)state;
	n = answer(m, 7, 0, a);
	assert_int_equal(check_dns_answer(m, n, 7, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_OK);
	assert_int_equal(check_dns_answer(m, n, 7, 1, &want, why,
	    sizeof(why)), CHECK_DNS_OK);
	assert_int_equal(check_dns_answer(m, n, 8, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_NOT_OURS);
	n = answer(m, 7, 0, b);
	assert_int_equal(check_dns_answer(m, n, 7, 1, &want, why,
	    sizeof(why)), CHECK_DNS_FAIL);
	assert_non_null(strstr(why, "expected address"));
	n = answer(m, 7, 3, NULL);
	assert_int_equal(check_dns_answer(m, n, 7, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_FAIL);
	assert_string_equal(why, "dns: NXDOMAIN");
	n = answer(m, 7, 2, NULL);
	assert_int_equal(check_dns_answer(m, n, 7, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_FAIL);
	assert_string_equal(why, "dns: SERVFAIL");
	/* A query (QR clear) is not an answer. */
	n = answer(m, 7, 0, a);
	m[2] = 0x01;
	assert_int_equal(check_dns_answer(m, n, 7, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_NOT_OURS);
}

static void
test_truncated_and_looping_answers_fail_cleanly(void **state)
{
	static const uint8_t a[4] = { 10, 1, 0, 11 };
	struct addr want = { .family = AF_INET, .bytes = { 10, 1, 0, 11 } };
	uint8_t m[512];
	char why[128];
	size_t n = answer(m, 7, 0, a);

	(void)state;
	for (size_t cut = 12; cut < n; cut++)
		assert_int_equal(check_dns_answer(m, cut, 7, 1, &want, why,
		    sizeof(why)), CHECK_DNS_FAIL);
	/* A label that runs past the end. */
	m[12] = 63;
	assert_int_equal(check_dns_answer(m, n, 7, 1, NULL, why, sizeof(why)),
	    CHECK_DNS_FAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_encodes_labels_type_and_class),
		cmocka_unit_test(test_answer_rcode_id_and_expected_address),
		cmocka_unit_test(test_truncated_and_looping_answers_fail_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
