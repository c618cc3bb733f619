/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration loader: a full file into the model with every field and
 * default, every error with its exact text and line, all errors of a file
 * at once, the checks across instances, libconfig's integer wrap and
 * @include kept out, the reload comparison, and the shipped sample files.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;         /* 32 KiB: not on the stack */

#define V4(a, b, c, d) \
	((struct addr){ .family = AF_INET, .bytes = { a, b, c, d } })

static void
print_errors(void)
{
	for (size_t i = 0; i < errs.stored; i++)
		print_message("  got: %s\n", errs.msg[i]);
}

/* Load text as "t.conf" and expect exactly these messages, in this order. */
static void
expect_errors_v(const char *text, const char *const *want)
{
	struct conf *c = (struct conf *)1;
	size_t n = 0;
	int rc;

	rc = conf_load_string(text, "t.conf", &c, &errs);
	while (want[n] != NULL)
		n++;
	if (rc != -EINVAL || errs.count != n) {
		print_message("config:\n%s\n", text);
		print_errors();
	}
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(errs.msg[i], want[i]) != 0)
			print_errors();
		assert_string_equal(errs.msg[i], want[i]);
	}
}

#define EXPECT_ERRORS(text, ...) \
	expect_errors_v(text, (const char *const[]){ __VA_ARGS__, NULL })

static struct conf *
load_ok(const char *text)
{
	struct conf *c = NULL;
	int rc;

	rc = conf_load_string(text, "t.conf", &c, &errs);
	if (rc != 0) {
		print_message("config:\n%s\n", text);
		print_errors();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(errs.count, 0);
	assert_non_null(c);
	return c;
}

struct case_ {
	const char *line;                /* what goes into the template */
	const char *want;                /* the one message it must give */
};

/* Each case alone in the template (a format with one %s), one error each. */
static void
run_cases(const char *tmpl, const struct case_ *cases, size_t n)
{
	char text[4096];

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), tmpl, cases[i].line);
		EXPECT_ERRORS(text, cases[i].want);
	}
}

#define RUN_CASES(tmpl, cases) \
	run_cases(tmpl, cases, sizeof(cases) / sizeof(cases[0]))

/* ---- the model ----------------------------------------------------------- */

static const char full_config[] =
	"global = {\n"                                          /* 1 */
	"  router_id = \"lb-a\";\n"
	"  state_dir = \"/var/run/vipd-test\";\n"
	"  script_user = \"vipd_script\"; handover = \"rfc\";\n"
	"};\n"                                                  /* 5 */
	"vrrp_instances = (\n"
	"  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n" /* 7 */
	"    version = 3; priority = 150; advert_interval_ms = 40950;\n"
	"    preempt = false; preempt_delay_ms = 3600000;\n"
	"    accept_mode = true; use_vmac = false;\n"        /* 10 */
	"    addresses = ( \"10.0.0.10/24\", \"10.0.0.11\", \"192.0.2.1/0\" );\n"
	"    garp = { delay_ms = 60000; repeat = 100; interval_ms = 10000;\n"
	"             refresh_s = 86400; };\n"
	"  },\n"
	"  { name = \"int.lan-2_b\"; interface = \"bond0.100\"; vrid = 255;\n"
	"    priority = 255; advert_interval_ms = 10L;\n"    /* 16 */
	"    preempt_delay_ms = 0L;\n"
	"    addresses = [ \"10.1.0.1/32\" ];\n"
	"  }\n"
	");\n";

static void
test_full_config_fills_every_field(void **state)
{
	const struct conf_instance *in;
	struct conf *c;

	(void)state;
	c = load_ok(full_config);
	assert_string_equal(c->path, "t.conf");
	assert_string_equal(c->global.router_id, "lb-a");
	assert_string_equal(c->global.state_dir, "/var/run/vipd-test");
	assert_string_equal(c->global.script_user, "vipd_script");
	assert_int_equal(c->global.handover, CONF_HANDOVER_RFC);
	assert_int_equal(c->ninstances, 2);

	in = &c->instances[0];
	assert_string_equal(in->name, "ext");
	assert_string_equal(in->interface, "eth0");
	assert_int_equal(in->vrid, 51);
	assert_int_equal(in->version, 3);
	assert_int_equal(in->priority, 150);
	assert_int_equal(in->advert_interval_ms, 40950);
	assert_false(in->preempt);
	assert_int_equal(in->preempt_delay_ms, 3600000);
	assert_true(in->accept_mode);
	assert_false(in->use_vmac);
	assert_int_equal(in->garp.delay_ms, 60000);
	assert_int_equal(in->garp.repeat, 100);
	assert_int_equal(in->garp.interval_ms, 10000);
	assert_int_equal(in->garp.refresh_s, 86400);
	assert_int_equal(in->nvips, 3);
	assert_memory_equal(&in->vips[0].addr, &V4(10, 0, 0, 10),
	    sizeof(struct addr));
	assert_int_equal(in->vips[0].prefix_len, 24);
	assert_memory_equal(&in->vips[1].addr, &V4(10, 0, 0, 11),
	    sizeof(struct addr));
	assert_int_equal(in->vips[1].prefix_len, 32);
	assert_memory_equal(&in->vips[2].addr, &V4(192, 0, 2, 1),
	    sizeof(struct addr));
	assert_int_equal(in->vips[2].prefix_len, 0);
	assert_int_equal(in->line, 7);

	/* 64-bit literals are integers too; an array of strings is a list. */
	in = &c->instances[1];
	assert_string_equal(in->name, "int.lan-2_b");
	assert_string_equal(in->interface, "bond0.100");
	assert_int_equal(in->vrid, 255);
	assert_int_equal(in->priority, 255);
	assert_int_equal(in->advert_interval_ms, 10);
	assert_int_equal(in->preempt_delay_ms, 0);
	assert_int_equal(in->nvips, 1);
	assert_memory_equal(&in->vips[0].addr, &V4(10, 1, 0, 1),
	    sizeof(struct addr));
	assert_int_equal(in->line, 15);
	conf_free(c);
}

static void
test_omitted_keys_take_their_defaults(void **state)
{
	const struct conf_instance *in;
	struct conf *c;

	(void)state;
	c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 1;\n"
	    "    addresses = ( \"10.0.0.10\" ); }\n"
	    ");\n");
	assert_string_equal(c->global.router_id, "");
	assert_string_equal(c->global.state_dir, CONF_DEFAULT_STATE_DIR);
	assert_string_equal(c->global.state_dir, "/run/vipd");
	assert_string_equal(c->global.script_user, "nobody");
	assert_int_equal(c->global.handover, CONF_HANDOVER_MAKE_BEFORE_BREAK);
	in = &c->instances[0];
	assert_int_equal(in->version, 3);
	assert_int_equal(in->priority, 100);
	assert_int_equal(in->advert_interval_ms, 1000);
	assert_true(in->preempt);
	assert_int_equal(in->preempt_delay_ms, 0);
	assert_true(in->accept_mode);
	assert_false(in->use_vmac);
	assert_int_equal(in->garp.delay_ms, 0);
	assert_int_equal(in->garp.repeat, 3);
	assert_int_equal(in->garp.interval_ms, 10);
	assert_int_equal(in->garp.refresh_s, 0);
	assert_int_equal(in->vips[0].prefix_len, 32);
	conf_free(c);

	/* An empty garp group and an empty router_id are defaults as well. */
	c = load_ok(
	    "global = { router_id = \"\"; handover = \"make-before-break\"; };\n"
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 1; garp = { };\n"
	    "    addresses = ( \"10.0.0.10\" ); }\n"
	    ");\n");
	assert_string_equal(c->global.router_id, "");
	assert_int_equal(c->global.handover, CONF_HANDOVER_MAKE_BEFORE_BREAK);
	assert_int_equal(c->instances[0].garp.repeat, 3);
	conf_free(c);
}

