/*
 * announce - tell the LAN where a VIP lives: gratuitous ARP (RFC 5227
 * announcement form) over AF_PACKET.
 *
 * Owns: one AF_PACKET socket for the process and the ARP frame layout.
 * announce_build_garp() is pure, for tests. Never does: decide when to
 * announce (the instance's GARP schedule does).
 */
#ifndef VIPD_ANNOUNCE_H
#define VIPD_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "vrrp_pkt.h"

#define ANNOUNCE_ARP_LEN 28

/*
 * Build the 28-byte ARP payload of a gratuitous ARP request for ip from mac:
 * sender and target protocol address both ip, target hardware address zero.
 */
void announce_build_garp(const uint8_t mac[6], const struct vrrp_addr *ip,
			 uint8_t out[ANNOUNCE_ARP_LEN]);

/* Open the AF_PACKET socket. Returns the fd or -errno. */
int announce_open(void);

/* Broadcast one gratuitous ARP for ip on ifindex. 0 or -errno. */
int announce_send_garp(int fd, int ifindex, const uint8_t mac[6],
		       const struct vrrp_addr *ip);

#endif
