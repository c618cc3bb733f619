/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_sync.select (lib/conf/conf_conn_sync.c parses it, lib/ctsync/
 * ct_select matches it): the default carries the balancer's marked flows
 * only, "all" every flow, rules match on mark & mask, protocol and the
 * original direction's prefixes (ICMP flows too); the kernel filters by
 * mark only when the select is one exact mark; services no rule can
 * match are named; bad rules are refused with their line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "ctsync/ct_select.h"

#define MARK 0x76697064u

static struct conf_errors errs;
static char dir[] = "/tmp/test_conn_sync_select.XXXXXX";
static char key[256];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s/k", dir);
	if ((f = fopen(key, "w")) == NULL)
		return -1;
	fputs("0123456789abcdef0123456789abcdef", f);
	fclose(f);
	return chmod(key, 0600);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(key);
	rmdir(dir);
	return 0;
}

/* Two services (web tcp 10.0.0.10:80, dns udp 10.0.0.11:53); the select
 * on line 6 (empty: none). */
static int
load(const char *select, struct conf **c)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "vrrp_instances = ( { name = \"edge\"; interface = \"eth0\"; "
	    "vrid = 1; addresses = [ \"10.0.0.10\" ]; } );\n"
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80; backends = "
	    "( { address = \"10.1.0.11\"; port = 8080; } ); },\n"
	    "  { name = \"dns\"; address = \"10.0.0.11\"; port = 53; protocol = "
	    "\"udp\"; backends = ( { address = \"10.1.0.11\"; port = 53; } ); } );\n"
	    "conn_sync = { interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\";\n"
	    "%s%s%s\n"
	    "};\n", key, select[0] ? "select = " : "", select,
	    select[0] ? ";" : "");
	*c = NULL;
	return conf_load_string(text, "t.conf", c, &errs);
}

