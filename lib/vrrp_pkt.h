/*
 * vrrp_pkt - VRRP advertisement codec (RFC 5798 v3; v2 lands with RFC 3768 auth).
 *
 * Owns: the wire format of an advertisement, its checksum, and every check a
 * received packet must pass before the state machine may see it. Pure: no
 * syscalls, no allocation, no logging. A rejected packet yields a reason code
 * (enum vrrp_drop) that the caller counts and logs.
 *
 * Never does: socket I/O, policy (whether an advert's priority matters is the
 * state machine's business).
 */
#ifndef VIPD_VRRP_PKT_H
#define VIPD_VRRP_PKT_H

#include <stddef.h>
#include <stdint.h>

#define VRRP_IPPROTO 112
#define VRRP_REQUIRED_TTL 255
#define VRRP_MAX_ADDRS 255
#define VRRP_HDR_LEN 8 /* version/type, vrid, priority, count, interval, csum */
#define VRRP_V3_MAX_INTERVAL_CS 4095 /* 12-bit Max Adver Int, centiseconds */
#define VRRP_IPV4_MCAST_GROUP "224.0.0.18"
/* Largest packet we ever build or accept: IPv4 header with options + 255 v6 addrs. */
#define VRRP_PKT_MAX_LEN (60 + VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16)

/* An IP address of either family, stored in network byte order. */
struct vrrp_addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t bytes[16];   /* first 4 used for AF_INET */
};

/*
 * Where a packet came from, as told by the IP layer. For IPv4 the caller gets
 * it from vrrp_pkt_parse_ipv4(); for IPv6 from the socket's ancillary data.
 */
struct vrrp_pkt_meta {
	struct vrrp_addr src;
	struct vrrp_addr dst;
	uint8_t ttl;         /* TTL or hop limit */
};

/* A decoded (or to-be-encoded) advertisement. */
struct vrrp_advert {
	uint8_t version;             /* 3 (2 reserved for RFC 3768) */
	uint8_t vrid;                /* 1..255 */
	uint8_t priority;            /* 0 = master is leaving, 255 = owner */
	uint16_t max_adver_int_cs;   /* centiseconds, 12 bits in v3 */
	uint16_t checksum;           /* as found on the wire (decode); ignored by encode */
	uint8_t naddrs;
	struct vrrp_addr addrs[VRRP_MAX_ADDRS];
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
	VRRP_DROP_INTERVAL,      /* Max Adver Int of 0 */
	VRRP_DROP_ADDR_LIST,     /* address list differs from ours (RFC 5798 7.1, logged) */
	VRRP_DROP_OWN_PACKET,    /* our own advert looped back */
	VRRP_DROP__COUNT
};

const char *vrrp_drop_name(enum vrrp_drop reason);

/*
 * Split a raw IPv4 packet (as read from a SOCK_RAW/IPPROTO_VRRP socket, header
 * included) into meta data and VRRP payload. Checks version 4, IHL (>= 5,
 * within len), total length (>= IHL * 4, <= len; bytes after it are ignored)
 * -> VRRP_DROP_IP_HEADER, then protocol -> VRRP_DROP_PROTOCOL. Returns
 * VRRP_DROP_NONE on success. meta is filled as soon as the 20-byte fixed
 * header is there, so a refused packet can still be logged with its source;
 * on failure *payload is NULL and *payload_len 0. The IP header checksum is
 * not checked: the kernel has done it before a raw socket sees the packet.
 */
enum vrrp_drop vrrp_pkt_parse_ipv4(const uint8_t *pkt, size_t len,
				   struct vrrp_pkt_meta *meta,
				   const uint8_t **payload, size_t *payload_len);

/*
 * Decode and verify a VRRP payload, in this order: TTL (from meta), length
 * >= 8 (TRUNCATED), version (must equal expect_version), type, length ==
 * 8 + count * address size, checksum (RFC 5798 5.2.8, over the pseudo-header
 * built from meta), non-zero interval. Addresses take the family of
 * meta->src; a meta whose src is neither AF_INET nor AF_INET6, or whose dst
 * has another family, gives VRRP_DROP_IP_HEADER (checked just before the
 * length). Only v3 is decoded for now: a v2 packet gives VRRP_DROP_VERSION
 * even when expect_version is 2. VRID (0 included), address list and
 * own-packet checks are the caller's. Fills *out (only on success) and
 * returns VRRP_DROP_NONE, or the first reason the packet fails. Never reads
 * beyond len.
 */
enum vrrp_drop vrrp_pkt_decode(const uint8_t *payload, size_t len,
			       const struct vrrp_pkt_meta *meta,
			       uint8_t expect_version, struct vrrp_advert *out);

/*
 * Encode adv as a VRRP payload into buf (capacity cap), computing the checksum
 * over the pseudo-header of src/dst (adv->checksum is not read). Returns the
 * payload length, or -ENOSPC / -EINVAL (version other than 3, VRID 0,
 * interval 0 or over 12 bits, src/dst/addresses not all of one family,
 * family neither AF_INET nor AF_INET6).
 */
int vrrp_pkt_encode(const struct vrrp_advert *adv,
		    const struct vrrp_addr *src, const struct vrrp_addr *dst,
		    uint8_t *buf, size_t cap);

/*
 * Build a complete IPv4 packet (20-byte header, TOS 0xc0, TTL 255, protocol
 * 112, DF clear, header checksum filled, IP id ip_id) around adv, for an
 * IP_HDRINCL socket; byte for byte what keepalived sends but for the IP id.
 * Returns the total length, -EAFNOSUPPORT if src or dst is not IPv4, or an
 * error of vrrp_pkt_encode().
 */
int vrrp_pkt_build_ipv4(const struct vrrp_advert *adv,
			const struct vrrp_addr *src, const struct vrrp_addr *dst,
			uint16_t ip_id, uint8_t *buf, size_t cap);

/*
 * Internet checksum (RFC 1071). csum_add adds data as big-endian 16-bit words
 * to sum and returns the partial sum folded to 16 bits; an odd len is padded
 * with a zero byte, so only the last chunk of a chained sum may be odd.
 * csum_fold returns the one's complement of the folded sum: the value for
 * the checksum field, or 0 when summed over data that includes a valid one.
 */
uint32_t vrrp_pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t vrrp_pkt_csum_fold(uint32_t sum);

/* Compare two addresses as unsigned big-endian integers: <0, 0, >0. */
int vrrp_addr_cmp(const struct vrrp_addr *a, const struct vrrp_addr *b);

/*
 * Format into buf (INET6_ADDRSTRLEN is enough); returns buf. For log lines:
 * an unknown family or a too small buf gives "?" (in buf when it fits).
 */
const char *vrrp_addr_str(const struct vrrp_addr *a, char *buf, size_t len);

/* Parse "10.0.0.1" or "fe80::1"; returns 0 or -EINVAL (*out untouched). */
int vrrp_addr_parse(const char *text, struct vrrp_addr *out);

#endif
