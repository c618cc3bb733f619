/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt.c - VRRP advertisement codec: wire layout (RFC 5798 5.1, 5.2;
 * RFC 3768 5.1, 5.3), checksum over the IPv4/IPv6 pseudo-header (RFC 5798
 * 5.2.8) or over the message alone (RFC 3768 5.3.8), v2 authentication as
 * keepalived does it, and the receive checks of 7.1 that need nothing but
 * the packet itself.
 *
 * Everything here is arithmetic on caller-owned buffers, which is what lets
 * the unit tests replay packets captured from keepalived and the fuzzer feed
 * it garbage. The IP header and the AH around an advert are vrrp_pkt_ip's,
 * which uses the checksum here; the AH ICV is vrrp_auth's, checked by the
 * caller before decode, so that this file needs nothing but itself.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "base/be_bytes.h"
#include "vrrp/vrrp_pkt.h"

#define VRRP_VERSION_2		2
#define VRRP_VERSION_3		3
#define VRRP_TYPE_ADVERT	1	/* RFC 5798 5.2.2: the only type */
#define VRRP_V2_AUTH_TYPE_OFFSET 4	/* RFC 3768 5.3.6 */
#define VRRP_V2_INTERVAL_OFFSET	5	/* RFC 3768 5.3.7 */
#define VRRP_CSUM_OFFSET	6

_Static_assert(60 + VRRP_AH_HDR_LEN + VRRP_HDR_LEN + VRRP_MAX_ADDRS * 4 +
    VRRP_AUTH_DATA_LEN <= VRRP_PKT_MAX_LEN,
    "an AH-authenticated v2 advert fits in VRRP_PKT_MAX_LEN");

static const char *const vrrp_drop_names[VRRP_DROP__COUNT] = {
	[VRRP_DROP_NONE] = "none",
	[VRRP_DROP_IP_HEADER] = "ip_header",
	[VRRP_DROP_PROTOCOL] = "protocol",
	[VRRP_DROP_TTL] = "ttl",
	[VRRP_DROP_TRUNCATED] = "truncated",
	[VRRP_DROP_VERSION] = "version",
	[VRRP_DROP_TYPE] = "type",
	[VRRP_DROP_LENGTH] = "length",
	[VRRP_DROP_CHECKSUM] = "checksum",
	[VRRP_DROP_VRID] = "vrid",
	[VRRP_DROP_INTERVAL] = "interval",
	[VRRP_DROP_ADDR_LIST] = "addr_list",
	[VRRP_DROP_OWN_PACKET] = "own_packet",
	[VRRP_DROP_AUTH_TYPE] = "auth_type",
	[VRRP_DROP_AUTH] = "auth",
	[VRRP_DROP_AH_SEQ] = "ah_seq",
	[VRRP_DROP_NOT_PEER] = "not_peer",
};

const char *
vrrp_drop_name(enum vrrp_drop reason)
{
	/* Counters are indexed by reason, so a bad one is a caller bug, not a crash. */
	if ((unsigned int)reason >= VRRP_DROP__COUNT ||
	    vrrp_drop_names[reason] == NULL)
		return "unknown";
	return vrrp_drop_names[reason];
}

uint32_t
vrrp_pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	uint64_t acc = sum;
	size_t i;

	/* RFC 1071 2(B): the sum is byte-order independent; big-endian words. */
	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)data[i] << 8 | data[i + 1];
	/* RFC 1071 4.1: an odd last byte is padded with a zero byte. */
	if (i < len)
		acc += (uint32_t)data[i] << 8;
	/* End-around carry now, so the partial sum can be chained safely. */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t
vrrp_pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Sum of the pseudo-header a VRRPv3 checksum covers (RFC 5798 5.2.8):
 * RFC 791-style for IPv4 (src, dst, zero, protocol, VRRP length) and
 * RFC 2460 8.1 for IPv6 (src, dst, 32-bit length, 3 zero bytes, next header).
 * The caller guarantees that src and dst share a family VRRP carries.
 */
