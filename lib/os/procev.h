/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procev - what the kernel says about processes: the process events
 * connector (netlink NETLINK_CONNECTOR, CN_IDX_PROC: fork, exec, comm
 * change, exit of every process), /proc (a process's comm and command
 * line, the list of processes), and pidfds (a descriptor that turns
 * readable when its process exits).
 *
 * The connector answers only in the initial network namespace: a socket
 * opened elsewhere binds and subscribes without a word and hears nothing.
 * procev_connector_open() therefore proves it: it forks a child that exits
 * at once and looks for that child's events, which the kernel has queued
 * before the parent's waitpid() returns.
 *
 * Owns: the connector socket's protocol. Never does: decide what matches
 * (lib/health/proc_track), block (the socket is non-blocking; /proc reads
 * are of in-memory files).
 */
#ifndef VIPD_OS_PROCEV_H
#define VIPD_OS_PROCEV_H

#include <stdbool.h>
#include <stddef.h>

enum procev_kind { PROCEV_FORK = 1, PROCEV_EXEC, PROCEV_COMM, PROCEV_EXIT };

/* One event about a process (threads are left out). */
struct procev {
	enum procev_kind kind;
	int pid;
	int parent;                     /* PROCEV_FORK: the forking process */
};

/*
 * A subscribed, non-blocking connector socket that has been heard from,
 * or -errno: -ENOTCONN when it subscribes but hears nothing (another
 * network namespace), -EPERM without CAP_NET_ADMIN.
 */
int procev_connector_open(void);

/*
 * Everything queued on the socket to cb. 0, or -ENOBUFS when events were
 * lost (the caller scans /proc again); other errors -errno.
 */
int procev_connector_read(int fd, void (*cb)(void *arg, const struct procev *ev),
    void *arg);

/*
 * The comm (from /proc/PID/stat) and the NUL-separated command line of
 * pid, at most cmd_max bytes (*cmd_len). 0, or -errno (-ENOENT: gone).
 */
int procev_read(int pid, char *comm, size_t comm_max, char *cmd,
    size_t cmd_max, size_t *cmd_len);

/* Every process (thread group leader) in /proc to cb. 0 or -errno. */
int procev_scan(void (*cb)(void *arg, int pid), void *arg);

/* pidfd_open(pid, 0), non-blocking, close-on-exec; fd or -errno. */
int procev_pidfd_open(int pid);

#endif
