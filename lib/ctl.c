/*
 * ctl - control socket server.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

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

static void
ctl_send(struct ctl_client *c, int status, const char *body, size_t body_len,
    const char *request)
{
	if (dprintf(c->fd, "%s\n", status == 0 ? "OK" : "REFUSED") < 0 ||
	    send(c->fd, body, body_len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)body_len)
		log_warn("control: answer to '%s' cut short (client too slow "
		    "or gone)", request);
}

static void
ctl_answer(struct ctl_client *c, const char *request)
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
	status = c->ctl->handler(c->ctl->arg, request, out, &ticket);
	fclose(out);
	if (status == CTL_PENDING) {
		/* Nothing more to read; the answer comes with ctl_answer_later. */
		evloop_del(c->ctl->loop, &c->watch);
		c->pending = true;
		free(body);
		return;
	}
	ctl_send(c, status, body, body_len, request);
	free(body);
	ctl_client_close(c);
}

static void
ctl_client_readable(struct evloop_watch *w, uint32_t events)
{
	struct ctl_client *c = w->arg;
	char *nl;
	ssize_t n;

	(void)events;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			ctl_client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((nl = strchr(c->buf, '\n')) == NULL) {
		if (c->len == sizeof(c->buf) - 1) {
			dprintf(c->fd, "REFUSED\nrequest too long\n");
			ctl_client_close(c);
		}
		return;
	}
	*nl = '\0';
	if (nl > c->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	ctl_answer(c, c->buf);
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
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    cred.uid != 0) {
		dprintf(fd, "REFUSED\npermission denied: root only\n");
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
		dprintf(fd, "REFUSED\nbusy: %d requests are waiting\n",
		    CTL_MAX_CLIENTS);
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->generation = ++ctl->generations;
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

	(void)ctl;
	if (c == NULL || c->fd < 0 || !c->pending ||
	    c->generation != ticket->generation)
		return;
	ctl_send(c, status, body, strlen(body), "(pending)");
	ctl_client_close(c);
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
