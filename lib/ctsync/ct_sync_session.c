/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_session - the sender's session number across runs (the rule in
 * lib/ctsync/ct_wire.h, "Sessions"): the last one is kept in
 * state_dir/CT_SYNC_SESSION_FILE, and a new run starts above it, whatever
 * the clock says.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctsync/ct_sync_int.h"

static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The last session this node used (0: none kept, or unreadable). */
static uint64_t
session_last(const struct ct_sync *s)
{
	char buf[32];
	ssize_t n;
	int fd;

	if (s->session_path[0] == '\0' ||
	    (fd = open(s->session_path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/*
 * Keep s->session for the next run (lib/ctsync/ct_wire.h, "Sessions"): written
 * beside and renamed, so that a crash leaves the old value or the new one.
 * A state_dir that cannot take it costs the protection against a clock set
 * back, not sync: warned once.
 */
static void
session_keep(struct ct_sync *s)
{
	char tmp[sizeof(s->session_path) + 8], buf[32];
	int fd, len, err = 0;

	if (s->session_path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->session_path);
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", s->session);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		err = -errno;
	else if (write(fd, buf, (size_t)len) != len)
		err = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, s->session_path) < 0)
		err = -errno;
	if (err < 0) {
		if (fd >= 0)
			unlink(tmp);
		if (!s->session_warned)
			log_warn("conn_sync: cannot keep the session in %s: %s (a "
			    "restart with the clock set back will be refused by "
			    "the peer for %d ms)", s->session_path, strerror(-err),
			    CT_WIRE_ADOPT_SILENT_MS);
		s->session_warned = true;
	}
}

void
ct_sync_session_start(struct ct_sync *s)
{
	s->session = ct_wire_session_next(realtime_ns(), s->session > 0 ?
	    s->session : session_last(s));
	session_keep(s);
}
