/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checker at scale (tests/bench/checks.py findings): first probes
 * spread by the backend's global index over its interval, probes held
 * within the open files there are, the answer's buffer only while a probe
 * reads, and the check config small and deep-copied (its long texts are
 * allocated, not embedded thrice per backend). And the schedule: the loop
 * ticks only the checks that are due (a scan of all 1000 after every
 * wake-up was most of vipd's own CPU), each check's place in it follows
 * its probe, and probes whose slots are a millisecond apart are due
 * together, each always by the same lead (its intervals stay exact).
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lb/check.h"
#include "conf/conf.h"
#include "conf/conf_lb.h"
#include "os/evloop.h"
#include "lb/lb.h"
#include "os/script.h"

/* ---- stagger -------------------------------------------------------------- */

static void
test_first_probes_spread_by_global_index_over_the_interval(void **state)
{
	(void)state;
	/* 3 services of 64: backend i of each service gets its own slot. */
	assert_int_equal(lb_first_probe_ms(1000, 0, 192, 1000), 1000);
	assert_int_equal(lb_first_probe_ms(1000, 64, 192, 1000), 1000 + 333);
	assert_int_equal(lb_first_probe_ms(1000, 128, 192, 1000), 1000 + 666);
	/* 64 backends never go beyond the interval (i * 20 ms did: 1260). */
	assert_int_equal(lb_first_probe_ms(1000, 63, 64, 1000), 1000 + 984);
	for (size_t i = 0; i < 1000; i++) {
		uint64_t t = lb_first_probe_ms(0, i, 1000, 1000);

		assert_true(t < 1000);
		assert_int_equal(t, i);          /* one per millisecond */
	}
	assert_int_equal(lb_first_probe_ms(5, 0, 0, 1000), 5);
	/* Up to an interval of a second, later probes keep the first's grid. */
	assert_int_equal(lb_probe_grid_ms(1000, 64, 192, 1000), 1000 + 333);
}

/*
 * 1000 backends a second, one slot per millisecond: with their leads they
 * are due on 1000 / (LB_PROBE_LEAD_MAX_MS + 1) distinct milliseconds
 * (that many probes per wake-up), each at most LB_PROBE_LEAD_MAX_MS
 * early, and a backend's lead is the same on every round (interval 1000:
 * its intervals stay exact).
 */
static void
test_probe_leads_group_slots_a_millisecond_apart(void **state)
{
	uint64_t prev = 0;
	size_t distinct = 0;

	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		uint64_t slot = lb_probe_grid_ms(7000, i, 1000, 1000);
		uint32_t lead = lb_probe_lead_ms(slot);
		uint64_t due = slot - lead;

		assert_true(lead <= LB_PROBE_LEAD_MAX_MS);
		assert_int_equal(lb_probe_lead_ms(slot + 1000), lead);
		assert_true(due >= prev);
		distinct += due != prev;
		prev = due;
	}
	assert_int_equal(distinct, 1000 / (LB_PROBE_LEAD_MAX_MS + 1));
}

/*
 * A backend is UNKNOWN until its first result: no flows, short of quorum
 * (and a tracked service below quorum demotes the node). With an interval
 * of an hour, spreading first probes over the interval kept the last of
 * 1000 backends so for an hour after a start or a reload that changed its
 * check; now every first probe comes within a second, and the later ones
 * are still spread over the hour.
 */
static void
test_first_probes_come_within_a_second_whatever_the_interval(void **state)
{
	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		uint64_t first = lb_first_probe_ms(7000, i, 1000, 3600000);
		uint64_t grid = lb_probe_grid_ms(7000, i, 1000, 3600000);

		assert_true(first >= 7000);
		assert_true(first < 7000 + LB_FIRST_PROBE_SPREAD_MS);
		assert_int_equal(first, 7000 + i);      /* still spread */
		assert_int_equal(grid, 7000 + 3600 * i);
		assert_true(grid >= first);
	}
	/* Shorter than the bound: both are the interval's spread. */
	assert_int_equal(lb_first_probe_ms(0, 1, 2, 400), 200);
	assert_int_equal(lb_probe_grid_ms(0, 1, 2, 400), 200);
	assert_int_equal(lb_first_probe_ms(0, 1, 2, 60000), 500);
	assert_int_equal(lb_probe_grid_ms(0, 1, 2, 60000), 30000);
}

