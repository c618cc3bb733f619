/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VRRPv2 (RFC 3768) and its authentication as keepalived does it: adverts
 * captured from keepalived with none, PASS and AH (multicast and unicast)
 * decode to their config and are re-encoded byte for byte; the v2 checksum;
 * every authentication mismatch is a drop with its reason; the AH header
 * framing; the HMAC-MD5-96 ICV (TTL left out for unicast), signed after
 * the codec frames it and verified before the advert is decoded; and the
 * sequence-number bookkeeping that stops replays.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_pkt_ip.h"

#define V4(a, b, c, d) \
	((struct addr){ .family = AF_INET, .bytes = { a, b, c, d } })

/*
 * Adverts sent by a real keepalived, from the IP header on. Captured with
 * tests/unit/capture_keepalived_vector.sh (Keepalived v2.2.7 (01/16,2022),
 * Debian package): keepalived alone in a fresh network namespace, on an
 * interface holding 192.0.2.1/24, global_defs { vrrp_version 2 }, one
 * vrrp_instance (state BACKUP) that becomes MASTER after 3 * advert_int +
 * skew; tcpdump -w keeps its first two adverts, tcpdump -x prints them.
 */

/* v2_none: virtual_router_id 61, priority 150, advert_int 1, 192.0.2.10/24 */
static const uint8_t keepalived_v2_none[] = {
	0x45, 0xc0, 0x00, 0x28,		/* v4, IHL 5, TOS 0xc0, total 40 */
	0x00, 0x01, 0x00, 0x00,		/* id 1, no DF */
	0xff, 0x70, 0x18, 0x91,		/* TTL 255, proto 112, hdr csum */
	0xc0, 0x00, 0x02, 0x01,		/* 192.0.2.1 */
	0xe0, 0x00, 0x00, 0x12,		/* 224.0.0.18 */
	0x21, 0x3d, 0x96, 0x01,		/* v2 advert, vrid 61, prio 150, 1 addr */
	0x00, 0x01, 0x86, 0xb5,		/* auth none, 1 s, checksum */
	0xc0, 0x00, 0x02, 0x0a,		/* 192.0.2.10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* auth data */
};

/*
 * v2_pass: virtual_router_id 62, priority 120, advert_int 2,
 * 192.0.2.10-11/24, authentication { auth_type PASS; auth_pass s3cret }
 */
static const uint8_t keepalived_v2_pass[] = {
	0x45, 0xc0, 0x00, 0x2c,
	0x00, 0x01, 0x00, 0x00,
	0xff, 0x70, 0x18, 0x8d,
	0xc0, 0x00, 0x02, 0x01,
	0xe0, 0x00, 0x00, 0x12,
	0x21, 0x3e, 0x78, 0x02,		/* vrid 62, prio 120, 2 addrs */
	0x01, 0x02, 0xa5, 0x8c,		/* auth PASS, 2 s, checksum */
	0xc0, 0x00, 0x02, 0x0a,
	0xc0, 0x00, 0x02, 0x0b,
	0x73, 0x33, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00, /* "s3cret", NUL-padded */
};

/*
 * v2_ah: virtual_router_id 63, priority 200, advert_int 1, 192.0.2.10/24,
 * authentication { auth_type AH; auth_pass ah-key1 }: IP protocol 51, and
 * the RFC 2402 header between the IP header and the advert. The first two
 * adverts: IP id and sequence number 1, then 2.
 */
static const uint8_t keepalived_v2_ah_1[] = {
	0x45, 0xc0, 0x00, 0x40,		/* total 64 = 20 + 24 + 20 */
	0x00, 0x01, 0x00, 0x00,
	0xff, 0x33, 0x18, 0xb6,		/* TTL 255, proto 51 (AH) */
	0xc0, 0x00, 0x02, 0x01,
	0xe0, 0x00, 0x00, 0x12,
	0x70, 0x04, 0x00, 0x00,		/* next header 112, 4 words + 2, reserved */
	0xc0, 0x00, 0x02, 0x01,		/* SPI: the source address */
	0x00, 0x00, 0x00, 0x01,		/* sequence number 1 */
	0x62, 0x6f, 0x1e, 0xdc,		/* ICV: HMAC-MD5-96 */
	0x23, 0x10, 0x4d, 0x0a,
	0xc6, 0x5f, 0xdb, 0xe1,
	0x21, 0x3f, 0xc8, 0x01,		/* vrid 63, prio 200, 1 addr */
	0x02, 0x01, 0x52, 0xb3,		/* auth AH, 1 s, checksum */
	0xc0, 0x00, 0x02, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* auth data: zero */
};

