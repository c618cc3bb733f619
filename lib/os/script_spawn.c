/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_spawn - fork and exec of one script (see script_spawn.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/script.h"
#include "os/script_spawn.h"

/* The stages of the child's (stage, errno) record. */
enum spawn_stage {
	SPAWN_FDS = 1,
	SPAWN_CHDIR,
	SPAWN_USER,
	SPAWN_EXEC,
};

/*
 * After fork, before exec: only async-signal-safe calls. A failure is
 * written to err_fd as (stage, errno) and the child exits 127.
 */
static void __attribute__((noreturn))
spawn_child(const struct script_spawn_user *u, int out_fd, int err_fd,
    char *const argv[], char *const envp[])
{
	struct rlimit rl;
	sigset_t none;
	int fd, out, rec[2] = { 0, 0 };

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* Read-write: it is also stdout and stderr when nobody reads them. */
	if ((fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
	    dup2((out = out_fd >= 0 ? out_fd : fd), 1) < 0 || dup2(out, 2) < 0) {
		rec[0] = SPAWN_FDS;
		goto fail;
	}
	if (err_fd < 3 || dup2(err_fd, 3) < 0) {
		rec[0] = SPAWN_FDS;
		goto fail;
	}
	err_fd = 3;
	fcntl(err_fd, F_SETFD, FD_CLOEXEC);
	/* Nothing of the daemon (sockets, netlink, epoll) reaches a script. */
	syscall(SYS_close_range, 4u, ~0u, 0u);
	if (chdir("/") < 0) {
		rec[0] = SPAWN_CHDIR;
		goto fail;
	}
	/* Already that user (tests, an unprivileged vipd): nothing to drop. */
	if (!u->as_root && geteuid() != u->uid) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)u->max_procs;
		setrlimit(RLIMIT_NPROC, &rl);
		if (setgroups(1, &u->gid) < 0 || setgid(u->gid) < 0 ||
		    setuid(u->uid) < 0) {
			rec[0] = SPAWN_USER;
			goto fail;
		}
	}
	execve(argv[0], argv, envp);
	rec[0] = SPAWN_EXEC;
fail:
	rec[1] = errno;
	if (write(err_fd, rec, sizeof(rec)) < 0)
		rec[1] = 0;
	_exit(127);
}

static int
spawn_build_env(char *const env[], char **envp, size_t max)
{
	size_t n = 0;

	envp[n++] = (char *)SCRIPT_PATH_ENV;
	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		if (n + 1 >= max)
			return -E2BIG;
		envp[n++] = env[i];
	}
	envp[n] = NULL;
	return 0;
}

static void
spawn_close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int
script_spawn(const struct script_spawn_user *u, char *const argv[],
    char *const env[], bool output_null, struct script_spawn_proc *p,
    char *why, size_t why_len)
{
	char *envp[SCRIPT_MAX_ENV + 2];
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, err;
	pid_t pid;

	p->pid = 0;
	p->pidfd = p->out_fd = p->err_fd = -1;
	if (spawn_build_env(env, envp, sizeof(envp) / sizeof(envp[0])) < 0) {
		snprintf(why, why_len, "too many environment strings");
		return -E2BIG;
	}
	if ((!output_null && pipe2(out, O_CLOEXEC) < 0) ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		err = errno;
		snprintf(why, why_len, "pipe: %s", strerror(err));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		err = errno;
		snprintf(why, why_len, "fork: %s", strerror(err));
		goto fail;
	}
	if (pid == 0)
		spawn_child(u, out[1], errp[1], argv, envp);
	/* Both sides set the group, so killpg() works whoever runs first. */
	setpgid(pid, pid);
	if (out[1] >= 0)
		close(out[1]);
	close(errp[1]);
	if (out[0] >= 0)
		fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	if ((p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		/* Cannot watch it: kill it and report (reaped synchronously). */
		err = errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (out[0] >= 0)
			close(out[0]);
		close(errp[0]);
		snprintf(why, why_len, "pidfd_open: %s", strerror(err));
		return -err;
	}
	p->pid = pid;
	p->out_fd = out[0];
	p->err_fd = errp[0];
	return 0;
fail:
	spawn_close_pair(out);
	spawn_close_pair(errp);
	return -err;
}

static const char *
spawn_stage_name(int stage)
{
	switch (stage) {
	case SPAWN_FDS: return "setting up descriptors";
	case SPAWN_CHDIR: return "chdir /";
	case SPAWN_USER: return "switching to the script user";
	default: return "exec";
	}
}

bool
script_spawn_failed(int err_fd, int *err, const char **stage)
{
	int rec[2];

	if (err_fd < 0 || read(err_fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
		return false;
	*err = rec[1];
	*stage = spawn_stage_name(rec[0]);
	return true;
}
