/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys of a check beyond type/port/interval (lib/conf/conf_check.c):
 * payloads in text and hex, status ranges, regular expressions, digests,
 * headers and basic authentication, keys on the wrong type of check; each
 * bad value an error with FILE:LINE, and the good ones loaded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;

/* A backend whose check (on line 4) is { extra }. */
#define CHECK(extra) \
	"virtual_services = (\n" \
	"  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n" \
	"    backends = ( { address = \"10.1.0.11\";\n" \
	"      check = { " extra " }; } ) }\n" \
	");\n"

#define W "t.conf:4: virtual_services[web].backends[0].check"

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

/* text must give exactly the one message want. */
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

static const struct conf_check *
check_of(const struct conf *c)
{
	return &c->services[0].backends[0].check;
}

static void
test_udp_payload_in_text_and_hex_is_loaded(void **state)
{
	struct conf *c;
	const struct conf_check *k;

	(void)state;
	c = load_ok(CHECK("type = \"udp\"; payload_hex = \"de:ad be ef\"; "
	    "expect_reply = \"ok\";"));
	k = check_of(c);
	assert_int_equal(k->payload_len, 4);
	assert_memory_equal(k->payload, "\xde\xad\xbe\xef", 4);
	assert_int_equal(k->expect_reply_len, 2);
	assert_memory_equal(k->expect_reply, "ok", 2);
	conf_free(c);
}

static void
test_bad_hex_payloads_are_errors(void **state)
{
	(void)state;
	expect_error(CHECK("type = \"udp\"; payload_hex = \"0g\";"),
	    W ".payload_hex: not pairs of hex digits, at most 512 bytes");
	expect_error(CHECK("type = \"udp\"; payload_hex = \"abc\";"),
	    W ".payload_hex: not pairs of hex digits, at most 512 bytes");
	expect_error(CHECK("type = \"udp\"; expect_reply_hex = \"1 2\";"),
	    W ".expect_reply_hex: not pairs of hex digits, at most 512 "
	    "bytes");
	expect_error(CHECK("type = \"udp\"; payload = \"a\"; "
	    "payload_hex = \"61\";"),
	    W ": payload and payload_hex exclude each other");
	expect_error(CHECK("type = \"udp\"; payload_hex = 12;"),
	    W ".payload_hex: expected a string");
}

static void
test_status_ranges(void **state)
{
	struct conf *c;
	const struct conf_check *k;

	(void)state;
	c = load_ok(CHECK("type = \"http\"; urls = ( { path = \"/a\"; "
	    "expect_status = \"200-299\"; }, { path = \"/b\"; "
	    "expect_status = 404; } );"));
	k = check_of(c);
	assert_int_equal(k->nurls, 2);
	assert_int_equal(k->urls[0].status_lo, 200);
	assert_int_equal(k->urls[0].status_hi, 299);
	assert_int_equal(k->urls[1].status_lo, 404);
	assert_int_equal(k->urls[1].status_hi, 404);
	conf_free(c);

	expect_error(CHECK("type = \"http\"; expect_status = \"299-200\";"),
	    W ".expect_status: '299-200' is not a status (100..599) or a "
	    "range \"LOW-HIGH\"");
	expect_error(CHECK("type = \"http\"; expect_status = \"200-600\";"),
	    W ".expect_status: '200-600' is not a status (100..599) or a "
	    "range \"LOW-HIGH\"");
	expect_error(CHECK("type = \"http\"; expect_status = \"2xx\";"),
	    W ".expect_status: '2xx' is not a status (100..599) or a range "
	    "\"LOW-HIGH\"");
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "expect_status = 99; } );"),
	    W ".urls[0].expect_status: 99 is out of range 100..599");
}

static void
test_bad_regular_expressions_are_errors(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(CHECK("type = \"udp\"; expect_reply_regex = \"^pong\";"));
	assert_string_equal(check_of(c)->expect_regex, "^pong");
	conf_free(c);
	expect_error(CHECK("type = \"udp\"; expect_reply_regex = \"(a\";"),
	    W ".expect_reply_regex: not a regular expression: "
	    "Unmatched ( or \\(");
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "expect_body_regex = \"[z-a]\"; } );"),
	    W ".urls[0].expect_body_regex: not a regular expression: "
	    "Invalid range end");
	expect_error(CHECK("type = \"udp\"; expect_reply = \"x\"; "
	    "expect_reply_regex = \"x\";"),
	    W ": expect_reply and expect_reply_regex exclude each other");
}

static void
test_digests_must_be_md5_hex(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "digest = \"d41d8cd98f00b204e9800998ecf8427e\"; } );"));
	assert_true(check_of(c)->urls[0].has_digest);
	assert_memory_equal(check_of(c)->urls[0].digest,
	    "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e",
	    16);
	conf_free(c);
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "digest = \"d41d8cd98f00b204e9800998ecf8427\"; } );"),
	    W ".urls[0].digest: not an MD5 digest (32 hex digits)");
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "digest = \"d41d8cd98f00b204e9800998ecf8427e00\"; } );"),
	    W ".urls[0].digest: not an MD5 digest (32 hex digits)");
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "digest = \"x41d8cd98f00b204e9800998ecf8427e\"; } );"),
	    W ".urls[0].digest: not an MD5 digest (32 hex digits)");
}

