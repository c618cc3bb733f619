/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics - a deliberately tiny HTTP/1.0 server for one URL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/metrics.h"
#include "ctl/metrics_om.h"

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		m->clients[i].fd = -1;
		m->clients[i].m = m;
	}
}

static void
metrics_client_close(struct metrics_client *c)
{
	if (c->fd < 0)
		return;
	evloop_del(c->m->loop, &c->watch);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->len = c->out_len = c->out_sent = 0;
}

static void
metrics_client_drain(struct evloop_watch *w, uint32_t events)
{
	struct metrics_client *c = w->arg;
	char scratch[4096];
	ssize_t n;

	(void)events;
	while ((n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		metrics_client_close(c);
}

/*
 * Watch c with cb for events instead. When the loop refuses, c is closed
 * (not watched any more, so without evloop_del) and false returned.
 */
static bool
metrics_client_rewatch(struct metrics_client *c, evloop_fd_cb cb,
    uint32_t events)
{
	evloop_del(c->m->loop, &c->watch);
	c->watch.cb = cb;
	if (evloop_add(c->m->loop, &c->watch, events) == 0)
		return true;
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->len = c->out_len = c->out_sent = 0;
	return false;
}

/*
 * The answer is out. Closing now with unread request bytes (an oversized
 * header) would reset the connection and lose the answer, so say we are
 * done and wait for the client's close, within the same deadline.
 */
static void
metrics_client_linger(struct metrics_client *c)
{
	shutdown(c->fd, SHUT_WR);
	c->draining = true;
	(void)metrics_client_rewatch(c, metrics_client_drain, EPOLLIN);
}

/* Send what the socket takes now; the rest when it is writable again. */
static void
metrics_client_flush(struct metrics_client *c)
{
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent,
		    c->out_len - c->out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			metrics_client_close(c);
			return;
		}
		c->out_sent += (size_t)n;
	}
	metrics_client_linger(c);
}

static void
metrics_client_writable(struct evloop_watch *w, uint32_t events)
{
	(void)events;
	metrics_client_flush(w->arg);
}

/* Queue the whole response, then switch the watch to "writable". */
static void
metrics_respond(struct metrics_client *c, const char *status, bool body)
{
	char *text = NULL, *payload = NULL;
	size_t text_len = 0, payload_len = 0;
	FILE *f, *p;

	if (body && (p = open_memstream(&payload, &payload_len)) != NULL) {
		c->m->render(c->m->arg, p);
		fclose(p);
	}
	if ((f = open_memstream(&text, &text_len)) == NULL) {
		free(payload);
		metrics_client_close(c);
		return;
	}
	fprintf(f, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, payload ?
	    METRICS_OM_CONTENT_TYPE : "text/plain; charset=utf-8",
	    payload ? payload_len : strlen(status) + 1);
	if (payload)
		fwrite(payload, 1, payload_len, f);
	else
		fprintf(f, "%s\n", status);
	fclose(f);
	free(payload);
	c->out = text;
	c->out_len = text_len;
	if (metrics_client_rewatch(c, metrics_client_writable, EPOLLOUT))
		metrics_client_flush(c);
}

/* "GET /metrics HTTP/1.x" (a query string is allowed and ignored). */
static void
metrics_handle(struct metrics_client *c)
{
	char method[8], target[64], version[16];
	size_t plen;

	if (sscanf(c->req, "%7s %63s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		c->m->stats.bad_requests++;
		metrics_respond(c, "400 Bad Request", false);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		c->m->stats.bad_requests++;
		metrics_respond(c, "405 Method Not Allowed", false);
		return;
	}
	plen = strcspn(target, "?");
	if (plen != strlen("/metrics") || strncmp(target, "/metrics", plen) != 0) {
		c->m->stats.bad_requests++;
		metrics_respond(c, "404 Not Found", false);
		return;
	}
	c->m->stats.scrapes++;
	metrics_respond(c, "200 OK", true);
}

static void
metrics_client_readable(struct evloop_watch *w, uint32_t events)
{
	struct metrics_client *c = w->arg;
	ssize_t n;

	(void)events;
	n = recv(c->fd, c->req + c->len, METRICS_REQUEST_MAX - c->len,
	    MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			metrics_client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	/* Headers are read and ignored; the blank line ends the request. */
	if (strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") != NULL) {
		metrics_handle(c);
		return;
	}
	if (c->len == METRICS_REQUEST_MAX) {
		c->m->stats.bad_requests++;
		metrics_respond(c, "431 Request Header Fields Too Large", false);
	}
}

static struct metrics_client *
metrics_free_slot(struct metrics *m)
{
	struct metrics_client *oldest = NULL;

	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		struct metrics_client *c = &m->clients[i];

		if (c->fd < 0)
			return c;
		if (oldest == NULL || c->since_ms < oldest->since_ms)
			oldest = c;
	}
	m->stats.evicted++;
	metrics_client_close(oldest);
	return oldest;
}

static void
metrics_accept(struct evloop_watch *w, uint32_t events)
{
	struct metrics *m = w->arg;
	struct metrics_client *c;
	int fd;

	(void)events;
	if ((fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	c = metrics_free_slot(m);
	c->fd = fd;
	c->len = 0;
	c->draining = false;
	c->since_ms = evloop_now_ms();
	c->deadline_ms = c->since_ms + METRICS_TIMEOUT_MS;
	c->watch = (struct evloop_watch){ fd, metrics_client_readable, c };
	if (evloop_add(m->loop, &c->watch, EPOLLIN) < 0) {
		close(fd);
		c->fd = -1;
	}
}

int
metrics_open(struct metrics *m, struct evloop *loop, const struct addr *addr,
    uint16_t port, metrics_render render, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int one = 1, err;

	metrics_init(m);
	m->loop = loop;
	m->render = render;
	m->arg = arg;
	m->addr = *addr;
	m->port = port;
	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr->bytes, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr->bytes, 16);
		sslen = sizeof(*sin6);
	}
	m->fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -errno;
	/* A restart must not wait for TIME_WAIT of the last scrape. */
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, (struct sockaddr *)&ss, sslen) < 0 ||
	    listen(m->fd, 16) < 0)
		goto fail;
	m->watch = (struct evloop_watch){ m->fd, metrics_accept, m };
	if ((err = evloop_add(loop, &m->watch, EPOLLIN)) < 0) {
		errno = -err;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	close(m->fd);
	m->fd = -1;
	return err;
}

void
metrics_close(struct metrics *m)
{
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		metrics_client_close(&m->clients[i]);
	if (m->fd < 0)
		return;
	evloop_del(m->loop, &m->watch);
	close(m->fd);
	m->fd = -1;
}

uint64_t
metrics_next_deadline(const struct metrics *m)
{
	uint64_t due = 0;

	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0 && (due == 0 ||
		    m->clients[i].deadline_ms < due))
			due = m->clients[i].deadline_ms;
	return due;
}

void
metrics_tick(struct metrics *m, uint64_t now_ms)
{
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		struct metrics_client *c = &m->clients[i];

		if (c->fd >= 0 && c->deadline_ms <= now_ms) {
			if (!c->draining)
				m->stats.timeouts++;
			metrics_client_close(c);
		}
	}
}
