/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routes, rules, address groups and static_* (lib/conf/conf_route.c,
 * conf_route_model.c, conf_vrrp.c), and the RFC 5798 7.1 address-list
 * comparison (vrrp_pkt_same_addrs): values, defaults, errors with
 * FILE:LINE.
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

#include "conf/conf.h"
#include "conf/conf_route.h"
#include "vrrp/vrrp_pkt.h"

static struct conf_errors errs;

static struct conf *
load(const char *text, int want_rc)
{
	struct conf *c = NULL;
	int rc = conf_load_string(text, "t.conf", &c, &errs);

	if (rc != want_rc)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, want_rc);
	return c;
}

#define INST(extra, addrs)                                                   \
	"vrrp_instances = (\n"                                               \
	"  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"             \
	"    addresses = " addrs ";\n"                                       \
	"    " extra "\n"                                                    \
	"  }\n"                                                              \
	");\n"

static void
expect_error(const char *text, const char *want)
{
	struct conf *c = load(text, -EINVAL);

	assert_null(c);
	for (size_t i = 0; i < errs.stored; i++)
		if (strcmp(errs.msg[i], want) == 0)
			return;
	for (size_t i = 0; i < errs.stored; i++)
		print_message("  got: %s\n", errs.msg[i]);
	print_message("  wanted: %s\n", want);
	fail();
}

static void
test_routes_rules_and_groups_are_read(void **state)
{
	char buf[160];
	struct conf *c;
	const struct conf_instance *in;

	(void)state;
	c = load(INST("virtual_routes = (\n"
	    "      { destination = \"198.51.100.0/24\"; via = \"192.0.2.254\";\n"
	    "        dev = \"eth1\"; src = \"192.0.2.10\"; table = 100;\n"
	    "        metric = 10; scope = \"link\"; },\n"
	    "      { destination = \"203.0.113.0/24\"; type = \"blackhole\"; },\n"
	    "      { destination = \"default\"; via = \"2001:db8::1\"; } );\n"
	    "    virtual_rules = (\n"
	    "      { from = \"192.0.2.10/32\"; fwmark = \"0x10/0xff\"; table = 100;\n"
	    "        priority = 1000; iif = \"eth1\"; },\n"
	    "      { fwmark = 7; table = 200; } );\n"
	    "    check_advert_addresses = false;\n"
	    "    notify_master_rx_lower_pri = \"/etc/vipd/rx.sh\";",
	    "( \"192.0.2.10/24\",\n"
	    "      { address = \"10.0.0.10/24\"; dev = \"eth1\"; label = \"eth1:v\";\n"
	    "        scope = \"site\"; broadcast = \"10.0.0.255\"; },\n"
	    "      { address = \"2001:db8::10/64\"; advertise = false; } )"), 0);
	in = &c->instances[0];
	assert_int_equal(in->nvips, 2);
	assert_int_equal(in->nexcluded, 1);
	assert_int_equal(in->family, AF_INET);
	assert_string_equal(in->vips[1].dev, "eth1");
	assert_string_equal(in->vips[1].label, "eth1:v");
	assert_int_equal(in->vips[1].scope, 200);
	assert_true(in->vips[1].have_broadcast);
	assert_int_equal(in->vips[0].scope, CONF_SCOPE_DEFAULT);
	assert_int_equal(in->excluded[0].addr.family, AF_INET6);
	assert_false(in->excluded[0].advertise);
	assert_int_equal(in->nroutes, 3);
	assert_string_equal(conf_route_str(&in->routes[0], buf, sizeof(buf)),
	    "198.51.100.0/24 via 192.0.2.254 dev eth1 src 192.0.2.10 table 100 "
	    "metric 10 scope link");
	assert_string_equal(conf_route_str(&in->routes[1], buf, sizeof(buf)),
	    "blackhole 203.0.113.0/24");
	assert_int_equal(in->routes[1].table, CONF_ROUTE_TABLE_MAIN);
	assert_int_equal(in->routes[2].dst.family, AF_INET6);
	assert_int_equal(in->routes[2].dst_len, 0);
	assert_int_equal(in->nrules, 2);
	assert_string_equal(conf_rule_str(&in->rules[0], buf, sizeof(buf)),
	    "priority 1000 from 192.0.2.10/32 iif eth1 fwmark 0x10/0xff table 100");
	assert_int_equal(in->rules[1].fwmark, 7);
	assert_int_equal(in->rules[1].fwmask, 0xffffffffu);
	assert_int_equal(in->rules[1].family, AF_INET);
	assert_false(in->check_advert_addresses);
	assert_string_equal(in->notify_rx_lower_pri, "/etc/vipd/rx.sh");
	conf_free(c);

	c = load(INST("", "( \"192.0.2.10/24\" )"), 0);
	assert_true(c->instances[0].check_advert_addresses);
	assert_int_equal(c->instances[0].nroutes, 0);
	conf_free(c);
}

