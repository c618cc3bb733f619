/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_probe - is the master's address alive? An ARP request for it, and
 * every ARP packet whose sender is it, for master_down_bfd (vrrp_bfd.h):
 * a master that answers is alive whatever BFD says.
 *
 * Owns: one AF_PACKET socket for ARP (all interfaces; the caller matches
 * the interface). Never does: decide (vrrp_bfd does), IPv6 (a neighbour
 * solicitation probe is not written yet: for IPv6 the caller has no probe,
 * and vrrp_bfd then waits for the Master_Down_Timer).
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

#endif
