/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_util: the error list every section writes to ("FILE:LINE: message",
 * stored up to CONF_MAX_ERRORS, all counted), key checks, typed getters,
 * quoting and name checks, on settings read from a string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libconfig.h>

#include "conf/conf_util.h"

static const char text[] =
	"g = {\n"
	"  known = 2;\n"
	"  coming = 1;\n"
	"  bogus = true;\n"
	"  word = \"x\";\n"
	"  real = 1.5;\n"
	"};\n";

struct fixture {
	config_t cfg;
	const config_setting_t *g;
	struct conf_errors errs;
	struct conf_ctx ctx;
};

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	config_init(&f.cfg);
	if (config_read_string(&f.cfg, text) != CONFIG_TRUE)
		return -1;
	f.g = config_lookup(&f.cfg, "g");
	f.ctx.path = "t.conf";
	f.ctx.errs = &f.errs;
	*state = &f;
	return f.g != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	config_destroy(&f->cfg);
	return 0;
}

static void
test_errors_carry_file_and_line_and_overflow_is_counted(void **state)
{
	struct fixture *f = *state;

	conf_error_line(&f->ctx, 7, "boom %d", 1);
	conf_error_line(&f->ctx, 0, "whole file");
	assert_string_equal(f->errs.msg[0], "t.conf:7: boom 1");
	assert_string_equal(f->errs.msg[1], "t.conf: whole file");
	assert_int_equal(f->ctx.line[0], 7);
	for (int i = 0; i < CONF_MAX_ERRORS + 3; i++)
		conf_error(&f->ctx, config_setting_get_member(f->g, "known"),
		    "again");
	assert_int_equal(f->errs.count, CONF_MAX_ERRORS + 5);
	assert_int_equal(f->errs.stored, CONF_MAX_ERRORS);
	assert_string_equal(f->errs.msg[2], "t.conf:2: again");
}

static void
test_unknown_and_later_keys_are_told_apart(void **state)
{
	static const char *const known[] = { "known", "word", "real", NULL };
	static const char *const later[] = { "coming", NULL };
	struct fixture *f = *state;

	conf_check_keys(&f->ctx, f->g, "g", known, later);
	assert_int_equal(f->errs.count, 2);
	assert_string_equal(f->errs.msg[0], "t.conf:3: g.coming: not supported yet");
	assert_string_equal(f->errs.msg[1], "t.conf:4: unknown key 'bogus' in g");
}

static void
test_getters_report_type_and_range(void **state)
{
	struct fixture *f = *state;
	long long v = -1;
	const char *s = NULL;
	bool b = false;

	assert_int_equal(conf_get_int(&f->ctx, f->g, "g", "known", 1, 3, &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(conf_get_int(&f->ctx, f->g, "g", "absent", 1, 3, &v), 0);
	assert_int_equal(conf_get_int(&f->ctx, f->g, "g", "known", 3, 9, &v), -1);
	assert_int_equal(conf_get_int(&f->ctx, f->g, "g", "real", 0, 9, &v), -1);
	assert_int_equal(v, 2);
	assert_int_equal(conf_get_bool(&f->ctx, f->g, "g", "bogus", &b), 1);
	assert_true(b);
	assert_int_equal(conf_get_bool(&f->ctx, f->g, "g", "word", &b), -1);
	assert_int_equal(conf_get_string(&f->ctx, f->g, "g", "word", &s), 1);
	assert_string_equal(s, "x");
	assert_int_equal(conf_get_string(&f->ctx, f->g, "g", "known", &s), -1);
	assert_int_equal(f->errs.count, 4);
	assert_string_equal(f->errs.msg[0],
	    "t.conf:2: g.known: 2 is out of range 3..9");
	assert_string_equal(f->errs.msg[1],
	    "t.conf:6: g.real: expected an integer");
	assert_string_equal(f->errs.msg[2],
	    "t.conf:5: g.word: expected true or false");
	assert_string_equal(f->errs.msg[3], "t.conf:2: g.known: expected a string");
}

static void
test_quote_and_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(conf_quote("a\tb", buf, sizeof(buf)), "a?b");
	assert_string_equal(conf_quote("0123456789012345678901234567890123456789xyz",
	    buf, sizeof(buf)), "0123456789012345678901234567890123456789...");
	assert_string_equal(conf_quote("abcdef", buf, 7), "abc...");
	assert_true(conf_valid_name("ext_1.a-b", 9));
	assert_false(conf_valid_name("ext_1.a-b", 8));
	assert_false(conf_valid_name("", 8));
	assert_false(conf_valid_name("a b", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_errors_carry_file_and_line_and_overflow_is_counted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_and_later_keys_are_told_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getters_report_type_and_range,
		    setup, teardown),
		cmocka_unit_test(test_quote_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