static const uint8_t keepalived_v2_ah_2[] = {
	0x45, 0xc0, 0x00, 0x40,
	0x00, 0x02, 0x00, 0x00,		/* id 2 */
	0xff, 0x33, 0x18, 0xb5,
	0xc0, 0x00, 0x02, 0x01,
	0xe0, 0x00, 0x00, 0x12,
	0x70, 0x04, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01,
	0x00, 0x00, 0x00, 0x02,		/* sequence number 2 */
	0xda, 0x15, 0x11, 0x12,
	0x1a, 0xd8, 0x30, 0xa0,
	0x05, 0x0d, 0xba, 0x41,
	0x21, 0x3f, 0xc8, 0x01,
	0x02, 0x01, 0x52, 0xb3,
	0xc0, 0x00, 0x02, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * v2_ah_unicast: virtual_router_id 64, priority 200, advert_int 1,
 * 192.0.2.10/24, AH with ah-key1, unicast_peer { 192.0.2.2 }: the same
 * framing to a unicast address, whose ICV keepalived computes with TTL
 * zeroed (a routed path may lower it). Sequence numbers 1 and 2.
 */
static const uint8_t keepalived_v2_ah_unicast_1[] = {
	0x45, 0xc0, 0x00, 0x40,
	0x00, 0x01, 0x00, 0x00,
	0xff, 0x33, 0x36, 0xc6,		/* TTL 255, proto 51 (AH) */
	0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02,		/* 192.0.2.2: the peer */
	0x70, 0x04, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01,
	0x00, 0x00, 0x00, 0x01,
	0xba, 0x8d, 0x55, 0xc8,		/* ICV, TTL left out */
	0x8a, 0x28, 0x76, 0x1c,
	0x98, 0x44, 0x9c, 0x2b,
	0x21, 0x40, 0xc8, 0x01,		/* vrid 64, prio 200, 1 addr */
	0x02, 0x01, 0x52, 0xb2,
	0xc0, 0x00, 0x02, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t keepalived_v2_ah_unicast_2[] = {
	0x45, 0xc0, 0x00, 0x40,
	0x00, 0x02, 0x00, 0x00,
	0xff, 0x33, 0x36, 0xc5,
	0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02,
	0x70, 0x04, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01,
	0x00, 0x00, 0x00, 0x02,
	0xc4, 0x75, 0x78, 0xfa,
	0xcb, 0xcb, 0xa6, 0x03,
	0x20, 0x2d, 0x27, 0x7b,
	0x21, 0x40, 0xc8, 0x01,
	0x02, 0x01, 0x52, 0xb2,
	0xc0, 0x00, 0x02, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define IP_HDR 20
#define AH_HDR 24

static const struct vrrp_auth auth_none = { .type = VRRP_AUTH_NONE };
static const struct vrrp_auth auth_pass = { .type = VRRP_AUTH_PASS,
	.key = "s3cret" };
static const struct vrrp_auth auth_ah = { .type = VRRP_AUTH_AH,
	.key = "ah-key1" };

struct v2_case {
	const char *name;
	const uint8_t *pkt;
	size_t len;
	const struct vrrp_auth *auth;
	uint8_t protocol;
	uint8_t vrid, priority, naddrs;
	uint16_t interval_cs;
	uint32_t ah_seq;
	struct addr dst;          /* unicast peer; unset: 224.0.0.18 */
};

static const struct v2_case keepalived_v2_cases[] = {
	{ "none", keepalived_v2_none, sizeof(keepalived_v2_none), &auth_none,
	    112, 61, 150, 1, 100, 0, { 0 } },
	{ "pass", keepalived_v2_pass, sizeof(keepalived_v2_pass), &auth_pass,
	    112, 62, 120, 2, 200, 0, { 0 } },
	{ "ah seq 1", keepalived_v2_ah_1, sizeof(keepalived_v2_ah_1), &auth_ah,
	    51, 63, 200, 1, 100, 1, { 0 } },
	{ "ah seq 2", keepalived_v2_ah_2, sizeof(keepalived_v2_ah_2), &auth_ah,
	    51, 63, 200, 1, 100, 2, { 0 } },
	{ "ah unicast seq 1", keepalived_v2_ah_unicast_1,
	    sizeof(keepalived_v2_ah_unicast_1), &auth_ah, 51, 64, 200, 1, 100, 1,
	    V4(192, 0, 2, 2) },
	{ "ah unicast seq 2", keepalived_v2_ah_unicast_2,
	    sizeof(keepalived_v2_ah_unicast_2), &auth_ah, 51, 64, 200, 1, 100, 2,
	    V4(192, 0, 2, 2) },
};

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_drop(enum vrrp_drop got, enum vrrp_drop want, const char *what)
{
	if (got != want)
		fail_msg("%s: got %s, want %s", what, vrrp_drop_name(got),
		    vrrp_drop_name(want));
}

/*
 * What vipd does with a datagram: parse_ipv4, verify AH, then decode, from
 * a heap copy of exactly len bytes so that ASan sees any read past the
 * datagram (AH reads the IP header too).
 */
static enum vrrp_drop
receive(const uint8_t *pkt, size_t len, uint8_t version,
    const struct vrrp_auth *auth, struct vrrp_pkt_meta *meta,
    struct vrrp_advert *adv)
{
	uint8_t *copy = test_malloc(len > 0 ? len : 1);
	const uint8_t *payload;
	size_t plen;
	enum vrrp_drop r;

	memcpy(copy, pkt, len);
	r = vrrp_pkt_parse_ipv4(copy, len, meta, &payload, &plen);
	if (r == VRRP_DROP_NONE)
		r = vrrp_auth_ah_verify(auth, meta);
	if (r == VRRP_DROP_NONE)
		r = vrrp_pkt_decode(payload, plen, meta, version, auth, adv);
	meta->ip_pkt = NULL;	/* it pointed into copy */
	test_free(copy);
	return r;
}

/* The VRRP checksum of the message that starts at msg, fixed in place. */
static void
fix_v2_csum(uint8_t *msg, size_t len)
{
	uint32_t sum = 0;

	msg[6] = msg[7] = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)msg[i] << 8 | msg[i + 1];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	msg[6] = (uint8_t)(~sum >> 8);
	msg[7] = (uint8_t)~sum;
}

/* Where the advert starts in a captured datagram: after AH, if any. */
static size_t
pkt_vrrp_off(const uint8_t *pkt)
{
	return IP_HDR + (pkt[9] == VRRP_IPPROTO_AH ? AH_HDR : 0);
}

/* The advert each case was configured to send, as vipd would build it. */
static struct vrrp_advert
advert_of(const struct v2_case *c)
{
	struct vrrp_advert adv;

	memset(&adv, 0, sizeof(adv));
	adv.version = 2;
	adv.vrid = c->vrid;
	adv.priority = c->priority;
	adv.max_adver_int_cs = c->interval_cs;
	adv.ah_seq = c->ah_seq;
	adv.naddrs = c->naddrs;
	for (uint8_t i = 0; i < c->naddrs; i++)
		adv.addrs[i] = V4(192, 0, 2, (uint8_t)(10 + i));
	return adv;
}

/* ---- keepalived's adverts ------------------------------------------------ */

static void
test_keepalived_v2_adverts_decode_to_their_config(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES(keepalived_v2_cases); i++) {
		const struct v2_case *c = &keepalived_v2_cases[i];
		struct vrrp_pkt_meta meta;
		struct vrrp_advert adv;

		assert_drop(receive(c->pkt, c->len, 2, c->auth, &meta, &adv),
		    VRRP_DROP_NONE, c->name);
		assert_int_equal(meta.protocol, c->protocol);
		assert_int_equal(meta.ip_len, c->len);
		assert_int_equal(addr_cmp(&meta.src, &V4(192, 0, 2, 1)), 0);
		assert_int_equal(adv.version, 2);
		assert_int_equal(adv.vrid, c->vrid);
		assert_int_equal(adv.priority, c->priority);
		/* Whole seconds on the wire, centiseconds in the model. */
		assert_int_equal(adv.max_adver_int_cs, c->interval_cs);
		assert_int_equal(adv.auth_type, c->auth->type);
		assert_int_equal(adv.ah_seq, c->ah_seq);
		assert_int_equal(adv.naddrs, c->naddrs);
		for (uint8_t j = 0; j < c->naddrs; j++)
			assert_int_equal(addr_cmp(&adv.addrs[j],
			    &V4(192, 0, 2, (uint8_t)(10 + j))), 0);
	}
}

/*
 * vipd puts keepalived's exact bytes on the wire: IP header (TOS 0xc0, no
 * DF, TTL 255, its checksum), AH header (SPI, sequence number, ICV), advert
 * and auth data. The IP id and the sequence number are the only inputs
 * that are not config: the test passes keepalived's.
 */
static void
test_encoder_reproduces_keepalived_v2_adverts_byte_for_byte(void **state)
{
	const struct addr src = V4(192, 0, 2, 1), group = V4(224, 0, 0, 18);

	(void)state;
	for (size_t i = 0; i < NCASES(keepalived_v2_cases); i++) {
		const struct v2_case *c = &keepalived_v2_cases[i];
		const struct addr dst = c->dst.family != 0 ? c->dst : group;
		struct vrrp_advert adv = advert_of(c);
		size_t vrrp_off = IP_HDR + (c->protocol == 51 ? AH_HDR : 0);
		uint16_t ip_id = (uint16_t)(c->pkt[4] << 8 | c->pkt[5]);
		uint8_t buf[VRRP_PKT_MAX_LEN];
		int n;

		memset(buf, 0xaa, sizeof(buf));
		n = vrrp_pkt_encode(&adv, c->auth, &src, &dst, buf, sizeof(buf));
		if (n != (int)(c->len - vrrp_off))
			fail_msg("%s: encode returned %d", c->name, n);
		assert_memory_equal(buf, c->pkt + vrrp_off, c->len - vrrp_off);

		memset(buf, 0xaa, sizeof(buf));
		n = vrrp_pkt_build_ipv4(&adv, c->auth, &src, &dst, ip_id, buf,
		    sizeof(buf));
		if (n != (int)c->len)
			fail_msg("%s: build returned %d", c->name, n);
		if (c->protocol == VRRP_IPPROTO_AH)
			assert_int_equal(vrrp_auth_ah_sign(c->auth, buf,
			    (size_t)n), 0);
		assert_memory_equal(buf, c->pkt, c->len);
	}
}

/* RFC 3768 5.3.8: the message alone, no pseudo-header, auth data included. */
static void
test_v2_checksum_covers_the_message_and_nothing_else(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES(keepalived_v2_cases); i++) {
		const struct v2_case *c = &keepalived_v2_cases[i];
		size_t off = IP_HDR + (c->protocol == 51 ? AH_HDR : 0);
		const uint8_t *msg = c->pkt + off;
		size_t mlen = c->len - off;
		uint8_t pseudo[12] = { 192, 0, 2, 1, 224, 0, 0, 18, 0, 112, 0,
		    (uint8_t)mlen };
		uint32_t sum;

		assert_int_equal(vrrp_pkt_csum_fold(vrrp_pkt_csum_add(0, msg,
		    mlen)), 0);
		sum = vrrp_pkt_csum_add(0, pseudo, sizeof(pseudo));
		assert_int_not_equal(vrrp_pkt_csum_fold(vrrp_pkt_csum_add(sum,
		    msg, mlen)), 0);
	}
}

