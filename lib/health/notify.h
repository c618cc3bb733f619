/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify - tells the outside world about transitions: notify scripts
 * (master/backup/fault/stop, then any) called with keepalived's arguments
 *     SCRIPT TYPE NAME STATE PRIORITY
 * (TYPE "INSTANCE" or "GROUP", STATE "MASTER" "BACKUP" "FAULT" "STOP"),
 * and the notify FIFO (global.notify_fifo), one line per transition:
 *     INSTANCE "ext" MASTER 150
 *
 * Each instance and each sync group has its own queue: its scripts run one
 * at a time, in the order of the transitions, each bounded by the notify
 * timeout (its process group is killed then). What a script starts in the
 * background (`foo &`) and leaves running when it exits on its own is
 * left alone, as keepalived does; its output goes to /dev/null. A
 * transition never waits
 * for a script: it is queued and the loop goes on. The queue is bounded;
 * when full, the oldest waiting entry is dropped and counted.
 *
 * Owns: the queues' entries, their jobs, the FIFO descriptor, counters.
 * Never does: block (the FIFO is opened read-write and non-blocking, so no
 * reader is needed and a slow one loses lines, counted), or decide states.
 */
#ifndef VIPD_NOTIFY_H
#define VIPD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "os/script.h"

#define NOTIFY_QUEUE_MAX 16

struct notify_counters {
	uint64_t queued, run, failed, timed_out, dropped;
	uint64_t fifo_lines, fifo_dropped;
};

struct notify;

struct notify_item {
	char path[CONF_PATH_MAX];
	char state[24];                 /* "MASTER", ..., "MASTER_RX_LOWER_PRI" */
	char prio[4];
};

struct notify_queue {
	char type[9];                   /* "INSTANCE" or "GROUP" */
	char name[CONF_NAME_MAX];
	uint32_t timeout_ms;
	/* NOTIFY_QUEUE_MAX slots, allocated by the first script queued: a
	   queue that only writes FIFO lines stays small. */
	struct notify_item *items;
	size_t head, count;
	struct script_job job;
	struct notify_item running;     /* argv points in here while it runs */
	char last[SCRIPT_WHY_MAX + 32]; /* outcome of the last script */
	struct notify *n;
	struct notify_queue *next;
};

struct notify {
	struct script_runner *runner;
	int fifo_fd;
	char fifo_path[CONF_PATH_MAX];
	struct notify_counters counters;
	struct notify_queue *queues;    /* every queue ever asked for */
};

void notify_init(struct notify *n, struct script_runner *runner);

/*
 * Use path as the notify FIFO ("" = none): created (mode 0600) when
 * missing, refused when it exists and is not a FIFO. 0 or -errno.
 */
int notify_set_fifo(struct notify *n, const char *path);

/*
 * The queue of one instance or group (type "INSTANCE" or "GROUP"),
 * created on first use and kept until notify_close(), so that a reload
 * neither cuts a running script short nor reorders transitions. NULL when
 * out of memory (the transition is then only logged).
 */
struct notify_queue *notify_queue_get(struct notify *n, const char *type,
				      const char *name);

/*
 * A transition to state ("MASTER", "BACKUP", "FAULT", "STOP") at
 * priority: write the FIFO line, queue the state's script (c->script[...])
 * then `any`, and start the first if none is running.
 */
void notify_transition(struct notify_queue *q, const struct conf_notify *c,
		       const char *state, unsigned priority, uint64_t now_ms);

/*
 * An event that is no transition (keepalived's MASTER_RX_LOWER_PRI: a
 * Master heard a lower-priority Master): the FIFO line, and script (NULL
 * or "": none) queued with the same arguments as a transition's.
 */
void notify_event(struct notify_queue *q, const char *script,
		  const char *state, unsigned priority, uint32_t timeout_ms,
		  uint64_t now_ms);

/*
 * A transition has something to do: a FIFO line to write, or a script of
 * c (NULL: none) to run. When false the caller need not ask for a queue:
 * a queue is ~6 KB, and at 1000 instances without notify that was 6 MB.
 */
bool notify_wanted(const struct notify *n, const struct conf_notify *c);

/* A script of q is running or waiting. */
bool notify_busy(const struct notify_queue *q);

/* Some queue has a script running or waiting (graceful stop waits). */
bool notify_any_busy(const struct notify *n);

/* Kill what still runs, free every queue, close the FIFO. */
void notify_close(struct notify *n);

#endif
