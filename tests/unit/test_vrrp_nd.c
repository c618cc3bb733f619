/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The neighbour solicitation of master_down_bfd's IPv6 probe and the
 * checks on its answer (RFC 4861 4.3, 4.4, 7.1.2; RFC 4291 2.7.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_nd.h"

static const struct addr master = { AF_INET6, { 0xfe, 0x80, [8] = 0x02,
    [11] = 0xff, [12] = 0xfe, [13] = 0x12, [14] = 0x34, [15] = 0x56 } };

static void
test_ns_asks_for_the_target_with_our_link_layer_address(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };
	uint8_t ns[VRRP_ND_NS_LEN];

	(void)state;
	vrrp_nd_build_ns(mac, &master, ns);
	assert_int_equal(ns[0], 135);           /* Neighbor Solicitation */
	assert_int_equal(ns[1], 0);
	assert_int_equal(ns[2] | ns[3], 0);     /* the kernel sums it */
	assert_int_equal(ns[4] | ns[5] | ns[6] | ns[7], 0);
	assert_memory_equal(ns + 8, master.bytes, 16);
	assert_int_equal(ns[24], 1);            /* source link-layer address */
	assert_int_equal(ns[25], 1);            /* 8 bytes */
	assert_memory_equal(ns + 26, mac, 6);
}

static void
test_solicited_node_group_keeps_the_low_24_bits(void **state)
{
	static const uint8_t want[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x12,
	    0x34, 0x56 };
	struct addr g;

	(void)state;
	vrrp_nd_solicited_node(&master, &g);
	assert_int_equal(g.family, AF_INET6);
	assert_memory_equal(g.bytes, want, 16);
}

static void
na(uint8_t out[VRRP_ND_NA_MIN_LEN], const struct addr *target)
{
	memset(out, 0, VRRP_ND_NA_MIN_LEN);
	out[0] = 136;
	out[4] = 0x60;                          /* Solicited, Override */
	memcpy(out + 8, target->bytes, 16);
}

static void
test_an_na_from_the_link_gives_its_target(void **state)
{
	uint8_t p[VRRP_ND_NA_MIN_LEN];
	struct addr t;

	(void)state;
	na(p, &master);
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p), 255, &t), VRRP_ND_NA);
	assert_int_equal(t.family, AF_INET6);
	assert_memory_equal(t.bytes, master.bytes, 16);
}

static void
test_anything_else_is_no_answer(void **state)
{
	uint8_t p[VRRP_ND_NA_MIN_LEN];
	struct addr t;

	(void)state;
	na(p, &master);
	/* Routed to us: RFC 4861 7.1.2 says drop. */
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p), 254, &t),
	    VRRP_ND_HOPLIMIT);
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p), -1, &t),
	    VRRP_ND_HOPLIMIT);
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p) - 1, 255, &t),
	    VRRP_ND_SHORT);
	p[1] = 1;
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p), 255, &t),
	    VRRP_ND_NOT_NA);
	p[1] = 0;
	p[0] = 135;                             /* a solicitation */
	assert_int_equal(vrrp_nd_parse_na(p, sizeof(p), 255, &t),
	    VRRP_ND_NOT_NA);
	assert_int_equal(vrrp_nd_parse_na(p, 0, 255, &t), VRRP_ND_NOT_NA);
}

/* What the DR hazard watch (lib/lb/lb_arp.c) reads: who claims the VIP. */
static void
test_an_na_names_its_target_link_layer_address(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0xbe, 0x01 };
	uint8_t p[VRRP_ND_NA_MIN_LEN + 16], got[6];

	(void)state;
	memset(p, 0, sizeof(p));
	na(p, &master);
	/* A nonce-like unknown option (type 14) first, then the TLLA. */
	p[24] = 14;
	p[25] = 1;
	p[32] = 2;
	p[33] = 1;
	memcpy(p + 34, mac, 6);
	assert_true(vrrp_nd_na_lladdr(p, sizeof(p), got));
	assert_memory_equal(got, mac, 6);
	/* Cut short, no option at all, or a zero length: none. */
	assert_false(vrrp_nd_na_lladdr(p, sizeof(p) - 1, got));
	assert_false(vrrp_nd_na_lladdr(p, VRRP_ND_NA_MIN_LEN, got));
	p[25] = 0;
	assert_false(vrrp_nd_na_lladdr(p, sizeof(p), got));
	/* A source link-layer address option is no answer for the target. */
	p[25] = 1;
	p[32] = 1;
	assert_false(vrrp_nd_na_lladdr(p, sizeof(p), got));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_asks_for_the_target_with_our_link_layer_address),
		cmocka_unit_test(test_solicited_node_group_keeps_the_low_24_bits),
		cmocka_unit_test(test_an_na_from_the_link_gives_its_target),
		cmocka_unit_test(test_anything_else_is_no_answer),
		cmocka_unit_test(test_an_na_names_its_target_link_layer_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