static void
test_empty_file_is_a_valid_config_without_instances(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("# nothing yet\n");
	assert_int_equal(c->ninstances, 0);
	assert_null(conf_find_instance(c, "ext"));
	conf_free(c);
	c = load_ok("vrrp_instances = ( );\n");
	assert_int_equal(c->ninstances, 0);
	conf_free(c);
}

static void
test_limits_of_each_range_are_accepted(void **state)
{
	struct conf *c;
	char name63[64], text[1024];

	(void)state;
	memset(name63, 'n', 63);
	name63[63] = '\0';
	snprintf(text, sizeof(text),
	    "global = { router_id = \"%s\"; script_user = \"%s\"; };\n"
	    "vrrp_instances = (\n"
	    "  { name = \"%s\"; interface = \"abcdefghijklmno\"; vrid = 255;\n"
	    "    priority = 1; advert_interval_ms = 10; preempt_delay_ms = 0;\n"
	    "    addresses = ( \"1.0.0.0/32\", \"223.255.255.255/0\" );\n"
	    "    garp = { delay_ms = 0; repeat = 1; interval_ms = 0;\n"
	    "             refresh_s = 0; }; }\n"
	    ");\n", name63, name63, name63);
	c = load_ok(text);
	assert_string_equal(c->instances[0].name, name63);
	assert_string_equal(c->global.router_id, name63);
	assert_string_equal(c->instances[0].interface, "abcdefghijklmno");
	assert_int_equal(c->instances[0].advert_interval_ms, 10);
	conf_free(c);
}

/* ---- errors, one at a time, with their line ------------------------------ */

/* Line 4 is the key under test; the rest is a valid instance. */
static const char instance_tmpl[] =
	"vrrp_instances = (\n"
	"  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	"    addresses = ( \"192.0.2.10/24\" );\n"
	"    %s\n"
	"  }\n"
	");\n";

static void
test_instance_values_out_of_range_are_refused(void **state)
{
	static const struct case_ cases[] = {
		{ "priority = 0;",
		  "t.conf:4: vrrp_instances[ext].priority: 0 is out of range 1..255" },
		{ "priority = 256;",
		  "t.conf:4: vrrp_instances[ext].priority: 256 is out of range 1..255" },
		{ "priority = -1;",
		  "t.conf:4: vrrp_instances[ext].priority: -1 is out of range 1..255" },
		{ "version = 4;",
		  "t.conf:4: vrrp_instances[ext].version: 4 is out of range 2..3" },
		{ "version = 1;",
		  "t.conf:4: vrrp_instances[ext].version: 1 is out of range 2..3" },
		{ "advert_interval_ms = 0;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: 0 is out of "
		  "range 10..40950" },
		{ "advert_interval_ms = 40960;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: 40960 is out "
		  "of range 10..40950" },
		{ "advert_interval_ms = 105;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: 105 is not a "
		  "multiple of 10 (VRRPv3 counts centiseconds)" },
		{ "preempt_delay_ms = -1;",
		  "t.conf:4: vrrp_instances[ext].preempt_delay_ms: -1 is out of "
		  "range 0..3600000" },
		{ "preempt_delay_ms = 3600001;",
		  "t.conf:4: vrrp_instances[ext].preempt_delay_ms: 3600001 is out "
		  "of range 0..3600000" },
		{ "garp = { delay_ms = 60001; };",
		  "t.conf:4: vrrp_instances[ext].garp.delay_ms: 60001 is out of "
		  "range 0..60000" },
		{ "garp = { repeat = 0; };",
		  "t.conf:4: vrrp_instances[ext].garp.repeat: 0 is out of range "
		  "1..100" },
		{ "garp = { repeat = 101; };",
		  "t.conf:4: vrrp_instances[ext].garp.repeat: 101 is out of range "
		  "1..100" },
		{ "garp = { interval_ms = 10001; };",
		  "t.conf:4: vrrp_instances[ext].garp.interval_ms: 10001 is out of "
		  "range 0..10000" },
		{ "garp = { refresh_s = 86401; };",
		  "t.conf:4: vrrp_instances[ext].garp.refresh_s: 86401 is out of "
		  "range 0..86400" },
		{ "garp = { interval_ms = -1; };",
		  "t.conf:4: vrrp_instances[ext].garp.interval_ms: -1 is out of "
		  "range 0..10000" },
	};

	(void)state;
	RUN_CASES(instance_tmpl, cases);
}

static void
test_vrid_out_of_range_is_refused(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\";\n"
	    "    vrid = 0;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"int\"; interface = \"eth0\";\n"
	    "    vrid = 256;\n"
	    "    addresses = ( \"192.0.2.11/24\" ); }\n"
	    ");\n",
	    "t.conf:3: vrrp_instances[ext].vrid: 0 is out of range 1..255",
	    "t.conf:6: vrrp_instances[int].vrid: 256 is out of range 1..255");
}

static void
test_integers_libconfig_would_wrap_are_seen_whole(void **state)
{
	/*
	 * libconfig 1.5 reads these with atoi()/strtoul() into an int:
	 * 4294967396 and 0x100000064 would both be a valid priority of 100.
	 */
	static const struct case_ cases[] = {
		{ "priority = 4294967396;",
		  "t.conf:4: vrrp_instances[ext].priority: 4294967396 is out of "
		  "range 1..255" },
		{ "priority = 0x100000064;",
		  "t.conf:4: vrrp_instances[ext].priority: 4294967396 is out of "
		  "range 1..255" },
		{ "priority = -2147483649;",
		  "t.conf:4: vrrp_instances[ext].priority: -2147483649 is out of "
		  "range 1..255" },
		{ "priority = 2147483648;",
		  "t.conf:4: vrrp_instances[ext].priority: 2147483648 is out of "
		  "range 1..255" },
		/* The extremes of int are read right without help. */
		{ "priority = 2147483647;",
		  "t.conf:4: vrrp_instances[ext].priority: 2147483647 is out of "
		  "range 1..255" },
		{ "priority = -2147483648;",
		  "t.conf:4: vrrp_instances[ext].priority: -2147483648 is out of "
		  "range 1..255" },
		{ "priority = 0xFFFFFFFF;",
		  "t.conf:4: vrrp_instances[ext].priority: 4294967295 is out of "
		  "range 1..255" },
		{ "priority = 99999999999999999999999;",
		  "t.conf:4: vrrp_instances[ext].priority: 9223372036854775807 is "
		  "out of range 1..255" },
		{ "priority = 4294967396L;",
		  "t.conf:4: vrrp_instances[ext].priority: 4294967396 is out of "
		  "range 1..255" },
		/* Digits in floats, names and strings are left alone. */
		{ "preempt_delay_ms = 99999999999.5;",
		  "t.conf:4: vrrp_instances[ext].preempt_delay_ms: expected an "
		  "integer" },
		{ "preempt_delay_ms = .99999999999;",
		  "t.conf:4: vrrp_instances[ext].preempt_delay_ms: expected an "
		  "integer" },
		{ "advert_interval_ms = 1e10;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: expected an "
		  "integer" },
		{ "track99999999999 = 1;",
		  "t.conf:4: unknown key 'track99999999999' in vrrp_instances[ext]" },
		{ "interface_x = \"99999999999\";",
		  "t.conf:4: unknown key 'interface_x' in vrrp_instances[ext]" },
	};
	struct conf *c;

	(void)state;
	RUN_CASES(instance_tmpl, cases);
	/* Hex, L and a sign are fine when the value is in range. */
	c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 0x33;\n"
	    "    priority = 0xFFL; preempt_delay_ms = +3600000;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n");
	assert_int_equal(c->instances[0].vrid, 51);
	assert_int_equal(c->instances[0].priority, 255);
	assert_int_equal(c->instances[0].preempt_delay_ms, 3600000);
	conf_free(c);
}

