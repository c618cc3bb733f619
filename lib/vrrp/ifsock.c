/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ifsock - per-interface advert sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp/ifsock.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_pkt.h"

void
ifsock_table_init(struct ifsock_table *t, struct evloop *loop,
    ifsock_packet_cb on_packet, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->on_packet = on_packet;
	t->arg = arg;
}

static void
ifsock_readable(struct evloop_watch *w, uint32_t events)
{
	struct ifsock *s = w->arg;
	uint8_t buf[VRRP_PKT_MAX_LEN];

	(void)events;
	for (int i = 0; i < IFSOCK_RECV_BATCH; i++) {
		ssize_t n = w == &s->watch6 ?
		    vrrp_net_recv_ipv6(w->fd, buf, sizeof(buf)) :
		    vrrp_net_recv(w->fd, buf, sizeof(buf));

		if (n == -EMSGSIZE) {
			s->table->on_packet(s->table->arg, s, buf, 0);
			continue;
		}
		if (n < 0)
			break;
		s->table->on_packet(s->table->arg, s, buf, (size_t)n);
	}
}

void
ifsock_drain(struct ifsock_table *t)
{
	for (size_t i = 0; i < t->nsocks; i++) {
		struct ifsock *s = t->socks[i];

		if (s->fd >= 0)
			ifsock_readable(&s->watch, 0);
		if (s->ah_fd >= 0)
			ifsock_readable(&s->ah_watch, 0);
		if (s->fd6 >= 0)
			ifsock_readable(&s->watch6, 0);
	}
}

static void
ifsock_close(struct ifsock *s)
{
	if (s->fd6 >= 0) {
		evloop_del(s->table->loop, &s->watch6);
		close(s->fd6);
	}
	s->fd6 = -1;
	if (s->ah_fd >= 0) {
		evloop_del(s->table->loop, &s->ah_watch);
		close(s->ah_fd);
	}
	if (s->fd >= 0) {
		evloop_del(s->table->loop, &s->watch);
		close(s->fd);
	}
	s->ah_fd = -1;
	s->fd = -1;
	s->ifindex = 0;
}

static struct ifsock *
ifsock_find(const struct ifsock_table *t, const char *ifname)
{
	for (size_t i = 0; i < t->nsocks; i++)
		if (strcmp(t->socks[i]->ifname, ifname) == 0)
			return t->socks[i];
	return NULL;
}

static struct ifsock *
ifsock_find_or_add(struct ifsock_table *t, const char *ifname)
{
	struct ifsock *s, **grown;

	if ((s = ifsock_find(t, ifname)) != NULL)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	grown = realloc(t->socks, (t->nsocks + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(s);
		return NULL;
	}
	t->socks = grown;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->fd = -1;
	s->ah_fd = -1;
	s->fd6 = -1;
	s->table = t;
	t->socks[t->nsocks++] = s;
	return s;
}

/*
 * Open a raw socket for protocol (112 or 51 over IPv4, or AF_INET6 for the
 * IPv6 advert socket) on s's interface and watch it: *fd, *watch.
 */
static int
ifsock_open(struct ifsock *s, int ifindex, int protocol, int *fd,
    struct evloop_watch *watch)
{
	int sock, err;

	sock = protocol == AF_INET6 ? vrrp_net_open_ipv6(s->ifname, ifindex) :
	    vrrp_net_open_ipv4(s->ifname, ifindex, protocol);
	if (sock < 0)
		return sock;
	*watch = (struct evloop_watch){ sock, ifsock_readable, s };
	if ((err = evloop_add(s->table->loop, watch, EPOLLIN)) < 0) {
		close(sock);
		return err;
	}
	*fd = sock;
	return sock;
}

int
ifsock_attach(struct ifsock_table *t, const char *ifname, int ifindex)
{
	struct ifsock *s = ifsock_find_or_add(t, ifname);
	int err;

	if (s == NULL)
		return -ENOMEM;
	/* A re-created interface keeps its name but not its index. */
	if (s->fd >= 0 && s->ifindex != ifindex)
		ifsock_close(s);
	if (s->fd >= 0 || ifindex == 0)
		return s->fd >= 0 ? s->fd : -ENODEV;
	if ((err = ifsock_open(s, ifindex, VRRP_IPPROTO, &s->fd, &s->watch)) < 0)
		return err;
	s->ifindex = ifindex;
	return s->fd;
}

int
ifsock_attach_ah(struct ifsock_table *t, const char *ifname)
{
	struct ifsock *s = ifsock_find(t, ifname);

	if (s == NULL || s->fd < 0)
		return -ENODEV;
	if (s->ah_fd >= 0)
		return s->ah_fd;
	return ifsock_open(s, s->ifindex, VRRP_IPPROTO_AH, &s->ah_fd,
	    &s->ah_watch);
}

int
ifsock_attach_ipv6(struct ifsock_table *t, const char *ifname)
{
	struct ifsock *s = ifsock_find(t, ifname);

	if (s == NULL || s->fd < 0)
		return -ENODEV;
	if (s->fd6 >= 0)
		return s->fd6;
	return ifsock_open(s, s->ifindex, AF_INET6, &s->fd6, &s->watch6);
}

void
ifsock_prune(struct ifsock_table *t, bool (*in_use)(void *arg, const char *ifname),
    void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->nsocks; i++) {
		struct ifsock *s = t->socks[i];

		if (in_use(arg, s->ifname)) {
			t->socks[kept++] = s;
			continue;
		}
		ifsock_close(s);
		free(s);
	}
	t->nsocks = kept;
}

static bool
ifsock_none_in_use(void *arg, const char *ifname)
{
	(void)arg;
	(void)ifname;
	return false;
}

void
ifsock_table_free(struct ifsock_table *t)
{
	ifsock_prune(t, ifsock_none_in_use, NULL);
	free(t->socks);
	t->socks = NULL;
}
