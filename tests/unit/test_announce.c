/* Gratuitous ARP frame layout (RFC 826 fields, RFC 5227 announcement form). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "announce.h"

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
	struct vrrp_addr vip = { .family = AF_INET, .bytes = { 192, 0, 2, 100 } };
	uint8_t frame[ANNOUNCE_ARP_LEN];

	(void)state;
	memset(frame, 0xaa, sizeof(frame));
	announce_build_garp(mac, &vip, frame);
	assert_memory_equal(frame, expected, sizeof(expected));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garp_is_an_arp_announcement_for_the_vip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
