/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_probe - is the master's address alive? For IPv4 an ARP request for
 * it, and every ARP packet whose sender is it; for IPv6 a neighbour
 * solicitation (vrrp_nd.h) to its solicited-node group, hop limit 255,
 * and every neighbour advertisement (hop limit 255) whose target is it.
 * For master_down_bfd (vrrp_bfd.h): a master that answers is alive
 * whatever BFD says.
 *
 * Owns: one AF_PACKET socket for ARP and one raw ICMPv6 socket that lets
 * only advertisements through (both on all interfaces; the caller matches
 * the interface). Never does: decide (vrrp_bfd does).
 */
#ifndef VIPD_VRRP_PROBE_H
#define VIPD_VRRP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"

/* The ARP socket: fd or -errno. */
int vrrp_probe_open(void);

/* Ask who has target on ifindex, from src / mac. 0 or -errno. */
int vrrp_probe_send(int fd, int ifindex, const uint8_t mac[6],
		    const struct addr *src, const struct addr *target);

/*
 * One ARP packet from fd: true with the interface it came in on and its
 * sender's protocol address; false when nothing (more) is to be read.
 * Packets that are no IPv4-over-Ethernet ARP are read and skipped.
 */
bool vrrp_probe_read(int fd, int *ifindex, struct addr *sender);

/* The raw ICMPv6 socket (NA only, hop limits 255): fd or -errno. */
int vrrp_probe6_open(void);

/* Solicit target's link-layer address on ifindex, from src / mac. */
int vrrp_probe6_send(int fd, int ifindex, const uint8_t mac[6],
		     const struct addr *src, const struct addr *target);

/*
 * One neighbour advertisement from fd: true with the interface it came in
 * on and its target address; false when nothing (more) is to be read.
 * Anything else, and advertisements with a hop limit other than 255, are
 * read and skipped.
 */
bool vrrp_probe6_read(int fd, int *ifindex, struct addr *sender);

/* The same, with the advertisement's target link-layer address, if any. */
bool vrrp_probe6_read_na(int fd, int *ifindex, struct addr *sender,
			 uint8_t mac[6], bool *has_mac);

#endif
