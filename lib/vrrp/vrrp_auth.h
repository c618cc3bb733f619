/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_auth - VRRPv2 IPsec AH as keepalived does it: the HMAC-MD5-96 ICV
 * over an advert's datagram, and the sequence-number bookkeeping that
 * stops replays.
 *
 * keepalived (vrrp.c, 2.2.7) puts an RFC 2402 AH header between the IPv4
 * header and the advert: next header 112, payload length 4 (a 96-bit ICV),
 * SPI = the sender's IPv4 address, a sequence number, and an ICV that is
 * HMAC-MD5 (RFC 2104) keyed with the 8-byte NUL-padded auth_pass, over the
 * whole datagram with TOS, fragment offset, header checksum and the ICV
 * itself zeroed (TTL and IP id are covered; TTL too is zeroed for unicast
 * peers, i.e. a destination that is not multicast), cut to 12 bytes.
 *
 * Owns: that computation (through os/digest, i.e. libcrypto), signing the
 * datagrams vrrp_pkt_build_ipv4() frames and verifying received ones before
 * they are decoded, and struct vrrp_ah_replay, which an instance embeds.
 * Pure but for libcrypto, which initialises itself on first use (it may
 * read its configuration file): the daemon calls vrrp_auth_init() at
 * start-up, so that no packet ever triggers that.
 * Never does: parse adverts or IP headers (vrrp_pkt, vrrp_pkt_ip), keep
 * state of its own, or log.
 */
#ifndef VIPD_VRRP_AUTH_H
#define VIPD_VRRP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "vrrp/vrrp_pkt.h"

/* Peers whose sequence numbers an instance remembers (a VRRP group is small). */
#define VRRP_AH_PEERS_MAX 8

/*
 * Initialise OpenSSL and check HMAC-MD5 with RFC 2104's first test vector.
 * Returns 0, or -ENOTSUP when it is unavailable (an OpenSSL in FIPS mode
 * has no MD5): AH then refuses every advert and sends none.
 */
int vrrp_auth_init(void);

/*
 * The ICV of the IPv4 datagram pkt (len bytes, IPv4 header of IHL * 4 bytes,
 * then a whole AH header) keyed with auth->key, as keepalived computes it
 * (see above); pkt itself is not changed. Returns 0 with icv filled,
 * -EINVAL when pkt is not such a datagram or larger than VRRP_PKT_MAX_LEN,
 * -ENOTSUP when HMAC-MD5 fails.
 */
int vrrp_auth_ah_icv(const struct vrrp_auth *auth, const uint8_t *pkt,
		     size_t len, uint8_t icv[VRRP_AH_ICV_LEN]);

/*
 * Fill in the ICV of the AH datagram vrrp_pkt_build_ipv4() built in pkt
 * (len bytes). Returns 0, or an error of vrrp_auth_ah_icv().
 */
int vrrp_auth_ah_sign(const struct vrrp_auth *auth, uint8_t *pkt, size_t len);

/*
 * RFC 2402 3.4.4: what a receiver does with an advert's AH before it looks
 * at the advert. For an instance with AH authentication (auth->type AH),
 * the IPv4 datagram meta describes (meta->ip_pkt, meta->ip_len, as
 * vrrp_pkt_parse_ipv4() set them) must have come inside AH (else
 * VRRP_DROP_AUTH_TYPE), its ICV recomputed with auth->key must match in
 * constant time, and its SPI must be meta->src, keepalived's rule (else
 * VRRP_DROP_AUTH). Any other authentication (auth NULL included) has
 * nothing to verify here: VRRP_DROP_NONE, and vrrp_pkt_decode() judges the
 * rest. The sequence number is left for the replay check (meta->ah_seq).
 */
enum vrrp_drop vrrp_auth_ah_verify(const struct vrrp_auth *auth,
				   const struct vrrp_pkt_meta *meta);

struct vrrp_ah_peer {
	struct addr addr;
	uint32_t last_seq;             /* highest accepted from this peer */
	uint64_t last_use;             /* vrrp_ah_replay.uses when last accepted */
};

/*
 * Anti-replay state of one instance. keepalived keeps one counter per
 * instance for both directions: it drops an advert whose sequence number is
 * not above the counter, raises the counter to every number it accepts, and
 * sends counter + 1. vipd judges each peer against that peer's own last
 * number (a peer's restart cannot make another's adverts look replayed),
 * and, like keepalived, sends above the highest number it has sent or
 * accepted: a new master then always sends numbers its keepalived backups
 * take. Zero-initialised is the empty state.
 */
struct vrrp_ah_replay {
	uint32_t highest_seq;          /* sent or accepted; the next sent is + 1 */
	uint64_t uses;                 /* acceptances so far: the LRU clock */
	size_t npeers;
	struct vrrp_ah_peer peers[VRRP_AH_PEERS_MAX];
	uint64_t evicted;              /* peers forgotten to make room */
};

/*
 * Judge the authentic (ICV verified) advert seq from src: VRRP_DROP_AH_SEQ
 * when seq is not above the last one accepted from src (a replay, or a
 * duplicate), else VRRP_DROP_NONE after recording it. A new peer beyond
 * VRRP_AH_PEERS_MAX takes the place of the one heard least recently.
 */
enum vrrp_drop vrrp_ah_replay_check(struct vrrp_ah_replay *r,
				    const struct addr *src, uint32_t seq);

/*
 * The sequence number for the next advert sent: one above everything sent
 * or accepted so far. -EOVERFLOW once 2^32 - 1 has been used (136 years of
 * one-second adverts; keepalived then stops too), else 0 with *seq set.
 */
int vrrp_ah_replay_next_seq(struct vrrp_ah_replay *r, uint32_t *seq);

#endif