/* ---- what a v2 receiver refuses ------------------------------------------ */

struct reject_case {
	const char *name;
	const uint8_t *pkt;
	size_t len;
	int off, xor_mask;	/* one byte changed (off < 0: none) */
	bool fix_csum;		/* give the VRRP message a valid checksum again */
	uint8_t version;	/* the instance's */
	const struct vrrp_auth *auth;
	enum vrrp_drop want;
};

static const struct vrrp_auth auth_pass_wrong = { .type = VRRP_AUTH_PASS,
	.key = "s3cres" };
static const struct vrrp_auth auth_pass_prefix = { .type = VRRP_AUTH_PASS,
	.key = "s3cre" };
static const struct vrrp_auth auth_pass_as_ah = { .type = VRRP_AUTH_AH,
	.key = "s3cret" };
static const struct vrrp_auth auth_ah_as_pass = { .type = VRRP_AUTH_PASS,
	.key = "ah-key1" };
static const struct vrrp_auth auth_ah_wrong = { .type = VRRP_AUTH_AH,
	.key = "ah-key2" };

#define NONE_PKT keepalived_v2_none, sizeof(keepalived_v2_none)
#define PASS_PKT keepalived_v2_pass, sizeof(keepalived_v2_pass)
#define AH_PKT keepalived_v2_ah_1, sizeof(keepalived_v2_ah_1)
#define AH_VRRP (IP_HDR + AH_HDR)	/* where the advert starts under AH */

