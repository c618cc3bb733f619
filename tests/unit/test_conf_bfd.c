/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_sessions, track_bfd and master_down_bfd: a full session into the
 * model with its defaults; every bad value with its line; key files that
 * others may read, empty or too long are refused; track_bfd must name a
 * session; the reload equality.
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

static struct conf_errors errs;
static char dir[] = "/tmp/test_conf_bfd.XXXXXX";
static char key_ok[256], key_world[256], key_long[256];

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
	write_key(key_ok, sizeof(key_ok), "ok.key", "secret-bfd-key\n", 0600);
	write_key(key_world, sizeof(key_world), "world.key", "secret", 0644);
	write_key(key_long, sizeof(key_long), "long.key",
	    "0123456789abcdef01234", 0600);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(key_ok);
	unlink(key_world);
	unlink(key_long);
	rmdir(dir);
	return 0;
}

/* bfd_sessions body on line 2, an instance with `inst` on line 4. */
static int
load(const char *sessions, const char *inst, struct conf **c)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "bfd_sessions = (\n"
	    "%s\n"
	    ");\n"
	    "vrrp_instances = ( { name = \"edge\"; interface = \"eth0\"; "
	    "vrid = 1; addresses = [ \"10.0.0.10\" ]; %s } );\n", sessions, inst);
	*c = NULL;
	return conf_load_string(text, "t.conf", c, &errs);
}

