/* SPDX-License-Identifier: GPL-2.0-or-later */
/* global.metrics_listen / metrics_allow_remote: parsing, the loopback rule,
 * and FILE:LINE messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "conf/conf_metrics.h"

static struct conf_errors errs;

static int
load(const char *global, struct conf **c)
{
	char text[512];

	snprintf(text, sizeof(text), "global = {\n%s\n};\n", global);
	memset(&errs, 0, sizeof(errs));
	return conf_load_string(text, "t.conf", c, &errs);
}

static void
test_listen_parsed_and_loopback_accepted(void **state)
{
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(load("metrics_listen = \"127.0.0.1:9650\";", &c), 0);
	assert_true(c->global.metrics_enabled);
	assert_int_equal(c->global.metrics_addr.family, AF_INET);
	assert_int_equal(c->global.metrics_port, 9650);
	conf_free(c);
	assert_int_equal(load("metrics_listen = \"[::1]:80\";", &c), 0);
	assert_int_equal(c->global.metrics_addr.family, AF_INET6);
	assert_int_equal(c->global.metrics_port, 80);
	conf_free(c);
	/* Absent or empty: off. */
	assert_int_equal(load("router_id = \"a\";", &c), 0);
	assert_false(c->global.metrics_enabled);
	conf_free(c);
	assert_int_equal(load("metrics_listen = \"\";", &c), 0);
	assert_false(c->global.metrics_enabled);
	conf_free(c);
}

static void
test_remote_needs_explicit_permission(void **state)
{
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(load("\nmetrics_listen = \"10.0.0.1:9650\";", &c), -EINVAL);
	assert_non_null(strstr(errs.msg[0], "t.conf:3: global.metrics_listen: "
	    "'10.0.0.1:9650' is not a loopback address"));
	assert_int_equal(load("metrics_listen = \"10.0.0.1:9650\";\n"
	    "metrics_allow_remote = true;", &c), 0);
	assert_true(c->global.metrics_enabled && c->global.metrics_allow_remote);
	conf_free(c);
	assert_int_equal(load("metrics_allow_remote = 1;", &c), -EINVAL);
}

static void
test_bad_listen_values_refused(void **state)
{
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:", ":9650",
		"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:96x", "::1:9650",
		"[::1]9650", "localhost:9650", "127.0.0.1:-1", "[127.0.0.1:1]" };
	struct addr a;
	uint16_t port;
	char text[128];
	struct conf *c = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(conf_metrics_parse_listen(bad[i], &a, &port),
		    -EINVAL);
		snprintf(text, sizeof(text), "metrics_listen = \"%s\";", bad[i]);
		assert_int_equal(load(text, &c), -EINVAL);
		assert_non_null(strstr(errs.msg[0], "t.conf:2: global.metrics_listen:"));
	}
	assert_int_equal(load("metrics_listen = 9650;", &c), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parsed_and_loopback_accepted),
		cmocka_unit_test(test_remote_needs_explicit_permission),
		cmocka_unit_test(test_bad_listen_values_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
