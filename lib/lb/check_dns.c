/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_dns - DNS query and answer of a dns check (see check_dns.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lb/check_dns.h"

#define HDR 12

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
check_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype)
{
	size_t o = HDR, nlen = strlen(name);

	if (cap < HDR + 1 + 4 || nlen > 254)
		return -EINVAL;
	memset(buf, 0, HDR);
	put16(buf, id);
	buf[2] = 0x01;                  /* RD: a resolver may answer too */
	put16(buf + 4, 1);              /* QDCOUNT */
	if (strcmp(name, ".") != 0) {
		const char *p = name;

		while (*p != '\0') {
			const char *dot = strchr(p, '.');
			size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);

			if (l == 0 || l > 63 || o + 1 + l + 1 + 4 > cap)
				return -EINVAL;
			buf[o++] = (uint8_t)l;
			memcpy(buf + o, p, l);
			o += l;
			p += l;
			if (*p == '.')
				p++;
		}
	}
	if (o + 1 + 4 > cap || o + 1 - HDR > 255)
		return -EINVAL;
	buf[o++] = 0;
	put16(buf + o, qtype);
	put16(buf + o + 2, 1);          /* class IN */
	return (int)(o + 4);
}

/*
 * The offset after the name at off (its in-place part: a compression
 * pointer ends it), or 0 when it runs past len or loops.
 */
static size_t
skip_name(const uint8_t *msg, size_t len, size_t off)
{
	for (unsigned n = 0; n < 128; n++) {
		if (off >= len)
			return 0;
		if ((msg[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if ((msg[off] & 0xc0) != 0)
			return 0;       /* RFC 6891 extended labels: not here */
		if (msg[off] == 0)
			return off + 1;
		off += 1 + (size_t)msg[off];
	}
	return 0;
}

const char *
check_dns_rcode_name(unsigned rcode, char *buf, size_t len)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
		"NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		snprintf(buf, len, "%s", names[rcode]);
	else
		snprintf(buf, len, "rcode %u", rcode);
	return buf;
}

enum check_dns_verdict
check_dns_answer(const uint8_t *msg, size_t len, uint16_t id, uint16_t qtype,
    const struct addr *expect, char *why, size_t why_len)
{
	char rc[24];
	unsigned qd, an, rcode;
	size_t off;

	if (len < HDR || get16(msg) != id || (msg[2] & 0x80) == 0)
		return CHECK_DNS_NOT_OURS;
	rcode = msg[3] & 0x0f;
	if (rcode != 0) {
		snprintf(why, why_len, "dns: %s", check_dns_rcode_name(rcode, rc,
		    sizeof(rc)));
		return CHECK_DNS_FAIL;
	}
	qd = get16(msg + 4);
	an = get16(msg + 6);
	off = HDR;
	for (unsigned i = 0; i < qd; i++) {
		if ((off = skip_name(msg, len, off)) == 0 || off + 4 > len) {
			snprintf(why, why_len, "dns: malformed question");
			return CHECK_DNS_FAIL;
		}
		off += 4;
	}
	if (expect == NULL || expect->family == 0) {
		snprintf(why, why_len, "dns: NOERROR, %u answers", an);
		return CHECK_DNS_OK;
	}
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, rdlen;

		if ((off = skip_name(msg, len, off)) == 0 || off + 10 > len) {
			snprintf(why, why_len, "dns: malformed answer record");
			return CHECK_DNS_FAIL;
		}
		type = get16(msg + off);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len) {
			snprintf(why, why_len, "dns: answer record past the end");
			return CHECK_DNS_FAIL;
		}
		if (type == qtype && ((expect->family == AF_INET && rdlen == 4) ||
		    (expect->family == AF_INET6 && rdlen == 16)) &&
		    memcmp(msg + off, expect->bytes, rdlen) == 0) {
			snprintf(why, why_len, "dns: NOERROR with the expected "
			    "address");
			return CHECK_DNS_OK;
		}
		off += rdlen;
	}
	snprintf(why, why_len, "dns: NOERROR but %s (%u answers)%s",
	    "the expected address is not in the answer", an,
	    (msg[2] & 0x02) != 0 ? ", truncated" : "");
	return CHECK_DNS_FAIL;
}
