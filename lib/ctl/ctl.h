/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl - the control socket STATE_DIR/vipd.sock that vipctl talks to.
 *
 * Protocol (version 1, see ctl_proto.h): one JSON request object per
 * connection, one JSON reply object, then the daemon closes. Only root may
 * ask (checked with SO_PEERCRED; the socket is also mode 0600). Bad,
 * oversized or unfinished requests (CTL_READ_TIMEOUT_MS) get an error
 * reply and are counted in struct ctl_stats.
 *
 * Owns: the listening socket, its pending clients, and the framing.
 * Never does: interpret requests (the handler does) or block: reads and the
 * answer are non-blocking, and at most CTL_MAX_CLIENTS wait at once.
 */
#ifndef VIPD_CTL_H
#define VIPD_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl/ctl_proto.h"
#include "os/evloop.h"
#include "os/log.h"

#define CTL_MAX_CLIENTS 8
#define CTL_SOCKET_NAME "vipd.sock"

struct ctl;
struct ctl_client;

/*
 * How a command handler answers (daemon/vipd_ctl.c has the commands). It
 * writes its answer to out and returns:
 *   CTL_OK        out is text for people: sent as {"ok":true,"text":...}
 *   CTL_OK_JSON   out is one JSON value: sent as {"ok":true,"result":...}
 *   CTL_REFUSED   out says why: sent as {"ok":false,"error":...}
 *   CTL_PENDING   answer later with ctl_answer_later() (a drill that takes
 *                 seconds): *ticket then names the waiting client.
 */
#define CTL_OK 0
#define CTL_REFUSED 1
#define CTL_PENDING 2
#define CTL_OK_JSON 3
struct ctl_ticket {
	struct ctl_client *client;
	uint64_t generation;
};
typedef int (*ctl_handler)(void *arg, const struct ctl_request *req,
			   FILE *out, struct ctl_ticket *ticket);

/* What came in on the socket, for vipd.stats. */
struct ctl_stats {
	uint64_t requests;              /* parsed and handed to the handler */
	uint64_t refused;               /* ... and refused by it */
	uint64_t bad_requests;          /* not valid JSON or not a request */
	uint64_t too_long;              /* over CTL_REQUEST_MAX */
	uint64_t timeouts;              /* unfinished after CTL_READ_TIMEOUT_MS */
	uint64_t not_root;              /* peers other than uid 0 */
	uint64_t busy;                  /* all slots waiting on drills */
};

struct ctl_client {
	int fd;
	size_t len;
	bool pending;                   /* waits for ctl_answer_later() */
	uint64_t generation;            /* tells a reused slot from its past */
	uint64_t deadline_ms;           /* the request must be in by then */
	char buf[CTL_REQUEST_MAX + 1];
	struct evloop_watch watch;
	struct ctl *ctl;
};

struct ctl {
	int fd;
	char path[PATH_MAX];
	struct evloop_watch watch;
	struct evloop *loop;
	ctl_handler handler;
	void *arg;
	unsigned next_victim;           /* oldest client to drop when full */
	uint64_t generations;
	struct ctl_stats stats;
	struct log_ratelimit bad_log;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/* Listen on state_dir/vipd.sock (replacing a stale one). 0 or -errno. */
int ctl_open(struct ctl *ctl, struct evloop *loop, const char *state_dir,
	     ctl_handler handler, void *arg);
void ctl_close(struct ctl *ctl, struct evloop *loop);

/* Earliest read deadline of a client, 0 when none; ctl_tick() enforces it. */
uint64_t ctl_next_deadline(const struct ctl *ctl);
void ctl_tick(struct ctl *ctl, uint64_t now_ms);

/*
 * Answer a request the handler left pending (CTL_OK with text, else
 * CTL_REFUSED with the reason).
 * A ticket whose client has gone is ignored.
 */
void ctl_answer_later(struct ctl *ctl, const struct ctl_ticket *ticket,
		      int status, const char *body);

#endif
