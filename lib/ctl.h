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
#include <stdio.h>

#include "evloop.h"

#define CTL_REQUEST_MAX 256
#define CTL_MAX_CLIENTS 8
#define CTL_SOCKET_NAME "vipd.sock"

/* Write the answer to out; return 0 for OK, non-zero for REFUSED. */
typedef int (*ctl_handler)(void *arg, const char *request, FILE *out);

struct ctl;

struct ctl_client {
	int fd;
	size_t len;
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
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/* Listen on state_dir/vipd.sock (replacing a stale one). 0 or -errno. */
int ctl_open(struct ctl *ctl, struct evloop *loop, const char *state_dir,
	     ctl_handler handler, void *arg);
void ctl_close(struct ctl *ctl, struct evloop *loop);

#endif
