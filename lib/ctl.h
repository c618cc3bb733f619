/*
 * ctl - the control socket STATE_DIR/vipd.sock that vipctl talks to.
 *
 * Protocol (version 1): the client sends one request line (at most
 * CTL_REQUEST_MAX bytes, ending in '\n'); the daemon answers with a status
 * line, "OK" or "REFUSED", then the body, and closes. Only root may ask
 * (checked with SO_PEERCRED; the socket is also mode 0600).
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

#include "evloop.h"

#define CTL_REQUEST_MAX 256
#define CTL_MAX_CLIENTS 8
#define CTL_SOCKET_NAME "vipd.sock"

struct ctl;
struct ctl_client;

/*
 * Write the answer to out; return 0 for OK, 1 for REFUSED, or CTL_PENDING
 * to answer later with ctl_answer_later() (a drill that takes seconds):
 * *ticket then names the waiting client.
 */
#define CTL_PENDING 2
struct ctl_ticket {
	struct ctl_client *client;
	uint64_t generation;
};
typedef int (*ctl_handler)(void *arg, const char *request, FILE *out,
			   struct ctl_ticket *ticket);

struct ctl_client {
	int fd;
	size_t len;
	bool pending;                   /* waits for ctl_answer_later() */
	uint64_t generation;            /* tells a reused slot from its past */
	char buf[CTL_REQUEST_MAX];
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
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/* Listen on state_dir/vipd.sock (replacing a stale one). 0 or -errno. */
int ctl_open(struct ctl *ctl, struct evloop *loop, const char *state_dir,
	     ctl_handler handler, void *arg);
void ctl_close(struct ctl *ctl, struct evloop *loop);

/*
 * Answer a request the handler left pending (status 0 OK, else REFUSED).
 * A ticket whose client has gone is ignored.
 */
void ctl_answer_later(struct ctl *ctl, const struct ctl_ticket *ticket,
		      int status, const char *body);

#endif
