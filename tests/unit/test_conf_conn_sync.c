/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The conn_sync section: a full section into the model with its defaults;
 * every missing or wrong key with its line; key files that others may read,
 * that are too short or missing are refused with the reason; follow must
 * name an instance.
 */
#include <errno.h>
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
#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;         /* 32 KiB: not on the stack */
static char dir[] = "/tmp/test_conf_conn_sync.XXXXXX";
static char key_ok[256], key_world[256], key_short[256], key_nl[256];

static void
write_key(char *path, size_t len, const char *name, const char *text,
    mode_t mode)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_key(key_ok, sizeof(key_ok), "ok.key",
	    "0123456789abcdef0123456789abcdef", 0600);
	write_key(key_world, sizeof(key_world), "world.key",
	    "0123456789abcdef0123456789abcdef", 0644);
	/* 31 bytes and a newline: the newline is not key material. */
	write_key(key_short, sizeof(key_short), "short.key",
	    "0123456789abcdef0123456789abcde\n", 0640);
	write_key(key_nl, sizeof(key_nl), "nl.key",
	    "0123456789abcdef0123456789abcdef\n", 0400);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(key_ok);
	unlink(key_world);
	unlink(key_short);
	unlink(key_nl);
	rmdir(dir);
	return 0;
}

/* A config with one instance "edge" and this conn_sync body (line 3). */
static int
load(const char *body, struct conf **c)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "vrrp_instances = ( { name = \"edge\"; interface = \"eth0\"; "
	    "vrid = 1; addresses = [ \"10.0.0.10\" ]; } );\n"
	    "conn_sync = {\n"
	    "%s\n"
	    "};\n", body);
	*c = NULL;
	return conf_load_string(text, "t.conf", c, &errs);
}

static void
expect_error(const char *body, const char *want)
{
	struct conf *c;
	int rc = load(body, &c);

	if (rc != -EINVAL || errs.count != 1 || strcmp(errs.msg[0], want) != 0)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

static void
test_full_section_loads_with_defaults(void **state)
{
	char body[512];
	struct conf *c;

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\";", key_ok);
	assert_int_equal(load(body, &c), 0);
	assert_true(c->conn_sync.enabled);
	assert_string_equal(c->conn_sync.interface, "eth2");
	assert_int_equal(c->conn_sync.port, 7788);
	assert_int_equal(c->conn_sync.socket_buffer_bytes, 8 * 1024 * 1024);
	assert_int_equal(c->conn_sync.local.bytes[3], 1);
	assert_int_equal(c->conn_sync.peer.bytes[3], 2);
	assert_int_equal(c->conn_sync.key_len, 32);
	assert_memory_equal(c->conn_sync.key, "0123456789abcdef", 16);
	assert_string_equal(c->conn_sync.follow, "edge");
	assert_false(c->conn_sync.follow_is_group);
	assert_int_equal(c->conn_sync.line, 2);
	conf_free(c);
	/* A trailing newline is not part of the key. */
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; port = 9000; key_file = \"%s\"; "
	    "follow = \"edge\"; socket_buffer_bytes = 65536;", key_nl);
	assert_int_equal(load(body, &c), 0);
	assert_int_equal(c->conn_sync.key_len, 32);
	assert_int_equal(c->conn_sync.port, 9000);
	assert_int_equal(c->conn_sync.socket_buffer_bytes, 65536);
	conf_free(c);
}

static void
test_without_section_sync_is_off(void **state)
{
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(conf_load_string("vrrp_instances = ( { name = \"a\"; "
	    "interface = \"eth0\"; vrid = 1; addresses = [ \"10.0.0.1\" ]; "
	    "} );\n", "t.conf", &c, &errs), 0);
	assert_false(c->conn_sync.enabled);
	conf_free(c);
}

static void
test_world_readable_key_is_refused(void **state)
{
	char body[512], want[512];

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\";", key_world);
	snprintf(want, sizeof(want), "t.conf:3: conn_sync.key_file: %s is "
	    "world-readable (mode 0644); allow only its owner and group "
	    "(chmod o-rw)", key_world);
	expect_error(body, want);
}

