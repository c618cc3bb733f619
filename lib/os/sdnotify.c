/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdnotify - systemd's notify protocol and watchdog (see sdnotify.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/sdnotify.h"

/* A decimal without sign or junk, or false. */
static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static void
sdnotify_watchdog_setup(struct sdnotify *n, uint64_t now_ms)
{
	uint64_t usec = 0, pid;
	const char *wpid = getenv("WATCHDOG_PID");

	if (!parse_u64(getenv("WATCHDOG_USEC"), &usec) || usec == 0)
		return;
	/* Meant for another process (a parent that forked us): not ours. */
	if (wpid != NULL && (!parse_u64(wpid, &pid) || pid != (uint64_t)getpid()))
		return;
	/* Half the period, as sd_watchdog_enabled(3) recommends; >= 1 ms. */
	n->watchdog_ms = usec / 2000 > 0 ? usec / 2000 : 1;
	n->watchdog_due_ms = now_ms;
}

int
sdnotify_open(struct sdnotify *n, uint64_t now_ms)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (path == NULL || path[0] == '\0')
		goto out;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		errno = EINVAL;
		goto fail;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';     /* abstract namespace */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '/'));
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		goto fail;
	sdnotify_watchdog_setup(n, now_ms);
out:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
fail:
	len = (size_t)errno;
	n->fd = -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return -(int)len;
}

void
sdnotify_close(struct sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	n->watchdog_ms = 0;
}

bool
sdnotify_enabled(const struct sdnotify *n)
{
	return n->fd >= 0;
}

int
sdnotify_send(struct sdnotify *n, const char *msg)
{
	if (n->fd < 0)
		return 0;
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (const struct sockaddr *)&n->addr, n->addr_len) < 0) {
		n->dropped++;
		return -errno;
	}
	n->sent++;
	return 0;
}

int
sdnotify_reloading(struct sdnotify *n)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	return sdnotify_send(n, msg);
}

void
sdnotify_tick(struct sdnotify *n, uint64_t now_ms)
{
	if (n->fd < 0 || n->watchdog_ms == 0 || now_ms < n->watchdog_due_ms)
		return;
	(void)sdnotify_send(n, "WATCHDOG=1");
	n->watchdog_due_ms = now_ms + n->watchdog_ms;
}

uint64_t
sdnotify_next_deadline(const struct sdnotify *n)
{
	return n->fd >= 0 && n->watchdog_ms > 0 ? n->watchdog_due_ms : 0;
}
