/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_nd - neighbour solicitation probe and its answer (see vrrp_nd.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "vrrp/vrrp_nd.h"

#define ND_NS_TYPE 135
#define ND_NA_TYPE 136
#define ND_OPT_SOURCE_LLADDR 1
#define ND_OPT_TARGET_LLADDR 2
#define ND_HOPLIMIT 255

void
vrrp_nd_build_ns(const uint8_t mac[6], const struct addr *target,
    uint8_t out[VRRP_ND_NS_LEN])
{
	memset(out, 0, VRRP_ND_NS_LEN);
	out[0] = ND_NS_TYPE;
	memcpy(out + 8, target->bytes, 16);
	/*
	 * RFC 4861 4.3: a multicast solicit from a unicast source carries our
	 * link-layer address, so the answer needs no resolution of its own.
	 */
	out[24] = ND_OPT_SOURCE_LLADDR;
	out[25] = 1;                    /* in units of 8 bytes */
	memcpy(out + 26, mac, 6);
}

void
vrrp_nd_solicited_node(const struct addr *target, struct addr *group)
{
	memset(group, 0, sizeof(*group));
	group->family = AF_INET6;
	group->bytes[0] = 0xff;
	group->bytes[1] = 0x02;
	group->bytes[11] = 0x01;
	group->bytes[12] = 0xff;
	memcpy(group->bytes + 13, target->bytes + 13, 3);
}

enum vrrp_nd_verdict
vrrp_nd_parse_na(const uint8_t *p, size_t len, int hoplimit,
    struct addr *target)
{
	if (len < 2 || p[0] != ND_NA_TYPE || p[1] != 0)
		return VRRP_ND_NOT_NA;
	if (len < VRRP_ND_NA_MIN_LEN)
		return VRRP_ND_SHORT;
	/* RFC 4861 7.1.2: anything else was routed here, not from the link. */
	if (hoplimit != ND_HOPLIMIT)
		return VRRP_ND_HOPLIMIT;
	memset(target, 0, sizeof(*target));
	target->family = AF_INET6;
	memcpy(target->bytes, p + 8, 16);
	return VRRP_ND_NA;
}

bool
vrrp_nd_na_lladdr(const uint8_t *p, size_t len, uint8_t mac[6])
{
	size_t o = VRRP_ND_NA_MIN_LEN;

	while (o + 2 <= len) {
		size_t olen = (size_t)p[o + 1] * 8;

		/* RFC 4861 4.6: a zero length would loop; drop the message. */
		if (olen == 0 || o + olen > len)
			return false;
		if (p[o] == ND_OPT_TARGET_LLADDR && olen == 8) {
			memcpy(mac, p + o + 2, 6);
			return true;
		}
		o += olen;
	}
	return false;
}
