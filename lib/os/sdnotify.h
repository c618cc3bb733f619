/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdnotify - systemd's readiness protocol (sd_notify(3)) without
 * libsystemd: datagrams of "KEY=VALUE" lines to $NOTIFY_SOCKET (a unix
 * socket path, or an abstract one written "@name"), and WATCHDOG=1 at
 * half of $WATCHDOG_USEC when that is set and $WATCHDOG_PID, if set, is
 * this process.
 *
 * The watchdog is ticked from the daemon's timer table, that is from the
 * event loop itself: a loop stuck for WatchdogSec= sends nothing and gets
 * the daemon restarted, which is the point.
 *
 * Owns: the socket and the watchdog deadline. Never does: block (the
 * socket is non-blocking; a message systemd cannot take is dropped, as
 * libsystemd does), or tell anyone else of the socket (the variables are
 * removed from the environment, so scripts do not inherit them).
 */
#ifndef VIPD_OS_SDNOTIFY_H
#define VIPD_OS_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct sdnotify {
	int fd;                         /* -1: not under systemd's notify */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_ms;           /* WATCHDOG=1 every ..., 0: off */
	uint64_t watchdog_due_ms;
	uint64_t sent, dropped;         /* datagrams */
};

/*
 * Read and clear $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID. 0 when
 * notify is off (no variable) or on; -errno (and n->fd -1) when the
 * variable is there but unusable, which the caller logs once.
 */
int sdnotify_open(struct sdnotify *n, uint64_t now_ms);
void sdnotify_close(struct sdnotify *n);
bool sdnotify_enabled(const struct sdnotify *n);

/* One datagram of "KEY=VALUE\n..." lines; 0 or -errno (counted). */
int sdnotify_send(struct sdnotify *n, const char *msg);

/* "RELOADING=1" with MONOTONIC_USEC, as systemd 253 wants for Type=notify-reload. */
int sdnotify_reloading(struct sdnotify *n);

/* The watchdog: WATCHDOG=1 when due; the next due time (0: none). */
void sdnotify_tick(struct sdnotify *n, uint64_t now_ms);
uint64_t sdnotify_next_deadline(const struct sdnotify *n);

#endif