static const struct reject_case reject_cases[] = {
	/* Each capture against the auth it was sent with: the control. */
	{ "none, none", NONE_PKT, -1, 0, false, 2, &auth_none, VRRP_DROP_NONE },
	{ "none, NULL auth", NONE_PKT, -1, 0, false, 2, NULL, VRRP_DROP_NONE },
	{ "pass, pass", PASS_PKT, -1, 0, false, 2, &auth_pass, VRRP_DROP_NONE },
	{ "ah, ah", AH_PKT, -1, 0, false, 2, &auth_ah, VRRP_DROP_NONE },

	/* Auth type mismatch, every way round (keepalived: KO, not acted on). */
	{ "none packet, pass instance", NONE_PKT, -1, 0, false, 2, &auth_pass,
	    VRRP_DROP_AUTH_TYPE },
	{ "none packet, ah instance", NONE_PKT, -1, 0, false, 2, &auth_ah,
	    VRRP_DROP_AUTH_TYPE },
	{ "pass packet, none instance", PASS_PKT, -1, 0, false, 2, &auth_none,
	    VRRP_DROP_AUTH_TYPE },
	{ "pass packet, ah instance, same secret", PASS_PKT, -1, 0, false, 2,
	    &auth_pass_as_ah, VRRP_DROP_AUTH_TYPE },
	{ "ah packet, none instance", AH_PKT, -1, 0, false, 2, &auth_none,
	    VRRP_DROP_AUTH_TYPE },
	{ "ah packet, pass instance, same secret", AH_PKT, -1, 0, false, 2,
	    &auth_ah_as_pass, VRRP_DROP_AUTH_TYPE },
	/* The VRRP header says AH, but no AH header came: nothing proves it. */
	{ "auth type 2 without AH", NONE_PKT, IP_HDR + 4, 0x02, true, 2,
	    &auth_ah, VRRP_DROP_AUTH_TYPE },
	/* AH came, but the advert inside says PASS: the ICV no longer holds. */
	{ "AH around auth type 1", AH_PKT, AH_VRRP + 4, 0x03, true, 2, &auth_ah,
	    VRRP_DROP_AUTH },

	/* Wrong password: all 8 bytes count, NUL padding included. */
	{ "wrong password", PASS_PKT, -1, 0, false, 2, &auth_pass_wrong,
	    VRRP_DROP_AUTH },
	{ "password prefix", PASS_PKT, -1, 0, false, 2, &auth_pass_prefix,
	    VRRP_DROP_AUTH },
	{ "password changed in flight", PASS_PKT, 40, 0x01, true, 2, &auth_pass,
	    VRRP_DROP_AUTH },
	{ "padding changed in flight", PASS_PKT, 43, 0x20, true, 2, &auth_pass,
	    VRRP_DROP_AUTH },
	/* Auth none ignores the auth data (RFC 2338 5.3.10). */
	{ "auth data ignored with none", NONE_PKT, 39, 0x55, true, 2,
	    &auth_none, VRRP_DROP_NONE },

	/* AH: wrong key, and every covered byte changed in flight. */
	{ "ah wrong key", AH_PKT, -1, 0, false, 2, &auth_ah_wrong,
	    VRRP_DROP_AUTH },
	{ "ICV first byte", AH_PKT, 32, 0x01, false, 2, &auth_ah,
	    VRRP_DROP_AUTH },
	{ "ICV last byte", AH_PKT, 43, 0x80, false, 2, &auth_ah,
	    VRRP_DROP_AUTH },
	{ "sequence number", AH_PKT, 31, 0x02, false, 2, &auth_ah,
	    VRRP_DROP_AUTH },
	{ "SPI", AH_PKT, 27, 0x01, false, 2, &auth_ah, VRRP_DROP_AUTH },
	{ "AH reserved field", AH_PKT, 22, 0x01, false, 2, &auth_ah,
	    VRRP_DROP_AUTH },
	{ "IP id", AH_PKT, 5, 0x04, false, 2, &auth_ah, VRRP_DROP_AUTH },
	{ "IP source", AH_PKT, 15, 0x02, false, 2, &auth_ah, VRRP_DROP_AUTH },
	{ "priority, checksum fixed", AH_PKT, AH_VRRP + 2, 0x01, true, 2,
	    &auth_ah, VRRP_DROP_AUTH },
	{ "VIP, checksum fixed", AH_PKT, AH_VRRP + 11, 0x01, true, 2, &auth_ah,
	    VRRP_DROP_AUTH },
	{ "auth data, checksum fixed", AH_PKT, AH_VRRP + 19, 0x01, true, 2,
	    &auth_ah, VRRP_DROP_AUTH },
	/*
	 * RFC 2402 3.4.4: AH is verified before the advert is looked at, so
	 * a changed advert is an AH failure whatever its checksum says.
	 */
	{ "priority, checksum not fixed", AH_PKT, AH_VRRP + 2, 0x01, false, 2,
	    &auth_ah, VRRP_DROP_AUTH },
	/* RFC 2402 3.3.3.1.1.1: mutable fields are zero in the ICV. */
	{ "TOS is mutable", AH_PKT, 1, 0xc0, false, 2, &auth_ah,
	    VRRP_DROP_NONE },
	{ "DF is mutable", AH_PKT, 6, 0x40, false, 2, &auth_ah,
	    VRRP_DROP_NONE },
	{ "header checksum is mutable", AH_PKT, 11, 0xff, false, 2, &auth_ah,
	    VRRP_DROP_NONE },

	/* Version and TTL come first, whatever the authentication. */
	{ "ah packet, v3 instance", AH_PKT, -1, 0, false, 3, NULL,
	    VRRP_DROP_VERSION },
	{ "pass packet, TTL 254", PASS_PKT, 8, 0x01, false, 2, &auth_pass,
	    VRRP_DROP_TTL },
	/* Interval 0 in an authentic advert. */
	{ "interval 0", PASS_PKT, IP_HDR + 5, 0x02, true, 2, &auth_pass,
	    VRRP_DROP_INTERVAL },
	{ "count 2, one address", NONE_PKT, IP_HDR + 3, 0x03, true, 2,
	    &auth_none, VRRP_DROP_LENGTH },
};

static void
test_v2_authentication_mismatches_are_drops(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES(reject_cases); i++) {
		const struct reject_case *c = &reject_cases[i];
		uint8_t pkt[VRRP_PKT_MAX_LEN];
		size_t vrrp_off = pkt_vrrp_off(c->pkt);
		struct vrrp_pkt_meta meta;
		struct vrrp_advert adv;

		memcpy(pkt, c->pkt, c->len);
		if (c->off >= 0)
			pkt[c->off] ^= (uint8_t)c->xor_mask;
		if (c->fix_csum)
			fix_v2_csum(pkt + vrrp_off, c->len - vrrp_off);
		assert_drop(receive(pkt, c->len, c->version, c->auth, &meta,
		    &adv), c->want, c->name);
	}
}

/* A v2 advert over IPv6 is no version we speak; keepalived's lacks auth data. */
static void
test_v2_is_ipv4_only(void **state)
{
	const uint8_t *msg = keepalived_v2_none + IP_HDR;
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;

	(void)state;
	memset(&meta, 0, sizeof(meta));
	meta.ttl = 255;
	assert_int_equal(addr_parse("fe80::1", &meta.src), 0);
	assert_int_equal(addr_parse("ff02::12", &meta.dst), 0);
	assert_drop(vrrp_pkt_decode(msg, sizeof(keepalived_v2_none) - IP_HDR,
	    &meta, 2, NULL, &adv), VRRP_DROP_VERSION, "v2 over IPv6");
}

/* ---- the AH header around the advert (RFC 2402 2) ------------------------ */

struct ah_parse_case {
	const char *name;
	int off, val;		/* one byte set (off < 0: none) */
	int len;		/* < 0: the whole capture */
	enum vrrp_drop want;
};

