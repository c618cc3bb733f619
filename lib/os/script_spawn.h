/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_spawn - start one script process: the fork and exec behind
 * lib/script's promises (see script.h). The child gets its own process
 * group, stdin /dev/null, stdout and stderr on one pipe (or /dev/null
 * when the caller reads nothing), no other
 * descriptor of the daemon, default signals, cwd "/", the clean
 * environment (SCRIPT_PATH_ENV and the caller's strings), and the script
 * user with RLIMIT_NPROC unless it is root. A failure between fork and
 * exec comes back on a pipe of its own as a (stage, errno) record, so that
 * the parent can tell "could not start" from a script that exits 127.
 *
 * Owns: the child until exec, the record format of its start failures.
 * Never does: wait for, read from or kill a running script (the runner
 * does), check the script's path (script_sec does, before).
 */
#ifndef VIPD_SCRIPT_SPAWN_H
#define VIPD_SCRIPT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who the script runs as. */
struct script_spawn_user {
	bool as_root;              /* root: no user switch, no RLIMIT_NPROC */
	uid_t uid;
	gid_t gid;
	size_t max_procs;          /* RLIMIT_NPROC of a non-root user */
};

/* What the parent holds of a started child; -1 for a closed descriptor. */
struct script_spawn_proc {
	pid_t pid;                 /* also the pgid */
	int pidfd;                 /* readable when the child has exited */
	int out_fd;                /* its stdout+stderr, non-blocking; -1
				      when they are /dev/null */
	int err_fd;                /* its start failure, if any (non-blocking) */
};

/*
 * Fork and exec argv (NULL-terminated; argv[0] absolute) with env (NULL or
 * at most SCRIPT_MAX_ENV NULL-terminated NAME=value strings, after PATH),
 * both copied by the fork; output_null: stdout and stderr are /dev/null,
 * no pipe (p->out_fd -1). Returns
 * 0 with p filled, or -errno with why filled and nothing left open or
 * running (-E2BIG: too many environment strings).
 */
int script_spawn(const struct script_spawn_user *u, char *const argv[],
		 char *const env[], bool output_null,
		 struct script_spawn_proc *p, char *why, size_t why_len);

/*
 * After the child exited with status 127: did it fail before exec? Then
 * *err is its errno, *stage what it was doing, and true is returned.
 */
bool script_spawn_failed(int err_fd, int *err, const char **stage);

#endif