static void
test_bad_routes_and_rules_name_their_line(void **state)
{
	(void)state;
	expect_error(INST("virtual_routes = ( { via = \"192.0.2.1\"; } );",
	    "( \"192.0.2.10/24\" )"), "t.conf:4: vrrp_instances[ext]."
	    "virtual_routes[0].destination: missing (required)");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.1/16\"; "
	    "dev = \"eth0\"; } );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_routes[0].destination: "
	    "'10.1.0.1/16' has bits set past the prefix length (the kernel "
	    "refuses it)");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.0/16\"; "
	    "} );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_routes[0]: via or dev is "
	    "required (or type = blackhole, unreachable, prohibit)");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.0/16\"; "
	    "type = \"blackhole\"; via = \"192.0.2.1\"; } );",
	    "( \"192.0.2.10/24\" )"), "t.conf:4: vrrp_instances[ext]."
	    "virtual_routes[0]: a blackhole route has no next hop: no via or dev");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.0/16\"; "
	    "type = \"nat\"; } );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_routes[0].type: 'nat' is not "
	    "a route type (unicast, blackhole, unreachable, prohibit)");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.0/16\"; "
	    "dev = \"eth0\"; scope = \"world\"; } );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_routes[0].scope: 'world' is "
	    "not a scope (global, site, link, host, nowhere)");
	expect_error(INST("virtual_routes = ( { destination = \"10.1.0.0/16\"; "
	    "via = \"2001:db8::1\"; } );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_routes[0].via: IPv6 next hop "
	    "for an IPv4 destination");
	expect_error(INST("virtual_rules = ( { from = \"10.0.0.0/8\"; } );",
	    "( \"192.0.2.10/24\" )"), "t.conf:4: vrrp_instances[ext]."
	    "virtual_rules[0].table: missing (required: the table the rule sends "
	    "lookups to)");
	expect_error(INST("virtual_rules = ( { fwmark = \"0x10/\"; table = 1; } );",
	    "( \"192.0.2.10/24\" )"), "t.conf:4: vrrp_instances[ext]."
	    "virtual_rules[0].fwmark: '0x10/' is not a mark (N or N/MASK, 32 bits, "
	    "decimal or 0x hex)");
	expect_error(INST("virtual_rules = ( { from = \"10.0.0.0/8\"; to = "
	    "\"2001:db8::/32\"; table = 1; } );", "( \"192.0.2.10/24\" )"),
	    "t.conf:4: vrrp_instances[ext].virtual_rules[0]: from is IPv4 and to "
	    "is IPv6: one family per rule");
	expect_error(INST("notify_master_rx_lower_pri = \"rx.sh\";",
	    "( \"192.0.2.10/24\" )"), "t.conf:4: vrrp_instances[ext]."
	    "notify_master_rx_lower_pri: 'rx.sh' is not an absolute path (at "
	    "most 255 characters)");
}

static void
test_address_groups_and_families(void **state)
{
	struct conf *c;

	(void)state;
	/* Mixed families among advertised addresses: an error at its line. */
	expect_error(INST("", "( \"192.0.2.10/24\",\n"
	    "      { address = \"2001:db8::10/64\"; } )"),
	    "t.conf:4: vrrp_instances[ext].addresses[1]: '2001:db8::10/64' is "
	    "IPv6 but the instance's first address is IPv4: one family per "
	    "instance (advertise = false carries it unadvertised)");
	expect_error(INST("", "( { address = \"2001:db8::10/64\"; advertise = "
	    "false; } )"), "t.conf:3: vrrp_instances[ext].addresses: every "
	    "address has advertise = false; at least one must be advertised");
	expect_error(INST("", "( { address = \"2001:db8::10/64\"; label = "
	    "\"eth0:x\"; } )"), "t.conf:3: vrrp_instances[ext].addresses[0]."
	    "label: labels are for IPv4 addresses only");
	expect_error(INST("", "( { address = \"192.0.2.10/24\"; dev = \"eth1\"; "
	    "label = \"eth0:x\"; } )"), "t.conf:3: vrrp_instances[ext]."
	    "addresses[0].label: 'eth0:x' must start with the device name 'eth1'");
	expect_error(INST("", "( { address = \"192.0.2.10/24\"; scope = \"x\"; } )"),
	    "t.conf:3: vrrp_instances[ext].addresses[0].scope: 'x' is not a "
	    "scope (global, site, link, host, nowhere)");
	expect_error(INST("", "( { dev = \"eth1\"; } )"), "t.conf:3: "
	    "vrrp_instances[ext].addresses[0].address: missing (required)");
	/* An excluded IPv4 address in an IPv6 instance, and v2 + IPv6 excluded. */
	c = load(INST("", "( \"2001:db8::10/64\",\n"
	    "      { address = \"192.0.2.10/24\"; advertise = false; } )"), 0);
	assert_int_equal(c->instances[0].family, AF_INET6);
	assert_int_equal(c->instances[0].nexcluded, 1);
	conf_free(c);
	c = load(INST("version = 2; advert_interval_ms = 1000;",
	    "( \"192.0.2.10/24\",\n"
	    "      { address = \"2001:db8::10/64\"; advertise = false; } )"), 0);
	conf_free(c);
}

