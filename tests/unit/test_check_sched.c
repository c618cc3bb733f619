/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When health checks run: each backend keeps the phase it started with,
 * so a loop that starts probes late (a burst of probes, an nftables
 * transaction) neither delays them for good nor merges the probes of many
 * backends into one burst (tests/bench/checks.py showed 1000 backends
 * drifting into four bursts a second, 25 ms of jitter, before this).
 * And a probe whose answer is in its socket at the deadline is judged on
 * the answer, not timed out, when the loop was too busy to read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lb/check.h"
#include "os/evloop.h"

static void
test_on_time_is_one_interval_later(void **state)
{
	(void)state;
	assert_int_equal(check_next_slot(5000, 5000, 1000), 6000);
	assert_int_equal(check_next_slot(5000, 5999, 1000), 6000);
}

static void
test_late_start_keeps_the_phase(void **state)
{
	(void)state;
	/* Started 30 ms late: the next is still on the 1000 ms grid. */
	assert_int_equal(check_next_slot(5000, 5030, 1000), 6000);
	/* Exactly one interval late: that slot is now, take the next. */
	assert_int_equal(check_next_slot(5000, 6000, 1000), 7000);
}

static void
test_missed_slots_are_skipped(void **state)
{
	(void)state;
	assert_int_equal(check_next_slot(5000, 7500, 1000), 8000);
	assert_int_equal(check_next_slot(5000, 9999, 1000), 10000);
	assert_int_equal(check_next_slot(5000, 10000, 1000), 11000);
}

/* A script check without a runner fails at once: its schedule shows. */
static void
start(struct check *c, struct evloop *loop, uint64_t first_ms)
{
	struct conf_check conf = { .type = CONF_CHECK_SCRIPT,
	    .interval_ms = 100, .timeout_ms = 60, .rise = 1, .fall = 1 };
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	char why[128];

	assert_int_equal(check_init(c, &conf, &lo, loop, NULL, NULL, NULL,
	    first_ms, why, sizeof(why)), 0);
}

static void
test_tick_late_does_not_shift_the_schedule(void **state)
{
	struct evloop loop;
	struct check c;

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	start(&c, &loop, 1000);
	check_tick(&c, 999);
	assert_int_equal(c.runs, 0);                 /* not due yet */
	check_tick(&c, 1040);                        /* 40 ms late */
	assert_int_equal(c.runs, 1);
	assert_int_equal(check_next_deadline(&c), 1100);
	check_tick(&c, 1100);                        /* on time */
	assert_int_equal(c.runs, 2);
	assert_int_equal(check_next_deadline(&c), 1200);
	check_tick(&c, 1450);                        /* 2.5 intervals late */
	assert_int_equal(c.runs, 3);
	assert_int_equal(check_next_deadline(&c), 1500);
	check_close(&c);
	evloop_close(&loop);
}

static void
test_grid_slot_is_the_grid_point_itself_while_ahead(void **state)
{
	(void)state;
	assert_int_equal(check_grid_slot(6000, 1000, 10000), 6000);
	assert_int_equal(check_grid_slot(6000, 6000, 10000), 16000);
	assert_int_equal(check_grid_slot(6000, 27000, 10000), 36000);
}

/*
 * An early first probe (lb: within a second of start) and later probes on
 * the backend's own grid (lb: spread over the whole interval): the second
 * probe runs at the grid point, not a whole interval after the first.
 */
static void
test_first_probe_early_then_on_the_grid(void **state)
{
	struct conf_check conf = { .type = CONF_CHECK_SCRIPT,
	    .interval_ms = 10000, .timeout_ms = 60, .rise = 1, .fall = 1 };
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	struct evloop loop;
	struct check c;
	char why[128];

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	assert_int_equal(check_init(&c, &conf, &lo, &loop, NULL, NULL, NULL,
	    1000, why, sizeof(why)), 0);
	check_set_grid(&c, 6000);
	assert_int_equal(check_next_deadline(&c), 1000);
	check_tick(&c, 1000);
	assert_int_equal(c.runs, 1);
	assert_int_equal(check_next_deadline(&c), 6000);
	check_tick(&c, 6000);
	assert_int_equal(c.runs, 2);
	assert_int_equal(check_next_deadline(&c), 16000);
	check_tick(&c, 16000);
	assert_int_equal(check_next_deadline(&c), 26000);
	check_close(&c);
	evloop_close(&loop);
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

/* Start a probe at 1000 and wait (outside the loop) until it connected. */
static void
probe_connected(struct check *c, struct evloop *loop,
    enum conf_check_type type, uint16_t port)
{
	struct conf_check conf = { .type = type, .port = port,
	    .interval_ms = 1000, .timeout_ms = 100, .rise = 1, .fall = 1,
	    .expect_status = 200 };
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	struct pollfd p;
	char why[128];

	conf.path = NULL;          /* "/" */
	assert_int_equal(check_init(c, &conf, &lo, loop, NULL, NULL, NULL,
	    1000, why, sizeof(why)), 0);
	check_tick(c, 1000);
	assert_int_equal(c->phase, CHECK_CONNECTING);
	p = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
	assert_int_equal(poll(&p, 1, 2000), 1);
}

static void
test_ready_socket_at_the_deadline_is_not_a_timeout(void **state)
{
	struct evloop loop;
	struct check c;
	uint16_t port;
	int lfd = mute_listener(&port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	probe_connected(&c, &loop, CONF_CHECK_TCP, port);
	check_tick(&c, 1200);           /* the loop never ran the probe */
	assert_int_equal(c.runs, 1);
	assert_true(c.last_ok);
	assert_string_equal(c.last_reason, "connected");
	check_close(&c);
	evloop_close(&loop);
	close(lfd);
}

static void
test_no_answer_at_the_deadline_is_still_a_timeout(void **state)
{
	struct evloop loop;
	struct check c;
	uint16_t port;
	int lfd = mute_listener(&port);

	(void)state;
	assert_int_equal(evloop_init(&loop, NULL, 0, NULL, NULL, NULL), 0);
	probe_connected(&c, &loop, CONF_CHECK_HTTP, port);
	check_tick(&c, 1200);           /* connected, asked, no answer */
	assert_int_equal(c.runs, 1);
	assert_false(c.last_ok);
	assert_string_equal(c.last_reason,
	    "timeout after 100 ms waiting for the answer");
	check_close(&c);
	evloop_close(&loop);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_time_is_one_interval_later),
		cmocka_unit_test(test_late_start_keeps_the_phase),
		cmocka_unit_test(test_missed_slots_are_skipped),
		cmocka_unit_test(test_tick_late_does_not_shift_the_schedule),
		cmocka_unit_test(test_grid_slot_is_the_grid_point_itself_while_ahead),
		cmocka_unit_test(test_first_probe_early_then_on_the_grid),
		cmocka_unit_test(test_ready_socket_at_the_deadline_is_not_a_timeout),
		cmocka_unit_test(test_no_answer_at_the_deadline_is_still_a_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
