/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer_filter: global.peer_filter in the config (every error with its
 * line), and the nft batch built from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "vrrp/peer_filter.h"

#define INSTANCE \
	"vrrp_instances = ( { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n" \
	"  addresses = ( \"192.0.2.100/24\" ); } );\n"

static struct conf_errors errs;

static struct conf *
load(const char *global_body, int want_rc)
{
	char text[2048];
	struct conf *c = NULL;

	snprintf(text, sizeof(text), "global = {\n%s\n};\n" INSTANCE, global_body);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), want_rc);
	return c;
}

static void
test_conf_accepts_both_families(void **state)
{
	struct conf *c;
	char text[INET6_ADDRSTRLEN];

	(void)state;
	c = load("peer_filter = ( \"192.0.2.1\", \"fe80::2\", \"192.0.2.2\" );", 0);
	assert_int_equal(c->global.npeer_filter, 3);
	assert_string_equal(addr_str(&c->global.peer_filter[1], text,
	    sizeof(text)), "fe80::2");
	conf_free(c);
	c = load("router_id = \"a\";", 0);
	assert_int_equal(c->global.npeer_filter, 0);
	conf_free(c);
}

static void
test_conf_refuses_bad_lists_with_their_line(void **state)
{
	static const struct {
		const char *body, *error;
	} rows[] = {
		{ "peer_filter = \"192.0.2.1\";",
		  "t.conf:2: global.peer_filter: expected a list ( ... ) of addresses" },
		{ "peer_filter = ( );",
		  "t.conf:2: global.peer_filter: 0 addresses, 1..32 are allowed "
		  "(omit the key for no filter)" },
		{ "\npeer_filter = ( \"192.0.2.1/24\" );",
		  "t.conf:3: global.peer_filter[0]: '192.0.2.1/24' is not an IPv4 "
		  "or IPv6 address (no prefix length here)" },
		{ "peer_filter = ( \"192.0.2.1\", 7 );",
		  "t.conf:2: global.peer_filter[1]: expected a string (an IPv4 or "
		  "IPv6 address)" },
		{ "peer_filter = ( \"224.0.0.18\" );",
		  "t.conf:2: global.peer_filter[0]: '224.0.0.18' is not a unicast "
		  "address" },
		{ "peer_filter = ( \"192.0.2.1\", \"192.0.2.1\" );",
		  "t.conf:2: global.peer_filter[1]: '192.0.2.1' is already in the "
		  "list" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_null(load(rows[i].body, -EINVAL));
		if (errs.count != 1 || strcmp(errs.msg[0], rows[i].error) != 0)
			fail_msg("%s: got %zu errors, first '%s'", rows[i].body,
			    errs.count, errs.stored ? errs.msg[0] : "");
	}
}

static void
test_conf_refuses_more_than_the_maximum(void **state)
{
	char body[1600];
	size_t used = 0;

	(void)state;
	used += (size_t)snprintf(body, sizeof(body), "peer_filter = ( ");
	for (int i = 0; i <= CONF_PEER_FILTER_MAX; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used,
		    "%s\"10.0.0.%d\"", i ? ", " : "", i + 1);
	snprintf(body + used, sizeof(body) - used, " );");
	assert_null(load(body, -EINVAL));
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msg[0], "33 addresses, 1..32 are allowed"));
}

static void
addr(const char *text, struct addr *out)
{
	assert_int_equal(addr_parse(text, out), 0);
}

static void
test_batch_drops_vrrp_and_ah_from_others(void **state)
{
	struct addr peers[2];
	char buf[PEER_FILTER_BATCH_MAX];
	int n;

	(void)state;
	addr("192.0.2.1", &peers[0]);
	addr("192.0.2.2", &peers[1]);
	n = peer_filter_build(peers, 2, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "add chain inet vipd peer_input { type filter "
	    "hook input priority -200; policy accept; }\n"));
	assert_non_null(strstr(buf, "flush chain inet vipd peer_input\n"));
	assert_non_null(strstr(buf, "add element inet vipd peer_v4 { 192.0.2.1, "
	    "192.0.2.2 }\n"));
	/* No IPv6 peer: the v6 set stays empty, so no v6 VRRP gets in. */
	assert_null(strstr(buf, "add element inet vipd peer_v6"));
	assert_non_null(strstr(buf, "flush set inet vipd peer_v6\n"));
	assert_non_null(strstr(buf, "meta nfproto ipv4 meta l4proto { 51, 112 } "
	    "ip saddr != @peer_v4 counter drop\n"));
	assert_non_null(strstr(buf, "meta nfproto ipv6 meta l4proto { 51, 112 } "
	    "ip6 saddr != @peer_v6 counter drop\n"));
	assert_null(strstr(buf, "delete"));
}

static void
test_batch_with_no_peers_removes_the_filter(void **state)
{
	char buf[PEER_FILTER_BATCH_MAX];

	(void)state;
	assert_true(peer_filter_build(NULL, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "delete chain inet vipd peer_input\n"));
	assert_non_null(strstr(buf, "delete set inet vipd peer_v4\n"));
	assert_non_null(strstr(buf, "delete set inet vipd peer_v6\n"));
	assert_null(strstr(buf, "add rule"));
}

static void
test_batch_mixed_families_and_a_small_buffer(void **state)
{
	struct addr peers[3];
	char buf[PEER_FILTER_BATCH_MAX], tiny[64];

	(void)state;
	addr("fe80::1", &peers[0]);
	addr("192.0.2.9", &peers[1]);
	addr("fe80::2", &peers[2]);
	assert_true(peer_filter_build(peers, 3, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "add element inet vipd peer_v6 { fe80::1, "
	    "fe80::2 }\n"));
	assert_non_null(strstr(buf, "add element inet vipd peer_v4 { 192.0.2.9 }\n"));
	assert_int_equal(peer_filter_build(peers, 3, tiny, sizeof(tiny)), -ENOSPC);
	assert_int_equal(peer_filter_build(peers, 3, tiny, 0), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_accepts_both_families),
		cmocka_unit_test(test_conf_refuses_bad_lists_with_their_line),
		cmocka_unit_test(test_conf_refuses_more_than_the_maximum),
		cmocka_unit_test(test_batch_drops_vrrp_and_ah_from_others),
		cmocka_unit_test(test_batch_with_no_peers_removes_the_filter),
		cmocka_unit_test(test_batch_mixed_families_and_a_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
