/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr - the one IP address type every subsystem uses: either family, in
 * network byte order, with its order, text form and parser.
 *
 * Pure: inet_ntop / inet_pton are the only libc calls. Never does: prefixes,
 * interfaces or scopes (those are the config model's), or name lookups.
 */
#ifndef VIPD_BASE_ADDR_H
#define VIPD_BASE_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* An IP address of either family, stored in network byte order. */
struct addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t bytes[16];   /* first 4 used for AF_INET */
};

/* Bytes of an address of this family: 4, 16, or 0 for any other family. */
size_t addr_len(int family);

/*
 * Compare as unsigned big-endian integers, AF_INET before AF_INET6:
 * <0, 0, >0. VRRP's "higher primary address wins" is this order.
 */
int addr_cmp(const struct addr *a, const struct addr *b);

/*
 * Format into buf (INET6_ADDRSTRLEN is enough); returns buf. For log lines:
 * an unknown family or a too small buf gives "?" (in buf when it fits).
 */
const char *addr_str(const struct addr *a, char *buf, size_t len);

/* Parse "10.0.0.1" or "fe80::1"; returns 0 or -EINVAL (*out untouched). */
int addr_parse(const char *text, struct addr *out);

/*
 * A 32-bit identity of a: an IPv4 address itself (two never share one),
 * an IPv6 address hashed (32-bit FNV-1a over its 16 bytes). conn_sync's
 * sender id (lib/ctsync/ct_wire.h); the config refuses a sync pair whose
 * IPv6 addresses hash alike.
 */
uint32_t addr_id32(const struct addr *a);

#endif
