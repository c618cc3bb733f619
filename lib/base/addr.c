/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr - IP addresses of either family (see addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/addr.h"

size_t
addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* Network byte order makes the unsigned integer order a memcmp. */
	return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

const char *
addr_str(const struct addr *a, char *buf, size_t len)
{
	/* Used in log lines: always return something printable. */
	if (len < 2)
		return "?";
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->bytes, buf,
	    (socklen_t)(len > INET6_ADDRSTRLEN ? INET6_ADDRSTRLEN : len)) == NULL) {
		buf[0] = '?';
		buf[1] = '\0';
	}
	return buf;
}

int
addr_parse(const char *text, struct addr *out)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (text == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, text, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

uint32_t
addr_id32(const struct addr *a)
{
	uint32_t h = 2166136261u;

	if (a->family == AF_INET)
		return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
		    (uint32_t)a->bytes[2] << 8 | a->bytes[3];
	for (size_t i = 0; i < 16; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}
