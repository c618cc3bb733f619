/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_nft: the counter names it writes are the ones it reads back, from
 * names alone and from `nft list counters` text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lb/lb_nft.h"

static void
test_counter_names_round_trip_for_every_kind_of_service_name(void **state)
{
	static const char *const names[] = { "web", "web-1", "a_b", "a.b_",
	    "x__", "_", "0" };
	static const size_t backends[] = { 0, 1, 9, 10, 63 };
	char id[LB_NFT_ID_MAX], got[LB_NFT_ID_MAX], name[LB_NFT_COUNTER_MAX];
	enum lb_nft_counter kind;
	size_t b;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		lb_nft_id(names[i], id, sizeof(id));
		for (size_t k = 0; k < sizeof(backends) / sizeof(backends[0]); k++)
			for (int c = 0; c < 2; c++) {
				lb_nft_counter_name((enum lb_nft_counter)c, id,
				    backends[k], name, sizeof(name));
				assert_true(lb_nft_counter_parse(name, &kind, got,
				    sizeof(got), &b));
				assert_int_equal(kind, c);
				assert_string_equal(got, id);
				assert_int_equal(b, backends[k]);
			}
	}
	lb_nft_counter_name(LB_NFT_COUNTER_CONNS, "web_d1", 2, name, sizeof(name));
	assert_string_equal(name, "lb_n_web_d1_2");
	lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, "web_d1", 2, name, sizeof(name));
	assert_string_equal(name, "lb_c_web_d1_2");
}

static void
test_names_it_never_writes_do_not_parse(void **state)
{
	static const char *const bad[] = { "lb_x_web_0", "lb_n_web", "lb_n__0",
	    "lb_n_web_", "lb_n_web_01", "lb_n_web_1a", "lb_n_web_-1", "vrrp_n_a_0",
	    "lb_nweb_0", "lb_s_web", "" };
	char id[LB_NFT_ID_MAX];
	enum lb_nft_counter kind;
	size_t b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(lb_nft_counter_parse(bad[i], &kind, id, sizeof(id), &b));
	/* An id longer than the caller's buffer is refused, not cut. */
	assert_false(lb_nft_counter_parse("lb_n_abcdefgh_0", &kind, id, 4, &b));
}

struct seen {
	char names[4][LB_NFT_COUNTER_MAX];
	uint64_t packets[4], bytes[4];
	size_t n;
};

static void
collect(void *arg, const char *name, uint64_t packets, uint64_t bytes)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s", name);
	s->packets[s->n] = packets;
	s->bytes[s->n++] = bytes;
}

static void
test_nft_listing_gives_each_counter_with_its_figures(void **state)
{
	char text[] =
	    "table inet vipd {\n"
	    "\tcounter lb_n_web_d1_0 {\n"
	    "\t\tpackets 3 bytes 180\n"
	    "\t}\n"
	    "\tcounter lb_c_web_d1_0 {\n"
	    "\t\tpackets 12345678901 bytes 98765432109\n"
	    "\t}\n"
	    "}\n";
	struct seen s = { 0 };

	(void)state;
	lb_nft_counters_each(text, collect, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "lb_n_web_d1_0");
	assert_int_equal(s.packets[0], 3);
	assert_string_equal(s.names[1], "lb_c_web_d1_0");
	assert_int_equal(s.packets[1], 12345678901ULL);
	assert_int_equal(s.bytes[1], 98765432109ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_names_round_trip_for_every_kind_of_service_name),
		cmocka_unit_test(test_names_it_never_writes_do_not_parse),
		cmocka_unit_test(test_nft_listing_gives_each_counter_with_its_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
