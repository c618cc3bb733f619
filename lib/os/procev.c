/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procev - the process events connector, /proc and pidfds (see procev.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "os/procev.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define PROCEV_BUF 8192

static int
connector_listen(int fd, enum proc_cn_mcast_op op)
{
	/* nlmsghdr, cn_msg and the op, laid out by hand: cn_msg ends in a
	 * flexible array, so it cannot sit inside a struct before the op. */
	uint8_t req[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op))];
	struct nlmsghdr nl;
	struct cn_msg cn;

	memset(req, 0, sizeof(req));
	memset(&nl, 0, sizeof(nl));
	memset(&cn, 0, sizeof(cn));
	nl.nlmsg_len = sizeof(req);
	nl.nlmsg_type = NLMSG_DONE;
	nl.nlmsg_pid = 0;
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.len = sizeof(op);
	memcpy(req, &nl, sizeof(nl));
	memcpy(req + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(req + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
	return send(fd, req, sizeof(req), 0) < 0 ? -errno : 0;
}

/* The child's exit among what is queued: the connector answers. */
static void
probe_cb(void *arg, const struct procev *ev)
{
	int *want = arg;

	if (ev->kind == PROCEV_EXIT && ev->pid == *want)
		*want = 0;
}

int
procev_connector_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int fd, err, status, want;
	pid_t child;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_CONNECTOR)) < 0)
		return -errno;
	sa.nl_pid = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (err = connector_listen(fd, PROC_CN_MCAST_LISTEN)) < 0) {
		err = -errno;
		close(fd);
		return err != 0 ? err : -EIO;
	}
	/* A child that exits at once: its events are queued before waitpid. */
	if ((child = fork()) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (child == 0)
		_exit(0);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	want = (int)child;
	if ((err = procev_connector_read(fd, probe_cb, &want)) < 0 &&
	    err != -ENOBUFS) {
		close(fd);
		return err;
	}
	if (want != 0 && err != -ENOBUFS) {
		close(fd);
		return -ENOTCONN;
	}
	return fd;
}

static void
connector_event(const struct proc_event *pe, void (*cb)(void *, const struct procev *),
    void *arg)
{
	struct procev ev = { 0 };

	switch (pe->what) {
	case PROC_EVENT_FORK:
		/* A new thread is no new process. */
		if (pe->event_data.fork.child_pid != pe->event_data.fork.child_tgid)
			return;
		ev = (struct procev){ PROCEV_FORK, pe->event_data.fork.child_tgid,
		    pe->event_data.fork.parent_tgid };
		break;
	case PROC_EVENT_EXEC:
		ev = (struct procev){ PROCEV_EXEC, pe->event_data.exec.process_tgid, 0 };
		break;
	case PROC_EVENT_COMM:
		if (pe->event_data.comm.process_pid != pe->event_data.comm.process_tgid)
			return;
		ev = (struct procev){ PROCEV_COMM, pe->event_data.comm.process_tgid, 0 };
		break;
	case PROC_EVENT_EXIT:
		if (pe->event_data.exit.process_pid != pe->event_data.exit.process_tgid)
			return;
		ev = (struct procev){ PROCEV_EXIT, pe->event_data.exit.process_tgid, 0 };
		break;
	default:
		return;
	}
	cb(arg, &ev);
}

int
procev_connector_read(int fd, void (*cb)(void *arg, const struct procev *ev),
    void *arg)
{
	char buf[PROCEV_BUF] __attribute__((aligned(8)));
	struct proc_event pe;
	struct nlmsghdr *nh;
	ssize_t n;
	int lost = 0;

	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = -ENOBUFS;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return lost;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		    nh = NLMSG_NEXT(nh, n)) {
			struct cn_msg *cn = NLMSG_DATA(nh);

			if (nh->nlmsg_type == NLMSG_NOOP || nh->nlmsg_type == NLMSG_ERROR)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) +
			    sizeof(struct proc_event)) || cn->id.idx != CN_IDX_PROC ||
			    cn->id.val != CN_VAL_PROC)
				continue;
			/* cn->data sits 36 bytes in: not aligned for proc_event. */
			memcpy(&pe, cn->data, sizeof(pe));
			connector_event(&pe, cb, arg);
		}
	}
}

/* The whole of a small /proc file into buf (max bytes); its length or -errno. */
static ssize_t
read_small(const char *path, char *buf, size_t max)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (len < max) {
		if ((n = read(fd, buf + len, max - len)) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
}

int
procev_read(int pid, char *comm, size_t comm_max, char *cmd, size_t cmd_max,
    size_t *cmd_len)
{
	char path[64], stat[512];
	const char *open_p, *close_p;
	ssize_t n;
	size_t c;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((n = read_small(path, stat, sizeof(stat) - 1)) < 0)
		return (int)n;
	stat[n] = '\0';
	/* "PID (comm) S ...": comm may itself hold spaces and parentheses. */
	if ((open_p = strchr(stat, '(')) == NULL ||
	    (close_p = strrchr(stat, ')')) == NULL || close_p < open_p)
		return -EINVAL;
	c = (size_t)(close_p - open_p - 1);
	if (c >= comm_max)
		c = comm_max - 1;
	memcpy(comm, open_p + 1, c);
	comm[c] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((n = read_small(path, cmd, cmd_max)) < 0)
		return (int)n;
	*cmd_len = (size_t)n;
	return 0;
}

int
procev_scan(void (*cb)(void *arg, int pid), void *arg)
{
	struct dirent *de;
	DIR *d;
	char *end;
	long pid;

	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end == '\0' && pid > 0 && pid <= INT32_MAX)
			cb(arg, (int)pid);
	}
	closedir(d);
	return 0;
}

int
procev_pidfd_open(int pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl((int)fd, F_SETFL, O_NONBLOCK) < 0) {
		int err = -errno;

		close((int)fd);
		return err;
	}
	return (int)fd;
}
