/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_dgram - the datagram probes of lib/check: udp (a payload, then
 * optionally a reply that starts with expected bytes or matches a regular
 * expression), dns (a query, see check_dns) and ping (an ICMP or ICMPv6
 * echo, see check_icmp), each on a connected non-blocking socket, so that
 * the kernel delivers only the target's datagrams and an ICMP port
 * unreachable comes back as ECONNREFUSED: a failure at once.
 *
 * ping prefers the unprivileged ICMP datagram socket (the kernel keeps
 * one echo id per socket and hands each socket only its replies), which
 * needs vipd's group in net.ipv4.ping_group_range (the one sysctl covers
 * ICMPv6 too); without it, it falls back to a raw socket (CAP_NET_RAW,
 * which vipd keeps for VRRP), and stays with that from then on.
 *
 * Memory: the reply is read into a buffer on the stack, the datagram
 * beyond CHECK_DNS_ANSWER_MAX is cut (MSG_TRUNC would say so).
 *
 * A probe that got its reply keeps its connected socket, still watched,
 * for the next one: a socket, connect, close and two epoll_ctl saved per
 * probe. Only after a reply: one request had its one answer, so a late
 * answer to an earlier request (which dns's id and ping's sequence would
 * tell apart, a udp echo's bytes not) cannot come; a probe that failed
 * or timed out closes it and the next starts afresh (a new source port).
 * Whatever comes while no probe runs (a duplicate, an ICMP error) is read
 * and dropped. A raw ping socket (it sees every ICMP message) is never
 * kept, and kept sockets take at most half of the probes' open-files
 * budget (check_budget), so that the others always have room.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "lb/check_dns.h"
#include "lb/check_icmp.h"
#include "lb/check_int.h"

#define DGRAM_READ_MAX CHECK_DNS_ANSWER_MAX

/* A kept socket between probes: read and drop what came. */
static void
dgram_drain(struct check *c)
{
	uint8_t buf[64];

	for (int i = 0; i < 8; i++)
		if (recv(c->fd, buf, sizeof(buf), 0) < 0 && (errno == EAGAIN ||
		    errno == EINTR))
			return;
	/* Still more: a peer that floods the socket gets a new one. */
	check_probe_reset(c);
}

static void
dgram_io(struct evloop_watch *w, uint32_t events)
{
	struct check *c = w->arg;

	(void)events;
	if (c->phase == CHECK_IDLE) {
		dgram_drain(c);
		return;
	}
	check_dgram_step(c, evloop_now_ms());
	check_resched(c);
}

/* The probe got its reply: keep the socket for the next (see above). */
static void
dgram_keep(struct check *c)
{
	const struct check_budget *b = c->budget;

	c->keep_fd = !(c->conf.type == CONF_CHECK_PING && c->icmp_raw) &&
	    (b == NULL || b->max == 0 || 2 * b->in_flight <= b->max);
}

static uint64_t
next_token(struct check *c, uint64_t now_ms)
{
	/* Not a secret: tells this probe's reply from a late one's. */
	c->seq++;
	c->token = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull ^
	    now_ms << 16 ^ c->seq;
	return c->token;
}

static bool
is_v6(const struct check *c)
{
	const struct addr *t = c->conf.connect_ip.family != 0 ?
	    &c->conf.connect_ip : &c->addr;

	return t->family == AF_INET6;
}

static int
ping_socket(struct check *c, uint64_t now_ms)
{
	int proto = is_v6(c) ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int fd;

	if (!c->icmp_raw) {
		fd = socket(is_v6(c) ? AF_INET6 : AF_INET, SOCK_DGRAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd >= 0) {
			check_probe_adopt(c, fd, CHECK_DGRAM, dgram_io);
			return fd;
		}
		if (errno != EACCES && errno != EPERM)
			return check_probe_socket(c, SOCK_DGRAM, proto,
			    CHECK_DGRAM, dgram_io, now_ms);
		c->icmp_raw = true;
	}
	return check_probe_socket(c, SOCK_RAW, proto, CHECK_DGRAM, dgram_io, now_ms);
}

void
check_dgram_start(struct check *c, uint64_t now_ms)
{
	uint8_t msg[CHECK_DNS_QUERY_MAX];
	const void *out = msg;
	size_t len = 0;
	int n;

	bool kept = c->fd >= 0;

	if (kept)
		c->phase = CHECK_DGRAM;
	switch (c->conf.type) {
	case CONF_CHECK_PING:
		if (!kept && (ping_socket(c, now_ms) < 0 ||
		    check_probe_connect(c, 0, now_ms) < 0))
			return;
		check_icmp_echo(msg, is_v6(c), (uint16_t)c->seq,
		    c->seq, next_token(c, now_ms));
		len = CHECK_ICMP_ECHO_LEN;
		break;
	case CONF_CHECK_DNS:
		if (!kept && (check_probe_socket(c, SOCK_DGRAM, 0, CHECK_DGRAM,
		    dgram_io, now_ms) < 0 || check_probe_connect(c, c->conf.port,
		    now_ms) < 0))
			return;
		n = check_dns_query(msg, sizeof(msg),
		    (uint16_t)next_token(c, now_ms), c->conf.query_name != NULL ?
		    c->conf.query_name : ".", c->conf.query_type);
		if (n < 0) {
			check_probe_done(c, false, now_ms, "dns: cannot encode "
			    "query_name");
			return;
		}
		len = (size_t)n;
		break;
	default:
		if (!kept && (check_probe_socket(c, SOCK_DGRAM, 0, CHECK_DGRAM,
		    dgram_io, now_ms) < 0 || check_probe_connect(c, c->conf.port,
		    now_ms) < 0))
			return;
		out = c->conf.payload != NULL ? (const void *)c->conf.payload :
		    "";
		len = c->conf.payload_len;
		break;
	}
	if (send(c->fd, out, len, 0) < 0) {
		check_probe_done(c, false, now_ms, "send: %s",
		    errno == ECONNREFUSED ? "ICMP port unreachable" :
		    strerror(errno));
		return;
	}
	check_watch_for(c, EPOLLIN);
}

/* A udp reply: 1 good, 0 bad (why filled). */
static int
udp_judge(struct check *c, uint8_t *buf, size_t n, char *why, size_t len)
{
	if (c->conf.expect_reply != NULL) {
		if (n < c->conf.expect_reply_len || memcmp(buf,
		    c->conf.expect_reply, c->conf.expect_reply_len) != 0) {
			snprintf(why, len, "udp: the reply (%zu bytes) does not "
			    "start with expect_reply", n);
			return 0;
		}
		snprintf(why, len, "udp: expected reply");
		return 1;
	}
	if (c->re != NULL) {
		buf[n] = '\0';
		if (memchr(buf, '\0', n) != NULL ||
		    regexec(c->re, (char *)buf, 0, NULL, 0) != 0) {
			snprintf(why, len, "udp: the reply (%zu bytes) does not "
			    "match expect_reply_regex", n);
			return 0;
		}
		snprintf(why, len, "udp: the reply matches");
		return 1;
	}
	snprintf(why, len, "udp: a reply");
	return 1;
}

void
check_dgram_step(struct check *c, uint64_t now_ms)
{
	uint8_t buf[DGRAM_READ_MAX + 1];
	char why[CHECK_REASON_MAX];
	ssize_t n;

	for (int i = 0; i < 8; i++) {
		n = recv(c->fd, buf, DGRAM_READ_MAX, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			check_probe_done(c, false, now_ms, "%s: %s",
			    c->conf.type == CONF_CHECK_PING ? "ping" : "udp",
			    errno == ECONNREFUSED ? "ICMP port unreachable" :
			    strerror(errno));
			return;
		}
		switch (c->conf.type) {
		case CONF_CHECK_UDP:
			dgram_keep(c);
			check_probe_done(c, udp_judge(c, buf, (size_t)n, why,
			    sizeof(why)) == 1, now_ms, "%s", why);
			return;
		case CONF_CHECK_DNS:
			switch (check_dns_answer(buf, (size_t)n,
			    (uint16_t)c->token, c->conf.query_type,
			    &c->conf.expect_address, why, sizeof(why))) {
			case CHECK_DNS_NOT_OURS:
				continue;
			case CHECK_DNS_OK:
				dgram_keep(c);
				check_probe_done(c, true, now_ms, "%s", why);
				return;
			case CHECK_DNS_FAIL:
				dgram_keep(c);
				check_probe_done(c, false, now_ms, "%s", why);
				return;
			}
			break;
		default:
			switch (check_icmp_judge(buf, (size_t)n, is_v6(c),
			    c->icmp_raw && !is_v6(c), c->icmp_raw,
			    (uint16_t)c->seq, c->seq, c->token)) {
			case CHECK_ICMP_OTHER:
				continue;
			case CHECK_ICMP_REPLY:
				dgram_keep(c);
				check_probe_done(c, true, now_ms, "ping: echo "
				    "reply");
				return;
			case CHECK_ICMP_UNREACH:
				check_probe_done(c, false, now_ms, "ping: "
				    "destination unreachable");
				return;
			}
		}
	}
}

void
check_dgram_timeout(struct check *c, uint64_t now_ms)
{
	/* keepalived's UDP_CHECK without a reply: up unless ICMP said no. */
	if (c->conf.type == CONF_CHECK_UDP && c->conf.expect_reply == NULL &&
	    c->re == NULL)
		check_probe_done(c, true, now_ms, "udp: no ICMP error within "
		    "%u ms", c->conf.timeout_ms);
}
