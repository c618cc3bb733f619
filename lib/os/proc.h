/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc - what a daemon process needs from the OS before it runs: its state
 * directory, its pid file (refusing a second copy), detaching from the
 * terminal.
 *
 * Never does: anything after start-up, or exit (errors are returned).
 */
#ifndef VIPD_PROC_H
#define VIPD_PROC_H

#include <sys/types.h>

/* mkdir -p dir with mode for every component created. 0 or -errno. */
int proc_mkdir_p(const char *dir, mode_t mode);

/*
 * Write our pid to path. Returns -EEXIST when a live process already owns
 * it (its pid in *other_pid), or another -errno.
 */
int proc_write_pid_file(const char *path, long *other_pid);

/* Fork twice, new session, cwd /, std fds on /dev/null. 0 or -errno. */
int proc_daemonize(void);

#endif
