/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_track - process tracking as keepalived's vrrp_track_process does
 * it, as pure decisions: which process a tracker matches, and when the
 * count of matching processes makes the tracker up or down.
 *
 * A process matches when its name (the kernel's comm, at most 15
 * characters; or argv[0], or argv[0]'s last path component) is the
 * tracker's process, and, when the tracker names args, its arguments
 * (argv[1..] joined by single spaces) are args exactly or, with
 * args_prefix, start with args.
 * A matching process counts once it has lived fork_delay_ms (processes
 * found by the first scan count at once: they were there before us). The
 * tracker is up while quorum <= count <= quorum_max (0: no maximum); it
 * goes down terminate_delay_ms after the count left that range, unless it
 * came back meanwhile. Before the first scan it is down.
 *
 * Owns: those rules, the set of matching pids (bounded). Never does: read
 * /proc, watch processes, or know the time (now_ms is passed in).
 */
#ifndef VIPD_PROC_TRACK_H
#define VIPD_PROC_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROC_TRACK_NAME_MAX 64          /* process name, incl. NUL */
#define PROC_TRACK_ARGS_MAX 256         /* args, incl. NUL */
#define PROC_TRACK_PIDS_MAX 256         /* matching processes followed */

struct proc_track_spec {
	char process[PROC_TRACK_NAME_MAX];
	char args[PROC_TRACK_ARGS_MAX];    /* "" = any arguments */
	bool has_args, args_prefix;
	uint32_t quorum, quorum_max;       /* quorum_max 0: none */
	uint32_t fork_delay_ms, terminate_delay_ms;
};

struct proc_track_pid {
	int pid;
	uint64_t seen_ms;                  /* 0: counts at once */
};

struct proc_track_state {
	bool up, scanned;
	uint32_t npids;
	struct proc_track_pid pids[PROC_TRACK_PIDS_MAX];
	uint64_t out_since_ms;             /* count out of range since, 0: in */
	uint64_t overflows;                /* matching pids beyond the bound */
	uint32_t counted;                  /* at the last evaluation */
};

/*
 * Does a process match? comm: its name from /proc/PID/stat; cmdline: the
 * NUL-separated arguments from /proc/PID/cmdline (len bytes, may be 0 for
 * kernel threads, which never match).
 */
bool proc_track_match(const struct proc_track_spec *spec, const char *comm,
    const char *cmdline, size_t len);

void proc_track_init(struct proc_track_state *st);

/* A matching process appeared (exec, fork of one) at now_ms. */
void proc_track_add(struct proc_track_state *st, int pid, uint64_t now_ms);

/* A process ended (or stopped matching). True when it was followed. */
bool proc_track_remove(struct proc_track_state *st, int pid);

bool proc_track_has(const struct proc_track_state *st, int pid);

/*
 * A full scan found pids[0..n): they replace the set. Those already
 * followed keep their time, new ones count from now_ms, or at once when
 * this is the first scan.
 */
void proc_track_scanned(struct proc_track_state *st, const int *pids,
    size_t n, uint64_t now_ms);

/*
 * Apply the rules at now_ms: true when st->up changed. *next_ms is set to
 * when the answer may change by time alone (a fork or terminate delay
 * running out), or 0.
 */
bool proc_track_evaluate(struct proc_track_state *st,
    const struct proc_track_spec *spec, uint64_t now_ms, uint64_t *next_ms);

#endif
