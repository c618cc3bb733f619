/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_link - conn_sync's links (protocol in ct_sync.h, decisions in
 * lib/ctsync/ct_link.h): a UDP socket per link bound to its local address
 * on its interface, the probes every link carries when there are several,
 * the answers, and the choice of the link the stream takes. Calls only
 * no other ct_sync file: a change of the active link is returned, and the
 * caller pumps the send queue into the new one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctsync/ct_sync_int.h"

static socklen_t
sockaddr_of(const struct addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof(*sin6);
}

static int
open_socket(const struct ct_sync *s, const struct conf_conn_sync_link *lc)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&lc->local, s->conf.port, &ss);
	int one = 1, size = s->conf.socket_buffer_bytes;
	int fd = socket(lc->local.family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* The sync address may arrive on the interface after we start. */
	if (lc->local.family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, lc->interface,
	    (socklen_t)strlen(lc->interface)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Link i's socket: the one of an earlier link with the same interface and
 * local address (links to several nodes over one interface), else its own.
 */
int
ct_sync_link_open(struct ct_sync *s, size_t i,
    void (*cb)(struct evloop_watch *, uint32_t))
{
	struct ct_sync_link *l = &s->links[i];
	struct ct_sync_sock *k;
	int err;

	l->s = s;
	l->conf = &s->conf.links[i];
	l->active = true;              /* its node is not known yet */
	l->peer_salen = sockaddr_of(&l->conf->peer, s->conf.port, &l->peer_sa);
	/* Nonces differ from a previous run's, whose answers may be in flight. */
	ct_link_init(&l->live, (uint32_t)(s->session >> 7) ^
	    (uint32_t)(i * 0x9e3779b9u), evloop_now_ms());
	for (size_t j = 0; j < i; j++) {
		const struct conf_conn_sync_link *o = &s->conf.links[j];

		if (strcmp(o->interface, l->conf->interface) == 0 &&
		    addr_cmp(&o->local, &l->conf->local) == 0) {
			l->sock = s->links[j].sock;
			return 0;
		}
	}
	l->sock = s->nsocks;
	k = &s->socks[s->nsocks];
	k->s = s;
	k->first_link = i;
	if ((k->fd = err = open_socket(s, l->conf)) < 0) {
		log_err("conn_sync: cannot open the sync socket on %s port %u: %s",
		    l->conf->interface, s->conf.port, strerror(-err));
		return err;
	}
	k->watch = (struct evloop_watch){ k->fd, cb, k };
	if ((err = evloop_add(s->loop, &k->watch, EPOLLIN)) < 0) {
		close(k->fd);
		k->fd = -1;
		return err;
	}
	s->nsocks++;
	return 0;
}

void
ct_sync_link_close(struct ct_sync *s)
{
	for (size_t i = 0; i < s->nsocks; i++) {
		struct ct_sync_sock *k = &s->socks[i];

		if (k->fd < 0)
			continue;
		evloop_del(s->loop, &k->watch);
		close(k->fd);
		k->fd = -1;
	}
	s->nsocks = 0;
}

int
ct_sync_link_fd(const struct ct_sync *s, const struct ct_sync_link *l)
{
	return l->sock < s->nsocks ? s->socks[l->sock].fd : -1;
}

void
ct_sync_link_out(struct ct_sync *s, struct ct_sync_sock *k, bool on)
{
	if (k->want_out == on || k->fd < 0)
		return;
	k->want_out = on;
	evloop_del(s->loop, &k->watch);
	evloop_add(s->loop, &k->watch, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* A probe or an answer: header only, signed, straight out on l. */
static void
send_probe(struct ct_sync *s, struct ct_sync_link *l, uint8_t type,
    uint32_t nonce)
{
	struct ct_wire_header hdr = { .type = type, .session = s->session,
	    .sender_id = s->sender_id, .seq = nonce,
	    .sent_ms = (uint32_t)evloop_wall_ms() };
	uint8_t buf[CT_WIRE_HEADER_BYTES + CT_WIRE_HMAC_BYTES];
	int len = ct_wire_encode(&hdr, NULL, NULL, buf, sizeof(buf));

	if (len < 0 || ct_auth_sign(&s->key, buf, (size_t)len) < 0 ||
	    sendto(ct_sync_link_fd(s, l), buf, (size_t)len, 0,
	    (const struct sockaddr *)&l->peer_sa, l->peer_salen) < 0)
		s->stats.send_errors++;
}

static void
log_change(const struct ct_sync_link *l)
{
	char peer[INET6_ADDRSTRLEN];

	log_notice("conn_sync: link %s to %s %s (%s)", l->conf->interface,
	    addr_str(&l->conf->peer, peer, sizeof(peer)),
	    ct_link_state_name(l->live.state),
	    ct_link_reason_name(l->live.reason));
}

/*
 * Each node's datagrams go over the first up link that reaches it
 * (ct_peer_pick_links); a link taking over carries on from the place in
 * the send queue of the one it replaces. true: a link changed.
 */
static bool
pick(struct ct_sync *s)
{
	struct ct_link lives[CONF_CONN_SYNC_LINKS_MAX];
	uint32_t node[CONF_CONN_SYNC_LINKS_MAX];
	bool active[CONF_CONN_SYNC_LINKS_MAX];
	size_t from[CONF_CONN_SYNC_LINKS_MAX];
	uint32_t upto[CONF_CONN_SYNC_LINKS_MAX];

	for (size_t i = 0; i < s->nlinks; i++) {
		lives[i] = s->links[i].live;
		node[i] = s->links[i].node;
		active[i] = s->links[i].active;
		upto[i] = s->links[i].sent_upto;
	}
	if (ct_peer_pick_links(lives, node, s->nlinks, active, from) == 0)
		return false;
	for (size_t i = 0; i < s->nlinks; i++) {
		struct ct_sync_link *l = &s->links[i];

		if (active[i] == l->active)
			continue;
		l->active = active[i];
		l->blocked = false;
		if (!l->active)
			continue;
		if (from[i] < s->nlinks) {
			l->sent_upto = upto[from[i]];
			s->link_switches++;
			log_notice("conn_sync: stream moves from link %s to link %s",
			    s->links[from[i]].conf->interface, l->conf->interface);
		} else {
			l->sent_upto = s->ring.seq;
		}
	}
	return true;
}

bool
ct_sync_link_node(struct ct_sync *s, struct ct_sync_link *l, uint32_t id)
{
	char peer[INET6_ADDRSTRLEN];

	if (l->node == id)
		return false;
	l->node = id;
	log_info("conn_sync: link %s to %s reaches node %08" PRIx32,
	    l->conf->interface, addr_str(&l->conf->peer, peer, sizeof(peer)), id);
	return pick(s);
}

bool
ct_sync_link_tick(struct ct_sync *s, uint64_t now_ms)
{
	bool changed = false;

	if (!s->probing)
		return false;
	for (size_t i = 0; i < s->nlinks; i++) {
		struct ct_sync_link *l = &s->links[i];

		if (ct_link_tick(&l->live, now_ms)) {
			log_change(l);
			changed = true;
		}
		if (ct_sync_link_fd(s, l) >= 0 && ct_link_probe_due(&l->live, now_ms))
			send_probe(s, l, CT_WIRE_PROBE,
			    ct_link_probe_sent(&l->live, now_ms));
	}
	return changed && pick(s);
}

uint64_t
ct_sync_link_deadline(const struct ct_sync *s)
{
	uint64_t due = 0;

	if (!s->probing)
		return 0;
	for (size_t i = 0; i < s->nlinks; i++) {
		uint64_t d = ct_link_deadline(&s->links[i].live);

		if (due == 0 || d < due)
			due = d;
	}
	return due;
}

bool
ct_sync_link_probe_in(struct ct_sync *s, struct ct_sync_link *l,
    const struct ct_wire_msg *m, uint64_t now_ms)
{
	uint64_t suppressed = 0;
	bool changed;

	if (m->hdr.type == CT_WIRE_PROBE) {
		send_probe(s, l, CT_WIRE_PROBE_ANSWER, m->hdr.seq);
		return false;
	}
	if (!ct_link_answer(&l->live, m->hdr.seq, now_ms, &changed)) {
		/* A late answer after a flap, or a replay: neither harms. */
		if (log_ratelimit_allow(&s->link_log, now_ms, &suppressed))
			log_debug("conn_sync: answer on %s to probe %" PRIu32
			    " refused: not one of the last %d (%" PRIu64 " more "
			    "not logged)", l->conf->interface, m->hdr.seq,
			    CT_LINK_NONCES, suppressed);
		return false;
	}
	if (!changed)
		return false;
	log_change(l);
	return pick(s);
}

bool
ct_sync_link_send_failed(struct ct_sync *s, struct ct_sync_link *l, int err,
    uint64_t now_ms)
{
	(void)err;
	if (!s->probing || !ct_link_send_failed(&l->live, now_ms))
		return false;
	log_change(l);
	return pick(s);
}