static struct ct_entry
flow(uint8_t proto, const char *src, const char *dst, uint32_t mark)
{
	struct ct_entry e = { .op = 1, .family = AF_INET, .proto = proto,
	    .mark = mark };
	unsigned a, b, c, d;

	assert_int_equal(sscanf(src, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	e.orig.src[0] = (uint8_t)a; e.orig.src[1] = (uint8_t)b;
	e.orig.src[2] = (uint8_t)c; e.orig.src[3] = (uint8_t)d;
	assert_int_equal(sscanf(dst, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	e.orig.dst[0] = (uint8_t)a; e.orig.dst[1] = (uint8_t)b;
	e.orig.dst[2] = (uint8_t)c; e.orig.dst[3] = (uint8_t)d;
	if (proto == 1)
		e.orig.dport = 8 << 8;     /* echo request, code 0 */
	return e;
}

static void
expect_error(const char *select, const char *want)
{
	struct conf *c;
	int rc = load(select, &c);

	if (rc != -EINVAL || errs.count != 1 || strcmp(errs.msg[0], want) != 0)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

static void
test_the_default_is_the_balancers_marked_flows(void **state)
{
	struct conf *c;
	struct ct_entry in = flow(6, "10.0.0.100", "10.0.0.10", MARK),
	    out = flow(6, "10.0.0.100", "10.0.0.10", 0);
	uint32_t mark = 0;
	char names[64];

	(void)state;
	assert_int_equal(load("", &c), 0);
	assert_false(c->conn_sync.select.given);
	assert_true(ct_select_match(&c->conn_sync.select, &in, MARK));
	assert_false(ct_select_match(&c->conn_sync.select, &out, MARK));
	assert_true(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	assert_int_equal(mark, MARK);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 0);
	conf_free(c);
}

static void
test_all_is_every_flow_and_unfiltered(void **state)
{
	struct conf *c;
	struct ct_entry icmp = flow(1, "10.9.0.1", "8.8.8.8", 0),
	    udp = flow(17, "10.9.0.1", "10.8.0.1", 5);
	uint32_t mark = 0;
	char names[64];

	(void)state;
	assert_int_equal(load("\"all\"", &c), 0);
	assert_true(c->conn_sync.select.all);
	assert_int_equal(c->conn_sync.select.line, 6);
	assert_true(ct_select_match(&c->conn_sync.select, &icmp, MARK));
	assert_true(ct_select_match(&c->conn_sync.select, &udp, MARK));
	assert_false(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 0);
	conf_free(c);
}

static void
test_rules_match_mark_mask_protocol_and_prefixes(void **state)
{
	struct conf *c;
	const struct conf_conn_sync_select *sel;
	struct ct_entry e;

	(void)state;
	assert_int_equal(load("( { mark = 0x100; mask = 0xff00; }, "
	    "{ protocol = \"icmp\"; source = \"10.9.0.0/16\"; }, "
	    "{ protocol = \"udp\"; destination = \"10.8.1.7/23\"; } )", &c), 0);
	sel = &c->conn_sync.select;
	assert_int_equal(sel->nrules, 3);
	/* Host bits of a prefix are dropped: 10.8.1.7/23 is 10.8.0.0/23. */
	assert_int_equal(sel->rules[2].dst.bytes[2], 0);
	assert_int_equal(sel->rules[2].dst.bytes[3], 0);
	e = flow(6, "1.1.1.1", "2.2.2.2", 0x1ff);
	assert_true(ct_select_match(sel, &e, MARK));
	e.mark = 0x2ff;
	assert_false(ct_select_match(sel, &e, MARK));
	e = flow(1, "10.9.200.1", "8.8.8.8", 0);
	assert_true(ct_select_match(sel, &e, MARK));
	e = flow(1, "10.10.0.1", "8.8.8.8", 0);
	assert_false(ct_select_match(sel, &e, MARK));
	e = flow(6, "10.9.0.1", "8.8.8.8", 0);       /* tcp: not rule 2's */
	assert_false(ct_select_match(sel, &e, MARK));
	e = flow(17, "1.1.1.1", "10.8.1.255", 0);
	assert_true(ct_select_match(sel, &e, MARK));
	e = flow(17, "1.1.1.1", "10.8.2.0", 0);
	assert_false(ct_select_match(sel, &e, MARK));
	conf_free(c);
}

static void
test_the_kernel_filters_only_one_exact_mark(void **state)
{
	struct conf *c;
	uint32_t mark = 0;

	(void)state;
	assert_int_equal(load("( { mark = 7; }, { mark = 7; } )", &c), 0);
	assert_true(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	assert_int_equal(mark, 7);
	conf_free(c);
	assert_int_equal(load("( { mark = 7; mask = 0xff; } )", &c), 0);
	assert_false(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	conf_free(c);
	assert_int_equal(load("( { mark = 7; }, { mark = 8; } )", &c), 0);
	assert_false(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	conf_free(c);
}

static void
test_services_no_rule_can_match_are_named(void **state)
{
	struct conf *c;
	char names[64];

	(void)state;
	/* icmp only: neither the tcp nor the udp service. */
	assert_int_equal(load("( { protocol = \"icmp\"; } )", &c), 0);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 2);
	assert_string_equal(names, "web, dns");
	conf_free(c);
	/* Another mark: the balancer's flows never carry it. */
	assert_int_equal(load("( { mark = 5; }, { protocol = \"udp\"; } )", &c), 0);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 1);
	assert_string_equal(names, "web");
	conf_free(c);
	/* A source prefix may match some clients: covered. */
	assert_int_equal(load("( { source = \"10.0.0.0/8\"; } )", &c), 0);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 0);
	conf_free(c);
	/* A destination that is not the VIP's. */
	assert_int_equal(load("( { destination = \"10.0.0.11\"; } )", &c), 0);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 1);
	assert_string_equal(names, "web");
	/* Cut to fit, never past the buffer. */
	assert_int_equal(ct_select_uncovered(c, MARK, names, 3), 1);
	assert_int_equal(strlen(names), 2);
	conf_free(c);
}

static void
test_the_sync_links_own_flows_are_never_carried(void **state)
{
	struct conf *c;
	struct ct_entry e;

	(void)state;
	assert_int_equal(load("\"all\"", &c), 0);
	e = flow(17, "10.2.0.1", "10.2.0.2", 0);
	assert_true(ct_select_link_flow(&c->conn_sync, &e));
	e = flow(6, "10.2.0.2", "10.2.0.9", MARK);
	assert_true(ct_select_link_flow(&c->conn_sync, &e));
	e = flow(6, "10.0.0.100", "10.0.0.10", MARK);
	assert_false(ct_select_link_flow(&c->conn_sync, &e));
	e = flow(17, "10.2.0.1", "10.2.0.2", 0);
	e.family = AF_INET6;
	assert_false(ct_select_link_flow(&c->conn_sync, &e));
	conf_free(c);
}

/*
 * zone = N: the flow's conntrack zone (synced with it, lib/ctsync/
 * ct_wire.h type 7); zone 0 is the default one, where the balancer's
 * flows are, so a rule on another zone leaves its services out; a zone
 * rule is never the kernel's mark filter.
 */
static void
test_rules_match_the_conntrack_zone(void **state)
{
	struct conf *c;
	const struct conf_conn_sync_select *sel;
	struct ct_entry e;
	uint32_t mark = 0;
	char names[64];

	(void)state;
	assert_int_equal(load("( { zone = 5; }, { mark = 7; zone = 0; } )", &c), 0);
	sel = &c->conn_sync.select;
	assert_true(sel->rules[0].has_zone);
	assert_int_equal(sel->rules[0].zone, 5);
	e = flow(6, "10.1.0.11", "10.0.0.100", 0);
	e.zone = 5;
	assert_true(ct_select_match(sel, &e, MARK));
	e.zone = 0;
	assert_false(ct_select_match(sel, &e, MARK));
	e.mark = 7;
	assert_true(ct_select_match(sel, &e, MARK));
	e.zone = 5;                  /* rule 1 */
	assert_true(ct_select_match(sel, &e, MARK));
	e.zone = 6;
	assert_false(ct_select_match(sel, &e, MARK));
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 2);
	conf_free(c);
	assert_int_equal(load("( { mark = 7; zone = 3; } )", &c), 0);
	assert_false(ct_select_kernel_mark(&c->conn_sync.select, MARK, &mark));
	conf_free(c);
	assert_int_equal(load("( { zone = 0; } )", &c), 0);
	assert_int_equal(ct_select_uncovered(c, MARK, names, sizeof(names)), 0);
	conf_free(c);
}

/*
 * A receiver's own flows (an address of either tuple is one of its own)
 * are never swept: to it, from it, and NATed to it in the reply.
 */
static void
test_the_nodes_own_flows_are_told_apart(void **state)
{
	struct addr locals[2];
	struct ct_entry e;

	(void)state;
	assert_int_equal(addr_parse("10.0.0.2", &locals[0]), 0);
	assert_int_equal(addr_parse("2001:db8::2", &locals[1]), 0);
	e = flow(6, "10.0.0.100", "10.0.0.2", 0);           /* SSH to it */
	assert_true(ct_select_local_flow(locals, 2, &e));
	e = flow(6, "10.0.0.2", "10.9.0.1", 0);             /* from it */
	assert_true(ct_select_local_flow(locals, 2, &e));
	e = flow(6, "10.1.0.11", "10.0.0.100", 0);          /* through it */
	assert_false(ct_select_local_flow(locals, 2, &e));
	e.reply.dst[0] = 10; e.reply.dst[3] = 2;           /* SNATed to it */
	assert_true(ct_select_local_flow(locals, 2, &e));
	assert_false(ct_select_local_flow(locals, 0, &e));
	e = flow(6, "10.0.0.100", "10.0.0.2", 0);
	e.family = AF_INET6;                                /* other family */
	assert_false(ct_select_local_flow(locals, 1, &e));
}

static void
test_bad_selects_are_refused_with_their_line(void **state)
{
	(void)state;
	expect_error("\"some\"", "t.conf:6: conn_sync.select: 'some' is not "
	    "\"all\" or a list of rules ( { mark; mask; protocol; source; "
	    "destination; zone; }, ... )");
	expect_error("( )", "t.conf:6: conn_sync.select: an empty list (no flow "
	    "would be synced)");
	expect_error("( { } )", "t.conf:6: conn_sync.select[0]: an empty rule "
	    "(give mark, protocol, source, destination or zone; every flow is "
	    "select = \"all\")");
	expect_error("( { protocol = \"gre\"; } )", "t.conf:6: "
	    "conn_sync.select[0].protocol: 'gre' is not tcp, udp, sctp, icmp "
	    "or icmpv6");
	expect_error("( { source = \"10.0.0.0/33\"; } )", "t.conf:6: "
	    "conn_sync.select[0].source: '10.0.0.0/33' is not an address or "
	    "prefix (ADDRESS/LENGTH)");
	expect_error("( { mask = 0xff; } )", "t.conf:6: "
	    "conn_sync.select[0].mask: only with a mark");
	expect_error("( { protocol = \"icmp\"; destination = \"2001:db8::/32\"; } )",
	    "t.conf:6: conn_sync.select[0]: protocol icmp does not go with "
	    "IPv6 addresses");
	expect_error("( { zone = 65536; } )", "t.conf:6: "
	    "conn_sync.select[0].zone: 65536 is out of range 0..65535");
	expect_error("( { vlan = 1; } )", "t.conf:6: unknown key 'vlan' in "
	    "conn_sync.select[0]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_default_is_the_balancers_marked_flows),
		cmocka_unit_test(test_all_is_every_flow_and_unfiltered),
		cmocka_unit_test(test_rules_match_mark_mask_protocol_and_prefixes),
		cmocka_unit_test(test_the_kernel_filters_only_one_exact_mark),
		cmocka_unit_test(test_services_no_rule_can_match_are_named),
		cmocka_unit_test(test_the_sync_links_own_flows_are_never_carried),
		cmocka_unit_test(test_rules_match_the_conntrack_zone),
		cmocka_unit_test(test_the_nodes_own_flows_are_told_apart),
		cmocka_unit_test(test_bad_selects_are_refused_with_their_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