static uint32_t
vrrp_pseudo_sum(const struct addr *src, const struct addr *dst,
    size_t vrrp_len)
{
	uint8_t ph[40];
	size_t alen = addr_len(src->family);
	size_t n;

	memcpy(ph, src->bytes, alen);
	memcpy(ph + alen, dst->bytes, alen);
	n = 2 * alen;
	if (src->family == AF_INET) {
		ph[n++] = 0;
		ph[n++] = VRRP_IPPROTO;
		ph[n++] = (uint8_t)(vrrp_len >> 8);
		ph[n++] = (uint8_t)vrrp_len;
	} else {
		ph[n++] = (uint8_t)(vrrp_len >> 24);
		ph[n++] = (uint8_t)(vrrp_len >> 16);
		ph[n++] = (uint8_t)(vrrp_len >> 8);
		ph[n++] = (uint8_t)vrrp_len;
		ph[n++] = 0;
		ph[n++] = 0;
		ph[n++] = 0;
		ph[n++] = VRRP_IPPROTO;
	}
	return vrrp_pkt_csum_add(0, ph, n);
}

/*
 * The v3 checksum of msg as if its checksum field were zero (RFC 5798
 * 5.2.8). Skipping the two bytes is the same as zeroing them, and saves
 * copying a const buffer; the field's offset is even, so the words after it
 * keep their alignment.
 */
static uint16_t
vrrp_v3_csum(const struct addr *src, const struct addr *dst,
    const uint8_t *msg, size_t len)
{
	uint32_t sum;

	sum = vrrp_pseudo_sum(src, dst, len);
	sum = vrrp_pkt_csum_add(sum, msg, VRRP_CSUM_OFFSET);
	sum = vrrp_pkt_csum_add(sum, msg + VRRP_CSUM_OFFSET + 2,
	    len - VRRP_CSUM_OFFSET - 2);
	return vrrp_pkt_csum_fold(sum);
}

/* RFC 3768 5.3.8: the v2 checksum covers the VRRP message and nothing else. */
static uint16_t
vrrp_v2_csum(const uint8_t *msg, size_t len)
{
	uint32_t sum;

	sum = vrrp_pkt_csum_add(0, msg, VRRP_CSUM_OFFSET);
	sum = vrrp_pkt_csum_add(sum, msg + VRRP_CSUM_OFFSET + 2,
	    len - VRRP_CSUM_OFFSET - 2);
	return vrrp_pkt_csum_fold(sum);
}

/*
 * VRRPv2 authentication, keepalived's way (RFC 2338 5.3.6, 7.1): the Auth
 * Type must be ours, and whether the packet came inside AH must agree with
 * it, or nothing in it can be trusted the way we would trust it. The AH ICV
 * itself was verified before decode (vrrp_auth_ah_verify).
 */
static enum vrrp_drop
vrrp_v2_check_auth(const uint8_t *msg, size_t len,
    const struct vrrp_pkt_meta *meta, const struct vrrp_auth *auth)
{
	uint8_t want = auth != NULL ? auth->type : VRRP_AUTH_NONE;
	bool in_ah = meta->protocol == VRRP_IPPROTO_AH;

	if (msg[VRRP_V2_AUTH_TYPE_OFFSET] != want ||
	    in_ah != (want == VRRP_AUTH_AH))
		return VRRP_DROP_AUTH_TYPE;
	switch (want) {
	case VRRP_AUTH_NONE:
		/* RFC 2338 5.3.10: auth data is ignored on reception. */
		return VRRP_DROP_NONE;
	case VRRP_AUTH_PASS:
		/* The whole 8 bytes, NUL padding included, as keepalived. */
		if (memcmp(msg + len - VRRP_AUTH_DATA_LEN, auth->key,
		    VRRP_AUTH_DATA_LEN) != 0)
			return VRRP_DROP_AUTH;
		return VRRP_DROP_NONE;
	case VRRP_AUTH_AH:
		return VRRP_DROP_NONE;
	default:
		return VRRP_DROP_AUTH_TYPE;
	}
}

