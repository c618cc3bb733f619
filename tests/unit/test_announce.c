/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Gratuitous ARP frame layout (RFC 826 fields, RFC 5227 announcement form)
 * and the unsolicited Neighbour Advertisement (RFC 4861 4.4, 7.2.6).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/announce.h"

static void
test_garp_is_an_arp_announcement_for_the_vip(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
	static const uint8_t expected[ANNOUNCE_ARP_LEN] = {
		0x00, 0x01,                   /* hardware: Ethernet */
		0x08, 0x00,                   /* protocol: IPv4 */
		6, 4,                         /* address lengths */
		0x00, 0x01,                   /* request */
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, /* sender MAC */
		192, 0, 2, 100,               /* sender IP = VIP */
		0, 0, 0, 0, 0, 0,             /* target MAC: unknown */
		192, 0, 2, 100,               /* target IP = VIP */
	};
	struct addr vip = { .family = AF_INET, .bytes = { 192, 0, 2, 100 } };
	uint8_t frame[ANNOUNCE_ARP_LEN];

	(void)state;
	memset(frame, 0xaa, sizeof(frame));
	announce_build_garp(mac, &vip, frame);
	assert_memory_equal(frame, expected, sizeof(expected));
}

/* Bytes from scapy: IPv6(src fe80::1, dst ff02::1, hlim 255) / NA(O=1) / TLLA. */
static void
test_na_is_an_unsolicited_override_advertisement(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
	static const uint8_t expected[ANNOUNCE_NA_LEN] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6, class 0, flow 0 */
		0x00, 0x20, 58, 255,          /* 32 bytes of ICMPv6, hop limit 255 */
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		136, 0, 0xaa, 0x14,           /* Neighbor Advertisement, checksum */
		0x20, 0, 0, 0,                /* R=0 S=0 O=1 */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		2, 1,                         /* target link-layer address, 8 bytes */
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30,
	};
	struct addr src, vip;
	uint8_t pkt[ANNOUNCE_NA_LEN];

	(void)state;
	assert_int_equal(addr_parse("fe80::1", &src), 0);
	assert_int_equal(addr_parse("2001:db8::10", &vip), 0);
	memset(pkt, 0xaa, sizeof(pkt));
	announce_build_na(mac, &src, &vip, pkt);
	assert_memory_equal(pkt, expected, sizeof(expected));
}

/* An IPv4 address is never announced by NA, nor an IPv6 one by ARP. */
static void
test_announce_refuses_the_wrong_family(void **state)
{
	static const uint8_t mac[6];
	struct addr v4 = { .family = AF_INET, .bytes = { 192, 0, 2, 1 } };
	struct addr v6;

	(void)state;
	assert_int_equal(addr_parse("2001:db8::10", &v6), 0);
	assert_int_equal(announce_send_na(-1, 1, mac, &v4, &v4), -EAFNOSUPPORT);
	assert_int_equal(announce_send_garp(-1, 1, mac, &v6), -EAFNOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garp_is_an_arp_announcement_for_the_vip),
		cmocka_unit_test(test_na_is_an_unsolicited_override_advertisement),
		cmocka_unit_test(test_announce_refuses_the_wrong_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
