/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Datagram checks against a real UDP echo on loopback (no root needed):
 * a probe that got its reply keeps its connected socket for the next one;
 * a probe without a reply closes it; a datagram that comes between probes
 * is dropped, never taken as the next probe's reply; kept sockets leave
 * the others half of the open-files budget.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lb/check.h"
#include "os/evloop.h"

struct echo {
	struct evloop loop;
	int fd;
	uint16_t port;
	struct sockaddr_in last;     /* where the last probe came from */
	bool answer;
};

static void
echo_open(struct echo *e)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	memset(e, 0, sizeof(*e));
	assert_int_equal(evloop_init(&e->loop, NULL, 0, NULL, NULL, NULL), 0);
	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(e->fd >= 0);
	assert_int_equal(bind(e->fd, (struct sockaddr *)&sa, sl), 0);
	assert_int_equal(getsockname(e->fd, (struct sockaddr *)&sa, &sl), 0);
	e->port = ntohs(sa.sin_port);
	e->answer = true;
}

/* Read what came; echo it back when answering. */
static void
echo_serve(struct echo *e)
{
	char buf[512];
	socklen_t sl = sizeof(e->last);
	ssize_t n;

	while ((n = recvfrom(e->fd, buf, sizeof(buf), 0,
	    (struct sockaddr *)&e->last, &sl)) >= 0)
		if (e->answer)
			assert_true(sendto(e->fd, buf, (size_t)n, 0,
			    (struct sockaddr *)&e->last, sl) == n);
}

static void
start_udp(struct echo *e, struct check *c, struct check_budget *budget)
{
	static uint8_t ping[] = "ping";
	struct conf_check conf = { .type = CONF_CHECK_UDP, .port = e->port,
	    .interval_ms = 100, .timeout_ms = 60, .rise = 1, .fall = 1,
	    .payload = ping, .payload_len = 4, .expect_reply = ping,
	    .expect_reply_len = 4 };
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	char why[128];

	assert_int_equal(check_init(c, &conf, &lo, &e->loop, NULL, NULL, NULL,
	    evloop_now_ms(), why, sizeof(why)), 0);
	c->budget = budget;
}

/* Run the loop until c has `results` results (bounded by the clock). */
static void
run(struct echo *e, struct check *c, uint64_t results)
{
	uint64_t end = evloop_now_ms() + 5000;

	while (c->runs < results && evloop_now_ms() < end) {
		uint64_t next = check_next_deadline(c), now = evloop_now_ms();
		int wait = next > now ? (int)(next - now) : 0;

		evloop_run_once(&e->loop, wait < 5 ? wait : 5);
		echo_serve(e);
		check_tick(c, evloop_now_ms());
	}
	assert_int_equal(c->runs, results);
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

static void
test_a_probe_with_its_reply_keeps_the_socket_one_without_closes_it(
    void **state)
{
	struct check_budget budget = { .max = 0 };
	struct echo e;
	struct check c;
	uint16_t port;
	int fd;

	(void)state;
	echo_open(&e);
	start_udp(&e, &c, &budget);
	run(&e, &c, 1);
	assert_true(c.last_ok);
	assert_int_equal(c.phase, CHECK_IDLE);
	assert_true(c.fd >= 0);
	assert_int_equal(budget.in_flight, 1);
	fd = c.fd;
	port = local_port(fd);
	run(&e, &c, 2);
	assert_true(c.last_ok);
	assert_int_equal(c.fd, fd);
	assert_int_equal(ntohs(e.last.sin_port), port);
	/* No reply: the probe fails and its socket is closed. */
	e.answer = false;
	run(&e, &c, 3);
	assert_false(c.last_ok);
	assert_int_equal(c.fd, -1);
	assert_int_equal(budget.in_flight, 0);
	/* The next starts afresh, and keeps its socket again. */
	e.answer = true;
	run(&e, &c, 4);
	assert_true(c.last_ok);
	assert_true(c.fd >= 0);
	check_close(&c);
	assert_int_equal(c.fd, -1);
	assert_int_equal(budget.in_flight, 0);
	close(e.fd);
	evloop_close(&e.loop);
}

static void
test_a_datagram_between_probes_is_not_the_next_reply(void **state)
{
	struct echo e;
	struct check c;
	uint64_t until;

	(void)state;
	echo_open(&e);
	start_udp(&e, &c, NULL);
	run(&e, &c, 1);
	assert_true(c.last_ok);
	assert_true(c.fd >= 0);
	/* A stray copy of the reply while no probe runs... */
	assert_true(sendto(e.fd, "ping", 4, 0, (struct sockaddr *)&e.last,
	    sizeof(e.last)) == 4);
	until = evloop_now_ms() + 20;
	while (evloop_now_ms() < until && c.phase == CHECK_IDLE)
		evloop_run_once(&e.loop, 5);
	/* ...is read and dropped: a silent backend fails the next probe. */
	e.answer = false;
	run(&e, &c, 2);
	assert_false(c.last_ok);
	check_close(&c);
	close(e.fd);
	evloop_close(&e.loop);
}

static void
test_kept_sockets_take_at_most_half_the_budget(void **state)
{
	struct check_budget budget = { .max = 1 };
	struct echo e;
	struct check c;

	(void)state;
	echo_open(&e);
	start_udp(&e, &c, &budget);
	run(&e, &c, 1);
	assert_true(c.last_ok);
	/* One socket of a budget of one is more than half: not kept. */
	assert_int_equal(c.fd, -1);
	assert_int_equal(budget.in_flight, 0);
	budget.max = 2;
	run(&e, &c, 2);
	assert_true(c.last_ok);
	assert_true(c.fd >= 0);
	assert_int_equal(budget.in_flight, 1);
	check_close(&c);
	assert_int_equal(budget.in_flight, 0);
	close(e.fd);
	evloop_close(&e.loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_a_probe_with_its_reply_keeps_the_socket_one_without_closes_it),
		cmocka_unit_test(test_a_datagram_between_probes_is_not_the_next_reply),
		cmocka_unit_test(test_kept_sockets_take_at_most_half_the_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