/* ---- open files ------------------------------------------------------------ */

static void
test_budget_is_the_limit_less_a_reserve(void **state)
{
	(void)state;
	assert_int_equal(check_budget_max(1024, 128), 896);
	assert_int_equal(check_budget_max(100, 128), 1);
	assert_int_equal(check_budget_max(128, 128), 1);
}

/* A listening socket on 127.0.0.1 that never accepts nor answers. */
static int
mute_listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sl), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
http_check(struct check *c, struct conf_check *conf, struct evloop *loop,
    uint16_t port, struct check_budget *budget)
{
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	char why[128];

	*conf = (struct conf_check){ .type = CONF_CHECK_HTTP, .port = port,
	    .interval_ms = 1000, .timeout_ms = 500, .rise = 1, .fall = 1,
	    .expect_status = 200 };
	conf->path = NULL;         /* "/" */
	assert_int_equal(check_init(c, conf, &lo, loop, NULL, NULL, NULL,
	    1000, why, sizeof(why)), 0);
	c->budget = budget;
}

static void
test_probes_beyond_the_budget_wait_and_are_counted(void **state)
{
	struct check_budget budget = { .max = 1 };
	struct conf_check conf1, conf2;
	struct evloop loop;
	struct check c1, c2;
	uint16_t port;
	int lfd = mute_listener(&port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	http_check(&c1, &conf1, &loop, port, &budget);
	http_check(&c2, &conf2, &loop, port, &budget);
	check_tick(&c1, 1000);
	assert_int_not_equal(c1.phase, CHECK_IDLE);
	assert_int_equal(budget.in_flight, 1);
	check_tick(&c2, 1000);
	/* Not started, not a failure of the backend: the next slot. */
	assert_int_equal(c2.phase, CHECK_IDLE);
	assert_int_equal(c2.fd, -1);
	assert_int_equal(c2.runs, 0);
	assert_int_equal(budget.refused, 1);
	assert_int_equal(check_next_deadline(&c2), 2000);
	/* c1 times out: its socket is given back. */
	check_tick(&c1, 1500);
	assert_int_equal(c1.runs, 1);
	assert_int_equal(budget.in_flight, 0);
	check_tick(&c2, 2000);
	assert_int_not_equal(c2.phase, CHECK_IDLE);
	assert_int_equal(budget.in_flight, 1);
	check_close(&c2);
	assert_int_equal(budget.in_flight, 0);
	check_close(&c1);
	evloop_close(&loop);
	close(lfd);
}

/* ---- memory ---------------------------------------------------------------- */

static void
test_answer_buffer_lives_only_while_reading(void **state)
{
	struct conf_check conf;
	struct evloop loop;
	struct check c;
	uint16_t port;
	int lfd = mute_listener(&port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	http_check(&c, &conf, &loop, port, NULL);
	assert_null(c.resp);
	check_tick(&c, 1000);
	/* Connect, send the GET, wait for the answer. */
	for (int i = 0; i < 50 && c.phase != CHECK_READING; i++)
		evloop_run_once(&loop, 20);
	assert_int_equal(c.phase, CHECK_READING);
	assert_non_null(c.resp);
	check_tick(&c, 1500);                 /* timeout */
	assert_int_equal(c.runs, 1);
	assert_null(c.resp);
	check_close(&c);
	evloop_close(&loop);
	close(lfd);
}

/* ---- schedule -------------------------------------------------------------- */

/* A script check without a runner: it fails at once, no socket, no wait. */
static void
runnerless_check(struct check *c, struct conf_check *conf, struct evloop *loop,
    uint64_t first_ms, struct check_heap *h)
{
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	char why[128];

	*conf = (struct conf_check){ .type = CONF_CHECK_SCRIPT,
	    .interval_ms = 100, .timeout_ms = 60, .rise = 1, .fall = 1 };
	assert_int_equal(check_init(c, conf, &lo, loop, NULL, NULL, NULL,
	    first_ms, why, sizeof(why)), 0);
	assert_int_equal(check_schedule(c, h), 0);
}

static void
test_only_due_checks_run_and_the_next_is_the_earliest(void **state)
{
	struct conf_check conf[3];
	struct check_heap h;
	struct evloop loop;
	struct check c[3];

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 3), 0);
	runnerless_check(&c[0], &conf[0], &loop, 1000, &h);
	runnerless_check(&c[1], &conf[1], &loop, 1001, &h);
	runnerless_check(&c[2], &conf[2], &loop, 1005, &h);
	assert_int_equal(check_heap_next_ms(&h), 1000);
	/* Slot 1001 a millisecond early: due with 1000. */
	check_set_lead(&c[1], 1);
	assert_int_equal(check_next_deadline(&c[1]), 1000);
	/* Not due yet: nothing runs. */
	assert_int_equal(check_run_due(&h, 999), 0);
	assert_int_equal(c[0].runs, 0);
	assert_int_equal(check_run_due(&h, 1000), 2);
	assert_int_equal(c[0].runs, 1);
	assert_int_equal(c[1].runs, 1);
	assert_int_equal(c[2].runs, 0);
	/* The early one stays on its grid: 1101, not 1000 + 100. */
	assert_int_equal(c[0].next_ms, 1100);
	assert_int_equal(c[1].next_ms, 1101);
	assert_int_equal(check_next_deadline(&c[1]), 1100);
	assert_int_equal(check_heap_next_ms(&h), 1005);
	assert_int_equal(check_run_due(&h, 1005), 1);
	assert_int_equal(c[2].runs, 1);
	assert_int_equal(check_heap_next_ms(&h), 1100);
	/* A closed check leaves the schedule. */
	check_close(&c[0]);
	assert_int_equal(h.len, 2);
	assert_int_equal(check_heap_next_ms(&h), 1100);
	assert_ptr_equal(check_of_node(check_heap_top(&h)), &c[1]);
	check_close(&c[1]);
	check_close(&c[2]);
	assert_int_equal(h.len, 0);
	check_heap_free(&h);
	evloop_close(&loop);
}