static void
test_short_key_is_refused(void **state)
{
	char body[512], want[512];

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\";", key_short);
	snprintf(want, sizeof(want), "t.conf:3: conn_sync.key_file: %s holds 31 "
	    "bytes; the key needs at least 32", key_short);
	expect_error(body, want);
}

static void
test_missing_key_file_is_refused(void **state)
{
	char body[512], want[512];

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s/none\"; follow = \"edge\";", dir);
	snprintf(want, sizeof(want), "t.conf:3: conn_sync.key_file: cannot open "
	    "%s/none: No such file or directory", dir);
	expect_error(body, want);
}

static void
test_every_key_is_checked(void **state)
{
	char body[512];

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"nope\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.follow: no instance or sync "
	    "group named 'nope'");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"fe80::1\"; key_file = \"%s\"; follow = \"edge\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.peer: not of the same family "
	    "as local");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.x\"; key_file = \"%s\"; follow = \"edge\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.peer: '10.2.0.x' is not an IPv4 "
	    "or IPv6 address");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; port = 0; key_file = \"%s\"; follow = \"edge\";",
	    key_ok);
	expect_error(body, "t.conf:3: conn_sync.port: 0 is out of range "
	    "1..65535");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; socket_buffer_bytes = 4096; key_file = \"%s\"; "
	    "follow = \"edge\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.socket_buffer_bytes: 4096 is out "
	    "of range 65536..67108864");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"rel.key\"; follow = \"edge\";");
	expect_error(body, "t.conf:3: conn_sync.key_file: 'rel.key' is not an "
	    "absolute path");
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\"; x = 1;",
	    key_ok);
	expect_error(body, "t.conf:3: unknown key 'x' in conn_sync");
	/* Two IPv6 addresses whose sender ids collide (found by search): each
	 * node would take the other's datagrams for its own reflected. */
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = "
	    "\"fd00:2::bb10:2d3c:0:1\"; peer = \"fd00:2::1cfc:fde5:0:1\"; "
	    "key_file = \"%s\"; follow = \"edge\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.peer: hashes to the same sender "
	    "id as local (lib/ctsync/ct_wire.h); use another address");
	snprintf(body, sizeof(body), "interface = \"a/b\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.1\"; key_file = \"%s\"; follow = \"edge\";", key_ok);
	{
		struct conf *c;

		assert_int_equal(load(body, &c), -EINVAL);
		assert_int_equal(errs.count, 2);
		assert_string_equal(errs.msg[0], "t.conf:3: conn_sync.interface: "
		    "'a/b' is not an interface name");
		assert_string_equal(errs.msg[1], "t.conf:3: conn_sync.peer: the "
		    "same address as local");
	}
}

static void
test_required_keys_are_all_named(void **state)
{
	struct conf *c;

	(void)state;
	assert_int_equal(load("", &c), -EINVAL);
	assert_int_equal(errs.count, 5);
	assert_string_equal(errs.msg[0], "t.conf:2: conn_sync.interface: required");
	assert_string_equal(errs.msg[4], "t.conf:2: conn_sync.follow: required "
	    "(an instance or sync group name)");
}