static const struct ah_parse_case ah_parse_cases[] = {
	{ "valid", -1, 0, -1, VRRP_DROP_NONE },
	/* AH protecting another protocol is not ours to judge. */
	{ "next header UDP", 20, 17, -1, VRRP_DROP_PROTOCOL },
	/* Only keepalived's 96-bit ICV: payload length 4. */
	{ "payload length 3", 21, 3, -1, VRRP_DROP_IP_HEADER },
	{ "payload length 5", 21, 5, -1, VRRP_DROP_IP_HEADER },
	/* An AH header cut short by the IP total length. */
	{ "total length inside AH", 3, 43, -1, VRRP_DROP_IP_HEADER },
	{ "total length: IP header only", 3, 20, -1, VRRP_DROP_IP_HEADER },
	/* Exactly the AH header: an empty advert, which decode refuses. */
	{ "total length: AH, no advert", 3, 44, -1, VRRP_DROP_NONE },
	{ "buffer cut inside AH", -1, 0, 40, VRRP_DROP_IP_HEADER },
};

static void
test_parse_ipv4_checks_the_ah_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES(ah_parse_cases); i++) {
		const struct ah_parse_case *c = &ah_parse_cases[i];
		size_t len = c->len < 0 ? sizeof(keepalived_v2_ah_1) :
		    (size_t)c->len;
		uint8_t *pkt = test_malloc(len);
		struct vrrp_pkt_meta meta;
		const uint8_t *payload;
		size_t plen;
		enum vrrp_drop r;

		memcpy(pkt, keepalived_v2_ah_1, len);
		if (c->off >= 0)
			pkt[c->off] = (uint8_t)c->val;
		r = vrrp_pkt_parse_ipv4(pkt, len, &meta, &payload, &plen);
		assert_drop(r, c->want, c->name);
		if (r == VRRP_DROP_NONE) {
			assert_int_equal(meta.protocol, VRRP_IPPROTO_AH);
			assert_ptr_equal(meta.ip_pkt, pkt);
			assert_int_equal(meta.ip_len, pkt[2] << 8 | pkt[3]);
			assert_ptr_equal(payload, pkt + IP_HDR + AH_HDR);
			assert_int_equal(plen, meta.ip_len - IP_HDR - AH_HDR);
		} else {
			assert_null(payload);
			assert_int_equal(plen, 0);
		}
		test_free(pkt);
	}
}

/* An AH-wrapped v3 advert: v3 has no authentication to match it with. */
static void
test_v3_instance_refuses_ah(void **state)
{
	const struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv, got;
	uint8_t buf[128];
	int n;

	(void)state;
	memset(&adv, 0, sizeof(adv));
	adv.version = 3;
	adv.vrid = 9;
	adv.priority = 100;
	adv.max_adver_int_cs = 100;
	adv.naddrs = 1;
	adv.addrs[0] = V4(192, 0, 2, 10);
	n = vrrp_pkt_build_ipv4(&adv, NULL, &src, &dst, 1, buf, sizeof(buf));
	assert_int_equal(n, 32);
	/* Slide an AH header in front of the v3 advert. */
	memmove(buf + IP_HDR + AH_HDR, buf + IP_HDR, 12);
	memcpy(buf + IP_HDR, keepalived_v2_ah_1 + IP_HDR, AH_HDR);
	buf[3] = 56;
	buf[9] = VRRP_IPPROTO_AH;
	assert_drop(receive(buf, 56, 3, NULL, &meta, &got),
	    VRRP_DROP_AUTH_TYPE, "v3 in AH");
	/* And a v3 instance never takes an authentication config. */
	n = vrrp_pkt_build_ipv4(&adv, NULL, &src, &dst, 1, buf, sizeof(buf));
	assert_drop(receive(buf, (size_t)n, 3, &auth_pass, &meta, &got),
	    VRRP_DROP_AUTH_TYPE, "v3 with PASS configured");
	assert_drop(receive(buf, (size_t)n, 3, &auth_none, &meta, &got),
	    VRRP_DROP_NONE, "v3 with auth none");
}

/* ---- the ICV -------------------------------------------------------------- */

static void
test_icv_is_keepalived_hmac_md5_96(void **state)
{
	uint8_t icv[VRRP_AH_ICV_LEN], pkt[sizeof(keepalived_v2_ah_2)];

	(void)state;
	/* RFC 2104's own test vector, through OpenSSL. */
	assert_int_equal(vrrp_auth_init(), 0);
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, keepalived_v2_ah_1,
	    sizeof(keepalived_v2_ah_1), icv), 0);
	assert_memory_equal(icv, keepalived_v2_ah_1 + 32, VRRP_AH_ICV_LEN);
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, keepalived_v2_ah_2,
	    sizeof(keepalived_v2_ah_2), icv), 0);
	assert_memory_equal(icv, keepalived_v2_ah_2 + 32, VRRP_AH_ICV_LEN);

	/* The ICV in the packet does not take part, nor do mutable fields. */
	memcpy(pkt, keepalived_v2_ah_2, sizeof(pkt));
	memset(pkt + 32, 0x5a, VRRP_AH_ICV_LEN);
	pkt[1] = 0;
	pkt[6] = 0x40;
	pkt[10] = pkt[11] = 0;
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv), 0);
	assert_memory_equal(icv, keepalived_v2_ah_2 + 32, VRRP_AH_ICV_LEN);
	/* Nor is the packet changed. */
	assert_int_equal(pkt[32], 0x5a);

	/* The key: all 8 bytes; a short one is NUL-padded, as keepalived's. */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah_wrong, keepalived_v2_ah_1,
	    sizeof(keepalived_v2_ah_1), icv), 0);
	assert_memory_not_equal(icv, keepalived_v2_ah_1 + 32, VRRP_AH_ICV_LEN);

	/* Not an AH datagram: refused, not read past. */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, keepalived_v2_ah_1, 43, icv),
	    -EINVAL);
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, keepalived_v2_ah_1, 19, icv),
	    -EINVAL);
	memcpy(pkt, keepalived_v2_ah_1, sizeof(pkt));
	pkt[0] = 0x4f;		/* IHL 15: 60 + 24 > 64 */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv),
	    -EINVAL);
	pkt[0] = 0x44;		/* IHL 4 */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv),
	    -EINVAL);
}

/*
 * keepalived zeroes TTL in the ICV for unicast peers only: to a multicast
 * group the TTL is covered, to a unicast address (keepalived's
 * unicast_peer, vipd's unicast_peers) it is not.
 */
