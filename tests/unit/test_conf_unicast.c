/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv6 instances and unicast peers in the config: what loads, and every
 * refusal with its FILE:LINE message (lib/conf/conf_vrrp.c, lib/conf/conf_unicast.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;         /* large: not on the stack */

/* One instance with `extra` settings on line 3 and `addrs` on line 4. */
static void
instance_text(char *buf, size_t len, const char *extra, const char *addrs)
{
	snprintf(buf, len,
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    %s\n"
	    "    addresses = %s;\n"
	    "  }\n"
	    ");\n", extra, addrs);
}

static struct conf *
load_ok(const char *extra, const char *addrs)
{
	char text[4096];
	struct conf *c = NULL;

	instance_text(text, sizeof(text), extra, addrs);
	if (conf_load_string(text, "t.conf", &c, &errs) != 0) {
		print_message("config:\n%s", text);
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	}
	assert_non_null(c);
	assert_int_equal(errs.count, 0);
	return c;
}

/* Exactly one error, and it is want. */
static void
expect_error(const char *extra, const char *addrs, const char *want)
{
	char text[4096];
	struct conf *c = (struct conf *)1;

	instance_text(text, sizeof(text), extra, addrs);
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), -EINVAL);
	assert_null(c);
	if (errs.count != 1 || strcmp(errs.msg[0], want) != 0) {
		print_message("config:\n%s", text);
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	}
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

static struct addr
addr(const char *text)
{
	struct addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	return a;
}

static void
assert_addr(const struct addr *got, const char *want)
{
	struct addr w = addr(want);

	assert_int_equal(got->family, w.family);
	assert_int_equal(addr_cmp(got, &w), 0);
}

static void
test_ipv6_instance_loads_with_its_family(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("", "( \"2001:db8::10\", \"2001:db8::11/64\" )");
	assert_int_equal(c->instances[0].family, AF_INET6);
	assert_int_equal(c->instances[0].version, 3);
	assert_int_equal(c->instances[0].nvips, 2);
	assert_addr(&c->instances[0].vips[0].addr, "2001:db8::10");
	assert_int_equal(c->instances[0].vips[0].prefix_len, 128);
	assert_int_equal(c->instances[0].vips[1].prefix_len, 64);
	assert_int_equal(c->instances[0].npeers, 0);
	conf_free(c);

	c = load_ok("", "( \"192.0.2.10/24\" )");
	assert_int_equal(c->instances[0].family, AF_INET);
	conf_free(c);
}

static void
test_ipv6_needs_version_3(void **state)
{
	(void)state;
	expect_error("version = 2; advert_interval_ms = 1000;",
	    "( \"2001:db8::10/64\" )",
	    "t.conf:4: vrrp_instances[ext].addresses[0]: '2001:db8::10/64' is "
	    "IPv6, which needs version = 3 (VRRPv2, RFC 3768, is IPv4 only)");
}

static void
test_unicast_peers_load_in_both_families(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("unicast_src = \"192.0.2.1\"; unicast_peers = ( "
	    "\"192.0.2.2\", \"192.0.2.3\" );", "( \"192.0.2.10/24\" )");
	assert_true(c->instances[0].have_unicast_src);
	assert_addr(&c->instances[0].unicast_src, "192.0.2.1");
	assert_int_equal(c->instances[0].npeers, 2);
	assert_addr(&c->instances[0].peers[0], "192.0.2.2");
	assert_addr(&c->instances[0].peers[1], "192.0.2.3");
	conf_free(c);

	/* No unicast_src: the interface's address, decided at start. */
	c = load_ok("unicast_peers = [ \"2001:db8::2\", \"fe80::2\" ];",
	    "( \"2001:db8::10/64\" )");
	assert_false(c->instances[0].have_unicast_src);
	assert_int_equal(c->instances[0].npeers, 2);
	assert_addr(&c->instances[0].peers[1], "fe80::2");
	conf_free(c);
}

