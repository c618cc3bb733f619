/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtual_services with forwarding = "dr": the model (defaults, the
 * interfaces taken from the instance holding the VIP, its VMAC) and every
 * refusal with its line and reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;

static struct conf *
load_ok(const char *text)
{
	struct conf *c = NULL;

	if (conf_load_string(text, "t.conf", &c, &errs) != 0)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 0);
	assert_non_null(c);
	return c;
}

static void
expect_error(const char *text, const char *want)
{
	struct conf *c = NULL;
	int rc = conf_load_string(text, "t.conf", &c, &errs);

	if (errs.count != 1 || strcmp(errs.msg[0], want) != 0) {
		print_message("config:\n%s\nwant: %s\n", text, want);
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	}
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

#define INSTANCE(extra)                                                    \
	"vrrp_instances = ( { name = \"ext\"; interface = \"eth0\"; "      \
	"vrid = 51; priority = 150; " extra                                \
	"addresses = ( \"10.0.0.10/24\" ); } );\n"

/* Line 2 holds the service, line 3 its backends. */
#define DR(svc, backend)                                                   \
	INSTANCE("")                                                       \
	"virtual_services = ( { name = \"web\"; address = \"10.0.0.10\"; " \
	"port = 80; forwarding = \"dr\"; " svc "\n"                        \
	"  backends = ( { address = \"10.0.0.21\"; " backend " } ) } );\n"

static void
test_dr_defaults_to_mh_and_the_holders_interface(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(DR("", ""));
	assert_int_equal(c->services[0].forwarding, CONF_LB_DR);
	assert_int_equal(c->services[0].scheduler, CONF_LB_MH);
	assert_string_equal(c->services[0].dr_interface, "eth0");
	assert_string_equal(c->services[0].dr_ingress, "eth0");
	assert_false(c->services[0].dr_has_vmac);
	assert_int_equal(c->services[0].backends[0].port, 80);
	conf_free(c);
	/* Backends on another segment: traffic in on eth0, out on eth1. */
	c = load_ok(DR("interface = \"eth1\"; scheduler = \"sh\";",
	    "port = 80;"));
	assert_string_equal(c->services[0].dr_interface, "eth1");
	assert_string_equal(c->services[0].dr_ingress, "eth0");
	assert_int_equal(c->services[0].scheduler, CONF_LB_SH);
	conf_free(c);
	/* nat stays the default. */
	c = load_ok("virtual_services = ( { name = \"web\"; address = "
	    "\"10.0.0.10\"; port = 80;\n backends = ( { address = "
	    "\"10.1.0.11\"; port = 8080; } ) } );\n");
	assert_int_equal(c->services[0].forwarding, CONF_LB_NAT);
	assert_int_equal(c->services[0].scheduler, CONF_LB_WRR);
	conf_free(c);
}

static void
test_dr_behind_a_vmac_matches_the_vmac(void **state)
{
	static const uint8_t want[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 51 };
	struct conf *c;

	(void)state;
	c = load_ok(INSTANCE("use_vmac = true; ")
	    "virtual_services = ( { name = \"web\"; address = \"10.0.0.10\"; "
	    "port = 80; forwarding = \"dr\";\n"
	    "  backends = ( { address = \"10.0.0.21\"; } ) } );\n");
	assert_true(c->services[0].dr_has_vmac);
	assert_memory_equal(c->services[0].dr_vmac, want, 6);
	conf_free(c);
}

static void
test_dr_without_holder_needs_an_interface(void **state)
{
	struct conf *c;

	(void)state;
	expect_error(
	    "virtual_services = ( { name = \"web\"; address = \"10.9.0.10\";\n"
	    "  port = 80; forwarding = \"dr\";\n"
	    "  backends = ( { address = \"10.0.0.21\"; } ) } );\n",
	    "t.conf:1: virtual_services[web].interface: missing: required "
	    "with forwarding = \"dr\" when no VRRP instance holds 10.9.0.10");
	c = load_ok(
	    "virtual_services = ( { name = \"web\"; address = \"10.9.0.10\";\n"
	    "  port = 80; forwarding = \"dr\"; interface = \"eth1\";\n"
	    "  backends = ( { address = \"10.0.0.21\"; } ) } );\n");
	assert_string_equal(c->services[0].dr_interface, "eth1");
	assert_string_equal(c->services[0].dr_ingress, "eth1");
	conf_free(c);
}

static void
test_dr_refuses_what_needs_state_or_another_port(void **state)
{
	(void)state;
	expect_error(DR("", "port = 8080;"),
	    "t.conf:3: virtual_services[web].backends[0].port: 8080 is not "
	    "the service port 80: forwarding = \"dr\" cannot change ports");
	expect_error(DR("scheduler = \"wrr\";", ""),
	    "t.conf:2: virtual_services[web].scheduler: 'wrr' cannot be used "
	    "with forwarding = \"dr\": the node keeps no connection state, "
	    "only sh and mh pick a backend from the packet alone (the same "
	    "on every node)");
	expect_error(DR("scheduler = \"rr\";", ""),
	    "t.conf:2: virtual_services[web].scheduler: 'rr' cannot be used "
	    "with forwarding = \"dr\": the node keeps no connection state, "
	    "only sh and mh pick a backend from the packet alone (the same "
	    "on every node)");
	/* The connection-count schedulers need the state dr has not. */
	static const char *const counts[] = { "lc", "wlc", "sed", "nq" };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char text[1024], want[256];

		snprintf(text, sizeof(text), DR("scheduler = \"%s\";", ""),
		    counts[i]);
		snprintf(want, sizeof(want), "t.conf:2: virtual_services[web]."
		    "scheduler: '%s' cannot be used with forwarding = \"dr\": "
		    "the node keeps no connection state, only sh and mh pick a "
		    "backend from the packet alone (the same on every node)",
		    counts[i]);
		expect_error(text, want);
	}
	expect_error(DR("persistence_s = 60;", ""),
	    "t.conf:2: virtual_services[web].persistence_s: needs connection "
	    "state, which forwarding = \"dr\" has not (scheduler = \"sh\" "
	    "keeps a client on one backend)");
	expect_error(DR("sorry_server = \"10.0.0.99:80\";", ""),
	    "t.conf:2: virtual_services[web].sorry_server: not supported "
	    "with forwarding = \"dr\"");
	expect_error(INSTANCE("")
	    "virtual_services = ( { name = \"web\"; address = \"10.0.0.10\"; "
	    "port = 80; forwarding = \"tunnel\";\n"
	    "  backends = ( { address = \"10.0.0.21\"; } ) } );\n",
	    "t.conf:2: virtual_services[web].forwarding: 'tunnel' is not "
	    "\"nat\" or \"dr\"");
	expect_error(DR("interface = \"a/b\";", ""),
	    "t.conf:2: virtual_services[web].interface: 'a/b' is not an "
	    "interface name (1..15 characters, no '/', ':' or blanks)");
	expect_error(INSTANCE("")
	    "virtual_services = ( { name = \"web\"; address = \"10.0.0.10\"; "
	    "port = 80; interface = \"eth1\";\n"
	    "  backends = ( { address = \"10.0.0.21\"; } ) } );\n",
	    "t.conf:2: virtual_services[web].interface: applies to forwarding "
	    "= \"dr\" only (nat routes to its backends)");
}