static void
test_ah_icv_covers_ttl_only_for_multicast(void **state)
{
	uint8_t pkt[sizeof(keepalived_v2_ah_1)];
	uint8_t icv255[VRRP_AH_ICV_LEN], icv64[VRRP_AH_ICV_LEN];

	(void)state;
	assert_int_equal(vrrp_auth_init(), 0);
	memcpy(pkt, keepalived_v2_ah_1, sizeof(pkt));
	assert_int_equal(pkt[16], 224);
	pkt[8] = 64;
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv64), 0);
	assert_memory_not_equal(icv64, keepalived_v2_ah_1 + 32, VRRP_AH_ICV_LEN);

	/* The same advert to a unicast peer, 192.0.2.2. */
	pkt[16] = 192;
	pkt[17] = 0;
	pkt[18] = 2;
	pkt[19] = 2;
	pkt[8] = 255;
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv255), 0);
	pkt[8] = 64;
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), icv64), 0);
	assert_memory_equal(icv255, icv64, VRRP_AH_ICV_LEN);
	assert_memory_not_equal(icv255, keepalived_v2_ah_1 + 32, VRRP_AH_ICV_LEN);
}

/*
 * keepalived's own unicast AH adverts: their ICVs, recomputed, match byte
 * for byte (keepalived left TTL out of them), and stay the same with
 * another TTL. (To a multicast group TTL counts: the test above.)
 */
static void
test_keepalived_unicast_ah_icv_leaves_ttl_out(void **state)
{
	const uint8_t *pkts[] = { keepalived_v2_ah_unicast_1,
		keepalived_v2_ah_unicast_2 };
	uint8_t pkt[sizeof(keepalived_v2_ah_unicast_1)];
	uint8_t icv[VRRP_AH_ICV_LEN];
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;

	(void)state;
	assert_int_equal(vrrp_auth_init(), 0);
	for (size_t i = 0; i < NCASES(pkts); i++) {
		assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkts[i], sizeof(pkt),
		    icv), 0);
		assert_memory_equal(icv, pkts[i] + 32, VRRP_AH_ICV_LEN);
		assert_drop(receive(pkts[i], sizeof(pkt), 2, &auth_ah, &meta,
		    &adv), VRRP_DROP_NONE, "keepalived's unicast AH advert");
		assert_int_equal(addr_cmp(&meta.dst, &V4(192, 0, 2, 2)), 0);
		assert_int_equal(adv.ah_seq, i + 1);

		/* One router on the way: TTL 254, the same ICV. */
		memcpy(pkt, pkts[i], sizeof(pkt));
		pkt[8] = 254;
		assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt),
		    icv), 0);
		assert_memory_equal(icv, pkts[i] + 32, VRRP_AH_ICV_LEN);
	}
}

/* SPI = source address is keepalived's rule, checked apart from the ICV. */
static void
test_ah_spi_must_be_the_source_address(void **state)
{
	uint8_t pkt[sizeof(keepalived_v2_ah_1)];
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;

	(void)state;
	memcpy(pkt, keepalived_v2_ah_1, sizeof(pkt));
	pkt[27] = 0x02;		/* SPI 192.0.2.2, re-signed */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), pkt + 32),
	    0);
	assert_drop(receive(pkt, sizeof(pkt), 2, &auth_ah, &meta, &adv),
	    VRRP_DROP_AUTH, "SPI is not the source");
	pkt[15] = 0x02;		/* source 192.0.2.2 too, re-signed */
	assert_int_equal(vrrp_auth_ah_icv(&auth_ah, pkt, sizeof(pkt), pkt + 32),
	    0);
	assert_drop(receive(pkt, sizeof(pkt), 2, &auth_ah, &meta, &adv),
	    VRRP_DROP_NONE, "SPI is the source");
}

/* ---- sequence numbers: replay ---------------------------------------------- */

/* keepalived's two adverts, in order, then replayed: the decoder reports,
 * the instance's vrrp_ah_replay judges. */
static void
test_replayed_ah_sequence_numbers_are_dropped(void **state)
{
	struct vrrp_ah_replay r;
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;
	uint32_t seq;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_drop(receive(keepalived_v2_ah_1, sizeof(keepalived_v2_ah_1), 2,
	    &auth_ah, &meta, &adv), VRRP_DROP_NONE, "seq 1");
	assert_drop(vrrp_ah_replay_check(&r, &meta.src, adv.ah_seq),
	    VRRP_DROP_NONE, "seq 1 first time");
	assert_drop(receive(keepalived_v2_ah_2, sizeof(keepalived_v2_ah_2), 2,
	    &auth_ah, &meta, &adv), VRRP_DROP_NONE, "seq 2");
	assert_drop(vrrp_ah_replay_check(&r, &meta.src, adv.ah_seq),
	    VRRP_DROP_NONE, "seq 2 first time");
	/* Authentic, but heard before: a replay, older or the same. */
	assert_drop(receive(keepalived_v2_ah_1, sizeof(keepalived_v2_ah_1), 2,
	    &auth_ah, &meta, &adv), VRRP_DROP_NONE, "seq 1 again");
	assert_drop(vrrp_ah_replay_check(&r, &meta.src, adv.ah_seq),
	    VRRP_DROP_AH_SEQ, "seq 1 replayed");
	assert_drop(vrrp_ah_replay_check(&r, &meta.src, 2), VRRP_DROP_AH_SEQ,
	    "seq 2 replayed");
	/* A refused number is not recorded: the next real one still counts. */
	assert_drop(vrrp_ah_replay_check(&r, &meta.src, 3), VRRP_DROP_NONE,
	    "seq 3");
	/* Each peer against its own last number. */
	assert_drop(vrrp_ah_replay_check(&r, &V4(192, 0, 2, 2), 1),
	    VRRP_DROP_NONE, "another peer's seq 1");
	assert_drop(vrrp_ah_replay_check(&r, &V4(192, 0, 2, 2), 1),
	    VRRP_DROP_AH_SEQ, "another peer's seq 1 replayed");
	/*
	 * What we send next is above all we heard, so that keepalived, which
	 * keeps one counter per instance, takes it when we become master.
	 */
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), 0);
	assert_int_equal(seq, 5);
	assert_drop(vrrp_ah_replay_check(&r, &V4(192, 0, 2, 1), 100),
	    VRRP_DROP_NONE, "a jump ahead");
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), 0);
	assert_int_equal(seq, 101);
	/* Our own numbers do not make a peer's look old. */
	assert_drop(vrrp_ah_replay_check(&r, &V4(192, 0, 2, 2), 2),
	    VRRP_DROP_NONE, "peer below our counter");
	assert_int_equal(r.evicted, 0);
}

