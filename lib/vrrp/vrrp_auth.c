/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_auth - the AH ICV of keepalived's VRRPv2 authentication, and replay
 * protection by sequence number. See vrrp_auth.h for the exact recipe.
 */
#include <errno.h>
#include <string.h>

#include "os/digest.h"
#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_pkt_ip.h"

#define IPV4_MIN_HDR_LEN 20

/* HMAC-MD5-96 of data under the 8-byte key; 0 or -ENOTSUP. */
static int
hmac_md5_96(const uint8_t key[VRRP_AUTH_DATA_LEN], const uint8_t *data,
    size_t len, uint8_t icv[VRRP_AH_ICV_LEN])
{
	/*
	 * All 8 bytes, NUL padding included, as keepalived keys it: HMAC pads
	 * a short key with zeros anyway (RFC 2104 2), so "abc" and "abc\0\0"
	 * are one key, but saying so costs nothing.
	 */
	if (digest_hmac(DIGEST_MD5, key, VRRP_AUTH_DATA_LEN, data, len, icv,
	    VRRP_AH_ICV_LEN) < 0)
		return -ENOTSUP;
	return 0;
}

int
vrrp_auth_init(void)
{
	/* RFC 2104 appendix, first test: 16 x 0x0b, "Hi There". */
	static const uint8_t want[VRRP_AH_ICV_LEN] = {
		0x92, 0x94, 0x72, 0x7a, 0x36, 0x38, 0xbb, 0x1c,
		0x13, 0xf4, 0x8e, 0xf8,
	};
	uint8_t key[16], md[VRRP_AH_ICV_LEN];

	memset(key, 0x0b, sizeof(key));
	if (digest_hmac(DIGEST_MD5, key, sizeof(key), "Hi There", 8, md,
	    sizeof(md)) < 0 || memcmp(md, want, sizeof(want)) != 0)
		return -ENOTSUP;
	return 0;
}

int
vrrp_auth_ah_icv(const struct vrrp_auth *auth, const uint8_t *pkt, size_t len,
    uint8_t icv[VRRP_AH_ICV_LEN])
{
	uint8_t copy[VRRP_PKT_MAX_LEN];
	size_t ihl;

	if (len < IPV4_MIN_HDR_LEN || len > sizeof(copy))
		return -EINVAL;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HDR_LEN || len < ihl + VRRP_AH_HDR_LEN)
		return -EINVAL;
	memcpy(copy, pkt, len);
	/*
	 * RFC 2402 3.3.3.1.1.1: fields a router may change in flight count as
	 * zero. keepalived zeroes TOS, the flags and fragment offset and the
	 * header checksum; TTL only for unicast peers (a multicast advert must
	 * arrive with 255 anyway), so it is covered when the destination is a
	 * multicast group (224.0.0.0/4) and zeroed otherwise. The IP id and
	 * total length are covered too. Options, if any, are taken as they
	 * are: keepalived never sends them.
	 */
	copy[1] = 0;
	copy[6] = 0;
	copy[7] = 0;
	if ((copy[16] & 0xf0) != 224)
		copy[8] = 0;
	copy[10] = 0;
	copy[11] = 0;
	/* RFC 2402 3.3.3.1.2: the ICV field itself is zero while computed. */
	memset(copy + ihl + VRRP_AH_ICV_OFFSET, 0, VRRP_AH_ICV_LEN);
	return hmac_md5_96(auth->key, copy, len, icv);
}

int
vrrp_auth_ah_sign(const struct vrrp_auth *auth, uint8_t *pkt, size_t len)
{
	uint8_t icv[VRRP_AH_ICV_LEN];
	int err;

	if ((err = vrrp_auth_ah_icv(auth, pkt, len, icv)) < 0)
		return err;
	memcpy(pkt + (size_t)(pkt[0] & 0x0f) * 4 + VRRP_AH_ICV_OFFSET, icv,
	    sizeof(icv));
	return 0;
}

/*
 * RFC 2402 3.4.4: recompute the ICV and compare in constant time;
 * keepalived then wants the SPI to be the source address (its rule for
 * choosing one in a multicast group).
 */
enum vrrp_drop
vrrp_auth_ah_verify(const struct vrrp_auth *auth,
    const struct vrrp_pkt_meta *meta)
{
	uint8_t icv[VRRP_AH_ICV_LEN];
	const uint8_t *ah;

	if (auth == NULL || auth->type != VRRP_AUTH_AH)
		return VRRP_DROP_NONE;
	if (meta->protocol != VRRP_IPPROTO_AH || meta->ip_pkt == NULL ||
	    meta->ip_len < IPV4_MIN_HDR_LEN)
		return VRRP_DROP_AUTH_TYPE;
	if (vrrp_auth_ah_icv(auth, meta->ip_pkt, meta->ip_len, icv) < 0)
		return VRRP_DROP_AUTH;
	ah = meta->ip_pkt + (size_t)(meta->ip_pkt[0] & 0x0f) * 4;
	if (!digest_equal(icv, ah + VRRP_AH_ICV_OFFSET, sizeof(icv)) ||
	    memcmp(ah + VRRP_AH_SPI_OFFSET, meta->src.bytes, 4) != 0)
		return VRRP_DROP_AUTH;
	return VRRP_DROP_NONE;
}

enum vrrp_drop
vrrp_ah_replay_check(struct vrrp_ah_replay *r, const struct addr *src,
    uint32_t seq)
{
	struct vrrp_ah_peer *p = NULL;

	for (size_t i = 0; i < r->npeers && p == NULL; i++)
		if (addr_cmp(&r->peers[i].addr, src) == 0)
			p = &r->peers[i];
	/* RFC 2402 3.4.3: a number already seen, or older, is a replay. */
	if (p != NULL && seq <= p->last_seq)
		return VRRP_DROP_AH_SEQ;
	if (p == NULL && r->npeers < VRRP_AH_PEERS_MAX)
		p = &r->peers[r->npeers++];
	else if (p == NULL) {
		/*
		 * Only an authentic advert gets here, so the table is full of
		 * real routers: forget the one heard least recently.
		 */
		p = &r->peers[0];
		for (size_t i = 1; i < r->npeers; i++)
			if (r->peers[i].last_use < p->last_use)
				p = &r->peers[i];
		r->evicted++;
	}
	p->addr = *src;
	p->last_seq = seq;
	p->last_use = ++r->uses;
	if (seq > r->highest_seq)
		r->highest_seq = seq;
	return VRRP_DROP_NONE;
}

int
vrrp_ah_replay_next_seq(struct vrrp_ah_replay *r, uint32_t *seq)
{
	if (r->highest_seq == UINT32_MAX)
		return -EOVERFLOW;
	*seq = ++r->highest_seq;
	return 0;
}
