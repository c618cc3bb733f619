/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenMetrics from the JSON dump: names, types, labels, units, # EOF, and
 * fields added to the dump later appearing without code changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/metrics_om.h"

static char *
render(const char *json, int *ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	*ret = metrics_om_write(f, json, strlen(json));
	fclose(f);
	return out;
}

static void
expect_line(const char *text, const char *line)
{
	char *want = malloc(strlen(line) + 3);

	sprintf(want, "\n%s\n", line);
	if (strstr(text, want) == NULL && strncmp(text, want + 1,
	    strlen(want + 1)) != 0)
		fail_msg("missing line '%s' in:\n%s", line, text);
	free(want);
}

static const char dump[] =
	"{\"router_id\": \"a\", \"pid\": 5, \"uptime_ms\": 1234, \"reloads\": 2,"
	" \"unmatched_drops\": {\"ttl\": 0, \"vrid\": 3},"
	" \"drift_repairs\": {\"nft_table\": 2, \"address\": 0},"
	" \"instances\": [{\"name\": \"ext\", \"state\": \"BACKUP\","
	"  \"base_priority\": 150, \"forced_fault\": true, \"vips\": [\"1.2.3.4/24\"],"
	"  \"timeline\": [{\"from\": \"INIT\", \"age_ms\": 5}],"
	"  \"counters\": {\"adverts_sent\": 10, \"drops\": {\"ttl\": 1}}},"
	"  {\"name\": \"int\\\"x\", \"state\": \"MASTER\", \"base_priority\": 100,"
	"  \"counters\": {\"adverts_sent\": 7, \"drops\": {\"ttl\": 0}}}],"
	" \"virtual_services\": [{\"name\": \"web\", \"persistence_s\": 30,"
	"  \"backends\": [{\"address\":"
	"  \"10.1.0.11:80\", \"state\": \"up\", \"counters\": {\"connections\": 5}},"
	"  {\"address\": \"10.1.0.12\", \"port\": 8080, \"health\": \"down\","
	"   \"bytes\": 7, \"weight\": 2}]}],"
	" \"scripts\": {\"started\": 3, \"failed\": 1},"
	" \"sync_counters\": {\"sent\": 9}}";