static void
test_ah_replay_table_is_bounded_and_forgets_the_quietest_peer(void **state)
{
	struct vrrp_ah_replay r;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (uint8_t i = 0; i < VRRP_AH_PEERS_MAX; i++)
		assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, i), 10),
		    VRRP_DROP_NONE, "fill");
	assert_int_equal(r.npeers, VRRP_AH_PEERS_MAX);
	/* Peer 0 speaks again: peer 1 is now the one heard least recently. */
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 0), 11),
	    VRRP_DROP_NONE, "peer 0 again");
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 99), 1),
	    VRRP_DROP_NONE, "a ninth peer");
	assert_int_equal(r.npeers, VRRP_AH_PEERS_MAX);
	assert_int_equal(r.evicted, 1);
	/* Peer 0 and peer 2 are still remembered, peer 1 is not. */
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 0), 11),
	    VRRP_DROP_AH_SEQ, "peer 0 remembered");
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 2), 10),
	    VRRP_DROP_AH_SEQ, "peer 2 remembered");
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 99), 1),
	    VRRP_DROP_AH_SEQ, "the ninth remembered");
	assert_int_equal(r.evicted, 1);
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 1), 10),
	    VRRP_DROP_NONE, "peer 1 forgotten");
	assert_int_equal(r.evicted, 2);
}

static void
test_ah_sequence_numbers_stop_at_the_top(void **state)
{
	struct vrrp_ah_replay r;
	uint32_t seq = 7;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), 0);
	assert_int_equal(seq, 1);	/* keepalived's first is 1 too */
	assert_drop(vrrp_ah_replay_check(&r, &V4(10, 0, 0, 1), UINT32_MAX - 1),
	    VRRP_DROP_NONE, "near the top");
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), 0);
	assert_int_equal(seq, UINT32_MAX);
	seq = 7;
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), -EOVERFLOW);
	assert_int_equal(seq, 7);
	assert_int_equal(vrrp_ah_replay_next_seq(&r, &seq), -EOVERFLOW);
}

/* ---- encoding ------------------------------------------------------------- */

static void
test_v2_encode_refuses_what_it_cannot_send(void **state)
{
	const struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
	const struct vrrp_auth bad_type = { .type = 3 };
	struct vrrp_advert adv = advert_of(&keepalived_v2_cases[1]);
	struct addr v6;
	uint8_t buf[VRRP_PKT_MAX_LEN];

	(void)state;
	assert_int_equal(addr_parse("fe80::1", &v6), 0);
	assert_int_equal(vrrp_pkt_encode(&adv, &auth_pass, &src, &dst, buf,
	    sizeof(buf)), 24);
#define EXPECT_ENCODE(field, value, auth, want) do {			\
	struct vrrp_advert bad = adv;					\
	bad.field = value;						\
	assert_int_equal(vrrp_pkt_encode(&bad, auth, &src, &dst, buf,	\
	    sizeof(buf)), want);					\
} while (0)
	/* RFC 3768 5.3.7: whole seconds, 1..255. */
	EXPECT_ENCODE(max_adver_int_cs, 150, &auth_pass, -EINVAL);
	EXPECT_ENCODE(max_adver_int_cs, 0, &auth_pass, -EINVAL);
	EXPECT_ENCODE(max_adver_int_cs, 25500, &auth_pass, 24);
	EXPECT_ENCODE(max_adver_int_cs, 25600, &auth_pass, -EINVAL);
	EXPECT_ENCODE(vrid, 0, &auth_pass, -EINVAL);
	/* No authentication type but RFC 2338's three. */
	EXPECT_ENCODE(priority, 1, &bad_type, -EINVAL);
	/* RFC 5798 has no authentication: none is the only v3 answer. */
	EXPECT_ENCODE(version, 3, &auth_pass, -EINVAL);
	EXPECT_ENCODE(version, 3, &auth_ah, -EINVAL);
	EXPECT_ENCODE(version, 3, &auth_none, 16);
	EXPECT_ENCODE(addrs[1], v6, &auth_pass, -EINVAL);
#undef EXPECT_ENCODE
	/* v2 is IPv4 only. */
	adv.naddrs = 0;
	assert_int_equal(vrrp_pkt_encode(&adv, NULL, &v6, &v6, buf,
	    sizeof(buf)), -EINVAL);
	adv = advert_of(&keepalived_v2_cases[2]);
	/* Linux would renumber IP id 0 after the ICV covered it. */
	assert_int_equal(vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 0,
	    buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vrrp_pkt_build_ipv4(&adv, NULL, &src, &dst, 0,
	    buf, sizeof(buf)), 40);
	/* Capacity counts the AH header. */
	assert_int_equal(vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 1,
	    buf, 64), 64);
	assert_int_equal(vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 1,
	    buf, 63), -ENOSPC);
	assert_int_equal(vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 1,
	    buf, 43), -ENOSPC);
}

/* Every count of addresses, under each authentication, decodes as sent. */
static void
test_v2_round_trip_under_each_authentication(void **state)
{
	static const uint8_t counts[] = { 0, 1, 7, 255 };
	static const struct vrrp_auth *const auths[] = { NULL, &auth_none,
		&auth_pass, &auth_ah };
	const struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);

	(void)state;
	for (size_t a = 0; a < NCASES(auths); a++) {
		for (size_t k = 0; k < sizeof(counts); k++) {
			struct vrrp_advert in, out;
			struct vrrp_pkt_meta meta;
			uint8_t buf[VRRP_PKT_MAX_LEN];
			int n;

			memset(&in, 0, sizeof(in));
			in.version = 2;
			in.vrid = 200;
			in.priority = (uint8_t)(a * 60);
			in.max_adver_int_cs = 25500;
			in.ah_seq = 0xfedcba98;
			in.naddrs = counts[k];
			for (unsigned int i = 0; i < counts[k]; i++)
				in.addrs[i] = V4(198, 51, 100, (uint8_t)i);
			n = vrrp_pkt_build_ipv4(&in, auths[a], &src, &dst,
			    0x1234, buf, sizeof(buf));
			assert_true(n > 0);
			if (auths[a] == &auth_ah)
				assert_int_equal(vrrp_auth_ah_sign(auths[a],
				    buf, (size_t)n), 0);
			assert_drop(receive(buf, (size_t)n, 2, auths[a], &meta,
			    &out), VRRP_DROP_NONE, "round trip");
			assert_int_equal(out.priority, in.priority);
			assert_int_equal(out.max_adver_int_cs, 25500);
			assert_int_equal(out.naddrs, counts[k]);
			assert_int_equal(out.ah_seq, auths[a] == &auth_ah ?
			    0xfedcba98 : 0);
			if (counts[k] > 0)
				assert_int_equal(addr_cmp(
				    &out.addrs[counts[k] - 1],
				    &in.addrs[counts[k] - 1]), 0);
		}
	}
}

