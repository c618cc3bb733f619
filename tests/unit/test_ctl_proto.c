/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol: requests as vipctl sends them, and every way a
 * request can be wrong; replies as vipctl reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl_proto.h"

static int
parse(const char *text, struct ctl_request *req, char *why)
{
	return ctl_proto_parse_request(text, strlen(text), req, why, 160);
}

static void
test_request_with_args_and_escapes(void **state)
{
	struct ctl_request req;
	char why[160];

	(void)state;
	assert_int_equal(parse("{\"command\": \"drill\", \"args\": [\"ext\", "
	    "\"--hold\", \"1.5\"]}\n", &req, why), 0);
	assert_string_equal(req.command, "drill");
	assert_int_equal(req.nargs, 3);
	assert_string_equal(req.args[0], "ext");
	assert_string_equal(req.args[2], "1.5");

	/* Escapes decode to UTF-8, surrogate pairs included; key order free. */
	assert_int_equal(parse(" { \"args\" : [\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\\n\"],"
	    "\"command\":\"fault\" } \r\n", &req, why), 0);
	assert_string_equal(req.args[0], "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(parse("{\"command\":\"status\"}", &req, why), 0);
	assert_int_equal(req.nargs, 0);
	assert_int_equal(parse("{\"command\":\"status\",\"args\":[]}", &req, why), 0);
}

static void
expect_bad(const char *text, const char *reason)
{
	struct ctl_request req;
	char why[160];

	assert_int_equal(parse(text, &req, why), -22);
	if (strstr(why, reason) == NULL)
		fail_msg("'%s': got '%s', want '%s'", text, why, reason);
}

static void
test_bad_requests_say_why(void **state)
{
	(void)state;
	expect_bad("", "not a JSON object");
	expect_bad("status\n", "not a JSON object");
	expect_bad("{\"command\": \"status\"", "expected ',' or '}'");
	expect_bad("{}", "no \"command\"");
	expect_bad("{\"command\": 1}", "expected a string");
	expect_bad("{\"command\": \"Status\"}", "not a word");
	expect_bad("{\"command\": \"\"}", "not a word");
	expect_bad("{\"command\": \"a\", \"command\": \"b\"}", "given twice");
	expect_bad("{\"command\": \"a\", \"verb\": \"b\"}", "unknown key");
	expect_bad("{\"command\": \"a\", \"args\": \"x\"}", "array of strings");
	expect_bad("{\"command\": \"a\", \"args\": [1]}", "expected a string");
	expect_bad("{\"command\": \"a\", \"args\": [\"1\",]}", "expected a string");
	expect_bad("{\"command\": \"a\"} {}", "text after");
	expect_bad("{\"command\": \"a\\u0000b\"}", "\\u0000");
	expect_bad("{\"command\": \"a\\ud800\"}", "surrogate");
	expect_bad("{\"command\": \"a\\x\"}", "bad escape");
	expect_bad("{\"command\": \"a\x01\"}", "control character");
	expect_bad("{\"command\": \"a\xff\"}", "invalid UTF-8");
	expect_bad("{\"command\": \"a\xc0\xaf\"}", "invalid UTF-8");
	expect_bad("{\"command\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "longer than");
	expect_bad("{\"command\": \"a\", \"args\": [\"1\",\"2\",\"3\",\"4\",\"5\","
	    "\"6\",\"7\",\"8\",\"9\"]}", "more than 8 args");
}

static void
test_oversized_request_refused(void **state)
{
	size_t len = CTL_REQUEST_MAX + 10;
	char *big = malloc(len);
	struct ctl_request req;
	char why[160];

	(void)state;
	memset(big, ' ', len);
	big[0] = '{';
	assert_int_equal(ctl_proto_parse_request(big, len, &req, why, sizeof(why)),
	    -22);
	assert_non_null(strstr(why, "longer than"));
	free(big);
}

static void
test_format_then_parse_is_identity(void **state)
{
	char buf[CTL_REQUEST_MAX + 1], why[160];
	char *args[] = { "ext", "\"quoted\" \\ \t", "\xc3\xa9" };
	struct ctl_request req;
	int n;

	(void)state;
	n = ctl_proto_format_request(buf, sizeof(buf), "fault", args, 3);
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(ctl_proto_parse_request(buf, (size_t)n, &req, why,
	    sizeof(why)), 0);
	assert_string_equal(req.command, "fault");
	for (int i = 0; i < 3; i++)
		assert_string_equal(req.args[i], args[i]);
	assert_int_equal(ctl_proto_format_request(buf, sizeof(buf), "Bad", args,
	    0), -22);
	assert_int_equal(ctl_proto_format_request(buf, 10, "status", args, 0),
	    -28);
}

static void
test_reply_text_result_and_error(void **state)
{
	const char *text = "{\"ok\": true, \"text\": \"a\\nb\\u00e9\"}\n";
	const char *json = "{\"ok\": true, \"result\": {\"x\": [1, 2.5e3, null]}, "
	    "\"later\": false}";
	const char *err = "{\"ok\": false, \"error\": \"no instance named 'x'\"}";
	struct ctl_reply r;
	char why[160];

	(void)state;
	assert_int_equal(ctl_proto_parse_reply(text, strlen(text), &r, why, 160), 0);
	assert_true(r.ok);
	assert_string_equal(r.text, "a\nb\xc3\xa9");
	ctl_proto_reply_free(&r);
	assert_int_equal(ctl_proto_parse_reply(json, strlen(json), &r, why, 160), 0);
	assert_true(r.ok);
	assert_int_equal(r.result_len, strlen("{\"x\": [1, 2.5e3, null]}"));
	assert_memory_equal(r.result, "{\"x\": [1, 2.5e3, null]}", r.result_len);
	ctl_proto_reply_free(&r);
	assert_int_equal(ctl_proto_parse_reply(err, strlen(err), &r, why, 160), 0);
	assert_false(r.ok);
	assert_string_equal(r.error, "no instance named 'x'");
	ctl_proto_reply_free(&r);
	assert_int_equal(ctl_proto_parse_reply("OK\n", 3, &r, why, 160), -22);
	assert_int_equal(ctl_proto_parse_reply("{\"text\": \"x\"}", 13, &r, why,
	    160), -22);
	assert_non_null(strstr(why, "no \"ok\""));
	assert_int_equal(ctl_proto_parse_reply("{\"ok\": true, \"result\": [[",
	    25, &r, why, 160), -22);
}

static void
test_deep_nesting_is_bounded(void **state)
{
	size_t n = 100000;
	char *deep = malloc(n + 40);
	struct ctl_reply r;
	char why[160];

	(void)state;
	strcpy(deep, "{\"ok\": true, \"result\": ");
	memset(deep + strlen(deep), '[', n);
	deep[23 + n] = '\0';
	assert_int_equal(ctl_proto_parse_reply(deep, strlen(deep), &r, why, 160),
	    -22);
	assert_non_null(strstr(why, "nested deeper"));
	free(deep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_with_args_and_escapes),
		cmocka_unit_test(test_bad_requests_say_why),
		cmocka_unit_test(test_oversized_request_refused),
		cmocka_unit_test(test_format_then_parse_is_identity),
		cmocka_unit_test(test_reply_text_result_and_error),
		cmocka_unit_test(test_deep_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
