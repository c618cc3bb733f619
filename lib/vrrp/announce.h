/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * announce - tell the LAN where a VIP lives: gratuitous ARP (RFC 5227
 * announcement form) for IPv4, unsolicited Neighbour Advertisements (RFC
 * 4861 4.4, 7.2.6) for IPv6, over AF_PACKET.
 *
 * Owns: one AF_PACKET socket for the process, the ARP frame layout and the
 * NA packet (IPv6 header and ICMPv6 checksum included).
 * announce_build_garp() and announce_build_na() are pure, for tests. Never does: decide when to
 * announce (the instance's GARP schedule does).
 */
#ifndef VIPD_ANNOUNCE_H
#define VIPD_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "vrrp/vrrp_pkt.h"

#define ANNOUNCE_ARP_LEN 28
#define ANNOUNCE_NA_LEN 72      /* IPv6 header 40 + NA 24 + target lladdr option 8 */

/*
 * Build the 28-byte ARP payload of a gratuitous ARP request for ip from mac:
 * sender and target protocol address both ip, target hardware address zero.
 */
void announce_build_garp(const uint8_t mac[6], const struct addr *ip,
			 uint8_t out[ANNOUNCE_ARP_LEN]);

/*
 * Build an unsolicited Neighbour Advertisement for target from mac, as an
 * IPv6 packet from src (our link-local address) to ff02::1, hop limit 255:
 * Override flag set, Solicited and Router clear, a target link-layer
 * address option with mac, the ICMPv6 checksum filled.
 */
void announce_build_na(const uint8_t mac[6], const struct addr *src,
		       const struct addr *target,
		       uint8_t out[ANNOUNCE_NA_LEN]);

/* Open the AF_PACKET socket. Returns the fd or -errno. */
int announce_open(void);

/* Broadcast one gratuitous ARP for ip on ifindex. 0 or -errno. */
int announce_send_garp(int fd, int ifindex, const uint8_t mac[6],
		       const struct addr *ip);

/* Multicast one unsolicited NA for target (from src) on ifindex. 0 or -errno. */
int announce_send_na(int fd, int ifindex, const uint8_t mac[6],
		     const struct addr *src, const struct addr *target);

/*
 * Announce ip the way its family wants: a gratuitous ARP, or an NA from
 * src (IPv6 only). 0 or -errno.
 */
int announce_send(int fd, int ifindex, const uint8_t mac[6],
		  const struct addr *src, const struct addr *ip);

#endif