/*
 * The backend whose grid is its first slot (index 0: both are "now"):
 * started a millisecond early, its next probe is a whole interval later,
 * not that same slot again (a second probe at once, and a backend probed
 * twice per interval for good).
 */
static void
test_early_first_probe_on_its_grid_point_is_not_repeated(void **state)
{
	struct conf_check conf;
	struct check_heap h;
	struct evloop loop;
	struct check c;

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 1), 0);
	runnerless_check(&c, &conf, &loop, 1001, &h);
	check_set_grid(&c, 1001);
	check_set_lead(&c, 1);
	assert_int_equal(check_run_due(&h, 1000), 1);
	assert_int_equal(c.runs, 1);
	assert_int_equal(c.next_ms, 1101);
	assert_int_equal(check_run_due(&h, 1001), 0);
	assert_int_equal(c.runs, 1);
	assert_int_equal(check_run_due(&h, 1100), 1);
	assert_int_equal(c.next_ms, 1201);
	check_close(&c);
	check_heap_free(&h);
	evloop_close(&loop);
}

/*
 * A probe in flight is due at its deadline, and only then: a timeout is
 * never judged early, even for a probe that starts early. A refused
 * probe waits for its next slot in the schedule.
 */
static void
test_in_flight_probes_are_due_at_their_deadline(void **state)
{
	struct check_budget budget = { .max = 1 };
	struct conf_check conf1, conf2;
	struct check_heap h;
	struct evloop loop;
	struct check c1, c2;
	uint16_t port;
	int lfd = mute_listener(&port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 2), 0);
	http_check(&c1, &conf1, &loop, port, &budget);
	http_check(&c2, &conf2, &loop, port, &budget);
	assert_int_equal(check_schedule(&c1, &h), 0);
	assert_int_equal(check_schedule(&c2, &h), 0);
	check_set_lead(&c1, 1);
	check_set_lead(&c2, 1);
	assert_int_equal(check_run_due(&h, 999), 2);
	assert_int_not_equal(c1.phase == CHECK_IDLE, c2.phase == CHECK_IDLE);
	assert_int_equal(budget.refused, 1);
	/* The one in flight at its deadline, the refused one next second. */
	assert_int_equal(check_heap_next_ms(&h), 1499);
	assert_int_equal(check_run_due(&h, 1498), 0);
	/* Nor by a tick of its own a millisecond before. */
	check_tick(c1.phase != CHECK_IDLE ? &c1 : &c2, 1498);
	assert_int_equal(c1.runs + c2.runs, 0);
	assert_int_equal(check_run_due(&h, 1499), 1);
	assert_int_equal(c1.runs + c2.runs, 1);
	assert_int_equal(budget.in_flight, 0);
	assert_int_equal(check_heap_next_ms(&h), 1999);
	check_close(&c1);
	check_close(&c2);
	check_heap_free(&h);
	evloop_close(&loop);
	close(lfd);
}