/* An announced service (no VRRP instance): line 1 the service, 2 backends. */
#define AA(svc, more)                                                      \
	"virtual_services = ( { name = \"web\"; address = \"198.51.100.10\"; " \
	"port = 80; interface = \"eth0\"; " svc "\n"                         \
	"  backends = ( { address = \"10.0.0.21\"; port = 80; } ) } );\n" more

static void
test_announce_needs_dr_and_no_vrrp_instance(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(AA("forwarding = \"dr\";", ""));
	assert_false(c->services[0].announce);
	assert_int_equal(c->services[0].announce_drain_ms, 2000);
	conf_free(c);
	c = load_ok(AA("forwarding = \"dr\"; announce = true; "
	    "announce_drain_ms = 0; scheduler = \"sh\";", ""));
	assert_true(c->services[0].announce);
	assert_int_equal(c->services[0].announce_line, 1);
	assert_int_equal(c->services[0].announce_drain_ms, 0);
	assert_string_equal(c->services[0].dr_interface, "eth0");
	conf_free(c);
	c = load_ok(AA("forwarding = \"dr\"; announce = true; track_scripts = "
	    "( { name = \"up\"; } ); track_interfaces = ( { name = "
	    "\"eth9\"; } );", "track_scripts = ( { name = \"up\"; command = "
	    "[ \"/bin/true\" ]; } );\n"));
	assert_int_equal(c->services[0].ntrack_scripts, 1);
	assert_string_equal(c->services[0].track_scripts[0], "up");
	assert_int_equal(c->services[0].ntrack_ifs, 1);
	assert_string_equal(c->services[0].track_ifs[0], "eth9");
	conf_free(c);
	/* A stateful balancer cannot be spread over nodes. */
	expect_error("virtual_services = ( { name = \"web\"; address = "
	    "\"198.51.100.10\"; port = 80; announce = true;\n  backends = ( { "
	    "address = \"10.0.0.21\"; port = 8080; } ) } );\n",
	    "t.conf:1: virtual_services[web].announce: needs forwarding = "
	    "\"dr\" (with scheduler sh or mh): nat keeps each flow's state "
	    "on the node that took it, and a flow the router moves to another "
	    "node breaks");
	expect_error(AA("forwarding = \"dr\"; announce = true; scheduler = "
	    "\"wlc\";", ""),
	    "t.conf:1: virtual_services[web].scheduler: 'wlc' cannot be used "
	    "with forwarding = \"dr\": the node keeps no connection state, "
	    "only sh and mh pick a backend from the packet alone (the same on "
	    "every node)");
	expect_error(AA("forwarding = \"dr\"; announce = true; scheduler = "
	    "\"sh\"; persistence_s = 60;", ""),
	    "t.conf:1: virtual_services[web].persistence_s: needs connection "
	    "state, which forwarding = \"dr\" has not (scheduler = \"sh\" "
	    "keeps a client on one backend)");
	expect_error(AA("forwarding = \"dr\"; announce = true; "
	    "announce_drain_ms = 60001;", ""),
	    "t.conf:1: virtual_services[web].announce_drain_ms: 60001 is out "
	    "of range 0..60000");
	expect_error(AA("forwarding = \"dr\"; announce = true; track_scripts = "
	    "( { name = \"nope\"; } );", ""),
	    "t.conf:1: virtual_services[web].track_scripts[0].name: no track "
	    "script named 'nope' in the top-level track_scripts");
	expect_error(AA("forwarding = \"dr\"; track_interfaces = ( { name = "
	    "\"eth1\"; } );", ""),
	    "t.conf:1: virtual_services[web].track_interfaces: applies to "
	    "announce = true only (to weigh a service on a VRRP instance, use "
	    "track_weight)");
	expect_error(AA("forwarding = \"dr\"; announce = true; "
	    "track_interfaces = ( { name = \"eth1\"; weight = -10; } );", ""),
	    "t.conf:1: unknown key 'weight' in "
	    "virtual_services[web].track_interfaces[0]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dr_defaults_to_mh_and_the_holders_interface),
		cmocka_unit_test(test_dr_behind_a_vmac_matches_the_vmac),
		cmocka_unit_test(test_dr_without_holder_needs_an_interface),
		cmocka_unit_test(test_dr_refuses_what_needs_state_or_another_port),
		cmocka_unit_test(test_announce_needs_dr_and_no_vrrp_instance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
