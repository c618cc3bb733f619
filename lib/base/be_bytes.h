/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * be_bytes - big-endian (network order) integers in byte buffers, for the
 * codecs (vrrp_pkt, vrrp_pkt_ip, ct_wire). Byte by byte, so that no
 * pointer is ever cast to a wider type: a packet's fields need not be
 * aligned. Owns nothing; reads and writes only the bytes it is given.
 */
#ifndef VIPD_BE_BYTES_H
#define VIPD_BE_BYTES_H

#include <stdint.h>

static inline uint16_t
be_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be_get32(const uint8_t *p)
{
	return (uint32_t)be_get16(p) << 16 | be_get16(p + 2);
}

static inline uint64_t
be_get64(const uint8_t *p)
{
	return (uint64_t)be_get32(p) << 32 | be_get32(p + 4);
}

static inline void
be_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
be_put32(uint8_t *p, uint32_t v)
{
	be_put16(p, (uint16_t)(v >> 16));
	be_put16(p + 2, (uint16_t)v);
}

static inline void
be_put64(uint8_t *p, uint64_t v)
{
	be_put32(p, (uint32_t)(v >> 32));
	be_put32(p + 4, (uint32_t)v);
}

#endif
