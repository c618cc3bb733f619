/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_watch - the OS side of track_processes: finds the processes each
 * tracker matches and follows them, and tells its owner when a tracker
 * goes up or down (the rules are lib/health/proc_track's).
 *
 * Two ways, chosen at the first configuration with trackers:
 *  - the process events connector (lib/os/procev), where it answers (the
 *    initial network namespace): exec, comm change, fork of a matched
 *    process and exit, as they happen; a full /proc scan at start and
 *    after events were lost (ENOBUFS);
 *  - elsewhere (vipd in a network namespace or a container), a pidfd per
 *    matched process, which turns readable at its exit, and a /proc scan
 *    every second, or every fork_delay_ms when that is shorter (at least
 *    every 100 ms), for new processes. Said once in the log.
 *
 * Owns: the trackers' runtime (carried over a reload by name when their
 * settings are the same), the connector socket, the pidfds.
 * Never does: decide priorities (health does, from proc_watch_up()).
 */
#ifndef VIPD_PROC_WATCH_H
#define VIPD_PROC_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "health/proc_track.h"
#include "os/evloop.h"

#define PROC_WATCH_SCAN_MS 1000
#define PROC_WATCH_SCAN_MIN_MS 100

struct proc_watch;

struct proc_watch_tracker {
	struct conf_track_process conf;
	struct proc_track_spec spec;
	struct proc_track_state st;
	uint64_t next_ms;               /* a delay runs out, 0: none */
	uint64_t ups, downs;
	char detail[96];                /* "0 running, quorum 1" */
};

/* One pidfd per process matched by any tracker (pidfd mode only). */
struct proc_watch_pidfd {
	int pid, fd;
	bool seen;                      /* in the scan in progress */
	struct evloop_watch w;
	struct proc_watch *pw;
};

struct proc_watch {
	struct evloop *loop;
	enum { PROC_WATCH_OFF = 0, PROC_WATCH_CONNECTOR, PROC_WATCH_PIDFD } mode;
	int cn_fd;
	struct evloop_watch cn_watch;
	struct proc_watch_tracker *t;
	size_t nt;
	struct proc_watch_pidfd **pfds;
	size_t npfds, cap_pfds;
	uint32_t scan_ms;               /* pidfd mode: between scans */
	uint64_t scan_due_ms;
	uint64_t scans, overruns, events;
	/* A tracker went up or down (index into t): the owner re-evaluates. */
	void (*changed)(void *arg, size_t tracker, uint64_t now_ms);
	void *arg;
};

void proc_watch_init(struct proc_watch *pw, struct evloop *loop,
    void (*changed)(void *arg, size_t tracker, uint64_t now_ms), void *arg);

/*
 * conf's track_processes (start and every reload): the trackers in the
 * order of conf->track_processes. 0 or -ENOMEM (the old ones kept).
 */
int proc_watch_configure(struct proc_watch *pw, const struct conf *conf,
    uint64_t now_ms);

/* Tracker i is up; its "N running, ..." words. */
bool proc_watch_up(const struct proc_watch *pw, size_t i);
const char *proc_watch_detail(const struct proc_watch *pw, size_t i);

void proc_watch_tick(struct proc_watch *pw, uint64_t now_ms);
uint64_t proc_watch_next_deadline(const struct proc_watch *pw);

void proc_watch_dump_json(FILE *f, const struct proc_watch *pw);

void proc_watch_close(struct proc_watch *pw);

#endif