static void
test_wrong_types_are_refused(void **state)
{
	static const struct case_ cases[] = {
		{ "priority = \"150\";",
		  "t.conf:4: vrrp_instances[ext].priority: expected an integer" },
		{ "priority = 150.0;",
		  "t.conf:4: vrrp_instances[ext].priority: expected an integer" },
		{ "priority = true;",
		  "t.conf:4: vrrp_instances[ext].priority: expected an integer" },
		{ "priority = [ 150 ];",
		  "t.conf:4: vrrp_instances[ext].priority: expected an integer" },
		{ "version = 3.0;",
		  "t.conf:4: vrrp_instances[ext].version: expected an integer" },
		{ "preempt = 1;",
		  "t.conf:4: vrrp_instances[ext].preempt: expected true or false" },
		{ "preempt = \"yes\";",
		  "t.conf:4: vrrp_instances[ext].preempt: expected true or false" },
		{ "accept_mode = 1;",
		  "t.conf:4: vrrp_instances[ext].accept_mode: expected true or "
		  "false" },
		{ "use_vmac = 0;",
		  "t.conf:4: vrrp_instances[ext].use_vmac: expected true or false" },
		{ "garp = 5;",
		  "t.conf:4: vrrp_instances[ext].garp: expected a group { ... }" },
		{ "garp = ( );",
		  "t.conf:4: vrrp_instances[ext].garp: expected a group { ... }" },
		{ "garp = { repeat = 1.5; };",
		  "t.conf:4: vrrp_instances[ext].garp.repeat: expected an integer" },
	};

	(void)state;
	RUN_CASES(instance_tmpl, cases);
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\";\n"
	    "    interface = 0;\n"
	    "    vrid = \"51\";\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n",
	    "t.conf:3: vrrp_instances[ext].interface: expected a string",
	    "t.conf:4: vrrp_instances[ext].vrid: expected an integer");
}

static void
test_unsupported_values_are_refused_by_name(void **state)
{
	static const struct case_ cases[] = {
		/* use_vmac and accept_mode = false load now; vmac_name is checked. */
		{ "vmac_name = \"vm51\";",
		  "t.conf:4: vrrp_instances[ext].vmac_name: only with use_vmac = "
		  "true" },
		{ "use_vmac = true; vmac_name = \"a/b\";",
		  "t.conf:4: vrrp_instances[ext].vmac_name: 'a/b' is not an "
		  "interface name (1..15 characters from A-Z a-z 0-9 _ . -)" },
		{ "use_vmac = true; vmac_name = \"eth0\";",
		  "t.conf:4: vrrp_instances[ext].vmac_name: 'eth0' is the "
		  "instance's own interface; the VMAC interface is created on top "
		  "of it" },
	};
	struct conf *c;

	(void)state;
	RUN_CASES(instance_tmpl, cases);
	/* The interval of a v2 instance is whole seconds (RFC 3768 5.3.7). */
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51; version = 2;\n"
	    "    advert_interval_ms = 1500;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n",
	    "t.conf:3: vrrp_instances[ext].advert_interval_ms: 1500 is not a "
	    "multiple of 1000 (VRRPv2 counts seconds)");
	/* Their supported values load. */
	c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51; version = 3;\n"
	    "    accept_mode = true; use_vmac = false;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n");
	assert_true(c->instances[0].accept_mode);
	conf_free(c);
}

/* ---- VRRPv2 and its authentication (RFC 3768, keepalived) ---------------- */

static void
test_v2_instances_load_with_each_authentication(void **state)
{
	static const uint8_t pass_key[CONF_AUTH_KEY_LEN] = "s3cret";
	static const uint8_t ah_key[CONF_AUTH_KEY_LEN] = {
		'1', '2', '3', '4', '5', '6', '7', '8' };
	const struct conf_instance *in;
	struct conf *c;

	(void)state;
	c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"none\"; interface = \"eth0\"; vrid = 1; version = 2;\n"
	    "    advert_interval_ms = 1000; addresses = ( \"10.0.0.1\" ); },\n"
	    "  { name = \"pass\"; interface = \"eth0\"; vrid = 2; version = 2;\n"
	    "    advert_interval_ms = 255000; addresses = ( \"10.0.0.2\" );\n"
	    "    authentication = { type = \"pass\"; secret = \"s3cret\"; }; },\n"
	    "  { name = \"ah\"; interface = \"eth0\"; vrid = 3; version = 2;\n"
	    "    addresses = ( \"10.0.0.3\" );\n"
	    "    authentication = { secret = \"12345678\"; type = \"ah\"; }; },\n"
	    "  { name = \"v3\"; interface = \"eth0\"; vrid = 4;\n"
	    "    addresses = ( \"10.0.0.4\" ); }\n"
	    ");\n");
	assert_int_equal(c->ninstances, 4);
	in = &c->instances[0];
	assert_int_equal(in->version, 2);
	assert_int_equal(in->advert_interval_ms, 1000);
	assert_int_equal(in->auth.type, CONF_AUTH_NONE);
	in = &c->instances[1];
	assert_int_equal(in->version, 2);
	assert_int_equal(in->advert_interval_ms, 255000);
	assert_int_equal(in->auth.type, CONF_AUTH_PASS);
	/* NUL-padded to 8 bytes, as keepalived keeps auth_pass. */
	assert_memory_equal(in->auth.key, pass_key, CONF_AUTH_KEY_LEN);
	in = &c->instances[2];
	assert_int_equal(in->advert_interval_ms, 1000);   /* the default is 1 s */
	assert_int_equal(in->auth.type, CONF_AUTH_AH);
	assert_memory_equal(in->auth.key, ah_key, CONF_AUTH_KEY_LEN);
	in = &c->instances[3];
	assert_int_equal(in->version, 3);
	assert_int_equal(in->auth.type, CONF_AUTH_NONE);
	conf_free(c);
}

/* Line 4 is the key under test in a valid v2 instance. */
static const char v2_instance_tmpl[] =
	"vrrp_instances = (\n"
	"  { name = \"ext\"; interface = \"eth0\"; vrid = 51; version = 2;\n"
	"    addresses = ( \"192.0.2.10/24\" );\n"
	"    %s\n"
	"  }\n"
	");\n";

