/*
 * vrrp_net - the sockets VRRP adverts travel on.
 *
 * Owns: one raw IPv4 socket (protocol 112) per interface, bound to it, joined
 * to 224.0.0.18, sending with a header we build (IP_HDRINCL) so that TTL is
 * 255 and the source is the instance's primary address; whatever protocol
 * that header names (112, or 51 for AH) is what goes out. A raw socket only
 * receives its own protocol, so AH-authenticated adverts need a second
 * socket of protocol 51 on the interface, opened the same way.
 * Never does: decode or judge packets (vrrp_pkt), or choose what to send.
 */
#ifndef VIPD_VRRP_NET_H
#define VIPD_VRRP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp_pkt.h"

/*
 * Open an IPv4 advert socket of protocol (VRRP_IPPROTO or VRRP_IPPROTO_AH)
 * for ifname/ifindex. Returns the fd or -errno.
 */
int vrrp_net_open_ipv4(const char *ifname, int ifindex, int protocol);

/* Send one complete IPv4 packet (header included) to dst. 0 or -errno. */
int vrrp_net_send_ipv4(int fd, const uint8_t *pkt, size_t len,
		       const struct vrrp_addr *dst);

/* Read one packet (IPv4: header included). Returns its length or -errno. */
ssize_t vrrp_net_recv(int fd, uint8_t *buf, size_t cap);

#endif
