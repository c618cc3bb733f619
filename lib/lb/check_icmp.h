/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_icmp - the echo of a ping check (RFC 792, RFC 4443 4.1): the
 * request, and whether a message read back is its reply.
 *
 * Owns: nothing. Never does: open a socket, allocate. Pure, unit-tested.
 */
#ifndef VIPD_CHECK_ICMP_H
#define VIPD_CHECK_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_ICMP_ECHO_LEN 16    /* header and an 8-byte token */

/*
 * The echo request (ICMP type 8, or ICMPv6 128) with id, seq and token
 * into buf (CHECK_ICMP_ECHO_LEN bytes), with its ICMP checksum (ICMPv6's
 * covers a pseudo-header: the kernel computes it).
 */
void check_icmp_echo(uint8_t *buf, bool v6, uint16_t id, uint16_t seq,
    uint64_t token);

enum check_icmp_verdict {
	CHECK_ICMP_OTHER = 0,     /* not our reply: wait on */
	CHECK_ICMP_REPLY,         /* our echo reply */
	CHECK_ICMP_UNREACH,       /* an error about our request */
};

/*
 * Judge buf (len bytes, an IPv4 header first when ip_header; the ICMP
 * message else). match_id false: the kernel set the id (a datagram ping
 * socket) and the token and seq decide.
 */
enum check_icmp_verdict check_icmp_judge(const uint8_t *buf, size_t len,
    bool v6, bool ip_header, bool match_id, uint16_t id, uint16_t seq,
    uint64_t token);

#endif
