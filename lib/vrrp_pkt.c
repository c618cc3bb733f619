/*
 * vrrp_pkt.c - VRRP advertisement codec: wire layout (RFC 5798 5.1, 5.2),
 * checksum over the IPv4/IPv6 pseudo-header (5.2.8) and the receive checks
 * of 7.1 that need nothing but the packet itself.
 *
 * Everything here is arithmetic on caller-owned buffers, which is what lets
 * the unit tests replay packets captured from keepalived and the fuzzer feed
 * it garbage. Only vrrp_addr_parse/str call into libc (inet_pton/ntop).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp_pkt.h"

#define VRRP_VERSION_3		3
#define VRRP_TYPE_ADVERT	1	/* RFC 5798 5.2.2: the only type */
#define VRRP_CSUM_OFFSET	6
#define IPV4_HDR_LEN		20	/* what we build: no options */
#define IPV4_TOS_NETCONTROL	0xc0	/* precedence 6, as keepalived sends */

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

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
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
	if (pkt[9] != VRRP_IPPROTO)
		return VRRP_DROP_PROTOCOL;

	*payload = pkt + hdr_len;
	*payload_len = total_len - hdr_len;
	return VRRP_DROP_NONE;
}

enum vrrp_drop
vrrp_pkt_decode(const uint8_t *payload, size_t len,
    const struct vrrp_pkt_meta *meta, uint8_t expect_version,
    struct vrrp_advert *out)
{
	size_t alen;
	uint8_t version, count;
	uint16_t interval_cs, wire_csum;

	/* RFC 5798 7.1: only a router on our own link can send with TTL 255. */
	if (meta->ttl != VRRP_REQUIRED_TTL)
		return VRRP_DROP_TTL;
	if (len < VRRP_HDR_LEN)
		return VRRP_DROP_TRUNCATED;

	/* RFC 5798 7.1: the version must be the one this instance runs. */
	version = payload[0] >> 4;
	if (version != expect_version)
		return VRRP_DROP_VERSION;
	/*
	 * v2 (RFC 3768) puts auth type and a seconds interval in bytes 4-5,
	 * has no pseudo-header and trails 8 bytes of auth data: until that
	 * lands, refusing it beats reading it as v3.
	 */
	if (version != VRRP_VERSION_3)
		return VRRP_DROP_VERSION;
	if ((payload[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;

	/* The address size comes from the IP layer; meta must make sense. */
	alen = vrrp_addr_wire_len(meta->src.family);
	if (alen == 0 || meta->dst.family != meta->src.family)
		return VRRP_DROP_IP_HEADER;
	/*
	 * RFC 5798 5.2.5: count says how many addresses follow, and v3 carries
	 * nothing after them, so anything but an exact fit is malformed.
	 */
	count = payload[3];
	if (len != VRRP_HDR_LEN + (size_t)count * alen)
		return VRRP_DROP_LENGTH;

	wire_csum = get_be16(payload + VRRP_CSUM_OFFSET);
	if (vrrp_v3_csum(&meta->src, &meta->dst, payload, len) != wire_csum)
		return VRRP_DROP_CHECKSUM;

	/* RFC 5798 5.2.6: the 4 reserved bits are ignored on reception. */
	interval_cs = get_be16(payload + 4) & 0x0fff;
	/* A zero interval would make the master down timer expire at once. */
	if (interval_cs == 0)
		return VRRP_DROP_INTERVAL;

	memset(out, 0, sizeof(*out));
	out->version = version;
	out->vrid = payload[1];
	out->priority = payload[2];
	out->max_adver_int_cs = interval_cs;
	out->checksum = wire_csum;
	out->naddrs = count;
	for (size_t i = 0; i < count; i++) {
		out->addrs[i].family = meta->src.family;
		memcpy(out->addrs[i].bytes, payload + VRRP_HDR_LEN + i * alen,
		    alen);
	}
	return VRRP_DROP_NONE;
}

int
vrrp_pkt_encode(const struct vrrp_advert *adv, const struct vrrp_addr *src,
    const struct vrrp_addr *dst, uint8_t *buf, size_t cap)
{
	size_t alen = vrrp_addr_wire_len(src->family);
	size_t len;

	if (adv->version != VRRP_VERSION_3)
		return -EINVAL;
	/* RFC 5798 5.2.3 and 5.2.7: VRID 1..255, interval 1..4095 cs. */
	if (adv->vrid == 0 || adv->max_adver_int_cs == 0 ||
	    adv->max_adver_int_cs > VRRP_V3_MAX_INTERVAL_CS)
		return -EINVAL;
	/* RFC 5798 5.2.5: one family per advert, the one it is sent over. */
	if (alen == 0 || dst->family != src->family)
		return -EINVAL;
	for (size_t i = 0; i < adv->naddrs; i++)
		if (adv->addrs[i].family != src->family)
			return -EINVAL;

	len = VRRP_HDR_LEN + (size_t)adv->naddrs * alen;
	if (len > cap)
		return -ENOSPC;

	buf[0] = VRRP_VERSION_3 << 4 | VRRP_TYPE_ADVERT;
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddrs;
	/* The top 4 bits are reserved and zero (RFC 5798 5.2.6); checked above. */
	put_be16(buf + 4, adv->max_adver_int_cs);
	put_be16(buf + VRRP_CSUM_OFFSET, 0);
	for (size_t i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, adv->addrs[i].bytes, alen);
	put_be16(buf + VRRP_CSUM_OFFSET, vrrp_v3_csum(src, dst, buf, len));
	return (int)len;
}

int
vrrp_pkt_build_ipv4(const struct vrrp_advert *adv, const struct vrrp_addr *src,
    const struct vrrp_addr *dst, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	int plen;
	size_t total_len;

	if (src->family != AF_INET || dst->family != AF_INET)
		return -EAFNOSUPPORT;
	if (cap < IPV4_HDR_LEN)
		return -ENOSPC;
	plen = vrrp_pkt_encode(adv, src, dst, buf + IPV4_HDR_LEN,
	    cap - IPV4_HDR_LEN);
	if (plen < 0)
		return plen;
	total_len = IPV4_HDR_LEN + (size_t)plen;

	buf[0] = 4 << 4 | IPV4_HDR_LEN / 4;
	buf[1] = IPV4_TOS_NETCONTROL;
	put_be16(buf + 2, (uint16_t)total_len);
	put_be16(buf + 4, ip_id);
	/* No DF: keepalived sends none either, and an advert never fragments. */
	put_be16(buf + 6, 0);
	/* RFC 5798 5.1.1.3: TTL 255, or receivers drop it (7.1). */
	buf[8] = VRRP_REQUIRED_TTL;
	buf[9] = VRRP_IPPROTO;
	put_be16(buf + 10, 0);
	memcpy(buf + 12, src->bytes, 4);
	memcpy(buf + 16, dst->bytes, 4);
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
