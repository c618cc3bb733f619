/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_int - what lib/check's files share: check_probe.c (a probe's
 * socket, end and retry) under check.c (the schedule, stream probes),
 * check_http.c (http(s) requests, TLS and answers) and check_dgram.c
 * (datagram probes). No one else includes it.
 */
#ifndef VIPD_CHECK_INT_H
#define VIPD_CHECK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "lb/check.h"

/* c's key in its schedule follows what it waits for next. */
void check_resched(struct check *c);

/* Close the probe's socket, TLS session and buffers; IDLE again. */
void check_probe_reset(struct check *c);

/* Where the probe goes: connect_ip when given, else the backend. */
const struct addr *check_target(const struct check *c);

/* End the probe in flight with its result (or its retry, see retry). */
void check_probe_done(struct check *c, bool ok, uint64_t now_ms,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Wait for exactly events on the probe's socket (0: none). */
void check_watch_for(struct check *c, uint32_t events);

/*
 * A stream probe's socket is watched once, edge-triggered, for readable
 * and writable: one epoll_ctl per probe instead of an add, a switch from
 * writable to readable and a delete. Edge-triggered, every readiness
 * event must be followed until the call would block (probe_step does),
 * and a wait for an answer after the request needs no read first: the
 * answer's arrival is an edge of its own.
 */
#define CHECK_WATCH_STREAM (EPOLLIN | EPOLLOUT | EPOLLET)

/*
 * The probe's socket, counted in the budget and watched from now on; the
 * phase is set. Returns fd, or -1 after check_probe_done (socket failed).
 */
int check_probe_socket(struct check *c, int type, int proto,
    enum check_phase phase, evloop_fd_cb io, uint64_t now_ms);

/* The same with a socket made by the caller. */
void check_probe_adopt(struct check *c, int fd, enum check_phase phase,
    evloop_fd_cb io);

/*
 * Bind fd to bind_to (when set) and connect it to the target (connect_ip
 * or the backend's address) at port. Returns 0, or -1 with the probe
 * done (failed) unless connect is in progress (stream sockets: 0).
 */
int check_probe_connect(struct check *c, uint16_t port, uint64_t now_ms);

/* check_http.c: the GET of url c->url into c->req: 0 or -ENOMEM. */
int check_http_request(struct check *c);

/*
 * What an http(s) probe read so far (eof: the stream ended): read on, or
 * the probe ended, or the url passed and the next one is to be connected
 * for (c->url is set, the socket closed: check.c connects).
 */
enum check_http_step {
	CHECK_HTTP_READ_ON, CHECK_HTTP_ENDED, CHECK_HTTP_NEXT_URL,
};
enum check_http_step check_http_judge(struct check *c, bool eof,
    uint64_t now_ms);

/* The TLS context of an https check (c->tls_ctx): 0 or -errno, why set. */
int check_http_tls_setup(struct check *c, char *why, size_t why_len);

/* A TLS session on the probe's socket (c->tls), its names: false, why set. */
bool check_http_tls_begin(struct check *c, char *why, size_t len);

/* OpenSSL's last error, or "connection closed", into buf. */
const char *check_tls_error(char *buf, size_t len);

/* check_dgram.c: udp, dns and ping probes. */
void check_dgram_start(struct check *c, uint64_t now_ms);
void check_dgram_step(struct check *c, uint64_t now_ms);
/* At the deadline: a udp check that expects no reply is up. */
void check_dgram_timeout(struct check *c, uint64_t now_ms);

#endif
