/*
 * ifsock - per-interface advert sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ifsock.h"
#include "vrrp_net.h"
#include "vrrp_pkt.h"

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
		ssize_t n = vrrp_net_recv(w->fd, buf, sizeof(buf));

		if (n == -EMSGSIZE) {
			s->table->on_packet(s->table->arg, s, buf, 0);
			continue;
		}
		if (n < 0)
			break;
		s->table->on_packet(s->table->arg, s, buf, (size_t)n);
	}
}

static void
ifsock_close(struct ifsock *s)
{
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
ifsock_find_or_add(struct ifsock_table *t, const char *ifname)
{
	struct ifsock *s, **grown;

	for (size_t i = 0; i < t->nsocks; i++)
		if (strcmp(t->socks[i]->ifname, ifname) == 0)
			return t->socks[i];
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
	s->table = t;
	t->socks[t->nsocks++] = s;
	return s;
}

int
ifsock_attach(struct ifsock_table *t, const char *ifname, int ifindex)
{
	struct ifsock *s = ifsock_find_or_add(t, ifname);
	int fd, err;

	if (s == NULL)
		return -ENOMEM;
	/* A re-created interface keeps its name but not its index. */
	if (s->fd >= 0 && s->ifindex != ifindex)
		ifsock_close(s);
	if (s->fd >= 0 || ifindex == 0)
		return s->fd >= 0 ? s->fd : -ENODEV;
	if ((fd = vrrp_net_open_ipv4(ifname, ifindex, VRRP_IPPROTO)) < 0)
		return fd;
	s->watch = (struct evloop_watch){ fd, ifsock_readable, s };
	if ((err = evloop_add(t->loop, &s->watch, EPOLLIN)) < 0) {
		close(fd);
		return err;
	}
	s->fd = fd;
	s->ifindex = ifindex;
	return fd;
}

int
ifsock_attach_ah(struct ifsock_table *t, const char *ifname)
{
	struct ifsock *s = NULL;
	int fd, err;

	for (size_t i = 0; i < t->nsocks && s == NULL; i++)
		if (strcmp(t->socks[i]->ifname, ifname) == 0)
			s = t->socks[i];
	if (s == NULL || s->fd < 0)
		return -ENODEV;
	if (s->ah_fd >= 0)
		return s->ah_fd;
	if ((fd = vrrp_net_open_ipv4(ifname, s->ifindex, VRRP_IPPROTO_AH)) < 0)
		return fd;
	s->ah_watch = (struct evloop_watch){ fd, ifsock_readable, s };
	if ((err = evloop_add(t->loop, &s->ah_watch, EPOLLIN)) < 0) {
		close(fd);
		return err;
	}
	s->ah_fd = fd;
	return fd;
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
