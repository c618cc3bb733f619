/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt_ip - the IP layer around a VRRP advert: parse a received IPv4
 * datagram (with the AH header keepalived puts around a v2 advert) or the
 * IPv6 header ifsock rebuilds, into meta data and the VRRP payload; build
 * the complete IPv4 datagram (and AH framing) we send.
 *
 * Owns: the IPv4/IPv6 header layout and checks, and the AH header's layout
 * (RFC 2402 2). Pure: no syscalls, no allocation, no logging. A refused
 * packet yields an enum vrrp_drop.
 * Never does: the VRRP message itself (vrrp_pkt), the AH ICV (vrrp_auth
 * computes and verifies it: a MAC is no codec's business), socket I/O
 * (vrrp_net, ifsock), or AH anti-replay (the instance, vrrp_auth.h).
 */
#ifndef VIPD_VRRP_PKT_IP_H
#define VIPD_VRRP_PKT_IP_H

#include <stddef.h>
#include <stdint.h>

#include "vrrp/vrrp_pkt.h"

/* RFC 2402 2: next header, payload length, reserved, SPI, sequence, ICV. */
#define VRRP_AH_SPI_OFFSET 4
#define VRRP_AH_SEQ_OFFSET 8
#define VRRP_AH_ICV_OFFSET 12

/*
 * Split a raw IPv4 packet (as read from a SOCK_RAW socket of protocol 112 or
 * 51, header included) into meta data and VRRP payload. Checks version 4,
 * IHL (>= 5, within len), total length (>= IHL * 4, <= len; bytes after it
 * are ignored) -> VRRP_DROP_IP_HEADER, then protocol -> VRRP_DROP_PROTOCOL.
 * Protocol 51 is an AH header (RFC 2402) in front of the advert: its next
 * header must be 112 (else VRRP_DROP_PROTOCOL), and it must be whole with a
 * 96-bit ICV (payload length 4, else VRRP_DROP_IP_HEADER); the payload is
 * then what follows it, meta->ah_seq its sequence number, and the ICV is
 * vrrp_auth_ah_verify()'s to check before the advert is decoded.
 * Returns VRRP_DROP_NONE on success, with meta->protocol, ip_pkt and ip_len
 * set. meta is filled as soon as the 20-byte fixed header is there, so a
 * refused packet can still be logged with its source; on failure *payload is
 * NULL and *payload_len 0. The IP header checksum is not checked: the kernel
 * has done it before a raw socket sees the packet.
 */
enum vrrp_drop vrrp_pkt_parse_ipv4(const uint8_t *pkt, size_t len,
				   struct vrrp_pkt_meta *meta,
				   const uint8_t **payload, size_t *payload_len);

/*
 * The same for IPv6. A raw IPv6 socket hands over the payload alone, so the
 * caller (ifsock) puts a 40-byte IPv6 header in front of it, built from
 * what recvmsg() told: source, destination (IPV6_PKTINFO), hop limit
 * (IPV6_HOPLIMIT; 0 when the kernel did not say, which the TTL check then
 * refuses), next header 112, payload length. Checks version 6 and payload
 * length (<= what follows the header; bytes after it are ignored) ->
 * VRRP_DROP_IP_HEADER, next header -> VRRP_DROP_PROTOCOL. meta is filled
 * as soon as the 40 bytes are there; meta->ip_pkt stays NULL (no AH).
 */
enum vrrp_drop vrrp_pkt_parse_ipv6(const uint8_t *pkt, size_t len,
				   struct vrrp_pkt_meta *meta,
				   const uint8_t **payload, size_t *payload_len);

/* vrrp_pkt_parse_ipv4() or _ipv6(), by the version in the first byte. */
enum vrrp_drop vrrp_pkt_parse_ip(const uint8_t *pkt, size_t len,
				 struct vrrp_pkt_meta *meta,
				 const uint8_t **payload, size_t *payload_len);

/*
 * Build a complete IPv4 packet (20-byte header, TOS 0xc0, TTL 255, protocol
 * 112, DF clear, header checksum filled, IP id ip_id) around adv, for an
 * IP_HDRINCL socket; byte for byte what keepalived sends but for the IP id.
 * With AH authentication the protocol is 51 and an AH header (next header
 * 112, SPI = src, sequence number adv->ah_seq, ICV zero) sits between the
 * IP header and the advert, as keepalived sends it; the caller then signs
 * the datagram (vrrp_auth_ah_sign()) before sending it. ip_id must then not
 * be 0 (-EINVAL), since Linux would replace a zero id after the ICV covered
 * it. Returns the total length, -EAFNOSUPPORT if src or dst is not IPv4, or
 * an error of vrrp_pkt_encode().
 */
int vrrp_pkt_build_ipv4(const struct vrrp_advert *adv,
			const struct vrrp_auth *auth,
			const struct addr *src, const struct addr *dst,
			uint16_t ip_id, uint8_t *buf, size_t cap);

#endif
