/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_compare: nodes' status documents read (what is needed, the rest
 * skipped), and the report of who disagrees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl_compare.h"

static struct ctl_compare_node nodes[4];

static void
parse(const char *text, struct ctl_compare_node *node)
{
	char why[96];
	size_t used;

	memset(node, 0, sizeof(*node));
	assert_int_equal(ctl_compare_parse(text, strlen(text), node, &used, why,
	    sizeof(why)), 0);
	assert_int_equal(used, strlen(text));
}

#define DOC(node, digest, state, reason)                                   \
	"{\"router_id\": \"" node "\", \"instances\": [ {\"name\": \"ext\", "  \
	"\"vips\": [\"10.0.0.1\"], \"nested\": {\"a\": [1, 2, {\"b\": null}]}} ],\n" \
	"\"virtual_services\": [ {\"name\": \"web\", \"port\": 80, "          \
	"\"quorum_met\": true, \"table_digest\": " digest ", "               \
	"\"announce_state\": \"" state "\", \"announce_reason\": " reason ", " \
	"\"backends\": [ {\"address\": \"10.1.0.1\", \"health\": \"up\"} ]}, " \
	"{\"name\": \"dns\", \"table_digest\": null} ],"                      \
	"\"note\": \"a \\\"quoted\\\" \\u00e9\"}\n"

static char *
report(size_t n, size_t *bad)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*bad = ctl_compare_report(f, nodes, n);
	fclose(f);
	return buf;
}

static void
test_reads_router_id_and_each_services_digest_and_state(void **state)
{
	(void)state;
	parse(DOC("lb1", "\"00000000000000aa\"", "withdrawn",
	    "\"below quorum\""), &nodes[0]);
	assert_string_equal(nodes[0].name, "lb1");
	assert_int_equal(nodes[0].nservices, 2);
	assert_string_equal(nodes[0].services[0].name, "web");
	assert_string_equal(nodes[0].services[0].digest, "00000000000000aa");
	assert_string_equal(nodes[0].services[0].state, "withdrawn");
	assert_string_equal(nodes[0].services[0].reason, "below quorum");
	assert_string_equal(nodes[0].services[1].name, "dns");
	assert_string_equal(nodes[0].services[1].digest, "");
}

static void
test_nodes_that_agree_exit_clean(void **state)
{
	size_t bad;
	char *out;

	(void)state;
	parse(DOC("lb1", "\"00000000000000aa\"", "announced", "null"),
	    &nodes[0]);
	parse(DOC("lb2", "\"00000000000000aa\"", "withdrawn",
	    "\"interface down\""), &nodes[1]);
	out = report(2, &bad);
	assert_int_equal(bad, 0);
	assert_non_null(strstr(out, "service web\n"));
	assert_non_null(strstr(out, "lb2                  digest "
	    "00000000000000aa  withdrawn (interface down)\n"));
	assert_non_null(strstr(out, "  2 nodes agree\n"));
	assert_null(strstr(out, "differs"));
	free(out);
}

static void
test_the_odd_node_out_is_named(void **state)
{
	size_t bad;
	char *out;

	(void)state;
	parse(DOC("lb1", "\"00000000000000aa\"", "announced", "null"),
	    &nodes[0]);
	parse(DOC("lb2", "\"00000000000000bb\"", "announced", "null"),
	    &nodes[1]);
	parse(DOC("lb3", "\"00000000000000aa\"", "announced", "null"),
	    &nodes[2]);
	/* A node without the service at all. */
	parse("{\"router_id\": \"lb4\", \"virtual_services\": [ {\"name\": "
	    "\"dns\", \"table_digest\": null} ]}", &nodes[3]);
	out = report(4, &bad);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(out, "lb2                  digest "
	    "00000000000000bb  announced  <- differs\n"));
	assert_non_null(strstr(out, "lb4                  (no such service)"));
	assert_non_null(strstr(out, "  disagree: lb2 lb4 (2 of 4 nodes have "
	    "digest 00000000000000aa)\n"));
	free(out);
}

static void
test_bad_documents_are_refused(void **state)
{
	static const char *const bad[] = { "", "[]", "{\"router_id\": }",
	    "{\"virtual_services\": [ {\"name\": \"web\" ]}",
	    "{\"a\": \"unterminated}", "{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]}" };
	struct ctl_compare_node node;
	char why[96];
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctl_compare_parse(bad[i], strlen(bad[i]), &node,
		    &used, why, sizeof(why)), -1);
	assert_string_equal(why, "not a vipctl status --json document");
}

static void
test_documents_follow_each_other(void **state)
{
	const char *two = "{\"router_id\": \"a\"}\n{\"router_id\": \"b\"}\n";
	struct ctl_compare_node node;
	char why[96];
	size_t used;

	(void)state;
	assert_int_equal(ctl_compare_parse(two, strlen(two), &node, &used, why,
	    sizeof(why)), 0);
	assert_string_equal(node.name, "a");
	assert_int_equal(ctl_compare_parse(two + used, strlen(two) - used,
	    &node, &used, why, sizeof(why)), 0);
	assert_string_equal(node.name, "b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_router_id_and_each_services_digest_and_state),
		cmocka_unit_test(test_nodes_that_agree_exit_clean),
		cmocka_unit_test(test_the_odd_node_out_is_named),
		cmocka_unit_test(test_bad_documents_are_refused),
		cmocka_unit_test(test_documents_follow_each_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
