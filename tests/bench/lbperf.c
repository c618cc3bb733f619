/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lbperf - the backend and the load client of tests/bench/balancer.py, in C
 * so that neither sets the pace of a balancer benchmark.
 *
 *   lbperf serve PORT
 *	A TCP server on 0.0.0.0:PORT that answers each connection's first
 *	read with one short HTTP/1.0 reply and closes it, and a UDP server on
 *	the same port that sends every datagram back, from the address it
 *	came to. One epoll loop.
 *
 *   lbperf tcp SECONDS CONCURRENCY ADDR:PORT [ADDR:PORT...]
 *	CONCURRENCY connections at a time, each a new TCP connection: connect,
 *	send a request, read the reply until the server closes, close; the
 *	targets are taken in turn. A connection that takes more than 1 s is
 *	an error (counted, closed, replaced).
 *
 *   lbperf udp SECONDS CONCURRENCY ADDR:PORT [ADDR:PORT...]
 *	CONCURRENCY UDP sockets (one source port each), each with one request
 *	in flight; a request unanswered for 200 ms is lost (counted) and
 *	replaced.
 *
 * The load modes stop after SECONDS and print one JSON line: completed
 * exchanges, errors (by kind), the rate per second, and the latency
 * p50 / p99 / max of the completed ones (connect to close for TCP, send
 * to reply for UDP) in microseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 1000000		/* latency histogram: 1 us bins up to 1 s */
#define TCP_TIMEOUT_US 1000000
#define UDP_TIMEOUT_US 200000
#define MAX_SLOTS 4096
#define MAX_TARGETS 64

static const char request[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
	"Connection: close\r\n\r\nok\n";

static uint32_t hist[HIST_US + 1];

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
die(const char *what)
{
	fprintf(stderr, "lbperf: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
hist_add(uint64_t us)
{
	hist[us > HIST_US ? HIST_US : us]++;
}

static uint64_t
hist_pct(uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct), seen = 0;

	if (want == 0)
		want = 1;
	for (uint32_t i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen >= want)
			return i;
	}
	return HIST_US;
}

static uint64_t
hist_max(void)
{
	for (uint32_t i = HIST_US; i > 0; i--)
		if (hist[i])
			return i;
	return 0;
}

static int
parse_target(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

/* ---------------------------------------------------------------- server */

/*
 * One datagram back to its sender, from the address it was sent to (the
 * VIP under direct routing: the wildcard socket's routed source would be
 * the backend's own address, which the client does not expect).
 */
static int
udp_echo(int ufd, char *buf, size_t len)
{
	struct sockaddr_in from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct in_pktinfo *pi = NULL;
	ssize_t r = recvmsg(ufd, &mh, 0);

	if (r < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
	     c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			pi = (struct in_pktinfo *)CMSG_DATA(c);
	iov.iov_len = (size_t)r;
	if (pi != NULL) {
		/* The source is the request's destination; any interface. */
		pi->ipi_spec_dst = pi->ipi_addr;
		pi->ipi_ifindex = 0;
		mh.msg_controllen = CMSG_SPACE(sizeof(*pi));
	} else {
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	(void)sendmsg(ufd, &mh, 0);
	return 0;
}

static _Noreturn void
serve(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	struct epoll_event ev, evs[256];
	char buf[2048];
	int one = 1, lfd, ufd, ep;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || ufd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ufd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    bind(ufd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	if ((ep = epoll_create1(0)) < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = ufd;
	epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				/* Bounded: at most 64 accepts per wakeup. */
				for (int k = 0; k < 64; k++) {
					int c = accept4(lfd, NULL, NULL,
							SOCK_NONBLOCK);
					if (c < 0)
						break;
					ev.events = EPOLLIN;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
						close(c);
				}
			} else if (fd == ufd) {
				for (int k = 0; k < 64; k++) {
					if (udp_echo(ufd, buf, sizeof(buf)) < 0)
						break;
				}
			} else {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r < 0 && errno == EAGAIN)
					continue;
				if (r > 0 && write(fd, reply, sizeof(reply) - 1) < 0) {
					/* the client went away: nothing to answer */
				}
				close(fd);	/* also leaves the epoll set */
			}
		}
	}
}

/* ----------------------------------------------------------- load client */

enum slot_state { S_FREE, S_CONNECTING, S_READING };

struct slot {
	int fd;
	enum slot_state st;
	uint64_t start;
	size_t got;
	int ok;			/* the reply began with "HTTP/1.0 200" */
};

struct load {
	int udp;
	int ep;
	struct sockaddr_in targets[MAX_TARGETS];
	int ntargets, next;
	struct slot slots[MAX_SLOTS];
	int nslots;
	uint64_t done, err_connect, err_reset, err_timeout, err_reply, err_socket;
};

static void
slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->st = S_FREE;
}

static void
tcp_start(struct load *l, struct slot *s)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };
	const struct sockaddr_in *t = &l->targets[l->next++ % l->ntargets];

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		l->err_socket++;
		s->st = S_FREE;
		return;
	}
	s->start = now_us();
	s->got = 0;
	s->ok = 0;
	if (connect(s->fd, (const struct sockaddr *)t, sizeof(*t)) < 0 &&
	    errno != EINPROGRESS) {
		l->err_connect++;
		slot_close(s);
		return;
	}
	s->st = S_CONNECTING;
	epoll_ctl(l->ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void
tcp_event(struct load *l, struct slot *s, uint32_t events)
{
	char buf[512];

	if (s->st == S_CONNECTING) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr != 0 || (events & EPOLLERR)) {
			l->err_connect++;
			slot_close(s);
			return;
		}
		if (write(s->fd, request, sizeof(request) - 1) < 0) {
			l->err_reset++;
			slot_close(s);
			return;
		}
		s->st = S_READING;
		epoll_ctl(l->ep, EPOLL_CTL_MOD, s->fd, &ev);
		return;
	}
	for (int k = 0; k < 8; k++) {
		ssize_t r = read(s->fd, buf, sizeof(buf));

		if (r > 0) {
			if (s->got == 0 && r >= 12 &&
			    memcmp(buf, "HTTP/1.0 200", 12) == 0)
				s->ok = 1;
			s->got += (size_t)r;
			continue;
		}
		if (r == 0) {
			if (s->ok) {
				l->done++;
				hist_add(now_us() - s->start);
			} else {
				l->err_reply++;
			}
			slot_close(s);
			return;
		}
		if (errno != EAGAIN) {
			l->err_reset++;
			slot_close(s);
		}
		return;
	}
}

