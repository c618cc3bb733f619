/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json_out: the one JSON string writer of the control protocol and dumps;
 * whatever the bytes, what it writes is valid JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/json_out.h"

/* What json_out_string writes for s (len bytes); caller frees. */
static char *
written(const char *s, size_t len)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);

	assert_non_null(f);
	json_out_string(f, s, len);
	fclose(f);
	return text;
}

static void
test_quotes_backslashes_and_control_bytes_are_escaped(void **state)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "", 0, "\"\"" },
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "l1\nl2\tx", 7, "\"l1\\nl2\\tx\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "n\0ul", 4, "\"n\\u0000ul\"" },
		{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },   /* UTF-8 passes */
		{ "\xf0\x9f\x98\x80!", 5, "\"\xf0\x9f\x98\x80!\"" },
		/* Not UTF-8: Latin-1, a cut sequence, an overlong '/'. */
		{ "caf\xe9", 4, "\"caf\\ufffd\"" },
		{ "a\xc3", 2, "\"a\\ufffd\"" },
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = written(cases[i].in, cases[i].len);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void
test_str_stops_at_the_nul(void **state)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);

	(void)state;
	assert_non_null(f);
	json_out_str(f, "ab\"c");
	fclose(f);
	assert_string_equal(text, "\"ab\\\"c\"");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quotes_backslashes_and_control_bytes_are_escaped),
		cmocka_unit_test(test_str_stops_at_the_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
