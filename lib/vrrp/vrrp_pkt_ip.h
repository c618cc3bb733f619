/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_pkt_ip - the IP layer around a VRRP advert: parse a received IPv4
 * datagram (with the AH header keepalived puts around a v2 advert) or the
 * IPv6 header ifsock rebuilds, into meta data and the VRRP payload; verify
 * that AH; build the complete IPv4 datagram (and AH) we send.
 *
 * Owns: the IPv4/IPv6 header layout and checks, AH framing and its ICV
 * check. Pure: no syscalls, no allocation, no logging; the ICV comes from
 * vrrp_auth (OpenSSL). A refused packet yields an enum vrrp_drop.
 * Never does: the VRRP message itself (vrrp_pkt), socket I/O (vrrp_net,
 * ifsock), or AH anti-replay (the instance, vrrp_auth.h).
 */
#ifndef VIPD_VRRP_PKT_IP_H
#define VIPD_VRRP_PKT_IP_H

#include <stddef.h>
#include <stdint.h>

#include "vrrp/vrrp_pkt.h"

/*
 * Split a raw IPv4 packet (as read from a SOCK_RAW socket of protocol 112 or
 * 51, header included) into meta data and VRRP payload. Checks version 4,
 * IHL (>= 5, within len), total length (>= IHL * 4, <= len; bytes after it
 * are ignored) -> VRRP_DROP_IP_HEADER, then protocol -> VRRP_DROP_PROTOCOL.
 * Protocol 51 is an AH header (RFC 2402) in front of the advert: its next
 * header must be 112 (else VRRP_DROP_PROTOCOL), and it must be whole with a
 * 96-bit ICV (payload length 4, else VRRP_DROP_IP_HEADER); the payload is
 * then what follows it, and only vrrp_pkt_decode() verifies the ICV.
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
 * RFC 2402 3.4.4: verify the AH header of the IPv4 datagram meta describes
 * (meta->ip_pkt, meta->ip_len, as vrrp_pkt_parse_ipv4() set them): the ICV
 * (HMAC-MD5-96 with auth->key, see vrrp_auth_ah_icv()) recomputed and
 * compared in constant time, and the SPI equal to meta->src, keepalived's
 * rule. Returns VRRP_DROP_AUTH_TYPE when meta holds no IPv4 datagram,
 * VRRP_DROP_AUTH on a bad ICV or SPI, else VRRP_DROP_NONE with the AH
 * sequence number in *seq (judged by the caller, see vrrp_auth.h).
 * vrrp_pkt_decode() calls it for a v2 advert with AH authentication.
 */
enum vrrp_drop vrrp_pkt_ah_verify(const struct vrrp_pkt_meta *meta,
				  const struct vrrp_auth *auth, uint32_t *seq);

/*
 * Build a complete IPv4 packet (20-byte header, TOS 0xc0, TTL 255, protocol
 * 112, DF clear, header checksum filled, IP id ip_id) around adv, for an
 * IP_HDRINCL socket; byte for byte what keepalived sends but for the IP id.
 * With AH authentication the protocol is 51 and an AH header (next header
 * 112, SPI = src, sequence number adv->ah_seq, ICV as vrrp_auth_ah_icv())
 * sits between the IP header and the advert, as keepalived sends it; ip_id
 * must then not be 0 (-EINVAL), since Linux would replace a zero id after
 * the ICV covered it. Returns the total length, -EAFNOSUPPORT if src or dst
 * is not IPv4, -ENOTSUP when HMAC-MD5 is unavailable, or an error of
 * vrrp_pkt_encode().
 */
int vrrp_pkt_build_ipv4(const struct vrrp_advert *adv,
			const struct vrrp_auth *auth,
			const struct addr *src, const struct addr *dst,
			uint16_t ip_id, uint8_t *buf, size_t cap);

#endif
