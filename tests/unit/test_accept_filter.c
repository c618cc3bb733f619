/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accept-mode filter's nft text (lib/accept_filter) and the virtual
 * router MAC (lib/vmac, RFC 5798 7.3): pure parts, no root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/accept_filter.h"
#include "vrrp/vmac.h"

/* The model allocates an instance's VIP list; tests use this one. */
static struct conf_vip vip_list[VRRP_MAX_ADDRS];

static void
add_vip(struct conf_instance *in, const char *text)
{
	in->vips = vip_list;
	assert_int_equal(addr_parse(text, &in->vips[in->nvips].addr), 0);
	in->vips[in->nvips++].prefix_len = 24;
}

static void
test_build_creates_sets_and_input_chain_in_our_table(void **state)
{
	char text[1024];
	int n;

	(void)state;
	n = accept_filter_build(text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(text));
	assert_non_null(strstr(text, "add set inet vipd accept_noaccept4 "
	    "{ type ipv4_addr; }"));
	assert_non_null(strstr(text, "add set inet vipd accept_noaccept6 "
	    "{ type ipv6_addr; }"));
	assert_non_null(strstr(text, "add chain inet vipd accept_filter { type "
	    "filter hook input priority 0; policy accept; }"));
	assert_non_null(strstr(text, "ip daddr @accept_noaccept4 counter drop"));
	assert_non_null(strstr(text, "ip6 daddr @accept_noaccept6 counter drop"));
	/* ND for an IPv6 VIP passes, and before the drop. */
	assert_true(strstr(text, "nd-neighbor-solicit") <
	    strstr(text, "ip6 daddr @accept_noaccept6 counter drop"));
	/* Every object is ours: nothing outside the accept_ prefix. */
	for (const char *p = text; (p = strstr(p, "inet vipd ")) != NULL; p++)
		assert_memory_equal(p + strlen("inet vipd "), "accept_", 7);
}

static void
test_build_refuses_a_short_buffer(void **state)
{
	char text[64];

	(void)state;
	assert_int_equal(accept_filter_build(text, sizeof(text)), -ENOSPC);
}

static void
test_elements_add_and_delete_per_family(void **state)
{
	struct conf_instance in;
	char text[ACCEPT_FILTER_BATCH_MAX];

	(void)state;
	memset(&in, 0, sizeof(in));
	add_vip(&in, "192.0.2.100");
	add_vip(&in, "192.0.2.101");
	assert_true(accept_filter_elements(&in, true, text, sizeof(text)) > 0);
	assert_string_equal(text, "add element inet vipd accept_noaccept4 "
	    "{ 192.0.2.100, 192.0.2.101 }\n");
	assert_true(accept_filter_elements(&in, false, text, sizeof(text)) > 0);
	assert_string_equal(text, "delete element inet vipd accept_noaccept4 "
	    "{ 192.0.2.100, 192.0.2.101 }\n");

	memset(&in, 0, sizeof(in));
	add_vip(&in, "2001:db8::10");
	assert_true(accept_filter_elements(&in, true, text, sizeof(text)) > 0);
	assert_string_equal(text, "add element inet vipd accept_noaccept6 "
	    "{ 2001:db8::10 }\n");
}

/* advertise = false: carried while MASTER, so filtered as the VIPs are. */
static void
test_elements_cover_excluded_addresses_of_either_family(void **state)
{
	static struct conf_vip excl[2];
	struct conf_instance in;
	char text[ACCEPT_FILTER_BATCH_MAX];

	(void)state;
	memset(&in, 0, sizeof(in));
	add_vip(&in, "192.0.2.100");
	in.excluded = excl;
	assert_int_equal(addr_parse("2001:db8::100", &excl[0].addr), 0);
	assert_int_equal(addr_parse("192.0.2.200", &excl[1].addr), 0);
	in.nexcluded = 2;
	assert_true(accept_filter_elements(&in, true, text, sizeof(text)) > 0);
	assert_string_equal(text, "add element inet vipd accept_noaccept4 "
	    "{ 192.0.2.100, 192.0.2.200 }\n"
	    "add element inet vipd accept_noaccept6 { 2001:db8::100 }\n");
	assert_true(accept_filter_elements(&in, false, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "delete element inet vipd "
	    "accept_noaccept6 { 2001:db8::100 }"));
}

static void
test_elements_of_no_vips_is_empty(void **state)
{
	struct conf_instance in;
	char text[64];

	(void)state;
	memset(&in, 0, sizeof(in));
	assert_int_equal(accept_filter_elements(&in, true, text, sizeof(text)), 0);
	assert_string_equal(text, "");
}

static void
test_elements_of_255_ipv6_vips_fit_the_batch(void **state)
{
	static struct conf_instance in;
	char text[ACCEPT_FILTER_BATCH_MAX], addr[64];

	(void)state;
	memset(&in, 0, sizeof(in));
	for (int i = 0; i < VRRP_MAX_ADDRS; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:ffff:ffff:ffff:ffff:ffff:%x",
		    0xff00 + i);
		add_vip(&in, addr);
	}
	assert_true(accept_filter_elements(&in, true, text, sizeof(text)) > 0);
	assert_int_equal(accept_filter_elements(&in, true, text, 100), -ENOSPC);
}

static void
test_vmac_is_rfc5798_virtual_router_mac(void **state)
{
	uint8_t mac[6];
	static const uint8_t v4[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33 };
	static const uint8_t v6[6] = { 0x00, 0x00, 0x5e, 0x00, 0x02, 0xff };

	(void)state;
	vmac_mac(AF_INET, 51, mac);
	assert_memory_equal(mac, v4, 6);
	vmac_mac(AF_INET6, 255, mac);
	assert_memory_equal(mac, v6, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_creates_sets_and_input_chain_in_our_table),
		cmocka_unit_test(test_build_refuses_a_short_buffer),
		cmocka_unit_test(test_elements_add_and_delete_per_family),
		cmocka_unit_test(test_elements_cover_excluded_addresses_of_either_family),
		cmocka_unit_test(test_elements_of_no_vips_is_empty),
		cmocka_unit_test(test_elements_of_255_ipv6_vips_fit_the_batch),
		cmocka_unit_test(test_vmac_is_rfc5798_virtual_router_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