enum vrrp_drop
vrrp_pkt_decode(const uint8_t *payload, size_t len,
    const struct vrrp_pkt_meta *meta, uint8_t expect_version,
    const struct vrrp_auth *auth, struct vrrp_advert *out)
{
	size_t alen, trailer;
	uint8_t version, count;
	uint16_t interval_cs, wire_csum, csum;
	enum vrrp_drop r;

	/* RFC 5798 7.1: only a router on our own link can send with TTL 255. */
	if (meta->ttl != VRRP_REQUIRED_TTL && !meta->any_ttl)
		return VRRP_DROP_TTL;
	if (len < VRRP_HDR_LEN)
		return VRRP_DROP_TRUNCATED;

	/* RFC 5798 7.1: the version must be the one this instance runs. */
	version = payload[0] >> 4;
	if (version != expect_version ||
	    (version != VRRP_VERSION_2 && version != VRRP_VERSION_3))
		return VRRP_DROP_VERSION;
	if ((payload[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;

	/* The address size comes from the IP layer; meta must make sense. */
	alen = addr_len(meta->src.family);
	if (alen == 0 || meta->dst.family != meta->src.family)
		return VRRP_DROP_IP_HEADER;
	/* RFC 3768 is VRRP for IPv4; v2 over IPv6 is no version we speak. */
	if (version == VRRP_VERSION_2 && meta->src.family != AF_INET)
		return VRRP_DROP_VERSION;
	/*
	 * RFC 5798 5.2.5 / RFC 3768 5.3.5: count says how many addresses
	 * follow; after them v2 has 8 bytes of auth data and v3 nothing, so
	 * anything but an exact fit is malformed.
	 */
	count = payload[3];
	trailer = version == VRRP_VERSION_2 ? VRRP_AUTH_DATA_LEN : 0;
	if (len != VRRP_HDR_LEN + (size_t)count * alen + trailer)
		return VRRP_DROP_LENGTH;

	wire_csum = be_get16(payload + VRRP_CSUM_OFFSET);
	csum = version == VRRP_VERSION_2 ? vrrp_v2_csum(payload, len) :
	    vrrp_v3_csum(&meta->src, &meta->dst, payload, len);
	if (csum != wire_csum)
		return VRRP_DROP_CHECKSUM;

	if (version == VRRP_VERSION_2) {
		if ((r = vrrp_v2_check_auth(payload, len, meta, auth)) !=
		    VRRP_DROP_NONE)
			return r;
		interval_cs = (uint16_t)(payload[VRRP_V2_INTERVAL_OFFSET] * 100);
	} else {
		/* RFC 5798 removed authentication: v3 has none to check. */
		if ((auth != NULL && auth->type != VRRP_AUTH_NONE) ||
		    meta->protocol == VRRP_IPPROTO_AH)
			return VRRP_DROP_AUTH_TYPE;
		/* RFC 5798 5.2.6: the 4 reserved bits are ignored on reception. */
		interval_cs = be_get16(payload + 4) & 0x0fff;
	}
	/* A zero interval would make the master down timer expire at once. */
	if (interval_cs == 0)
		return VRRP_DROP_INTERVAL;

	memset(out, 0, sizeof(*out));
	out->version = version;
	out->vrid = payload[1];
	out->priority = payload[2];
	out->max_adver_int_cs = interval_cs;
	out->checksum = wire_csum;
	out->auth_type = version == VRRP_VERSION_2 ?
	    payload[VRRP_V2_AUTH_TYPE_OFFSET] : VRRP_AUTH_NONE;
	out->ah_seq = meta->protocol == VRRP_IPPROTO_AH ? meta->ah_seq : 0;
	out->naddrs = count;
	for (size_t i = 0; i < count; i++) {
		out->addrs[i].family = meta->src.family;
		memcpy(out->addrs[i].bytes, payload + VRRP_HDR_LEN + i * alen,
		    alen);
	}
	return VRRP_DROP_NONE;
}

/* What encode needs to know is sendable, by version (RFC 5798 / RFC 3768). */
static bool
vrrp_encodable(const struct vrrp_advert *adv, uint8_t auth_type, int family)
{
	/* RFC 5798 5.2.3 / RFC 3768 5.3.3: VRID 1..255. */
	if (adv->vrid == 0 || adv->max_adver_int_cs == 0)
		return false;
	if (adv->version == VRRP_VERSION_3)
		/* 5.2.7: 1..4095 cs; 5.2.6: no authentication left in v3. */
		return adv->max_adver_int_cs <= VRRP_V3_MAX_INTERVAL_CS &&
		    auth_type == VRRP_AUTH_NONE;
	if (adv->version != VRRP_VERSION_2)
		return false;
	/* RFC 3768 5.3.7: whole seconds, 8 bits; 5.1: IPv4 only. */
	return adv->max_adver_int_cs % 100 == 0 &&
	    adv->max_adver_int_cs <= VRRP_V2_MAX_INTERVAL_S * 100 &&
	    family == AF_INET && auth_type <= VRRP_AUTH_AH;
}

int
vrrp_pkt_encode(const struct vrrp_advert *adv, const struct vrrp_auth *auth,
    const struct addr *src, const struct addr *dst, uint8_t *buf,
    size_t cap)
{
	size_t alen = addr_len(src->family);
	uint8_t auth_type = auth != NULL ? auth->type : VRRP_AUTH_NONE;
	size_t len, trailer;

	if (!vrrp_encodable(adv, auth_type, src->family))
		return -EINVAL;
	/* RFC 5798 5.2.5: one family per advert, the one it is sent over. */
	if (alen == 0 || dst->family != src->family)
		return -EINVAL;
	for (size_t i = 0; i < adv->naddrs; i++)
		if (adv->addrs[i].family != src->family)
			return -EINVAL;

	trailer = adv->version == VRRP_VERSION_2 ? VRRP_AUTH_DATA_LEN : 0;
	len = VRRP_HDR_LEN + (size_t)adv->naddrs * alen + trailer;
	if (len > cap)
		return -ENOSPC;

	buf[0] = (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddrs;
	if (adv->version == VRRP_VERSION_2) {
		buf[VRRP_V2_AUTH_TYPE_OFFSET] = auth_type;
		buf[VRRP_V2_INTERVAL_OFFSET] =
		    (uint8_t)(adv->max_adver_int_cs / 100);
	} else
		/* The top 4 bits are reserved and zero (RFC 5798 5.2.6). */
		be_put16(buf + 4, adv->max_adver_int_cs);
	be_put16(buf + VRRP_CSUM_OFFSET, 0);
	for (size_t i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, adv->addrs[i].bytes, alen);
	if (adv->version == VRRP_VERSION_3) {
		be_put16(buf + VRRP_CSUM_OFFSET, vrrp_v3_csum(src, dst, buf, len));
		return (int)len;
	}
	/*
	 * RFC 2338 5.3.10: the password in clear for PASS; zero otherwise,
	 * AH's proof living in its own header.
	 */
	if (auth_type == VRRP_AUTH_PASS)
		memcpy(buf + len - trailer, auth->key, VRRP_AUTH_DATA_LEN);
	else
		memset(buf + len - trailer, 0, VRRP_AUTH_DATA_LEN);
	be_put16(buf + VRRP_CSUM_OFFSET, vrrp_v2_csum(buf, len));
	return (int)len;
}

bool
vrrp_pkt_same_addrs(const struct addr *adv, size_t nadv,
    const struct addr *ours, size_t nours)
{
	if (nadv != nours)
		return false;
	for (size_t i = 0; i < nours; i++) {
		bool found = false;

		for (size_t j = 0; j < nadv && !found; j++)
			found = addr_cmp(&adv[j], &ours[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}
