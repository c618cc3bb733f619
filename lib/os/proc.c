/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc - start-up chores of a daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/proc.h"

int
proc_mkdir_p(const char *dir, mode_t mode)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
proc_write_pid_file(const char *path, long *other_pid)
{
	char buf[32];
	int fd, len, err = 0;
	FILE *f;
	long other;

	/* Two daemons driving the same VIPs would fight over them. */
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &other) == 1 && other > 0 &&
		    other != (long)getpid() && kill((pid_t)other, 0) == 0) {
			fclose(f);
			*other_pid = other;
			return -EEXIST;
		}
		fclose(f);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len)
		err = -EIO;
	close(fd);
	return err;
}

int
proc_daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	/* A second fork: the daemon can never reacquire a controlling tty. */
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	umask(022);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}
