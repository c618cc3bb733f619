/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt_ip: the AH check on its own (vrrp_pkt_ah_verify), on datagrams
 * built by vrrp_pkt_build_ipv4 and parsed back by vrrp_pkt_parse_ipv4. The
 * captured keepalived vectors in test_vrrp_auth.c cover the same code
 * through vrrp_pkt_decode; here each refusal is pinned to its cause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_pkt_ip.h"

#define V4(a, b, c, d) \
	((struct addr){ .family = AF_INET, .bytes = { a, b, c, d } })
#define ICV_OFFSET (20 + 12)   /* IP header, then AH's next..seq */

static const struct vrrp_auth auth_ah = { .type = VRRP_AUTH_AH,
	.key = "ah-key1" };

struct built {
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	size_t len;
	struct vrrp_pkt_meta meta;
};

/* A v2 AH advert from 192.0.2.1 with sequence number 77, parsed back. */
static void
build(struct built *b)
{
	struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
	struct vrrp_advert adv = { .version = 2, .vrid = 51, .priority = 100,
		.max_adver_int_cs = 100, .ah_seq = 77, .naddrs = 1,
		.addrs = { V4(192, 0, 2, 100) } };
	const uint8_t *payload;
	size_t plen;
	int n = vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 4242, b->pkt,
	    sizeof(b->pkt));

	assert_true(n > 0);
	b->len = (size_t)n;
	assert_int_equal(vrrp_pkt_parse_ipv4(b->pkt, b->len, &b->meta,
	    &payload, &plen), VRRP_DROP_NONE);
	assert_int_equal(b->meta.protocol, VRRP_IPPROTO_AH);
}

static void
test_ah_verify_accepts_its_own_datagram_and_reports_the_sequence(void **state)
{
	struct built b;
	uint32_t seq = 0;

	(void)state;
	build(&b);
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &auth_ah, &seq),
	    VRRP_DROP_NONE);
	assert_int_equal(seq, 77);
}

static void
test_ah_verify_refuses_another_key(void **state)
{
	static const struct vrrp_auth other = { .type = VRRP_AUTH_AH,
		.key = "ah-key2" };
	struct built b;
	uint32_t seq = 0;

	(void)state;
	build(&b);
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &other, &seq),
	    VRRP_DROP_AUTH);
}

static void
test_ah_verify_refuses_a_changed_icv(void **state)
{
	struct built b;
	uint32_t seq = 0;

	(void)state;
	build(&b);
	b.pkt[ICV_OFFSET + 11] ^= 0x01;
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &auth_ah, &seq),
	    VRRP_DROP_AUTH);
}

/* The ICV is intact; only the SPI no longer names the sender. */
static void
test_ah_verify_wants_the_spi_to_be_the_source(void **state)
{
	struct built b;
	uint32_t seq = 0;

	(void)state;
	build(&b);
	b.meta.src = V4(192, 0, 2, 2);
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &auth_ah, &seq),
	    VRRP_DROP_AUTH);
}

static void
test_ah_verify_without_an_ipv4_datagram_is_an_auth_type_drop(void **state)
{
	struct built b;
	uint32_t seq = 0;

	(void)state;
	build(&b);
	b.meta.ip_len = 19;
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &auth_ah, &seq),
	    VRRP_DROP_AUTH_TYPE);
	b.meta.ip_pkt = NULL;
	b.meta.ip_len = b.len;
	assert_int_equal(vrrp_pkt_ah_verify(&b.meta, &auth_ah, &seq),
	    VRRP_DROP_AUTH_TYPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ah_verify_accepts_its_own_datagram_and_reports_the_sequence),
		cmocka_unit_test(test_ah_verify_refuses_another_key),
		cmocka_unit_test(test_ah_verify_refuses_a_changed_icv),
		cmocka_unit_test(test_ah_verify_wants_the_spi_to_be_the_source),
		cmocka_unit_test(test_ah_verify_without_an_ipv4_datagram_is_an_auth_type_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