/* ---- vrrp_auth_ah_verify on its own --------------------------------------- */

/*
 * Each refusal pinned to its cause, on a datagram built by
 * vrrp_pkt_build_ipv4, signed, and parsed back by vrrp_pkt_parse_ipv4.
 */
#define ICV_OFFSET (IP_HDR + 12)   /* IP header, then AH's next..seq */

struct built {
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	size_t len;
	struct vrrp_pkt_meta meta;
};

/* A v2 AH advert from 192.0.2.1 with sequence number 77, parsed back. */
static void
build_signed(struct built *b)
{
	struct addr src = V4(192, 0, 2, 1), dst = V4(224, 0, 0, 18);
	struct vrrp_advert adv = { .version = 2, .vrid = 51, .priority = 100,
		.max_adver_int_cs = 100, .ah_seq = 77, .naddrs = 1,
		.addrs = { V4(192, 0, 2, 100) } };
	const uint8_t *payload;
	size_t plen;
	int n = vrrp_pkt_build_ipv4(&adv, &auth_ah, &src, &dst, 4242, b->pkt,
	    sizeof(b->pkt));

	assert_true(n > 0);
	b->len = (size_t)n;
	assert_int_equal(vrrp_auth_ah_sign(&auth_ah, b->pkt, b->len), 0);
	assert_int_equal(vrrp_pkt_parse_ipv4(b->pkt, b->len, &b->meta,
	    &payload, &plen), VRRP_DROP_NONE);
	assert_int_equal(b->meta.protocol, VRRP_IPPROTO_AH);
}

static void
test_ah_verify_accepts_a_signed_datagram(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta), VRRP_DROP_NONE,
	    "signed");
	assert_int_equal(b.meta.ah_seq, 77);
}

static void
test_ah_verify_refuses_another_key(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	assert_drop(vrrp_auth_ah_verify(&auth_ah_wrong, &b.meta),
	    VRRP_DROP_AUTH, "another key");
}

static void
test_ah_verify_refuses_a_changed_icv(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	b.pkt[ICV_OFFSET + 11] ^= 0x01;
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta), VRRP_DROP_AUTH,
	    "changed ICV");
}

/* An unsigned datagram (the ICV the codec leaves zero) proves nothing. */
static void
test_ah_verify_refuses_an_unsigned_datagram(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	memset(b.pkt + ICV_OFFSET, 0, VRRP_AH_ICV_LEN);
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta), VRRP_DROP_AUTH,
	    "unsigned");
}

/* The ICV is intact; only the SPI no longer names the sender. */
static void
test_ah_verify_wants_the_spi_to_be_the_source(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	b.meta.src = V4(192, 0, 2, 2);
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta), VRRP_DROP_AUTH,
	    "SPI is not the source");
}

static void
test_ah_verify_without_an_ah_datagram_is_an_auth_type_drop(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	b.meta.ip_len = 19;
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta),
	    VRRP_DROP_AUTH_TYPE, "19 bytes");
	b.meta.ip_pkt = NULL;
	b.meta.ip_len = b.len;
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta),
	    VRRP_DROP_AUTH_TYPE, "no datagram");
	build_signed(&b);
	b.meta.protocol = VRRP_IPPROTO;
	assert_drop(vrrp_auth_ah_verify(&auth_ah, &b.meta),
	    VRRP_DROP_AUTH_TYPE, "not inside AH");
}

/* Only an AH instance has anything to verify before decode. */
static void
test_ah_verify_passes_other_authentication_to_decode(void **state)
{
	struct built b;

	(void)state;
	build_signed(&b);
	b.pkt[ICV_OFFSET] ^= 0x01;
	assert_drop(vrrp_auth_ah_verify(NULL, &b.meta), VRRP_DROP_NONE,
	    "NULL");
	assert_drop(vrrp_auth_ah_verify(&auth_none, &b.meta), VRRP_DROP_NONE,
	    "none");
	assert_drop(vrrp_auth_ah_verify(&auth_pass, &b.meta), VRRP_DROP_NONE,
	    "pass");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalived_v2_adverts_decode_to_their_config),
		cmocka_unit_test(test_encoder_reproduces_keepalived_v2_adverts_byte_for_byte),
		cmocka_unit_test(test_v2_checksum_covers_the_message_and_nothing_else),
		cmocka_unit_test(test_v2_authentication_mismatches_are_drops),
		cmocka_unit_test(test_v2_is_ipv4_only),
		cmocka_unit_test(test_parse_ipv4_checks_the_ah_header),
		cmocka_unit_test(test_v3_instance_refuses_ah),
		cmocka_unit_test(test_icv_is_keepalived_hmac_md5_96),
		cmocka_unit_test(test_ah_icv_covers_ttl_only_for_multicast),
		cmocka_unit_test(test_keepalived_unicast_ah_icv_leaves_ttl_out),
		cmocka_unit_test(test_ah_spi_must_be_the_source_address),
		cmocka_unit_test(test_replayed_ah_sequence_numbers_are_dropped),
		cmocka_unit_test(test_ah_replay_table_is_bounded_and_forgets_the_quietest_peer),
		cmocka_unit_test(test_ah_sequence_numbers_stop_at_the_top),
		cmocka_unit_test(test_v2_encode_refuses_what_it_cannot_send),
		cmocka_unit_test(test_v2_round_trip_under_each_authentication),
		cmocka_unit_test(test_ah_verify_accepts_a_signed_datagram),
		cmocka_unit_test(test_ah_verify_refuses_another_key),
		cmocka_unit_test(test_ah_verify_refuses_a_changed_icv),
		cmocka_unit_test(test_ah_verify_refuses_an_unsigned_datagram),
		cmocka_unit_test(test_ah_verify_wants_the_spi_to_be_the_source),
		cmocka_unit_test(test_ah_verify_without_an_ah_datagram_is_an_auth_type_drop),
		cmocka_unit_test(test_ah_verify_passes_other_authentication_to_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