static void
test_dump_becomes_openmetrics(void **state)
{
	int ret;
	char *text = render(dump, &ret);

	(void)state;
	assert_int_equal(ret, 0);
	expect_line(text, "# TYPE vipd_uptime_seconds gauge");
	expect_line(text, "# UNIT vipd_uptime_seconds seconds");
	expect_line(text, "vipd_uptime_seconds 1.234");
	expect_line(text, "# TYPE vipd_reloads counter");
	expect_line(text, "vipd_reloads_total 2");
	expect_line(text, "vipd_unmatched_drops_total{reason=\"vrid\"} 3");
	expect_line(text, "# TYPE vipd_drift_repairs counter");
	expect_line(text, "vipd_drift_repairs_total{kind=\"nft_table\"} 2");
	expect_line(text, "vipd_drift_repairs_total{kind=\"address\"} 0");
	expect_line(text, "# TYPE vipd_instance_state stateset");
	expect_line(text, "vipd_instance_state{instance=\"ext\","
	    "vipd_instance_state=\"BACKUP\"} 1");
	expect_line(text, "vipd_instance_state{instance=\"ext\","
	    "vipd_instance_state=\"MASTER\"} 0");
	expect_line(text, "vipd_instance_base_priority{instance=\"ext\"} 150");
	expect_line(text, "vipd_instance_forced_fault{instance=\"ext\"} 1");
	expect_line(text, "# TYPE vipd_instance_adverts_sent counter");
	expect_line(text, "vipd_instance_adverts_sent_total{instance=\"ext\"} 10");
	/* Label values are escaped. */
	expect_line(text, "vipd_instance_adverts_sent_total{instance=\"int\\\"x\"} 7");
	expect_line(text, "vipd_instance_drops_total{instance=\"ext\",reason=\"ttl\"} 1");
	/* Fields of later modules: no code here knows them. */
	expect_line(text, "vipd_virtual_service_backend_connections_total{"
	    "virtual_service=\"web\",backend=\"10.1.0.11:80\"} 5");
	expect_line(text, "vipd_virtual_service_backend_state{virtual_service="
	    "\"web\",backend=\"10.1.0.11:80\",vipd_virtual_service_backend_state="
	    "\"up\"} 1");
	expect_line(text, "vipd_sync_sent_total 9");
	expect_line(text, "vipd_virtual_service_persistence_seconds{"
	    "virtual_service=\"web\"} 30");
	/* An object of numbers only, and names that count, are counters. */
	expect_line(text, "# TYPE vipd_scripts_started counter");
	expect_line(text, "vipd_scripts_failed_total 1");
	expect_line(text, "vipd_virtual_service_backend_bytes_total{virtual_service="
	    "\"web\",backend=\"10.1.0.12:8080\"} 7");
	expect_line(text, "vipd_virtual_service_backend_weight{virtual_service="
	    "\"web\",backend=\"10.1.0.12:8080\"} 2");
	expect_line(text, "vipd_virtual_service_backend_health{virtual_service="
	    "\"web\",backend=\"10.1.0.12:8080\",vipd_virtual_service_backend_"
	    "health=\"down\"} 1");
	/* Not metrics: the pid, lists of strings, the timeline. */
	assert_null(strstr(text, "pid"));
	assert_null(strstr(text, "vips"));
	assert_null(strstr(text, "timeline"));
	/* One family's samples stay together, and the text ends in # EOF. */
	assert_non_null(strstr(text, "vipd_instance_adverts_sent_total{instance="
	    "\"ext\"} 10\nvipd_instance_adverts_sent_total{instance=\"int"));
	assert_string_equal(text + strlen(text) - 6, "# EOF\n");
	free(text);
}