static void
udp_send(struct load *l, struct slot *s)
{
	s->start = now_us();
	if (send(s->fd, &s->start, sizeof(s->start), 0) < 0)
		l->err_socket++;
	s->st = S_READING;
}

static void
udp_open(struct load *l, struct slot *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	const struct sockaddr_in *t = &l->targets[l->next++ % l->ntargets];

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || connect(s->fd, (const struct sockaddr *)t, sizeof(*t)) < 0)
		die("udp socket");
	epoll_ctl(l->ep, EPOLL_CTL_ADD, s->fd, &ev);
	udp_send(l, s);
}

static void
udp_event(struct load *l, struct slot *s)
{
	for (int k = 0; k < 8; k++) {
		uint64_t stamp;
		ssize_t r = recv(s->fd, &stamp, sizeof(stamp), 0);

		if (r < 0)
			break;
		/* A late answer to a request already given up is not counted. */
		if (r == (ssize_t)sizeof(stamp) && stamp == s->start) {
			l->done++;
			hist_add(now_us() - s->start);
			udp_send(l, s);
		}
	}
}

static void
sweep(struct load *l)
{
	uint64_t now = now_us();

	for (int i = 0; i < l->nslots; i++) {
		struct slot *s = &l->slots[i];

		if (l->udp) {
			if (now > s->start + UDP_TIMEOUT_US) {
				l->err_timeout++;
				udp_send(l, s);
			}
			continue;
		}
		if (s->st != S_FREE && now > s->start + TCP_TIMEOUT_US) {
			l->err_timeout++;
			slot_close(s);
		}
		if (s->st == S_FREE)
			tcp_start(l, s);
	}
}

static int
load(int udp, int seconds, int conc, int ntargets, char **targets)
{
	static struct load l;
	struct epoll_event evs[256];
	uint64_t t0, end, last_sweep, elapsed;

	l.udp = udp;
	if (conc < 1 || conc > MAX_SLOTS || ntargets < 1 || ntargets > MAX_TARGETS ||
	    seconds < 1)
		return fprintf(stderr, "lbperf: bad arguments\n"), 2;
	for (int i = 0; i < ntargets; i++)
		if (parse_target(targets[i], &l.targets[i]) < 0)
			return fprintf(stderr, "lbperf: bad target %s\n", targets[i]), 2;
	l.ntargets = ntargets;
	l.nslots = conc;
	if ((l.ep = epoll_create1(0)) < 0)
		die("epoll_create1");
	for (int i = 0; i < conc; i++) {
		l.slots[i].fd = -1;
		if (udp)
			udp_open(&l, &l.slots[i]);
		else
			tcp_start(&l, &l.slots[i]);
	}
	t0 = last_sweep = now_us();
	end = t0 + (uint64_t)seconds * 1000000u;
	for (uint64_t now = t0; now < end; now = now_us()) {
		int n = epoll_wait(l.ep, evs, 256, 10);

		for (int i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;

			if (udp) {
				udp_event(&l, s);
				continue;
			}
			tcp_event(&l, s, evs[i].events);
			if (s->st == S_FREE)
				tcp_start(&l, s);
		}
		if (now - last_sweep >= 10000) {
			sweep(&l);
			last_sweep = now;
		}
	}
	elapsed = now_us() - t0;
	printf("{\"mode\": \"%s\", \"seconds\": %.3f, \"concurrency\": %d, "
	       "\"done\": %llu, \"rate\": %.1f, \"p50_us\": %llu, \"p99_us\": %llu, "
	       "\"max_us\": %llu, \"errors\": {\"connect\": %llu, \"reset\": %llu, "
	       "\"timeout\": %llu, \"reply\": %llu, \"socket\": %llu}}\n",
	       udp ? "udp" : "tcp", (double)elapsed / 1e6, conc,
	       (unsigned long long)l.done, (double)l.done * 1e6 / (double)elapsed,
	       (unsigned long long)hist_pct(l.done, 0.50),
	       (unsigned long long)hist_pct(l.done, 0.99),
	       (unsigned long long)hist_max(),
	       (unsigned long long)l.err_connect, (unsigned long long)l.err_reset,
	       (unsigned long long)l.err_timeout, (unsigned long long)l.err_reply,
	       (unsigned long long)l.err_socket);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		serve(atoi(argv[2]));
	if (argc >= 5 && (strcmp(argv[1], "tcp") == 0 || strcmp(argv[1], "udp") == 0))
		return load(argv[1][0] == 'u', atoi(argv[2]), atoi(argv[3]),
			    argc - 4, argv + 4);
	fprintf(stderr, "usage: lbperf serve PORT\n"
		"       lbperf tcp|udp SECONDS CONCURRENCY ADDR:PORT...\n");
	return 2;
}
