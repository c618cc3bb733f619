/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_icmp: the echo request's checksum, its reply with and without an
 * IPv4 header, someone else's reply, and an unreachable quoting ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lb/check_icmp.h"

static void
test_echo_request_and_reply(void **state)
{
	uint8_t b[CHECK_ICMP_ECHO_LEN], ip[20 + CHECK_ICMP_ECHO_LEN] = { 0x45 };
	uint32_t sum = 0;

	(void)state;
	check_icmp_echo(b, false, 0x1234, 7, 0x0102030405060708ull);
	assert_int_equal(b[0], 8);
	for (size_t i = 0; i < sizeof(b); i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	b[0] = 0;
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, true,
	    0x1234, 7, 0x0102030405060708ull), CHECK_ICMP_REPLY);
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, true,
	    0x1234, 8, 0x0102030405060708ull), CHECK_ICMP_OTHER);
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, true,
	    0x1235, 7, 0x0102030405060708ull), CHECK_ICMP_OTHER);
	/* A ping socket: the kernel chose the id. */
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, false,
	    0x9999, 7, 0x0102030405060708ull), CHECK_ICMP_REPLY);
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, false,
	    0x9999, 7, 0x0102030405060709ull), CHECK_ICMP_OTHER);
	memcpy(ip + 20, b, sizeof(b));
	assert_int_equal(check_icmp_judge(ip, sizeof(ip), false, true, true,
	    0x1234, 7, 0x0102030405060708ull), CHECK_ICMP_REPLY);
	/* Our own request seen on a raw socket is not a reply. */
	b[0] = 8;
	assert_int_equal(check_icmp_judge(b, sizeof(b), false, false, true,
	    0x1234, 7, 0x0102030405060708ull), CHECK_ICMP_OTHER);
	check_icmp_echo(b, true, 1, 2, 3);
	assert_int_equal(b[0], 128);
	b[0] = 129;
	assert_int_equal(check_icmp_judge(b, sizeof(b), true, false, true, 1,
	    2, 3), CHECK_ICMP_REPLY);
}

static void
test_unreachable_quoting_our_request(void **state)
{
	uint8_t m[8 + 20 + 8] = { 3, 1 }, echo[CHECK_ICMP_ECHO_LEN];

	(void)state;
	m[8] = 0x45;
	/* RFC 792: the unreachable quotes only the request's first 8 bytes. */
	check_icmp_echo(echo, false, 5, 6, 0);
	memcpy(m + 28, echo, 8);
	assert_int_equal(check_icmp_judge(m, sizeof(m), false, false, true, 5,
	    6, 0), CHECK_ICMP_UNREACH);
	assert_int_equal(check_icmp_judge(m, sizeof(m), false, false, true, 5,
	    9, 0), CHECK_ICMP_OTHER);
	assert_int_equal(check_icmp_judge(m, 20, false, false, true, 5, 6, 0),
	    CHECK_ICMP_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_request_and_reply),
		cmocka_unit_test(test_unreachable_quoting_our_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
