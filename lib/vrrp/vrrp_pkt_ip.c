/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt_ip.c - the IP layer around a VRRP advert: the IPv4 header (and
 * the AH header of a v2 advert) as received and as sent, and the IPv6
 * header ifsock rebuilds. The advert itself is vrrp_pkt's.
 *
 * Like the codec, arithmetic on caller-owned buffers only; it uses the
 * codec (encode, checksum) and never the reverse. The AH ICV is left zero
 * here, for vrrp_auth to fill in and to verify.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "base/be_bytes.h"
#include "vrrp/vrrp_pkt_ip.h"

#define VRRP_VERSION_2		2
#define IPV4_HDR_LEN		20	/* what we build: no options */
#define IPV4_TOS_NETCONTROL	0xc0	/* precedence 6, as keepalived sends */
#define AH_PAYLOAD_LEN_96	4	/* RFC 2402 2.2: 32-bit words minus 2 */

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
	total_len = be_get16(pkt + 2);
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
		meta->ah_seq = be_get32(pkt + hdr_len + VRRP_AH_SEQ_OFFSET);
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
	plen = be_get16(pkt + 4);
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

int
vrrp_pkt_build_ipv4(const struct vrrp_advert *adv, const struct vrrp_auth *auth,
    const struct addr *src, const struct addr *dst, uint16_t ip_id,
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
	be_put16(buf + 2, (uint16_t)total_len);
	be_put16(buf + 4, ip_id);
	/* No DF: keepalived sends none either, and an advert never fragments. */
	be_put16(buf + 6, 0);
	/* RFC 5798 5.1.1.3: TTL 255, or receivers drop it (7.1). */
	buf[8] = VRRP_REQUIRED_TTL;
	buf[9] = ah ? VRRP_IPPROTO_AH : VRRP_IPPROTO;
	be_put16(buf + 10, 0);
	memcpy(buf + 12, src->bytes, 4);
	memcpy(buf + 16, dst->bytes, 4);
	if (ah) {
		uint8_t *h = buf + IPV4_HDR_LEN;

		/* RFC 2402 2: next header, length, reserved, SPI, sequence. */
		h[0] = VRRP_IPPROTO;
		h[1] = AH_PAYLOAD_LEN_96;
		be_put16(h + 2, 0);
		/* keepalived's SPI: the sender's address, unique in the group. */
		memcpy(h + VRRP_AH_SPI_OFFSET, src->bytes, 4);
		be_put32(h + VRRP_AH_SEQ_OFFSET, adv->ah_seq);
		/* Zero until signed: RFC 2402 3.3.3.1.2, and vrrp_auth's job. */
		memset(h + VRRP_AH_ICV_OFFSET, 0, VRRP_AH_ICV_LEN);
	}
	/*
	 * Linux refills the checksum on IP_HDRINCL sockets, but a packet that
	 * is complete on its own is what the tests and other stacks expect.
	 */
	be_put16(buf + 10,
	    vrrp_pkt_csum_fold(vrrp_pkt_csum_add(0, buf, IPV4_HDR_LEN)));
	return (int)total_len;
}
