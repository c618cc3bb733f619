/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_icmp - a ping check's echo (see check_icmp.h).
 */
#include <string.h>

#include "lb/check_icmp.h"

static uint16_t
csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq,
    uint64_t token)
{
	buf[0] = type;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(token >> (56 - 8 * i));
}

void
check_icmp_echo(uint8_t *buf, bool v6, uint16_t id, uint16_t seq,
    uint64_t token)
{
	uint16_t c;

	put_echo(buf, v6 ? 128 : 8, id, seq, token);
	if (v6)
		return;
	c = csum(buf, CHECK_ICMP_ECHO_LEN);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
}

/* The echo at p (len bytes) is ours: same seq, token, and id if asked. */
static bool
is_ours(const uint8_t *p, size_t len, bool match_id, uint16_t id,
    uint16_t seq, uint64_t token)
{
	uint8_t want[CHECK_ICMP_ECHO_LEN];

	if (len < CHECK_ICMP_ECHO_LEN)
		return false;
	put_echo(want, p[0], id, seq, token);
	if (!match_id)
		memcpy(want + 4, p + 4, 2);
	return memcmp(want + 4, p + 4, CHECK_ICMP_ECHO_LEN - 4) == 0;
}

enum check_icmp_verdict
check_icmp_judge(const uint8_t *buf, size_t len, bool v6, bool ip_header,
    bool match_id, uint16_t id, uint16_t seq, uint64_t token)
{
	size_t hl = 0, inner;

	if (ip_header && !v6) {
		if (len < 20 || (buf[0] >> 4) != 4 || (buf[0] & 15) < 5)
			return CHECK_ICMP_OTHER;
		hl = (size_t)(buf[0] & 15) * 4;
		if (len < hl)
			return CHECK_ICMP_OTHER;
	}
	buf += hl;
	len -= hl;
	if (len < 8)
		return CHECK_ICMP_OTHER;
	if (buf[0] == (v6 ? 129 : 0))
		return is_ours(buf, len, match_id, id, seq, token) ?
		    CHECK_ICMP_REPLY : CHECK_ICMP_OTHER;
	/* Destination unreachable (3 / 1) quoting our request. */
	if (buf[0] != (v6 ? 1 : 3))
		return CHECK_ICMP_OTHER;
	buf += 8;
	len -= 8;
	if (v6)
		inner = 40;
	else {
		if (len < 20 || (buf[0] >> 4) != 4)
			return CHECK_ICMP_OTHER;
		inner = (size_t)(buf[0] & 15) * 4;
	}
	if (len < inner + 8 || buf[inner] != (v6 ? 128 : 8))
		return CHECK_ICMP_OTHER;
	/* RFC 792 quotes only 8 bytes of the request: id and seq. */
	if ((match_id && (buf[inner + 4] << 8 | buf[inner + 5]) != id) ||
	    (buf[inner + 6] << 8 | buf[inner + 7]) != seq)
		return CHECK_ICMP_OTHER;
	return CHECK_ICMP_UNREACH;
}