static void
test_authentication_errors_name_the_key_and_its_line(void **state)
{
	static const struct case_ v2_cases[] = {
		{ "authentication = \"pass\";",
		  "t.conf:4: vrrp_instances[ext].authentication: expected a group "
		  "{ ... }" },
		{ "authentication = { type = \"md5\"; secret = \"x\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.type: 'md5' is not "
		  "\"pass\" or \"ah\"" },
		/* keepalived's spelling is not ours: one vocabulary, lower case. */
		{ "authentication = { type = \"PASS\"; secret = \"x\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.type: 'PASS' is not "
		  "\"pass\" or \"ah\"" },
		{ "authentication = { type = 1; secret = \"x\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.type: expected a "
		  "string" },
		{ "authentication = { secret = \"x\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.type: missing "
		  "(required)" },
		{ "authentication = { type = \"pass\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.secret: missing "
		  "(required)" },
		{ "authentication = { type = \"pass\"; secret = \"\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.secret: 0 "
		  "characters, VRRPv2 carries 1..8" },
		{ "authentication = { type = \"pass\"; secret = \"123456789\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.secret: 9 "
		  "characters, VRRPv2 carries 1..8" },
		{ "authentication = { type = \"ah\"; secret = \"a-much-longer-key\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication.secret: 17 "
		  "characters, VRRPv2 carries 1..8" },
		{ "authentication = { type = \"ah\"; secret = 12345678; };",
		  "t.conf:4: vrrp_instances[ext].authentication.secret: expected a "
		  "string" },
		{ "authentication = { type = \"ah\"; secret = \"k\"; spi = 1; };",
		  "t.conf:4: unknown key 'spi' in vrrp_instances[ext].authentication" },
		{ "advert_interval_ms = 500;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: 500 is out of "
		  "range 1000..255000" },
		{ "advert_interval_ms = 256000;",
		  "t.conf:4: vrrp_instances[ext].advert_interval_ms: 256000 is out "
		  "of range 1000..255000" },
	};
	static const struct case_ v3_cases[] = {
		{ "authentication = { type = \"pass\"; secret = \"s\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication: needs version = 2 "
		  "(VRRPv3, RFC 5798, has no authentication)" },
		{ "version = 3; authentication = { type = \"ah\"; secret = \"s\"; };",
		  "t.conf:4: vrrp_instances[ext].authentication: needs version = 2 "
		  "(VRRPv3, RFC 5798, has no authentication)" },
		/* A refused version is reported once, not again by its rules. */
		{ "version = 4; authentication = { type = \"ah\"; secret = \"s\"; };",
		  "t.conf:4: vrrp_instances[ext].version: 4 is out of range 2..3" },
	};

	(void)state;
	RUN_CASES(v2_instance_tmpl, v2_cases);
	RUN_CASES(instance_tmpl, v3_cases);
	/* Every problem of the group at once, each at its own line. */
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51; version = 2;\n"
	    "    authentication = {\n"
	    "      type = \"des\";\n"
	    "      secret = \"far-too-long\";\n"
	    "      salt = 1;\n"
	    "    };\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n",
	    "t.conf:4: vrrp_instances[ext].authentication.type: 'des' is not "
	    "\"pass\" or \"ah\"",
	    "t.conf:5: vrrp_instances[ext].authentication.secret: 12 characters, "
	    "VRRPv2 carries 1..8",
	    "t.conf:6: unknown key 'salt' in vrrp_instances[ext].authentication");
}

static void
test_unknown_and_later_keys_are_refused(void **state)
{
	static const struct case_ cases[] = {
		{ "bogus_key = 1;",
		  "t.conf:4: unknown key 'bogus_key' in vrrp_instances[ext]" },
		{ "advert_int = 1;",
		  "t.conf:4: unknown key 'advert_int' in vrrp_instances[ext]" },
		{ "garp = { repeat = 3; bursts = 2; };",
		  "t.conf:4: unknown key 'bursts' in vrrp_instances[ext].garp" },
		{ "track_interfaces = ( { name = \"eth1\"; wait = 0; } );",
		  "t.conf:4: unknown key 'wait' in "
		  "vrrp_instances[ext].track_interfaces[0]" },
		{ "track_scripts = ( { name = \"chk\"; weight = -60; } );",
		  "t.conf:4: vrrp_instances[ext].track_scripts[0].name: no track "
		  "script named 'chk' in the top-level track_scripts" },
		{ "track_files = ( { path = \"run/x\"; weight = 1; } );",
		  "t.conf:4: vrrp_instances[ext].track_files[0].path: 'run/x' is "
		  "not an absolute path" },
		{ "notify = { masterr = \"/etc/vipd/notify.sh\"; };",
		  "t.conf:4: unknown key 'masterr' in vrrp_instances[ext].notify" },
	};
	static const struct case_ top[] = {
		{ "sync_groups = ( { name = \"edge\"; members = ( \"ext\" ); } );",
		  "t.conf:1: sync_groups[edge].members[0]: no vrrp instance named "
		  "'ext'" },
		{ "track_scripts = { };",
		  "t.conf:1: track_scripts: expected a list ( { ... }, ... ) of "
		  "groups" },
		{ "virtual_services = { };",
		  "t.conf:1: virtual_services: expected a list ( { ... } )" },
		{ "conn_sync = ( );",
		  "t.conf:1: conn_sync: expected a group { ... }" },
		{ "globl = { };",
		  "t.conf:1: unknown key 'globl' in the top level" },
		{ "vrrp_instance = ( );",
		  "t.conf:1: unknown key 'vrrp_instance' in the top level" },
	};

	(void)state;
	RUN_CASES(instance_tmpl, cases);
	RUN_CASES("%s\n", top);
}

static void
test_required_keys_are_reported_at_the_instance(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  {\n"
	    "    priority = 0;\n"
	    "  },\n"
	    "  { name = \"c\"; addresses = ( \"192.0.2.12\" ); }\n"
	    ");\n",
	    "t.conf:4: vrrp_instances[1].name: missing (required)",
	    "t.conf:4: vrrp_instances[1].interface: missing (required)",
	    "t.conf:4: vrrp_instances[1].vrid: missing (required)",
	    "t.conf:4: vrrp_instances[1].addresses: missing (required)",
	    "t.conf:5: vrrp_instances[1].priority: 0 is out of range 1..255",
	    "t.conf:7: vrrp_instances[c].interface: missing (required)",
	    "t.conf:7: vrrp_instances[c].vrid: missing (required)");
}

static void
test_bad_names_are_refused_and_the_index_names_the_instance(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"web server\"; interface = \"eth0\"; vrid = 52;\n"
	    "    priority = 0;\n"
	    "    addresses = ( \"192.0.2.11/24\" ); },\n"
	    "  { name = \"\"; interface = \"eth0\"; vrid = 53;\n"
	    "    addresses = ( \"192.0.2.12/24\" ); },\n"
	    "  { name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa\"; interface = \"eth0\"; vrid = 54;\n"
	    "    addresses = ( \"192.0.2.13/24\" ); },\n"
	    "  { name = 5; interface = \"eth0\"; vrid = 55;\n"
	    "    addresses = ( \"192.0.2.14/24\" ); }\n"
	    ");\n",
	    "t.conf:4: vrrp_instances[1].name: 'web server' is not 1..63 "
	    "characters of A-Z a-z 0-9 _ . -",
	    "t.conf:5: vrrp_instances[1].priority: 0 is out of range 1..255",
	    "t.conf:7: vrrp_instances[2].name: '' is not 1..63 characters of "
	    "A-Z a-z 0-9 _ . -",
	    "t.conf:9: vrrp_instances[3].name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa...' is not 1..63 characters of A-Z a-z 0-9 _ . -",
	    "t.conf:11: vrrp_instances[4].name: expected a string");
}

