/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_include: the source map of a spliced configuration, the include
 * chain's loops and the relative path join.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf_include.h"

static struct conf_srcmap map;

static void
test_srcmap_names_the_file_and_line_of_each_piece(void **state)
{
	const char *f = NULL;
	unsigned int line = 0;

	(void)state;
	memset(&map, 0, sizeof(map));
	assert_int_equal(conf_srcmap_add_file(&map, "main.conf"), 0);
	assert_int_equal(conf_srcmap_add_file(&map, "d/a.conf"), 1);
	/* main 1..2, a.conf 1..3 in place of main's line 3, main 4.. */
	assert_int_equal(conf_srcmap_add_seg(&map, 1, 0, 1), 0);
	assert_int_equal(conf_srcmap_add_seg(&map, 3, 1, 1), 0);
	assert_int_equal(conf_srcmap_add_seg(&map, 6, 0, 4), 0);
	assert_false(conf_srcmap_locate(&map, 0, &f, &line));
	assert_true(conf_srcmap_locate(&map, 2, &f, &line));
	assert_string_equal(f, "main.conf");
	assert_int_equal(line, 2);
	assert_true(conf_srcmap_locate(&map, 5, &f, &line));
	assert_string_equal(f, "d/a.conf");
	assert_int_equal(line, 3);
	assert_true(conf_srcmap_locate(&map, 9, &f, &line));
	assert_string_equal(f, "main.conf");
	assert_int_equal(line, 7);
	/* An empty file adds a piece at the same line: the later one wins. */
	assert_int_equal(conf_srcmap_add_seg(&map, 10, 1, 1), 0);
	assert_int_equal(conf_srcmap_add_seg(&map, 10, 0, 8), 0);
	assert_true(conf_srcmap_locate(&map, 10, &f, &line));
	assert_string_equal(f, "main.conf");
	assert_int_equal(line, 8);
	assert_int_equal(map.nsegs, 4);
}

static void
test_srcmap_refuses_what_does_not_fit(void **state)
{
	char name[1024];

	(void)state;
	memset(&map, 0, sizeof(map));
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < CONF_INCLUDE_FILES_MAX; i++)
		if (conf_srcmap_add_file(&map, name) < 0) {
			/* The pool ran out before the list did. */
			assert_true(map.pool_used + sizeof(name) >
			    sizeof(map.pool));
			return;
		}
	fail();
}

static void
test_include_join_is_relative_to_the_including_file(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(conf_include_join("/etc/vipd/vipd.conf", "conf.d/*.conf",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/vipd/conf.d/*.conf");
	assert_int_equal(conf_include_join("vipd.conf", "x.conf", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "x.conf");
	assert_int_equal(conf_include_join("a/b.conf", "/abs/*.conf", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/abs/*.conf");
	assert_int_equal(conf_include_join("/etc/vipd/vipd.conf", "x.conf", out,
	    10), -ENAMETOOLONG);
}

static void
test_include_loop_names_the_chain_from_its_start(void **state)
{
	const char *chain[] = { "/e/main.conf", "/e/a.conf", "/e/b.conf" };
	char out[128];

	(void)state;
	assert_int_equal(conf_include_find(chain, 3, "/e/a.conf"), 1);
	assert_int_equal(conf_include_find(chain, 3, "/e/c.conf"), -1);
	/* The same file twice side by side is no loop: only the chain counts. */
	assert_int_equal(conf_include_find(chain, 1, "/e/a.conf"), -1);
	assert_string_equal(conf_include_chain_str(chain, 3, 1, "/e/a.conf", out,
	    sizeof(out)), "/e/a.conf -> /e/b.conf -> /e/a.conf");
	assert_string_equal(conf_include_chain_str(chain, 3, 1, "/e/a.conf", out,
	    16), "/e/a.conf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srcmap_names_the_file_and_line_of_each_piece),
		cmocka_unit_test(test_srcmap_refuses_what_does_not_fit),
		cmocka_unit_test(test_include_join_is_relative_to_the_including_file),
		cmocka_unit_test(test_include_loop_names_the_chain_from_its_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
