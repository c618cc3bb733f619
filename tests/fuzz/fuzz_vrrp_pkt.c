/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the advert decoder: whatever a peer on the LAN can
 * put in a protocol-112 or protocol-51 (AH) datagram goes through the same
 * calls as in vipd (parse_ip: IPv4, or the IPv6 header ifsock rebuilds;
 * then the AH check for an AH instance, then decode), and straight into
 * decode with
 * fixed IPv4 and IPv6 metas so that the fuzzer need not get the IP header
 * right to reach the VRRP checks. Each decode is tried as a v3 instance and
 * as v2 instances with no authentication, a password and AH. A packet that
 * decodes must encode back to the same bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_pkt_ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The secrets of tests/fuzz/corpus/fuzz_vrrp_pkt/keepalived_v2_*.bin. */
static const struct vrrp_auth v2_auths[] = {
	{ .type = VRRP_AUTH_NONE },
	{ .type = VRRP_AUTH_PASS, .key = "s3cret" },
	{ .type = VRRP_AUTH_AH, .key = "ah-key1" },
};

/*
 * Decoding then encoding is the identity on accepted packets, except when
 * bits the receiver ignores were set: v3's reserved bits (RFC 5798 5.2.6:
 * ignored on reception, zero when sent) or v2's auth data under auth type
 * none or AH (RFC 2338 5.3.10); then the checksum differs as well. VRID 0
 * decodes (no instance has it, so the caller drops it as VRRP_DROP_VRID)
 * but is not sendable.
 */
static void
check_reencode(const struct vrrp_advert *adv, const struct vrrp_auth *auth,
    const struct vrrp_pkt_meta *meta, const uint8_t *payload, size_t len)
{
	static const uint8_t zero[VRRP_AUTH_DATA_LEN];
	static uint8_t buf[VRRP_PKT_MAX_LEN];
	bool ignored_bits;
	int n;

	if (adv->vrid == 0)
		return;
	n = vrrp_pkt_encode(adv, auth, &meta->src, &meta->dst, buf, sizeof(buf));
	if (n < 0 || (size_t)n != len)
		abort();
	if (adv->version == 3)
		ignored_bits = (payload[4] & 0xf0) != 0;
	else
		ignored_bits = auth->type != VRRP_AUTH_PASS &&
		    memcmp(payload + len - VRRP_AUTH_DATA_LEN, zero,
		    sizeof(zero)) != 0;
	if (!ignored_bits && memcmp(buf, payload, len) != 0)
		abort();
}

static void
decode_every_way(const uint8_t *payload, size_t len,
    const struct vrrp_pkt_meta *meta)
{
	static struct vrrp_advert adv;

	if (vrrp_pkt_decode(payload, len, meta, 3, NULL, &adv) ==
	    VRRP_DROP_NONE)
		check_reencode(&adv, NULL, meta, payload, len);
	for (size_t i = 0; i < sizeof(v2_auths) / sizeof(v2_auths[0]); i++)
		if (vrrp_auth_ah_verify(&v2_auths[i], meta) == VRRP_DROP_NONE &&
		    vrrp_pkt_decode(payload, len, meta, 2, &v2_auths[i],
		    &adv) == VRRP_DROP_NONE)
			check_reencode(&adv, &v2_auths[i], meta, payload, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_pkt_meta meta, fixed;
	const uint8_t *payload;
	size_t plen;
	uint8_t *copy;
	enum vrrp_drop reason;

	/*
	 * An exact-size heap copy: libFuzzer's own buffer already is one, but
	 * this keeps ASan's redzone right after the last byte whatever runs it.
	 */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);

	memset(&meta, 0, sizeof(meta));
	reason = vrrp_pkt_parse_ip(copy, size, &meta, &payload, &plen);
	if (vrrp_drop_name(reason) == NULL)
		abort();
	if (reason == VRRP_DROP_NONE) {
		if (payload < copy || plen > size ||
		    (size_t)(payload - copy) > size - plen)
			abort();
		decode_every_way(payload, plen, &meta);
	}

	/* The raw input as a VRRP message, as from 192.0.2.1 to the group. */
	memset(&fixed, 0, sizeof(fixed));
	fixed.src.family = AF_INET;
	fixed.src.bytes[0] = 192;
	fixed.src.bytes[2] = 2;
	fixed.src.bytes[3] = 1;
	fixed.dst.family = AF_INET;
	fixed.dst.bytes[0] = 224;
	fixed.dst.bytes[3] = 18;
	fixed.ttl = VRRP_REQUIRED_TTL;
	decode_every_way(copy, size, &fixed);

	/* And from fe80::1 to ff02::12 (RFC 5798 5.1.2.2). */
	memset(&fixed, 0, sizeof(fixed));
	fixed.src.family = AF_INET6;
	fixed.src.bytes[0] = 0xfe;
	fixed.src.bytes[1] = 0x80;
	fixed.src.bytes[15] = 1;
	fixed.dst.family = AF_INET6;
	fixed.dst.bytes[0] = 0xff;
	fixed.dst.bytes[1] = 0x02;
	fixed.dst.bytes[15] = 0x12;
	fixed.ttl = VRRP_REQUIRED_TTL;
	decode_every_way(copy, size, &fixed);

	free(copy);
	return 0;
}
