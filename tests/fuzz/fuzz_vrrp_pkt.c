/*
 * libFuzzer target for the advert decoder: whatever a peer on the LAN can
 * put in a protocol-112 datagram goes through the same calls as in vipd
 * (parse_ipv4, then decode), and straight into decode with fixed IPv4 and
 * IPv6 metas so that the fuzzer need not get the IP header right to reach
 * the VRRP checks. A packet that decodes must encode back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Decoding then encoding is the identity on accepted packets, except when
 * the reserved bits (RFC 5798 5.2.6: ignored on reception, zero when sent)
 * were set: then the checksum differs as well. VRID 0 decodes (no instance
 * has it, so the caller drops it as VRRP_DROP_VRID) but is not sendable.
 */
static void
check_reencode(const struct vrrp_advert *adv, const struct vrrp_pkt_meta *meta,
    const uint8_t *payload, size_t len)
{
	static uint8_t buf[VRRP_PKT_MAX_LEN];
	int n;

	if (adv->vrid == 0)
		return;
	n = vrrp_pkt_encode(adv, &meta->src, &meta->dst, buf, sizeof(buf));
	if (n < 0 || (size_t)n != len)
		abort();
	if ((payload[4] & 0xf0) == 0 && memcmp(buf, payload, len) != 0)
		abort();
}

static void
decode_both_versions(const uint8_t *payload, size_t len,
    const struct vrrp_pkt_meta *meta)
{
	static struct vrrp_advert adv;

	if (vrrp_pkt_decode(payload, len, meta, 3, &adv) == VRRP_DROP_NONE)
		check_reencode(&adv, meta, payload, len);
	(void)vrrp_pkt_decode(payload, len, meta, 2, &adv);
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
	reason = vrrp_pkt_parse_ipv4(copy, size, &meta, &payload, &plen);
	if (vrrp_drop_name(reason) == NULL)
		abort();
	if (reason == VRRP_DROP_NONE) {
		if (payload < copy || plen > size ||
		    (size_t)(payload - copy) > size - plen)
			abort();
		decode_both_versions(payload, plen, &meta);
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
	decode_both_versions(copy, size, &fixed);

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
	decode_both_versions(copy, size, &fixed);

	free(copy);
	return 0;
}