static void
test_bad_interface_names_are_refused(void **state)
{
	static const struct case_ cases[] = {
		{ "\"\"", "t.conf:2: vrrp_instances[ext].interface: '' is not an "
		  "interface name (1..15 characters, no '/', ':' or blanks)" },
		{ "\"abcdefghijklmnop\"", "t.conf:2: vrrp_instances[ext].interface: "
		  "'abcdefghijklmnop' is not an interface name (1..15 characters, "
		  "no '/', ':' or blanks)" },
		{ "\"eth0/1\"", "t.conf:2: vrrp_instances[ext].interface: 'eth0/1' "
		  "is not an interface name (1..15 characters, no '/', ':' or "
		  "blanks)" },
		{ "\"eth0:1\"", "t.conf:2: vrrp_instances[ext].interface: 'eth0:1' "
		  "is not an interface name (1..15 characters, no '/', ':' or "
		  "blanks)" },
		{ "\"eth 0\"", "t.conf:2: vrrp_instances[ext].interface: 'eth 0' "
		  "is not an interface name (1..15 characters, no '/', ':' or "
		  "blanks)" },
		{ "\"..\"", "t.conf:2: vrrp_instances[ext].interface: '..' is not "
		  "an interface name (1..15 characters, no '/', ':' or blanks)" },
		{ "\"eth\\n0\"", "t.conf:2: vrrp_instances[ext].interface: "
		  "'eth?0' is not an interface name (1..15 characters, no '/', "
		  "':' or blanks)" },
	};

	(void)state;
	RUN_CASES("vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = %s; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n", cases);
}

static void
test_bad_addresses_are_refused(void **state)
{
	static const struct case_ cases[] = {
		{ "( )", "t.conf:3: vrrp_instances[ext].addresses: empty, at least "
		  "one address is required" },
		{ "\"192.0.2.10\"", "t.conf:3: vrrp_instances[ext].addresses: "
		  "expected a list ( ... ) of strings" },
		{ "{ a = \"192.0.2.10\"; }", "t.conf:3: vrrp_instances[ext]."
		  "addresses: expected a list ( ... ) of strings" },
		{ "( 5 )", "t.conf:3: vrrp_instances[ext].addresses[0]: expected "
		  "a string or a group { address = \"...\"; ... }" },
		{ "( \"192.0.2.300\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.300' is not an IPv4 or IPv6 address "
		  "(A.B.C.D[/N] or X:X::X[/N])" },
		{ "( \"192.0.2\" )", "t.conf:3: vrrp_instances[ext].addresses[0]: "
		  "'192.0.2' is not an IPv4 or IPv6 address (A.B.C.D[/N] or "
		  "X:X::X[/N])" },
		{ "( \"\" )", "t.conf:3: vrrp_instances[ext].addresses[0]: '' is "
		  "not an IPv4 or IPv6 address (A.B.C.D[/N] or X:X::X[/N])" },
		{ "( \"/24\" )", "t.conf:3: vrrp_instances[ext].addresses[0]: "
		  "'/24' is not an IPv4 or IPv6 address (A.B.C.D[/N] or "
		  "X:X::X[/N])" },
		{ "( \" 192.0.2.10\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: ' 192.0.2.10' is not an IPv4 or IPv6 address "
		  "(A.B.C.D[/N] or X:X::X[/N])" },
		{ "( \"192.0.2.10/33\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/33': the prefix length must be 0..32" },
		{ "( \"192.0.2.10/\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/': the prefix length must be 0..32" },
		{ "( \"192.0.2.10/x\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/x': the prefix length must be 0..32" },
		{ "( \"192.0.2.10/-1\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/-1': the prefix length must be "
		  "0..32" },
		{ "( \"192.0.2.10/0024\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/0024': the prefix length must be "
		  "0..32" },
		{ "( \"192.0.2.10/24/24\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '192.0.2.10/24/24': the prefix length must be "
		  "0..32" },
		{ "( \"2001:db8::1/129\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '2001:db8::1/129': the prefix length must be "
		  "0..128" },
		{ "( \"2001:db8::zz\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: '2001:db8::zz' is not an IPv4 or IPv6 address "
		  "(A.B.C.D[/N] or X:X::X[/N])" },
		{ "( \"192.0.2.10\", \"2001:db8::1\" )", "t.conf:3: "
		  "vrrp_instances[ext].addresses[1]: '2001:db8::1' is IPv6 but the "
		  "instance's first address is IPv4: one family per instance "
		  "(advertise = false carries it unadvertised)" },
		{ "( \"2001:db8::1\", \"192.0.2.10/24\" )", "t.conf:3: "
		  "vrrp_instances[ext].addresses[1]: '192.0.2.10/24' is IPv4 but "
		  "the instance's first address is IPv6: one family per instance "
		  "(advertise = false carries it unadvertised)" },
		{ "( \"ff02::12\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: ff02::12 cannot be a virtual address: it is "
		  "unspecified, loopback or multicast" },
		{ "( \"::1\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: ::1 cannot be a virtual address: it is "
		  "unspecified, loopback or multicast" },
		{ "( \"::/0\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: :: cannot be a virtual address: it is "
		  "unspecified, loopback or multicast" },
		{ "( \"192.0.2.10/24\", \"192.0.2.10/32\" )", "t.conf:3: "
		  "vrrp_instances[ext].addresses[1]: 192.0.2.10 is already in the "
		  "list (addresses[0])" },
		{ "( \"224.0.0.18\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: 224.0.0.18 cannot be a virtual address: it is in "
		  "0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3" },
		{ "( \"255.255.255.255\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: 255.255.255.255 cannot be a virtual address: it "
		  "is in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3" },
		{ "( \"127.0.0.1/8\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: 127.0.0.1 cannot be a virtual address: it is in "
		  "0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3" },
		{ "( \"0.0.0.0/0\" )", "t.conf:3: vrrp_instances[ext]."
		  "addresses[0]: 0.0.0.0 cannot be a virtual address: it is in "
		  "0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3" },
	};

	(void)state;
	RUN_CASES("vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = %s;\n"
	    "  }\n"
	    ");\n", cases);
}

/* n addresses 10.0.<i/250>.<i%250+1>, on line 3. */
static char *
instance_with_n_addresses(int n)
{
	size_t cap = 128 + (size_t)n * 24, len;
	char *text = malloc(cap);

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( ");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"10.0.%d.%d\"",
		    i > 0 ? ", " : "", i / 250, i % 250 + 1);
	snprintf(text + len, cap - len, " ); }\n);\n");
	return text;
}

static void
test_at_most_255_addresses_fit_in_an_advert(void **state)
{
	struct conf *c;
	char *text;

	(void)state;
	text = instance_with_n_addresses(255);
	c = load_ok(text);
	assert_int_equal(c->instances[0].nvips, 255);
	conf_free(c);
	free(text);
	text = instance_with_n_addresses(256);
	EXPECT_ERRORS(text, "t.conf:3: vrrp_instances[ext].addresses: 256 "
	    "addresses, at most 255 fit in an advertisement");
	free(text);
}

static void
test_global_errors(void **state)
{
	static const struct case_ cases[] = {
		{ "router_id = \"lb a\";", "t.conf:2: global.router_id: 'lb a' is "
		  "not 1..63 characters of A-Z a-z 0-9 _ . -" },
		{ "router_id = 5;", "t.conf:2: global.router_id: expected a "
		  "string" },
		{ "state_dir = \"run/vipd\";", "t.conf:2: global.state_dir: "
		  "'run/vipd' is not an absolute path" },
		{ "state_dir = \"\";", "t.conf:2: global.state_dir: '' is not an "
		  "absolute path" },
		{ "state_dir = ( \"/run\" );", "t.conf:2: global.state_dir: "
		  "expected a string" },
		{ "script_user = \"\";", "t.conf:2: global.script_user: '' is not "
		  "a user name (1..63 characters of A-Z a-z 0-9 _ . -, not starting "
		  "with -)" },
		{ "script_user = \"-root\";", "t.conf:2: global.script_user: "
		  "'-root' is not a user name (1..63 characters of A-Z a-z 0-9 _ . "
		  "-, not starting with -)" },
		{ "script_user = \"no body\";", "t.conf:2: global.script_user: "
		  "'no body' is not a user name (1..63 characters of A-Z a-z 0-9 _ "
		  ". -, not starting with -)" },
		{ "handover = \"RFC\";", "t.conf:2: global.handover: 'RFC' is not "
		  "\"make-before-break\" or \"rfc\"" },
		{ "handover = 1;", "t.conf:2: global.handover: expected a string" },
		{ "routerid = \"a\";", "t.conf:2: unknown key 'routerid' in "
		  "global" },
		{ "vrrp_version = 3;", "t.conf:2: unknown key 'vrrp_version' in "
		  "global" },
	};

	(void)state;
	RUN_CASES("global = {\n  %s\n};\n", cases);
	EXPECT_ERRORS("global = 5;\n",
	    "t.conf:1: global: expected a group { ... }");
	EXPECT_ERRORS("\nglobal = ( );\n",
	    "t.conf:2: global: expected a group { ... }");
}

