/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake_ipvs - an LD_PRELOAD shim that lets keepalived's checker run on a
 * kernel without the ip_vs module (tests/bench/checks.py).
 *
 * keepalived's checker refuses to start when it cannot talk to IPVS
 * ("IPVS: Can't initialize ipvs", exit FATAL), although its health checks
 * do not need it: IPVS only hears of the result. Its libipvs first tries
 * generic netlink (family "IPVS", absent here) and then falls back to
 * [gs]etsockopt(IPPROTO_IP, IP_VS_SO_*) on a raw socket. This shim answers
 * those calls as an empty IPVS would: every SET succeeds, GET_INFO and
 * GET_VERSION describe an IPVS with no services, the lists are empty.
 * Every other [gs]etsockopt goes to libc.
 *
 * The checks themselves (connect, GET, timers) are keepalived's own and
 * untouched; only the kernel calls made when a real server is added or
 * changes health are skipped, which a bench of healthy backends makes only
 * at start.
 *
 *     cc -shared -fPIC -O2 -o fake_ipvs.so fake_ipvs.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>

typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static int
fill(void *val, socklen_t *len, const void *src, size_t n)
{
	if (val == NULL || len == NULL || *len < n) {
		errno = EINVAL;
		return -1;
	}
	memcpy(val, src, n);
	return 0;
}

static int
fake_get(int opt, void *val, socklen_t *len)
{
	switch (opt) {
	case IP_VS_SO_GET_VERSION: {
		char v[64];

		snprintf(v, sizeof(v), "IP Virtual Server version 1.2.1 "
		    "(size=4096)");
		return fill(val, len, v, strlen(v) + 1);
	}
	case IP_VS_SO_GET_INFO: {
		struct ip_vs_getinfo info = { .version = 0x010201,
			.size = 4096, .num_services = 0 };

		return fill(val, len, &info, sizeof(info));
	}
	case IP_VS_SO_GET_SERVICES:
		/* The caller's header says how many it expects: none here. */
		if (val == NULL || len == NULL ||
		    *len < sizeof(struct ip_vs_get_services)) {
			errno = EINVAL;
			return -1;
		}
		((struct ip_vs_get_services *)val)->num_services = 0;
		return 0;
	case IP_VS_SO_GET_DESTS:
		if (val == NULL || len == NULL ||
		    *len < sizeof(struct ip_vs_get_dests)) {
			errno = EINVAL;
			return -1;
		}
		((struct ip_vs_get_dests *)val)->num_dests = 0;
		return 0;
	case IP_VS_SO_GET_TIMEOUT:
	case IP_VS_SO_GET_DAEMON:
		if (val != NULL && len != NULL)
			memset(val, 0, *len);
		return 0;
	default:                        /* GET_SERVICE, GET_DEST: none */
		errno = ESRCH;
		return -1;
	}
}

int
getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	getsockopt_fn next = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");

	if (level == IPPROTO_IP && opt >= IP_VS_SO_GET_VERSION &&
	    opt <= IP_VS_SO_GET_MAX)
		return fake_get(opt, val, len);
	return next(fd, level, opt, val, len);
}

int
setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	setsockopt_fn next = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");

	if (level == IPPROTO_IP && opt >= IP_VS_SO_SET_NONE &&
	    opt <= IP_VS_SO_SET_MAX)
		return 0;
	return next(fd, level, opt, val, len);
}
