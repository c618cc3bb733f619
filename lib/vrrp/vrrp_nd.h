/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_nd - the neighbour solicitation that probes an IPv6 master's
 * address for master_down_bfd, and the advertisement that answers it
 * (RFC 4861 4.3, 4.4, 7.1), as pure code: the ICMPv6 message bodies only
 * (the raw ICMPv6 socket of vrrp_probe.c adds the IPv6 header and the
 * checksum, RFC 3542 3.1).
 *
 * Owns: the NS layout (with a source link-layer address option), the
 * solicited-node multicast address it goes to, and the checks an answer
 * passes (type, code, hop limit 255, length, Solicited or not).
 * Never does: sockets, decide anything (vrrp_bfd does).
 */
#ifndef VIPD_VRRP_ND_H
#define VIPD_VRRP_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define VRRP_ND_NS_LEN 32       /* NS 24 + source lladdr option 8 */
#define VRRP_ND_NA_MIN_LEN 24

/* Why an ICMPv6 message is no answer to a probe. */
enum vrrp_nd_verdict {
	VRRP_ND_NA = 0,          /* a valid NA: its target is in *target */
	VRRP_ND_NOT_NA,          /* another type, or a code other than 0 */
	VRRP_ND_SHORT,           /* shorter than an NA */
	VRRP_ND_HOPLIMIT,        /* hop limit not 255: not from the link */
};

/*
 * The NS for target (IPv6) from mac: type 135, code 0, checksum left 0,
 * a source link-layer address option with mac.
 */
void vrrp_nd_build_ns(const uint8_t mac[6], const struct addr *target,
		      uint8_t out[VRRP_ND_NS_LEN]);

/* ff02::1:ffXX:XXXX, the solicited-node group of target (RFC 4291 2.7.1). */
void vrrp_nd_solicited_node(const struct addr *target, struct addr *group);

/* Check one received ICMPv6 message (body, as a raw socket reads it). */
enum vrrp_nd_verdict vrrp_nd_parse_na(const uint8_t *p, size_t len,
				      int hoplimit, struct addr *target);

/*
 * The target link-layer address option of a valid NA (as vrrp_nd_parse_na
 * passed it): true with its MAC in mac, false when it has none or its
 * options are malformed (a zero length, RFC 4861 4.6, or one past the end).
 */
bool vrrp_nd_na_lladdr(const uint8_t *p, size_t len, uint8_t mac[6]);

#endif
