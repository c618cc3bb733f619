/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt - VRRP advertisement codec: RFC 5798 (v3) and RFC 3768 (v2, with
 * the authentication of RFC 2338 as keepalived implements it: none, simple
 * password, IPsec AH with HMAC-MD5-96).
 *
 * Owns: the wire format of an advertisement, the Internet checksum (which
 * vrrp_pkt_ip uses too), and every check its payload must pass before the
 * state machine may see it. Pure: no syscalls, no allocation of its own, no
 * logging. A rejected packet yields a reason code (enum vrrp_drop) that the
 * caller counts and logs.
 *
 * Never does: the IP and AH headers around an advert (vrrp_pkt_ip), MACs
 * (the AH ICV is vrrp_auth's, verified by the caller before decoding),
 * socket I/O, policy (whether an advert's priority matters is the state
 * machine's business), or remember anything between packets (AH
 * anti-replay state belongs to the instance, see vrrp_auth.h).
 */
#ifndef VIPD_VRRP_PKT_H
#define VIPD_VRRP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define VRRP_IPPROTO 112
#define VRRP_IPPROTO_AH 51      /* RFC 2402: an AH header precedes the advert */
#define VRRP_REQUIRED_TTL 255
#define VRRP_MAX_ADDRS 255
#define VRRP_HDR_LEN 8 /* version/type, vrid, priority, count, interval, csum */
#define VRRP_V3_MAX_INTERVAL_CS 4095 /* 12-bit Max Adver Int, centiseconds */
#define VRRP_V2_MAX_INTERVAL_S 255   /* 8-bit Adver Int, seconds */
#define VRRP_AUTH_DATA_LEN 8    /* RFC 3768 5.3.10: trails every v2 advert */
#define VRRP_AH_ICV_LEN 12      /* HMAC-MD5-96 (RFC 2403) */
#define VRRP_AH_HDR_LEN (12 + VRRP_AH_ICV_LEN) /* RFC 2402 2: next, len, spi, seq */
#define VRRP_IPV4_MCAST_GROUP "224.0.0.18"
#define VRRP_IPV6_MCAST_GROUP "ff02::12"  /* RFC 5798 5.1.2.2 */
#define VRRP_IPV6_HDR_LEN 40
/* Largest packet we ever build or accept: IPv4 header with options + 255 v6 addrs. */
#define VRRP_PKT_MAX_LEN (60 + VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16)

/* VRRPv2 Auth Type (RFC 2338 5.3.6; RFC 3768 keeps the field, not the types). */
enum vrrp_auth_type {
	VRRP_AUTH_NONE = 0,
	VRRP_AUTH_PASS = 1,          /* simple text password in the auth data */
	VRRP_AUTH_AH = 2,            /* IPsec AH header, HMAC-MD5-96 */
};

/*
 * How an instance authenticates its adverts (v2 only). key is the secret,
 * NUL-padded to 8 bytes, exactly as keepalived stores auth_pass: for PASS it
 * is the auth data on the wire, for AH the HMAC-MD5 key.
 */
struct vrrp_auth {
	uint8_t type;                      /* enum vrrp_auth_type */
	uint8_t key[VRRP_AUTH_DATA_LEN];
};

/*
 * Where a packet came from, as told by the IP layer. For IPv4 the caller gets
 * it from vrrp_pkt_parse_ipv4(); for IPv6 from the socket's ancillary data.
 */
struct vrrp_pkt_meta {
	struct addr src;
	struct addr dst;
	uint8_t ttl;         /* TTL or hop limit */
	/*
	 * Set by the caller for an instance in unicast mode: TTL is not
	 * checked, as keepalived does not (its IPv6 unicast adverts leave with
	 * the default hop limit; peers may be routed); the caller takes
	 * adverts from its configured peers only.
	 */
	bool any_ttl;
	uint8_t protocol;    /* IPv4: 112, or 51 when the advert came inside AH */
	const uint8_t *ip_pkt; /* IPv4: the datagram, which AH's ICV covers */
	size_t ip_len;       /* its total length */
	uint32_t ah_seq;     /* protocol 51: the AH sequence number, unverified */
};

/* A decoded (or to-be-encoded) advertisement. */
struct vrrp_advert {
	uint8_t version;             /* 3 or 2 */
	uint8_t vrid;                /* 1..255 */
	uint8_t priority;            /* 0 = master is leaving, 255 = owner */
	/*
	 * Centiseconds. v3: Max Adver Int, 12 bits. v2: Adver Int is whole
	 * seconds on the wire (RFC 3768 5.3.7), so a multiple of 100 here.
	 */
	uint16_t max_adver_int_cs;
	uint16_t checksum;           /* as found on the wire (decode); ignored by encode */
	uint8_t auth_type;           /* v2 Auth Type as found (decode); encode uses its auth */
	uint32_t ah_seq;             /* AH sequence number: received (decode), to send (build) */
	uint8_t naddrs;
	struct addr addrs[VRRP_MAX_ADDRS];
};

/*
 * Every reason a received packet is refused. Names (vrrp_drop_name) are the
 * words used in logs, vipd.stats and metrics; keep them stable.
 */
enum vrrp_drop {
	VRRP_DROP_NONE = 0,
	VRRP_DROP_IP_HEADER,     /* malformed IPv4 header (IHL, total length) */
	VRRP_DROP_PROTOCOL,      /* IP protocol is not 112 */
	VRRP_DROP_TTL,           /* TTL / hop limit != 255 (RFC 5798 7.1) */
	VRRP_DROP_TRUNCATED,     /* shorter than the VRRP header */
	VRRP_DROP_VERSION,       /* version field is not the one configured */
	VRRP_DROP_TYPE,          /* type is not 1 (ADVERTISEMENT) */
	VRRP_DROP_LENGTH,        /* length disagrees with the address count */
	VRRP_DROP_CHECKSUM,      /* checksum mismatch */
	VRRP_DROP_VRID,          /* no instance with this VRID on this interface */
	VRRP_DROP_INTERVAL,      /* interval 0; v2: not ours (RFC 3768 7.1, caller) */
	VRRP_DROP_ADDR_LIST,     /* address list differs from ours (RFC 5798 7.1, logged) */
	VRRP_DROP_OWN_PACKET,    /* our own advert looped back */
	VRRP_DROP_AUTH_TYPE,     /* v2 Auth Type (or AH framing) not the configured one */
	VRRP_DROP_AUTH,          /* wrong password, bad AH ICV or SPI */
	VRRP_DROP_AH_SEQ,        /* AH sequence number not above the peer's last */
	VRRP_DROP_NOT_PEER,      /* unicast mode: source is not in unicast_peers */
	VRRP_DROP__COUNT
};

const char *vrrp_drop_name(enum vrrp_drop reason);

/*
 * Decode and verify a VRRP payload against what the instance expects
 * (expect_version, and auth: its v2 authentication, NULL for none), in this
 * order: TTL (from meta; must be 255 unless meta->any_ttl), length >= 8
 * (TRUNCATED), version (must equal expect_version and be 2 or 3), type, a
 * usable meta (IP_HEADER: src neither AF_INET nor AF_INET6, or dst of
 * another family; VERSION: v2 over IPv6),
 * length == 8 + count * address size (+ 8 bytes of auth data in v2),
 * checksum (v3: RFC 5798 5.2.8, over the pseudo-header built from meta; v2:
 * RFC 3768 5.3.8, the VRRP message alone), authentication, non-zero
 * interval.
 *
 * Authentication (v2; a v3 packet passes only when auth is none and it did
 * not come inside AH): the Auth Type must be the configured one, and AH is
 * used exactly when the type is AH (else VRRP_DROP_AUTH_TYPE); then PASS
 * compares the 8 bytes of auth data with auth->key (else VRRP_DROP_AUTH).
 * Auth type none ignores the auth data. AH's ICV and SPI are not looked at
 * here: the caller verifies them before decoding (vrrp_auth_ah_verify), so
 * that nothing of an unauthenticated datagram is interpreted. The AH
 * sequence number (meta->ah_seq) is reported in out->ah_seq, never judged:
 * replay is the caller's (vrrp_auth.h). A mismatch is always a drop, never
 * a reason to act.
 *
 * Addresses take the family of meta->src. VRID (0 included), the v2
 * interval against the configured one, address list and own-packet checks
 * are the caller's. Fills *out (only on success) and returns VRRP_DROP_NONE,
 * or the first reason the packet fails. Never reads beyond len.
 */
enum vrrp_drop vrrp_pkt_decode(const uint8_t *payload, size_t len,
			       const struct vrrp_pkt_meta *meta,
			       uint8_t expect_version, const struct vrrp_auth *auth,
			       struct vrrp_advert *out);

/*
 * Encode adv as a VRRP payload into buf (capacity cap), authenticated as
 * auth says (NULL: none; v2 only), computing the checksum (v3: over the
 * pseudo-header of src/dst; v2: over the message). adv->checksum and
 * adv->auth_type are not read. PASS puts auth->key in the auth data; none
 * and AH leave it zero (the AH header is vrrp_pkt_build_ipv4's). Returns the
 * payload length, or -ENOSPC / -EINVAL (version neither 2 nor 3, VRID 0,
 * interval 0 or over 12 bits, v2 interval not whole seconds or over 255 s,
 * v2 not over IPv4, authentication with v3 or of an unknown type,
 * src/dst/addresses not all of one family, family neither AF_INET nor
 * AF_INET6).
 */
int vrrp_pkt_encode(const struct vrrp_advert *adv, const struct vrrp_auth *auth,
		    const struct addr *src, const struct addr *dst,
		    uint8_t *buf, size_t cap);

/*
 * Internet checksum (RFC 1071). csum_add adds data as big-endian 16-bit words
 * to sum and returns the partial sum folded to 16 bits; an odd len is padded
 * with a zero byte, so only the last chunk of a chained sum may be odd.
 * csum_fold returns the one's complement of the folded sum: the value for
 * the checksum field, or 0 when summed over data that includes a valid one.
 */
uint32_t vrrp_pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t vrrp_pkt_csum_fold(uint32_t sum);

/*
 * RFC 5798 7.1: the advert lists the same addresses as ours, in any order
 * (each list holds an address once).
 */
bool vrrp_pkt_same_addrs(const struct addr *adv, size_t nadv,
			 const struct addr *ours, size_t nours);

#endif