static void
expect_error(const char *sessions, const char *inst, const char *want)
{
	struct conf *c;
	int rc = load(sessions, inst, &c);

	if (rc != -EINVAL || errs.count != 1 || strcmp(errs.msg[0], want) != 0)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

#define S_OK "{ name = \"to-b\"; peer = \"10.0.0.2\"; local = \"10.0.0.1\"; }"

static void
test_session_loads_with_defaults(void **state)
{
	char body[1024];
	struct conf *c;

	(void)state;
	assert_int_equal(load(S_OK, "", &c), 0);
	assert_int_equal(c->nbfd_sessions, 1);
	assert_string_equal(c->bfd_sessions[0].name, "to-b");
	assert_int_equal(c->bfd_sessions[0].min_tx_ms, 50);
	assert_int_equal(c->bfd_sessions[0].min_rx_ms, 50);
	assert_int_equal(c->bfd_sessions[0].multiplier, 3);
	assert_int_equal(c->bfd_sessions[0].auth_type, CONF_BFD_AUTH_NONE);
	assert_string_equal(c->bfd_sessions[0].interface, "");
	assert_int_equal(c->bfd_sessions[0].line, 2);
	assert_int_equal(c->instances[0].bfd.ntracks, 0);
	assert_false(c->instances[0].bfd.master_down);
	conf_free(c);

	snprintf(body, sizeof(body), "{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\"; interface = \"eth0\"; min_tx_ms = 10; "
	    "min_rx_ms = 20; multiplier = 5; authentication = { type = "
	    "\"meticulous-sha1\"; key_id = 7; key_file = \"%s\"; }; }", key_ok);
	assert_int_equal(load(body, "track_bfd = ( { name = \"to-b\"; "
	    "weight = -20; } ); master_down_bfd = true;", &c), 0);
	assert_string_equal(c->bfd_sessions[0].interface, "eth0");
	assert_int_equal(c->bfd_sessions[0].min_tx_ms, 10);
	assert_int_equal(c->bfd_sessions[0].min_rx_ms, 20);
	assert_int_equal(c->bfd_sessions[0].multiplier, 5);
	assert_int_equal(c->bfd_sessions[0].auth_type,
	    CONF_BFD_AUTH_METICULOUS_SHA1);
	assert_int_equal(c->bfd_sessions[0].key_id, 7);
	assert_int_equal(c->bfd_sessions[0].key_len, 14);
	assert_memory_equal(c->bfd_sessions[0].key, "secret-bfd-key", 14);
	assert_int_equal(c->instances[0].bfd.ntracks, 1);
	assert_int_equal(c->instances[0].bfd.tracks[0].session, 0);
	assert_int_equal(c->instances[0].bfd.tracks[0].weight, -20);
	assert_true(c->instances[0].bfd.master_down);
	conf_free(c);
}

static void
test_bad_values_are_errors_with_their_line(void **state)
{
	char body[1024];

	(void)state;
	expect_error("{ name = \"to-b\"; peer = \"10.0.0.2\"; }", "",
	    "t.conf:2: bfd_sessions[to-b].local: missing (required)");
	expect_error("{ name = \"to-b\"; peer = \"10.0.0.2\";\n"
	    "local = \"fe80::1\"; interface = \"eth0\"; }", "",
	    "t.conf:3: bfd_sessions[to-b].local: not of the peer's address "
	    "family");
	expect_error("{ name = \"to-b\"; peer = \"fe80::2\"; local = \"fe80::1\"; }",
	    "", "t.conf:2: bfd_sessions[to-b].interface: required with a "
	    "link-local address");
	expect_error("{ name = \"to-b\"; peer = \"224.0.0.1\"; local = \"10.0.0.1\"; }",
	    "", "t.conf:2: bfd_sessions[to-b].peer: '224.0.0.1' is not a "
	    "unicast host address");
	expect_error("{ name = \"to-b\"; peer = \"10.0.0.2\"; local = \"10.0.0.1\";\n"
	    "min_tx_ms = 0; }", "",
	    "t.conf:3: bfd_sessions[to-b].min_tx_ms: 0 is out of range "
	    "1..60000");
	expect_error("{ name = \"to-b\"; peer = \"10.0.0.2\"; local = \"10.0.0.1\";\n"
	    "multiplier = 256; }", "",
	    "t.conf:3: bfd_sessions[to-b].multiplier: 256 is out of range "
	    "1..255");
	expect_error(S_OK ",\n" S_OK, "",
	    "t.conf:3: bfd_sessions[to-b]: name already used at line 2");
	expect_error(S_OK ",\n{ name = \"two\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\"; }", "",
	    "t.conf:3: bfd_sessions[two]: a second session to 10.0.0.2 from the "
	    "same address (line 2)");
	expect_error(S_OK, "track_bfd = ( { name = \"to-c\"; weight = 0; } );",
	    "t.conf:4: vrrp_instances[edge].track_bfd[0].name: no bfd_sessions "
	    "entry named 'to-c'");
	expect_error(S_OK, "track_bfd = ( { name = \"to-b\"; weight = 300; } );",
	    "t.conf:4: vrrp_instances[edge].track_bfd[0].weight: 300 is out of "
	    "range -254..254");
	expect_error(S_OK, "track_bfd = ( { name = \"to-b\"; bogus = 1; } );",
	    "t.conf:4: unknown key 'bogus' in vrrp_instances[edge].track_bfd[0]");
	expect_error("", "master_down_bfd = true;",
	    "t.conf:4: vrrp_instances[edge].master_down_bfd: no bfd_sessions to "
	    "watch the master with");
	snprintf(body, sizeof(body), "{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\";\nauthentication = { type = \"md5\"; "
	    "key_id = 1; key_file = \"%s\"; }; }", key_ok);
	expect_error(body, "", "t.conf:3: bfd_sessions[to-b].authentication.type: "
	    "'md5' is not \"sha1\" or \"meticulous-sha1\"");
}

static void
test_key_files_are_checked(void **state)
{
	char body[1024], want[1024];

	(void)state;
	snprintf(body, sizeof(body), "{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\";\nauthentication = { type = \"sha1\"; "
	    "key_id = 1;\nkey_file = \"%s\"; }; }", key_world);
	snprintf(want, sizeof(want), "t.conf:4: bfd_sessions[to-b]."
	    "authentication.key_file: %s is world-readable (mode 0644); allow "
	    "only its owner and group (chmod o-rw)", key_world);
	expect_error(body, "", want);
	snprintf(body, sizeof(body), "{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\";\nauthentication = { type = \"sha1\"; "
	    "key_id = 1;\nkey_file = \"%s\"; }; }", key_long);
	snprintf(want, sizeof(want), "t.conf:4: bfd_sessions[to-b]."
	    "authentication.key_file: %s holds 21 bytes; a BFD SHA1 key is 1 "
	    "to 20 bytes", key_long);
	expect_error(body, "", want);
	snprintf(body, sizeof(body), "{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\";\nauthentication = { type = \"sha1\"; "
	    "key_id = 1;\nkey_file = \"%s/none\"; }; }", dir);
	snprintf(want, sizeof(want), "t.conf:4: bfd_sessions[to-b]."
	    "authentication.key_file: cannot open %s/none: No such file or "
	    "directory", dir);
	expect_error(body, "", want);
}

static void
test_reload_equality(void **state)
{
	struct conf *a, *b;

	(void)state;
	assert_int_equal(load(S_OK, "", &a), 0);
	assert_int_equal(load("{ name = \"to-b\"; peer = \"10.0.0.2\"; "
	    "local = \"10.0.0.1\"; min_tx_ms = 10; }", "track_bfd = ( { name = "
	    "\"to-b\"; } );", &b), 0);
	assert_true(conf_bfd_session_same(&a->bfd_sessions[0],
	    &b->bfd_sessions[0]));
	assert_false(conf_bfd_session_equal(&a->bfd_sessions[0],
	    &b->bfd_sessions[0]));
	assert_false(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	assert_int_equal(load("{ name = \"to-b\"; peer = \"10.0.0.3\"; "
	    "local = \"10.0.0.1\"; }", "", &b), 0);
	assert_false(conf_bfd_session_same(&a->bfd_sessions[0],
	    &b->bfd_sessions[0]));
	assert_true(conf_instance_equal(&a->instances[0], &b->instances[0]));
	conf_free(b);
	conf_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_loads_with_defaults),
		cmocka_unit_test(test_bad_values_are_errors_with_their_line),
		cmocka_unit_test(test_key_files_are_checked),
		cmocka_unit_test(test_reload_equality),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
