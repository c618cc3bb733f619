/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_sock - the UDP sockets of RFC 5881 single-hop BFD, IPv4 and IPv6.
 *
 * Owns: a receive socket per local address (and interface), bound to port
 * 3784 and asking for the TTL / hop limit of each datagram, and a send
 * socket per session, bound to the local address and a source port in
 * 49152..65535, sending with TTL / hop limit 255 (RFC 5881 4, 5). Both are
 * bound to the interface (SO_BINDTODEVICE) when one is given.
 * Never does: look inside the packets, or decide anything.
 */
#ifndef VIPD_BFD_SOCK_H
#define VIPD_BFD_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/addr.h"

/* Receive socket on local:3784 (ifname "" = none). fd or -errno. */
int bfd_sock_open_rx(const struct addr *local, const char *ifname);

/*
 * Send socket from local (ifname "" = none), its source port the first
 * free one from *port_hint on (wrapping within 49152..65535); *port_hint
 * becomes the port after the one taken. fd or -errno.
 */
int bfd_sock_open_tx(const struct addr *local, const char *ifname,
		     uint16_t *port_hint);

/*
 * One datagram from fd: its payload into buf (cap), its sender into *src
 * and *src_port, its TTL / hop limit into *ttl (-1 when the kernel did not
 * say). Returns the length, or -errno (-EAGAIN: nothing more).
 */
ssize_t bfd_sock_recv(int fd, uint8_t *buf, size_t cap, struct addr *src,
		      uint16_t *src_port, int *ttl);

/* Send len bytes to peer:3784. 0 or -errno. */
int bfd_sock_send(int fd, const struct addr *peer, const char *ifname,
		  const uint8_t *buf, size_t len);

#endif