static void
test_vrrp_instances_must_be_a_list_of_groups(void **state)
{
	(void)state;
	EXPECT_ERRORS("vrrp_instances = { name = \"ext\"; };\n",
	    "t.conf:1: vrrp_instances: expected a list ( { ... }, ... ) of "
	    "groups");
	EXPECT_ERRORS("vrrp_instances = [ ];\n",
	    "t.conf:1: vrrp_instances: expected a list ( { ... }, ... ) of "
	    "groups");
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  \"ext\",\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n",
	    "t.conf:2: vrrp_instances[0]: expected a group { ... }");
}

/* ---- checks across instances --------------------------------------------- */

static void
test_duplicates_across_instances_are_refused(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\", \"192.0.2.11/24\" ); },\n"
	    "  { name = \"int\"; interface = \"eth1\"; vrid = 51;\n"
	    "    addresses = ( \"10.9.0.1\",\n"
	    "                  \"192.0.2.11/24\" ); }\n"
	    ");\n",
	    "t.conf:4: vrrp_instances[ext].name: 'ext' is already the name of "
	    "the instance at line 2",
	    "t.conf:4: vrrp_instances[ext].vrid: 51 on eth0 is already used by "
	    "vrrp_instances[ext] (line 2)",
	    "t.conf:5: vrrp_instances[ext].addresses[0]: 192.0.2.10 is already "
	    "an address of vrrp_instances[ext] (line 2)",
	    "t.conf:8: vrrp_instances[int].addresses[1]: 192.0.2.11 is already "
	    "an address of vrrp_instances[ext] (line 4)");
}

static void
test_same_vrid_on_other_interfaces_is_fine(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"int\"; interface = \"eth1\"; vrid = 51;\n"
	    "    addresses = ( \"10.1.0.10/24\" ); },\n"
	    "  { name = \"dmz\"; interface = \"eth0\"; vrid = 52;\n"
	    "    addresses = ( \"192.0.2.20/24\" ); }\n"
	    ");\n");
	assert_int_equal(c->ninstances, 3);
	assert_ptr_equal(conf_find_instance(c, "int"), &c->instances[1]);
	assert_ptr_equal(conf_find_instance(c, "dmz"), &c->instances[2]);
	assert_ptr_equal(conf_find_instance(c, "ext"), &c->instances[0]);
	assert_null(conf_find_instance(c, "ex"));
	conf_free(c);
}

static void
test_a_broken_instance_is_not_compared_with_the_others(void **state)
{
	/* An interface already refused makes no second message on its vrid. */
	(void)state;
	EXPECT_ERRORS(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"int\"; interface = \"eth0/1\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.11/24\" ); }\n"
	    ");\n",
	    "t.conf:4: vrrp_instances[int].interface: 'eth0/1' is not an "
	    "interface name (1..15 characters, no '/', ':' or blanks)");
}

/* ---- the file as a whole ------------------------------------------------- */

static void
test_every_error_of_a_file_is_reported_in_line_order(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "global = {\n"                                      /* 1 */
	    "  router_id = \"a\";\n"
	    "  state_dir = \"relative\";\n"
	    "};\n"
	    "vrrp_instances = (\n"                              /* 5 */
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" );\n"
	    "    bogus_key = 1;\n"
	    "    priority = 300;\n"
	    "    garp = { repeat = 0; };\n"                    /* 10 */
	    "  },\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 52;\n"
	    "    addresses = ( \"192.0.2.11/24\" ); }\n"
	    ");\n"
	    "conn_sync = { };\n",                              /* 15 */
	    "t.conf:3: global.state_dir: 'relative' is not an absolute path",
	    "t.conf:8: unknown key 'bogus_key' in vrrp_instances[ext]",
	    "t.conf:9: vrrp_instances[ext].priority: 300 is out of range 1..255",
	    "t.conf:10: vrrp_instances[ext].garp.repeat: 0 is out of range "
	    "1..100",
	    "t.conf:12: vrrp_instances[ext].name: 'ext' is already the name of "
	    "the instance at line 6",
	    "t.conf:15: conn_sync.interface: required",
	    "t.conf:15: conn_sync.local: required",
	    "t.conf:15: conn_sync.peer: required",
	    "t.conf:15: conn_sync.key_file: required",
	    "t.conf:15: conn_sync.follow: required (an instance or sync group "
	    "name)");
}

static void
test_errors_beyond_the_limit_are_counted(void **state)
{
	char text[4096];
	size_t len;
	struct conf *c;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "global = {\n");
	for (int i = 0; i < CONF_MAX_ERRORS + 6; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "  k%d = 1;\n", i);
	snprintf(text + len, sizeof(text) - len, "};\n");
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), -EINVAL);
	assert_int_equal(errs.count, CONF_MAX_ERRORS + 6);
	assert_int_equal(errs.stored, CONF_MAX_ERRORS);
	assert_string_equal(errs.msg[0], "t.conf:2: unknown key 'k0' in global");
	assert_string_equal(errs.msg[CONF_MAX_ERRORS - 1],
	    "t.conf:65: unknown key 'k63' in global");

	/* The next load starts from zero. */
	c = load_ok("");
	assert_int_equal(errs.stored, 0);
	conf_free(c);
}

static void
test_syntax_errors_give_libconfig_text_and_line(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "global = {\n"
	    "  router_id = \"a\";\n"
	    "  state_dir = ;\n"
	    "};\n",
	    "t.conf:3: syntax error: syntax error");
	EXPECT_ERRORS(
	    "global = { router_id = \"a\"; };\n"
	    "\n"
	    "global = { router_id = \"b\"; };\n",
	    "t.conf:3: syntax error: duplicate setting name");
	EXPECT_ERRORS("vrrp_instances = (\n  { name = \"ext\"; }\n",
	    "t.conf:3: syntax error: syntax error");
	/* Found by fuzz_conf: a text ending inside a name hung the pre-check. */
	EXPECT_ERRORS("global = { };\nglob-_*",
	    "t.conf:2: syntax error: syntax error");
}