static void
test_statics(void **state)
{
	struct conf *c;

	(void)state;
	c = load("static_addresses = ( { address = \"10.9.0.1/24\"; dev = "
	    "\"eth1\"; } );\n"
	    "static_routes = ( { destination = \"10.8.0.0/16\"; via = "
	    "\"10.9.0.254\"; } );\n"
	    "static_rules = ( { to = \"10.8.0.0/16\"; table = 200; } );\n", 0);
	assert_int_equal(c->statics.naddrs, 1);
	assert_int_equal(c->statics.nroutes, 1);
	assert_int_equal(c->statics.nrules, 1);
	assert_string_equal(c->statics.addrs[0].dev, "eth1");
	conf_free(c);
	expect_error("static_addresses = ( \"10.9.0.1/24\" );\n",
	    "t.conf:1: static_addresses[0]: expected a group { address = "
	    "\"...\"; dev = \"...\"; }");
	expect_error("static_addresses = ( { address = \"10.9.0.1/24\"; } );\n",
	    "t.conf:1: static_addresses[0].dev: missing (required)");
	expect_error("static_addresses = ( { address = \"10.9.0.1/24\"; dev = "
	    "\"eth1\"; advertise = false; } );\n",
	    "t.conf:1: unknown key 'advertise' in static_addresses[0]");
	expect_error("static_rules = ( { to = \"10.8.0.0/16\"; } );\n",
	    "t.conf:1: static_rules[0].table: missing (required: the table the "
	    "rule sends lookups to)");
	expect_error("static_routes = (\n { destination = \"10.8.0.0/16\"; via = "
	    "\"10.9.0.254\"; },\n { destination = \"10.8.0.0/16\"; via = "
	    "\"10.9.0.254\"; } );\n",
	    "t.conf:3: static_routes[1]: the same route as at line 2");
}

static void
test_prefix_and_model_helpers(void **state)
{
	struct addr a;
	uint8_t len;

	(void)state;
	assert_int_equal(conf_route_parse_prefix("10.1.0.0/16", &a, &len),
	    CONF_PREFIX_OK);
	assert_true(conf_route_prefix_clean(&a, 16));
	assert_false(conf_route_prefix_clean(&a, 8) && a.bytes[1] != 0);
	assert_int_equal(conf_route_parse_prefix("10.1.0.1/31", &a, &len),
	    CONF_PREFIX_OK);
	assert_false(conf_route_prefix_clean(&a, 31));
	assert_true(conf_route_prefix_clean(&a, 32));
	assert_int_equal(conf_route_parse_prefix("2001:db8::/33", &a, &len),
	    CONF_PREFIX_OK);
	assert_true(conf_route_prefix_clean(&a, 33));
	assert_int_equal(conf_route_parse_prefix("2001:db8::/129", &a, &len),
	    CONF_PREFIX_BAD_LEN);
	assert_int_equal(conf_route_scope_parse("link"), 253);
	assert_int_equal(conf_route_scope_parse("world"), -1);
	assert_string_equal(conf_route_scope_name(254), "host");
	assert_int_equal(conf_route_type_parse("prohibit"), CONF_ROUTE_PROHIBIT);
}

static void
test_address_list_comparison(void **state)
{
	struct addr x[3], y[3];

	(void)state;
	addr_parse("192.0.2.1", &x[0]);
	addr_parse("192.0.2.2", &x[1]);
	addr_parse("192.0.2.3", &x[2]);
	y[0] = x[1];
	y[1] = x[0];
	/* RFC 5798 7.1: the same set, in any order, matches. */
	assert_true(vrrp_pkt_same_addrs(y, 2, x, 2));
	assert_false(vrrp_pkt_same_addrs(y, 2, x, 3));
	assert_false(vrrp_pkt_same_addrs(x, 3, y, 2));
	y[1] = x[2];
	assert_false(vrrp_pkt_same_addrs(y, 2, x, 2));
	assert_true(vrrp_pkt_same_addrs(NULL, 0, NULL, 0));
}

/* A route's device missing on this host is a warning at its line, not an error. */
static void
test_route_on_a_missing_device_is_a_warning_at_its_line(void **state)
{
	struct conf *c;

	(void)state;
	c = load(INST("virtual_routes = (\n"
	    "      { destination = \"10.8.0.0/16\"; dev = \"lo\"; },\n"
	    "      { destination = \"10.9.0.0/16\";\n"
	    "        dev = \"vipdnodev0\"; } );",
	    "( \"10.0.0.10/24\" )"), 0);
	assert_non_null(c);
	assert_int_equal(errs.nwarn, 1);
	assert_string_equal(errs.warn[0], "t.conf:7: warning: "
	    "vrrp_instances[ext].virtual_routes[1].dev: no interface "
	    "'vipdnodev0' here now: the route is refused until it exists");
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_rules_and_groups_are_read),
		cmocka_unit_test(test_route_on_a_missing_device_is_a_warning_at_its_line),
		cmocka_unit_test(test_bad_routes_and_rules_name_their_line),
		cmocka_unit_test(test_address_groups_and_families),
		cmocka_unit_test(test_statics),
		cmocka_unit_test(test_prefix_and_model_helpers),
		cmocka_unit_test(test_address_list_comparison),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
