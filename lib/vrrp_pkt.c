/*
 * vrrp_pkt.c - VRRP advertisement codec: wire layout (RFC 5798 5.1, 5.2;
 * RFC 3768 5.1, 5.3), checksum over the IPv4/IPv6 pseudo-header (RFC 5798
 * 5.2.8) or over the message alone (RFC 3768 5.3.8), v2 authentication as
 * keepalived does it, and the receive checks of 7.1 that need nothing but
 * the packet itself.
 *
 * Everything here is arithmetic on caller-owned buffers, which is what lets
 * the unit tests replay packets captured from keepalived and the fuzzer feed
 * it garbage. Only vrrp_addr_parse/str call into libc (inet_pton/ntop), and
 * the AH ICV into OpenSSL (vrrp_auth).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "vrrp_auth.h"
#include "vrrp_pkt.h"

#define VRRP_VERSION_2		2
#define VRRP_VERSION_3		3
#define VRRP_TYPE_ADVERT	1	/* RFC 5798 5.2.2: the only type */
#define VRRP_V2_AUTH_TYPE_OFFSET 4	/* RFC 3768 5.3.6 */
#define VRRP_V2_INTERVAL_OFFSET	5	/* RFC 3768 5.3.7 */
#define VRRP_CSUM_OFFSET	6
#define IPV4_HDR_LEN		20	/* what we build: no options */
#define IPV4_TOS_NETCONTROL	0xc0	/* precedence 6, as keepalived sends */
#define AH_PAYLOAD_LEN_96	4	/* RFC 2402 2.2: 32-bit words minus 2 */
#define AH_SPI_OFFSET		4
#define AH_SEQ_OFFSET		8
#define AH_ICV_OFFSET		12

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