static void
test_what_libconfig_gets_wrong_is_refused_before_it_parses(void **state)
{
	struct conf *c;

	(void)state;
	/* A directory here would make flex call exit() inside libconfig. */
	EXPECT_ERRORS(
	    "global = { router_id = \"a\"; };\n"
	    "  @include \"/\"\n",
	    "t.conf:2: @include needs a file: this text is not read from one");
	EXPECT_ERRORS(
	    "global = {\n"
	    "  router_id = \"lb\\x00a\";\n"
	    "};\n",
	    "t.conf:2: \\x00 in a string would cut it short");
	/* Only where libconfig would see them: not in comments or strings. */
	c = load_ok(
	    "# @include \"/\"\n"
	    "/*\n"
	    "@include \"/\"\n"
	    "*/\n"
	    "global = { router_id = \"a\"; }; // \"\\x00\n");
	conf_free(c);
	/* libconfig would take "a" and drop the rest, or close the comment. */
	EXPECT_ERRORS(
	    "global = { router_id = \"a\"\n"
	    "  \"b; };\n",
	    "t.conf:2: string never closed");
	EXPECT_ERRORS(
	    "global = { router_id = \"a\"; };\n"
	    "/* vrrp_instances = ( ... );\n",
	    "t.conf:2: /* comment never closed");
	EXPECT_ERRORS(
	    "global = { router_id = \"a\n"
	    "@include \\\"/\\\"\"; };\n",
	    "t.conf:1: global.router_id: 'a?@include \"/\"' is not 1..63 "
	    "characters of A-Z a-z 0-9 _ . -");
}

/* ---- files --------------------------------------------------------------- */