/* conn_sync.links: redundant links, in order; links[0] is also the one. */
static void
test_links_load_in_order(void **state)
{
	char body[768];
	struct conf *c;

	(void)state;
	snprintf(body, sizeof(body), "links = (\n"
	    "{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth3\"; local = \"10.3.0.1\"; peer = \"10.3.0.2\"; } );\n"
	    "key_file = \"%s\"; follow = \"edge\";", key_ok);
	assert_int_equal(load(body, &c), 0);
	assert_int_equal(c->conn_sync.nlinks, 2);
	assert_string_equal(c->conn_sync.links[0].interface, "eth2");
	assert_string_equal(c->conn_sync.links[1].interface, "eth3");
	assert_int_equal(c->conn_sync.links[1].local.bytes[1], 3);
	assert_int_equal(c->conn_sync.links[1].peer.bytes[3], 2);
	assert_int_equal(c->conn_sync.links[1].line, 5);
	assert_string_equal(c->conn_sync.interface, "eth2");
	assert_int_equal(c->conn_sync.peer.bytes[1], 2);
	conf_free(c);
	/* The single-link form is one link. */
	snprintf(body, sizeof(body), "interface = \"eth2\"; local = \"10.2.0.1\"; "
	    "peer = \"10.2.0.2\"; key_file = \"%s\"; follow = \"edge\";", key_ok);
	assert_int_equal(load(body, &c), 0);
	assert_int_equal(c->conn_sync.nlinks, 1);
	assert_string_equal(c->conn_sync.links[0].interface, "eth2");
	conf_free(c);
	/* Two nodes over one interface share the local address. */
	snprintf(body, sizeof(body), "links = (\n"
	    "{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.3\"; } );\n"
	    "key_file = \"%s\"; follow = \"edge\";", key_ok);
	assert_int_equal(load(body, &c), 0);
	assert_int_equal(c->conn_sync.nlinks, 2);
	assert_int_equal(c->conn_sync.links[1].peer.bytes[3], 3);
	conf_free(c);
}

static void
links_error(const char *links, const char *want)
{
	char body[1024];

	snprintf(body, sizeof(body), "links = (\n%s );\nkey_file = \"%s\"; "
	    "follow = \"edge\";", links, key_ok);
	expect_error(body, want);
}

static void
test_bad_links_are_refused_with_their_line(void **state)
{
	(void)state;
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth2\"; local = \"10.2.0.3\"; peer = \"10.2.0.2\"; }",
	    "t.conf:5: conn_sync.links[1]: a second link to 10.2.0.2 over eth2 "
	    "(links[0]); redundant links need other interfaces");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth3\"; local = \"10.3.0.1\"; peer = \"10.2.0.1\"; }",
	    "t.conf:5: conn_sync.links[1].peer: 10.2.0.1 is our own local "
	    "address (links[0])");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.3.0.1\"; },\n"
	    "{ interface = \"eth3\"; local = \"10.3.0.1\"; peer = \"10.3.0.2\"; }",
	    "t.conf:4: conn_sync.links[0].peer: 10.3.0.1 is our own local "
	    "address (links[1])");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth3\"; local = \"10.2.0.1\"; peer = \"10.3.0.2\"; }",
	    "t.conf:5: conn_sync.links[1].local: 10.2.0.1 is links[0]'s "
	    "already, on eth2; a local address serves links on one interface "
	    "only");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; },\n"
	    "{ interface = \"eth3\"; local = \"10.3.0.1\"; }",
	    "t.conf:5: conn_sync.links[1].peer: required");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; "
	    "port = 1; }",
	    "t.conf:4: unknown key 'port' in conn_sync.links[0]");
	links_error("",
	    "t.conf:3: conn_sync.links: empty; name at least one link");
	links_error("{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"::2\"; }",
	    "t.conf:4: conn_sync.links[0].peer: not of the same family as local");
}

static void
test_links_and_a_single_link_are_not_both_given(void **state)
{
	char body[768];

	(void)state;
	snprintf(body, sizeof(body), "interface = \"eth2\";\nlinks = (\n"
	    "{ interface = \"eth2\"; local = \"10.2.0.1\"; peer = \"10.2.0.2\"; } );\n"
	    "key_file = \"%s\"; follow = \"edge\";", key_ok);
	expect_error(body, "t.conf:3: conn_sync.interface: give either links or "
	    "interface, local and peer");
	/* select: tests/unit/test_conn_sync_select.c */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_section_loads_with_defaults),
		cmocka_unit_test(test_without_section_sync_is_off),
		cmocka_unit_test(test_world_readable_key_is_refused),
		cmocka_unit_test(test_short_key_is_refused),
		cmocka_unit_test(test_missing_key_file_is_refused),
		cmocka_unit_test(test_every_key_is_checked),
		cmocka_unit_test(test_required_keys_are_all_named),
		cmocka_unit_test(test_links_load_in_order),
		cmocka_unit_test(test_bad_links_are_refused_with_their_line),
		cmocka_unit_test(test_links_and_a_single_link_are_not_both_given),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
