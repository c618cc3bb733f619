/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_net - the sockets VRRP adverts travel on.
 *
 * Owns: one raw IPv4 socket (protocol 112) per interface, bound to it, joined
 * to 224.0.0.18, sending with a header we build (IP_HDRINCL) so that TTL is
 * 255 and the source is the instance's primary address; whatever protocol
 * that header names (112, or 51 for AH) is what goes out. A raw socket only
 * receives its own protocol, so AH-authenticated adverts need a second
 * socket of protocol 51 on the interface, opened the same way.
 * IPv6 (RFC 5798 5.1.2): one raw IPv6 socket (protocol 112) per interface,
 * joined to ff02::12, hop limit 255 for multicast and unicast alike, the
 * source (the link-local address) given per packet, and the hop limit and
 * destination of what it receives asked from the kernel, since an IPv6 raw
 * socket never shows the IP header.
 * Never does: decode or judge packets (vrrp_pkt), or choose what to send.
 */
#ifndef VIPD_VRRP_NET_H
#define VIPD_VRRP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp/vrrp_pkt.h"

/*
 * Open an IPv4 advert socket of protocol (VRRP_IPPROTO or VRRP_IPPROTO_AH)
 * for ifname/ifindex. Returns the fd or -errno.
 */
int vrrp_net_open_ipv4(const char *ifname, int ifindex, int protocol);

/* Send one complete IPv4 packet (header included) to dst. 0 or -errno. */
int vrrp_net_send_ipv4(int fd, const uint8_t *pkt, size_t len,
		       const struct addr *dst);

/* Read one packet (IPv4: header included). Returns its length or -errno. */
ssize_t vrrp_net_recv(int fd, uint8_t *buf, size_t cap);

/* Open the IPv6 advert socket for ifname/ifindex. Returns the fd or -errno. */
int vrrp_net_open_ipv6(const char *ifname, int ifindex);

/*
 * Read one IPv6 advert into buf as vrrp_pkt_parse_ipv6() wants it: an IPv6
 * header made from the ancillary data (source, destination, hop limit),
 * then the payload. Returns the total length, -EMSGSIZE for a packet that
 * did not fit (read and discarded), or -errno.
 */
ssize_t vrrp_net_recv_ipv6(int fd, uint8_t *buf, size_t cap);

/*
 * Build adv (authenticated as auth says, v2 only) from src to dst and send
 * it on fd (the interface's socket of src's family; ifindex for IPv6's
 * outgoing interface and scope). IPv4 goes out as vrrp_pkt_build_ipv4()
 * builds it with IP id ip_id, signed by vrrp_auth_ah_sign() for AH (-ENOTSUP
 * when HMAC-MD5 is unavailable); IPv6 as the bare payload, the kernel adding
 * the header with hop limit 255 and src as source. 0 or -errno.
 */
int vrrp_net_send_advert(int fd, int ifindex, const struct vrrp_advert *adv,
			 const struct vrrp_auth *auth, const struct addr *src,
			 const struct addr *dst, uint16_t ip_id);

#endif
