/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_smtp: replies (one and several lines), the dialogue with EHLO,
 * with HELO after a refused EHLO, and each way it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lb/check_smtp.h"

static void
test_reply_lines(void **state)
{
	size_t used = 0;
	const char *multi = "250-mx.example\r\n250-SIZE 1000\r\n250 HELP\r\nX";

	(void)state;
	assert_int_equal(check_smtp_reply("220 ready\r\n", 11, &used), 220);
	assert_int_equal(used, 11);
	assert_int_equal(check_smtp_reply("220 rea", 7, &used), 0);
	assert_int_equal(check_smtp_reply(multi, strlen(multi), &used), 250);
	assert_int_equal(used, strlen(multi) - 1);
	assert_int_equal(check_smtp_reply("250-a\r\n", 7, &used), 0);
	assert_int_equal(check_smtp_reply("250-a\r\n220 b\r\n", 14, &used), -1);
	assert_int_equal(check_smtp_reply("SSH-2.0-x\r\n", 11, &used), -1);
	assert_int_equal(check_smtp_reply("250\r\n", 5, &used), 250);
}

struct run {
	enum check_smtp_stage st;
	char out[128], why[128];
	size_t used, out_len;
};

static enum check_smtp_verdict
step(struct run *r, const char *text, int eof)
{
	return check_smtp_step(&r->st, text, strlen(text), &r->used, eof,
	    "lb-a", r->out, sizeof(r->out), &r->out_len, r->why,
	    sizeof(r->why));
}

static void
test_ehlo_dialogue(void **state)
{
	struct run r = { 0 };

	(void)state;
	assert_int_equal(step(&r, "220 mx ESMTP\r\n", 0), CHECK_SMTP_SEND);
	assert_string_equal(r.out, "EHLO lb-a\r\n");
	assert_int_equal(step(&r, "250-mx\r\n", 0), CHECK_SMTP_MORE);
	assert_int_equal(step(&r, "250-mx\r\n250 OK\r\n", 0), CHECK_SMTP_OK);
	assert_string_equal(r.out, "QUIT\r\n");
}

static void
test_helo_after_a_refused_ehlo(void **state)
{
	struct run r = { 0 };

	(void)state;
	assert_int_equal(step(&r, "220 old\r\n", 0), CHECK_SMTP_SEND);
	assert_int_equal(step(&r, "502 what\r\n", 0), CHECK_SMTP_SEND);
	assert_string_equal(r.out, "HELO lb-a\r\n");
	assert_int_equal(step(&r, "250 hi\r\n", 0), CHECK_SMTP_OK);
}

static void
test_failures_say_why(void **state)
{
	struct run r = { 0 };

	(void)state;
	assert_int_equal(step(&r, "554 go away\r\n", 0), CHECK_SMTP_FAIL);
	assert_non_null(strstr(r.why, "banner"));
	r = (struct run){ 0 };
	assert_int_equal(step(&r, "", 1), CHECK_SMTP_FAIL);
	assert_non_null(strstr(r.why, "without a reply"));
	r = (struct run){ 0 };
	assert_int_equal(step(&r, "HTTP/1.1 400\r\n", 0), CHECK_SMTP_FAIL);
	r = (struct run){ 0 };
	assert_int_equal(step(&r, "220 x\r\n", 0), CHECK_SMTP_SEND);
	assert_int_equal(step(&r, "421 busy\r\n", 0), CHECK_SMTP_FAIL);
	assert_non_null(strstr(r.why, "EHLO"));
	r = (struct run){ 0 };
	assert_int_equal(step(&r, "220 x\r\n", 0), CHECK_SMTP_SEND);
	assert_int_equal(step(&r, "500 no\r\n", 0), CHECK_SMTP_SEND);
	assert_int_equal(step(&r, "501 no\r\n", 0), CHECK_SMTP_FAIL);
	assert_non_null(strstr(r.why, "HELO"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_lines),
		cmocka_unit_test(test_ehlo_dialogue),
		cmocka_unit_test(test_helo_after_a_refused_ehlo),
		cmocka_unit_test(test_failures_say_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
