/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt_ip: the AH framing of a v2 advert as built (next header, length,
 * SPI, sequence number, an ICV left zero for vrrp_auth to sign) and as
 * parsed back (the sequence number in the meta, the advert after AH), and
 * that decode leaves the ICV to its caller. Pure: links without libcrypto;
 * the ICV itself is tested in test_vrrp_auth.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_pkt_ip.h"

#define V4(a, b, c, d) \
	((struct addr){ .family = AF_INET, .bytes = { a, b, c, d } })
#define IP_HDR 20

static const struct vrrp_auth auth_ah = { .type = VRRP_AUTH_AH,
	.key = "ah-key1" };

/* A v2 AH advert from 192.0.2.1 with sequence number 77; its length. */
static size_t
build(uint8_t *pkt, size_t cap)
{
	struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
	struct vrrp_advert adv = { .version = 2, .vrid = 51, .priority = 100,
		.max_adver_int_cs = 100, .ah_seq = 77, .naddrs = 1,
		.addrs = { V4(192, 0, 2, 100) } };
	int n = vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 4242, pkt, cap);

	assert_int_equal(n, IP_HDR + VRRP_AH_HDR_LEN + VRRP_HDR_LEN + 4 +
	    VRRP_AUTH_DATA_LEN);
	return (size_t)n;
}

/* RFC 2402 2, as keepalived frames it: SPI = source, a 96-bit ICV. */
static void
test_build_frames_ah_and_leaves_the_icv_to_the_signer(void **state)
{
	static const uint8_t zero[VRRP_AH_ICV_LEN];
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	const uint8_t *ah = pkt + IP_HDR;
	size_t len;

	(void)state;
	len = build(pkt, sizeof(pkt));
	assert_int_equal(pkt[9], VRRP_IPPROTO_AH);
	assert_int_equal(pkt[2] << 8 | pkt[3], len);
	assert_int_equal(ah[0], VRRP_IPPROTO);
	assert_int_equal(ah[1], 4);
	assert_int_equal(ah[2] | ah[3], 0);
	assert_memory_equal(ah + VRRP_AH_SPI_OFFSET, V4(192, 0, 2, 1).bytes, 4);
	assert_int_equal(ah[VRRP_AH_SEQ_OFFSET + 3], 77);
	assert_memory_equal(ah + VRRP_AH_ICV_OFFSET, zero, sizeof(zero));
	/* The IP header is complete on its own: its checksum holds. */
	assert_int_equal(vrrp_pkt_csum_fold(vrrp_pkt_csum_add(0, pkt, IP_HDR)),
	    0);
	/* Linux would renumber IP id 0 after the ICV covered it. */
	{
		struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
		struct vrrp_advert adv = { .version = 2, .vrid = 51,
			.priority = 100, .max_adver_int_cs = 100, .naddrs = 0 };

		assert_int_equal(vrrp_pkt_build_ipv4(&adv, &auth_ah, &src,
		    &dst, 0, pkt, sizeof(pkt)), -EINVAL);
	}
}

static void
test_parse_reports_the_ah_sequence_and_the_advert_after_ah(void **state)
{
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	struct vrrp_pkt_meta meta;
	const uint8_t *payload;
	size_t len, plen;

	(void)state;
	len = build(pkt, sizeof(pkt));
	pkt[IP_HDR + VRRP_AH_SEQ_OFFSET] = 0x80;
	assert_int_equal(vrrp_pkt_parse_ipv4(pkt, len, &meta, &payload, &plen),
	    VRRP_DROP_NONE);
	assert_int_equal(meta.protocol, VRRP_IPPROTO_AH);
	assert_int_equal(meta.ah_seq, 0x8000004d);
	assert_ptr_equal(meta.ip_pkt, pkt);
	assert_int_equal(meta.ip_len, len);
	assert_ptr_equal(payload, pkt + IP_HDR + VRRP_AH_HDR_LEN);
	assert_int_equal(plen, len - IP_HDR - VRRP_AH_HDR_LEN);
}

/*
 * Decode judges the framing (AH exactly when the instance uses it) and
 * reports the sequence number; whether the ICV holds is its caller's
 * question, asked first (vrrp_auth_ah_verify). Here nobody signed.
 */
static void
test_decode_leaves_the_icv_to_its_caller(void **state)
{
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;
	const uint8_t *payload;
	size_t len, plen;

	(void)state;
	len = build(pkt, sizeof(pkt));
	assert_int_equal(vrrp_pkt_parse_ipv4(pkt, len, &meta, &payload, &plen),
	    VRRP_DROP_NONE);
	assert_int_equal(vrrp_pkt_decode(payload, plen, &meta, 2, &auth_ah,
	    &adv), VRRP_DROP_NONE);
	assert_int_equal(adv.ah_seq, 77);
	assert_int_equal(adv.auth_type, VRRP_AUTH_AH);
	/* Inside AH, but the instance has none: the framing disagrees. */
	assert_int_equal(vrrp_pkt_decode(payload, plen, &meta, 2, NULL, &adv),
	    VRRP_DROP_AUTH_TYPE);
	/* Outside AH, the instance wants it: the same. */
	meta.protocol = VRRP_IPPROTO;
	assert_int_equal(vrrp_pkt_decode(payload, plen, &meta, 2, &auth_ah,
	    &adv), VRRP_DROP_AUTH_TYPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_frames_ah_and_leaves_the_icv_to_the_signer),
		cmocka_unit_test(test_parse_reports_the_ah_sequence_and_the_advert_after_ah),
		cmocka_unit_test(test_decode_leaves_the_icv_to_its_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