/* How many lines of text start with prefix. */
static int
count_lines(const char *text, const char *prefix)
{
	const char *line = text;
	int n = 0;

	while (line != NULL && *line != '\0') {
		n += strncmp(line, prefix, strlen(prefix)) == 0;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return n;
}

/*
 * A stateset carries every state of its set, 0 but for the current one:
 * a backend that is down still has up and unknown series, a receiver a
 * sender series. The bug: only the current state came, so "is it down?"
 * found no series at all for a backend that was up.
 */
static void
test_statesets_emit_all_their_states(void **state)
{
	int ret;
	char *text = render("{\"virtual_services\": [{\"name\": \"web\", "
	    "\"backends\": [{\"address\": \"10.1.0.11\", \"port\": 80, "
	    "\"health\": \"down\"}, {\"address\": \"10.1.0.12\", \"port\": 80, "
	    "\"health\": \"up\"}]}], \"conn_sync\": {\"role\": \"receiver\", "
	    "\"synced\": true}, \"sync_groups\": [{\"name\": \"edge\", "
	    "\"state\": \"FAULT\"}]}", &ret);

	(void)state;
	assert_int_equal(ret, 0);
	expect_line(text, "# TYPE vipd_virtual_service_backend_health stateset");
	expect_line(text, "vipd_virtual_service_backend_health{virtual_service="
	    "\"web\",backend=\"10.1.0.11:80\",vipd_virtual_service_backend_"
	    "health=\"down\"} 1");
	expect_line(text, "vipd_virtual_service_backend_health{virtual_service="
	    "\"web\",backend=\"10.1.0.11:80\",vipd_virtual_service_backend_"
	    "health=\"up\"} 0");
	expect_line(text, "vipd_virtual_service_backend_health{virtual_service="
	    "\"web\",backend=\"10.1.0.11:80\",vipd_virtual_service_backend_"
	    "health=\"unknown\"} 0");
	expect_line(text, "vipd_virtual_service_backend_health{virtual_service="
	    "\"web\",backend=\"10.1.0.12:80\",vipd_virtual_service_backend_"
	    "health=\"down\"} 0");
	assert_int_equal(count_lines(text, "vipd_virtual_service_backend_health{"), 6);
	expect_line(text, "# TYPE vipd_conn_sync_role stateset");
	expect_line(text, "vipd_conn_sync_role{vipd_conn_sync_role=\"sender\"} 0");
	expect_line(text, "vipd_conn_sync_role{vipd_conn_sync_role=\"receiver\"} 1");
	expect_line(text, "vipd_sync_group_state{sync_group=\"edge\","
	    "vipd_sync_group_state=\"FAULT\"} 1");
	assert_int_equal(count_lines(text, "vipd_sync_group_state{"), 4);
	free(text);
}

/*
 * A BFD session's state is a stateset of BFD's four states (RFC 5880
 * 4.1), not of VRRP's: before, "Up" was outside the VRRP set and came
 * alone, so a session that was Down had no Up series saying 0.
 */
static void
test_bfd_session_state_is_a_stateset_of_bfd_states(void **state)
{
	static const char *const states[] = { "AdminDown", "Down", "Init",
		"Up" };
	int ret;
	char *text = render("{\"bfd\": {\"sessions\": [{\"name\": \"to-b\", "
	    "\"state\": \"Down\", \"detect_time_ms\": 150}, {\"name\": "
	    "\"to-r\", \"state\": \"Up\"}]}, \"instances\": [{\"name\": "
	    "\"ext\", \"state\": \"MASTER\"}]}", &ret);
	char line[160];

	(void)state;
	assert_int_equal(ret, 0);
	expect_line(text, "# TYPE vipd_bfd_session_state stateset");
	for (size_t i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "vipd_bfd_session_state{session="
		    "\"to-b\",vipd_bfd_session_state=\"%s\"} %d", states[i],
		    strcmp(states[i], "Down") == 0);
		expect_line(text, line);
		snprintf(line, sizeof(line), "vipd_bfd_session_state{session="
		    "\"to-r\",vipd_bfd_session_state=\"%s\"} %d", states[i],
		    strcmp(states[i], "Up") == 0);
		expect_line(text, line);
	}
	assert_int_equal(count_lines(text, "vipd_bfd_session_state{"), 8);
	/* The instances keep VRRP's set. */
	assert_int_equal(count_lines(text, "vipd_instance_state{"), 4);
	expect_line(text, "vipd_instance_state{instance=\"ext\","
	    "vipd_instance_state=\"MASTER\"} 1");
	free(text);
}

/* Counters by their names: probes the balancer refused is one. */
static void
test_refused_counts_are_counters(void **state)
{
	int ret;
	char *text = render("{\"balancer\": {\"transactions\": 4, "
	    "\"probes_in_flight\": 2, \"probe_limit\": 100, \"probes_refused\": 7, "
	    "\"last_error\": \"\"}}", &ret);

	(void)state;
	assert_int_equal(ret, 0);
	expect_line(text, "# TYPE vipd_balancer_probes_refused counter");
	expect_line(text, "vipd_balancer_probes_refused_total 7");
	expect_line(text, "# TYPE vipd_balancer_probes_in_flight gauge");
	expect_line(text, "vipd_balancer_probes_in_flight 2");
	expect_line(text, "vipd_balancer_probe_limit 100");
	expect_line(text, "vipd_balancer_transactions_total 4");
	free(text);
}

static void
test_not_json_gives_only_eof(void **state)
{
	int ret;
	char *text = render("[1, 2", &ret);

	(void)state;
	assert_int_equal(ret, -22);
	assert_string_equal(text, "# EOF\n");
	free(text);
	text = render("{\"a\": {\"b\": {\"c\": {\"d\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}}",
	    &ret);
	assert_int_equal(ret, -22);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_becomes_openmetrics),
		cmocka_unit_test(test_statesets_emit_all_their_states),
		cmocka_unit_test(test_bfd_session_state_is_a_stateset_of_bfd_states),
		cmocka_unit_test(test_refused_counts_are_counters),
		cmocka_unit_test(test_not_json_gives_only_eof),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