/* Bytes of one address on the wire, or 0 for a family VRRP does not carry. */
static size_t
vrrp_addr_wire_len(int family)
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

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
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
vrrp_pseudo_sum(const struct vrrp_addr *src, const struct vrrp_addr *dst,
    size_t vrrp_len)
{
	uint8_t ph[40];
	size_t alen = vrrp_addr_wire_len(src->family);
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
vrrp_v3_csum(const struct vrrp_addr *src, const struct vrrp_addr *dst,
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

enum vrrp_drop
vrrp_pkt_parse_ipv4(const uint8_t *pkt, size_t len, struct vrrp_pkt_meta *meta,
    const uint8_t **payload, size_t *payload_len)
{
	size_t hdr_len, total_len;

	*payload = NULL;
	*payload_len = 0;
	if (len < IPV4_HDR_LEN || pkt[0] >> 4 != 4)
		return VRRP_DROP_IP_HEADER;

	/*
	 * The fixed header is there: fill meta now, so that even a packet
	 * refused below can be logged with the address that sent it.
	 */
	memset(meta, 0, sizeof(*meta));
	meta->src.family = AF_INET;
	memcpy(meta->src.bytes, pkt + 12, 4);
	meta->dst.family = AF_INET;
	memcpy(meta->dst.bytes, pkt + 16, 4);
	meta->ttl = pkt[8];

	hdr_len = (size_t)(pkt[0] & 0x0f) * 4;
	if (hdr_len < IPV4_HDR_LEN || hdr_len > len)
		return VRRP_DROP_IP_HEADER;
	/*
	 * Total length is the end of the datagram: bytes beyond it (link
	 * padding) are not VRRP, and a total length past what we read means
	 * the packet was cut short.
	 */
	total_len = get_be16(pkt + 2);
	if (total_len < hdr_len || total_len > len)
		return VRRP_DROP_IP_HEADER;
	if (pkt[9] == VRRP_IPPROTO_AH) {
		/*
		 * RFC 2402 2: AH names what it protects; anything but an
		 * advert is another protocol's business. keepalived's AH has a
		 * 96-bit ICV, i.e. a payload length of 4 words (2.2).
		 */
		if (total_len > hdr_len && pkt[hdr_len] != VRRP_IPPROTO)
			return VRRP_DROP_PROTOCOL;
		if (total_len - hdr_len < VRRP_AH_HDR_LEN ||
		    pkt[hdr_len + 1] != AH_PAYLOAD_LEN_96)
			return VRRP_DROP_IP_HEADER;
		hdr_len += VRRP_AH_HDR_LEN;
	} else if (pkt[9] != VRRP_IPPROTO)
		return VRRP_DROP_PROTOCOL;

	meta->protocol = pkt[9];
	meta->ip_pkt = pkt;
	meta->ip_len = total_len;
	*payload = pkt + hdr_len;
	*payload_len = total_len - hdr_len;
	return VRRP_DROP_NONE;
}

enum vrrp_drop
vrrp_pkt_parse_ipv6(const uint8_t *pkt, size_t len, struct vrrp_pkt_meta *meta,
    const uint8_t **payload, size_t *payload_len)
{
	size_t plen;

	*payload = NULL;
	*payload_len = 0;
	if (len < VRRP_IPV6_HDR_LEN || pkt[0] >> 4 != 6)
		return VRRP_DROP_IP_HEADER;
	memset(meta, 0, sizeof(*meta));
	meta->src.family = AF_INET6;
	memcpy(meta->src.bytes, pkt + 8, 16);
	meta->dst.family = AF_INET6;
	memcpy(meta->dst.bytes, pkt + 24, 16);
	meta->ttl = pkt[7];
	plen = get_be16(pkt + 4);
	if (plen > len - VRRP_IPV6_HDR_LEN)
		return VRRP_DROP_IP_HEADER;
	/* RFC 5798 5.1.2.4: VRRP is the next header; v3 has no AH to unwrap. */
	if (pkt[6] != VRRP_IPPROTO)
		return VRRP_DROP_PROTOCOL;
	meta->protocol = VRRP_IPPROTO;
	*payload = pkt + VRRP_IPV6_HDR_LEN;
	*payload_len = plen;
	return VRRP_DROP_NONE;
}

enum vrrp_drop
vrrp_pkt_parse_ip(const uint8_t *pkt, size_t len, struct vrrp_pkt_meta *meta,
    const uint8_t **payload, size_t *payload_len)
{
	if (len > 0 && pkt[0] >> 4 == 6)
		return vrrp_pkt_parse_ipv6(pkt, len, meta, payload, payload_len);
	return vrrp_pkt_parse_ipv4(pkt, len, meta, payload, payload_len);
}

/*
 * RFC 2402 3.4.4: recompute the ICV of the datagram meta describes and
 * compare in constant time; keepalived then wants the SPI to be the source
 * address (its rule for choosing one in a multicast group).
 */
static enum vrrp_drop
vrrp_ah_verify(const struct vrrp_pkt_meta *meta, const struct vrrp_auth *auth,
    uint32_t *seq)
{
	uint8_t icv[VRRP_AH_ICV_LEN];
	const uint8_t *ah;

	if (meta->ip_pkt == NULL || meta->ip_len < IPV4_HDR_LEN)
		return VRRP_DROP_AUTH_TYPE;
	ah = meta->ip_pkt + (size_t)(meta->ip_pkt[0] & 0x0f) * 4;
	if (vrrp_auth_ah_icv(auth, meta->ip_pkt, meta->ip_len, icv) < 0 ||
	    CRYPTO_memcmp(icv, ah + AH_ICV_OFFSET, sizeof(icv)) != 0 ||
	    memcmp(ah + AH_SPI_OFFSET, meta->src.bytes, 4) != 0)
		return VRRP_DROP_AUTH;
	*seq = get_be32(ah + AH_SEQ_OFFSET);
	return VRRP_DROP_NONE;
}

/*
 * VRRPv2 authentication, keepalived's way (RFC 2338 5.3.6, 7.1): the Auth
 * Type must be ours, and whether the packet came inside AH must agree with
 * it, or nothing in it can be trusted the way we would trust it.
 */
static enum vrrp_drop
vrrp_v2_check_auth(const uint8_t *msg, size_t len,
    const struct vrrp_pkt_meta *meta, const struct vrrp_auth *auth,
    uint32_t *seq)
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
		return vrrp_ah_verify(meta, auth, seq);
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
	uint32_t ah_seq = 0;
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
	alen = vrrp_addr_wire_len(meta->src.family);
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

	wire_csum = get_be16(payload + VRRP_CSUM_OFFSET);
	csum = version == VRRP_VERSION_2 ? vrrp_v2_csum(payload, len) :
	    vrrp_v3_csum(&meta->src, &meta->dst, payload, len);
	if (csum != wire_csum)
		return VRRP_DROP_CHECKSUM;

	if (version == VRRP_VERSION_2) {
		if ((r = vrrp_v2_check_auth(payload, len, meta, auth,
		    &ah_seq)) != VRRP_DROP_NONE)
			return r;
		interval_cs = (uint16_t)(payload[VRRP_V2_INTERVAL_OFFSET] * 100);
	} else {
		/* RFC 5798 removed authentication: v3 has none to check. */
		if ((auth != NULL && auth->type != VRRP_AUTH_NONE) ||
		    meta->protocol == VRRP_IPPROTO_AH)
			return VRRP_DROP_AUTH_TYPE;
		/* RFC 5798 5.2.6: the 4 reserved bits are ignored on reception. */
		interval_cs = get_be16(payload + 4) & 0x0fff;
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
	out->ah_seq = ah_seq;
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
    const struct vrrp_addr *src, const struct vrrp_addr *dst, uint8_t *buf,
    size_t cap)
{
	size_t alen = vrrp_addr_wire_len(src->family);
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
		put_be16(buf + 4, adv->max_adver_int_cs);
	put_be16(buf + VRRP_CSUM_OFFSET, 0);
	for (size_t i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, adv->addrs[i].bytes, alen);
	if (adv->version == VRRP_VERSION_3) {
		put_be16(buf + VRRP_CSUM_OFFSET, vrrp_v3_csum(src, dst, buf, len));
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
	put_be16(buf + VRRP_CSUM_OFFSET, vrrp_v2_csum(buf, len));
	return (int)len;
}

int
vrrp_pkt_build_ipv4(const struct vrrp_advert *adv, const struct vrrp_auth *auth,
    const struct vrrp_addr *src, const struct vrrp_addr *dst, uint16_t ip_id,
    uint8_t *buf, size_t cap)
{
	bool ah = auth != NULL && auth->type == VRRP_AUTH_AH &&
	    adv->version == VRRP_VERSION_2;
	size_t hdr_len = IPV4_HDR_LEN + (ah ? VRRP_AH_HDR_LEN : 0);
	size_t total_len;
	int plen;

	if (src->family != AF_INET || dst->family != AF_INET)
		return -EAFNOSUPPORT;
	/* Linux fills in a zero IP id after we have signed the header. */
	if (ah && ip_id == 0)
		return -EINVAL;
	if (cap < hdr_len)
		return -ENOSPC;
	plen = vrrp_pkt_encode(adv, auth, src, dst, buf + hdr_len,
	    cap - hdr_len);
	if (plen < 0)
		return plen;
	total_len = hdr_len + (size_t)plen;

	buf[0] = 4 << 4 | IPV4_HDR_LEN / 4;
	buf[1] = IPV4_TOS_NETCONTROL;
	put_be16(buf + 2, (uint16_t)total_len);
	put_be16(buf + 4, ip_id);
	/* No DF: keepalived sends none either, and an advert never fragments. */
	put_be16(buf + 6, 0);
	/* RFC 5798 5.1.1.3: TTL 255, or receivers drop it (7.1). */
	buf[8] = VRRP_REQUIRED_TTL;
	buf[9] = ah ? VRRP_IPPROTO_AH : VRRP_IPPROTO;
	put_be16(buf + 10, 0);
	memcpy(buf + 12, src->bytes, 4);
	memcpy(buf + 16, dst->bytes, 4);
	if (ah) {
		uint8_t *h = buf + IPV4_HDR_LEN;

		/* RFC 2402 2: next header, length, reserved, SPI, sequence. */
		h[0] = VRRP_IPPROTO;
		h[1] = AH_PAYLOAD_LEN_96;
		put_be16(h + 2, 0);
		/* keepalived's SPI: the sender's address, unique in the group. */
		memcpy(h + AH_SPI_OFFSET, src->bytes, 4);
		put_be32(h + AH_SEQ_OFFSET, adv->ah_seq);
		memset(h + AH_ICV_OFFSET, 0, VRRP_AH_ICV_LEN);
		if (vrrp_auth_ah_icv(auth, buf, total_len, h + AH_ICV_OFFSET) < 0)
			return -ENOTSUP;
	}
	/*
	 * Linux refills the checksum on IP_HDRINCL sockets, but a packet that
	 * is complete on its own is what the tests and other stacks expect.
	 */
	put_be16(buf + 10,
	    vrrp_pkt_csum_fold(vrrp_pkt_csum_add(0, buf, IPV4_HDR_LEN)));
	return (int)total_len;
}

int
vrrp_addr_cmp(const struct vrrp_addr *a, const struct vrrp_addr *b)
{
	size_t alen;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/*
	 * RFC 5798 6.4.3: on equal priority the higher primary address wins,
	 * compared as an unsigned integer; network byte order makes that a
	 * plain memcmp.
	 */
	alen = a->family == AF_INET ? 4 : 16;
	return memcmp(a->bytes, b->bytes, alen);
}

const char *
vrrp_addr_str(const struct vrrp_addr *a, char *buf, size_t len)
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
vrrp_addr_parse(const char *text, struct vrrp_addr *out)
{
	struct vrrp_addr a;

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