static void
test_unicast_errors_name_the_key_and_its_line(void **state)
{
	static const struct {
		const char *extra, *addrs, *want;
	} cases[] = {
		{ "unicast_src = \"192.0.2.1\";", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_src: needs "
		  "unicast_peers (omit both for multicast)" },
		{ "unicast_peers = ( \"2001:db8::2\" );", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: "
		  "'2001:db8::2' is IPv6 but the instance's addresses are IPv4: "
		  "one family per instance" },
		{ "unicast_src = \"192.0.2.1\"; unicast_peers = ( \"2001:db8::2\" );",
		  "( \"2001:db8::10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_src: '192.0.2.1' is IPv4 "
		  "but the instance's addresses are IPv6: one family per "
		  "instance" },
		{ "unicast_peers = ( \"192.0.2.2/24\" );", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: "
		  "'192.0.2.2/24' is not an IPv4 or IPv6 address (no prefix "
		  "length here)" },
		{ "unicast_peers = ( 5 );", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: expected a "
		  "string (an IPv4 or IPv6 address)" },
		{ "unicast_peers = \"192.0.2.2\";", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers: expected a list "
		  "( ... ) of addresses" },
		{ "unicast_peers = ( );", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers: 0 peers, 1..32 "
		  "are allowed (omit the key for multicast)" },
		{ "unicast_peers = ( \"192.0.2.2\", \"192.0.2.2\" );",
		  "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[1]: 192.0.2.2 is "
		  "already in the list" },
		{ "unicast_src = \"192.0.2.1\"; unicast_peers = ( \"192.0.2.1\" );",
		  "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: 192.0.2.1 is "
		  "unicast_src, our own address, not a peer" },
		{ "unicast_peers = ( \"224.0.0.18\" );", "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: '224.0.0.18' "
		  "is not a unicast address" },
		{ "unicast_peers = ( \"ff02::12\" );", "( \"2001:db8::10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_peers[0]: 'ff02::12' "
		  "is not a unicast address" },
		{ "unicast_src = \"::\"; unicast_peers = ( \"fe80::2\" );",
		  "( \"2001:db8::10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_src: '::' is not a "
		  "unicast address" },
		{ "unicast_src = 7; unicast_peers = ( \"192.0.2.2\" );",
		  "( \"192.0.2.10\" )",
		  "t.conf:3: vrrp_instances[ext].unicast_src: expected a string "
		  "(an IPv4 or IPv6 address)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].extra, cases[i].addrs, cases[i].want);
}

static void
test_too_many_peers_are_refused(void **state)
{
	char extra[2048] = "unicast_peers = ( ";
	size_t n = strlen(extra);

	(void)state;
	for (int i = 0; i < CONF_MAX_PEERS + 1; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"10.9.0.%d\"",
		    i ? ", " : "", i + 1);
	snprintf(extra + n, sizeof(extra) - n, " );");
	expect_error(extra, "( \"192.0.2.10\" )",
	    "t.conf:3: vrrp_instances[ext].unicast_peers: 33 peers, 1..32 are "
	    "allowed (omit the key for multicast)");
}

/* RFC 5798 5.2.3: VRID 51 for IPv4 and VRID 51 for IPv6 are two routers. */
static void
test_vrid_is_unique_per_family(void **state)
{
	static const char two[] =
	    "vrrp_instances = (\n"
	    "  { name = \"v4\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10\" ); },\n"
	    "  { name = \"v6\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( %s ); }\n"
	    ");\n";
	char text[1024];
	struct conf *c = NULL;

	(void)state;
	snprintf(text, sizeof(text), two, "\"2001:db8::10\"");
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), 0);
	assert_int_equal(c->ninstances, 2);
	conf_free(c);
	c = (struct conf *)1;
	snprintf(text, sizeof(text), two, "\"192.0.2.11\"");
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "t.conf:4: vrrp_instances[v6].vrid: 51 "
	    "on eth0 is already used by vrrp_instances[v4] (line 2)");
}

/* A reload that changes peers or the source restarts the instance. */
static void
test_unicast_settings_are_part_of_equality(void **state)
{
	struct conf *a, *b;

	(void)state;
	a = load_ok("unicast_peers = ( \"192.0.2.2\" );", "( \"192.0.2.10\" )");
	b = load_ok("unicast_peers = ( \"192.0.2.2\" );", "( \"192.0.2.10\" )");
	assert_true(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	b = load_ok("unicast_peers = ( \"192.0.2.3\" );", "( \"192.0.2.10\" )");
	assert_false(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	b = load_ok("unicast_src = \"192.0.2.1\"; unicast_peers = ( "
	    "\"192.0.2.2\" );", "( \"192.0.2.10\" )");
	assert_false(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	b = load_ok("", "( \"192.0.2.10\" )");
	assert_false(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	conf_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_instance_loads_with_its_family),
		cmocka_unit_test(test_ipv6_needs_version_3),
		cmocka_unit_test(test_unicast_peers_load_in_both_families),
		cmocka_unit_test(test_unicast_errors_name_the_key_and_its_line),
		cmocka_unit_test(test_too_many_peers_are_refused),
		cmocka_unit_test(test_vrid_is_unique_per_family),
		cmocka_unit_test(test_unicast_settings_are_part_of_equality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