/* A probe that ends in the loop (check_io) leaves its deadline for its slot. */
static void
test_probe_ended_by_the_loop_moves_to_its_next_slot(void **state)
{
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	struct conf_check conf = { .type = CONF_CHECK_TCP, .interval_ms = 1000,
	    .timeout_ms = 500, .rise = 1, .fall = 1 };
	struct check_heap h;
	struct evloop loop;
	struct check c;
	char why[128];
	uint64_t now = evloop_now_ms();
	int lfd = mute_listener(&conf.port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 1), 0);
	assert_int_equal(check_init(&c, &conf, &lo, &loop, NULL, NULL, NULL,
	    now, why, sizeof(why)), 0);
	assert_int_equal(check_schedule(&c, &h), 0);
	assert_int_equal(check_run_due(&h, now), 1);
	assert_int_equal(c.phase, CHECK_CONNECTING);
	assert_int_equal(check_heap_next_ms(&h), now + 500);
	for (int i = 0; i < 100 && c.runs == 0; i++)
		evloop_run_once(&loop, 20);
	assert_int_equal(c.runs, 1);
	assert_true(c.last_ok);
	assert_int_equal(check_heap_next_ms(&h), now + 1000);
	check_close(&c);
	check_heap_free(&h);
	evloop_close(&loop);
	close(lfd);
}

/* A running script has no deadline of the check's (the runner's): out
 * of the schedule while it runs, back at its next slot when it is done. */
static void
test_script_leaves_the_schedule_while_it_runs(void **state)
{
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	struct conf_check conf = { .type = CONF_CHECK_SCRIPT, .interval_ms = 1000,
	    .timeout_ms = 900, .rise = 1, .fall = 1, .argc = 1 };
	struct passwd *pw = getpwuid(geteuid());
	struct script_runner runner;
	struct check_heap h;
	struct evloop loop;
	struct check c;
	char why[128], *argv0 = "/bin/true";
	uint64_t now = evloop_now_ms(), end = now + 5000;

	(void)state;
	conf.argv[0] = argv0;
	assert_non_null(pw);
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	script_runner_init(&runner, &loop, 2, 0);
	assert_int_equal(script_runner_set_user(&runner, pw->pw_name, why,
	    sizeof(why)), 0);
	check_heap_init(&h);
	assert_int_equal(check_heap_reserve(&h, 1), 0);
	assert_int_equal(check_init(&c, &conf, &lo, &loop, &runner, NULL, NULL,
	    now, why, sizeof(why)), 0);
	assert_int_equal(check_schedule(&c, &h), 0);
	assert_int_equal(check_run_due(&h, now), 1);
	assert_int_equal(c.phase, CHECK_SCRIPT_RUNNING);
	assert_int_equal(h.len, 0);
	while (c.runs == 0 && evloop_now_ms() < end) {
		evloop_run_once(&loop, 10);
		script_runner_tick(&runner, evloop_now_ms());
	}
	assert_int_equal(c.runs, 1);
	assert_true(c.last_ok);
	assert_int_equal(h.len, 1);
	assert_int_equal(check_heap_next_ms(&h), now + 1000);
	check_close(&c);
	assert_int_equal(h.len, 0);
	script_runner_close(&runner);
	check_heap_free(&h);
	evloop_close(&loop);
}