static char *
write_temp(const char *content, size_t len)
{
	char *path = strdup("/tmp/test_conf.XXXXXX");
	int fd;

	assert_non_null(path);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_load_file_names_the_file_in_every_message(void **state)
{
	static const char bad[] = "global = {\n  router_id = 5;\n};\n";
	char want[256], *path;
	struct conf *c = (struct conf *)1;

	(void)state;
	assert_int_equal(conf_load_file("/nonexistent/vipd.conf", &c, &errs),
	    -ENOENT);
	assert_null(c);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "/nonexistent/vipd.conf: cannot read: "
	    "No such file or directory");

	assert_int_equal(conf_load_file("/", &c, &errs), -EISDIR);
	assert_string_equal(errs.msg[0], "/: cannot read: Is a directory");

	path = write_temp(bad, sizeof(bad) - 1);
	assert_int_equal(conf_load_file(path, &c, &errs), -EINVAL);
	assert_null(c);
	snprintf(want, sizeof(want), "%s:2: global.router_id: expected a "
	    "string", path);
	assert_string_equal(errs.msg[0], want);
	unlink(path);
	free(path);

	/* libconfig would stop at the NUL and never see line 3. */
	path = write_temp("global = { };\n\0\nbogus = 1;\n", 27);
	assert_int_equal(conf_load_file(path, &c, &errs), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: NUL byte: not a text file", path);
	assert_string_equal(errs.msg[0], want);
	unlink(path);
	free(path);
}

static void
test_track_processes_load_with_defaults_and_errors_at_their_line(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(
	    "track_processes = (\n"
	    "  { name = \"web\"; process = \"nginx\"; args = \"-g\";\n"
	    "    param_match = \"initial\"; delay_ms = 500;\n"
	    "    terminate_delay_ms = 100; weight = -20; }\n"
	    ");\n"
	    "vrrp_instances = ( { name = \"ext\"; interface = \"eth0\"; vrid = 1;\n"
	    "  priority = 100; addresses = ( \"10.0.0.1/24\" );\n"
	    "  track_processes = ( { name = \"web\"; },\n"
	    "    { name = \"web\"; weight = 0; } ); } );\n");
	assert_int_equal(c->ntrack_processes, 1);
	assert_string_equal(c->track_processes[0].process, "nginx");
	assert_true(c->track_processes[0].has_args);
	assert_true(c->track_processes[0].args_prefix);
	assert_int_equal(c->track_processes[0].quorum, 1);
	assert_int_equal(c->track_processes[0].fork_delay_ms, 500);
	assert_int_equal(c->track_processes[0].terminate_delay_ms, 100);
	/* The tracker's weight unless the reference gives one. */
	assert_int_equal(c->instances[0].track.nprocs, 2);
	assert_int_equal(c->instances[0].track.procs[0].weight, -20);
	assert_int_equal(c->instances[0].track.procs[1].weight, 0);
	conf_free(c);
	EXPECT_ERRORS(
	    "track_processes = (\n"
	    "  { name = \"a\"; quorum = 3;\n"
	    "    quorum_max = 2; process = \"x\"; },\n"
	    "  { name = \"b\"; param_match = \"partial\"; args = \"1\"; },\n"
	    "  { name = \"a\"; process = \"y\"; }\n"
	    ");\n",
	    "t.conf:3: track_processes[a].quorum_max: 2 is below quorum 3",
	    "t.conf:4: track_processes[b].process: missing (required)",
	    "t.conf:4: track_processes[b].param_match: 'partial' is not \"exact\" "
	    "or \"initial\"",
	    "t.conf:5: track_processes[a].name: already the name of the tracker "
	    "at line 2");
}

/* path/name with content; returns path/name in out. */
static void
write_at(const char *dir, const char *name, const char *content, char *out,
    size_t len)
{
	FILE *f;

	snprintf(out, len, "%s/%s", dir, name);
	assert_non_null(f = fopen(out, "w"));
	fputs(content, f);
	fclose(f);
}

static void
test_include_splices_files_and_names_their_own_lines(void **state)
{
	char dir[] = "/tmp/test_conf_inc.XXXXXX", p[4][700], want[1600];
	char sub[600], fifo[600];
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* Sorted: 10-int after 01-ext, whatever order they were made in. */
	write_at(sub, "10-int.inc", "  , { name = \"int\"; interface = \"lo\";"
	    " vrid = 2; priority = 100;\n    addresses = ( \"10.0.1.1/24\" ); }\n",
	    p[0], sizeof(p[0]));
	write_at(sub, "01-ext.inc", "  { name = \"ext\"; interface = \"lo\";"
	    " vrid = 1; priority = 100;\n    addresses = ( \"10.0.0.1/24\" ); }\n",
	    p[1], sizeof(p[1]));
	write_at(dir, "main.conf", "# a fleet's shared file\n"
	    "vrrp_instances = (\n  @include \"d/*.inc\"\n);\n"
	    "@include \"none/*.conf\"\n"
	    "global = { router_id = \"a\"; };\n", p[2], sizeof(p[2]));
	assert_int_equal(conf_load_file(p[2], &c, &errs), 0);
	assert_int_equal(c->ninstances, 2);
	assert_string_equal(c->instances[0].name, "ext");
	assert_string_equal(c->instances[1].name, "int");
	assert_int_equal(errs.nwarn, 1);
	snprintf(want, sizeof(want), "%s:5: warning: @include \"none/*.conf\" "
	    "matches no file", p[2]);
	assert_string_equal(errs.warn[0], want);
	conf_free(c);

	/* An error in an included file is at that file's own line. */
	write_at(sub, "10-int.inc", "  , { name = \"int\"; interface = \"lo\";"
	    "\n    vrid = 2; priority = 900;\n"
	    "    addresses = ( \"10.0.1.1/24\" ); }\n", p[0], sizeof(p[0]));
	assert_int_equal(conf_load_file(p[2], &c, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	snprintf(want, sizeof(want), "%s:2: vrrp_instances[int].priority: 900 "
	    "is out of range 1..255", p[0]);
	assert_string_equal(errs.msg[0], want);
	/* The lines after an include are the including file's own again. */
	write_at(dir, "main.conf", "vrrp_instances = (\n  @include \"d/01*\"\n"
	    ");\nglobal = { router_id = 7; };\n", p[2], sizeof(p[2]));
	assert_int_equal(conf_load_file(p[2], &c, &errs), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: global.router_id: expected a "
	    "string", p[2]);
	assert_string_equal(errs.msg[0], want);

	/* A loop names the chain; a FIFO is refused, never waited on. */
	write_at(dir, "a.conf", "@include \"b.conf\"\n", p[3], sizeof(p[3]));
	write_at(dir, "b.conf", "\n@include \"a.conf\"\n", p[1], sizeof(p[1]));
	assert_int_equal(conf_load_file(p[3], &c, &errs), -EINVAL);
	assert_non_null(strstr(errs.msg[0], "b.conf:2: @include loop: "));
	assert_non_null(strstr(errs.msg[0], "/a.conf -> "));
	assert_non_null(strstr(errs.msg[0], "/b.conf -> "));
	snprintf(fifo, sizeof(fifo), "%s/f.conf", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	write_at(dir, "b.conf", "@include \"f.conf\"\n", p[1], sizeof(p[1]));
	assert_int_equal(conf_load_file(p[3], &c, &errs), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: @include: %s: not a regular file",
	    p[1], fifo);
	assert_string_equal(errs.msg[0], want);
	unlink(fifo);
	unlink(p[1]);
	unlink(p[3]);
	unlink(p[2]);
	snprintf(want, sizeof(want), "%s/01-ext.inc", sub);
	unlink(want);
	unlink(p[0]);
	rmdir(sub);
	rmdir(dir);
}

static void
test_load_file_reads_a_good_file(void **state)
{
	struct conf *c;
	char *path;

	(void)state;
	path = write_temp(full_config, sizeof(full_config) - 1);
	assert_int_equal(conf_load_file(path, &c, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_string_equal(c->path, path);
	assert_int_equal(c->ninstances, 2);
	conf_free(c);
	unlink(path);
	free(path);
}

/* Run from the repository root, as make does. */
static void
test_shipped_sample_configs_are_valid(void **state)
{
	glob_t g;
	struct conf *c;
	int rc;

	(void)state;
	assert_int_equal(glob("etc/examples/*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);  /* pair-a/b, three-node-a/b/c */
	for (size_t i = 0; i <= g.gl_pathc; i++) {
		const char *path = i < g.gl_pathc ? g.gl_pathv[i] :
		    "etc/vipd.conf";

		rc = conf_load_file(path, &c, &errs);
		if (rc != 0) {
			print_message("%s:\n", path);
			print_errors();
		}
		assert_int_equal(rc, 0);
		assert_int_equal(errs.count, 0);
		assert_true(c->ninstances >= 1);
		conf_free(c);
	}
	globfree(&g);
}

/* ---- reload comparison --------------------------------------------------- */

/*
 * *b = *a with VIP and peer lists of its own, equal in content: what a
 * reload compares, the running model against one loaded again.
 */
static struct conf_vip b_vips[CONF_VIPS_MAX];
static struct addr b_peers[CONF_MAX_PEERS];

static void
copy_with_own_lists(struct conf_instance *b, const struct conf_instance *a)
{
	*b = *a;
	memset(b_vips, 0, sizeof(b_vips));
	memcpy(b_vips, a->vips, a->nvips * sizeof(*a->vips));
	b->vips = b_vips;
	if (a->npeers > 0) {
		memcpy(b_peers, a->peers, a->npeers * sizeof(*a->peers));
		b->peers = b_peers;
	}
}

static void
test_instance_equal_compares_every_field_but_line(void **state)
{
	struct conf *c;
	struct conf_instance a, b;

	(void)state;
	c = load_ok(full_config);
	a = c->instances[0];
	/* Lists at other addresses, holding the same: equal. */
	copy_with_own_lists(&b, &a);
	assert_ptr_not_equal(a.vips, b.vips);
	assert_true(conf_instance_equal(&a, &b));
	b.line = 99;
	assert_true(conf_instance_equal(&a, &b));

#define CHANGED(stmt) do {						\
		copy_with_own_lists(&b, &a);				\
		stmt;							\
		assert_false(conf_instance_equal(&a, &b));		\
		assert_false(conf_instance_equal(&b, &a));		\
	} while (0)
	CHANGED(b.name[0] = 'E');
	CHANGED(strcpy(b.interface, "eth1"));
	CHANGED(b.vrid++);
	CHANGED(b.version = 2);
	CHANGED(b.priority++);
	CHANGED(b.advert_interval_ms += 10);
	CHANGED(b.preempt = !b.preempt);
	CHANGED(b.preempt_delay_ms--);
	CHANGED(b.accept_mode = !b.accept_mode);
	CHANGED(b.use_vmac = !b.use_vmac);
	CHANGED(b.auth.type = CONF_AUTH_AH);
	CHANGED(b.auth.key[7] = 'x');
	CHANGED(b.garp.delay_ms--);
	CHANGED(b.garp.repeat--);
	CHANGED(b.garp.interval_ms--);
	CHANGED(b.garp.refresh_s--);
	CHANGED(b.nvips--);
	CHANGED(b.vips[2].addr.bytes[3]++);
	CHANGED(b.vips[1].prefix_len = 24);
	/* Order matters: the advert carries the addresses in this order. */
	CHANGED({ struct conf_vip t = b.vips[0]; b.vips[0] = b.vips[1];
	    b.vips[1] = t; });
#undef CHANGED

	/* Bytes past the used ones (and past nvips) are not behaviour. */
	copy_with_own_lists(&b, &a);
	b.vips[0].addr.bytes[10] = 0xff;
	b.vips[a.nvips].prefix_len = 7;
	assert_true(conf_instance_equal(&a, &b));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config_fills_every_field),
		cmocka_unit_test(test_omitted_keys_take_their_defaults),
		cmocka_unit_test(test_empty_file_is_a_valid_config_without_instances),
		cmocka_unit_test(test_limits_of_each_range_are_accepted),
		cmocka_unit_test(test_instance_values_out_of_range_are_refused),
		cmocka_unit_test(test_vrid_out_of_range_is_refused),
		cmocka_unit_test(test_integers_libconfig_would_wrap_are_seen_whole),
		cmocka_unit_test(test_wrong_types_are_refused),
		cmocka_unit_test(test_unsupported_values_are_refused_by_name),
		cmocka_unit_test(test_v2_instances_load_with_each_authentication),
		cmocka_unit_test(test_authentication_errors_name_the_key_and_its_line),
		cmocka_unit_test(test_unknown_and_later_keys_are_refused),
		cmocka_unit_test(test_required_keys_are_reported_at_the_instance),
		cmocka_unit_test(test_bad_names_are_refused_and_the_index_names_the_instance),
		cmocka_unit_test(test_bad_interface_names_are_refused),
		cmocka_unit_test(test_bad_addresses_are_refused),
		cmocka_unit_test(test_at_most_255_addresses_fit_in_an_advert),
		cmocka_unit_test(test_global_errors),
		cmocka_unit_test(test_vrrp_instances_must_be_a_list_of_groups),
		cmocka_unit_test(test_duplicates_across_instances_are_refused),
		cmocka_unit_test(test_same_vrid_on_other_interfaces_is_fine),
		cmocka_unit_test(test_a_broken_instance_is_not_compared_with_the_others),
		cmocka_unit_test(test_every_error_of_a_file_is_reported_in_line_order),
		cmocka_unit_test(test_errors_beyond_the_limit_are_counted),
		cmocka_unit_test(test_syntax_errors_give_libconfig_text_and_line),
		cmocka_unit_test(test_what_libconfig_gets_wrong_is_refused_before_it_parses),
		cmocka_unit_test(test_load_file_names_the_file_in_every_message),
		cmocka_unit_test(test_load_file_reads_a_good_file),
		cmocka_unit_test(test_include_splices_files_and_names_their_own_lines),
		cmocka_unit_test(test_track_processes_load_with_defaults_and_errors_at_their_line),
		cmocka_unit_test(test_shipped_sample_configs_are_valid),
		cmocka_unit_test(test_instance_equal_compares_every_field_but_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
