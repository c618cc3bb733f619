/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Health checks against real sockets on loopback (no root needed): a
 * listening backend is up; a refused connect, an HTTP answer that never
 * comes, garbage, a reset, a wrong status are each down with their reason;
 * rise and fall are counted in probes. The event loop is the daemon's own;
 * the test plays the backend between its turns.
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

enum peer { PEER_OK, PEER_SILENT, PEER_GARBAGE, PEER_RESET, PEER_503 };

struct bed {
	struct evloop loop;
	int listen_fd;
	uint16_t port;
	int conns[16];
	size_t nconns;
	unsigned changes;
};

static void
on_change(void *arg, struct check *c)
{
	(void)c;
	((struct bed *)arg)->changes++;
}

/* A listening socket on 127.0.0.1 (or a closed port when listen is false). */
static void
bed_open(struct bed *b, bool listening)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	memset(b, 0, sizeof(*b));
	assert_int_equal(evloop_init(&b->loop, NULL, 0, NULL, NULL, NULL), 0);
	b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(b->listen_fd >= 0);
	assert_int_equal(bind(b->listen_fd, (struct sockaddr *)&sa, sl), 0);
	assert_int_equal(getsockname(b->listen_fd, (struct sockaddr *)&sa, &sl),
	    0);
	b->port = ntohs(sa.sin_port);
	if (listening)
		assert_int_equal(listen(b->listen_fd, 16), 0);
	else {
		/* Bound but never listening: connects are refused. */
		close(b->listen_fd);
		b->listen_fd = -1;
	}
}

static void
bed_close(struct bed *b)
{
	for (size_t i = 0; i < b->nconns; i++)
		close(b->conns[i]);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	evloop_close(&b->loop);
}

/* Accept what came, and answer it as peer does. */
static void
bed_serve(struct bed *b, enum peer peer)
{
	static const char ok[] = "HTTP/1.0 200 OK\r\n\r\nall good";
	static const char busy[] = "HTTP/1.1 503 Busy\r\n\r\n";
	static const char junk[] = "\x16\x03\x01garbage\r\n";
	char buf[512];
	int fd;

	if (b->listen_fd < 0)
		return;
	while ((fd = accept4(b->listen_fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		(void)recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (peer == PEER_OK)
			assert_true(write(fd, ok, sizeof(ok) - 1) > 0);
		else if (peer == PEER_503)
			assert_true(write(fd, busy, sizeof(busy) - 1) > 0);
		else if (peer == PEER_GARBAGE)
			assert_true(write(fd, junk, sizeof(junk) - 1) > 0);
		else if (peer == PEER_RESET) {
			struct linger lg = { 1, 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		if (peer == PEER_SILENT && b->nconns < 16)
			b->conns[b->nconns++] = fd;     /* held open, mute */
		else
			close(fd);
	}
}

/* Run the loop until c has `results` results (bounded by the clock). */
static void
run(struct bed *b, struct check *c, enum peer peer, uint64_t results)
{
	uint64_t end = evloop_now_ms() + 5000;

	while (c->runs < results && evloop_now_ms() < end) {
		uint64_t next = check_next_deadline(c), now = evloop_now_ms();
		int wait = next > now ? (int)(next - now) : 0;

		evloop_run_once(&b->loop, wait < 5 ? wait : 5);
		bed_serve(b, peer);
		check_tick(c, evloop_now_ms());
	}
	assert_true(c->runs >= results);
}

static void
start(struct bed *b, struct check *c, enum conf_check_type type,
    uint32_t rise, uint32_t fall)
{
	struct conf_check conf = { .type = type, .port = b->port,
	    .interval_ms = 100, .timeout_ms = 60, .rise = rise, .fall = fall,
	    .expect_status = 200 };
	struct addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	char why[128];

	conf.path = "/healthz";
	assert_int_equal(check_init(c, &conf, &lo, &b->loop, NULL, on_change, b,
	    evloop_now_ms(), why, sizeof(why)), 0);
}

static void
expect(enum conf_check_type type, bool listening, enum peer peer,
    enum check_health health, const char *reason_part)
{
	struct bed b;
	struct check c;

	bed_open(&b, listening);
	start(&b, &c, type, 1, 1);
	run(&b, &c, peer, 1);
	if (c.rf.health != health || strstr(c.last_reason, reason_part) == NULL)
		print_message("got %s: %s\n", check_health_name(c.rf.health),
		    c.last_reason);
	assert_int_equal(c.rf.health, health);
	assert_non_null(strstr(c.last_reason, reason_part));
	assert_int_equal(b.changes, 1);
	check_close(&c);
	bed_close(&b);
}

static void
test_tcp_check(void **state)
{
	(void)state;
	expect(CONF_CHECK_TCP, true, PEER_SILENT, CHECK_UP, "connected");
	expect(CONF_CHECK_TCP, false, PEER_OK, CHECK_DOWN,
	    "connect: Connection refused");
}

static void
test_http_check_judges_every_kind_of_answer(void **state)
{
	(void)state;
	expect(CONF_CHECK_HTTP, true, PEER_OK, CHECK_UP, "status 200");
	expect(CONF_CHECK_HTTP, true, PEER_SILENT, CHECK_DOWN,
	    "timeout after 60 ms waiting for the answer");
	expect(CONF_CHECK_HTTP, true, PEER_GARBAGE, CHECK_DOWN,
	    "not an HTTP status line");
	expect(CONF_CHECK_HTTP, true, PEER_RESET, CHECK_DOWN, "reset");
	expect(CONF_CHECK_HTTP, true, PEER_503, CHECK_DOWN,
	    "status 503, expected 200");
	expect(CONF_CHECK_HTTP, false, PEER_OK, CHECK_DOWN, "refused");
}

static void
test_fall_and_rise_count_probes(void **state)
{
	struct bed b;
	struct check c;

	(void)state;
	bed_open(&b, true);
	start(&b, &c, CONF_CHECK_HTTP, 2, 3);
	run(&b, &c, PEER_OK, 1);
	assert_int_equal(c.rf.health, CHECK_UP);
	run(&b, &c, PEER_503, 3);
	assert_int_equal(c.rf.health, CHECK_UP);       /* two failures */
	run(&b, &c, PEER_503, 4);
	assert_int_equal(c.rf.health, CHECK_DOWN);     /* the third */
	run(&b, &c, PEER_OK, 5);
	assert_int_equal(c.rf.health, CHECK_DOWN);
	run(&b, &c, PEER_OK, 6);
	assert_int_equal(c.rf.health, CHECK_UP);
	assert_int_equal(c.failures, 3);
	assert_int_equal(b.changes, 3);
	check_close(&c);
	bed_close(&b);
}

static void
test_script_check_without_runner_fails_cleanly(void **state)
{
	struct bed b;
	struct check c;

	(void)state;
	bed_open(&b, true);
	start(&b, &c, CONF_CHECK_SCRIPT, 1, 1);
	check_tick(&c, evloop_now_ms());
	assert_int_equal(c.rf.health, CHECK_DOWN);
	assert_string_equal(c.last_reason, "no script runner");
	check_close(&c);
	bed_close(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_check),
		cmocka_unit_test(test_http_check_judges_every_kind_of_answer),
		cmocka_unit_test(test_fall_and_rise_count_probes),
		cmocka_unit_test(test_script_check_without_runner_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