static void
test_urls_need_a_path_and_exclude_the_single_keys(void **state)
{
	(void)state;
	expect_error(CHECK("type = \"http\"; urls = ( { expect_status = 200; "
	    "} );"), W ".urls[0].path: missing (required)");
	expect_error(CHECK("type = \"http\"; path = \"/\"; urls = ( { "
	    "path = \"/a\"; } );"),
	    W ".urls: path, expect_status and expect_body go into each url "
	    "then");
	expect_error(CHECK("type = \"http\"; urls = ( );"),
	    W ".urls: 0 urls, 1..16 allowed");
	expect_error(CHECK("type = \"http\"; urls = ( { path = \"/\"; "
	    "bogus = 1; } );"),
	    "t.conf:4: unknown key 'bogus' in virtual_services[web]."
	    "backends[0].check.urls[0]");
}

static void
test_headers_and_basic_authentication(void **state)
{
	struct conf *c;

	(void)state;
	/* RFC 7617 2: "Aladdin:open sesame" is QWxhZGRpbjpvcGVuIHNlc2FtZQ== */
	c = load_ok(CHECK("type = \"http\"; headers = ( \"X-A: 1\" ); "
	    "user = \"Aladdin\"; password = \"open sesame\";"));
	assert_string_equal(check_of(c)->headers, "X-A: 1\r\n"
	    "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n");
	conf_free(c);
	expect_error(CHECK("type = \"http\"; user = \"a\";"),
	    W ": user and password go together");
	expect_error(CHECK("type = \"http\"; password = \"a\";"),
	    W ": user and password go together");
	expect_error(CHECK("type = \"http\"; user = \"a:b\"; "
	    "password = \"c\";"), W ".user: must not contain ':'");
	expect_error(CHECK("type = \"http\"; headers = ( \"NoColon\" );"),
	    W ".headers[0]: not a \"Name: value\" line");
	expect_error(CHECK("type = \"http\"; headers = ( \"A B: c\" );"),
	    W ".headers[0]: not a \"Name: value\" line");
	expect_error(CHECK("type = \"http\"; headers = \"X: y\";"),
	    W ".headers: expected a list of \"Name: value\" strings");
}

static void
test_keys_on_the_wrong_type_of_check_are_errors(void **state)
{
	(void)state;
	expect_error(CHECK("type = \"tcp\"; payload = \"x\";"),
	    W ".payload: applies to udp checks only");
	expect_error(CHECK("type = \"udp\"; query_name = \"a.example\";"),
	    W ".query_name: applies to dns checks only");
	expect_error(CHECK("type = \"http\"; helo_name = \"a\";"),
	    W ".helo_name: applies to smtp checks only");
	expect_error(CHECK("type = \"smtp\"; headers = ( \"X: y\" );"),
	    W ".headers: applies to http and https checks only");
	expect_error(CHECK("type = \"ping\"; port = 80;"),
	    W ".port: applies to port-based checks only");
	expect_error(CHECK("type = \"script\"; command = [ \"/bin/true\" ]; "
	    "bind_to = \"10.1.0.1\";"),
	    W ".bind_to: applies to network checks only");
	expect_error(CHECK("type = \"dns\"; expect_address = \"10.0.0.1\";"),
	    W ".expect_address: needs query_type \"A\" or \"AAAA\"");
	expect_error(CHECK("type = \"dns\"; query_type = \"AAAA\"; "
	    "expect_address = \"10.0.0.1\";"),
	    W ".expect_address: not the family query_type asks for");
	expect_error(CHECK("type = \"dns\"; query_type = \"ANY\";"),
	    W ".query_type: 'ANY' is not A, NS, CNAME, SOA, PTR, MX, TXT, "
	    "AAAA or SRV");
	expect_error(CHECK("type = \"tcp\"; connect_ip = \"2001:db8::1\"; "
	    "bind_to = \"10.1.0.1\";"),
	    W ".bind_to: not the family of connect_ip");
	expect_error(CHECK("type = \"tcp\"; retry = 101;"),
	    W ".retry: 101 is out of range 0..100");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_payload_in_text_and_hex_is_loaded),
		cmocka_unit_test(test_bad_hex_payloads_are_errors),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_bad_regular_expressions_are_errors),
		cmocka_unit_test(test_digests_must_be_md5_hex),
		cmocka_unit_test(test_urls_need_a_path_and_exclude_the_single_keys),
		cmocka_unit_test(test_headers_and_basic_authentication),
		cmocka_unit_test(test_keys_on_the_wrong_type_of_check_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
