/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_probe - what every kind of probe of lib/check shares (see
 * check_int.h): its socket, addresses, watch, end and retry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "lb/check_int.h"
#include "os/digest.h"

/* c's key in its schedule follows what it waits for next. */
void
check_resched(struct check *c)
{
	if (c->sched != NULL)
		(void)check_heap_set(c->sched, &c->sched_node,
		    check_next_deadline(c));
}

/*
 * Wait for exactly `events` on the probe's socket (0: none). A switch
 * between writable and readable is one EPOLL_CTL_MOD, not a del and an
 * add. A socket watched edge-triggered for both (CHECK_WATCH_STREAM)
 * needs no switch at all: it stays so until 0.
 */
void
check_watch_for(struct check *c, uint32_t events)
{
	if (c->watching == events || (events != 0 &&
	    (c->watching & EPOLLET) != 0))
		return;
	if (c->watching != 0 && events != 0 &&
	    evloop_mod(c->loop, &c->watch, events) == 0) {
		c->watching = events;
		return;
	}
	if (c->watching != 0)
		evloop_del(c->loop, &c->watch);
	c->watching = 0;
	if (events != 0 && evloop_add(c->loop, &c->watch, events) == 0)
		c->watching = events;
}

void
check_probe_reset(struct check *c)
{
	if (c->keep_fd && c->tls == NULL && c->fd >= 0 && c->req == NULL &&
	    c->resp == NULL) {
		/* A datagram probe's socket, kept watched for the next one. */
		c->keep_fd = false;
		c->phase = CHECK_IDLE;
		return;
	}
	c->keep_fd = false;
	check_watch_for(c, 0);
	if (c->tls != NULL)
		SSL_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->counted && c->budget != NULL)
		c->budget->in_flight--;
	c->counted = false;
	/* The answer's buffer only lives while a probe reads one. */
	free(c->resp);
	c->resp = NULL;
	c->resp_len = 0;
	free(c->req);
	c->req = NULL;
	if (c->md5 != NULL)
		digest_stream_free(c->md5);
	c->md5 = NULL;
	c->in_body = c->body_full = false;
	c->phase = CHECK_IDLE;
}

/*
 * A failure with retries left runs again delay_before_retry_ms later
 * (keepalived's retry) and is not counted yet; the reason stays that of
 * the last try.
 */
void
check_probe_done(struct check *c, bool ok, uint64_t now_ms, const char *fmt,
    ...)
{
	va_list ap;

	check_probe_reset(c);
	va_start(ap, fmt);
	vsnprintf(c->last_reason, sizeof(c->last_reason), fmt, ap);
	va_end(ap);
	if (!ok && c->retries_left > 0) {
		c->retries_left--;
		c->retry_ms = now_ms + c->conf.delay_before_retry_ms;
		if (c->retry_ms == 0)
			c->retry_ms = 1;
		return;
	}
	c->retries_left = c->conf.retry;
	c->retry_ms = 0;
	c->has_result = true;
	c->last_ok = ok;
	c->last_ms = now_ms;
	c->runs++;
	c->failures += !ok;
	if (check_rf_record(&c->rf, ok) && c->cb != NULL)
		c->cb(c->arg, c);
}

static socklen_t
sockaddr_of(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->bytes, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a->bytes, 4);
	return sizeof(*s4);
}

const struct addr *
check_target(const struct check *c)
{
	return c->conf.connect_ip.family != 0 ? &c->conf.connect_ip : &c->addr;
}

int
check_probe_socket(struct check *c, int type, int proto,
    enum check_phase phase, evloop_fd_cb io, uint64_t now_ms)
{
	int fd = socket(check_target(c)->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    proto);

	if (fd < 0) {
		check_probe_done(c, false, now_ms, "socket: %s", strerror(errno));
		return -1;
	}
	check_probe_adopt(c, fd, phase, io);
	return fd;
}

void
check_probe_adopt(struct check *c, int fd, enum check_phase phase,
    evloop_fd_cb io)
{
	c->fd = fd;
	if (c->budget != NULL) {
		c->budget->in_flight++;
		c->counted = true;
	}
	c->watch = (struct evloop_watch){ fd, io, c };
	c->phase = phase;
}

int
check_probe_connect(struct check *c, uint16_t port, uint64_t now_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[INET6_ADDRSTRLEN];

	if (c->conf.bind_to.family != 0) {
		sl = sockaddr_of(&c->conf.bind_to, 0, &ss);
		if (bind(c->fd, (struct sockaddr *)&ss, sl) < 0) {
			addr_str(&c->conf.bind_to, a, sizeof(a));
			check_probe_done(c, false, now_ms, "bind_to %s: %s", a,
			    strerror(errno));
			return -1;
		}
	}
	sl = sockaddr_of(check_target(c), port, &ss);
	if (connect(c->fd, (struct sockaddr *)&ss, sl) < 0 &&
	    errno != EINPROGRESS) {
		check_probe_done(c, false, now_ms, "connect: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

uint64_t
check_next_deadline(const struct check *c)
{
	uint64_t due;

	if (c->conf.type == CONF_CHECK_NONE)
		return 0;
	/* A running script's deadline is the runner's. */
	if (c->phase == CHECK_SCRIPT_RUNNING)
		return 0;
	if (c->phase != CHECK_IDLE)
		return c->deadline_ms;
	due = c->next_ms > c->lead_ms ? c->next_ms - c->lead_ms : 1;
	return c->retry_ms != 0 && c->retry_ms < due ? c->retry_ms : due;
}
