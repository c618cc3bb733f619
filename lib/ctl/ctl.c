/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl - control socket server: framing and limits; the wire format is in
 * ctl_proto.c, the commands in daemon/vipd_ctl.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdarg.h>
#include <unistd.h>

/* Socket buffer vipd grants one reply at most (a dump of many instances). */
#define CTL_MAX_REPLY (64 * 1024 * 1024)

#include "ctl/ctl.h"
#include "base/json_out.h"
#include "os/log.h"

static void
ctl_client_close(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	if (!c->pending)
		evloop_del(c->ctl->loop, &c->watch);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->pending = false;
}

/*
 * The whole reply in one non-blocking send. A JSON dump of many instances
 * with their timelines is larger than the default socket buffer, so the
 * buffer is made to fit it first (the peer is root, as are we: FORCE may
 * pass wmem_max). A client that cannot take it still loses it, as it
 * would lose a reply that does not fit in CTL_MAX_REPLY.
 */
static void
ctl_send_raw(int fd, const char *reply, size_t len, const char *what)
{
	int want = len > CTL_MAX_REPLY ? CTL_MAX_REPLY : (int)len + 65536;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (send(fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
		log_warn("control: answer to %s cut short (client too slow or "
		    "gone)", what);
}

/* Wrap a handler's output as the reply object of ctl_proto.h. */
static void
ctl_send(int fd, int status, const char *body, size_t body_len,
    const char *what)
{
	char *reply = NULL;
	size_t reply_len = 0;
	FILE *f = open_memstream(&reply, &reply_len);

	if (f == NULL)
		return;
	if (status == CTL_OK_JSON) {
		fprintf(f, "{\"ok\": true, \"result\": ");
		fwrite(body, 1, body_len, f);
		fprintf(f, "}\n");
	} else {
		fprintf(f, "{\"ok\": %s, \"%s\": ", status == CTL_OK ? "true" :
		    "false", status == CTL_OK ? "text" : "error");
		json_out_string(f, body, body_len);
		fprintf(f, "}\n");
	}
	fclose(f);
	ctl_send_raw(fd, reply, reply_len, what);
	free(reply);
}

static void
ctl_send_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ctl_send_error(int fd, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_send(fd, CTL_REFUSED, msg, strlen(msg), "a refused connection");
}

/*
 * Before closing a connection whose request we did not read (or not all of
 * it): closing with unread bytes makes the kernel reset the connection,
 * and a client could lose our reply. Take what is there (a request is at
 * most CTL_REQUEST_MAX bytes; this is bounded even against a flood).
 */
static void
ctl_drain(int fd)
{
	char scratch[4096];

	for (int i = 0; i < 16 && recv(fd, scratch, sizeof(scratch),
	    MSG_DONTWAIT) > 0; i++)
		;
}

/* One rate-limited line for a refusal a peer can repeat at will. */
static void
ctl_log_refusal(struct ctl *ctl, const char *what, const char *why)
{
	uint64_t suppressed;

	if (!log_ratelimit_allow(&ctl->bad_log, evloop_now_ms(), &suppressed))
		return;
	if (suppressed > 0)
		log_warn("control: %s refused: %s (%" PRIu64 " similar lines "
		    "suppressed)", what, why, suppressed);
	else
		log_warn("control: %s refused: %s", what, why);
}

/* Count and (rate-limited) log a request refused before any handler saw it. */
static void
ctl_reject(struct ctl_client *c, uint64_t *counter, const char *why)
{
	(*counter)++;
	ctl_log_refusal(c->ctl, "request", why);
	ctl_send_error(c->fd, "bad request: %s", why);
	ctl_drain(c->fd);
	ctl_client_close(c);
}

static void
ctl_answer(struct ctl_client *c, const struct ctl_request *req)
{
	struct ctl_ticket ticket = { c, c->generation };
	char *body = NULL;
	size_t body_len = 0;
	FILE *out = open_memstream(&body, &body_len);
	int status;

	if (out == NULL) {
		ctl_client_close(c);
		return;
	}
	c->ctl->stats.requests++;
	status = c->ctl->handler(c->ctl->arg, req, out, &ticket);
	fclose(out);
	if (status == CTL_PENDING) {
		/* Nothing more to read; the answer comes with ctl_answer_later. */
		evloop_del(c->ctl->loop, &c->watch);
		c->pending = true;
		free(body);
		return;
	}
	if (status == CTL_REFUSED)
		c->ctl->stats.refused++;
	ctl_send(c->fd, status, body, body_len, req->command);
	free(body);
	ctl_client_close(c);
}

/* The request ends at its first newline, or where the client shut down. */
static void
ctl_request_done(struct ctl_client *c, size_t len)
{
	struct ctl_request req;
	char why[160];

	if (ctl_proto_parse_request(c->buf, len, &req, why, sizeof(why)) < 0) {
		ctl_reject(c, &c->ctl->stats.bad_requests, why);
		return;
	}
	ctl_answer(c, &req);
}

static void
ctl_client_readable(struct evloop_watch *w, uint32_t events)
{
	struct ctl_client *c = w->arg;
	char *nl;
	ssize_t n;

	(void)events;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			ctl_client_close(c);
		return;
	}
	if (n == 0) {
		/* Shut down after the request (no newline), or nothing at all. */
		if (c->len > 0)
			ctl_request_done(c, c->len);
		else
			ctl_client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		ctl_request_done(c, (size_t)(nl - c->buf));
		return;
	}
	if (c->len == sizeof(c->buf) - 1) {
		char why[64];

		snprintf(why, sizeof(why), "longer than %d bytes",
		    CTL_REQUEST_MAX);
		ctl_reject(c, &c->ctl->stats.too_long, why);
	}
}

static void
ctl_accept(struct evloop_watch *w, uint32_t events)
{
	struct ctl *ctl = w->arg;
	struct ctl_client *c = NULL;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	(void)events;
	fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		cred.uid = (uid_t)-1;          /* unknown: not root either */
		cred.pid = 0;
	}
	if (cred.uid != 0) {
		char why[96];

		ctl->stats.not_root++;
		snprintf(why, sizeof(why), "uid %ld (pid %ld) is not root",
		    cred.uid == (uid_t)-1 ? -1L : (long)cred.uid, (long)cred.pid);
		ctl_log_refusal(ctl, "connection", why);
		ctl_send_error(fd, "permission denied: vipd's control socket is "
		    "for root only (you are uid %ld)", cred.uid == (uid_t)-1 ?
		    -1L : (long)cred.uid);
		ctl_drain(fd);
		close(fd);
		return;
	}
	for (int i = 0; i < CTL_MAX_CLIENTS && c == NULL; i++)
		if (ctl->clients[i].fd < 0)
			c = &ctl->clients[i];
	/* A client that connects and never asks must not lock others out. */
	for (int i = 0; i < CTL_MAX_CLIENTS && c == NULL; i++) {
		struct ctl_client *victim =
		    &ctl->clients[ctl->next_victim++ % CTL_MAX_CLIENTS];

		if (!victim->pending) {
			ctl_client_close(victim);
			c = victim;
		}
	}
	if (c == NULL) {
		ctl->stats.busy++;
		ctl_log_refusal(ctl, "connection", "busy: every slot waits on a "
		    "drill");
		ctl_send_error(fd, "busy: %d requests are waiting",
		    CTL_MAX_CLIENTS);
		ctl_drain(fd);
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->generation = ++ctl->generations;
	c->deadline_ms = evloop_now_ms() + CTL_READ_TIMEOUT_MS;
	c->watch = (struct evloop_watch){ fd, ctl_client_readable, c };
	if (evloop_add(ctl->loop, &c->watch, EPOLLIN) < 0) {
		close(fd);
		c->fd = -1;
	}
}

int
ctl_open(struct ctl *ctl, struct evloop *loop, const char *state_dir,
    ctl_handler handler, void *arg)
{
	struct sockaddr_un sun;
	int err;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	ctl->loop = loop;
	ctl->handler = handler;
	ctl->arg = arg;
	ctl->bad_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		ctl->clients[i].fd = -1;
		ctl->clients[i].ctl = ctl;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", state_dir,
	    CTL_SOCKET_NAME) >= (int)sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(ctl->path, sizeof(ctl->path), "%s", sun.sun_path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		return -errno;
	/* A socket file left by a crashed run would make bind fail. */
	unlink(ctl->path);
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(ctl->path, 0600) < 0 || listen(ctl->fd, 16) < 0)
		goto fail;
	ctl->watch = (struct evloop_watch){ ctl->fd, ctl_accept, ctl };
	if ((err = evloop_add(loop, &ctl->watch, EPOLLIN)) < 0) {
		errno = -err;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	close(ctl->fd);
	ctl->fd = -1;
	return err;
}

void
ctl_answer_later(struct ctl *ctl, const struct ctl_ticket *ticket, int status,
    const char *body)
{
	struct ctl_client *c = ticket->client;

	if (c == NULL || c->fd < 0 || !c->pending ||
	    c->generation != ticket->generation)
		return;
	if (status != CTL_OK)
		ctl->stats.refused++;
	ctl_send(c->fd, status == CTL_OK ? CTL_OK : CTL_REFUSED, body,
	    strlen(body), "a pending request");
	ctl_client_close(c);
}

uint64_t
ctl_next_deadline(const struct ctl *ctl)
{
	uint64_t due = 0;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct ctl_client *c = &ctl->clients[i];

		if (c->fd >= 0 && !c->pending && (due == 0 || c->deadline_ms < due))
			due = c->deadline_ms;
	}
	return due;
}

/* A client that stops mid-request must not keep its slot. */
void
ctl_tick(struct ctl *ctl, uint64_t now_ms)
{
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &ctl->clients[i];

		if (c->fd >= 0 && !c->pending && c->deadline_ms <= now_ms)
			ctl_reject(c, &ctl->stats.timeouts, "request not "
			    "finished in time (client stopped mid-request?)");
	}
}

void
ctl_close(struct ctl *ctl, struct evloop *loop)
{
	if (ctl->fd < 0)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_client_close(&ctl->clients[i]);
	evloop_del(loop, &ctl->watch);
	close(ctl->fd);
	ctl->fd = -1;
	unlink(ctl->path);
}