static void
test_check_structures_are_small(void **state)
{
	(void)state;
	/* Held three times per backend: was 6952 bytes (PATH_MAX, 8 x 256). */
	assert_true(sizeof(struct conf_check) < 1024);
	/* Was 11 KiB with its own 4 KiB answer buffer. */
	assert_true(sizeof(struct check) < 3 * 1024);
}

static const char text[] =
	"virtual_services = (\n"
	"  { name = \"web\"; address = \"10.0.0.10\"; port = 443;\n"
	"    backends = (\n"
	"      { address = \"10.1.0.11\"; check = { type = \"https\";\n"
	"          verify = true; ca_file = \"/dev/null\" } },\n"
	"      { address = \"10.1.0.12\"; check = { type = \"script\";\n"
	"          command = [ \"/bin/true\", \"-a\", \"b c\" ] } },\n"
	"      { address = \"10.1.0.13\" }\n"
	"    ) }\n"
	");\n";

static struct conf *
load(void)
{
	static struct conf_errors errs;
	struct conf *c = NULL;

	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), 0);
	assert_non_null(c);
	return c;
}

/* The copy is its own: it outlives the model (ASan sees any sharing). */
static void
test_check_copy_is_deep_and_outlives_the_model(void **state)
{
	struct conf *c = load(), *again = load();
	struct conf_check a, b, none;

	(void)state;
	assert_int_equal(conf_check_copy(&a, &c->services[0].backends[0].check),
	    0);
	assert_int_equal(conf_check_copy(&b, &c->services[0].backends[1].check),
	    0);
	assert_int_equal(conf_check_copy(&none,
	    &c->services[0].backends[2].check), 0);
	assert_ptr_not_equal(a.ca_file, c->services[0].backends[0].check.ca_file);
	assert_ptr_not_equal(b.argv[0], c->services[0].backends[1].check.argv[0]);
	conf_free(c);
	assert_string_equal(a.ca_file, "/dev/null");
	assert_int_equal(b.argc, 3);
	assert_string_equal(b.argv[0], "/bin/true");
	assert_string_equal(b.argv[2], "b c");
	assert_null(b.argv[3]);
	assert_null(none.ca_file);
	/* Equal by value, not by pointer; NULL differs from a text. */
	assert_true(conf_check_equal(&a, &again->services[0].backends[0].check));
	assert_true(conf_check_equal(&b, &again->services[0].backends[1].check));
	assert_false(conf_check_equal(&a, &none));
	free(b.argv[2]);
	b.argv[2] = strdup("b d");
	assert_false(conf_check_equal(&b, &again->services[0].backends[1].check));
	conf_check_free(&a);
	conf_check_free(&b);
	conf_check_free(&none);
	assert_null(a.ca_file);
	conf_free(again);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_probes_spread_by_global_index_over_the_interval),
		cmocka_unit_test(test_first_probes_come_within_a_second_whatever_the_interval),
		cmocka_unit_test(test_probe_leads_group_slots_a_millisecond_apart),
		cmocka_unit_test(test_budget_is_the_limit_less_a_reserve),
		cmocka_unit_test(test_probes_beyond_the_budget_wait_and_are_counted),
		cmocka_unit_test(test_answer_buffer_lives_only_while_reading),
		cmocka_unit_test(test_only_due_checks_run_and_the_next_is_the_earliest),
		cmocka_unit_test(test_early_first_probe_on_its_grid_point_is_not_repeated),
		cmocka_unit_test(test_in_flight_probes_are_due_at_their_deadline),
		cmocka_unit_test(test_probe_ended_by_the_loop_moves_to_its_next_slot),
		cmocka_unit_test(test_script_leaves_the_schedule_while_it_runs),
		cmocka_unit_test(test_check_structures_are_small),
		cmocka_unit_test(test_check_copy_is_deep_and_outlives_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
